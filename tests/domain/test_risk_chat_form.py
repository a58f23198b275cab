"""Chats as a screenshot reads after OCR: the app's own furniture (transfer cards, red packets,
recalled messages, voice bubbles) is no fraud signal; a stock "teacher" group's opener is."""

from __future__ import annotations

import pytest

from fanzha.domain.risk import check_text

ORDINARY_CHATS = {
    "a parent's transfer card": (
        '妈妈\n昨天 18:32\n钱收到了吗\n¥2000.00\n已收款\n收到了，别老给我打钱，你们自己留着花\n[语音] 12"\n好好吃饭'
    ),
    "a family red packet": (
        "相亲相爱一家人(8)\n大姐：[微信红包] 恭喜发财，大吉大利\n二弟：谢谢大姐\n你领取了大姐的红包\n妈：今晚都回来吃饭"
    ),
    "a recalled message": "张三 撤回了一条消息\n没事发错了\n明天几点到？\n九点，我去车站接你",
    "splitting a bill": "周末烧烤群(6)\n小陈：一共花了600，每人100，大家微信转我就行\n小周：[转账] 100.00\n小李：已转",
    "a class fee notice": "王老师(三年级二班)\n各位家长，本学期资料费每人85元，请在班级群接龙，下周一前交给班主任\n收到\n收到",
}


# Everyday messages that share a word with a scam rule (found in review of those rules).
ORDINARY_MESSAGES = [
    "明天把发票发给你",
    "我拉你进公司内部群",
    "明天项目将正式启动",
    "下午我带大家操作一下新系统",
    "今天又多投一点简历",
    "你再投一点猫粮",
    "帮你买火车票，发一下你的身份证号",
    "请家长点击链接填写学生信息",
    "【人社局】请在掌上12333进行人脸识别，完成养老金资格认证",
    "【工商银行】您的信用卡提额申请已通过，如有疑问请致电95588",
    "【建设银行】您尾号1234的借记卡将于2026年12月31日到期停用，请及时到网点换卡，详询95533",
]


@pytest.mark.parametrize("text", ORDINARY_MESSAGES)
def test_everyday_words_shared_with_a_scam_rule_are_no_signal(text: str) -> None:
    result = check_text(text).as_dict()
    assert result["verdict"] == "safe" and not result["asks"], result


@pytest.mark.parametrize("text", ORDINARY_CHATS.values(), ids=ORDINARY_CHATS.keys())
def test_chat_furniture_is_no_fraud_signal(text: str) -> None:
    verdict = check_text(text)
    assert verdict.verdict == "safe", verdict.as_dict()


def test_a_stock_teacher_group_opener_is_suspicious_before_any_money_is_asked() -> None:
    text = (
        "财富共赢交流群(286)\n李老师：今天带大家布局的这只票已经涨了6个点，跟上的朋友恭喜\n"
        "助理小美：想进VIP实战群的朋友私信我，名额有限\n群友A：老师太准了，我赚了两万\n"
        "李老师：明天开盘前我会在群里发新的标的"
    )
    verdict = check_text(text)
    assert verdict.verdict in ("suspicious", "fraud"), verdict.as_dict()
    assert "mentor" in [claim["key"] for claim in verdict.as_dict()["claims"]]
    assert any("荐股" in reason.text for reason in verdict.reasons)
