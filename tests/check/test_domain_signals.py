"""Signal fixes made while raising recall (pure domain, no database): numbers that only look
like foreign phones, and the combined score the training script calibrates on."""

from __future__ import annotations

import pytest

from fanzha.domain.message_model import load_model
from fanzha.domain.risk import check_text, combined_score, rule_doubt


@pytest.mark.parametrize(
    "text",
    [
        "新股发行提示：1月20日申购002718友邦吊顶28.02元/股；002719麦趣尔25.38元/股",
        "您的知音卡号为:006217461495【中国国航】",
        "里程账户已升级为12位(卡号CA005577362903)",
        "订单号为 0016715338，此订单将为您保留30分钟",
    ],
)
def test_stock_codes_and_member_numbers_are_not_foreign_phones(text: str) -> None:
    assert not [r for r in check_text(text).reasons if r.kind == "phone"]


def test_a_real_foreign_number_counts_once_however_often_it_is_repeated() -> None:
    reasons = check_text("客服电话 +85261234567，或 +85261234568，或 0085261234569").reasons
    assert [r.kind for r in reasons].count("phone") == 1


def test_combined_score_is_what_check_text_returns() -> None:
    model = load_model()
    assert model is not None
    for text in (
        "【工商银行】您的电子密码器将于今日失效，请登录 www.icbc-mk.top 进行升级",
        "妈，我今天晚上加班，晚饭不回来吃了",
        "航班因机械故障已取消，请联系客服办理退改签，可获300元补偿",
    ):
        probability = model.score(text) if model.applies_to(text) else None
        expected = combined_score(
            rule_doubt(text), probability, model.fraud_threshold, model.suspicious_threshold
        )
        assert check_text(text).score == pytest.approx(expected, abs=1e-9)


def test_flight_cancellation_refund_script_is_flagged() -> None:
    verdict = check_text("尊敬的旅客，您的航班因机械故障已取消，请速致电客服办理退改签，可获得300元延误补偿")
    assert verdict.verdict in {"fraud", "suspicious"}
    assert any("航班" in r.text for r in verdict.reasons)
