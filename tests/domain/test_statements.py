"""Reading statements as banks hand them over: encodings, header rows, dates, amounts, rejects."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as hs

from fanzha.domain.statement_store import StatementStore
from fanzha.domain.statements import (
    natural_key,
    normalise_account,
    parse_amount_fen,
    parse_datetime,
    parse_direction,
    read_statement,
)
from fanzha.errors import UserFacingError

HEADER = "交易卡号,交易对手账卡号,交易金额,借贷标志,交易时间,交易余额,对手户名,对手开户行,摘要,交易网点"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-03-05 10:22:01", datetime(2024, 3, 5, 10, 22, 1)),
        ("20240305102201", datetime(2024, 3, 5, 10, 22, 1)),
        ("2024/3/5 10:22", datetime(2024, 3, 5, 10, 22)),
        ("2024年3月5日 10时22分", datetime(2024, 3, 5, 10, 22)),
        ("2024年3月5日10时22分01秒", datetime(2024, 3, 5, 10, 22, 1)),
        ("2024.03.05", datetime(2024, 3, 5)),
        ("2024-03-05T10:22:01.123", datetime(2024, 3, 5, 10, 22, 1)),
        ("２０２４－０３－０５　１０：２２：０１", datetime(2024, 3, 5, 10, 22, 1)),
        ("45356.5", datetime(2024, 3, 5, 12, 0)),
    ],
)
def test_common_date_spellings(text: str, expected: datetime) -> None:
    assert parse_datetime(text) == expected


def test_separate_time_column_is_combined() -> None:
    assert parse_datetime("20240305", "102201") == datetime(2024, 3, 5, 10, 22, 1)
    assert parse_datetime("2024-03-05", "10:22") == datetime(2024, 3, 5, 10, 22)


@pytest.mark.parametrize("text", ["", "2024-13-05", "明天", "2024-02-30 10:00", "2024-03-05 25:00"])
def test_unreadable_dates_raise(text: str) -> None:
    with pytest.raises(ValueError):
        parse_datetime(text)


@pytest.mark.parametrize(
    ("text", "fen"),
    [
        ("1,234.50", 123_450),
        ("¥1234.5", 123_450),
        ("￥１２３４．５０", 123_450),
        ("-12", -1_200),
        ("(12.00)", -1_200),
        ("0.005", 1),
        ("1 000元", 100_000),
    ],
)
def test_amount_spellings(text: str, fen: int) -> None:
    assert parse_amount_fen(text) == fen


@given(hs.integers(min_value=0, max_value=10**13))
def test_amount_round_trips_with_thousands_separators(fen: int) -> None:
    text = f"{fen // 100:,}.{fen % 100:02d}"
    assert parse_amount_fen(text) == fen
    assert parse_amount_fen("¥" + text) == fen


@pytest.mark.parametrize(
    ("text", "direction"),
    [
        ("借", "out"),
        ("贷", "in"),
        ("出", "out"),
        ("进", "in"),
        ("付", "out"),
        ("收", "in"),
        ("D", "out"),
        ("c", "in"),
        ("0", "out"),
        ("1", "in"),
        ("借方", "out"),
    ],
)
def test_direction_flags(text: str, direction: str) -> None:
    assert parse_direction(text) == direction


def test_account_wrappers_and_scientific_notation() -> None:
    assert normalise_account('="6222021234567890123"') == "6222021234567890123"
    assert normalise_account("\t6222 0212 3456 7890") == "6222021234567890"
    assert normalise_account("") is None
    with pytest.raises(ValueError):
        normalise_account("6.22202E+18")


def test_gbk_csv_with_header_on_row_three(tmp_path: Path) -> None:
    path = tmp_path / "gbk.csv"
    text = "某银行交易明细\n查询时间：2024-04-01\n" + HEADER + "\n"
    text += '6222021111111111,6228482222222222,"1,000.00",借,2024-03-05 10:22:01,500.00,张三,工商银行,转账,深圳分行\n'
    path.write_bytes(text.encode("gbk"))
    read = read_statement(path)
    assert read.encoding == "gb18030"
    assert read.layout.header_line == 3
    assert read.rejects == []
    [row] = read.rows
    assert (row.account, row.counterparty, row.direction, row.amount_fen, row.balance_fen) == (
        "6222021111111111",
        "6228482222222222",
        "out",
        100_000,
        50_000,
    )
    assert row.source_line == 4 and row.counterparty_name == "张三" and row.branch == "深圳分行"


def test_income_and_expense_columns(tmp_path: Path) -> None:
    path = tmp_path / "split.csv"
    path.write_text(
        "账号,对方账号,收入金额,支出金额,交易日期,交易时间,余额\n"
        "1001,2002,300.00,,20240305,093000,300.00\n"
        "1001,3003,,100.00,20240305,103000,200.00\n",
        encoding="utf-8",
    )
    rows = read_statement(path).rows
    assert [(r.direction, r.amount_fen, r.at) for r in rows] == [
        ("in", 30_000, datetime(2024, 3, 5, 9, 30)),
        ("out", 10_000, datetime(2024, 3, 5, 10, 30)),
    ]


def test_explicit_mapping_overrides_synonyms(tmp_path: Path) -> None:
    path = tmp_path / "odd.csv"
    path.write_text("卡,对方,钱,方向,when\n1001,2002,5,借,2024-03-05 10:00\n", encoding="utf-8")
    with pytest.raises(UserFacingError):
        read_statement(path)
    mapping = {
        "account": "卡",
        "counterparty": "对方",
        "amount": "钱",
        "direction": "方向",
        "datetime": "when",
    }
    [row] = read_statement(path, mapping).rows
    assert (row.account, row.amount_fen, row.direction) == ("1001", 500, "out")


def test_xlsx_with_title_rows(tmp_path: Path) -> None:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["交易明细"])
    sheet.append([])
    sheet.append(["本方账号", "对方账号", "收付标志", "金额", "交易日期", "余额"])
    sheet.append(["1001", "2002", "出", 12.5, datetime(2024, 3, 5, 10, 22, 1), 100])
    path = tmp_path / "s.xlsx"
    workbook.save(path)
    read = read_statement(path)
    assert read.layout.header_line == 3
    [row] = read.rows
    assert (row.amount_fen, row.at, row.balance_fen, row.source_line) == (
        1_250,
        datetime(2024, 3, 5, 10, 22, 1),
        10_000,
        4,
    )


def test_unreadable_amount_is_rejected_with_its_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(
        HEADER + "\n"
        "1001,2002,100,借,2024-03-05 10:00:00,0,,,,\n"
        "1001,2002,一百块,借,2024-03-05 11:00:00,0,,,,\n"
        "1001,2002,100,借,不知道,0,,,,\n",
        encoding="utf-8",
    )
    read = read_statement(path)
    assert len(read.rows) == 1
    assert [(r.line, "金额" in r.reason) for r in read.rejects] == [(3, True), (4, False)]
    with StatementStore() as store:
        report = store.import_files([path])
        assert report.created == 1
        assert [(r.line, r.raw.split(",")[2]) for r in report.rejects] == [(3, "一百块"), (4, "100")]
        stored = store.con.execute("SELECT line, reason FROM rejects ORDER BY line").fetchall()
        assert [line for line, _ in stored] == [3, 4]


def test_truncated_csv_rejects_the_cut_row(tmp_path: Path) -> None:
    full = (
        HEADER
        + "\n"
        + "".join(
            f"1001,2002,{i}00,借,2024-03-05 10:0{i}:00,0,张三,工商银行,转账,网点\n" for i in range(1, 4)
        )
    )
    path = tmp_path / "cut.csv"
    path.write_text(full[: full.rindex("2024-03-05") + 4], encoding="utf-8")
    with StatementStore() as store:
        report = store.import_files([path])
    assert report.created == 2
    [reject] = report.rejects
    assert reject.line == 4 and "truncated" in reject.reason


def test_truncated_xlsx_fails_whole_file_and_inserts_nothing(tmp_path: Path) -> None:
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.active.append(["本方账号", "对方账号", "收付标志", "金额", "交易日期"])
    workbook.active.append(["1001", "2002", "出", 5, "2024-03-05"])
    good = tmp_path / "good.xlsx"
    workbook.save(good)
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(good.read_bytes()[:300])
    with StatementStore() as store:
        report = store.import_files([good, broken])
        assert report.files[0].error is None and report.files[0].created == 1
        assert report.files[1].error is not None and "broken.xlsx" in report.files[1].error
        assert store.count() == 1


def test_reimport_is_idempotent_and_identical_rows_in_one_file_are_kept(tmp_path: Path) -> None:
    path = tmp_path / "s.csv"
    row = "1001,2002,100,借,2024-03-05 10:00:00,,,,,\n"
    path.write_text(
        HEADER + "\n" + row + row + "1001,2002,200,贷,2024-03-05 11:00:00,,,,,\n", encoding="utf-8"
    )
    copy = tmp_path / "copy.csv"
    copy.write_text("标题\n" + HEADER + "\n" + row, encoding="utf-8")
    with StatementStore() as store:
        first = store.import_files([path])
        assert (first.rows, first.created, first.duplicates) == (3, 3, 0)
        again = store.import_files([path, copy])
        assert (again.rows, again.created, again.duplicates) == (4, 0, 4)
        assert store.count() == 3


def test_fast_csv_path_matches_python_reader(tmp_path: Path) -> None:
    lines = [HEADER]
    for i in range(50):
        direction = "借" if i % 3 else "贷"
        when = f"2024-03-{1 + i % 28:02d} {i % 24:02d}:{i % 60:02d}:0{i % 10}"
        lines.append(
            f'60000{i},70000{i},"{i},{i:03d}.5",{direction},{when},{i * 7}.25,户{i},银行{i},摘要{i},网点{i}'
        )
    lines.append("60001,,３０,借,2024年3月5日 10时22分,1,,,ATM取款,")
    path = tmp_path / "many.csv"
    path.write_bytes(("\n".join(lines) + "\n").encode("gb18030"))
    python_rows = read_statement(path).rows
    with StatementStore() as store:
        report = store.import_files([path])
        assert report.files[0].fast_path is True
        stored = store.rows()
    assert report.rejects == []

    def key(r: dict) -> tuple:
        return (
            r["account"],
            r["ts"],
            r["amount_fen"],
            r["direction"],
            r["counterparty"],
            r["balance_fen"],
            r["counterparty_name"],
            r["summary"],
            r["branch"],
            r["source_line"],
        )

    from fanzha.domain.statement_store import to_epoch

    expected = sorted(
        (
            r.account,
            to_epoch(r.at),
            r.amount_fen,
            r.direction,
            r.counterparty,
            r.balance_fen,
            r.counterparty_name,
            r.summary,
            r.branch,
            r.source_line,
        )
        for r in python_rows
    )
    assert sorted(key(r) for r in stored) == expected
    assert [r["sink_kind"] for r in stored if r["account"] == "60001"] == ["cash"]


def test_natural_key_ignores_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    path.write_text(HEADER + "\n1001,2002,100,借,2024-03-05 10:00:00,,,,,\n", encoding="utf-8")
    other = tmp_path / "b.csv"
    other.write_text("x\n" + HEADER + "\n1001,2002,100,借,2024-03-05 10:00:00,,,,,\n", encoding="utf-8")
    [a] = read_statement(path).rows
    [b] = read_statement(other).rows
    assert a.source_line != b.source_line and natural_key(a) == natural_key(b)


def test_file_without_statement_header_is_a_user_facing_error(tmp_path: Path) -> None:
    path = tmp_path / "notes.csv"
    path.write_text("随便写的,内容\n1,2\n", encoding="utf-8")
    with pytest.raises(UserFacingError) as info:
        read_statement(path)
    assert "表头" in info.value.zh
