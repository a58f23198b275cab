"""The measured effect of a campaign on the monthly case count, from the cube."""

from __future__ import annotations

from collections.abc import Collection
from datetime import date
from typing import Any

from django.db.models import Sum
from django.utils import timezone

from fanzha.analytics import refresh
from fanzha.analytics.models import CaseCube
from fanzha.domain import stats


def monthly_counts(grid_ids: Collection[int] | None = None, category: str = "") -> dict[date, int]:
    """Cases per month, zeros included, from the first month with a case to the last complete
    month (the current month is still filling up and would look like a drop)."""
    refresh.sync()
    rows = CaseCube.objects.filter(period="M", dimension="")
    rows = rows.filter(grid__isnull=True) if grid_ids is None else rows.filter(grid_id__in=list(grid_ids))
    if category:
        rows = rows.filter(category=category)
    counts = {r["start"]: int(r["n"]) for r in rows.values("start").annotate(n=Sum("cases")).order_by()}
    if not counts:
        return {}
    all_months = CaseCube.objects.filter(period="M", dimension="", grid__isnull=True)
    first = min(all_months.values_list("start", flat=True).order_by("start")[:1])
    last = max(all_months.values_list("start", flat=True).order_by("-start")[:1])
    this_month = stats.month_start(timezone.localdate())
    if last >= this_month:
        last = stats.add_months(this_month, -1)
    return {m: counts.get(m, 0) for m in stats.months_between(first, last)} if first <= last else {}


def campaign_effect(
    start: date,
    *,
    months_before: int | None = 12,
    months_after: int | None = 12,
    grid_ids: Collection[int] | None = None,
    control_grid_ids: Collection[int] | None = None,
    category: str = "",
) -> stats.CampaignEffect:
    """Effect of a campaign starting on ``start`` in ``grid_ids`` (the county when None). With
    control grids the estimate is a difference in differences: the treated grids are then those
    given, or every grid not named as a control."""
    control: dict[date, int] | None = None
    treated_ids = grid_ids
    if control_grid_ids:
        control = monthly_counts(control_grid_ids, category)
        if treated_ids is None:
            treated_ids = list(
                CaseCube.objects.filter(period="M", dimension="", grid__isnull=False)
                .exclude(grid_id__in=list(control_grid_ids))
                .values_list("grid_id", flat=True)
                .distinct()
            )
    counts = monthly_counts(treated_ids, category)
    if control is not None:
        control = {m: control.get(m, 0) for m in counts}
    return stats.estimate_campaign_effect(
        counts, start, control=control, months_before=months_before, months_after=months_after
    )


def campaign_chart(
    start: date,
    *,
    months_before: int | None = 12,
    months_after: int | None = 12,
    grid_ids: Collection[int] | None = None,
    category: str = "",
) -> dict[str, Any]:
    """The months :func:`campaign_effect` compares, for the before/after chart: each month's
    count and side (before, after, or skip for a month the start splits), the start, and the
    observed monthly averages on each side."""
    counts = monthly_counts(grid_ids, category)
    window = stats.effect_window(sorted(counts), start, months_before, months_after)
    before, after = window.before, window.after
    skip = [m for m in sorted(counts) if before and after and before[-1] < m < after[0]]
    months = [*before, *skip, *after]
    sides = ["before"] * len(before) + ["skip"] * len(skip) + ["after"] * len(after)

    def label(month: date) -> str:
        return f"{month:%Y-%m}"

    def mean(side: list[date]) -> float | None:
        return sum(counts[m] for m in side) / len(side) if side else None

    return {
        "months": [label(m) for m in months],
        "counts": [counts[m] for m in months],
        "sides": sides,
        "start": start.isoformat(),
        "start_month": label(stats.month_start(start)),
        "rate_before": mean(before),
        "rate_after": mean(after),
        "first_before": label(before[0]) if before else None,
        "last_before": label(before[-1]) if before else None,
        "first_after": label(after[0]) if after else None,
        "last_after": label(after[-1]) if after else None,
    }
