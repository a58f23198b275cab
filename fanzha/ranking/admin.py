from django.contrib import admin
from django.core.exceptions import ValidationError
from django.forms import ModelForm

from fanzha.domain.ranking import ranking_config
from fanzha.ranking.models import (
    AppRegistration,
    GridDailyCount,
    RankingSettings,
    RegistrationImport,
    RejectedRegistrationRow,
)
from fanzha.stations.personal_admin import PersonalDataAdmin, PersonalDataInline


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


class RankingSettingsForm(ModelForm):
    class Meta:
        model = RankingSettings
        fields = ("overrides",)

    def clean_overrides(self) -> dict:
        overrides = self.cleaned_data["overrides"]
        try:
            ranking_config(overrides)
        except (ValueError, KeyError, TypeError) as exc:
            raise ValidationError(f"参数无效：{exc}") from exc
        return overrides


@admin.register(RankingSettings)
class RankingSettingsAdmin(admin.ModelAdmin):
    form = RankingSettingsForm
    list_display = ("updated_at", "updated_by")
    readonly_fields = ("updated_by",)

    def save_model(self, request, obj, form, change):  # type: ignore[no-untyped-def]
        obj.updated_by = request.user
        super().save_model(request, obj, form, change)
