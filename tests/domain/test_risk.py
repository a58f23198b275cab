import pytest
from hypothesis import given
from hypothesis import strategies as st

from fanzha.domain.message_model import load_model
from fanzha.domain.risk import KnownIdentifiers, check_text
from fanzha.domain.text_normalize import normalize_for_model

FRAUD_MESSAGES = [
    "尊敬的工行客户：您的账户积分已可兑换3000元现金，请登陆 icbc-jf.top 进行兑换领取，逾期失效【工商银行】",
    "您好，我是市公安局的民警，你的身份证涉嫌一起洗钱案，需要把资金转到安全账户配合调查，不要告诉家人。",
    "招聘兼职刷单，手机操作，日结佣金，垫付后立即返还本金和佣金，加QQ 123456789 咨询",
    "您的网贷已审核通过，放款前需缴纳1000元保证金解冻账户，请转账到指定账户后立即到账",
]
ORDINARY_MESSAGES = [
    "快递到了，放在小区门口驿站，记得下班去拿",
    "明天上午九点在三楼会议室开会，请准时参加",
    "妈，我今天加班，晚点回家吃饭，你们先吃",
    "周末带孩子去公园玩吧，天气预报说是晴天",
    "您的短信验证码是721414，有效时间5分钟，请勿泄露给他人。",
]


@pytest.mark.parametrize("text", FRAUD_MESSAGES)
def test_known_fraud_phrasing_is_high_risk(text):
    verdict = check_text(text)
    assert verdict.verdict == "fraud", verdict
    assert verdict.label == "高风险"
    assert verdict.score >= 0.8
    assert verdict.reasons and all(reason.text for reason in verdict.reasons)
    assert any("96110" in line for line in verdict.advice)


@pytest.mark.parametrize("text", ORDINARY_MESSAGES)
def test_ordinary_messages_are_safe(text):
    verdict = check_text(text)
    assert verdict.verdict == "safe", verdict
    assert verdict.label == "未发现明显诈骗特征"
    assert verdict.category is None
    assert verdict.score < 0.5


def test_safe_account_message_names_the_category_and_gives_advice():
    verdict = check_text(FRAUD_MESSAGES[1])
    assert verdict.category == "冒充公检法及政府机关类"
    assert any("安全账户" in reason.text for reason in verdict.reasons)
    assert any("不会通过电话" in line for line in verdict.advice)
    assert any("安全账户" in line for line in verdict.advice)
    assert len(verdict.advice) <= 6


def test_screen_sharing_and_apk_get_their_advice():
    verdict = check_text("客服说退款要先下载 http://1.2.3.4/kefu.apk 然后开启屏幕共享，按他说的操作")
    assert verdict.verdict in {"fraud", "suspicious"}
    kinds = {reason.kind for reason in verdict.reasons}
    assert {"link", "phrase"} <= kinds
    assert any("不要共享屏幕" in line for line in verdict.advice)
    assert any("不要下载陌生APP" in line for line in verdict.advice)


def test_lookalike_bank_link_alone_is_high_risk():
    verdict = check_text("icbc-com.cn.xyz")
    assert verdict.verdict == "fraud"
    assert any("模仿中国工商银行官网" in reason.text for reason in verdict.reasons)
    assert verdict.category == "其他"
    assert any("不要在短信链接打开的网页上填写" in line for line in verdict.advice)


def test_shortener_alone_is_a_reason_but_not_a_verdict():
    verdict = check_text("http://t.cn/A6abcd")
    assert any("短网址" in reason.text for reason in verdict.reasons)
    assert verdict.verdict == "safe"


def test_phone_from_station_cases_is_high_risk_with_case_count():
    known = KnownIdentifiers.build(phones={"+86 138-0013-8000": 3})
    verdict = check_text("这个号码 13800138000 打电话说我中奖了，是真的吗", known)
    assert verdict.verdict == "fraud"
    assert verdict.score >= 0.95
    assert "该号码出现在本所3起案件中：13800138000" in [reason.text for reason in verdict.reasons]
    unknown = check_text("这个号码 13800138001 打电话说我中奖了，是真的吗", known)
    assert not any(reason.kind == "known" for reason in unknown.reasons)


