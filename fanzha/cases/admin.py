from django.contrib import admin

from fanzha.cases.models import Case, CaseIdentifier, Identifier, MonthlyCrimeTotal, Transfer, Victim


class VictimInline(admin.TabularInline):
    model = Victim
    extra = 0
    raw_id_fields = ("resident",)


class TransferInline(admin.TabularInline):
    model = Transfer
    extra = 0


class CaseIdentifierInline(admin.TabularInline):
    model = CaseIdentifier
    extra = 0
    raw_id_fields = ("identifier",)


@admin.register(Case)
class CaseAdmin(admin.ModelAdmin):
    list_display = ("case_no", "reported_at", "category", "grid", "loss_fen", "status", "solved")
    list_filter = ("status", "category", "solved", "grid")
    search_fields = ("case_no",)
    date_hierarchy = "reported_at"
    inlines = [VictimInline, TransferInline, CaseIdentifierInline]


@admin.register(Identifier)
class IdentifierAdmin(admin.ModelAdmin):
    list_display = ("kind", "value")
    list_filter = ("kind",)
    search_fields = ("value",)


admin.site.register(MonthlyCrimeTotal)
