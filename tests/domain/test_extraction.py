"""A police case narrative read into a draft: the three seed cases and the noise around them."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest

from fanzha.domain.extraction import extract

SEEDS_FILE = Path(__file__).resolve().parents[3] / "shared" / "cases" / "seed_cases.jsonl"
# The seed cases are the project's own field-report cases; a copy keeps the tests standalone.
SEEDS = {
    "seed-1": "2020年7月4日10时许,辖区居民张某芹通过微信群(上海泛微科技有限公司)添加了一个陌生人微信,对方称可以刷单赚钱,接着与其聊天,并介绍刷单流程和具体要求,后让其填写入职申请表,将其姓名、手机号、支付宝收款码发给了对方,审核通过之后,对方给其下发派单任务,转账的方式向对方卡里转了1299元、3588元、8888元、14352元、17776元、7176元、7176元、15880元、20000元,之后对方称审核失败,本金及佣金无法返还,需再交保证金,后意识到被被骗了,损失价值96108元。",
    "seed-2": "2020年,2月2日10时许,辖区居民朱某某通过“伊对”相亲平台认识了一个自称是陈国坤的人加其QQ为好友,后陈国坤推荐其去“太平洋期指”平台投资,其通过银行卡陆续投了200000余元,后其想要将钱取出,平台称其要交15%的税,其又转了50000余元,之后钱一直未能取出,其意识到被骗于是报警,损失价值250000余元。",
    "seed-3": "2020年8月6日10时许,辖区居民惠某某刷抖音时有抖音网友找其私聊股票,后双方互加微信好友,对方给其发来连接让其下载“天隆基金APP”,其开始按照对方的制止开始炒股,对方发来银行卡转账的方式给对方转了280000余元,后对方称平台瘫痪,让其卸载后重新下载,其卸载软件后联系不上对方,损失价值280000余元。",
}


def test_copied_seeds_match_the_shared_file_when_present() -> None:
    if not SEEDS_FILE.exists():
        pytest.skip("shared/cases not beside the checkout")
    shared = {
        json.loads(line)["id"]: json.loads(line)["text"]
        for line in SEEDS_FILE.read_text("utf-8").splitlines()
    }
    assert shared == SEEDS


def test_seed_1_nine_transfers_do_not_add_up_to_the_stated_loss() -> None:
    draft = extract(SEEDS["seed-1"])
    assert draft.occurred_at == datetime(2020, 7, 4, 10, 0)
    assert draft.occurred_until == datetime(2020, 7, 4, 10, 59)
    assert [t.amount.lower_fen // 100 for t in draft.transfers] == [
        1299,
        3588,
        8888,
        14352,
        17776,
        7176,
        7176,
        15880,
        20000,
    ]
    assert draft.transfer_total_fen == 96135_00
    assert draft.loss is not None and draft.loss.lower_fen == 96108_00 == draft.loss.upper_fen
    assert {t.means for t in draft.transfers} == {"银行卡"}
    assert [c.value for c in draft.channels][:2] == ["微信群", "微信"]
    assert draft.victim is not None and draft.victim.text == "张某芹"
    (warning,) = [w for w in draft.warnings if w.code == "transfer_sum_mismatch"]
    assert "96135元" in warning.message and "96108元" in warning.message and "27元" in warning.message


def test_seed_2_noisy_date_and_more_than_amounts() -> None:
    draft = extract(SEEDS["seed-2"])
    assert draft.occurred_at == datetime(2020, 2, 2, 10, 0)
    assert [p.value for p in draft.platforms] == ["伊对", "太平洋期指"]
    assert "QQ" in [c.value for c in draft.channels]
    assert [t.amount.lower_fen // 100 for t in draft.transfers] == [200000, 50000]
    assert draft.loss is not None and draft.loss.lower_fen == 250000_00 and draft.loss.upper_fen > 250000_00
    assert not [w for w in draft.warnings if w.code == "transfer_sum_mismatch"]


def test_seed_3_quoted_app_and_douyin_contact() -> None:
    draft = extract(SEEDS["seed-3"])
    assert [p.value for p in draft.platforms] == ["天隆基金"]
    assert [c.value for c in draft.channels] == ["抖音", "微信"]
    assert draft.loss is not None and draft.loss.lower_fen == 280000_00
    assert draft.warnings == []


def test_every_span_points_at_its_text() -> None:
    for text in SEEDS.values():
        draft = extract(text)
        for mention in [*draft.channels, *draft.platforms, *([draft.victim] if draft.victim else [])]:
            assert text[mention.start : mention.end] == mention.text
        for transfer in draft.transfers:
            assert text[transfer.start : transfer.end] == transfer.amount.text
        for expression in draft.time_expressions:
            assert text[expression.start : expression.end] == expression.text


def test_several_means_and_relative_dates() -> None:
    text = (
        "2022年5月8日20时许，辖区居民李某在抖音上看到刷单兼职广告，添加对方QQ后在“淘金阁”平台做任务，"
        "当晚通过支付宝向对方转账300元，获返佣金360元；次日上午又通过微信转账2000元、银行卡转账8000元，共计损失10300元。"
    )
    draft = extract(text)
    assert [(t.amount.lower_fen // 100, t.means) for t in draft.transfers] == [
        (300, "支付宝"),
        (2000, "微信"),
        (8000, "银行卡"),
    ]
    assert draft.occurred_until == datetime(2022, 5, 9, 11, 59)
    assert [p.value for p in draft.platforms] == ["淘金阁"]
    assert not [w for w in draft.warnings if w.code == "transfer_sum_mismatch"]


def test_demanded_money_is_not_a_transfer_unless_paid() -> None:
    text = (
        "2021年5月18日，马某要求其缴纳解冻金5000元，马某通过银行卡转账5000元后，对方又称需缴纳会员费3000元，"
        "马某再次转账3000元，损失8000元。"
    )
    draft = extract(text)
    assert [t.amount.lower_fen // 100 for t in draft.transfers] == [5000, 3000]
    paid_later = extract(
        "2021年5月18日，对方以需要缴纳保证金为由让其再转2000元，陶某转账后被拉黑，损失2000元。"
    )
    assert [t.amount.lower_fen // 100 for t in paid_later.transfers] == [2000]


def test_stated_total_is_not_another_transfer() -> None:
    draft = extract("2023年10月8日，其在“金鼎贵金属”平台先后充值6笔共计320000元，损失320000元。")
    assert draft.transfers == []
    assert draft.stated_total is not None and draft.stated_total.lower_fen == 320000_00


def test_reported_at_resolves_yesterday_and_report_time_is_not_occurrence() -> None:
    text = "昨日16时许，报警人秦某接到自称客服的电话，转账15000元，今日发现被骗报警，损失15000元。"
    draft = extract(text, reported_at=datetime(2024, 3, 12, 10, 0))
    assert draft.occurred_at == datetime(2024, 3, 11, 16, 0)
    assert draft.occurred_until == datetime(2024, 3, 11, 16, 59)


def test_warnings_for_unreadable_date_invalid_card_missing_unit_and_no_loss() -> None:
    draft = extract("2022年2月30日，其向银行卡6222021001123456781转账4600元，又充值500，未造成损失。")
    codes = [w.code for w in draft.warnings]
    assert "date_unreadable" in codes
    assert "identifier_invalid" in codes
    assert "amount_unit_missing" in codes
    assert draft.loss is not None and draft.loss.lower_fen == 0
    invalid = next(w for w in draft.warnings if w.code == "identifier_invalid")
    assert "6222021001123456781" not in invalid.message  # the message shows the masked number
    assert "622202" in invalid.message


def test_text_without_anything_warns_instead_of_failing() -> None:
    draft = extract("")
    assert draft.transfers == [] and draft.loss is None and draft.occurred_at is None
    assert {w.code for w in draft.warnings} == {"date_unreadable", "loss_missing"}


def test_annotated_set_scores_stay_high() -> None:
    """The annotated set as a regression guard: a rule change that breaks a case shows here."""
    import sys

    root = Path(__file__).resolve().parents[2]
    sys.path.insert(0, str(root / "scripts"))
    from evaluate_extraction import evaluate

    rows = [
        json.loads(line)
        for line in (root / "eval/extraction/annotated.jsonl").read_text("utf-8").splitlines()
    ]
    results = evaluate(rows, show_errors=False)
    for field in ("occurred_at", "occurred_until", "loss_yuan", "transfers_yuan", "means", "warning_codes"):
        precision, recall, *_ = results[field]
        assert precision >= 0.95 and recall >= 0.95, field
    for field in ("channels", "platforms", "accounts", "phones", "urls"):
        precision, recall, *_ = results[field]
        assert precision >= 0.9 and recall >= 0.9, field


# --- phrasing police narratives use (issue: judgments on real inputs) --------------------------


def test_amounts_listed_after_fen_bie_wei_are_transfers() -> None:
    draft = extract(
        "2026年3月5日14时许，报警人王某某称其被冒充客服诈骗，先后向对方转账三笔，"
        "分别为5000元、12000元、3000元，共计损失20000元。"
    )
    assert [t.amount.lower_fen // 100 for t in draft.transfers] == [5000, 12000, 3000]
    assert draft.loss is not None and draft.loss.lower_fen == 2_000_000


def test_a_list_without_a_transfer_lead_stays_unassigned() -> None:
    draft = extract("2026年3月5日，对方称其账户余额分别为5000元、12000元，李某被骗3000元。")
    assert [t.amount.lower_fen // 100 for t in draft.transfers] == []
    assert draft.loss is not None and draft.loss.lower_fen == 300_000


def test_a_cumulative_transfer_is_the_loss_when_no_loss_is_stated() -> None:
    draft = extract("2026年5月3日（星期日）上午，刘某接到自称公安局的电话，累计转账8.6万元。")
    assert draft.loss is not None and draft.loss.lower_fen == 8_600_000
    assert draft.occurred_at == datetime(2026, 5, 3, 6, 0)  # 上午 after the weekday


def test_the_report_time_stands_in_when_it_is_the_only_time_with_a_warning() -> None:
    draft = extract("2026年6月9日21时许，陈某某报警称其被网友以投资为名诈骗，通过银行卡转账5万元。")
    assert draft.occurred_at == datetime(2026, 6, 9, 21, 0)
    assert "occurred_is_report_time" in [w.code for w in draft.warnings]


def test_the_report_time_is_not_used_when_the_narrative_says_when_it_happened() -> None:
    draft = extract("2026年6月9日21时许，陈某某报警称其于6月1日被网友诈骗5万元。")
    assert draft.occurred_at is not None and draft.occurred_at.day == 1
    assert "occurred_is_report_time" not in [w.code for w in draft.warnings]


def test_upper_case_amount_in_a_remittance_sentence() -> None:
    draft = extract("2026年4月2日，李某通过手机银行向对方汇款人民币壹万贰仟元，后发现被骗。")
    assert [t.amount.lower_fen // 100 for t in draft.transfers] == [12000]


def test_chinese_numerals_with_yu_are_a_lower_bound() -> None:
    draft = extract("2025年11月，受害人张某在某投资平台被骗四十六万余元。")
    assert draft.loss is not None and draft.loss.lower_fen == 46_000_000
    assert draft.loss.upper_fen > draft.loss.lower_fen


def test_full_width_digits_and_a_weekday_in_brackets() -> None:
    draft = extract("２０２６年５月３日（星期日）２１时３０分许，周某在家中通过微信向对方转账２０００元。")
    assert draft.occurred_at == datetime(2026, 5, 3, 21, 30)
    assert [t.amount.lower_fen // 100 for t in draft.transfers] == [2000]


@pytest.mark.parametrize("phone", ["13920260315", "15820261231", "１３９２０２６０３１５"])
def test_digit_runs_in_phone_numbers_never_become_dates(phone: str) -> None:
    draft = extract(f"受害人接到{phone}的电话，对方自称客服，受害人向其转账3000元。")
    assert draft.occurred_at is None


def test_transfers_stand_in_for_an_unstated_loss_with_a_warning() -> None:
    draft = extract("2026年5月6日，姜某某通过网银向对方转账6000元、3109元，后对方失联。")
    assert draft.loss is not None and draft.loss.lower_fen == 910_900
    assert "loss_from_transfers" in [w.code for w in draft.warnings]


def test_a_birth_year_is_never_the_date_of_the_fraud() -> None:
    draft = extract("辖区居民冯某（女，2001年出生）报警称其近日在网上出售游戏账号被骗4200元。")
    assert draft.occurred_at is None


def test_the_report_date_dates_a_month_day_without_a_year() -> None:
    draft = extract("2025年10月19日（星期日），报警人郝某报警称其于10月4日21时40分许被网友骗走2602元。")
    assert draft.occurred_at == datetime(2025, 10, 4, 21, 40)


def test_a_list_in_brackets_after_a_cumulative_total() -> None:
    draft = extract("2026年3月12日，罗某累计转账99437元（分别为998元、20800元、77639元），后对方失联。")
    assert [t.amount.lower_fen // 100 for t in draft.transfers] == [998, 20800, 77639]
    assert draft.loss is not None and draft.loss.lower_fen == 9_943_700


def test_a_number_after_qq_hao_ma_is_a_qq_number() -> None:
    draft = extract("2022年3月8日，田某通过QQ（号码：1234567）联系上对方，被骗5000元。")
    assert [(i.kind, i.value) for i in draft.identifiers] == [("qq", "1234567")]
