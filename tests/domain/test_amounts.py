"""Amounts as police narratives write them, read into integer fen ranges."""

from __future__ import annotations

import cn2an
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fanzha.domain.amounts import (
    AmountUnreadable,
    find_amounts,
    parse_amount,
    to_halfwidth,
)
from fanzha.domain.values.money import format_yuan, yuan_number


@pytest.mark.parametrize(
    ("written", "lower_yuan", "upper_yuan", "qualifier"),
    [
        ("96108元", 96108, 96108, "exact"),
        ("200000余元", 200000, 300000, "more"),
        ("250000余元", 250000, 260000, "more"),
        ("20余万元", 200000, 300000, "more"),
        ("两万多元", 20000, 30000, "more"),
        ("十几万元", 100000, 200000, "more"),
        ("1.2万余元", 12000, 13000, "more"),
        ("约1.2万元", 12000, 12000, "approx"),
        ("3.5万元", 35000, 35000, "exact"),
        ("一万二千元", 12000, 12000, "exact"),
        ("壹万贰仟元", 12000, 12000, "exact"),
        ("１２３４元", 1234, 1234, "exact"),
        ("1,299元", 1299, 1299, "exact"),
        ("几万元", 10000, 100000, "vague"),
        ("百万元", 1000000, 1000000, "exact"),
    ],
)
def test_written_amounts_read_as_documented_ranges(
    written: str, lower_yuan: int, upper_yuan: int, qualifier: str
) -> None:
    amount = parse_amount(written)
    assert (amount.lower_fen, amount.upper_fen, amount.qualifier) == (
        lower_yuan * 100,
        upper_yuan * 100,
        qualifier,
    )
    assert amount.text == written.strip()


def test_amount_with_cents_keeps_fen_exactly() -> None:
    amount = parse_amount("12.35元")
    assert amount.lower_fen == 1235
    assert yuan_number(amount.lower_fen) == 12.35
    assert format_yuan(amount.lower_fen, unit="元") == "12.35元"


def test_yuan_output_is_int_when_whole() -> None:
    assert yuan_number(9610800) == 96108
    assert isinstance(yuan_number(9610800), int)


def test_spans_point_into_the_original_text_even_with_full_width_digits() -> None:
    text = "先后转账２０００元、保证金5000元，损失７０００元"
    amounts, unreadable = find_amounts(text)
    assert [text[a.start : a.end] for a in amounts] == ["２０００元", "5000元", "７０００元"]
    assert unreadable == []


def test_numbers_that_are_not_money_are_ignored() -> None:
    amounts, _ = find_amounts("2020年7月4日10时许，上万元的事，15%的税，两三百人，成千上万元")
    assert amounts == []


def test_spoken_ranges_are_their_own_bounds() -> None:
    amounts, _ = find_amounts("损失两三千元，另借出七八十万")
    assert [(a.lower_fen // 100, a.upper_fen // 100) for a in amounts] == [(2000, 3000), (700000, 800000)]


def test_bare_number_after_payment_verb_is_money_with_unit_missing() -> None:
    amounts, _ = find_amounts("先充值500，后转了3000元")
    assert [(a.lower_fen // 100, a.unit_missing) for a in amounts] == [(500, True), (3000, False)]


def test_non_amount_raises() -> None:
    with pytest.raises(AmountUnreadable):
        parse_amount("若干元钱")


def test_halfwidth_folding_keeps_length() -> None:
    text = "２０２０年，２月２日（ＱＱ）"
    assert len(to_halfwidth(text)) == len(text)
    assert to_halfwidth(text) == "2020年,2月2日(QQ)"


_FULL = str.maketrans("0123456789", "０１２３４５６７８９")


def _styles(yuan: int) -> list[str]:
    styles = [
        f"{yuan}元",
        f"{yuan:,}元",
        f"{yuan}元".translate(_FULL),
        f"{cn2an.an2cn(yuan)}元",
        f"人民币{yuan}元",
    ]
    if yuan % 1000 == 0 and yuan >= 10000:
        styles.append(f"{yuan / 10000:g}万元")
    return styles


@settings(max_examples=150, deadline=None)
@given(st.integers(min_value=1, max_value=99_999_999))
def test_any_integer_amount_round_trips_through_every_writing_style(yuan: int) -> None:
    for written in _styles(yuan):
        amount = parse_amount(written)
        assert amount.lower_fen == yuan * 100, written
        assert amount.upper_fen == yuan * 100, written


@settings(max_examples=150, deadline=None)
@given(st.integers(min_value=1, max_value=9_999_999))
def test_more_than_amounts_have_lower_written_and_upper_above(yuan: int) -> None:
    amount = parse_amount(f"{yuan}余元")
    assert amount.lower_fen == yuan * 100
    assert amount.upper_fen > amount.lower_fen
    # the step is one unit of the last significant digit written
    trailing_zeros = len(str(yuan)) - len(str(yuan).rstrip("0"))
    assert amount.upper_fen - amount.lower_fen == 10**trailing_zeros * 100


@settings(max_examples=100, deadline=None)
@given(st.lists(st.integers(min_value=1, max_value=999_999), min_size=1, max_size=9))
def test_a_list_of_transfers_is_found_in_order_with_exact_spans(values: list[int]) -> None:
    text = "转账的方式向对方卡里转了" + "、".join(f"{v}元" for v in values) + "，损失价值1元。"
    amounts, _ = find_amounts(text)
    assert [a.lower_fen // 100 for a in amounts[:-1]] == values
    for amount in amounts:
        assert text[amount.start : amount.end] == amount.text
