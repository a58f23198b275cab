"""Risk segments for outreach planning: which categories hit which people, and in which grids,
as lift against the county.

- People: for each category and each age band, sex or occupation, the case rate per resident
  of that group against the category's rate over all residents (lift 3 = three times as often).
- Grids: for each grid and category, cases per resident of the grid against the county's.
Cells with fewer than ``MIN_CASES`` cases are left out: a lift from one or two cases is noise."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Any

from django.db.models import Case as Choose
from django.db.models import CharField, Count, Sum, Value, When

from fanzha.analytics import running
from fanzha.analytics.models import CaseCube
from fanzha.analytics.series import DIMENSION_LABELS, UNKNOWN, Filters, Table, _facts
from fanzha.domain import stats
from fanzha.stations.models import Grid, Resident

MIN_CASES = 3
TOP = 30
PEOPLE_DIMENSIONS = ("age_band", "sex", "occupation")


def _cases_by_value(f: Filters, dimension: str) -> dict[tuple[str, str], int]:
    if f.grid_ids is None:
        rows = CaseCube.objects.filter(
            period="M",
            dimension=dimension,
            grid__isnull=True,
            start__gte=f.first_month,
            start__lte=f.last_month,
        )
        if f.category:
            rows = rows.filter(category=f.category)
        grouped = rows.values("category", "value").annotate(n=Sum("cases")).order_by()
        return {(r["category"], r["value"]): int(r["n"]) for r in grouped}
    grouped = _facts(f).values("category", dimension).annotate(n=Count("pk")).order_by()
    return {(r["category"], r[dimension]): int(r["n"]) for r in grouped}


def _population_by_value(f: Filters, dimension: str, on: date) -> dict[str, int]:
    residents = Resident.objects.all()
    if f.grid_ids is not None:
        residents = residents.filter(grid_id__in=f.grid_ids)
    if dimension == "age_band":
        bands = stats.age_bands()
        whens = []
        for name, low, high in bands.bands:
            earliest, latest = stats.birth_date_range(on, low, high)
            whens.append(When(birth_date__gt=earliest, birth_date__lte=latest, then=Value(name)))
        label = Choose(*whens, default=Value(bands.unknown), output_field=CharField())
        grouped = residents.annotate(v=label).values("v").annotate(n=Count("pk")).order_by()
        return {r["v"]: int(r["n"]) for r in grouped}
    grouped = residents.values(dimension).annotate(n=Count("pk")).order_by()
    return {r[dimension]: int(r["n"]) for r in grouped}


def people_segments(f: Filters) -> Table:
    on = f.end_day
    rows: list[list[Any]] = []
    for dimension in PEOPLE_DIMENSIONS:
        cases = _cases_by_value(f, dimension)
        population = _population_by_value(f, dimension, on)
        total_population = sum(population.values())
        per_category: dict[str, int] = defaultdict(int)
        for (category, _), n in cases.items():
            per_category[category] += n
        for (category, value), n in cases.items():
            if n < MIN_CASES or not value:
                continue
            segment_lift = stats.lift(n, population.get(value, 0), per_category[category], total_population)
            if segment_lift is None:
                continue
            rows.append(
                [
                    category,
                    DIMENSION_LABELS[dimension],
                    value or UNKNOWN,
                    n,
                    population.get(value, 0),
                    round(segment_lift, 2),
                ]
            )
    rows.sort(key=lambda r: (-r[5], -r[3]))
    return Table(
        "people_segments",
        "高风险人群（相对全县同类案件发案率的倍数）",
        ["案件类别", "维度", "人群", "案件数", "人口", "风险倍数"],
        rows[:TOP],
        chart="table",
        drill="category",
        note=f"风险倍数 = 该人群每人发案率 ÷ 全部居民每人发案率（同一类别）；少于 {MIN_CASES} 起的组合不列出。",
    )


def age_category_risk(f: Filters) -> Table:
    """Every category × age band cell as lift against the category's rate over all residents,
    for the heatmap; cells under ``MIN_CASES`` cases keep their count but no lift (noise)."""
    cases = _cases_by_value(f, "age_band")
    population = _population_by_value(f, "age_band", f.end_day)
    total_population = sum(population.values())
    per_category: dict[str, int] = defaultdict(int)
    for (category, _), n in cases.items():
        per_category[category] += n
    bands = [name for name, _, _ in stats.age_bands().bands]
    categories = sorted(per_category, key=lambda c: (-per_category[c], c))
    rows: list[list[Any]] = []
    for category in categories:
        for band in bands:
            n = cases.get((category, band), 0)
            segment_lift = (
                stats.lift(n, population.get(band, 0), per_category[category], total_population)
                if n >= MIN_CASES
                else None
            )
            rows.append(
                [
                    category,
                    band,
                    n,
                    population.get(band, 0),
                    None if segment_lift is None else round(segment_lift, 2),
                ]
            )
    return Table(
        "age_category_risk",
        "各年龄段 × 案件类别的风险倍数",
        ["案件类别", "年龄段", "案件数", "人口", "风险倍数"],
        rows,
        chart="heatmap",
        drill="category",
        note=f"颜色越深风险越高：风险倍数 = 该年龄段每人发案率 ÷ 全部居民每人发案率（同一类别），1 为全县平均；少于 {MIN_CASES} 起的格子只标案件数，不算倍数。",
    )


def grid_segments(f: Filters) -> Table:
    # County-wide per-category totals are the denominators even for a grid-scoped user.
    cases = {
        (r.grid_id, r.category): r.cases for r in running.period_sums(f.first_month, f.last_month, f.category)
    }
    grids = {g.pk: g for g in Grid.objects.only("pk", "name", "population")}
    county_population = sum(g.population for g in grids.values())
    per_category: dict[str, int] = defaultdict(int)
    for (_, category), n in cases.items():
        per_category[category] += n
    rows: list[list[Any]] = []
    for (grid_id, category), n in cases.items():
        if n < MIN_CASES or grid_id not in grids:
            continue
        if f.grid_ids is not None and grid_id not in f.grid_ids:
            continue
        grid = grids[grid_id]
        grid_lift = stats.lift(n, grid.population, per_category[category], county_population)
        if grid_lift is None:
            continue
        rows.append([grid.name, category, n, grid.population, round(grid_lift, 2)])
    rows.sort(key=lambda r: (-r[4], -r[2], r[0], r[1]))  # ties by name: the same TOP rows every time
    return Table(
        "grid_segments",
        "高发警格（相对全县同类案件每人发案率的倍数）",
        ["警格", "案件类别", "案件数", "人口", "风险倍数"],
        rows[:TOP],
        chart="table",
        drill="category",
        note=f"少于 {MIN_CASES} 起的组合不列出。",
    )
