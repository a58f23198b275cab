"""Case series for the dashboard, the API and the CLI: every function reads the pre-aggregated
cube (whole county, or per grid) and falls back to the per-case facts only for breakdowns
inside a few grids, where an index on (grid, day) keeps the scan small.

Each chart's data is a :class:`Table`, so the page, the xlsx export and the API show the same
numbers. Money leaves here in yuan (fen / 100), rounded to the fen."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum

from fanzha.analytics import refresh, running
from fanzha.analytics.models import CaseCube, CaseFact
from fanzha.cases.models import MonthlyCrimeTotal
from fanzha.domain import stats
from fanzha.domain.values.money import yuan_number
from fanzha.stations import scope
from fanzha.stations.models import Grid, User

DIMENSION_LABELS: dict[str, str] = {
    "category": "案件类别",
    "grid": "警格",
    "channel": "接触方式",
    "age_band": "受害人年龄段",
    "sex": "受害人性别",
    "occupation": "受害人职业",
}
UNKNOWN = "未填写"


@dataclass(frozen=True)
class Filters:
    """Inclusive month range; ``grid_ids`` None means the whole county."""

    first_month: date
    last_month: date
    category: str = ""
    grid_ids: frozenset[int] | None = None

    @property
    def end_day(self) -> date:
        """The first day after the range."""
        return stats.add_months(self.last_month, 1)

    @property
    def months(self) -> list[date]:
        return stats.months_between(self.first_month, self.last_month)

    def shifted(self, months: int) -> Filters:
        return Filters(
            stats.add_months(self.first_month, months),
            stats.add_months(self.last_month, months),
            self.category,
            self.grid_ids,
        )


@dataclass
class Table:
    key: str
    title: str
    columns: list[str]
    rows: list[list[Any]]
    chart: str = "bar"
    # Column whose values drill down to the case list (?category=...), if any.
    drill: str | None = None
    note: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "title": self.title,
            "columns": self.columns,
            "rows": [[_jsonable(v) for v in row] for row in self.rows],
            "chart": self.chart,
            "drill": self.drill,
            "note": self.note,
        }


def _jsonable(value: Any) -> Any:
    if isinstance(value, date):
        return value.isoformat()
    return value


def yuan(fen: int | None) -> int | float:
    """Yuan for a table cell or a chart: a whole amount without ".0"; no amount counts as 0."""
    return yuan_number(fen or 0)


def filters_for(
    user: User, first_month: date, last_month: date, category: str = "", grid_id: int | None = None
) -> Filters:
    """Filters within what ``user`` may see: a grid-scoped user never gets county-wide rows."""
    if user.is_grid_scoped:
        allowed = frozenset(scope.visible_grids(user).values_list("pk", flat=True))
        ids: frozenset[int] | None = allowed & {grid_id} if grid_id else allowed
    elif grid_id:
        ids = frozenset(scope.visible_grids(user).filter(pk=grid_id).values_list("pk", flat=True))
    else:
        ids = None
    return Filters(stats.month_start(first_month), stats.month_start(last_month), category, ids)


def data_months() -> tuple[date, date] | None:
    """First and last month that have cases (after bringing the cube up to date)."""
    refresh.sync()
    months = CaseCube.objects.filter(period="M", grid__isnull=True, dimension="").order_by("start")
    first = months.values_list("start", flat=True).first()
    last = months.reverse().values_list("start", flat=True).first()
    return (first, last) if first and last else None


def _cube(f: Filters, period: str = "M", dimension: str = "") -> QuerySet[CaseCube]:
    rows = CaseCube.objects.filter(period=period, dimension=dimension)
    if period == "M":
        rows = rows.filter(start__gte=f.first_month, start__lte=f.last_month)
    else:
        rows = rows.filter(start__gte=stats.week_start(f.first_month), start__lt=f.end_day)
    if f.category:
        rows = rows.filter(category=f.category)
    if f.grid_ids is None:
        return rows.filter(grid__isnull=True)
    assert dimension == "" and period == "M", "grid rows exist only per month and category"
    return rows.filter(grid_id__in=f.grid_ids)


def _facts(f: Filters) -> QuerySet[CaseFact]:
    rows = CaseFact.objects.filter(day__gte=f.first_month, day__lt=f.end_day)
    if f.category:
        rows = rows.filter(category=f.category)
    if f.grid_ids is not None:
        rows = rows.filter(grid_id__in=f.grid_ids)
    return rows


CUBE_SUMS = {
    "n": Sum("cases"),
    "n_solved": Sum("solved"),
    "loss": Sum("loss_fen"),
    "rec": Sum("recovered_fen"),
}
FACT_SUMS = {
    "n": Count("pk"),
    "n_solved": Count("pk", filter=Q(solved=True)),
    "loss": Sum("loss_fen"),
    "rec": Sum("recovered_fen"),
}


def _sums_by(f: Filters, key: str, *, period: str = "M", dimension: str = "") -> dict[Any, dict[str, int]]:
    """Totals grouped by ``key`` (start, category, grid_id or a dimension's value)."""
    use_facts = f.grid_ids is not None and (period == "W" or dimension)
    if use_facts:
        fact_key = {"start": "month" if period == "M" else "week", "value": dimension}.get(key, key)
        grouped: Iterable[dict[str, Any]] = _facts(f).values(fact_key).annotate(**FACT_SUMS).order_by()
        field_name = fact_key
    else:
        grouped = _cube(f, period, dimension).values(key).annotate(**CUBE_SUMS).order_by()
        field_name = key
    return {
        row[field_name]: {
            "cases": int(row["n"] or 0),
            "solved": int(row["n_solved"] or 0),
            "loss_fen": int(row["loss"] or 0),
            "recovered_fen": int(row["rec"] or 0),
        }
        for row in grouped
    }


def totals(f: Filters) -> dict[str, int]:
    out = {"cases": 0, "solved": 0, "loss_fen": 0, "recovered_fen": 0}
    for sums in _sums_by(f, "category").values():
        for k in out:
            out[k] += sums[k]
    return out


def monthly_series(f: Filters) -> Table:
    """Cases, losses, solved and recovered per month, with change on the previous month and on
    the same month a year before."""
    wide = Filters(stats.add_months(f.first_month, -12), f.last_month, f.category, f.grid_ids)
    by_month = _sums_by(wide, "start")
    counts = {m: by_month.get(m, {}).get("cases", 0) for m in wide.months}
    yoy = stats.year_on_year(counts)
    rows: list[list[Any]] = []
    for m in f.months:
        s = by_month.get(m, {"cases": 0, "solved": 0, "loss_fen": 0, "recovered_fen": 0})
        previous = counts.get(stats.add_months(m, -1), 0)
        rows.append(
            [
                m.strftime("%Y-%m"),
                s["cases"],
                yuan(s["loss_fen"]),
                s["solved"],
                yuan(s["recovered_fen"]),
                _percent(yoy.get(m)),
                _percent(stats.relative_change(s["cases"], previous)),
            ]
        )
    return Table(
        "monthly",
        "每月案件数与损失",
        ["月份", "案件数", "损失（元）", "破案数", "挽回（元）", "同比", "环比"],
        rows,
        chart="monthly",
    )


def weekly_series(f: Filters) -> Table:
    by_week = _sums_by(f, "start", period="W")
    rows = []
    for w in stats.weeks_between(f.first_month, f.end_day - timedelta(days=1)):
        s = by_week.get(w, {"cases": 0, "loss_fen": 0})
        rows.append([w.isoformat(), s["cases"], yuan(s["loss_fen"])])
    return Table("weekly", "每周案件数与损失", ["周（周一）", "案件数", "损失（元）"], rows, chart="weekly")


def breakdown(f: Filters, dimension: str) -> Table:
    """Totals over the period by one dimension, largest first, with the share of cases."""
    if dimension == "category":
        sums = _sums_by(f, "category")
    elif dimension == "grid":
        names = dict(Grid.objects.values_list("pk", "name"))
        per_grid = running.period_sums(
            f.first_month, f.last_month, f.category, f.grid_ids, per_category=False
        )
        by_grid = {
            r.grid_id: {
                "cases": r.cases,
                "solved": r.solved,
                "loss_fen": r.loss_fen,
                "recovered_fen": r.recovered_fen,
            }
            for r in per_grid
        }
        sums = {names.get(gid, str(gid)): r for gid, r in by_grid.items()}
    else:
        sums = _sums_by(f, "value", dimension=dimension)
    total = sum(s["cases"] for s in sums.values())
    ordered = sorted(sums.items(), key=lambda kv: (-kv[1]["cases"], str(kv[0])))
    rows = [
        [k or UNKNOWN, s["cases"], _percent(stats.share(s["cases"], total)), yuan(s["loss_fen"]), s["solved"]]
        for k, s in ordered
    ]
    return Table(
        f"by_{dimension}",
        f"按{DIMENSION_LABELS[dimension]}",
        [DIMENSION_LABELS[dimension], "案件数", "占比", "损失（元）", "破案数"],
        rows,
        chart="pie" if dimension in ("sex", "category") else "bar",
        drill="category" if dimension == "category" else None,
    )


def category_by_month(f: Filters) -> Table:
    by: dict[str, dict[date, int]] = defaultdict(dict)
    grouped = _cube(f).values("start", "category").annotate(n=Sum("cases")).order_by()
    for row in grouped:
        by[row["category"]][row["start"]] = int(row["n"] or 0)
    categories = sorted(by, key=lambda c: -sum(by[c].values()))
    rows = [[m.strftime("%Y-%m"), *(by[c].get(m, 0) for c in categories)] for m in f.months]
    return Table(
        "category_by_month",
        "各类别每月案件数",
        ["月份", *(c or UNKNOWN for c in categories)],
        rows,
        chart="stacked",
    )


def crime_share(f: Filters) -> Table:
    """Telecom-fraud cases as a share of all criminal cases, month by month (county only: the
    criminal total is entered for the whole station)."""
    fraud = {m: s["cases"] for m, s in _sums_by(Filters(f.first_month, f.last_month), "start").items()}
    criminal = dict(
        MonthlyCrimeTotal.objects.filter(month__gte=f.first_month, month__lte=f.last_month).values_list(
            "month", "criminal_cases"
        )
    )
    rows = []
    for m in f.months:
        n = fraud.get(m, 0)
        total = criminal.get(m)
        rows.append([m.strftime("%Y-%m"), n, total, _percent(stats.share(n, total) if total else None)])
    return Table(
        "crime_share",
        "电信网络诈骗占刑事案件比例",
        ["月份", "电诈案件", "刑事案件总数", "占比"],
        rows,
        chart="share",
        note="" if criminal else "尚未录入月度刑事案件总数（系统管理 → 月度刑事案件总数）。",
    )


def _percent(value: float | None) -> float | None:
    return None if value is None else round(value * 100, 1)
