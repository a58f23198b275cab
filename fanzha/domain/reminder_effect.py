"""Did the reminders work? Residents reached by a campaign against comparable residents it did
not reach, on what happened to them afterwards.

Each campaign is a stratum: its audience (one risk segment in some grids) split into the
reached (exported to the SMS platform or delivered) and the not reached (randomly held out,
failed, opted out, capped or without a mobile). The outcome is a resident who reports a case
(was cheated) — or turns up in a warning clue — within ``follow_up_days`` after the campaign's
day, counted once per resident and campaign. Follow-up stops at ``as_of`` for recent campaigns.

The estimate is the ratio of the two rates, pooled over campaigns by a Poisson regression with
one level per campaign and person-days as exposure, so that a comparison is only ever made
inside one campaign's audience. As in :mod:`fanzha.domain.stats`, counts that vary more than
Poisson allows switch to a negative binomial model, and a zero on either side switches to the
exact conditional interval. Only the random hold-out makes the comparison an experiment; the
other reasons for not being reached are not random, and the result says so.

Pure Python; statsmodels and scipy are imported by :mod:`fanzha.domain.stats` when estimating.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import date, timedelta
from typing import Any

from fanzha.domain import stats

# Below this many residents with an outcome the estimate comes with a plain warning.
MIN_EVENTS = 20
Z95 = 1.959964
OUTCOME_WORDS = {"cases": "报案被骗", "clues": "出现在预警线索中"}


@dataclass(frozen=True)
class Stratum:
    """One campaign's comparison: residents and residents with an outcome on each side, and the
    days each was followed."""

    key: str
    reached: int
    not_reached: int
    observed_days: int
    events_reached: int
    events_not_reached: int

    @property
    def usable(self) -> bool:
        return self.reached > 0 and self.not_reached > 0 and self.observed_days > 0


def follow_up_window(start: date, follow_up_days: int, as_of: date) -> tuple[date, date] | None:
    """Days after the campaign's day that count, as [first, last]; None when none has passed."""
    last = min(start + timedelta(days=follow_up_days), as_of)
    first = start + timedelta(days=1)
    return (first, last) if last >= first else None


def campaign_stratum(
    key: str,
    start: date,
    *,
    follow_up_days: int,
    as_of: date,
    reached: Collection[int],
    not_reached: Collection[int],
    event_days: Mapping[int, Sequence[date]],
) -> Stratum | None:
    """Count one campaign. ``event_days`` maps a resident id to the days of their outcomes (a
    case's occurrence, a clue's receipt); a resident counts once however many fall in the window."""
    window = follow_up_window(start, follow_up_days, as_of)
    if window is None:
        return None
    first, last = window

    def hit(resident_id: int) -> bool:
        return any(first <= day <= last for day in event_days.get(resident_id, ()))

    return Stratum(
        key=key,
        reached=len(reached),
        not_reached=len(not_reached),
        observed_days=(last - first).days + 1,
        events_reached=sum(1 for r in reached if hit(r)),
        events_not_reached=sum(1 for r in not_reached if hit(r)),
    )


@dataclass(frozen=True)
class ReminderEffect:
    """``ratio``: the outcome rate among the reached over the rate among comparable residents not
    reached, with its 95 % interval; rates per 1,000 residents over ``follow_up_days``."""

    outcome: str
    follow_up_days: int
    campaigns: int
    reached: int
    not_reached: int
    events_reached: int
    events_not_reached: int
    rate_reached: float | None
    rate_not_reached: float | None
    ratio: float | None
    ci_low: float | None
    ci_high: float | None
    p_value: float | None
    method: str
    warning: str | None
    dispersion: float | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            k: (round(v, 4) if math.isfinite(v) else None) if isinstance(v, float) else v
            for k, v in asdict(self).items()
        }

    def summary(self) -> str:
        """The estimate in plain Chinese, with what it does and does not say."""
        words = OUTCOME_WORDS.get(self.outcome, self.outcome)
        if self.ratio is None or self.ci_low is None or self.ci_high is None:
            if self.events_reached + self.events_not_reached == 0:
                return f"提醒后 {self.follow_up_days} 天内，收到和没收到提醒的居民中都还没有人{words}，无法估计效果。"
            if self.ci_low is not None and self.events_not_reached == 0:
                return (
                    f"收到提醒的 {self.reached} 人次中有 {self.events_reached} 人随后{words}，没收到的 "
                    f"{self.not_reached} 人次中还没有人，倍数算不出来（95% 区间下限 {self.ci_low:.2f}），需要更多数据。"
                )
            return "缺少可比的未收到提醒的居民，无法估计效果。"
        head = (
            f"收到提醒的居民，随后 {self.follow_up_days} 天内{words}的比例是未收到提醒的同类居民的 "
            f"{self.ratio:.2f} 倍（95% 区间 {self.ci_low:.2f}–{_upper(self.ci_high)}）。"
        )
        if self.ci_high < 1:
            return head + "区间整体小于 1：收到提醒的人随后明显更少" + words + "。"
        if self.ci_low > 1:
            return (
                head
                + "区间整体大于 1：收到提醒的人反而更多（提醒可能促使人们报案或举报，或选中的人本来风险就更高）。"
            )
        return head + "区间包含 1：现有数据还不能说明提醒是否有效。"


