"""The admin shows and takes money in yuan: a model field named ``*_fen`` (integer fen, the
project's storage) appears as a yuan figure with two decimals, labelled 元, and is stored back as
fen. List columns use :func:`yuan_column`."""

from __future__ import annotations

from collections.abc import Callable
from decimal import InvalidOperation
from typing import Any

from django import forms
from django.contrib import admin
from django.db import models
from django.http import HttpRequest

from fanzha.domain.values.money import fen_of_yuan, yuan_decimal
from fanzha.web.templatetags.privacy import yuan


class YuanField(forms.DecimalField):
    """Shows integer fen as yuan ("96,108.00" is typed back as 96108 or 96108.00); cleans to fen."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(max_digits=16, decimal_places=2, **kwargs)

    def prepare_value(self, value: Any) -> Any:
        if isinstance(value, int) and not isinstance(value, bool):
            return yuan_decimal(value)
        return value

    def to_python(self, value: Any) -> Any:
        if isinstance(value, str):
            value = value.replace(",", "").replace("，", "").strip()
        return super().to_python(value)

    def clean(self, value: Any) -> int | None:
        amount = super().clean(value)
        if amount is None:
            return None
        try:
            return fen_of_yuan(amount)
        except InvalidOperation as exc:  # pragma: no cover - DecimalField already validated
            raise forms.ValidationError("金额格式不正确") from exc


def yuan_label(verbose_name: Any) -> str:
    """ "损失（分，下限）" → "损失（元，下限）"."""
    return str(verbose_name).replace("（分", "（元").replace("分）", "元）")


class YuanAdminMixin:
    """For a ModelAdmin or inline: every ``*_fen`` integer field is edited in yuan."""

    def formfield_for_dbfield(
        self, db_field: models.Field[Any, Any], request: HttpRequest, **kwargs: Any
    ) -> forms.Field | None:
        if db_field.name.endswith("_fen") and isinstance(db_field, models.IntegerField):
            return YuanField(
                label=yuan_label(db_field.verbose_name),
                required=not (db_field.blank or db_field.null),
                help_text=db_field.help_text,
            )
        return super().formfield_for_dbfield(db_field, request, **kwargs)  # type: ignore[misc]


def yuan_column(field: str, label: str) -> Callable[[Any], str]:
    """A list_display column showing ``field`` (fen) as yuan with thousands separators."""

    @admin.display(description=label, ordering=field)
    def column(obj: Any) -> str:
        return yuan(getattr(obj, field))

    return column
