"""Small template filters of the case pages."""

from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.filter
def get(mapping: Any, key: str) -> Any:
    """``mapping[key]`` or "" — for reading a draft's fields by a form field's name."""
    if isinstance(mapping, dict):
        return mapping.get(key, "")
    return ""


@register.filter
def percent(rate: float | None) -> str:
    return "—" if rate is None else f"{rate * 100:.1f}%"


@register.filter
def mask_account(value: str | None) -> str:
    """QQ or WeChat account: first 2 and last 2 characters."""
    from fanzha.domain.masking import mask_account as mask

    return mask(value or "")
