"""Template filters that mask personal data; every page shows masked values unless a person asked
for the full record with a reason (see ``fanzha.web.views.unmask``)."""

from __future__ import annotations

from django import template

from fanzha.domain import masking
from fanzha.domain.values.money import format_yuan

register = template.Library()


@register.filter
def mask_name(value: str | None) -> str:
    return masking.mask_name(value or "")


@register.filter
def mask_phone(value: str | None) -> str:
    return masking.mask_phone(value or "")


@register.filter
def mask_id(value: str | None) -> str:
    return masking.mask_id_number(value or "")


@register.filter
def mask_card(value: str | None) -> str:
    return masking.mask_card(value or "")


@register.filter
def mask_text(value: str | None) -> str:
    return masking.mask_text(value or "")


@register.filter
def yuan(fen: int | None) -> str:
    """Integer fen as yuan with thousands separators: 9610800 → 96,108.00."""
    return format_yuan(fen, decimals="always", grouping=True)
