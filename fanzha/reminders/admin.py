"""Admin: the station's reminder rules and a read-only list of campaigns. Recipients and opt-out
numbers are personal data and stay on the pages, where they are masked and exports audited."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.core.exceptions import ValidationError
from django.forms import ModelForm
from django.http import HttpRequest

from fanzha.domain import reminder_audience
from fanzha.reminders.models import ReminderCampaign, ReminderSettings


class ReminderSettingsForm(ModelForm):
    class Meta:
        model = ReminderSettings
        fields = ("overrides",)

    def clean_overrides(self) -> dict[str, Any]:
        overrides = self.cleaned_data["overrides"]
        if not isinstance(overrides, dict):
            raise ValidationError("参数应为 JSON 对象")
        try:
            reminder_audience.load_settings(overrides)
        except (ValueError, TypeError) as exc:
            raise ValidationError(f"参数无效：{exc}") from exc
        return overrides


@admin.register(ReminderSettings)
class ReminderSettingsAdmin(admin.ModelAdmin):
    form = ReminderSettingsForm
    list_display = ("updated_at", "updated_by")
    readonly_fields = ("updated_by",)

    def save_model(self, request, obj, form, change):  # type: ignore[no-untyped-def]
        obj.updated_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(ReminderCampaign)
class ReminderCampaignAdmin(admin.ModelAdmin):
    list_display = ("day", "category", "description", "status", "audience", "created_by")
    list_filter = ("status", "category")
    date_hierarchy = "day"
    exclude = ("grids",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
