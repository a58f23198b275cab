"""Money: one formatter with a few variants; every variant reads back as the same fen."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fanzha.domain.values.money import fen_of_yuan, format_yuan, yuan_decimal, yuan_number

amounts_fen = st.integers(min_value=-(10**15), max_value=10**15)


@given(amounts_fen, st.sampled_from(["cents_when_needed", "always", "trimmed"]), st.booleans())
def test_every_exact_variant_reads_back_as_the_same_fen(fen: int, decimals: str, grouping: bool) -> None:
    text = format_yuan(fen, decimals=decimals, grouping=grouping)  # type: ignore[arg-type]
    assert fen_of_yuan(Decimal(text.replace(",", ""))) == fen


@given(amounts_fen)
def test_yuan_decimal_and_yuan_number_are_the_amount(fen: int) -> None:
    assert fen_of_yuan(yuan_decimal(fen)) == fen
    assert yuan_decimal(fen).as_tuple().exponent == -2
    number = yuan_number(fen)
    assert isinstance(number, int) == (fen % 100 == 0)
    assert round(number * 100) == fen or abs(fen) > 2**50  # floats hold every amount a station sees


@given(amounts_fen)
def test_whole_rounds_to_the_nearest_yuan(fen: int) -> None:
    whole = int(format_yuan(fen, decimals="whole"))
    assert abs(whole * 100 - fen) <= 50


@pytest.mark.parametrize(
    ("fen", "options", "expected"),
    [
        (9610800, {"decimals": "always", "grouping": True}, "96,108.00"),  # tables, the admin
        (9613500, {"unit": "元"}, "96135元"),  # a message or a draft
        (1250, {"unit": "元"}, "12.50元"),
        (129900, {"decimals": "trimmed"}, "1299"),  # a form field, the API
        (5, {"decimals": "trimmed"}, "0.05"),
        (1234550, {"decimals": "whole", "grouping": True, "unit": " 元"}, "12,346 元"),  # a headline
        (-150, {"decimals": "always", "grouping": True}, "-1.50"),
        (None, {}, "—"),
        (None, {"missing": ""}, ""),
    ],
)
def test_the_variants_as_the_pages_show_them(fen: int | None, options: dict, expected: str) -> None:
    assert format_yuan(fen, **options) == expected