def test_bare_phone_number_without_cases_is_safe():
    verdict = check_text("13800138000")
    assert verdict.verdict == "safe"
    assert [item.value for item in verdict.identifiers] == ["13800138000"]


def test_card_number_with_a_name_or_bank_asks_to_verify_but_a_bare_number_does_not():
    for text in (
        "6222 0212 3456 7890 123 张豪华",
        # Names in front count as words too, although the text model never sees them.
        "张先生 6222021234567890123",
        "张豪华：6222 0212 3456 7890 123",
        "不好意思少了一位，应为6222021234567890123",
        "农行6228481042100436816",
    ):
        verdict = check_text(text)
        assert verdict.verdict == "suspicious", (text, verdict)
        assert any(reason.kind == "account" for reason in verdict.reasons)
    # A number pasted alone is a look-up: only the station's own identifiers can answer it.
    alone = check_text("6222021234567890123")
    assert not any(reason.kind == "account" for reason in alone.reasons)
    # A long message that happens to hold a card number is left to the other signals.
    long_text = "本月工资已发放到您尾号的工资卡6222021234567890123，明细请登录单位财务系统查询，如有疑问联系人事处张老师"
    assert not any(reason.kind == "account" for reason in check_text(long_text).reasons)


@pytest.mark.parametrize(
    "text",
    [
        "小王你看这是谁 http://abc.top/x",
        "这是同学录你保存一下 www.classmate-lu.com",
        "你的照片被人传到网上了 URL",
    ],
)
def test_curiosity_link_lure_is_a_reason(text):
    verdict = check_text(text)
    assert any(reason.kind == "phrase" and "点开链接" in reason.text for reason in verdict.reasons), verdict
    assert verdict.verdict != "safe"


def test_curiosity_words_without_a_link_do_not_fire():
    verdict = check_text("这是同学录你保存一下，周末聚会别迟到")
    assert not any("点开链接" in reason.text for reason in verdict.reasons)


def test_account_domain_and_app_from_cases_are_matched():
    known = KnownIdentifiers.build(
        accounts={"6222 0212 3456 7890 128": 2}, domains=["http://www.tz-licai.vip/"], apps={"易投宝": 0}
    )
    assert check_text("请转到6222021234567890128", known).verdict == "fraud"
    assert "该网址出现在本所1起案件中：tz-licai.vip" in [
        r.text for r in check_text("tz-licai.vip/reg", known).reasons
    ]
    app = check_text("老师让我下载易投宝APP投资", known)
    assert "该APP出现在本所预警线索中：易投宝" in [r.text for r in app.reasons]


def test_spoofed_service_number_and_foreign_number():
    spoofed = check_text("来电显示 +95588 说我的卡被冻结了")
    assert any("改号软件" in reason.text for reason in spoofed.reasons)
    foreign = check_text("+855 12345678 给我打电话")
    assert any("境外号码" in reason.text for reason in foreign.reasons)
    genuine = check_text("工商银行客服电话95588")
    assert not any(reason.kind == "phone" for reason in genuine.reasons)


def test_negated_phrase_in_a_bank_notice_does_not_fire():
    verdict = check_text("【支付宝】校验码：857020，用于开通快捷支付。请勿向任何人提供您收到的短信校验码")
    assert not any(reason.kind == "phrase" for reason in verdict.reasons)


def test_as_dict_is_json_ready():
    detail = check_text(FRAUD_MESSAGES[0]).as_dict()
    assert detail["verdict"] == "fraud" and detail["label"] == "高风险"
    assert all(isinstance(reason, str) for reason in detail["reasons"])
    assert isinstance(detail["advice"], list) and detail["advice"]


# --- normalisation: placeholders and real identifiers are the same features ------------------


def test_placeholder_and_real_digits_normalise_identically():
    assert normalize_for_model("验证码DIGIT") == normalize_for_model("验证码123456")
    assert normalize_for_model("请致电PHONE") == normalize_for_model("请致电 138-0013-8000")
    assert normalize_for_model("登录URLab9x兑换") == normalize_for_model("登录 http://icbc-jf.top/a 兑换")
    assert normalize_for_model("NAME先生您好") == normalize_for_model("张先生您好")
    assert normalize_for_model("尊敬的客户：您好！") == normalize_for_model("尊敬的客户您好")


