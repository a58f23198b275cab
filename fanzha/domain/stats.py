"""Case statistics without a database: calendar periods, period-on-period and year-on-year change,
shares, lift, and the measured effect of a campaign on the monthly case count.

Counts are plain integers per calendar month (Asia/Shanghai wall-clock months, first day as the
key). Money never enters this module. The campaign effect is an interrupted time series (or a
difference in differences when control grids are given) fitted with statsmodels; statsmodels and
numpy are imported inside the estimator so that importing this module stays cheap.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import date, timedelta
from functools import cache
from typing import Any

from fanzha.domain.data_files import load_data_json

logger = logging.getLogger(__name__)

# Below these the estimate is still given, with a plain warning that it cannot be relied on.
MIN_MONTHS_EACH_SIDE = 6
MIN_CASES = 20
# Pearson chi-square per residual degree of freedom above which Poisson standard errors are too
# small and a negative binomial model is used instead.
OVERDISPERSION_LIMIT = 1.5
# A linear trend (with its change at the campaign) needs a year before the start to be told
# apart from a recent jump; fitted on fewer months it mistakes the jump for a slope and inflates
# the counterfactual. Seasonality needs two full years in the window.
MIN_MONTHS_FOR_TREND_BEFORE = 12
MIN_MONTHS_FOR_TREND_AFTER = 6
MIN_MONTHS_FOR_SEASON = 24


# ---------------------------------------------------------------------------------------------
# Calendar periods


def month_start(day: date) -> date:
    return date(day.year, day.month, 1)


def add_months(month: date, months: int) -> date:
    index = month.year * 12 + month.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def week_start(day: date) -> date:
    """Monday of the ISO week containing ``day``."""
    return day - timedelta(days=day.weekday())


def months_between(first: date, last: date) -> list[date]:
    """Every month start from ``first``'s month to ``last``'s month inclusive."""
    out: list[date] = []
    month = month_start(first)
    end = month_start(last)
    while month <= end:
        out.append(month)
        month = add_months(month, 1)
    return out


def weeks_between(first: date, last: date) -> list[date]:
    out: list[date] = []
    week = week_start(first)
    while week <= last:
        out.append(week)
        week += timedelta(days=7)
    return out


def dense_series(counts: Mapping[date, int], periods: Sequence[date]) -> list[int]:
    """Counts for every period, zero where nothing happened (a month without cases is a zero)."""
    return [int(counts.get(p, 0)) for p in periods]


# ---------------------------------------------------------------------------------------------
# Change, shares, lift


def relative_change(current: int, previous: int) -> float | None:
    """(current - previous) / previous, or None when there is nothing to compare with."""
    if previous == 0:
        return None
    return (current - previous) / previous


def period_on_period(values: Sequence[int]) -> list[float | None]:
    """Change on the previous period for each period (the first has none)."""
    return [None, *(relative_change(values[i], values[i - 1]) for i in range(1, len(values)))]


def year_on_year(series: Mapping[date, int]) -> dict[date, float | None]:
    """Change on the same month of the previous year, for monthly keys; None where unknown."""
    return {
        month: relative_change(value, series[add_months(month, -12)])
        if add_months(month, -12) in series
        else None
        for month, value in series.items()
    }


def share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def shares(counts: Mapping[str, int]) -> dict[str, float]:
    """Each key's share of the total, largest first."""
    total = sum(counts.values())
    if not total:
        return {}
    return {k: v / total for k, v in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))}


def lift(segment_hits: int, segment_base: int, total_hits: int, total_base: int) -> float | None:
    """How many times more often the segment is hit than the whole: (a/b) / (A/B).

    With residents as the base this is a rate ratio (cases per resident in the segment against
    the county); with cases as the base it is a share ratio."""
    if not segment_base or not total_base or not total_hits:
        return None
    return (segment_hits / segment_base) / (total_hits / total_base)


# ---------------------------------------------------------------------------------------------
# Age bands


@dataclass(frozen=True)
class AgeBands:
    bands: tuple[tuple[str, int, int], ...]
    unknown: str

    def label(self, age: int | None) -> str:
        if age is None:
            return self.unknown
        for name, low, high in self.bands:
            if low <= age <= high:
                return name
        return self.unknown

    @property
    def labels(self) -> list[str]:
        return [b[0] for b in self.bands] + [self.unknown]


