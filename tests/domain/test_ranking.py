"""The daily ranking's arithmetic: component scores, the weighted composite, rank changes and the
laggards flagged for a talk with reasons in Chinese. No database."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fanzha.domain.ranking import (
    GridDayFigures,
    NewCaseLine,
    OverdueClueLine,
    birth_cutoff,
    component_scores,
    composite_score,
    points_to_stress,
    rank_grids,
    ranking_config,
)

CONFIG = ranking_config()


def figures(grid: str, registered: int, base: int = 1000, new: int = 0, **kw: int) -> GridDayFigures:
    return GridDayFigures(
        grid=grid, name=f"{grid}警格", base=base, registered=registered, new_registrations=new, **kw
    )


def test_shipped_weights_sum_to_one_and_cover_every_component() -> None:
    assert set(CONFIG.weights) == {"coverage", "new_registrations", "clues_in_time", "dissuasion", "cases"}
    assert sum(CONFIG.weights.values()) == pytest.approx(1.0)
    assert CONFIG.base_kind == "residents_min_age" and CONFIG.min_age == 14


def test_overrides_merge_over_the_shipped_file_and_bad_weights_are_refused() -> None:
    changed = ranking_config({"weights": {"coverage": 0.9}, "flag": {"bottom_count": 1}})
    assert changed.weights["coverage"] == 0.9 and changed.weights["cases"] == CONFIG.weights["cases"]
    assert changed.bottom_count == 1
    with pytest.raises(ValueError):
        ranking_config({"weights": {"coverage": -1}})
    with pytest.raises(ValueError):
        ranking_config({"population_base": {"kind": "households"}})


def test_component_scores_follow_the_documented_formulas() -> None:
    f = figures(
        "G1",
        registered=350,
        new=2,
        clues_due=4,
        clues_in_time=3,
        clues_stopped=1,
        clues_cheated=1,
        cases_this_month=1,
    )
    s = component_scores(f, CONFIG)
    assert s["coverage"] == pytest.approx(0.35 / 0.70)
    assert s["new_registrations"] == pytest.approx(1.0)  # 2 per 1,000 ≥ target 1
    assert s["clues_in_time"] == pytest.approx(0.75)
    assert s["dissuasion"] == pytest.approx(0.5)
    assert s["cases"] == 0.0  # 10 cases per 10,000 is past the ceiling of 3
    big = component_scores(figures("G2", registered=0, base=10000, cases_this_month=1), CONFIG)
    assert big["cases"] == pytest.approx(1 - 1 / 3.0)
    assert big["new_registrations"] == 0.0


def test_missing_components_drop_out_and_the_rest_are_reweighted() -> None:
    f = figures("G1", registered=700, new=1)  # no clue due, no dissuasion: those two drop out
    s = component_scores(f, CONFIG)
    assert s["clues_in_time"] is None and s["dissuasion"] is None
    assert composite_score(s, CONFIG) == pytest.approx(100.0)
    assert composite_score(dict.fromkeys(s), CONFIG) == 0.0


def test_ranking_orders_by_score_gives_rank_change_and_flags_the_bottom_three_with_reasons() -> None:
    today = [figures(f"G{i}", registered=100 * i, new=1) for i in range(1, 8)]
    yesterday = [figures(f"G{i}", registered=100 * (8 - i)) for i in range(1, 8)]
    ranking = rank_grids(today, yesterday, CONFIG)
    assert [r.grid for r in ranking] == ["G7", "G6", "G5", "G4", "G3", "G2", "G1"]
    assert [r.rank for r in ranking] == list(range(1, 8))
    assert ranking[0].previous_rank == 7 and ranking[0].rank_change == 6
    assert [r.flagged for r in ranking] == [False] * 4 + [True] * 3
    g1 = ranking[-1]
    assert g1.reasons[0] == f"综合得分{g1.score:.1f}分，全所7个警格中排第7名"
    assert "排名较前一日下降6位（第1名→第7名）" in g1.reasons
    assert "反诈APP注册覆盖率10.0%（100/1000人），低于目标70.0%，尚差600人" in g1.reasons
    assert g1.as_json() == {
        "grid": "G1",
        "rank": 7,
        "score": round(g1.score, 2),
        "coverage": 0.1,
        "new_registrations": 1,
        "flagged": True,
        "reasons": list(g1.reasons),
    }
    assert all(r.reasons == () for r in ranking if not r.flagged)


def test_clue_dissuasion_and_case_reasons_are_spelled_out() -> None:
    bad = figures(
        "G9",
        registered=100,
        clues_due=5,
        clues_in_time=2,
        clues_stopped=1,
        clues_cheated=2,
        clues_unreachable=1,
        cases_this_month=3,
        cases_last_month_same_period=1,
    )
    ranking = rank_grids([bad, figures("G1", 900), figures("G2", 800), figures("G3", 850)], None, CONFIG)
    reasons = next(r for r in ranking if r.grid == "G9").reasons
    assert "近7日预警线索按时处置率40.0%（2/5条），3条超时未首次联系" in reasons
    assert "劝阻成功率25.0%（成功1起、已被骗2起、无法联系1起）" in reasons
    assert "本月发案3起，较上月同期1起增加2起" in reasons
    assert "当日新增注册0人" in reasons


def test_never_every_grid_is_flagged() -> None:
    assert [r.flagged for r in rank_grids([figures("G1", 10)], None, CONFIG)] == [False]
    assert [r.flagged for r in rank_grids([figures("G1", 10), figures("G2", 20)], None, CONFIG)] == [
        False,
        True,
    ]


def test_ties_are_broken_by_coverage_then_grid_code() -> None:
    ranking = rank_grids([figures("G2", 800), figures("G1", 800), figures("G3", 900)], None, CONFIG)
    assert [r.grid for r in ranking] == ["G3", "G1", "G2"]


def test_birth_cutoff_handles_leap_days() -> None:
    assert birth_cutoff(date(2028, 2, 29), 14) == date(2014, 2, 28)
    assert birth_cutoff(date(2026, 11, 20), 14) == date(2012, 11, 20)


def test_points_to_stress_name_laggards_overdue_red_clues_and_the_leading_category() -> None:
    ranking = rank_grids(
        [figures("G1", 100), figures("G2", 900, new=3), figures("G3", 950, new=3), figures("G4", 990, new=3)],
        None,
        CONFIG,
    )
    points = points_to_stress(
        ranking,
        [
            OverdueClueLine("G1警格", "red", "向涉案账户转账", 5),
            OverdueClueLine("G2警格", "yellow", "被涉诈短信", 1),
        ],
        [
            NewCaseLine("G1警格", "刷单返利", 1234567),
            NewCaseLine("G2警格", "刷单返利", 100),
            NewCaseLine("G3警格", "虚假征信", None),
        ],
        CONFIG,
    )
    text = "\n".join(points)
    assert "约谈3个排名靠后警格" in text
    assert "2条预警线索超时未首次联系，其中红色1条" in text
    assert "新发案件3起，损失合计12,346.67元，刷单返利类2起" in text


grid_figures = st.builds(
    GridDayFigures,
    grid=st.text("ABCDEFG0123456789", min_size=1, max_size=4),
    name=st.just("警格"),
    base=st.integers(0, 5000),
    registered=st.integers(0, 6000),
    new_registrations=st.integers(0, 50),
    clues_due=st.integers(0, 20),
    clues_in_time=st.integers(0, 20),
    clues_stopped=st.integers(0, 10),
    clues_cheated=st.integers(0, 10),
    clues_unreachable=st.integers(0, 10),
    cases_this_month=st.integers(0, 10),
    cases_last_month_same_period=st.integers(0, 10),
).filter(lambda f: f.clues_in_time <= f.clues_due)


@given(st.lists(grid_figures, max_size=30, unique_by=lambda f: f.grid))
def test_any_day_ranks_every_grid_once_and_flags_exactly_the_bottom(days: list[GridDayFigures]) -> None:
    ranking = rank_grids(days, days, CONFIG)
    n = len(days)
    assert sorted(r.rank for r in ranking) == list(range(1, n + 1))
    assert all(0.0 <= r.score <= 100.0 for r in ranking)
    assert [r.score for r in ranking] == sorted((r.score for r in ranking), reverse=True)
    flagged = [r.rank for r in ranking if r.flagged]
    assert flagged == list(range(n - min(CONFIG.bottom_count, max(0, n - 1)) + 1, n + 1))
    assert all(r.rank_change == 0 for r in ranking)
    assert all(r.reasons and r.reasons[0].startswith("综合得分") for r in ranking if r.flagged)
