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


@register.filter
def coverage_level(value: float, target: float) -> str:
    """CSS level of a coverage bar: met (at or above target), near (within 80 % of it) or low."""
    if value >= target:
        return "met"
    return "near" if value >= 0.8 * target else "low"


@register.filter
def bar_width(value: float | None) -> str:
    """A share as a CSS width, capped at 100 %: 0.4567 → "45.7%"."""
    return f"{min(max(float(value or 0), 0.0), 1.0) * 100:.1f}%"
