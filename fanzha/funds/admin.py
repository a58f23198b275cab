from django.contrib import admin

from fanzha.funds.models import BankColumnMapping, ImportJob, StatementFile, StatementReject, TraceRun
from fanzha.stations.personal_admin import MASK_CARD, PersonalDataAdmin
from fanzha.web.money_admin import YuanAdminMixin


@admin.register(BankColumnMapping)
class BankColumnMappingAdmin(admin.ModelAdmin):
    list_display = ("bank", "signature", "used_count", "last_used_at", "created_by", "created_at")
    search_fields = ("bank", "signature")


class StatementFileInline(admin.TabularInline):
    model = StatementFile
    extra = 0
    fields = ("name", "case", "size", "rows", "created", "duplicates", "rejected", "error")
    readonly_fields = fields


@admin.register(ImportJob)
class ImportJobAdmin(admin.ModelAdmin):
    list_display = (
        "pk",
        "source",
        "case",
        "status",
        "file_count",
        "created",
        "duplicates",
        "rejected",
        "created_at",
    )
    list_filter = ("status", "source")
    raw_id_fields = ("case",)
    inlines = [StatementFileInline]


@admin.register(StatementReject)
class StatementRejectAdmin(PersonalDataAdmin):
    personal_fields = {"raw": None}  # a statement row: account holders' names and card numbers
    list_display = ("file", "line", "reason", "resolved")
    list_filter = ("resolved",)
    search_fields = ("file__name", "reason")


@admin.register(TraceRun)
class TraceRunAdmin(YuanAdminMixin, PersonalDataAdmin):
    personal_fields = {"start_account": MASK_CARD}
    list_display = (
        "pk",
        "case",
        "start_mode",
        "rule",
        "max_depth",
        "accounts_reached",
        "created_by",
        "created_at",
    )
    list_filter = ("rule", "start_mode")
    raw_id_fields = ("case",)
    exclude = ("result",)
