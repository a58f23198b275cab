"""Does outreach go with fewer cases and more warning clues? A panel regression without Django.

For every grid and month: the case (or clue) count, and the outreach exposure of the month
before (events held, or audience per 100 residents). The model is a Poisson regression with a
fixed effect per grid (its own level: population, urban or rural) and per month (what the whole
county shared: season, the county-wide campaign, the generator's or the world's trend), so the
exposure coefficient compares grids with more outreach against grids with less *in the same
month*. Counts that vary more than Poisson allows switch the standard errors to quasi-Poisson
(Pearson scale). Exposure is lagged one month because outreach in a month cannot prevent cases
that already happened in it, and to lessen the pull the other way (cases bring outreach).

This is an association in observational data, not an experiment; the result says so.
statsmodels and numpy are imported inside the estimator."""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace
from datetime import date
from typing import Any

logger = logging.getLogger(__name__)

OVERDISPERSION_LIMIT = 1.5
MIN_GRIDS = 5
MIN_MONTHS = 12
MIN_EVENTS_TOTAL = 30
MIN_OUTCOME_TOTAL = 30

OUTCOME_LABELS = {"cases": "案件数", "clues": "预警线索数"}
EXPOSURE_LABELS = {
    "events": "上月每多一场宣传活动",
    "audience": "上月宣传覆盖人次每百名居民每多 10 人次",
}
# Audience is per 100 residents; the ratio is reported per 10 of those, a size of change a
# grid can make in a month.
AUDIENCE_UNIT = 10.0
CAUTION = "这是观察数据中的关联，不是对照实验：宣传多的警格可能本来就不同，结果仅供参考。"


@dataclass(frozen=True)
class PanelRow:
    grid: str
    month: date
    population: int
    cases: int
    clues: int
    events_prev: int
    audience_prev: int

    def exposure(self, kind: str) -> float:
        if kind == "events":
            return float(self.events_prev)
        if not self.population:
            return 0.0
        return self.audience_prev * 100.0 / self.population / AUDIENCE_UNIT


@dataclass(frozen=True)
class ExposureEffect:
    """``ratio``: the multiplier on the monthly count for one unit of exposure, with its 95 %
    interval and two-sided p-value; ``warning`` plain Chinese when the data are too thin."""

    outcome: str
    exposure: str
    label: str
    ratio: float | None
    ci_low: float | None
    ci_high: float | None
    p_value: float | None
    method: str
    grids: int
    months: int
    observations: int
    outcome_total: int
    events_total: int
    dispersion: float | None
    warning: str | None
    caution: str = CAUTION

    def as_dict(self) -> dict[str, Any]:
        return {
            k: (round(v, 4) if isinstance(v, float) and math.isfinite(v) else v)
            for k, v in asdict(self).items()
        }


def _shortage(grids: int, months: int, outcome_total: int, events_total: int, outcome: str) -> str | None:
    problems = []
    if grids < MIN_GRIDS:
        problems.append(f"只有 {grids} 个警格有数据")
    if months < MIN_MONTHS:
        problems.append(f"只有 {months} 个月")
    if outcome_total < MIN_OUTCOME_TOTAL:
        problems.append(f"只有 {outcome_total} 起{OUTCOME_LABELS[outcome].removesuffix('数')}")
    if events_total < MIN_EVENTS_TOTAL:
        problems.append(f"只有 {events_total} 场宣传活动")
    if not problems:
        return None
    return (
        f"数据太少，无法可靠判断宣传与{OUTCOME_LABELS[outcome].removesuffix('数')}的关系："
        + "，".join(problems)
        + f"（至少需要 {MIN_GRIDS} 个警格、{MIN_MONTHS} 个月、{MIN_OUTCOME_TOTAL} 起和 {MIN_EVENTS_TOTAL} 场活动）。下面的数字仅供参考。"
    )


