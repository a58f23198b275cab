"""Masking of personal data as the web layer shows it."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from fanzha.domain.masking import mask_card, mask_id_number, mask_name, mask_phone, mask_text


def test_names_keep_first_and_last_character() -> None:
    assert mask_name("张某芹") == "张*芹"
    assert mask_name("张三") == "张*"
    assert mask_name("欧阳娜娜") == "欧**娜"
    assert mask_name("李") == "李"


def test_id_number_keeps_region_and_last_four() -> None:
    assert mask_id_number("110101199003071234") == "110101********1234"


def test_phone_keeps_three_and_four() -> None:
    assert mask_phone("13812345678") == "138****5678"
    assert mask_phone("+8613812345678") == "+86138****5678"
    assert mask_phone("0755-66668888") == "0755-****8888"


def test_card_keeps_bin_and_last_four() -> None:
    assert mask_card("6222021001123456789") == "622202*********6789"
    assert mask_card("6222 0210 0112 3456 781") == "6222 02** **** ***6 781"


def test_mask_text_masks_every_identifier_and_the_victim_name() -> None:
    text = (
        "2023年2月14日11时许，报警人陈某某（身份证号110101199003071233）称，对方手机号13912345678，"
        "向银行卡6222021001123456789转账5200元，网址www.sf-lp.com"
    )
    masked = mask_text(text)
    assert "陈*某" in masked
    assert "110101********1233" in masked
    assert "139****5678" in masked
    assert "622202*********6789" in masked
    assert "www.sf-lp.com" in masked  # fraud infrastructure stays readable
    assert "5200元" in masked and "2023年2月14日" in masked
    assert len(masked) == len(text)


def test_mask_text_with_given_name_spans() -> None:
    assert mask_text("张三说", names=[(0, 2)]) == "张*说"


@given(st.text(alphabet="0123456789", min_size=11, max_size=11).map(lambda s: "13" + s[2:]))
def test_masked_phone_never_shows_the_middle_digits(phone: str) -> None:
    masked = mask_phone(phone)
    assert masked[:3] == phone[:3] and masked[-4:] == phone[-4:] and masked[3:7] == "****"
