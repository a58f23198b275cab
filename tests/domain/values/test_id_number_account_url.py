"""Resident ID numbers, card and account numbers, URLs: clean is idempotent, checks hold."""

from __future__ import annotations

from datetime import date

from hypothesis import given
from hypothesis import strategies as st
from stdnum import luhn
from stdnum.cn import ric

from fanzha.domain.values.account import format_card, is_valid_bank_card, normalise_account
from fanzha.domain.values.id_number import is_valid_id_number, looks_like_id_number, normalise_id_number
from fanzha.domain.values.registry import VALUE_TYPES
from fanzha.domain.values.url import normalise_url, same_site, url_host

dates = st.dates(
    min_value=__import__("datetime").date(1920, 1, 1), max_value=__import__("datetime").date(2020, 12, 31)
)


@given(st.from_regex(r"[1-6][0-9]{5}", fullmatch=True), dates, st.from_regex(r"[0-9]{3}", fullmatch=True))
def test_an_id_number_with_its_check_digit_is_valid_in_any_writing(region: str, born: date, seq: str) -> None:
    body = f"{region}{born:%Y%m%d}{seq}"
    number = body + ric.calc_check_digit(body + "?")  # python-stdnum skips the last character
    written = " ".join([number[:6], number[6:14], number[14:]]).lower()
    assert normalise_id_number(written) == number
    assert normalise_id_number(number) == number
    assert VALUE_TYPES["id_number"].compare(written, number)
    assert is_valid_id_number(number) and looks_like_id_number(number)
    wrong = body + ("0" if number[-1] != "0" else "1")
    assert not is_valid_id_number(wrong) and looks_like_id_number(wrong)


@given(st.from_regex(r"62[0-9]{14,16}", fullmatch=True))
def test_card_numbers_in_groups_of_four_are_the_same_card(digits: str) -> None:
    card = digits + luhn.calc_check_digit(digits)
    printed = format_card(card)
    assert normalise_account(printed) == card
    assert normalise_account(normalise_account(printed)) == card
    assert VALUE_TYPES["account"].compare(printed, card)
    assert is_valid_bank_card(card) == (15 <= len(card) <= 19)


@given(st.text(max_size=30))
def test_account_and_url_cleaning_is_idempotent(text: str) -> None:
    assert normalise_account(normalise_account(text)) == normalise_account(text)
    assert normalise_url(normalise_url(text)) == normalise_url(text)


def test_a_wallet_id_keeps_its_letters() -> None:
    assert normalise_account(" pay-user 01 ") == "pay-user 01"


def test_url_host_reads_what_residents_paste() -> None:
    assert url_host("HTTP://WWW.ICBC.com.cn:8080/x") == "icbc.com.cn"
    assert url_host("hxxp://evil.example/a") == "evil.example"
    assert url_host("www.x.cn/a", strip_www=False) == "www.x.cn"
    assert url_host("http://[::1") == ""
    assert normalise_url("看这里 https://x.cn/a。") == "看这里 https://x.cn/a"
    assert same_site("www.x.cn/a", "http://x.cn/b")
