"""`fanzha extract` adds ``to_account`` and ``at`` to every object of ``transfers`` and keeps every
existing key; the extractor tells where the money went and when only where the narrative does."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest

from fanzha.cli import main
from fanzha.domain.extraction import extract

TRANSFER_KEYS = ["yuan", "max_yuan", "text", "span", "means", "means_inferred", "to_account", "at"]
CARD_A = "6222021234567890128"
CARD_B = "6217001234567890126"


def test_every_transfer_object_gains_to_account_and_at_and_keeps_its_keys(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    texts = [
        "2020年7月4日10时许,辖区居民张某芹转账的方式向对方卡里转了1299元、3588元,后意识到被骗,损失价值4887元。",
        f"2023年5月6日14时,李某通过手机银行向对方提供的银行卡{CARD_A}转账50000元,"
        "5月7日又通过支付宝向对方支付宝账号13912345678转账9000元,另现金交付2000元,损失61000元。",
    ]
    source = tmp_path / "in.jsonl"
    source.write_text(
        "\n".join(json.dumps({"id": i, "text": t}, ensure_ascii=False) for i, t in enumerate(texts)) + "\n",
        encoding="utf-8",
    )
    assert main(["extract", "--input", str(source)]) == 0
    first, second = (json.loads(line) for line in capsys.readouterr().out.splitlines())
    for answer in (first, second):
        assert answer["transfers"] and all(list(t) == TRANSFER_KEYS for t in answer["transfers"])
    # No account named: unknown, but the time is told by the sentence before.
    assert [(t["to_account"], t["at"]) for t in first["transfers"]] == [(None, "2020-07-04T10:00")] * 2
    assert [(t["yuan"], t["means"], t["to_account"], t["at"]) for t in second["transfers"]] == [
        (50000, "银行卡", CARD_A, "2023-05-06T14:00"),
        (9000, "支付宝", "13912345678", "2023-05-07T00:00"),
        (2000, "现金", None, "2023-05-07T00:00"),
    ]


def test_two_cards_in_one_sentence_go_to_their_own_transfers_or_to_none() -> None:
    paired = extract(f"2023年5月6日,王某向{CARD_A}转账3000元,向{CARD_B}转账2000元,损失5000元。")
    assert [t.to_account for t in paired.transfers] == [CARD_A, CARD_B]
    listed = extract(
        f"2023年5月6日,王某通过银行卡先后转账3000元、2000元(对方卡号:{CARD_A}、{CARD_B}),损失5000元。"
    )
    assert [t.to_account for t in listed.transfers] == [None, None]  # which card got which: unknown
    one = extract(f"2023年5月6日9时,王某通过银行卡先后转账3000元、2000元(对方卡号:{CARD_A}),损失5000元。")
    assert [t.to_account for t in one.transfers] == [CARD_A, CARD_A]
    assert [t.at for t in one.transfers] == [datetime(2023, 5, 6, 9, 0)] * 2


def test_a_contact_phone_is_not_taken_for_an_alipay_account() -> None:
    draft = extract("2023年5月6日,对方电话13912345678让王某通过支付宝转账9000元,损失9000元。")
    assert [t.to_account for t in draft.transfers] == [None]
