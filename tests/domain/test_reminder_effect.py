"""Did the reminders work? The reached against comparable residents not reached, inside each
campaign, pooled; and the generator's true effect is recovered within the interval."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pytest

from fanzha.domain import reminder_audience as rules
from fanzha.domain.reminder_effect import (
    Stratum,
    campaign_stratum,
    estimate_reminder_effect,
    follow_up_window,
)

DAY = date(2026, 3, 1)


def test_a_resident_counts_once_and_only_inside_the_follow_up() -> None:
    events = {
        1: [DAY, DAY + timedelta(days=5), DAY + timedelta(days=6)],  # the day itself does not count
        2: [DAY + timedelta(days=91)],  # after the follow-up
        3: [DAY - timedelta(days=1)],  # before the reminder
        4: [DAY + timedelta(days=90)],  # the last day that counts
    }
    stratum = campaign_stratum(
        "c",
        DAY,
        follow_up_days=90,
        as_of=date(2026, 12, 1),
        reached=[1, 2, 5],
        not_reached=[3, 4],
        event_days=events,
    )
    assert stratum is not None
    assert (stratum.events_reached, stratum.events_not_reached, stratum.observed_days) == (1, 1, 90)


def test_follow_up_stops_at_as_of_and_a_campaign_of_today_has_none() -> None:
    assert follow_up_window(DAY, 90, DAY + timedelta(days=10)) == (
        DAY + timedelta(days=1),
        DAY + timedelta(days=10),
    )
    assert follow_up_window(DAY, 90, DAY) is None
    assert (
        campaign_stratum("c", DAY, follow_up_days=90, as_of=DAY, reached=[1], not_reached=[2], event_days={})
        is None
    )


def _simulate(rng: np.random.Generator, ratio: float, campaigns: int = 30) -> list[Stratum]:
    strata = []
    for k in range(campaigns):
        reached, not_reached = int(rng.integers(800, 3000)), int(rng.integers(200, 800))
        base = rng.uniform(0.002, 0.01)  # campaigns reach segments of different risk
        strata.append(
            Stratum(
                str(k),
                reached,
                not_reached,
                90,
                int(rng.poisson(reached * base * ratio)),
                int(rng.poisson(not_reached * base)),
            )
        )
    return strata


def test_the_interval_covers_the_true_ratio_in_most_simulations() -> None:
    rng = np.random.default_rng(18)
    covered = 0
    for _ in range(100):
        effect = estimate_reminder_effect(_simulate(rng, 0.6))
        assert effect.ci_low is not None and effect.ci_high is not None
        covered += effect.ci_low <= 0.6 <= effect.ci_high
    assert covered >= 88


def test_pooling_compares_inside_each_campaign() -> None:
    # A risky segment reached mostly and a safe one reached little: pooled crudely, reminders
    # would look harmful; inside each campaign they make no difference.
    strata = [Stratum("risky", 9000, 1000, 90, 90, 10), Stratum("safe", 1000, 9000, 90, 1, 9)]
    effect = estimate_reminder_effect(strata)
    assert effect.ratio == pytest.approx(1.0, rel=0.05)
    crude = (91 / 10000) / (19 / 10000)
    assert crude > 4


def test_a_zero_on_one_side_gives_the_exact_interval() -> None:
    effect = estimate_reminder_effect([Stratum("a", 2000, 500, 90, 0, 4)])
    assert effect.method.startswith("exact conditional")
    assert effect.ratio == 0 and effect.ci_low == 0
    assert effect.ci_high is not None and 0 < effect.ci_high < 10
    assert effect.warning is not None and "数据太少" in effect.warning


def test_a_zero_among_the_not_reached_has_only_a_lower_bound() -> None:
    effect = estimate_reminder_effect([Stratum("a", 2000, 500, 90, 3, 0)])
    assert effect.ratio is None and effect.ci_high is not None and effect.ci_high == float("inf")
    assert effect.as_dict()["ci_high"] is None  # JSON has no infinity
    assert "下限" in effect.summary() and "有 3 人" in effect.summary()


def test_nothing_to_compare_says_so_in_chinese() -> None:
    nothing = estimate_reminder_effect([Stratum("a", 2000, 500, 90, 0, 0)])
    assert nothing.ratio is None and nothing.method == "none"
    assert "无法估计" in nothing.summary()
    no_comparison = estimate_reminder_effect([Stratum("a", 2000, 0, 90, 3, 0)])
    assert no_comparison.campaigns == 0 and no_comparison.ratio is None


def test_the_summary_says_what_the_interval_means() -> None:
    fewer = estimate_reminder_effect([Stratum("a", 50_000, 50_000, 90, 60, 120)])
    assert "明显更少" in fewer.summary() and "95% 区间" in fewer.summary()
    unclear = estimate_reminder_effect([Stratum("a", 50_000, 50_000, 90, 30, 33)])
    assert "区间包含 1" in unclear.summary()


def _generated_effect(seed: int, scale: float) -> tuple[float, object]:
    from fanzha.generator.county import generate_county

    county = generate_county(seed=seed, scale=scale)
    truth = county.truth()
    events: dict[int, list[date]] = {}
    for case in county.cases:
        events.setdefault(case.victim_resident_id, []).append(case.occurred_at.date())
    strata = []
    for k, campaign in enumerate(county.reminders.campaigns):  # type: ignore[union-attr]
        stratum = campaign_stratum(
            str(k),
            campaign.day,
            follow_up_days=truth["reminder_follow_up_days"],
            as_of=county.end_date,
            reached=[r for r, s in campaign.recipients if s in rules.REACHED],
            not_reached=[r for r, s in campaign.recipients if s not in rules.REACHED],
            event_days=events,
        )
        if stratum is not None:
            strata.append(stratum)
    return truth["reminder_true_ratio"], estimate_reminder_effect(strata)


def test_the_generators_true_effect_is_inside_the_interval() -> None:
    truth, effect = _generated_effect(2026, 1.0)
    assert effect.ci_low <= truth <= effect.ci_high  # type: ignore[attr-defined]
    assert effect.warning is None  # type: ignore[attr-defined]


@pytest.mark.slow
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_generators_true_effect_at_a_larger_scale(seed: int) -> None:
    truth, effect = _generated_effect(seed, 5.0)
    assert effect.ci_low <= truth <= effect.ci_high  # type: ignore[attr-defined]
    assert effect.ci_high - effect.ci_low < 0.4  # type: ignore[attr-defined]
