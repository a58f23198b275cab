from django.contrib import admin

from fanzha.cases.models import (
    Case,
    CaseIdentifier,
    CaseImportBatch,
    CaseImportReject,
    CategoryOverride,
    Identifier,
    MonthlyCrimeTotal,
    Transfer,
    Victim,
)
from fanzha.web.money_admin import YuanAdminMixin, yuan_column


class VictimInline(admin.TabularInline):
    model = Victim
    extra = 0
    raw_id_fields = ("resident",)


class TransferInline(YuanAdminMixin, admin.TabularInline):
    model = Transfer
    extra = 0


class CaseIdentifierInline(admin.TabularInline):
    model = CaseIdentifier
    extra = 0
    raw_id_fields = ("identifier",)


@admin.register(Case)
class CaseAdmin(YuanAdminMixin, admin.ModelAdmin):
    list_display = (
        "case_no",
        "reported_at",
        "category",
        "grid",
        yuan_column("loss_fen", "损失（元）"),
        "status",
        "source",
        "solved",
    )
    list_filter = ("status", "source", "category", "solved", "grid")
    readonly_fields = ("draft", "corrections", "fingerprint", "import_batch")
    search_fields = ("case_no",)
    date_hierarchy = "reported_at"
    inlines = [VictimInline, TransferInline, CaseIdentifierInline]


@admin.register(Identifier)
class IdentifierAdmin(admin.ModelAdmin):
    list_display = ("kind", "value")
    list_filter = ("kind",)
    search_fields = ("value",)


admin.site.register(MonthlyCrimeTotal)


@admin.register(CategoryOverride)
class CategoryOverrideAdmin(admin.ModelAdmin):
    list_display = ("case", "previous", "machine", "category", "by", "at")
    list_filter = ("category",)
    raw_id_fields = ("case",)


class CaseImportRejectInline(admin.TabularInline):
    model = CaseImportReject
    extra = 0
    fields = ("line", "reason", "resolved", "resolved_note")
    readonly_fields = ("line", "reason")


@admin.register(CaseImportBatch)
class CaseImportBatchAdmin(admin.ModelAdmin):
    list_display = (
        "filename",
        "uploaded_at",
        "uploaded_by",
        "status",
        "rows",
        "created",
        "duplicates",
        "rejected",
    )
    list_filter = ("status",)
    exclude = ("content",)
    readonly_fields = ("sha256", "file_format", "encoding", "rows", "created", "duplicates", "rejected")
    inlines = [CaseImportRejectInline]
