"""Template filters of the ranking pages: shares as percentages and rank changes as arrows."""

from __future__ import annotations

from django import template

register = template.Library()


@register.filter
def pct(value: float | None, digits: int = 1) -> str:
    """0.1234 → "12.3%"; None → "—"."""
    if value is None:
        return "—"
    return f"{float(value) * 100:.{int(digits)}f}%"


@register.filter
def ratio(numerator: int, denominator: int) -> str:
    """In-time or success share of two counts, "—" when nothing was due."""
    return f"{numerator / denominator * 100:.0f}%" if denominator else "—"


@register.filter
def rank_change(value: int | None) -> str:
    if value is None:
        return "—"
    if value > 0:
        return f"↑{value}"
    if value < 0:
        return f"↓{-value}"
    return "—"
