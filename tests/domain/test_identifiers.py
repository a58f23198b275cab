"""Identifiers named in narratives, each with its span and its field check."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from stdnum import luhn

from fanzha.domain.identifiers import find_identifiers
from fanzha.domain.values.account import is_valid_bank_card
from fanzha.domain.values.id_number import is_valid_id_number
from fanzha.domain.values.phone import is_valid_mobile

VALID_CARD = "6222021001123456789"
INVALID_CARD = "6222021001123456781"
VALID_ID = "110101199003071233"


def _kinds(text: str) -> list[tuple[str, str, bool]]:
    return [(i.kind, i.value, i.valid) for i in find_identifiers(text)]


def test_card_phone_qq_wechat_url_in_one_narrative() -> None:
    text = (
        f"向银行卡{VALID_CARD}转账，对方手机13812345678，QQ：2845671234，"
        "微信号lovebb_520，网址https://etc-gov.top/auth。"
    )
    assert _kinds(text) == [
        ("bank_card", VALID_CARD, True),
        ("mobile", "13812345678", True),
        ("qq", "2845671234", True),
        ("wechat", "lovebb_520", True),
        ("url", "https://etc-gov.top/auth", True),
    ]


def test_spans_cover_the_identifier_as_written() -> None:
    text = "卡号6222 0210 0112 3456 781，电话0755-66668888"
    found = find_identifiers(text)
    assert [text[i.start : i.end] for i in found] == ["6222 0210 0112 3456 781", "0755-66668888"]
    assert found[0].value == INVALID_CARD and not found[0].valid
    assert found[1].kind == "landline" and found[1].value == "075566668888"


def test_luhn_failure_marks_card_invalid() -> None:
    assert is_valid_bank_card(VALID_CARD)
    assert not is_valid_bank_card(INVALID_CARD)


def test_id_numbers_are_checked_by_gb11643_check_digit() -> None:
    assert is_valid_id_number(VALID_ID)
    assert not is_valid_id_number("110101199003071234")
    assert not is_valid_id_number("110101199002301233")  # 30 February
    assert _kinds(f"身份证号{VALID_ID}") == [("id_number", VALID_ID, True)]
    assert _kinds("身份证号码110101199003071234") == [("id_number", "110101199003071234", False)]


def test_mobile_ranges() -> None:
    assert is_valid_mobile("13912345678")
    assert is_valid_mobile("19912345678")
    assert not is_valid_mobile("17412345678")  # satellite range
    assert not is_valid_mobile("12345678901")
    assert _kinds("+8613712345678来电") == [("mobile", "13712345678", True)]


def test_bare_domains_and_emails_but_not_decimals() -> None:
    assert _kinds("登录jf-10086.cn兑换，邮箱ab12@qq.com，约1.2万元") == [
        ("domain", "jf-10086.cn", True),
        ("email", "ab12@qq.com", True),
    ]


def test_dates_and_amounts_are_not_identifiers() -> None:
    assert _kinds("2020-07-04 10:00，转了200000余元、96108元") == []


@settings(max_examples=100, deadline=None)
@given(
    st.from_regex(r"6[0-9]{14,17}", fullmatch=True)
)  # built, not filtered: 9 in 10 drawn texts were thrown away
def test_any_luhn_completed_card_is_found_valid(body: str) -> None:
    card = body + luhn.calc_check_digit(body)
    found = find_identifiers(f"向对方银行卡{card}转账")
    assert [(i.kind, i.value, i.valid) for i in found] == [("bank_card", card, True)]
