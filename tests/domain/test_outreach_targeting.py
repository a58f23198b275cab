"""The weekly plan's decisions, from counts alone (no database)."""

from __future__ import annotations

from datetime import date

import pytest

from fanzha.domain import outreach_targeting as t

PARAMS = t.TargetingParameters(
    recent_weeks=8, before_weeks=26, min_ratio=1.2, max_p=0.1, min_recent_cases=3, stale_weeks=4
)
AS_OF = date(2026, 10, 28)  # a Wednesday


def grid(
    code: str, recent: dict[str, int], before: dict[str, int], last: date | None, **kw: object
) -> t.GridFigures:
    return t.GridFigures(
        code=code,
        name=f"{code}警格",
        population=1000,
        recent=recent,
        before=before,
        cases_year=kw.get("cases_year", {}),  # type: ignore[arg-type]
        lift_year=kw.get("lift_year", {}),  # type: ignore[arg-type]
        last_event_day=last,
    )


def test_windows_are_whole_weeks_before_the_current_one() -> None:
    w = t.plan_windows(AS_OF, PARAMS)
    assert w.recent_end == date(2026, 10, 26)  # Monday of the plan's week, excluded
    assert w.recent_start == date(2026, 8, 31)
    assert (w.recent_start - w.before_start).days == 26 * 7


def test_binomial_tail_matches_exact_sum() -> None:
    # P(X >= 2) for Binomial(3, 0.5) = 4/8
    assert t.binomial_upper_tail(2, 3, 0.5) == pytest.approx(0.5)
    assert t.binomial_upper_tail(0, 5, 0.3) == 1.0
    assert t.binomial_upper_tail(6, 5, 0.3) == 0.0
    # Large counts stay finite and small.
    assert 0 < t.binomial_upper_tail(400, 1000, 0.2) < 1e-30


def test_rise_needs_size_and_evidence() -> None:
    strong = t.category_trend("刷单返利类", 20, 20, 8, 26)  # 2.5/week against 0.77/week
    assert strong.ratio == pytest.approx(3.25)
    assert strong.p_value < 0.001
    assert t.is_rising(strong, PARAMS)
    noise = t.category_trend("刷单返利类", 3, 4, 8, 26)  # ratio 2.4 but from seven cases
    assert noise.ratio == pytest.approx(2.4375)
    assert noise.p_value > 0.1
    assert not t.is_rising(noise, PARAMS)
    falling = t.category_trend("虚假网络投资理财类", 2, 30, 8, 26)
    assert not t.is_rising(falling, PARAMS)


def test_plan_names_the_rising_category_segment_venues_and_figures() -> None:
    trends = t.county_trends(
        {"刷单返利类": 20, "其他": 1}, {"刷单返利类": 20, "其他": 5}, t.plan_windows(AS_OF, PARAMS)
    )
    segments = {
        "刷单返利类": [
            t.Segment("刷单返利类", "occupation", "学生", 12, 800, 4.2),
            t.Segment("刷单返利类", "occupation", "家庭主妇", 6, 500, 3.1),
        ]
    }
    grids = [
        grid(
            "G01",
            {"刷单返利类": 4},
            {"刷单返利类": 2},
            date(2026, 10, 20),
            cases_year={"刷单返利类": 9},
            lift_year={"刷单返利类": 2.5},
        ),
        grid("G02", {}, {}, None),
    ]
    plans = {p.grid_code: p for p in t.build_weekly_plan(AS_OF, trends, segments, grids, PARAMS)}
    rec = plans["G01"].recommendations[0]
    assert rec.kind == "rising" and rec.category == "刷单返利类"
    # 学生 → 校园/网吧 first, then the housewives' 社区.
    assert rec.venues == ("校园", "网吧", "社区")
    for figure in (
        "近 8 周 20 起",
        "此前 26 周 20 起",
        "3.2 倍",
        "p<0.001",
        "本警格近 8 周 4 起",
        "近 12 个月 9 起",
        "全县的 2.5 倍",
        "「学生」（风险倍数 4.2，12 起）",
    ):
        assert figure in rec.text, figure
    assert rec.figures["county_recent"] == 20 and rec.figures["grid_lift"] == 2.5
    assert rec.figures["segments"][0]["value"] == "学生"
    # G02 had no case of the rising category and no lift: only the reminder that it never held an event.
    assert [r.kind for r in plans["G02"].recommendations] == ["stale"]
    assert "还没有记录过宣传活动" in plans["G02"].recommendations[0].text


def test_stale_grid_reminder_counts_weeks() -> None:
    plans = t.build_weekly_plan(
        AS_OF,
        [],
        {},
        [grid("G03", {}, {}, date(2026, 9, 1)), grid("G04", {}, {}, date(2026, 10, 10))],
        PARAMS,
    )
    g3, g4 = plans
    assert g3.recommendations[0].kind == "stale"
    assert g3.recommendations[0].figures["weeks_without_event"] == 8
    assert "已 8 周没有宣传活动" in g3.recommendations[0].text
    assert g4.recommendations == []  # 2 weeks ago: within the 4-week limit


def test_a_rise_inside_one_grid_only_is_flagged_for_that_grid() -> None:
    plans = t.build_weekly_plan(
        AS_OF,
        [],
        {},
        [grid("G05", {"虚假网络投资理财类": 6}, {"虚假网络投资理财类": 1}, date(2026, 10, 20))],
        PARAMS,
    )
    rec = plans[0].recommendations[0]
    assert rec.kind == "grid_rising"
    assert "在本警格上升：近 8 周 6 起，此前 26 周 1 起" in rec.text
    assert rec.venues[:2] == ("企业", "社区")  # the category's usual venues when no segment is known


def test_every_taxonomy_category_has_venues() -> None:
    from fanzha.domain.taxonomy import load_taxonomy

    venue_map = t.load_venue_map()
    for name in load_taxonomy().category_names:
        venues, _ = venue_map.venues_for_category(name)
        assert venues, name
        assert set(venues) <= set(venue_map.venue_types)
