"""Scam moves: what the sender asks the resident to do and who they claim to be."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fanzha.domain.risk import check_text
from fanzha.domain.scam_moves import find_moves
from fanzha.domain.text_normalize import fold_lookalikes

# Requests for money, card numbers, codes, app installs or screen sharing, in the words chats use.
ASKS = [
    ("你先帮我垫付一下5万，明天财务给你报销", "advance"),
    ("对方账户我发你，你帮我转2万过去", "transfer"),
    ("把你名下的存款都转到安全账户，配合资金核查", "safe_account"),
    ("把你收到的验证码发给我，我帮你取消", "code"),
    ("麻烦提供一下你的银行卡号，我们给你退款", "card_details"),
    ("你先下载一个叫安心的APP，我一步步教你", "install_app"),
    ("打开腾讯会议，开启屏幕共享，我帮你操作", "share_screen"),
    ("提现需要先交20%的保证金，交了才能出款", "fee_to_withdraw"),
    ("在借呗和微粒贷上借一下，完成后钱马上回来", "loan_to_clear"),
    ("群里有任务，点赞截图就返佣金", "task_deposit"),
    ("视频我录下来了，不想让你同事看到，马上转3万块钱给我", "transfer"),
    ("这个项目国家支持，投资5万元，每个月返利2000", "transfer"),
    ("为了加快退款，请您点击我们发给您的这个链接，填写身份证号完成认证", "identity_details"),
    ("麻烦提供一下你的身份证号码，我帮你查一下案底", "identity_details"),
    ("您需要按照总资产的45%注资作为回款的基数", "task_deposit"),
    ("这波行情不错，你要不要再考虑多投一点", "task_deposit"),
]


@pytest.mark.parametrize(("text", "ask"), ASKS)
def test_each_kind_of_request_is_recognised_and_quoted(text: str, ask: str) -> None:
    moves = find_moves(text)
    assert ask in moves.ask_keys
    quote = next(move.quote for move in moves.asks if move.key == ask)
    assert quote and quote in text.replace(",", "，")


@pytest.mark.parametrize(("text", "_ask"), ASKS)
def test_a_request_is_never_told_safe(text: str, _ask: str) -> None:
    verdict = check_text(text)
    assert verdict.verdict in ("suspicious", "fraud"), verdict
    assert verdict.as_dict()["asks"], verdict.as_dict()


def test_boss_asking_to_advance_money_is_high_risk_with_the_script_and_its_protection() -> None:
    text = (
        "张总\n以上是打招呼内容\n小王，我是你张总，这是我新微信。我在开会不方便接电话，"
        "有个供应商的货款急着付，你先帮我垫付一下5万，明天让财务给你报销。"
    )
    verdict = check_text(text)
    result = verdict.as_dict()
    assert verdict.verdict == "fraud"
    assert result["script"] == "冒充领导、熟人要钱"
    assert "boss_relative" in [claim["key"] for claim in result["claims"]]
    assert {"advance", "transfer"} & {ask["key"] for ask in result["asks"]}
    assert verdict.category == "冒充领导、熟人类"
    # The one action that protects comes first, in plain words.
    assert "原来存的号码" in verdict.advice[0]
    # Reasons quote the sender's own words, not model n-grams.
    assert any("垫付一下5万" in reason.text for reason in verdict.reasons)


def test_fake_police_with_screen_sharing_names_the_script() -> None:
    verdict = check_text("您好，这里是北京市公安局，您名下银行卡涉嫌洗钱，请下载会议软件共享屏幕配合调查。")
    assert verdict.verdict == "fraud"
    assert verdict.as_dict()["script"] == "冒充公检法"
    assert verdict.category == "冒充公检法及政府机关类"
    assert "110" in verdict.advice[0]


@pytest.mark.parametrize(
    "text",
    [
        "千万不要把验证码告诉任何人，公安机关不会要求你转账到安全账户。",
        "以后凡是要你下载APP、说验证码的都别理，都是骗子。",
        "老吴：公安局的人不会打电话让你转账，更没有什么安全帐户",
        "【盛大网络】重置密码,请输入您的验证码:261800,回复0000屏蔽短信。",
        "主管：转给我\n小美：好的，客户电话已经转过去了",
        "为了保证您的正常使用，请登录中国移动官网下载官方客户端查询话费。",
        # "你借我的钱" is the money already lent: paying it back is not a request to borrow.
        "你借我的那两千块钱，我下周还你",
    ],
)
def test_warnings_and_ordinary_notices_ask_nothing(text: str) -> None:
    assert find_moves(text).asks == ()


def test_ocr_lookalikes_match_as_typed() -> None:
    assert fold_lookalikes("我己经把帐号发给你了") == "我已经把账号发给你了"
    typed = find_moves("你先帮我垫付一下，把钱转到这个账户")
    read = find_moves("你先帮我垫付一下，把钱转到这个帐户")
    assert typed.ask_keys == read.ask_keys


def test_the_lowest_verdict_is_no_clearance() -> None:
    verdict = check_text("周末带孩子去公园玩吧，天气预报说是晴天")
    assert verdict.verdict == "safe"
    assert verdict.label == "未发现明显诈骗特征"
    assert "不等于安全" in verdict.advice[-1]
    assert verdict.as_dict()["asks"] == [] and verdict.as_dict()["claims"] == []


@given(st.text(max_size=300))
def test_find_moves_never_fails_on_any_text(text: str) -> None:
    moves = find_moves(text)
    for move in moves.asks + moves.claims:
        assert move.quote is not None


@pytest.mark.parametrize(
    "text",
    [
        "同事群(15)\n小李：今天派出所来公司做反诈讲座，讲了刷单、冒充客服、杀猪盘这几种\n"
        "小王：我去听了，说刷单返利就是先给你点甜头，后面让你垫大钱\n小赵：我把国家反诈中心APP装上了",
        "兄弟，我今天差点被骗了，有个人冒充我们领导加我微信，让我转账，我直接打了领导电话，"
        "领导说根本没这回事。后来我去派出所报警，民警说这种叫冒充领导诈骗，大家警惕。",
    ],
)
def test_people_warning_each_other_are_not_judged_a_pitch(text: str) -> None:
    from fanzha.domain.scam_moves import is_warning_talk

    assert is_warning_talk(text)
    assert check_text(text).verdict != "fraud"


def test_a_pitch_is_not_warning_talk() -> None:
    from fanzha.domain.scam_moves import is_warning_talk

    assert not is_warning_talk(
        "您好，这里是北京市公安局，您名下银行卡涉嫌洗钱，请把资金转到安全账户配合调查。"
    )


def test_a_card_number_written_in_groups_is_quoted_whole() -> None:
    text = "有个客户的尾款急需处理，你先帮我垫付5万，转到这个账户6222 0212 3456 7890 123，晚点公司给你报销"
    quotes = [move.quote for move in find_moves(text).asks]
    assert any("6222 0212 3456 7890 123" in quote for quote in quotes), quotes
    assert not any(quote.endswith("6222 0212") for quote in quotes), quotes


@pytest.mark.parametrize(
    "text",
    ["办理补卡请携带身份证原件到营业厅", "您可在官方APP内完成人脸识别后领取", "请到派出所窗口提供身份证办理"],
)
def test_an_official_errand_with_an_identity_card_is_not_an_ask(text: str) -> None:
    assert "identity_details" not in find_moves(text).ask_keys


def test_a_condition_with_a_real_negation_is_no_question() -> None:
    # "只要不要" negates; "要不要" asks.
    assert "safe_account" not in find_moves("只要不要把钱转到安全账户，就不会被骗").ask_keys
