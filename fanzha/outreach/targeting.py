"""The weekly outreach plan from the station's data: case counts from the analytics facts, risk
segments from :mod:`fanzha.analytics.segments`, last events from the outreach log; the decisions
themselves are in :mod:`fanzha.domain.outreach_targeting`."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Count, Max, Q
from django.utils import timezone

from fanzha.analytics import refresh, segments
from fanzha.analytics.models import CaseFact
from fanzha.analytics.series import DIMENSION_LABELS, Filters
from fanzha.domain import outreach_targeting as targeting
from fanzha.domain import stats
from fanzha.outreach.models import OutreachEvent
from fanzha.stations import scope
from fanzha.stations.models import Grid, User

LABEL_TO_DIMENSION = {label: key for key, label in DIMENSION_LABELS.items()}


@dataclass
class PlanResult:
    as_of: date
    windows: targeting.Windows
    params: targeting.TargetingParameters
    trends: list[targeting.Trend]
    rising: list[str]
    segments: dict[str, list[targeting.Segment]]
    plans: list[targeting.GridPlan]
    segment_first_month: date
    segment_last_month: date


def _window_counts(
    windows: targeting.Windows, by_grid: bool, grid_ids: Collection[int] | None = None
) -> tuple[dict[tuple[int | None, str], int], dict[tuple[int | None, str], int]]:
    rows = CaseFact.objects.filter(day__gte=windows.before_start, day__lt=windows.recent_end)
    if grid_ids is not None:
        rows = rows.filter(grid_id__in=list(grid_ids))
    keys = ["grid_id", "category"] if by_grid else ["category"]
    grouped = (
        rows.values(*keys)
        .annotate(
            recent=Count("pk", filter=Q(day__gte=windows.recent_start)),
            before=Count("pk", filter=Q(day__lt=windows.recent_start)),
        )
        .order_by()
    )
    recent: dict[tuple[int | None, str], int] = {}
    before: dict[tuple[int | None, str], int] = {}
    for row in grouped:
        key = (row.get("grid_id"), row["category"])
        recent[key] = int(row["recent"])
        before[key] = int(row["before"])
    return recent, before


def risk_segments(category: str, first_month: date, last_month: date) -> list[targeting.Segment]:
    """People segments hit more than the county by this category (lift above 1), riskiest first."""
    table = segments.people_segments(Filters(first_month, last_month, category))
    out = []
    for cat, dimension_label, value, cases, population, lift in table.rows:
        if cat != category or lift is None or lift <= 1:
            continue
        out.append(
            targeting.Segment(
                cat, LABEL_TO_DIMENSION.get(dimension_label, dimension_label), value, cases, population, lift
            )
        )
    return out


def weekly_plan(user: User, as_of: date | None = None, grid_id: int | None = None) -> PlanResult:
    refresh.sync()
    params = targeting.load_parameters()
    as_of = as_of or timezone.localdate()
    windows = targeting.plan_windows(as_of, params)
    grids = list(scope.visible_grids(user).order_by("code"))
    if grid_id is not None:
        grids = [g for g in grids if g.pk == grid_id]
    county_recent, county_before = _window_counts(windows, by_grid=False)
    trends = targeting.county_trends(
        {c: n for (_, c), n in county_recent.items()}, {c: n for (_, c), n in county_before.items()}, windows
    )
    rising = [t.category for t in trends if targeting.is_rising(t, params)]

    last_month = stats.month_start(windows.recent_end - timedelta(days=1))
    first_month = stats.add_months(last_month, -(params.segment_months - 1))
    segs = {c: risk_segments(c, first_month, last_month) for c in rising}

    grid_ids = [g.pk for g in grids]
    grid_recent, grid_before = _window_counts(windows, by_grid=True, grid_ids=grid_ids)
    # Lift of each grid against the county over the segment window, as the analytics compute it.
    year = CaseFact.objects.filter(day__gte=first_month, day__lt=stats.add_months(last_month, 1))
    county_year = dict(year.values_list("category").annotate(n=Count("pk")).order_by())
    grid_year: dict[int, dict[str, int]] = defaultdict(dict)
    for gid, category, n in (
        year.filter(grid_id__in=grid_ids)
        .values_list("grid_id", "category")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        grid_year[gid][category] = n
    county_population = sum(Grid.objects.values_list("population", flat=True))
    last_events = dict(
        OutreachEvent.objects.filter(grid_id__in=grid_ids, day__lte=as_of)
        .values_list("grid_id")
        .annotate(last=Max("day"))
        .order_by()
    )
    figures = []
    for g in grids:
        lifts = {}
        for category, n in grid_year[g.pk].items():
            value = stats.lift(n, g.population, county_year.get(category, 0), county_population)
            if value is not None:
                lifts[category] = value
        figures.append(
            targeting.GridFigures(
                code=g.code,
                name=g.name,
                population=g.population,
                recent={c: n for (gid, c), n in grid_recent.items() if gid == g.pk},
                before={c: n for (gid, c), n in grid_before.items() if gid == g.pk},
                cases_year=grid_year[g.pk],
                lift_year=lifts,
                last_event_day=last_events.get(g.pk),
            )
        )
    plans = targeting.build_weekly_plan(as_of, trends, segs, figures, params)
    return PlanResult(as_of, windows, params, trends, rising, segs, plans, first_month, last_month)
