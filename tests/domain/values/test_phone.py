"""Phones: one parser for every caller (matching, the risk check, the quiz, the check form)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from fanzha.domain.values.phone import (
    is_valid_mobile,
    looks_like_mobile,
    normalise_phone,
    parse_mobile,
    validate_phone,
)
from fanzha.domain.values.registry import VALUE_TYPES

mobiles = st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True)
separators = st.sampled_from(["", " ", "-", "  "])


def _written(mobile: str, prefix: str, sep: str) -> str:
    return prefix + sep.join([mobile[:3], mobile[3:7], mobile[7:]])


@given(mobiles, st.sampled_from(["", "+86", "+86 ", "86", "0086", "0086-"]), separators)
def test_every_writing_of_a_mobile_normalises_to_its_eleven_digits(
    mobile: str, prefix: str, sep: str
) -> None:
    written = _written(mobile, prefix, sep)
    assert normalise_phone(written) == mobile
    assert parse_mobile(written) == mobile
    assert VALUE_TYPES["phone"].compare(written, mobile)


@given(st.text(max_size=30))
def test_normalising_is_idempotent_and_leaves_only_digits(text: str) -> None:
    once = normalise_phone(text)
    assert normalise_phone(once) == once
    assert once == "" or (once.isascii() and once.isdigit())


@given(mobiles)
def test_full_width_digits_are_the_same_number(mobile: str) -> None:
    full_width = "".join(chr(ord(c) + 0xFEE0) for c in mobile)
    assert normalise_phone(full_width) == mobile
    assert parse_mobile(full_width) == mobile


def test_parse_mobile_refuses_what_is_not_a_mainland_mobile() -> None:
    assert parse_mobile("138a0013800") is None  # a letter is not read over
    assert parse_mobile("+1 415 555 2671") is None  # another country's number
    assert parse_mobile("0571-88888888") is None  # a landline
    assert parse_mobile("1380013800") is None  # ten digits
    assert parse_mobile("") is None
    assert parse_mobile("(138) 0013 8000") == "13800138000"


def test_shape_and_range_are_different_questions() -> None:
    assert looks_like_mobile("17412345678") and not is_valid_mobile("17412345678")  # satellite range
    assert validate_phone("0571-88888888")
    assert not validate_phone("12345")
    assert not VALUE_TYPES["phone"].compare("", "")
