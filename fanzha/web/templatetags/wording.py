"""Statistics in plain Chinese on the pages (fanzha.domain.effect_wording): the sentence a leader
reads, and the method one click away."""

from __future__ import annotations

from typing import Any

from django import template

from fanzha.domain import effect_wording

register = template.Library()


def _get(effect: Any, key: str) -> Any:
    return effect.get(key) if isinstance(effect, dict) else getattr(effect, key, None)


@register.filter
def effect_sentence(effect: Any, what: str = "发案") -> str:
    """A campaign or exposure effect (object or dict with ratio, ci_low, ci_high) in words."""
    return effect_wording.change_in_words(
        _get(effect, "ratio"), _get(effect, "ci_low"), _get(effect, "ci_high"), what
    )


@register.filter
def method_words(method: str | None) -> str:
    return effect_wording.method_in_words(method or "")


@register.filter
def weekly_change(ratio: float | None) -> str:
    """Recent weekly mean over the earlier one in words: 1.8 → "每周多80%", None → "新出现"."""
    if ratio is None:
        return "新出现"
    change = round((float(ratio) - 1) * 100)
    if change == 0:
        return "持平"
    return f"每周多{change}%" if change > 0 else f"每周少{-change}%"
