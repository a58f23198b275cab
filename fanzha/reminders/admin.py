"""Admin: the station's reminder rules and a read-only list of campaigns. Recipients and opt-out
numbers are personal data and stay on the pages, where they are masked and exports audited."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from fanzha.domain import reminder_audience
from fanzha.reminders.models import ReminderCampaign, ReminderSettings
from fanzha.web.settings_admin import SettingsOverridesAdmin, overrides_form


@admin.register(ReminderSettings)
class ReminderSettingsAdmin(SettingsOverridesAdmin):
    form = overrides_form(ReminderSettings, reminder_audience.load_settings)


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
