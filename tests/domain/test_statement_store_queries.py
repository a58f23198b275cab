"""The questions funds/ and the 断卡 rules ask the statement store, answered from the four
hand-written statements of tests/domain/test_trace.py."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest

from fanzha.domain.statement_store import StatementStore, StoreSummary
from tests.domain.test_trace import M1, M2, M3, M4, V, write_case


@pytest.fixture
def store(tmp_path: Path) -> StatementStore:
    loaded = StatementStore()
    loaded.import_files(write_case(tmp_path).values())
    return loaded


def test_summary_counts_rows_accounts_files_and_rejects(store: StatementStore) -> None:
    assert store.summary() == StoreSummary(rows=13, accounts=4, files=4, rejects=0)
    assert StatementStore().summary() == StoreSummary(0, 0, 0, 0)


def test_a_transfer_is_matched_to_the_nearest_arrival_of_its_exact_amount(store: StatementStore) -> None:
    # The victim paid M1 5,000.00 at 09:00; a narrative an hour off still finds the booked row.
    payer = store.payer_of_arrival(M1, 500_000, datetime(2024, 3, 5, 10, 0), timedelta(hours=24))
    assert payer == (V, datetime(2024, 3, 5, 9, 0))
    assert store.payer_of_arrival(M1, 500_000, datetime(2024, 3, 7, 10, 0), timedelta(hours=24)) is None
    assert store.payer_of_arrival(M1, 499_999, datetime(2024, 3, 5, 9, 0), timedelta(hours=24)) is None


def test_accounts_with_rows_and_their_last_balance(store: StatementStore) -> None:
    assert store.has_account(M2) and not store.has_account(M4)
    assert store.last_row(M2) == (0, datetime(2024, 3, 5, 10, 30))
    assert store.last_row(M4) is None


def test_account_activity_sums_money_counterparties_and_night_rows(store: StatementStore) -> None:
    (m1,) = store.account_activity((0, 6), [M1])
    assert (m1.rows, m1.in_fen, m1.out_fen) == (5, 800_000, 750_000)
    assert (m1.fan_in, m1.fan_out, m1.cases) == (2, 2, ())
    assert m1.night_rows == 0 and round(m1.lifetime_days, 3) == round(27 / 24, 3)
    everyone = store.account_activity((20, 24))
    assert [a.account for a in everyone] == sorted([V, M1, M2, M3])
    assert {a.account: a.night_rows for a in everyone}[V] == 1  # the 20:00 transfer


def test_the_parquet_export_for_spark_holds_every_row_without_the_unsigned_key(
    store: StatementStore, tmp_path: Path
) -> None:
    import duckdb

    target = tmp_path / "it's txn.parquet"  # a quote in the path must not break the statement
    store.export_parquet(target)
    exported = duckdb.sql(f"SELECT * FROM read_parquet('{str(target).replace(chr(39), chr(39) * 2)}')")
    assert "nkey" not in exported.columns and "account" in exported.columns
    assert len(exported.fetchall()) == 13
