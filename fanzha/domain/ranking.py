"""The daily grid ranking (每日一对比): component scores, the weighted composite, ranks, the change
in rank against the previous day and the laggards flagged for a talk (约谈), with their reasons in
Chinese.

Pure Python: callers (the ranking app's services) aggregate the database into
:class:`GridDayFigures` and hand them in; weights and targets come from
``fanzha/data/ranking/ranking.json`` (see its ``weights_description`` for what each component
means). Scores are 0–100, coverage a share in [0, 1+] (registrations outside the base can push it
above 1).
"""

from __future__ import annotations

import copy
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from typing import Any

from fanzha.domain.data_files import load_data_json
from fanzha.domain.values.money import format_yuan

COMPONENTS = ("coverage", "new_registrations", "clues_in_time", "dissuasion", "cases")


@dataclass(frozen=True, slots=True)
class AgeBand:
    label: str
    min_age: int
    max_age: int | None


@dataclass(frozen=True)
class RankingConfig:
    """Weights, targets and flagging rule of the ranking; build it with :func:`ranking_config`."""

    weights: Mapping[str, float]
    targets: Mapping[str, float]
    base_kind: str
    min_age: int
    age_bands: tuple[AgeBand, ...]
    clue_window_days: int
    bottom_count: int
    report: Mapping[str, int]
    raw: Mapping[str, Any] = field(repr=False, default_factory=dict)


@cache
def _default_raw() -> dict[str, Any]:
    loaded: dict[str, Any] = load_data_json("ranking/ranking.json")
    return loaded


def _merge(base: dict[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    merged = copy.deepcopy(base)
    for key, value in override.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), dict):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def ranking_config(override: Mapping[str, Any] | None = None) -> RankingConfig:
    """The shipped configuration with ``override`` (same shape, any subset of keys) merged over it.

    Raises ValueError when a weight is negative, all weights are zero or the base kind is unknown.
    """
    raw = _merge(_default_raw(), override or {})
    weights = {name: float(raw["weights"].get(name, 0.0)) for name in COMPONENTS}
    if any(w < 0 for w in weights.values()) or sum(weights.values()) <= 0:
        raise ValueError("ranking weights must be non-negative and not all zero")
    base = raw["population_base"]
    if base["kind"] not in ("residents_min_age", "grid_population"):
        raise ValueError(f"unknown population base kind: {base['kind']!r}")
    bands = tuple(
        AgeBand(b["label"], int(b["min"]), None if b["max"] is None else int(b["max"]))
        for b in raw["age_bands"]
    )
    return RankingConfig(
        weights=weights,
        targets={k: float(v) for k, v in raw["targets"].items()},
        base_kind=str(base["kind"]),
        min_age=int(base.get("min_age", 14)),
        age_bands=bands,
        clue_window_days=int(raw["clue_window_days"]),
        bottom_count=int(raw["flag"]["bottom_count"]),
        report={k: int(v) for k, v in raw["report"].items()},
        raw=raw,
    )


def category_name(category: str) -> str:
    """A fraud category as a sentence names it: "刷单返利" → "刷单返利类"; "虚假网络投资理财类" stays."""
    return category if category.endswith("类") or category == "未分类" else f"{category}类"


def coverage_definition(config: RankingConfig) -> str:
    """The one definition of app coverage, in the words every page, report and export states it."""
    base = "警格登记人口" if config.base_kind == "grid_population" else f"{config.min_age}周岁及以上居民人数"
    return f"覆盖率 = 已注册反诈APP人数 ÷ {base}"


@dataclass(frozen=True, slots=True)
class GridDayFigures:
    """What the database says about one grid on one day (counts only; no personal data)."""

    grid: str
    name: str
    base: int
    registered: int
    new_registrations: int
    clues_due: int = 0
    clues_in_time: int = 0
    clues_stopped: int = 0
    clues_cheated: int = 0
    clues_unreachable: int = 0
    cases_this_month: int = 0
    cases_last_month_same_period: int = 0

    @property
    def coverage(self) -> float:
        return self.registered / self.base if self.base else 0.0

    @property
    def clues_overdue(self) -> int:
        return self.clues_due - self.clues_in_time

    @property
    def dissuasion_attempts(self) -> int:
        return self.clues_stopped + self.clues_cheated + self.clues_unreachable


