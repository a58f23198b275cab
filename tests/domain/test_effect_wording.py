"""Effects in the words a station leader reads."""

from __future__ import annotations

from fanzha.domain.effect_wording import change_in_words, method_in_words


def test_a_clear_drop_reads_as_the_owner_wrote_it() -> None:
    assert change_in_words(0.43, 0.22, 0.86) == "发案下降约57%，95% 可信区间 14%–78%"


def test_a_rise_and_an_unclear_change_say_what_they_are() -> None:
    assert change_in_words(1.5, 1.1, 2.0) == "发案上升约50%，95% 可信区间 10%–100%"
    unclear = change_in_words(0.968, 0.798, 1.174, "当月案件数")
    assert unclear.startswith("当月案件数下降约3%") and "不能说明有变化" in unclear
    assert "无法估计" in change_in_words(None, None, None)


def test_every_method_label_of_the_estimators_is_explained_in_chinese() -> None:
    labels = [
        "interrupted time series, trend (Poisson)",
        "interrupted time series, level, seasonal (negative binomial)",
        "difference in differences, trend (quasi-Poisson)",
        "exact conditional Poisson",
        "Poisson regression, grid and month fixed effects",
        "quasi-Poisson regression, grid and month fixed effects",
    ]
    for label in labels:
        words = method_in_words(label)
        assert words != "—" and not any(c.isascii() and c.isalpha() for c in words), (label, words)
    assert "准泊松" in method_in_words(labels[2]) and "按计数数据" not in method_in_words(labels[2])
