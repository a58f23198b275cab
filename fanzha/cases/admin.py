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
from fanzha.stations.personal_admin import (
    MASK_CARD,
    MASK_ID_NUMBER,
    MASK_NAME,
    MASK_PHONE,
    MASK_TEXT,
    PersonalDataAdmin,
    PersonalDataInline,
)
from fanzha.web.money_admin import YuanAdminMixin, yuan_column


class VictimInline(PersonalDataInline):
    model = Victim
    personal_fields = {"name": MASK_NAME, "id_number": MASK_ID_NUMBER, "phone": MASK_PHONE}
    raw_id_fields = ("resident",)


class TransferInline(YuanAdminMixin, PersonalDataInline):
    model = Transfer
    personal_fields = {"to_account": MASK_CARD}


class CaseIdentifierInline(admin.TabularInline):
    model = CaseIdentifier
    extra = 0
    raw_id_fields = ("identifier",)


@admin.register(Case)
class CaseAdmin(YuanAdminMixin, PersonalDataAdmin):
    # The narrative names the victim; the machine draft and the corrections repeat what it says.
    personal_fields = {"narrative": MASK_TEXT, "draft": None, "corrections": None}
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
class IdentifierAdmin(PersonalDataAdmin):
    """Accounts and phones are masked as on the case pages; URLs, apps and platforms are not."""

    personal_fields = {"value": None}
    list_display = ("kind", "masked_value")
    list_filter = ("kind",)
    search_fields = ("value",)

    @admin.display(description="值")
    def masked_value(self, obj: Identifier) -> str:
        return obj.masked_value()


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