@dataclass(frozen=True, slots=True)
class GridRanking:
    figures: GridDayFigures
    components: Mapping[str, float | None]
    score: float
    rank: int
    previous_rank: int | None
    flagged: bool
    reasons: tuple[str, ...]

    @property
    def grid(self) -> str:
        return self.figures.grid

    @property
    def rank_change(self) -> int | None:
        """Places gained since the previous day (negative: dropped)."""
        return None if self.previous_rank is None else self.previous_rank - self.rank

    def as_json(self) -> dict[str, Any]:
        """The CLI/API record: ``grid, rank, score, coverage, new_registrations, flagged, reasons``."""
        return {
            "grid": self.grid,
            "rank": self.rank,
            "score": round(self.score, 2),
            "coverage": round(self.figures.coverage, 4),
            "new_registrations": self.figures.new_registrations,
            "flagged": self.flagged,
            "reasons": list(self.reasons),
        }


def component_scores(f: GridDayFigures, config: RankingConfig) -> dict[str, float | None]:
    """Each component in [0, 1], or None when the grid has no data for it."""
    t = config.targets
    scores: dict[str, float | None] = dict.fromkeys(COMPONENTS)
    if f.base > 0:
        scores["coverage"] = min(1.0, f.coverage / t["coverage"]) if t["coverage"] > 0 else 1.0
        per_mille = f.new_registrations * 1000 / f.base
        target = t["new_registrations_per_mille"]
        scores["new_registrations"] = min(1.0, per_mille / target) if target > 0 else 1.0
        per_10k = f.cases_this_month * 10000 / f.base
        cap = t["cases_per_10k_month"]
        scores["cases"] = max(0.0, 1.0 - per_10k / cap) if cap > 0 else 1.0
    if f.clues_due > 0:
        scores["clues_in_time"] = f.clues_in_time / f.clues_due
    if f.dissuasion_attempts > 0:
        scores["dissuasion"] = f.clues_stopped / f.dissuasion_attempts
    return scores


def composite_score(components: Mapping[str, float | None], config: RankingConfig) -> float:
    """Weighted mean of the available components, 0–100; missing components drop out of the weights."""
    used = [(config.weights[name], value) for name, value in components.items() if value is not None]
    total_weight = sum(w for w, _ in used)
    if total_weight <= 0:
        return 0.0
    return 100.0 * sum(w * v for w, v in used) / total_weight


def _order(
    figures: Iterable[GridDayFigures], config: RankingConfig
) -> list[tuple[GridDayFigures, dict[str, float | None], float]]:
    scored = []
    for f in figures:
        components = component_scores(f, config)
        scored.append((f, components, round(composite_score(components, config), 6)))
    # Ties: higher coverage first, then grid code, so the order never depends on input order.
    scored.sort(key=lambda item: (-item[2], -item[0].coverage, item[0].grid))
    return scored


def rank_grids(
    today: Sequence[GridDayFigures],
    previous_day: Sequence[GridDayFigures] | None,
    config: RankingConfig,
) -> list[GridRanking]:
    """The day's ranking, best first, with rank change against ``previous_day`` and the laggards flagged."""
    previous_rank: dict[str, int] = {}
    if previous_day:
        previous_rank = {f.grid: i for i, (f, _, _) in enumerate(_order(previous_day, config), start=1)}
    ordered = _order(today, config)
    n = len(ordered)
    flag_from = n - min(config.bottom_count, max(0, n - 1))  # ranks above this are flagged
    out: list[GridRanking] = []
    for rank, (f, components, score) in enumerate(ordered, start=1):
        flagged = rank > flag_from
        prev = previous_rank.get(f.grid)
        reasons = laggard_reasons(f, score, rank, n, prev, config) if flagged else ()
        out.append(GridRanking(f, components, score, rank, prev, flagged, reasons))
    return out


def _pct(value: float) -> str:
    return f"{value * 100:.1f}%"


