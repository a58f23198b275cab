"""A trace run's stored result read as typed records: rows kept before the types existed still load."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from pathlib import Path

import pytest
from django.test import Client

from fanzha.funds.models import TraceRun
from fanzha.funds.trace_result import StartKind, StoredTrace, depth_label
from fanzha.funds.tracing import display_account
from tests.funds.conftest import make_chain_case
from tests.funds.test_funds_pages import import_chain

# A result as ``result_payload`` stored it before it was typed (one row from each list).
OLD_RESULT = {
    "start_fen": 5_000_000,
    "hops": 3,
    "elapsed_ms": 41.7,
    "starts": [
        {
            "kind": "victim",
            "account": "6222020200112233445",
            "after": "2024-03-05 09:00:00",
            "amount_fen": 5_000_000,
            "transfers": [1, 2],
        }
    ],
    "accounts": [
        {
            "account": "6217000010001234567",
            "depth": 1,
            "amount_fen": 5_000_000,
            "first_at": "2024-03-05 09:01:00",
            "held_fen": 1_200_000,
            "balance_fen": 1_250_000,
            "last_at": "2024-03-06 10:00:00",
            "bank": "中国建设银行",
            "region": "广东省深圳市",
            "is_sink": False,
            "sink_kind": None,
            "has_statement": True,
        },
        {
            "account": "支付宝提现@6217000010001234567",
            "depth": 2,
            "amount_fen": 800_000,
            "first_at": "2024-03-05 10:00:00",
            "held_fen": None,
            "balance_fen": None,
            "last_at": None,
            "bank": None,
            "region": None,
            "is_sink": True,
            "sink_kind": "payment_platform",
            "has_statement": False,
        },
    ],
    "edges": [
        {
            "src": "6217000010001234567",
            "dst": "支付宝提现@6217000010001234567",
            "depth": 2,
            "amount_fen": 800_000,
            "at": "2024-03-05 10:00:00",
            "sink_kind": "payment_platform",
        }
    ],
    "freeze": [
        {
            "account": "6217000010001234567",
            "depth": 1,
            "amount_fen": 1_200_000,
            "hours_since_arrival": 12.5,
            "bank": "中国建设银行",
            "region": "广东省深圳市",
            "reason": "仍留存受害人资金",
        }
    ],
    "regions": [
        {
            "region": "广东省深圳市",
            "accounts": 1,
            "received_fen": 5_000_000,
            "held_fen": 1_200_000,
            "sink_fen": 0,
        }
    ],
}


def test_a_result_stored_before_the_types_loads_and_writes_back_unchanged() -> None:
    trace = StoredTrace.from_json(OLD_RESULT)
    assert trace.starts[0].kind is StartKind.VICTIM and trace.starts[0].transfer_seqs == (1, 2)
    assert trace.accounts[1].is_sink and trace.accounts[0].depth_label == "一级卡"
    assert trace.regions[0].held_fen == 1_200_000
    assert trace.to_json() == OLD_RESULT


def test_an_empty_or_partial_result_reads_as_an_empty_trace() -> None:
    empty = StoredTrace.from_json({})
    assert empty.start_fen is None and empty.accounts == () and empty.freeze_rows() == []
    partial = StoredTrace.from_json(
        {"accounts": [{"account": "6217000010001234567", "depth": 1, "amount_fen": 9}]}
    )
    assert partial.accounts[0].has_statement and partial.accounts[0].first_at is None


def test_freeze_rows_count_the_days_from_the_first_arrival_to_now() -> None:
    trace = StoredTrace.from_json(OLD_RESULT)
    (row,) = trace.freeze_rows(now=datetime(2024, 3, 7, 9, 1))
    assert row.first_at == "2024-03-05 09:01:00" and row.days_since_arrival == 2.0
    assert row.hours_since_arrival == 48.0 and row.depth_label == "一级卡"


def test_cooperation_letters_group_accounts_by_region_and_linking_skips_sinks() -> None:
    trace = StoredTrace.from_json(OLD_RESULT)
    ((region, accounts),) = trace.accounts_by_region()
    assert region.region == "广东省深圳市" and [a.account for a in accounts] == ["6217000010001234567"]
    assert trace.linkable_accounts() == ["6217000010001234567"]
    assert trace.covered_transfers() == {1, 2}


@pytest.mark.django_db
def test_the_api_answers_from_the_typed_result_exactly_as_from_the_stored_dict(
    investigator_client: Client, data_dir: Path, chain_files: dict[str, Path]
) -> None:
    case = make_chain_case()
    import_chain(investigator_client, case, chain_files)
    body = investigator_client.post(
        "/api/v1/funds/trace", {"case_id": case.pk}, content_type="application/json"
    ).json()
    stored = TraceRun.objects.get(pk=body["id"]).result

    def yuan(fen: int | None) -> str | None:
        return None if fen is None else str(Decimal(fen) / 100)

    # The API's answer as it was built before the types, by key from the stored dict.
    assert body["start_yuan"] == yuan(stored["start_fen"])
    assert body["accounts"] == [
        {
            "account": display_account(a["account"]),
            "depth": a["depth"],
            "depth_label": depth_label(a["depth"]),
            "amount_yuan": yuan(a["amount_fen"]),
            "held_yuan": yuan(a["held_fen"]),
            "balance_yuan": yuan(a["balance_fen"]),
            "first_at": a["first_at"],
            "bank": a["bank"],
            "region": a["region"],
            "is_sink": a["is_sink"],
            "has_statement": a["has_statement"],
        }
        for a in stored["accounts"]
    ]
    assert body["regions"] == [
        {
            "region": r["region"],
            "accounts": r["accounts"],
            "received_yuan": yuan(r["received_fen"]),
            "held_yuan": yuan(r["held_fen"]),
        }
        for r in stored["regions"]
    ]
    freeze = investigator_client.get(f"/api/v1/funds/runs/{body['id']}/freeze").json()
    assert [(f["rank"], f["account"], f["reason"]) for f in freeze] == [
        (rank, i["account"], i["reason"]) for rank, i in enumerate(stored["freeze"], start=1)
    ]
    assert StoredTrace.from_json(stored).to_json() == stored
