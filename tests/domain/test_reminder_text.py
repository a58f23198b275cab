"""What a reminder says: per-category templates filled with the local script, one SMS at most,
and a WeChat post without unknown placeholders."""

from __future__ import annotations

from datetime import datetime

import pytest

from fanzha.domain import reminder_text as rt
from fanzha.domain.taxonomy import load_taxonomy

SIGNATURE = "【城关派出所】"


def _case(day: int, **kw: object) -> rt.CaseFacts:
    base: dict[str, object] = {"category": "刷单返利类", "at": datetime(2026, 10, day, 12)}
    base.update(kw)
    return rt.CaseFacts(**base)  # type: ignore[arg-type]


def test_the_script_is_read_off_recent_cases() -> None:
    cases = [
        _case(1, lure="兼职招聘", channel="QQ", platforms=("天博商城",), transfers_fen=(200_000, 500_000)),
        _case(5, lure="短视频点赞", channel="抖音", platforms=("鑫汇app",), transfers_fen=(150_000,)),
        _case(
            9, lure="兼职招聘", channel="抖音", platforms=("鑫汇app", "天博商城"), transfers_fen=(300_000,)
        ),
        _case(3, category="虚假网络投资理财类", platforms=("别的平台",), transfers_fen=(9_900_000,)),
    ]
    script = rt.summarise_script("刷单返利类", cases, 90)
    assert script.cases == 3
    # 天博商城 and 鑫汇app are both named twice; the one named last wins the tie.
    assert script.platform == "天博商城"
    assert (script.lure, script.channel) == ("兼职招聘", "抖音")
    assert script.first_amount_fen == 200_000  # median of the first payments 2000, 1500, 3000 yuan
    assert rt.summarise_script("冒充公检法及政府机关类", cases, 90).values()["people"] == "有人"


@pytest.mark.parametrize(
    ("fen", "said"),
    [
        (5_800, "58元"),
        (198_000, "2000元"),
        (1_540_000, "1.5万元"),
        (12_345_600, "12万元"),
        (100_000_00, "10万元"),
    ],
)
def test_amounts_read_as_people_say_them(fen: int, said: str) -> None:
    assert rt.amount_phrase(fen) == said


def test_sms_length_counts_an_emoji_twice() -> None:
    assert rt.sms_length("反诈") == 2
    assert rt.sms_length("反诈😀") == 4
    assert rt.sms_parts("字" * 70) == 1 and rt.sms_parts("字" * 71) == 2


@pytest.mark.parametrize("category", [*load_taxonomy().category_names, "没有模板的类别"])
def test_every_category_fills_one_sms_with_or_without_a_script(category: str) -> None:
    rich = rt.LocalScript(category, 4, 90, "凯融国际理财app", "网络婚恋、交友", "婚恋交友平台", 1_540_000)
    bare = rt.LocalScript(category, 0, 90)
    for script in (rich, bare):
        filled = rt.fill_sms(script, SIGNATURE)
        assert filled.fits, filled.text
        assert filled.text.startswith(SIGNATURE)
        assert "{" not in filled.text and "}" not in filled.text
    post = rt.wechat_post(bare, "青禾县公安局城关派出所")
    assert "{" not in post and "96110" in post


def test_the_most_specific_template_that_fits_is_used() -> None:
    script = rt.LocalScript("刷单返利类", 5, 90, "天博商城", "兼职招聘", "抖音", 200_000)
    filled = rt.fill_sms(script, SIGNATURE)
    assert filled.template_index == 0
    assert "兼职招聘" in filled.text and "天博商城" in filled.text and "多人" in filled.text
    long_platform = rt.LocalScript("刷单返利类", 5, 90, "某" * 30, "兼职招聘", "抖音", 200_000)
    fallback = rt.fill_sms(long_platform, SIGNATURE)
    assert fallback.fits and "某某" not in fallback.text and "2000元" in fallback.text


def test_the_wechat_post_keeps_only_lines_it_can_fill() -> None:
    script = rt.LocalScript("刷单返利类", 3, 90, platform="", lure="兼职招聘", channel="QQ")
    post = rt.wechat_post(script, "青禾县公安局城关派出所")
    assert post.splitlines()[0] == "【青禾县公安局城关派出所防骗提醒】"
    assert "近90天，本所辖区发生刷单返利诈骗3起。" in post
    assert "涉诈平台" not in post  # no platform known
    assert "左右" not in post  # no amount known


def test_an_officers_own_text_is_checked() -> None:
    ok = SIGNATURE + "刷单都是诈骗，别转账。"
    assert rt.check_sms("  " + ok + "\n", SIGNATURE) == ok
    for bad, message in (
        ("", "不能为空"),
        ("刷单都是诈骗", "签名"),
        (SIGNATURE + "“{platform}”是诈骗平台", "占位符"),
        (SIGNATURE + "字" * 64, "超过一条短信"),
    ):
        with pytest.raises(rt.TextRefused, match=message):
            rt.check_sms(bad, SIGNATURE)


def test_the_signature_uses_the_stations_short_name() -> None:
    assert rt.signature_for("【{station}】", "青禾县公安局城关派出所") == SIGNATURE
    assert rt.signature_for("【{station}】", "城关派出所") == SIGNATURE
