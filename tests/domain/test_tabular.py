"""Reading spreadsheets with varying headers and encodings; bad rows kept with their lines."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fanzha.domain.tabular import map_header, read_table
from fanzha.errors import UserFacingError

SYN = {
    "phone": ["手机号", "联系电话", "号码"],
    "fraud": ["涉诈号码", "涉诈标识"],
    "name": ["姓名", "对象姓名"],
    "id": ["身份证", "证件号码", "身份证号码"],
}


def test_a_longer_synonym_wins_so_fraud_number_is_not_the_phone() -> None:
    assert map_header(["对象姓名", "涉诈号码", "联系电话（手机）", "备注"], SYN) == {
        0: "name",
        1: "fraud",
        2: "phone",
    }


def test_gbk_csv_with_title_rows_above_the_header() -> None:
    text = "预警线索下发表\r\n2026年11月\r\n姓名,手机号,身份证号码\r\n张三,13800000000,110101199001011234\r\n\r\n李四,,\r\n"
    table = read_table(text.encode("gbk"), SYN, filename="x.csv")
    assert table.encoding == "gb18030" and table.header_line == 3
    assert [(r.line, r.values["name"], r.values["phone"]) for r in table.rows] == [
        (4, "张三", "13800000000"),
        (6, "李四", ""),
    ]


def test_rows_with_extra_columns_or_broken_quotes_are_rejected_with_their_line() -> None:
    text = '姓名,手机号\n张三,138\n李四,139,多余\n"王五,140\n'
    table = read_table(text.encode("utf-8"), SYN)
    assert [r.values["name"] for r in table.rows] == ["张三"]
    assert table.rejects[0].line == 3 and "列数" in table.rejects[0].reason
    assert table.rejects[-1].line == 4


def test_undecodable_bytes_reject_only_their_row() -> None:
    data = "姓名,手机号\n张三,138\n".encode() + b"\xff\xfe\xfa,139\n" + "李四,140\n".encode()
    table = read_table(data, SYN)
    assert [r.values["name"] for r in table.rows] == ["张三", "李四"]
    assert [r.line for r in table.rejects] == [3]


def test_xlsx_numbers_typed_as_numbers_come_back_as_digits() -> None:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(["对象姓名", "联系电话"])
    sheet.append(["张三", 13800000000])
    buffer = io.BytesIO()
    book.save(buffer)
    table = read_table(buffer.getvalue(), SYN, filename="a.xlsx")
    assert table.file_format == "xlsx"
    assert table.rows[0].values == {"name": "张三", "phone": "13800000000"} and table.rows[0].line == 2


def test_a_file_without_a_recognisable_header_is_a_clear_error() -> None:
    with pytest.raises(UserFacingError) as error:
        read_table(b"a,b\n1,2\n", SYN, filename="x.csv")
    assert "表头" in error.value.zh
    with pytest.raises(UserFacingError):
        read_table(b"not a workbook", SYN, filename="x.xlsx")


cell = st.text(alphabet=st.characters(codec="gbk", exclude_categories=("Cs", "Cc", "Zl", "Zp")), max_size=12)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(cell, cell), min_size=1, max_size=8), st.sampled_from(["utf-8", "gbk"]))
def test_csv_cells_round_trip_in_either_encoding(rows: list[tuple[str, str]], encoding: str) -> None:
    import csv

    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["姓名", "手机号"])
    writer.writerows(rows)
    table = read_table(out.getvalue().encode(encoding), SYN)
    kept = [(a.strip(), b.strip()) for a, b in rows if (a.strip() or b.strip())]
    assert [(r.values["name"], r.values["phone"]) for r in table.rows] == kept
    assert not table.rejects


# --- limits: an upload comes from outside ---------------------------------------------------------


def xlsx_bomb(unpacked_bytes: int, header: str = "姓名,手机号") -> bytes:
    """A valid xlsx whose first sheet, after a header row, holds ``unpacked_bytes`` of blank rows."""
    import zipfile

    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(header.split(","))
    plain = io.BytesIO()
    book.save(plain)
    out = io.BytesIO()
    with zipfile.ZipFile(plain) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            if item.filename != "xl/worksheets/sheet1.xml":
                target.writestr(item, source.read(item))
                continue
            xml = source.read(item).decode()
            head, tail = xml.split("</sheetData>")
            row = '<row r="{}"><c r="A{}" t="inlineStr"><is><t>x</t></is></c></row>'
            with target.open("xl/worksheets/sheet1.xml", "w") as part:
                part.write(head.encode())
                written, number = 0, 2
                block = "".join(row.format(n, n) for n in range(number, number + 1000)).encode()
                while written < unpacked_bytes:
                    part.write(block)
                    written += len(block)
                part.write(b"</sheetData>" + tail.encode())
    return out.getvalue()


def test_an_xlsx_that_unpacks_past_the_limit_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    from fanzha.domain import tabular

    monkeypatch.setattr(tabular, "MAX_WORKBOOK_UNPACKED_BYTES", 1 << 20)
    bomb = xlsx_bomb(4 << 20)
    assert len(bomb) * 10 < 4 << 20  # a small upload ...
    with pytest.raises(UserFacingError) as refused:
        read_table(bomb, SYN, filename="bomb.xlsx")  # ... that would unpack to far more
    assert "解压后超过 1 MB" in refused.value.zh
    table = read_table(xlsx_bomb(200_000), SYN, filename="fine.xlsx")
    assert table.header_line == 1 and table.rows  # under the limit it reads as before


def test_a_table_past_the_row_limit_is_refused_with_a_clear_message(monkeypatch: pytest.MonkeyPatch) -> None:
    from fanzha.domain import tabular

    monkeypatch.setattr(tabular, "MAX_TABLE_ROWS", 50)
    text = "姓名,手机号\n" + "".join(f"张{n},1380000{n:04d}\n" for n in range(60))
    with pytest.raises(UserFacingError) as refused:
        read_table(text.encode(), SYN, filename="many.csv")
    assert "超过 50 行上限" in refused.value.zh
    assert len(read_table(text.encode()[:300], SYN, filename="few.csv").rows) < 50


def test_a_file_over_the_size_limit_is_refused_before_it_is_read(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from fanzha.domain import tabular

    monkeypatch.setattr(tabular, "MAX_TABLE_BYTES", 1000)
    big = tmp_path / "big.csv"
    big.write_text("姓名,手机号\n" + "张三,13800000000\n" * 200, encoding="utf-8")
    with pytest.raises(UserFacingError) as refused:
        read_table(big, SYN)
    assert "超过" in refused.value.zh and "拆分" in refused.value.zh


# --- the one reader's cells, specs and report ---------------------------------------------------


def test_cell_text_is_the_one_rendering_of_workbook_cells() -> None:
    from datetime import date, datetime, time, timedelta

    from fanzha.domain.tabular import cell_text

    assert [cell_text(True), cell_text(False), cell_text(None)] == ["是", "否", ""]
    assert cell_text(13800138000.0) == "13800138000"  # a phone typed as a number
    assert cell_text(999_999_999_999_999.0) == "999999999999999"  # 15 digits: Excel keeps them all
    # 16 digits or more: Excel already dropped the last ones; the account reader must see that.
    assert cell_text(6222021234567890.0) == "6.22202123456789e+15"
    assert cell_text(6.222021234567891e18) == "6.22202123456789e+18"
    assert cell_text(12.5) == "12.5"
    assert cell_text(datetime(2024, 3, 5, 10, 22, 1)) == "2024-03-05 10:22:01"
    assert cell_text(date(2024, 3, 5)) == "2024-03-05"
    assert cell_text(time(9, 5)) == "09:05:00"
    assert cell_text(timedelta(hours=10, minutes=22, seconds=1)) == "10:22:01"
    assert cell_text("  户名 ") == "户名"


def test_a_mangled_card_number_from_a_workbook_is_rejected_not_stored() -> None:
    from fanzha.domain.statements import normalise_account
    from fanzha.domain.tabular import cell_text

    for number in (6222021234567890.0, 6.222021234567891e18):
        with pytest.raises(ValueError, match="科学计数法"):
            normalise_account(cell_text(number))


@pytest.mark.parametrize(
    ("text", "with_units", "fen"),
    [
        ("1,234.50", False, 123_450),
        ("(12.00)", False, -1_200),
        ("０．００５", False, 1),
        ("12.345", False, 1_235),  # half up, for every import
        ("3,500.50元", True, 350_050),
        ("1.2万", True, 1_200_000),
        ("两千", True, 200_000),
    ],
)
def test_money_cells_read_one_way(text: str, with_units: bool, fen: int) -> None:
    from fanzha.domain.amounts import parse_money_cell_fen

    assert parse_money_cell_fen(text, with_units=with_units) == fen


@pytest.mark.parametrize("text", ["1e3", "一百", "1.2万", "abc", ""])
def test_a_statement_money_cell_holds_no_units(text: str) -> None:
    from fanzha.domain.amounts import AmountUnreadable, parse_money_cell_fen

    with pytest.raises(AmountUnreadable):
        parse_money_cell_fen(text)


def test_a_spec_reads_cells_by_kind_and_names_the_first_unreadable_column() -> None:
    from datetime import date, datetime

    from fanzha.domain.tabular import CellUnreadable, Column, TableRow, TableSpec

    spec = TableSpec(
        name="t",
        synonyms_file="unused.json",
        columns=(
            Column("at", "时间", "time"),
            Column("day", "日期", "day"),
            Column("fen", "金额", "money", unreadable="金额无法识别：{short}"),
            Column("n", "人数", "count"),
        ),
    )
    row = TableRow(
        2, {"at": "2024年3月5日14时许", "day": "20240306", "fen": "1.2万", "n": "1,200", "x": " y "}, ""
    )
    assert spec.values(row) == {
        "at": datetime(2024, 3, 5, 14),
        "day": date(2024, 3, 6),
        "fen": 1_200_000,
        "n": 1200,
        "x": "y",
    }
    bad = TableRow(3, {"fen": "很多", "at": "昨天"}, "")
    with pytest.raises(CellUnreadable, match="时间“昨天”无法识别"):
        spec.values(bad)  # the declared order decides which reason a row gets
    assert spec.value(TableRow(4, {"at": ""}, ""), "at") is None


def test_an_import_logs_its_file_counts_and_each_reject(caplog: pytest.LogCaptureFixture) -> None:
    import logging

    from fanzha.domain.tabular import ImportReport, Reject, log_import_report

    report = ImportReport(
        "线索.csv", 7, rows=3, created=1, duplicates=1, rejected=[Reject(4, "时间无法识别：昨天")]
    )
    with caplog.at_level(logging.INFO, logger="fanzha.test"):
        log_import_report(logging.getLogger("fanzha.test"), "clue", report)
    assert caplog.messages == [
        "clue import 线索.csv: batch 7, rows 3, created 1, duplicates 1, updated 0, rejected 1",
        "clue import 线索.csv: line 4 rejected: 时间无法识别：昨天",
    ]
