from django.contrib import admin

from fanzha.outreach.models import OutreachEvent, QuizQuestion


@admin.register(OutreachEvent)
class OutreachEventAdmin(admin.ModelAdmin):
    list_display = ("day", "title", "grid", "venue_type", "audience")
    list_filter = ("venue_type", "grid")
    date_hierarchy = "day"


@admin.register(QuizQuestion)
class QuizQuestionAdmin(admin.ModelAdmin):
    list_display = ("category", "question", "active")
    list_filter = ("category", "active")
