"""What the dashboard shows for a user and filters: headline cards and one table per chart.
The page, the xlsx export and the API all take their numbers from :func:`build`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from fanzha.analytics import segments, series
from fanzha.analytics.series import Filters, Table
from fanzha.domain import stats
from fanzha.domain.values.money import format_yuan

# key -> (builder, shown to grid-scoped users too)
TABLES: dict[str, tuple[Callable[[Filters], Table], bool]] = {
    "monthly": (series.monthly_series, True),
    "weekly": (series.weekly_series, True),
    "category_by_month": (series.category_by_month, True),
    "by_category": (lambda f: series.breakdown(f, "category"), True),
    "by_grid": (lambda f: series.breakdown(f, "grid"), True),
    "by_channel": (lambda f: series.breakdown(f, "channel"), True),
    "by_age_band": (lambda f: series.breakdown(f, "age_band"), True),
    "by_sex": (lambda f: series.breakdown(f, "sex"), True),
    "by_occupation": (lambda f: series.breakdown(f, "occupation"), True),
    "crime_share": (series.crime_share, False),
    "age_category_risk": (segments.age_category_risk, True),
    "people_segments": (segments.people_segments, True),
    "grid_segments": (segments.grid_segments, True),
}


@dataclass
class Card:
    label: str
    value: str
    note: str = ""


def table(key: str, f: Filters) -> Table:
    builder, for_grids = TABLES[key]
    if f.grid_ids is not None and not for_grids:
        raise KeyError(key)
    return builder(f)


def tables(f: Filters) -> list[Table]:
    return [builder(f) for key, (builder, for_grids) in TABLES.items() if f.grid_ids is None or for_grids]


def cards(f: Filters) -> list[Card]:
    now = series.totals(f)
    span = len(f.months)
    before = series.totals(f.shifted(-span))
    last_year = series.totals(f.shifted(-12))
    pop = stats.relative_change(now["cases"], before["cases"])
    yoy = stats.relative_change(now["cases"], last_year["cases"])
    solved_rate = stats.share(now["solved"], now["cases"])
    out = [
        Card("案件数", str(now["cases"]), f"{f.first_month:%Y-%m} 至 {f.last_month:%Y-%m}"),
        Card("较上一同长时段", _signed(pop), f"上一时段 {before['cases']} 起"),
        Card("同比", _signed(yoy), f"去年同期 {last_year['cases']} 起"),
        Card("损失", format_yuan(now["loss_fen"] or 0, decimals="whole", grouping=True, unit=" 元")),
        Card("挽回", format_yuan(now["recovered_fen"] or 0, decimals="whole", grouping=True, unit=" 元")),
        Card(
            "破案率", "—" if solved_rate is None else f"{solved_rate * 100:.0f}%", f"破案 {now['solved']} 起"
        ),
    ]
    return out


def _signed(change: float | None) -> str:
    return "—" if change is None else f"{change * 100:+.0f}%"


def payload(f: Filters) -> dict[str, Any]:
    return {"cards": [c.__dict__ for c in cards(f)], "tables": [t.as_dict() for t in tables(f)]}
