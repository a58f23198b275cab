"""Measured effects in the words a station leader reads: "发案下降约57%，95% 可信区间 14%–78%".

Pages state what a rate ratio means for the station and keep the method one click away
(:func:`method_in_words` explains the estimator named in ``CampaignEffect.method`` or
``ExposureEffect.method``, which stay English in the CLI and API contracts).
"""

from __future__ import annotations

# The parts of a method label (fanzha.domain.stats, fanzha.outreach.exposure) and what they mean.
_METHOD_PARTS: tuple[tuple[str, str], ...] = (
    ("exact conditional Poisson", "活动后没有案件，回归无法给出区间，改用精确条件检验计算区间"),
    ("interrupted time series", "比较活动开始前后每月案件数（中断时间序列）"),
    ("difference in differences", "与活动未覆盖的警格同期对比，扣除全县共同变化（双重差分）"),
    ("grid and month fixed effects", "按警格和月份比较，扣除各警格自身水平和每个月全县的共同变化"),
    ("trend", "考虑了活动前原有的上升或下降趋势"),
    ("level", "活动前月份太少，不估计趋势，只比较前后平均水平"),
    ("seasonal", "考虑了季节变化"),
    ("quasi-Poisson", "各月波动比泊松模型假定的大，区间已相应放宽（准泊松）"),
    ("negative binomial", "各月波动较大，改用负二项模型"),
    ("Poisson", "按计数数据的泊松模型估计"),
)


def _pct(share: float) -> str:
    return f"{abs(share) * 100:.0f}%"


def change_in_words(
    ratio: float | None, ci_low: float | None, ci_high: float | None, what: str = "发案"
) -> str:
    """A rate ratio with its 95 % interval as one plain sentence.

    0.43 (0.22–0.86) → "发案下降约57%，95% 可信区间 14%–78%"; an interval that holds 1 says so:
    "发案下降约3%，但95% 可信区间从下降20%到上升17%，不能说明有变化"."""
    if ratio is None or ci_low is None or ci_high is None:
        return f"数据不足，无法估计{what}的变化"
    if ci_high < 1:
        return f"{what}下降约{_pct(1 - ratio)}，95% 可信区间 {_pct(1 - ci_high)}–{_pct(1 - ci_low)}"
    if ci_low > 1:
        return f"{what}上升约{_pct(ratio - 1)}，95% 可信区间 {_pct(ci_low - 1)}–{_pct(ci_high - 1)}"
    direction = "下降" if ratio < 1 else "上升"
    return (
        f"{what}{direction}约{_pct(ratio - 1)}，但95% 可信区间从下降{_pct(1 - ci_low)}到上升"
        f"{_pct(ci_high - 1)}，不能说明有变化"
    )


def method_in_words(method: str) -> str:
    """The estimator behind a figure, explained in Chinese (every matching part, in order)."""
    text = method
    said: list[str] = []
    for part, meaning in _METHOD_PARTS:
        if part in text:
            said.append(meaning)
            text = text.replace(part, "")
    return "；".join(said) if said else "—"
