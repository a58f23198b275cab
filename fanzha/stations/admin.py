from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from fanzha.stations.models import AuditLog, Community, Grid, Household, Resident, Station, User
from fanzha.stations.personal_admin import (
    MASK_ID_NUMBER,
    MASK_NAME,
    MASK_PHONE,
    MASK_TEXT,
    PersonalDataAdmin,
)


@admin.register(User)
class FanzhaUserAdmin(UserAdmin):
    list_display = ("username", "full_name", "role", "is_active", "locked_until")
    list_filter = ("role", "is_active")
    fieldsets = (
        *(UserAdmin.fieldsets or ()),
        ("岗位与范围", {"fields": ("full_name", "role", "grids", "failed_logins", "locked_until")}),
    )
    filter_horizontal = ("grids", "groups", "user_permissions")


admin.site.register(Station)


@admin.register(Community)
class CommunityAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "station")


@admin.register(Grid)
class GridAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "community", "officer", "population")
    list_filter = ("community",)
    filter_horizontal = ("workers",)


@admin.register(Household)
class HouseholdAdmin(PersonalDataAdmin):
    personal_fields = {"address": MASK_TEXT}
    list_display = ("code", "grid")
    search_fields = ("code",)


@admin.register(Resident)
class ResidentAdmin(PersonalDataAdmin):
    """Admins maintain the register: masked like on the pages; in full after a reason, audit-logged."""

    personal_fields = {
        "name": MASK_NAME,
        "id_number": MASK_ID_NUMBER,
        "phone": MASK_PHONE,
        "address": MASK_TEXT,
    }
    list_display = ("masked_name", "masked_phone", "grid", "sex", "occupation")
    list_filter = ("grid",)
    # Search by a full identifier is allowed (the admin already knows it); results stay masked.
    search_fields = ("id_number", "phone")
    raw_id_fields = ("household",)


@admin.register(AuditLog)
class AuditLogAdmin(admin.ModelAdmin):
    list_display = ("at", "username", "action", "object_type", "object_id", "reason", "ip")
    list_filter = ("action", "object_type")
    search_fields = ("username", "object_id", "reason")
    date_hierarchy = "at"

    def has_add_permission(self, request: object) -> bool:
        return False

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: object, obj: object = None) -> bool:
        return False
