"""The weekly outreach plan: which fraud categories are rising, for whom, where to reach those
people, and which grids have gone quiet — every recommendation carrying the figures behind it.

Pure Python: the caller supplies counts (cases per category in the recent and the earlier
window, county-wide and per grid), risk segments with their lift, and each grid's last event.
Parameters come from ``fanzha/data/outreach/targeting.json`` and the venue ↔ segment mapping from
``fanzha/data/outreach/venues.json``. Weeks are ISO weeks (Monday first) in the station's local
calendar; the week of ``as_of`` itself is still filling up and is never counted.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cache
from typing import Any

from fanzha.domain.data_files import load_data_json

# The dimension labels of the risk segments as the analytics tables show them.
DIMENSION_LABELS: dict[str, str] = {
    "age_band": "受害人年龄段",
    "sex": "受害人性别",
    "occupation": "受害人职业",
}


@dataclass(frozen=True)
class TargetingParameters:
    recent_weeks: int = 8
    before_weeks: int = 26
    min_ratio: float = 1.2
    max_p: float = 0.1
    min_recent_cases: int = 3
    grid_min_recent_cases: int = 1
    segment_months: int = 12
    segments_per_category: int = 3
    stale_weeks: int = 4
    max_recommendations: int = 5


@cache
def load_parameters() -> TargetingParameters:
    raw = load_data_json("outreach/targeting.json")
    known = TargetingParameters.__dataclass_fields__
    return TargetingParameters(**{k: v for k, v in raw.items() if k in known})


@dataclass(frozen=True)
class VenueMap:
    venue_types: tuple[str, ...]
    methods: Mapping[str, tuple[str, ...]]
    by_segment: Mapping[tuple[str, str], tuple[tuple[str, ...], str]]
    by_category: Mapping[str, tuple[tuple[str, ...], str]]

    def venues_for_segment(self, dimension: str, value: str) -> tuple[tuple[str, ...], str]:
        return self.by_segment.get((dimension, value), ((), ""))

    def venues_for_category(self, category: str) -> tuple[tuple[str, ...], str]:
        return self.by_category.get(category, ((), ""))


def parse_venue_map(raw: Mapping[str, Any]) -> VenueMap:
    return VenueMap(
        venue_types=tuple(v["name"] for v in raw["venue_types"]),
        methods={v["name"]: tuple(v.get("methods", ())) for v in raw["venue_types"]},
        by_segment={
            (s["dimension"], s["value"]): (tuple(s["venues"]), str(s.get("why", ""))) for s in raw["segments"]
        },
        by_category={c: (tuple(v["venues"]), str(v.get("why", ""))) for c, v in raw["categories"].items()},
    )


@cache
def load_venue_map() -> VenueMap:
    return parse_venue_map(load_data_json("outreach/venues.json"))


# ---------------------------------------------------------------------------------------------
# Windows and trends


@dataclass(frozen=True)
class Windows:
    """``before_start`` ≤ before < ``recent_start`` ≤ recent < ``recent_end`` (all Mondays)."""

    before_start: date
    recent_start: date
    recent_end: date
    recent_weeks: int
    before_weeks: int


def plan_windows(as_of: date, params: TargetingParameters) -> Windows:
    recent_end = as_of - timedelta(days=as_of.weekday())
    recent_start = recent_end - timedelta(weeks=params.recent_weeks)
    before_start = recent_start - timedelta(weeks=params.before_weeks)
    return Windows(before_start, recent_start, recent_end, params.recent_weeks, params.before_weeks)


@dataclass(frozen=True)
class Trend:
    """Cases of one category in the recent window against the window before it.

    ``ratio`` is the weekly rate recent / before (None when nothing happened before);
    ``p_value`` is the one-sided exact test of equal weekly rates, conditional on the total."""

    category: str
    recent: int
    before: int
    recent_weeks: int
    before_weeks: int
    ratio: float | None
    p_value: float

    @property
    def recent_per_week(self) -> float:
        return self.recent / self.recent_weeks if self.recent_weeks else 0.0

    @property
    def before_per_week(self) -> float:
        return self.before / self.before_weeks if self.before_weeks else 0.0


def binomial_upper_tail(k: int, n: int, p: float) -> float:
    """P(X ≥ k) for X ~ Binomial(n, p), summed in log space so large counts do not underflow."""
    if k <= 0:
        return 1.0
    if k > n:
        return 0.0
    if p <= 0.0:
        return 0.0
    if p >= 1.0:
        return 1.0
    log_p, log_q = math.log(p), math.log1p(-p)
    terms = [
        math.lgamma(n + 1) - math.lgamma(i + 1) - math.lgamma(n - i + 1) + i * log_p + (n - i) * log_q
        for i in range(k, n + 1)
    ]
    top = max(terms)
    return min(1.0, math.exp(top) * sum(math.exp(t - top) for t in terms))


def category_trend(category: str, recent: int, before: int, recent_weeks: int, before_weeks: int) -> Trend:
    ratio = (
        (recent / recent_weeks) / (before / before_weeks)
        if before and recent_weeks and before_weeks
        else None
    )
    # Under equal weekly rates each of the n cases falls in the recent window with probability
    # recent_weeks / (recent_weeks + before_weeks).
    share = recent_weeks / (recent_weeks + before_weeks) if recent_weeks + before_weeks else 0.0
    p_value = binomial_upper_tail(recent, recent + before, share)
    return Trend(category, recent, before, recent_weeks, before_weeks, ratio, p_value)


def is_rising(trend: Trend, params: TargetingParameters, min_recent: int | None = None) -> bool:
    floor = params.min_recent_cases if min_recent is None else min_recent
    if trend.recent < floor or trend.p_value > params.max_p:
        return False
    return trend.ratio is None or trend.ratio >= params.min_ratio


def county_trends(recent: Mapping[str, int], before: Mapping[str, int], windows: Windows) -> list[Trend]:
    """Every category seen in either window, strongest evidence of a rise first."""
    categories = sorted(set(recent) | set(before))
    trends = [
        category_trend(c, recent.get(c, 0), before.get(c, 0), windows.recent_weeks, windows.before_weeks)
        for c in categories
        if c
    ]
    return sorted(trends, key=lambda t: (t.p_value, -(t.ratio or math.inf), t.category))


# ---------------------------------------------------------------------------------------------
# Inputs per grid and segment


@dataclass(frozen=True)
class Segment:
    """A group of residents hit more often than the county by one category (from the analytics)."""

    category: str
    dimension: str
    value: str
    cases: int
    population: int
    lift: float

    @property
    def label(self) -> str:
        return f"{DIMENSION_LABELS.get(self.dimension, self.dimension)}「{self.value}」"


@dataclass(frozen=True)
class GridFigures:
    code: str
    name: str
    population: int
    recent: Mapping[str, int]
    before: Mapping[str, int]
    # Cases per category over the segment window (usually 12 months) and the lift against the
    # county's per-resident rate for that category.
    cases_year: Mapping[str, int]
    lift_year: Mapping[str, float]
    last_event_day: date | None
    events_recent: int = 0


@dataclass(frozen=True)
class Recommendation:
    kind: str  # "rising" (county-wide rise reaching this grid), "grid_rising", "stale"
    grid_code: str
    category: str
    text: str
    venues: tuple[str, ...]
    figures: dict[str, Any]
    priority: float


@dataclass
class GridPlan:
    grid_code: str
    grid_name: str
    week: date
    recommendations: list[Recommendation] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "grid": self.grid_code,
            "grid_name": self.grid_name,
            "week": self.week.isoformat(),
            "recommendations": [
                {
                    "kind": r.kind,
                    "category": r.category,
                    "text": r.text,
                    "venues": list(r.venues),
                    "figures": r.figures,
                }
                for r in self.recommendations
            ],
        }


# ---------------------------------------------------------------------------------------------
# The plan


def venues_for(
    category: str, segments: Sequence[Segment], venue_map: VenueMap, limit: int = 3
) -> tuple[tuple[str, ...], list[str]]:
    """Venues reaching the category's riskiest segments first, then the category's usual venues;
    with the reasons to show."""
    venues: list[str] = []
    reasons: list[str] = []
    for segment in segments:
        found, why = venue_map.venues_for_segment(segment.dimension, segment.value)
        venues += [v for v in found if v not in venues]
        if why and why not in reasons:
            reasons.append(why)
    found, why = venue_map.venues_for_category(category)
    venues += [v for v in found if v not in venues]
    if why and why not in reasons:
        reasons.append(why)
    return tuple(venues[:limit]), reasons[:2]


def _fmt_ratio(ratio: float | None) -> str:
    return "此前为零，新出现" if ratio is None else f"为此前的 {ratio:.1f} 倍"


def _fmt_p(p: float) -> str:
    return "p<0.001" if p < 0.001 else f"p={p:.3f}"


def _segment_text(segments: Sequence[Segment]) -> str:
    if not segments:
        return "受害人群尚无足够案件可分析。"
    parts = [f"{s.label}（风险倍数 {s.lift:.1f}，{s.cases} 起）" for s in segments]
    return "高风险人群：" + "、".join(parts) + "。"


def _trend_recommendation(
    kind: str,
    grid: GridFigures,
    county: Trend,
    grid_trend: Trend,
    segments: Sequence[Segment],
    venue_map: VenueMap,
    params: TargetingParameters,
) -> Recommendation:
    category = county.category
    venues, reasons = venues_for(category, segments, venue_map)
    lift = grid.lift_year.get(category)
    cases_year = grid.cases_year.get(category, 0)
    if kind == "rising":
        head = (
            f"{category}在全县上升：近 {county.recent_weeks} 周 {county.recent} 起"
            f"（每周 {county.recent_per_week:.2f} 起），此前 {county.before_weeks} 周 {county.before} 起"
            f"（每周 {county.before_per_week:.2f} 起），{_fmt_ratio(county.ratio)}（单侧检验 {_fmt_p(county.p_value)}）。"
        )
    else:
        head = (
            f"{category}在本警格上升：近 {grid_trend.recent_weeks} 周 {grid_trend.recent} 起，"
            f"此前 {grid_trend.before_weeks} 周 {grid_trend.before} 起，{_fmt_ratio(grid_trend.ratio)}"
            f"（单侧检验 {_fmt_p(grid_trend.p_value)}）。"
        )
    grid_text = f"本警格近 {grid_trend.recent_weeks} 周 {grid_trend.recent} 起，近 {params.segment_months} 个月 {cases_year} 起"
    grid_text += f"，每人发案率为全县的 {lift:.1f} 倍。" if lift is not None else "。"
    venue_text = f"建议到{'、'.join(venues)}开展宣传" if venues else "建议结合本警格情况选择场所"
    venue_text += f"（{'；'.join(reasons)}）。" if reasons else "。"
    figures: dict[str, Any] = {
        "county_recent": county.recent,
        "county_before": county.before,
        "county_ratio": None if county.ratio is None else round(county.ratio, 2),
        "county_p_value": round(county.p_value, 4),
        "grid_recent": grid_trend.recent,
        "grid_before": grid_trend.before,
        "grid_ratio": None if grid_trend.ratio is None else round(grid_trend.ratio, 2),
        "grid_p_value": round(grid_trend.p_value, 4),
        "grid_cases_year": cases_year,
        "grid_lift": None if lift is None else round(lift, 2),
        "recent_weeks": county.recent_weeks,
        "before_weeks": county.before_weeks,
        "segments": [
            {
                "dimension": s.dimension,
                "value": s.value,
                "cases": s.cases,
                "population": s.population,
                "lift": round(s.lift, 2),
            }
            for s in segments
        ],
    }
    strength = (grid_trend.recent + 1) * (
        county.ratio or 2.0 if kind == "rising" else grid_trend.ratio or 2.0
    )
    return Recommendation(
        kind=kind,
        grid_code=grid.code,
        category=category,
        text=head + grid_text + _segment_text(segments) + venue_text,
        venues=venues,
        figures=figures,
        priority=strength * (lift or 1.0),
    )


def _stale_recommendation(
    grid: GridFigures, as_of: date, params: TargetingParameters, venues: tuple[str, ...]
) -> Recommendation | None:
    if grid.last_event_day is None:
        weeks = None
        text = "本警格还没有记录过宣传活动，请本周安排一次。"
    else:
        days = (as_of - grid.last_event_day).days
        weeks = days // 7
        if weeks < params.stale_weeks:
            return None
        text = f"本警格已 {weeks} 周没有宣传活动（最近一次 {grid.last_event_day.isoformat()}，超过 {params.stale_weeks} 周），请本周安排。"
    if venues:
        text += f"可优先去{'、'.join(venues)}。"
    return Recommendation(
        kind="stale",
        grid_code=grid.code,
        category="",
        text=text,
        venues=venues,
        figures={
            "weeks_without_event": weeks,
            "last_event_day": grid.last_event_day.isoformat() if grid.last_event_day else None,
            "stale_weeks": params.stale_weeks,
        },
        priority=math.inf,
    )


def build_weekly_plan(
    as_of: date,
    trends: Sequence[Trend],
    segments: Mapping[str, Sequence[Segment]],
    grids: Sequence[GridFigures],
    params: TargetingParameters | None = None,
    venue_map: VenueMap | None = None,
) -> list[GridPlan]:
    """One plan per grid for the week containing ``as_of``.

    A county-wide rising category is recommended to every grid it reached (cases there in the
    recent window, or a lift above 1 over the segment window); a category rising inside one grid
    only is recommended to that grid; a grid without an event for ``stale_weeks`` is reminded."""
    params = params or load_parameters()
    venue_map = venue_map or load_venue_map()
    week = as_of - timedelta(days=as_of.weekday())
    rising = {t.category: t for t in trends if is_rising(t, params)}
    by_category = {t.category: t for t in trends}
    plans: list[GridPlan] = []
    for grid in grids:
        recs: list[Recommendation] = []
        categories = sorted(set(grid.recent) | set(grid.before) | set(rising))
        for category in categories:
            county = by_category.get(category)
            grid_trend = category_trend(
                category,
                grid.recent.get(category, 0),
                grid.before.get(category, 0),
                params.recent_weeks,
                params.before_weeks,
            )
            top = list(segments.get(category, ()))[: params.segments_per_category]
            reached = (
                grid_trend.recent >= params.grid_min_recent_cases or (grid.lift_year.get(category) or 0) > 1
            )
            if category in rising and reached:
                recs.append(
                    _trend_recommendation(
                        "rising", grid, rising[category], grid_trend, top, venue_map, params
                    )
                )
            elif category not in rising and is_rising(grid_trend, params):
                county = county or category_trend(category, 0, 0, params.recent_weeks, params.before_weeks)
                recs.append(
                    _trend_recommendation("grid_rising", grid, county, grid_trend, top, venue_map, params)
                )
        recs.sort(key=lambda r: (-r.priority, r.category))
        first_venues = recs[0].venues if recs else ()
        stale = _stale_recommendation(grid, as_of, params, first_venues)
        if stale is not None:
            recs.insert(0, stale)
        plans.append(GridPlan(grid.code, grid.name, week, recs[: params.max_recommendations]))
    return plans
