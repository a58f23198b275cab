"""Clue grading and merging, without a database: the rules intake, hand matching and the generator share."""

from __future__ import annotations

from datetime import datetime, timedelta

from fanzha.domain.clue_rules import (
    ClueInput,
    MergeIndex,
    canonical_kind,
    grade_clue,
    normalise_input,
    person_key,
    stored_identifier,
    target_warnings,
)

AT = datetime(2026, 3, 1, 9, 0)


def test_grade_rises_with_amount_age_known_identifier_and_repeats() -> None:
    assert grade_clue("被涉诈短信", None, 30, False, 0)[0] == "yellow"
    grade, reasons = grade_clue("被涉诈短信", 123_456, 30, False, 0)
    assert grade == "orange" and "涉及金额 1234.56 元" in reasons  # the cents are kept, not cut off
    assert grade_clue("被涉诈短信", None, 72, False, 0)[0] == "orange"
    assert grade_clue("被涉诈短信", None, 30, True, 0)[0] == "red"
    assert grade_clue("被涉诈短信", None, 30, False, 2)[0] == "orange"
    grade, reasons = grade_clue("奇怪的类型", None, None, False, 0)
    assert grade == "yellow" and "未知类型" in reasons[0]


def test_spellings_and_values_are_normalised_before_grading() -> None:
    assert canonical_kind("涉诈短信") == "被涉诈短信"
    clue = normalise_input(
        ClueInput(
            "上级下发", " A-1 ", AT, target_phone="+86 138 0013 8000", target_id_number="11010119900307123x"
        )
    )
    assert (clue.source_id, clue.target_phone, clue.target_id_number) == (
        "A-1",
        "13800138000",
        "11010119900307123X",
    )
    assert target_warnings(clue) == [
        "对象身份证号“110101********123X”校验不通过（位数、出生日期或校验位有误），请核实"
    ]


def test_a_clue_identifier_is_looked_up_as_a_case_records_it() -> None:
    assert stored_identifier("被涉诈电话呼叫", "0571-8888 6666") == "057188886666"
    assert stored_identifier("没有的类型", " abc ") == "abc"


def test_merge_only_on_the_same_person_and_identifier_within_the_window() -> None:
    index: MergeIndex[int] = MergeIndex(timedelta(days=7))
    person = person_key(None, "", "13800138000", "张三", "")
    index.add(person, "6222000011112222", AT, 1)
    assert index.primary(person, "6222000011112222", AT + timedelta(days=6)) == 1
    assert index.primary(person, "6222000011112222", AT + timedelta(days=8)) is None
    assert index.primary(person, "6222000099998888", AT) is None
    assert index.primary(person_key(5, "", "13800138000", "", ""), "6222000011112222", AT) is None
    assert index.primary(person, "", AT) is None
