from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from fanzha.clues.models import Clue, ClueBatch, ClueReject, DissuasionAction, SourceSystem
from fanzha.stations.personal_admin import (
    MASK_ID_NUMBER,
    MASK_NAME,
    MASK_PHONE,
    MASK_TEXT,
    PersonalDataAdmin,
    PersonalDataInline,
)
from fanzha.web.money_admin import YuanAdminMixin


class ActionInline(PersonalDataInline):
    model = DissuasionAction
    personal_fields = {"note": MASK_TEXT, "sms_text": MASK_TEXT}


@admin.register(Clue)
class ClueAdmin(YuanAdminMixin, PersonalDataAdmin):
    personal_fields = {
        "target_name": MASK_NAME,
        "target_phone": MASK_PHONE,
        "target_id_number": MASK_ID_NUMBER,
        "target_address": MASK_TEXT,
        "raw": None,  # the row as received: every column of it
    }
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
    raw_id_fields = ("resident", "merged_into", "batch", "case")
    inlines = [ActionInline]


@admin.register(SourceSystem)
class SourceSystemAdmin(admin.ModelAdmin):
    """Tokens are shown once, in the message after saving a new system or issuing a new token."""

    list_display = ("name", "source", "token_hint", "is_active", "created_at", "last_used_at")
    readonly_fields = ("token_hint", "created_at", "last_used_at")
    actions = ["issue_new_token"]

    def save_model(self, request: HttpRequest, obj: SourceSystem, form: Any, change: bool) -> None:
        token = None if change else obj.issue_token()
        super().save_model(request, obj, form, change)
        if token:
            self.message_user(
                request, f"{obj.name} 的接口令牌（只显示这一次，请立即妥善转交）：{token}", messages.WARNING
            )

    @admin.action(description="生成新令牌（旧令牌立即失效）")
    def issue_new_token(self, request: HttpRequest, queryset: QuerySet[SourceSystem]) -> None:
        for system in queryset:
            token = system.issue_token()
            system.save(update_fields=["token_hash", "token_hint"])
            self.message_user(request, f"{system.name} 的新令牌（只显示这一次）：{token}", messages.WARNING)


@admin.register(ClueBatch)
class ClueBatchAdmin(admin.ModelAdmin):
    list_display = ("received_at", "channel", "name", "source_system", "created_by")
    list_filter = ("channel",)


@admin.register(ClueReject)
class ClueRejectAdmin(PersonalDataAdmin):
    personal_fields = {"raw": None}
    list_display = ("batch", "file_name", "line", "reason", "resolved")
    list_filter = ("resolved",)
