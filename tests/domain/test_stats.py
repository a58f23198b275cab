"""Pure statistics: calendar periods, change, lift, and the campaign-effect estimator checked against
simulated Poisson series whose true effect is known."""

from __future__ import annotations

from collections import Counter
from datetime import date

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from fanzha.domain import stats

START = date(2024, 1, 1)
CAMPAIGN = date(2025, 1, 1)


def simulated(
    seed: int, before: float, after: float, months_before: int = 12, months_after: int = 12
) -> dict[date, int]:
    rng = np.random.default_rng(seed)
    first = stats.add_months(CAMPAIGN, -months_before)
    return {
        stats.add_months(first, i): int(rng.poisson(before if i < months_before else after))
        for i in range(months_before + months_after)
    }


def test_calendar_periods() -> None:
    assert stats.add_months(date(2025, 11, 1), 3) == date(2026, 2, 1)
    assert stats.add_months(date(2025, 1, 1), -1) == date(2024, 12, 1)
    assert stats.week_start(date(2026, 11, 25)) == date(2026, 11, 23)  # a Wednesday -> Monday
    assert stats.months_between(date(2025, 11, 20), date(2026, 2, 3)) == [
        date(2025, 11, 1),
        date(2025, 12, 1),
        date(2026, 1, 1),
        date(2026, 2, 1),
    ]
    assert len(stats.weeks_between(date(2026, 1, 1), date(2026, 1, 31))) == 5


@given(st.dates(min_value=date(1990, 1, 1), max_value=date(2090, 1, 1)), st.integers(-600, 600))
def test_add_months_round_trips(day: date, n: int) -> None:
    month = stats.month_start(day)
    assert stats.add_months(stats.add_months(month, n), -n) == month


def test_year_on_year_and_period_on_period() -> None:
    series = {date(2024, 1, 1): 10, date(2024, 2, 1): 0, date(2025, 1, 1): 12, date(2025, 2, 1): 3}
    yoy = stats.year_on_year(series)
    assert yoy[date(2025, 1, 1)] == pytest.approx(0.2)
    assert yoy[date(2025, 2, 1)] is None  # nothing a year before to compare with
    assert yoy[date(2024, 1, 1)] is None
    assert stats.period_on_period([4, 5, 0, 2]) == [None, pytest.approx(0.25), pytest.approx(-1.0), None]


def test_shares_and_lift() -> None:
    assert stats.shares({"a": 1, "b": 3}) == {"b": 0.75, "a": 0.25}
    assert stats.share(49, 122) == pytest.approx(0.4016, abs=1e-4)
    # 6 students hit out of 100 against 10 out of 1000 people: six times the county rate.
    assert stats.lift(6, 100, 10, 1000) == pytest.approx(6.0)
    assert stats.lift(0, 0, 10, 1000) is None


def test_age_bands_from_data_file() -> None:
    bands = stats.age_bands()
    assert bands.label(19) == "18-25岁"
    assert bands.label(60) == "60岁及以上"
    assert bands.label(None) == bands.unknown
    assert bands.labels[-1] == bands.unknown


def test_clear_drop_is_estimated_without_warning() -> None:
    effect = stats.estimate_campaign_effect(simulated(3, 10, 4), CAMPAIGN)
    assert effect.warning is None
    assert effect.months_before == 12 and effect.months_after == 12
    assert effect.ci_low is not None and effect.ci_high is not None and effect.ratio is not None
    assert effect.ci_low < effect.ratio < effect.ci_high
    assert effect.ci_high < 1 and effect.p_value is not None and effect.p_value < 0.01
    assert effect.method.startswith("interrupted time series, trend")
    assert set(effect.contract()) == {
        "rate_before",
        "rate_after",
        "ratio",
        "ci_low",
        "ci_high",
        "p_value",
        "method",
        "warning",
    }


def test_level_model_rates_are_the_observed_means() -> None:
    counts = simulated(5, 10, 4, months_before=6, months_after=6)
    effect = stats.estimate_campaign_effect(counts, CAMPAIGN)
    before = [v for m, v in counts.items() if m < CAMPAIGN]
    after = [v for m, v in counts.items() if m >= CAMPAIGN]
    assert effect.rate_before == pytest.approx(sum(before) / 6, rel=1e-6)
    assert effect.rate_after == pytest.approx(sum(after) / 6, rel=1e-6)
    assert effect.ratio == pytest.approx((sum(after) / 6) / (sum(before) / 6), rel=1e-6)
    assert "level" in effect.method


@pytest.mark.parametrize(("months_before", "months_after"), [(12, 12), (6, 6)])
def test_interval_covers_the_true_ratio_in_most_simulations(months_before: int, months_after: int) -> None:
    seeds = range(60)
    covered = 0
    for seed in seeds:
        effect = stats.estimate_campaign_effect(simulated(seed, 10, 4, months_before, months_after), CAMPAIGN)
        assert effect.ci_low is not None and effect.ci_high is not None
        covered += effect.ci_low <= 0.4 <= effect.ci_high
    # Nominal 95 %: 60 draws fall below 0.85 with probability well under 1 %.
    assert covered / len(seeds) >= 0.85


