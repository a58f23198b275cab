from django.contrib import admin

from fanzha.ranking.models import AppRegistration


@admin.register(AppRegistration)
class AppRegistrationAdmin(admin.ModelAdmin):
    list_display = ("day", "grid", "source")
    list_filter = ("source", "grid")
    raw_id_fields = ("resident",)
    date_hierarchy = "day"
