"""Who a reminder goes to: the segment's members on the campaign's day, and each member's status
(no mobile, opted out, over the monthly cap, held out at random, to send)."""

from __future__ import annotations

from datetime import date

import pytest

from fanzha.domain import reminder_audience as rules
from fanzha.domain.reminder_audience import AudienceCriteria, Person

DAY = date(2026, 6, 15)


def test_criteria_refuse_unknown_bands_sexes_and_empty_grids() -> None:
    with pytest.raises(ValueError, match="age band"):
        AudienceCriteria("刷单返利类", ("G01",), ("20-30岁",))
    with pytest.raises(ValueError, match="sex"):
        AudienceCriteria("刷单返利类", ("G01",), sex="女性")
    with pytest.raises(ValueError, match="grid"):
        AudienceCriteria("刷单返利类", ())


def test_criteria_round_trip_and_read_in_plain_words() -> None:
    criteria = AudienceCriteria("刷单返利类", ("G03", "G07"), ("26-35岁",), "女")
    assert AudienceCriteria.from_dict(criteria.as_dict()) == criteria
    assert criteria.describe() == "女性，26-35岁，G03、G07 警格（提醒刷单返利类）"


@pytest.mark.parametrize(
    ("birth", "inside"),
    [
        (date(2000, 6, 15), True),  # 26 today
        (date(2000, 6, 16), False),  # 26 tomorrow: still 25
        (date(1990, 6, 16), True),  # 35 until tomorrow
        (date(1990, 6, 15), False),  # 36 today
    ],
)
def test_age_bands_count_whole_years_on_the_campaign_day(birth: date, inside: bool) -> None:
    criteria = AudienceCriteria("刷单返利类", ("G01",), ("26-35岁",), "女")
    assert (
        rules.matches(criteria, grid_code="G01", birth_date=birth, sex="女", occupation="", on=DAY) is inside
    )


def test_other_grids_sexes_and_occupations_are_not_in_the_audience() -> None:
    criteria = AudienceCriteria("刷单返利类", ("G01",), (), "女", ("学生",))
    common = {"birth_date": date(2005, 1, 1), "on": DAY}
    assert rules.matches(criteria, grid_code="G01", sex="女", occupation="学生", **common)
    assert not rules.matches(criteria, grid_code="G02", sex="女", occupation="学生", **common)
    assert not rules.matches(criteria, grid_code="G01", sex="男", occupation="学生", **common)
    assert not rules.matches(criteria, grid_code="G01", sex="女", occupation="务农", **common)


def _people(n: int) -> list[Person]:
    return [Person(i, f"138{i:08d}", "G01", app_registered=i % 3 == 0) for i in range(1, n + 1)]


def test_statuses_no_mobile_opted_out_capped_held_out_and_pending() -> None:
    people = [
        *_people(100),
        Person(101, "", "G01"),
        Person(102, "0731-84561234", "G01"),  # a landline cannot take an SMS
        Person(103, "13912345678", "G01"),
    ]
    settings = rules.load_settings({"max_per_month": 2, "holdout_share": 0.1})
    statuses, summary = rules.assign_statuses(
        people,
        opted_out=["+86 139-1234-5678", "13800000005"],
        reached_this_month={7: 2, 8: 1},
        settings=settings,
        seed="s",
    )
    assert statuses[101] == statuses[102] == rules.NO_PHONE
    assert statuses[103] == statuses[5] == rules.OPTED_OUT
    assert statuses[7] == rules.CAPPED
    assert statuses[8] in (rules.PENDING, rules.HELD_OUT)
    eligible = 100 - 2  # 5 opted out, 7 capped
    assert summary.by_status[rules.HELD_OUT] == round(0.1 * eligible)
    assert summary.to_send == eligible - round(0.1 * eligible)
    assert summary.audience == 103 and summary.with_mobile == 101
    assert summary.app_registered == 33
    assert summary.as_dict()["opted_out"] == 2


def test_the_hold_out_is_fixed_by_the_seed() -> None:
    settings = rules.load_settings({"holdout_share": 0.2})
    first, _ = rules.assign_statuses(
        _people(200), opted_out=[], reached_this_month={}, settings=settings, seed="a"
    )
    again, _ = rules.assign_statuses(
        _people(200), opted_out=[], reached_this_month={}, settings=settings, seed="a"
    )
    other, _ = rules.assign_statuses(
        _people(200), opted_out=[], reached_this_month={}, settings=settings, seed="b"
    )
    held = {r for r, s in first.items() if s == rules.HELD_OUT}
    assert held == {r for r, s in again.items() if s == rules.HELD_OUT}
    assert held != {r for r, s in other.items() if s == rules.HELD_OUT}
    none, summary = rules.assign_statuses(
        _people(50), opted_out=[], reached_this_month={}, settings=settings, seed="a", holdout_share=0
    )
    assert set(none.values()) == {rules.PENDING} and summary.to_send == 50


def test_settings_refuse_nonsense() -> None:
    assert rules.load_settings().max_per_month >= 1
    for bad in ({"max_per_month": 0}, {"holdout_share": 1.0}, {"sms_limit": 5}):
        with pytest.raises(ValueError):
            rules.load_settings(bad)