def test_overdispersed_counts_switch_to_negative_binomial_and_keep_coverage() -> None:
    covered = 0
    negative_binomial = 0
    for seed in range(40):
        rng = np.random.default_rng(1000 + seed)
        # Gamma-Poisson with shape 3: variance mean + mean^2/3, far beyond Poisson.
        counts = {
            stats.add_months(date(2023, 1, 1), i): int(rng.poisson(rng.gamma(3, (20 if i < 24 else 10) / 3)))
            for i in range(36)
        }
        effect = stats.estimate_campaign_effect(counts, CAMPAIGN, months_before=24, months_after=12)
        assert effect.ci_low is not None and effect.ci_high is not None
        covered += effect.ci_low <= 0.5 <= effect.ci_high
        negative_binomial += "negative binomial" in effect.method
    assert negative_binomial >= 25
    assert covered >= 33


def test_seasonality_is_added_with_two_years() -> None:
    counts = simulated(11, 10, 5, months_before=18, months_after=12)
    effect = stats.estimate_campaign_effect(counts, CAMPAIGN, months_before=None, months_after=None)
    assert "seasonal" in effect.method
    assert effect.months_before == 18


def test_too_few_data_says_so_in_plain_chinese() -> None:
    counts = simulated(2, 2, 1, months_before=3, months_after=3)
    effect = stats.estimate_campaign_effect(counts, CAMPAIGN)
    assert effect.warning is not None
    assert "数据太少" in effect.warning and "活动开始前只有 3 个月" in effect.warning


def test_no_case_after_the_start_gives_a_finite_upper_bound() -> None:
    counts = {stats.add_months(date(2024, 1, 1), i): (3 if i < 12 else 0) for i in range(18)}
    effect = stats.estimate_campaign_effect(counts, CAMPAIGN)
    assert effect.ratio == 0
    assert effect.ci_low == 0
    assert effect.ci_high is not None and 0 < effect.ci_high < 0.3
    assert effect.p_value is not None and effect.p_value < 0.001
    assert effect.method == "exact conditional Poisson"


def test_mid_month_start_leaves_the_split_month_out() -> None:
    counts = simulated(4, 10, 4)
    effect = stats.estimate_campaign_effect(counts, date(2025, 1, 15), months_before=None, months_after=None)
    assert effect.months_before == 12 and effect.months_after == 11


def test_difference_in_differences_removes_a_shared_drop() -> None:
    rng = np.random.default_rng(9)
    months = [stats.add_months(date(2024, 1, 1), i) for i in range(24)]
    # Both groups fall by half (something county-wide); the treated grids fall a further 40 %.
    treated = {m: int(rng.poisson(20 if m < CAMPAIGN else 20 * 0.5 * 0.6)) for m in months}
    control = {m: int(rng.poisson(30 if m < CAMPAIGN else 30 * 0.5)) for m in months}
    did = stats.estimate_campaign_effect(treated, CAMPAIGN, control=control)
    its = stats.estimate_campaign_effect(treated, CAMPAIGN)
    assert did.method.startswith("difference in differences")
    assert did.ci_low is not None and did.ci_high is not None
    assert did.ci_low <= 0.6 <= did.ci_high
    assert its.ratio is not None and did.ratio is not None and its.ratio < did.ratio


def test_generator_truth_ratio_is_inside_the_interval() -> None:
    from fanzha.generator import cases as generated
    from fanzha.generator.county import generate_county

    county = generate_county(seed=2026, scale=1.0)
    truth = county.truth()
    months = stats.months_between(
        date.fromisoformat(truth["window_start"]), date.fromisoformat(truth["end_date"])
    )
    per_month = Counter(stats.month_start(c.occurred_at.date()) for c in county.cases)
    effect = stats.estimate_campaign_effect(
        {m: per_month.get(m, 0) for m in months},
        date.fromisoformat(truth["campaign_start"]),
        # The truth's "before" rate is the surge of the last months before the campaign.
        months_before=generated.SURGE_MONTHS,
        months_after=None,
    )
    true_ratio = truth["monthly_rate_after"] / truth["monthly_rate_before"]
    assert effect.ci_low is not None and effect.ci_high is not None
    assert effect.ci_low <= true_ratio <= effect.ci_high
    assert effect.warning is not None  # four months before is fewer than the six asked for


@pytest.mark.slow
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_generator_truth_at_larger_scale(seed: int) -> None:
    from fanzha.generator import cases as generated
    from fanzha.generator.county import generate_county

    county = generate_county(seed=seed, scale=5.0)
    truth = county.truth()
    months = stats.months_between(
        date.fromisoformat(truth["window_start"]), date.fromisoformat(truth["end_date"])
    )
    per_month = Counter(stats.month_start(c.occurred_at.date()) for c in county.cases)
    effect = stats.estimate_campaign_effect(
        {m: per_month.get(m, 0) for m in months},
        date.fromisoformat(truth["campaign_start"]),
        months_before=generated.SURGE_MONTHS,
        months_after=None,
    )
    true_ratio = truth["monthly_rate_after"] / truth["monthly_rate_before"]
    assert effect.ci_low is not None and effect.ci_high is not None
    assert effect.ci_low <= true_ratio <= effect.ci_high
    assert effect.ci_high - effect.ci_low < 0.3
