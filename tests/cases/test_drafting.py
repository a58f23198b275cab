"""Comparing the machine's fields with the officer's, and cutting text for highlighting (no database)."""

from __future__ import annotations

import pytest

from fanzha.cases.drafting import canonical, corrections_of, parse_transfers
from fanzha.cases.highlight import highlight


def test_equivalent_writings_count_as_agreement() -> None:
    machine = {"loss_yuan": "96108", "channels": "微信群、微信", "transfers": "1299 银行卡\n3588 银行卡"}
    officer = {
        "loss_yuan": "96,108.00",
        "channels": "微信，微信群",
        "transfers": "1299元 银行卡\n3,588 银行卡",
    }
    assert corrections_of(machine, officer) == {}


def test_a_changed_figure_or_order_is_a_correction() -> None:
    machine = {"loss_yuan": "96108", "transfers": "1299 银行卡\n3588 银行卡"}
    officer = {"loss_yuan": "96135", "transfers": "3588 银行卡\n1299 银行卡"}
    assert set(corrections_of(machine, officer)) == {"loss_yuan", "transfers"}


def test_transfer_lines_and_unreadable_ones() -> None:
    lines = parse_transfers("5000 支付宝\n1.2万 银行卡 6222020000000000000\n")
    assert [(t.amount_fen, t.means, t.to_account) for t in lines] == [
        (500000, "支付宝", ""),
        (1200000, "银行卡", "6222020000000000000"),
    ]
    with pytest.raises(ValueError, match="第1行"):
        parse_transfers("好多钱")
    assert canonical("occurred_at", "2020-07-04T10:00") == "2020-07-04 10:00"


def test_overlapping_spans_cut_into_pieces_with_every_kind() -> None:
    pieces = highlight(
        "转了1299元刷单",
        [
            {"start": 2, "end": 7, "kind": "transfer", "label": "转账"},
            {"start": 5, "end": 9, "kind": "evidence", "label": "依据"},
            {"start": 3, "end": 99, "kind": "bad", "label": "out of range"},
        ],
    )
    assert [(p.text, p.kinds) for p in pieces] == [
        ("转了", ()),
        ("129", ("transfer",)),
        ("9元", ("transfer", "evidence")),
        ("刷单", ("evidence",)),
    ]
    assert "".join(p.text for p in pieces) == "转了1299元刷单"