def estimate_exposure_effect(
    rows: Sequence[PanelRow], outcome: str = "cases", exposure: str = "events"
) -> ExposureEffect:
    if outcome not in OUTCOME_LABELS or exposure not in EXPOSURE_LABELS:
        raise ValueError(f"unknown outcome/exposure {outcome}/{exposure}")
    label = f"{EXPOSURE_LABELS[exposure]}，当月{OUTCOME_LABELS[outcome]}的变化"
    grid_totals: dict[str, int] = {}
    month_totals: dict[date, int] = {}
    for r in rows:
        y = getattr(r, outcome)
        grid_totals[r.grid] = grid_totals.get(r.grid, 0) + y
        month_totals[r.month] = month_totals.get(r.month, 0) + y
    # A grid or month with no count at all has a fixed effect at minus infinity and says
    # nothing about exposure; it is left out rather than breaking the fit.
    used = [r for r in rows if grid_totals[r.grid] > 0 and month_totals[r.month] > 0]
    grids = sorted({r.grid for r in used})
    months = sorted({r.month for r in used})
    outcome_total = sum(getattr(r, outcome) for r in used)
    events_total = sum(r.events_prev for r in used)
    warning = _shortage(len(grids), len(months), outcome_total, events_total, outcome)
    empty = ExposureEffect(
        outcome,
        exposure,
        label,
        None,
        None,
        None,
        None,
        "none",
        len(grids),
        len(months),
        len(used),
        outcome_total,
        events_total,
        None,
        warning,
    )
    x = [r.exposure(exposure) for r in used]
    if len(grids) < 2 or len(months) < 2 or len(set(x)) < 2:
        return empty
    return _fit(used, grids, months, x, outcome, empty)


# Ratios beyond e^20 (about 5 x 10^8) in either direction only come from a fit without a bound.
MAX_LOG_RATIO = 20.0


def _fit(
    used: Sequence[PanelRow],
    grids: list[str],
    months: list[date],
    x: list[float],
    outcome: str,
    empty: ExposureEffect,
) -> ExposureEffect:
    import warnings

    import numpy as np
    import statsmodels.api as sm

    grid_index = {g: i for i, g in enumerate(grids)}
    month_index = {m: i for i, m in enumerate(months)}
    n_params = 1 + (len(grids) - 1) + (len(months) - 1) + 1
    design = np.zeros((len(used), n_params))
    for row_no, r in enumerate(used):
        design[row_no, 0] = 1.0
        gi = grid_index[r.grid]
        if gi:
            design[row_no, gi] = 1.0
        mi = month_index[r.month]
        if mi:
            design[row_no, len(grids) - 1 + mi] = 1.0
        design[row_no, -1] = x[row_no]
    y = np.asarray([getattr(r, outcome) for r in used], dtype=float)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            fit = sm.GLM(y, design, family=sm.families.Poisson()).fit()
        except (ValueError, np.linalg.LinAlgError) as exc:
            logger.info("exposure model for %s could not be fitted: %s", outcome, exc)
            return empty
        df = float(fit.df_resid)
        dispersion = float(fit.pearson_chi2 / df) if df > 0 else None
        method = "Poisson regression, grid and month fixed effects"
        if dispersion is not None and dispersion > OVERDISPERSION_LIMIT:
            fit = sm.GLM(y, design, family=sm.families.Poisson()).fit(scale="X2")
            method = "quasi-Poisson regression, grid and month fixed effects"
    beta = float(fit.params[-1])
    se = float(fit.bse[-1])
    if not (math.isfinite(beta) and math.isfinite(se)):
        return empty
    if abs(beta) + 1.959964 * se > MAX_LOG_RATIO:
        # A few grids where the outcome never happens give the fit no bound: a "ratio" of e^300 is an
        # artefact of separation, not an estimate (and would overflow).
        unstable = "数据太少，估计不稳定，未给出比值"
        return replace(empty, warning=f"{empty.warning}；{unstable}" if empty.warning else unstable)
    return ExposureEffect(
        outcome=empty.outcome,
        exposure=empty.exposure,
        label=empty.label,
        ratio=math.exp(beta),
        ci_low=math.exp(beta - 1.959964 * se),
        ci_high=math.exp(beta + 1.959964 * se),
        p_value=float(fit.pvalues[-1]),
        method=method,
        grids=empty.grids,
        months=empty.months,
        observations=empty.observations,
        outcome_total=empty.outcome_total,
        events_total=empty.events_total,
        dispersion=dispersion,
        warning=empty.warning,
    )
