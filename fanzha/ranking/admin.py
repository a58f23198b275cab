from django.contrib import admin

from fanzha.domain.ranking import ranking_config
from fanzha.ranking.models import (
    AppRegistration,
    GridDailyCount,
    RankingSettings,
    RegistrationImport,
    RejectedRegistrationRow,
)
from fanzha.stations.personal_admin import PersonalDataAdmin, PersonalDataInline
from fanzha.web.settings_admin import SettingsOverridesAdmin, overrides_form


@admin.register(AppRegistration)
class AppRegistrationAdmin(admin.ModelAdmin):
    list_display = ("day", "grid", "source")
    list_filter = ("source", "grid")
    raw_id_fields = ("resident", "batch", "recorded_by")
    date_hierarchy = "day"


@admin.register(GridDailyCount)
class GridDailyCountAdmin(admin.ModelAdmin):
    list_display = ("day", "grid", "source", "count")
    list_filter = ("source", "grid")
    date_hierarchy = "day"


class RejectedRowInline(PersonalDataInline):
    model = RejectedRegistrationRow
    personal_fields = {"raw": None}  # the registration row as received: name and phone
    readonly_fields = ("line", "raw", "reason")


@admin.register(RegistrationImport)
class RegistrationImportAdmin(PersonalDataAdmin):
    list_display = (
        "imported_at",
        "file_name",
        "kind",
        "rows",
        "created",
        "updated",
        "duplicates",
        "rejected",
    )
    readonly_fields = ("sha256",)
    inlines = [RejectedRowInline]


@admin.register(RankingSettings)
class RankingSettingsAdmin(SettingsOverridesAdmin):
    form = overrides_form(RankingSettings, ranking_config)
