"""Outreach exposure against case and clue rates per grid: builds the grid × month panel from
the analytics cube, the clues and the event log, and fits :mod:`fanzha.outreach.exposure`."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from datetime import date

from django.db.models import Count, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from fanzha.analytics import effect as analytics_effect
from fanzha.analytics.models import CaseCube
from fanzha.clues.models import Clue
from fanzha.domain import stats
from fanzha.outreach.exposure import ExposureEffect, PanelRow, estimate_exposure_effect
from fanzha.outreach.models import OutreachEvent
from fanzha.stations.models import Grid

# (outcome, exposure) pairs shown on the page and returned by the API.
ESTIMATES = (("cases", "events"), ("cases", "audience"), ("clues", "events"))


def exposure_panel(grid_ids: Collection[int] | None = None) -> list[PanelRow]:
    """One row per grid and month, from the first month with cases to the last complete month."""
    county = analytics_effect.monthly_counts()  # also brings the cube up to date
    if not county:
        return []
    months = sorted(county)
    first, last = months[0], months[-1]
    grids = Grid.objects.all() if grid_ids is None else Grid.objects.filter(pk__in=list(grid_ids))
    grid_list = list(grids.only("pk", "code", "population"))
    ids = [g.pk for g in grid_list]
    cases: dict[tuple[int, date], int] = {}
    for gid, start, n in (
        CaseCube.objects.filter(period="M", dimension="", grid_id__in=ids, start__gte=first, start__lte=last)
        .values_list("grid_id", "start")
        .annotate(n=Sum("cases"))
        .order_by()
    ):
        cases[(gid, start)] = int(n)
    tz = timezone.get_default_timezone()
    clues: dict[tuple[int, date], int] = {}
    for gid, month, n in (
        Clue.objects.filter(grid_id__in=ids, merged_into__isnull=True)
        .annotate(m=TruncMonth("received_at", tzinfo=tz))
        .values_list("grid_id", "m")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        if month is not None:
            clues[
                (
                    gid,
                    stats.month_start(
                        timezone.localtime(month, tz).date() if hasattr(month, "hour") else month
                    ),
                )
            ] = int(n)
    events: dict[tuple[int, date], int] = defaultdict(int)
    audience: dict[tuple[int, date], int] = defaultdict(int)
    for gid, month, n, people in (
        OutreachEvent.objects.filter(
            grid_id__in=ids, day__gte=stats.add_months(first, -1), day__lt=stats.add_months(last, 1)
        )
        .annotate(m=TruncMonth("day"))
        .values_list("grid_id", "m")
        .annotate(n=Count("pk"), people=Sum("audience"))
        .order_by()
    ):
        events[(gid, stats.month_start(month))] += int(n)
        audience[(gid, stats.month_start(month))] += int(people or 0)
    rows = []
    for g in grid_list:
        for m in months:
            prev = stats.add_months(m, -1)
            rows.append(
                PanelRow(
                    grid=g.code,
                    month=m,
                    population=g.population,
                    cases=cases.get((g.pk, m), 0),
                    clues=clues.get((g.pk, m), 0),
                    events_prev=events.get((g.pk, prev), 0),
                    audience_prev=audience.get((g.pk, prev), 0),
                )
            )
    return rows


def exposure_effects(grid_ids: Collection[int] | None = None) -> list[ExposureEffect]:
    panel = exposure_panel(grid_ids)
    return [estimate_exposure_effect(panel, outcome, exposure) for outcome, exposure in ESTIMATES]
