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
