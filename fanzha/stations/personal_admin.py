"""Personal data on the admin site: masked like on every page, shown in full only after a stated reason.

A ``PersonalDataAdmin`` declares its ``personal_fields`` with the mask each one gets (``None`` hides the
field: free text and raw imported rows, where a name or number can sit anywhere). On a record's change
page and in the lists those fields are read-only masked values and out of the form, so nothing there can
be seen or changed in full. The page offers 查看完整信息: a reason is asked for, an audit-log row is
written (as for the pages' unmask, with ``detail.via = "admin"``), and for the next few minutes that one
record's page shows and edits the fields in full. A new record is entered in full (typing data in is not
viewing someone's). Inlines (``PersonalDataInline``) follow the grant of the record they sit in.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from django.contrib import admin
from django.contrib.admin.utils import quote, unquote
from django.core.exceptions import PermissionDenied
from django.db.models import Model
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse

from fanzha.domain import masking
from fanzha.stations import audit
from fanzha.stations.models import AuditLog

Mask = Callable[[str], str] | None
# How long one stated reason opens one record's full view on the admin site.
FULL_VIEW_SECONDS = 10 * 60
_SESSION_KEY = "fanzha_admin_full_view"
HIDDEN = "（已隐藏：查看完整信息需填写事由）"

MASK_NAME: Mask = masking.mask_name
MASK_ID_NUMBER: Mask = masking.mask_id_number
MASK_PHONE: Mask = masking.mask_phone
MASK_CARD: Mask = masking.mask_card
MASK_TEXT: Mask = masking.mask_text


def _grant_key(obj: Model) -> str:
    return f"{obj._meta.label_lower}:{obj.pk}"


def has_full_view(request: HttpRequest, obj: Model | None) -> bool:
    if obj is None or obj.pk is None:
        return False
    grants = request.session.get(_SESSION_KEY, {})
    return float(grants.get(_grant_key(obj), 0)) > time.time()


def grant_full_view(request: HttpRequest, obj: Model) -> None:
    now = time.time()
    grants = {k: v for k, v in request.session.get(_SESSION_KEY, {}).items() if float(v) > now}
    grants[_grant_key(obj)] = now + FULL_VIEW_SECONDS
    request.session[_SESSION_KEY] = grants


def _masked_display(field_name: str, label: str, mask: Mask) -> Callable[[Model], str]:
    def display(obj: Model) -> str:
        value = getattr(obj, field_name, "")
        if value in (None, "", {}, []):
            return ""
        return HIDDEN if mask is None else mask(str(value))

    display.short_description = label  # type: ignore[attr-defined]
    return display


class _PersonalFields:
    """What the admin class and the inline share: the masked stand-ins for the personal fields."""

    model: type[Model]
    personal_fields: dict[str, Mask] = {}

    def _install_masked_displays(self) -> None:
        for field_name, mask in self.personal_fields.items():
            if hasattr(type(self), masked_name(field_name)):  # the admin class masks it its own way
                continue
            label = str(getattr(self.model._meta.get_field(field_name), "verbose_name", field_name))
            setattr(self, masked_name(field_name), _masked_display(field_name, label, mask))

    def _masked_fields(self, fields: Any) -> list[Any]:
        # ``fields`` can hold both a personal field (from the form) and its stand-in (from the
        # read-only fields); each appears once, where the field was.
        return list(dict.fromkeys(masked_name(f) if f in self.personal_fields else f for f in fields))


def masked_name(field_name: str) -> str:
    return f"masked_{field_name}"


class PersonalDataAdmin(_PersonalFields, admin.ModelAdmin):
    change_form_template = "admin/fanzha/personal_change_form.html"

    def __init__(self, model: type[Model], admin_site: admin.AdminSite) -> None:
        self.model = model
        self._install_masked_displays()
        super().__init__(model, admin_site)

    def _full(self, request: HttpRequest, obj: Model | None) -> bool:
        return obj is None or has_full_view(request, obj)

    def get_fields(self, request: HttpRequest, obj: Model | None = None) -> Any:
        fields = super().get_fields(request, obj)
        return fields if self._full(request, obj) else self._masked_fields(fields)

    def get_fieldsets(self, request: HttpRequest, obj: Model | None = None) -> Any:
        fieldsets = super().get_fieldsets(request, obj)
        if self._full(request, obj):
            return fieldsets
        return [
            (name, {**options, "fields": self._masked_fields(options["fields"])})
            for name, options in fieldsets
        ]

    def get_readonly_fields(self, request: HttpRequest, obj: Model | None = None) -> Any:
        readonly = list(super().get_readonly_fields(request, obj))
        if self._full(request, obj):
            return readonly
        return [*readonly, *(masked_name(f) for f in self.personal_fields)]

    def get_urls(self) -> list[URLPattern]:
        info = self.model._meta.app_label, self.model._meta.model_name
        return [
            path(
                "<path:object_id>/full/",
                self.admin_site.admin_view(self.full_view),
                name="{}_{}_full".format(*info),
            ),
            *super().get_urls(),
        ]

    def change_view(
        self,
        request: HttpRequest,
        object_id: str,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        obj = self.get_object(request, unquote(object_id))
        info = self.model._meta.app_label, self.model._meta.model_name
        context = {
            **(extra_context or {}),
            "personal_full_view": obj is not None and has_full_view(request, obj),
            "personal_full_view_url": reverse("admin:{}_{}_full".format(*info), args=[quote(object_id)]),
        }
        return super().change_view(request, object_id, form_url, context)

    def all_personal_fields(self) -> list[str]:
        """The personal fields of the record and of the rows shown inline with it."""
        fields = list(self.personal_fields)
        for inline in self.inlines:
            fields += [f"{inline.model._meta.model_name}.{f}" for f in getattr(inline, "personal_fields", {})]
        return fields

    def full_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """Ask for a reason; with one, write the audit row and open this record in full for a while."""
        obj = self.get_object(request, unquote(object_id))
        if obj is None:
            raise Http404
        if not self.has_view_or_change_permission(request, obj):
            raise PermissionDenied
        error = ""
        if request.method == "POST":
            reason = request.POST.get("reason", "").strip()
            if len(reason) >= 2:
                audit.record(
                    request,
                    AuditLog.Action.VIEW_UNMASKED,
                    obj,
                    reason=reason,
                    detail={"fields": self.all_personal_fields(), "via": "admin"},
                )
                grant_full_view(request, obj)
                info = self.model._meta.app_label, self.model._meta.model_name
                return HttpResponseRedirect(
                    reverse("admin:{}_{}_change".format(*info), args=[quote(object_id)])
                )
            error = "请填写查看事由（至少2个字）"
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "object": obj,
            "title": "查看完整信息",
            "error": error,
            "minutes": FULL_VIEW_SECONDS // 60,
        }
        return TemplateResponse(request, "admin/fanzha/full_view.html", context, status=400 if error else 200)


class PersonalDataInline(_PersonalFields, admin.TabularInline):
    """An inline whose personal fields follow the full-view grant of the record it belongs to."""

    extra = 0

    def __init__(self, parent_model: type[Model], admin_site: admin.AdminSite) -> None:
        self.model = self.__class__.model
        self._install_masked_displays()
        super().__init__(parent_model, admin_site)

    def _full(self, request: HttpRequest, obj: Model | None) -> bool:
        return obj is None or has_full_view(request, obj)

    def get_fields(self, request: HttpRequest, obj: Model | None = None) -> Any:
        fields = super().get_fields(request, obj)
        return fields if self._full(request, obj) else self._masked_fields(fields)

    def get_readonly_fields(self, request: HttpRequest, obj: Model | None = None) -> Any:
        readonly = list(super().get_readonly_fields(request, obj))
        if self._full(request, obj):
            return readonly
        return [*readonly, *(masked_name(f) for f in self.personal_fields)]

    def has_add_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        # Rows are added with the record in full, where every field is a real input.
        return self._full(request, obj) and super().has_add_permission(request, obj)
