from django.contrib import admin

from fanzha.clues.models import Clue, DissuasionAction


class ActionInline(admin.TabularInline):
    model = DissuasionAction
    extra = 0


@admin.register(Clue)
class ClueAdmin(admin.ModelAdmin):
    list_display = (
        "source",
        "source_id",
        "received_at",
        "kind",
        "grade",
        "grid",
        "status",
        "outcome",
        "deadline",
    )
    list_filter = ("status", "grade", "source", "kind", "grid")
    search_fields = ("source_id", "fraud_identifier")
    raw_id_fields = ("resident", "merged_into")
    inlines = [ActionInline]
