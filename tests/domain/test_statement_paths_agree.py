"""The statement store's SQL fast path and the Python reader read every row the same way.

Both are built from one column spec (``fanzha.domain.statements.STATEMENT_COLUMNS``) and one list of
time formats (``fanzha.domain.dates.TABLE_TIME_FORMATS``); they drifted twice before that. Hypothesis
writes statements of generated rows — amounts, times, directions and odd cells as banks and staff
write them — and every row must come out of the SQL path exactly as the Python reader
(``read_statement``, the reference) makes it: the same stored values, the same rejects by line and
reason.
"""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from tempfile import TemporaryDirectory

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fanzha.domain.dates import TABLE_TIME_FORMATS
from fanzha.domain.statement_store import StatementStore, to_epoch
from fanzha.domain.statements import read_statement

HEADER = ["交易卡号", "交易对手账卡号", "交易金额", "借贷标志", "交易时间", "交易余额", "对手户名", "摘要"]
SPLIT_HEADER = ["交易卡号", "对方账号", "收入金额", "支出金额", "交易日期", "交易时刻", "余额", "摘要"]

accounts = st.one_of(
    st.integers(10**15, 10**19 - 1).map(str),
    st.sampled_from(
        [
            "",
            "-",
            "NULL",
            "null",
            "None",
            "nan",
            "--",
            "6.22202E+18",
            "\t6222020000000001",
            '="6222020000000002"',
            "６２２２０２００００００００００３",
            "6222 0200 0000 0004",
            "ACC_1-2*3",
            "账号甲",
        ]
    ),
)
moments = st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2030, 12, 31)).map(
    lambda d: d.replace(microsecond=0)
)
times = st.one_of(
    st.tuples(moments, st.sampled_from(TABLE_TIME_FORMATS)).map(lambda p: p[0].strftime(p[1])),
    moments.map(lambda d: f"{d.year}年{d.month}月{d.day}日 {d.hour}时{d.minute}分"),
    moments.map(lambda d: f"{d:%Y.%m.%d %H:%M:%S}"),
    moments.map(lambda d: f" {d:%Y-%m-%d %H:%M:%S}\t"),
    st.sampled_from(
        ["", "昨天", "2024-02-30 10:00:00", "2024-13-01", "45356.5", "2024-03-05 25:00:00", "20240305"]
    ),
)
amounts = st.one_of(
    st.decimals(Decimal("-99999999.999"), Decimal("99999999.999"), places=3).map(str),
    st.decimals(Decimal("0"), Decimal("9999999"), places=2).map(lambda d: f"{d:,}"),
    st.sampled_from(
        [
            "",
            "0",
            "0.00",
            "1e3",
            "2E2",
            "(12.00)",
            "¥12.5",
            "一百",
            "1.2万",
            "１２３．４５",
            "+5",
            "-0",
            "abc",
            " 7.5 ",
        ]
    ),
)
directions = st.sampled_from(
    ["借", "贷", "D", "C", " 借 ", "d", "出", "收", "0", "1", "", "x", "借方", "DEBIT"]
)
texts = st.one_of(
    st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), max_size=8),
    st.sampled_from(["", " ", "\u3000户名", "支付宝 ", "财付通", "a,b", '说"引号"']),
)
rows = st.tuples(accounts, accounts, amounts, directions, times, amounts, texts, texts)
split_rows = st.tuples(
    accounts,
    accounts,
    amounts,
    amounts,
    times,
    st.sampled_from(["", "10:22:01", "1022", "x"]),
    amounts,
    texts,
)


def _write(path: Path, header: list[str], body: list[tuple[str, ...]]) -> None:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(body)
    path.write_text(out.getvalue(), encoding="utf-8")


def _both_paths(path: Path) -> None:
    read = read_statement(path)
    expected = sorted(
        (
            r.source_line,
            r.account,
            r.counterparty,
            r.direction,
            r.amount_fen,
            to_epoch(r.at),
            r.balance_fen,
            r.counterparty_name,
            r.summary,
        )
        for r in read.rows
    )
    with StatementStore() as store:
        report = store.import_files([path])
        assert report.files[0].error is None
        assert report.files[0].fast_path, "the SQL path must be the one under test"
        stored = sorted(
            (
                r["source_line"],
                r["account"],
                r["counterparty"],
                r["direction"],
                r["amount_fen"],
                r["ts"],
                r["balance_fen"],
                r["counterparty_name"],
                r["summary"],
            )
            for r in store.rows()
        )
        assert stored == expected
        assert [(r.line, r.reason) for r in report.rejects] == [(r.line, r.reason) for r in read.rejects]


@settings(max_examples=60, deadline=timedelta(seconds=20), suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(rows, min_size=1, max_size=25))
def test_sql_and_python_paths_store_the_same_rows(body: list[tuple[str, ...]]) -> None:
    with TemporaryDirectory() as folder:
        path = Path(folder) / "statement.csv"
        _write(path, HEADER, body)
        _both_paths(path)


@settings(max_examples=40, deadline=timedelta(seconds=20), suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(split_rows, min_size=1, max_size=25))
def test_split_amount_and_clock_columns_agree_too(body: list[tuple[str, ...]]) -> None:
    with TemporaryDirectory() as folder:
        path = Path(folder) / "statement.csv"
        _write(path, SPLIT_HEADER, body)
        _both_paths(path)
