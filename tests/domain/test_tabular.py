"""Reading spreadsheets with varying headers and encodings; bad rows kept with their lines."""

from __future__ import annotations

import io

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