def years_before(day: date, years: int) -> date:
    """The same calendar day ``years`` earlier (28 February for a 29 February)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def birth_date_range(on: date, low: int, high: int) -> tuple[date, date]:
    """Aged ``low``..``high`` whole years on ``on``: born after the first date, on or before the second."""
    return years_before(on, high + 1), years_before(on, low)


@cache
def age_bands() -> AgeBands:
    raw = load_data_json("analytics/age_bands.json")
    return AgeBands(
        tuple((str(n), int(lo), int(hi)) for n, lo, hi in raw["bands"]), str(raw["unknown_label"])
    )


# ---------------------------------------------------------------------------------------------
# Campaign effect


@dataclass(frozen=True)
class CampaignEffect:
    """The change in the monthly case rate at a campaign's start.

    ``rate_before``/``rate_after`` are cases per month at the start of the campaign, without and
    with it (the observed monthly means when the model has no trend); ``ratio`` is
    rate_after / rate_before with its 95 % interval; ``warning`` is plain Chinese, or None."""

    rate_before: float | None
    rate_after: float | None
    ratio: float | None
    ci_low: float | None
    ci_high: float | None
    p_value: float | None
    method: str
    warning: str | None
    months_before: int
    months_after: int
    cases_before: int
    cases_after: int
    dispersion: float | None

    def contract(self) -> dict[str, Any]:
        """The eight fields of the ``fanzha stats effect`` contract."""
        full = asdict(self)
        keys = ("rate_before", "rate_after", "ratio", "ci_low", "ci_high", "p_value", "method", "warning")
        return {k: _rounded(full[k]) for k in keys}

    def as_dict(self) -> dict[str, Any]:
        return {k: _rounded(v) for k, v in asdict(self).items()}


def _rounded(value: Any) -> Any:
    if isinstance(value, float):
        return round(value, 4) if math.isfinite(value) else None
    return value


@dataclass(frozen=True)
class EffectWindow:
    before: list[date]
    after: list[date]


def effect_window(
    months: Sequence[date], start: date, months_before: int | None, months_after: int | None
) -> EffectWindow:
    """Whole months before and after ``start``. A campaign starting mid-month makes that month
    part before and part after; it is left out of both sides rather than credited to either."""
    first_after = month_start(start) if start.day == 1 else add_months(month_start(start), 1)
    last_before = add_months(month_start(start), -1)
    before = [m for m in months if m <= last_before]
    after = [m for m in months if m >= first_after]
    if months_before is not None:
        before = before[-months_before:] if months_before > 0 else []
    if months_after is not None:
        after = after[:months_after] if months_after > 0 else []
    return EffectWindow(before, after)


def estimate_campaign_effect(
    counts: Mapping[date, int],
    start: date,
    *,
    control: Mapping[date, int] | None = None,
    months_before: int | None = 12,
    months_after: int | None = 12,
) -> CampaignEffect:
    """Estimate the campaign's effect on the monthly count.

    ``counts`` maps every month of the series (zeros included) to its case count; ``control``,
    when given, is the same for grids the campaign did not reach, and the estimate becomes a
    difference in differences. ``None`` for a window length means all available months."""
    months = sorted(counts)
    window = effect_window(months, start, months_before, months_after)
    n_before, n_after = len(window.before), len(window.after)
    y_before = [int(counts[m]) for m in window.before]
    y_after = [int(counts[m]) for m in window.after]
    cases_before, cases_after = sum(y_before), sum(y_after)
    warning = _shortage_warning(n_before, n_after, cases_before, cases_after)
    empty = CampaignEffect(
        rate_before=cases_before / n_before if n_before else None,
        rate_after=cases_after / n_after if n_after else None,
        ratio=None,
        ci_low=None,
        ci_high=None,
        p_value=None,
        method="none",
        warning=warning,
        months_before=n_before,
        months_after=n_after,
        cases_before=cases_before,
        cases_after=cases_after,
        dispersion=None,
    )
    if not n_before or not n_after or cases_before == 0:
        return empty
    use_control = control is not None and sum(int(control.get(m, 0)) for m in window.before) > 0
    if cases_after == 0 and not use_control:
        # A zero after the start makes the regression's level change run to minus infinity;
        # the exact conditional interval is finite on the upper side.
        return _exact_conditional(empty, n_before, n_after, cases_before, cases_after)
    if use_control:
        assert control is not None
        return _difference_in_differences(window, counts, control, empty)
    return _interrupted_series(window, y_before + y_after, empty)


def _shortage_warning(n_before: int, n_after: int, cases_before: int, cases_after: int) -> str | None:
    problems: list[str] = []
    if n_before < MIN_MONTHS_EACH_SIDE:
        problems.append(f"活动开始前只有 {n_before} 个月的数据")
    if n_after < MIN_MONTHS_EACH_SIDE:
        problems.append(f"活动开始后只有 {n_after} 个月的数据")
    if cases_before + cases_after < MIN_CASES:
        problems.append(f"前后合计只有 {cases_before + cases_after} 起案件")
    if not problems:
        return None
    return (
        "数据太少，无法可靠判断活动效果："
        + "，".join(problems)
        + f"（至少需要前后各 {MIN_MONTHS_EACH_SIDE} 个月、合计 {MIN_CASES} 起案件）。下面的数字仅供参考。"
    )


def _design(window: EffectWindow) -> tuple[list[list[float]], list[str], bool]:
    """Columns: constant, post (level change); with a year before and half a year after, a trend
    and its change at the start; with two years a yearly sine/cosine pair. Time is 0 at the first month after."""
    n_before, n_after = len(window.before), len(window.after)
    months = window.before + window.after
    trend = n_before >= MIN_MONTHS_FOR_TREND_BEFORE and n_after >= MIN_MONTHS_FOR_TREND_AFTER
    season = len(months) >= MIN_MONTHS_FOR_SEASON
    first_after = window.after[0]
    names = ["const", "post"]
    if trend:
        names += ["trend", "trend_after"]
    if season:
        names += ["sin12", "cos12"]
    rows: list[list[float]] = []
    for m in months:
        t = float((m.year - first_after.year) * 12 + m.month - first_after.month)
        post = 1.0 if m >= first_after else 0.0
        row = [1.0, post]
        if trend:
            row += [t, t * post]
        if season:
            row += [math.sin(2 * math.pi * m.month / 12), math.cos(2 * math.pi * m.month / 12)]
        rows.append(row)
    return rows, names, trend


@dataclass(frozen=True)
class CountFit:
    params: dict[str, float]
    bse: dict[str, float]
    pvalues: dict[str, float]
    method: str
    dispersion: float | None

    @classmethod
    def named(
        cls, names: list[str], estimates: tuple[Any, Any, Any], method: str, dispersion: float | None
    ) -> CountFit:
        """The fit's (params, bse, pvalues) arrays keyed by the design's column names."""
        params, bse, pvalues = (dict(zip(names, map(float, v), strict=True)) for v in estimates)
        return cls(params, bse, pvalues, method, dispersion)


def fit_counts(
    y: Sequence[int],
    rows: list[list[float]],
    names: list[str],
    exposure: Sequence[float] | None = None,
) -> CountFit:
    """Poisson GLM; when the Pearson dispersion says the counts vary more than Poisson allows,
    a negative binomial model (dispersion estimated) takes its place. ``exposure`` (person-days,
    months…) enters as a log offset, so the coefficients are on rates."""
    import warnings

    import numpy as np
    import statsmodels.api as sm

    endog = np.asarray(y, dtype=float)
    exog = np.asarray(rows, dtype=float)
    offset = None if exposure is None else np.log(np.asarray(exposure, dtype=float))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        poisson = sm.GLM(endog, exog, family=sm.families.Poisson(), offset=offset).fit()
        df = float(poisson.df_resid)
        dispersion = float(poisson.pearson_chi2 / df) if df > 0 else None
        if dispersion is not None and dispersion > OVERDISPERSION_LIMIT:
            try:
                nb = sm.NegativeBinomial(endog, exog, offset=offset).fit(disp=0, maxiter=200)
                params = np.asarray(nb.params)[: len(names)]
                bse = np.asarray(nb.bse)[: len(names)]
                pvalues = np.asarray(nb.pvalues)[: len(names)]
                if np.all(np.isfinite(bse)):
                    return CountFit.named(names, (params, bse, pvalues), "negative binomial", dispersion)
            except (ValueError, np.linalg.LinAlgError) as exc:
                logger.info("negative binomial fit failed (%s); quasi-Poisson instead", exc)
            # The negative binomial did not converge: keep Poisson, widen by the dispersion.
            quasi = sm.GLM(endog, exog, family=sm.families.Poisson(), offset=offset).fit(scale="X2")
            quasi_estimates = (quasi.params, quasi.bse, quasi.pvalues)
            return CountFit.named(names, quasi_estimates, "quasi-Poisson", dispersion)
    return CountFit.named(names, (poisson.params, poisson.bse, poisson.pvalues), "Poisson", dispersion)


def _effect_from_fit(
    fit: CountFit, term: str, base_term: str | None, empty: CampaignEffect, method: str
) -> CampaignEffect:
    beta, se = fit.params[term], fit.bse[term]
    ratio = math.exp(beta)
    base = fit.params["const"] + (fit.params[base_term] if base_term else 0.0)
    rate_before = math.exp(base)
    return CampaignEffect(
        rate_before=rate_before,
        rate_after=rate_before * ratio,
        ratio=ratio,
        ci_low=math.exp(beta - 1.959964 * se),
        ci_high=math.exp(beta + 1.959964 * se),
        p_value=fit.pvalues[term],
        method=f"{method} ({fit.method})",
        warning=empty.warning,
        months_before=empty.months_before,
        months_after=empty.months_after,
        cases_before=empty.cases_before,
        cases_after=empty.cases_after,
        dispersion=fit.dispersion,
    )


def _interrupted_series(window: EffectWindow, y: list[int], empty: CampaignEffect) -> CampaignEffect:
    rows, names, trend = _design(window)
    fit = fit_counts(y, rows, names)
    label = "interrupted time series, trend" if trend else "interrupted time series, level"
    if "sin12" in names:
        label += ", seasonal"
    return _effect_from_fit(fit, "post", None, empty, label)


def _difference_in_differences(
    window: EffectWindow, counts: Mapping[date, int], control: Mapping[date, int], empty: CampaignEffect
) -> CampaignEffect:
    """Treated and control series stacked; the treated-after interaction is the effect. A common
    trend (and season) is shared by both groups, which is the parallel-trends assumption."""
    base_rows, base_names, trend = _design(window)
    # Only a common trend: a trend change at the start would absorb part of the effect.
    keep = [i for i, n in enumerate(base_names) if n != "trend_after"]
    names = [base_names[i] for i in keep] + ["treated", "treated_post"]
    months = window.before + window.after
    rows: list[list[float]] = []
    y: list[int] = []
    for treated, series in ((1.0, counts), (0.0, control)):
        for m, base in zip(months, base_rows, strict=True):
            row = [base[i] for i in keep]
            rows.append([*row, treated, treated * base[1]])
            y.append(int(series.get(m, 0)))
    fit = fit_counts(y, rows, names)
    label = (
        "difference in differences"
        + (", trend" if trend else "")
        + (", seasonal" if "sin12" in names else "")
    )
    return _effect_from_fit(fit, "treated_post", "treated", empty, label)


def _exact_conditional(
    empty: CampaignEffect, n_before: int, n_after: int, cases_before: int, cases_after: int
) -> CampaignEffect:
    """Given the total, the count after is binomial (see :func:`exact_rate_ratio`)."""
    exact = exact_rate_ratio(cases_after, n_after, cases_before, n_before)
    return CampaignEffect(
        rate_before=cases_before / n_before,
        rate_after=cases_after / n_after,
        ratio=exact.ratio,
        ci_low=exact.ci_low,
        ci_high=exact.ci_high,
        p_value=exact.p_value,
        method="exact conditional Poisson",
        warning=empty.warning,
        months_before=n_before,
        months_after=n_after,
        cases_before=cases_before,
        cases_after=cases_after,
        dispersion=None,
    )


@dataclass(frozen=True)
class RateRatio:
    ratio: float | None
    ci_low: float
    ci_high: float
    p_value: float


def exact_rate_ratio(events: int, exposure: float, base_events: int, base_exposure: float) -> RateRatio:
    """The ratio of two Poisson rates (events / exposure over base_events / base_exposure) with
    its exact conditional 95 % interval: given the total, ``events`` is binomial with
    p = E r / (E_base + E r); the Clopper-Pearson interval for p turns into one for r. Finite on
    the upper side when ``events`` is zero; ``ratio`` is None when ``base_events`` is zero."""
    from scipy.stats import beta, binomtest

    total = events + base_events
    if total == 0 or exposure <= 0 or base_exposure <= 0:
        raise ValueError("an exact rate ratio needs events and positive exposures")
    weight = exposure / base_exposure

    def to_ratio(p: float) -> float:
        return p / (1 - p) / weight if p < 1 else math.inf

    p_low = beta.ppf(0.025, events, total - events + 1) if events > 0 else 0.0
    p_high = beta.ppf(0.975, events + 1, total - events) if events < total else 1.0
    p_null = exposure / (exposure + base_exposure)
    return RateRatio(
        ratio=(events / exposure) / (base_events / base_exposure) if base_events else None,
        ci_low=to_ratio(float(p_low)),
        ci_high=to_ratio(float(p_high)),
        p_value=float(binomtest(events, total, p_null).pvalue),
    )