def test_placeholders_and_real_identifiers_score_identically():
    model = load_model()
    assert model is not None, "model weights missing: run scripts/train_message_model.py"
    pairs = [
        ("您的积分已满DIGIT分请登录URL兑换现金", "您的积分已满10000分，请登录 http://a.cn/x 兑换现金"),
        ("请联系CELLPHONE办理", "请联系13800138000办理"),
    ]
    for placeholder, real in pairs:
        assert model.features(placeholder) == model.features(real)
        assert model.score(placeholder) == model.score(real)


@pytest.mark.parametrize("prefix", ["张经理：", "【陈先生】", "刘洋\n"])
@pytest.mark.parametrize("text", FRAUD_MESSAGES)
def test_a_sender_name_in_front_does_not_change_the_verdict(prefix, text):
    # Chat titles and screenshots put the contact's name first; one training source had
    # replaced every name, so names must not read as "ordinary message".
    assert check_text(prefix + text).score == check_text(text).score


@given(st.integers(min_value=0, max_value=9999), st.integers(min_value=0, max_value=99))
def test_any_amount_is_the_digit_token(yuan, fen):
    # Longer runs are phone- or card-shaped and become those tokens instead (tested above).
    assert normalize_for_model(f"余额{yuan}.{fen:02d}元") == normalize_for_model("余额DIGIT元")
    assert normalize_for_model(f"余额{yuan}元") == normalize_for_model("余额DIGIT元")


@given(st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True))
def test_any_mobile_is_the_phone_token(mobile):
    assert normalize_for_model(f"请联系{mobile}") == normalize_for_model("请联系CELLPHONE")


@given(st.text(max_size=200))
def test_check_text_never_fails_and_stays_in_range(text):
    verdict = check_text(text)
    assert verdict.verdict in {"fraud", "suspicious", "safe"}
    assert 0.0 <= verdict.score <= 1.0


def test_verdicts_keep_their_json_strings():
    from fanzha.domain.risk import Verdict, verdict_of

    assert [v.value for v in Verdict] == ["fraud", "suspicious", "safe"]
    assert (verdict_of(0.8), verdict_of(0.5), verdict_of(0.49)) == (
        Verdict.FRAUD,
        Verdict.SUSPICIOUS,
        Verdict.SAFE,
    )
    answer = check_text(FRAUD_MESSAGES[0]).as_dict()
    assert type(answer["verdict"]) is str and answer["verdict"] == "fraud"


def test_a_broken_classifier_is_logged_loudly_and_the_check_still_answers(monkeypatch, caplog):
    import logging

    from fanzha.domain import classify, risk

    def broken(text):
        raise ValueError("model categories not in taxonomy.json: ['x']")

    monkeypatch.setattr(classify, "classify", broken)
    with caplog.at_level(logging.INFO, logger="fanzha"):
        assert risk._classify_or_none("冒充客服退款") is None
        verdict = check_text(FRAUD_MESSAGES[0])
    assert verdict.verdict == "fraud"
    errors = [r for r in caplog.records if r.levelno == logging.ERROR and r.name == "fanzha.domain.risk"]
    assert errors and errors[0].exc_info is not None and "taxonomy" in str(errors[0].exc_info[1])


def test_only_a_missing_optional_dependency_of_the_classifier_is_tolerated(monkeypatch, caplog):
    import builtins
    import logging

    from fanzha.domain import risk

    real_import = builtins.__import__
    missing = {"name": "numpy"}

    def importing(name, *args, **kwargs):
        if name == "fanzha.domain.classify":
            raise ModuleNotFoundError(f"No module named '{missing['name']}'", name=missing["name"])
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", importing)
    risk._warn_classifier_unavailable.cache_clear()
    with caplog.at_level(logging.INFO, logger="fanzha"):
        assert risk._classify_or_none("冒充客服退款") is None
    assert any(r.levelno == logging.WARNING and "numpy" in r.getMessage() for r in caplog.records)
    missing["name"] = "fanzha.domain.taxonomy"  # fanzha's own module broken: not optional
    with pytest.raises(ModuleNotFoundError):
        risk._classify_or_none("冒充客服退款")