def _upper(value: float) -> str:
    return f"{value:.2f}" if math.isfinite(value) else "∞"


def _shortage(events: int, campaigns: int) -> str | None:
    if events >= MIN_EVENTS:
        return None
    return (
        f"数据太少，无法可靠判断提醒效果：{campaigns} 次活动的随访期内合计只有 {events} 人有后续事件"
        f"（至少需要 {MIN_EVENTS} 人）。下面的数字仅供参考。"
    )


def estimate_reminder_effect(
    strata: Sequence[Stratum], *, outcome: str = "cases", follow_up_days: int = 90
) -> ReminderEffect:
    """Pool the campaigns' comparisons into one rate ratio."""
    used = [s for s in strata if s.usable]
    events_reached = sum(s.events_reached for s in used)
    events_not = sum(s.events_not_reached for s in used)
    days_reached = sum(s.reached * s.observed_days for s in used)
    days_not = sum(s.not_reached * s.observed_days for s in used)

    def per_thousand(events: int, person_days: int) -> float | None:
        return events / person_days * follow_up_days * 1000 if person_days else None

    warning = _shortage(events_reached + events_not, len(used))
    base = ReminderEffect(
        outcome=outcome,
        follow_up_days=follow_up_days,
        campaigns=len(used),
        reached=sum(s.reached for s in used),
        not_reached=sum(s.not_reached for s in used),
        events_reached=events_reached,
        events_not_reached=events_not,
        rate_reached=per_thousand(events_reached, days_reached),
        rate_not_reached=per_thousand(events_not, days_not),
        ratio=None,
        ci_low=None,
        ci_high=None,
        p_value=None,
        method="none",
        warning=warning,
    )
    if not used or events_reached + events_not == 0:
        return base
    if events_reached == 0 or events_not == 0:
        # A zero on one side sends a regression's coefficient to infinity; the exact conditional
        # interval (campaigns pooled) stays finite on the side that can be told.
        exact = stats.exact_rate_ratio(events_reached, days_reached, events_not, days_not)
        return _with(
            base,
            ratio=exact.ratio,
            ci_low=exact.ci_low,
            ci_high=exact.ci_high,
            p_value=exact.p_value,
            method="exact conditional Poisson, campaigns pooled",
        )
    return _regression(used, base)


def _with(base: ReminderEffect, **changes: Any) -> ReminderEffect:
    return ReminderEffect(**{**asdict(base), **changes})


def _regression(strata: Sequence[Stratum], base: ReminderEffect) -> ReminderEffect:
    # A campaign without any outcome has its level at minus infinity and says nothing about the
    # ratio (its conditional likelihood is constant), so it is left out of the fit.
    informative = [s for s in strata if s.events_reached + s.events_not_reached > 0]
    names = ["const"] + [f"campaign_{i}" for i in range(1, len(informative))] + ["reached"]
    rows: list[list[float]] = []
    y: list[int] = []
    exposure: list[float] = []
    for index, stratum in enumerate(informative):
        level = [1.0 if index == i else 0.0 for i in range(1, len(informative))]
        for reached, events, people in (
            (1.0, stratum.events_reached, stratum.reached),
            (0.0, stratum.events_not_reached, stratum.not_reached),
        ):
            rows.append([1.0, *level, reached])
            y.append(events)
            exposure.append(float(people * stratum.observed_days))
    fit = stats.fit_counts(y, rows, names, exposure)
    beta, se = fit.params["reached"], fit.bse["reached"]
    if not (math.isfinite(beta) and math.isfinite(se)):
        return base
    label = "Poisson regression, one level per campaign" if len(informative) > 1 else "Poisson rate ratio"
    return _with(
        base,
        ratio=math.exp(beta),
        ci_low=math.exp(beta - Z95 * se),
        ci_high=math.exp(beta + Z95 * se),
        p_value=fit.pvalues["reached"],
        method=f"{label} ({fit.method})",
        dispersion=fit.dispersion,
    )
