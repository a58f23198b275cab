"""The admin page of a workflow's settings overrides (:class:`SettingsOverrides`): the JSON is
checked by the workflow's own loader before it is saved, and the row records who changed it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import admin
from django.core.exceptions import ValidationError
from django.forms import ModelForm, modelform_factory


def overrides_form(model: type, check: Callable[[dict[str, Any]], object]) -> type[ModelForm[Any]]:
    """A form over ``model.overrides`` that refuses what ``check`` (the workflow's loader) cannot read."""

    class OverridesForm(ModelForm):
        def clean_overrides(self) -> dict[str, Any]:
            overrides = self.cleaned_data["overrides"]
            if not isinstance(overrides, dict):
                raise ValidationError("参数应为 JSON 对象")
            try:
                check(overrides)
            except (ValueError, KeyError, TypeError) as exc:
                raise ValidationError(f"参数无效：{exc}") from exc
            return overrides

    return modelform_factory(model, form=OverridesForm, fields=("overrides",))


class SettingsOverridesAdmin(admin.ModelAdmin):
    list_display = ("updated_at", "updated_by")
    readonly_fields = ("updated_by",)

    def save_model(self, request, obj, form, change):  # type: ignore[no-untyped-def]
        obj.updated_by = request.user
        super().save_model(request, obj, form, change)