def laggard_reasons(
    f: GridDayFigures,
    score: float,
    rank: int,
    total: int,
    previous_rank: int | None,
    config: RankingConfig,
) -> tuple[str, ...]:
    """Why a flagged grid is talked to, in Chinese, worst-measured things first after the rank."""
    t = config.targets
    reasons = [f"综合得分{score:.1f}分，全所{total}个警格中排第{rank}名"]
    if previous_rank is not None and previous_rank < rank:
        reasons.append(f"排名较前一日下降{rank - previous_rank}位（第{previous_rank}名→第{rank}名）")
    if f.base > 0 and f.coverage < t["coverage"]:
        gap = math.ceil(t["coverage"] * f.base - f.registered)
        reasons.append(
            f"反诈APP注册覆盖率{_pct(f.coverage)}（{f.registered}/{f.base}人），低于目标{_pct(t['coverage'])}，尚差{gap}人"
        )
    if f.base > 0:
        per_mille = f.new_registrations * 1000 / f.base
        if f.new_registrations == 0:
            reasons.append("当日新增注册0人")
        elif per_mille < t["new_registrations_per_mille"]:
            reasons.append(
                f"当日新增注册{f.new_registrations}人（每千人{per_mille:.2f}人），低于每千人{t['new_registrations_per_mille']:g}人的目标"
            )
    if f.clues_due > 0 and f.clues_in_time / f.clues_due < t["clues_in_time"]:
        reasons.append(
            f"近{config.clue_window_days}日预警线索按时处置率{_pct(f.clues_in_time / f.clues_due)}"
            f"（{f.clues_in_time}/{f.clues_due}条），{f.clues_overdue}条超时未首次联系"
        )
    if f.dissuasion_attempts > 0 and f.clues_stopped / f.dissuasion_attempts < t["dissuasion"]:
        reasons.append(
            f"劝阻成功率{_pct(f.clues_stopped / f.dissuasion_attempts)}"
            f"（成功{f.clues_stopped}起、已被骗{f.clues_cheated}起、无法联系{f.clues_unreachable}起）"
        )
    if f.cases_this_month > f.cases_last_month_same_period:
        reasons.append(
            f"本月发案{f.cases_this_month}起，较上月同期{f.cases_last_month_same_period}起"
            f"增加{f.cases_this_month - f.cases_last_month_same_period}起"
        )
    return tuple(reasons)


def age_on(birth: date, day: date) -> int:
    before_birthday = (day.month, day.day) < (birth.month, birth.day)
    return day.year - birth.year - int(before_birthday)


def birth_cutoff(day: date, age: int) -> date:
    """The latest birth date of someone at least ``age`` years old on ``day`` (29 Feb → 28 Feb)."""
    try:
        return day.replace(year=day.year - age)
    except ValueError:
        return day.replace(year=day.year - age, day=28)


@dataclass(frozen=True, slots=True)
class BandCoverage:
    label: str
    registered: int
    base: int

    @property
    def coverage(self) -> float:
        return self.registered / self.base if self.base else 0.0


def band_of(age: int, bands: Sequence[AgeBand]) -> str | None:
    for band in bands:
        if age >= band.min_age and (band.max_age is None or age <= band.max_age):
            return band.label
    return None


@dataclass(frozen=True, slots=True)
class OverdueClueLine:
    grid: str
    grade: str
    kind: str
    hours_overdue: int


@dataclass(frozen=True, slots=True)
class NewCaseLine:
    grid: str
    category: str
    loss_fen: int | None


def points_to_stress(
    ranking: Sequence[GridRanking],
    overdue: Sequence[OverdueClueLine],
    new_cases: Sequence[NewCaseLine],
    config: RankingConfig,
) -> list[str]:
    """The morning meeting's 'points to stress' (今日强调), derived from the day's figures."""
    points: list[str] = []
    flagged = [r for r in ranking if r.flagged]
    if flagged:
        names = "、".join(r.figures.name for r in flagged)
        points.append(f"约谈{len(flagged)}个排名靠后警格（{names}），当日说明整改措施。")
    target = config.targets["coverage"]
    below = [r for r in ranking if r.figures.base and r.figures.coverage < target]
    if below:
        gap = sum(math.ceil(target * r.figures.base - r.figures.registered) for r in below)
        points.append(
            f"{len(below)}个警格反诈APP覆盖率未达{_pct(target)}，合计尚差{gap}人，需组织入户推广注册。"
        )
    idle = [r for r in ranking if r.figures.new_registrations == 0]
    if idle:
        points.append(f"{len(idle)}个警格当日无新增注册。")
    if overdue:
        red = sum(1 for o in overdue if o.grade == "red")
        text = f"{len(overdue)}条预警线索超时未首次联系"
        points.append(text + (f"，其中红色{red}条，须立即上门劝阻。" if red else "，今日内完成处置。"))
    if new_cases:
        by_category: dict[str, int] = {}
        for c in new_cases:
            by_category[c.category or "未分类"] = by_category.get(c.category or "未分类", 0) + 1
        top, count = max(by_category.items(), key=lambda kv: (kv[1], kv[0]))
        loss = sum(c.loss_fen or 0 for c in new_cases)
        points.append(
            f"新发案件{len(new_cases)}起，损失合计{format_yuan(loss, decimals='always', grouping=True, unit='元')}，{category_name(top)}{count}起，针对性开展宣传提醒。"
        )
    rising = [r for r in ranking if r.figures.cases_this_month > r.figures.cases_last_month_same_period]
    if rising:
        points.append(f"{len(rising)}个警格本月发案多于上月同期，关注重点人群预警。")
    if not points:
        points.append("各项指标正常，保持预警劝阻与注册推广力度。")
    return points
