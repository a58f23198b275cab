"""A year's figures in the field report's terms: cases, change on the year before, share of all
criminal cases, type mix, solved rate, losses and recovered money."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db.models import Sum

from fanzha.analytics import refresh
from fanzha.analytics.models import CaseCube
from fanzha.analytics.series import Filters, totals, yuan
from fanzha.cases.models import MonthlyCrimeTotal
from fanzha.domain import stats


def year_summary(year: int, grid_ids: frozenset[int] | None = None) -> dict[str, Any]:
    """Shares are fractions (0.4 = 40 %); money in yuan. ``share_of_criminal_cases`` is over the
    months of the year whose criminal total was entered, and None when none was."""
    refresh.sync()
    this = Filters(date(year, 1, 1), date(year, 12, 1), grid_ids=grid_ids)
    previous = this.shifted(-12)
    now, before = totals(this), totals(previous)
    by_category = {
        r["category"]: int(r["n"])
        for r in CaseCube.objects.filter(
            period="M", dimension="", start__gte=this.first_month, start__lte=this.last_month
        )
        .filter(grid__isnull=grid_ids is None)
        .filter(**({} if grid_ids is None else {"grid_id__in": grid_ids}))
        .values("category")
        .annotate(n=Sum("cases"))
        .order_by()
    }
    criminal_months = MonthlyCrimeTotal.objects.filter(
        month__gte=this.first_month, month__lte=this.last_month
    )
    criminal = criminal_months.aggregate(n=Sum("criminal_cases"))["n"]
    months_with_total = list(criminal_months.values_list("month", flat=True))
    fraud_in_those = (
        CaseCube.objects.filter(
            period="M", dimension="", grid__isnull=True, start__in=months_with_total
        ).aggregate(n=Sum("cases"))["n"]
        or 0
    )
    change = stats.relative_change(now["cases"], before["cases"])
    return {
        "year": year,
        "cases": now["cases"],
        "previous_year_cases": before["cases"],
        "change_on_previous_year": None if change is None else round(change, 4),
        "share_of_criminal_cases": (
            round(fraud_in_those / criminal, 4) if criminal and grid_ids is None else None
        ),
        "criminal_cases": criminal,
        "months_with_criminal_total": len(months_with_total),
        "share_by_category": {k: round(v, 4) for k, v in stats.shares(by_category).items()},
        "solved_rate": None if not now["cases"] else round(now["solved"] / now["cases"], 4),
        "loss_yuan": yuan(now["loss_fen"]),
        "recovered_yuan": yuan(now["recovered_fen"]),
    }
