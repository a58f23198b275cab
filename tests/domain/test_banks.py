"""Card BIN → bank and branch text → region."""

from __future__ import annotations

import pytest

from fanzha.domain.banks import Region, bank_from_card, bank_from_text, region_from_text


@pytest.mark.parametrize(
    ("card", "bank"),
    [
        ("6222021234567890123", "中国工商银行"),
        ("6228481234567890123", "中国农业银行"),
        ("6217001234567890", "中国建设银行"),
        ("6225881234567890", "招商银行"),
        ("6217991234567890123", "中国邮政储蓄银行"),
        ("1234567890123456", None),
        ("2088000000000001", None),
        ("abc", None),
        (None, None),
    ],
)
def test_bank_from_card(card: str | None, bank: str | None) -> None:
    assert bank_from_card(card) == bank


def test_bank_from_text_prefers_the_longest_name() -> None:
    assert bank_from_text("中国农业银行股份有限公司广州天河支行") == "中国农业银行"
    assert bank_from_text("中国银行杭州分行") == "中国银行"
    assert bank_from_text("工行深圳福田支行") == "中国工商银行"
    assert bank_from_text("某某农商行营业部") == "农村商业银行/信用社"
    assert bank_from_text("未知机构") is None


def test_region_from_branch_text() -> None:
    assert region_from_text("中国工商银行深圳福田支行") == Region("广东省", "深圳市")
    assert region_from_text("农业银行杭州西湖支行") == Region("浙江省", "杭州市")
    assert region_from_text("建设银行云南省分行营业部") == Region("云南省")
    assert region_from_text("上海市分行") == Region("上海市")
    assert region_from_text("网点0012") is None
    assert Region("广东省", "深圳市").label == "广东省深圳市"
