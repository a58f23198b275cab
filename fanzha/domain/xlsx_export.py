"""Writing xlsx workbooks: the one place every export goes through, so that none carries a live formula.

Much of what fanzha exports was typed by someone outside the station: a clue's source, kind and fraud
identifier come from a spreadsheet or an API call, a bank and a region from a statement file. A text
like ``=HYPERLINK("http://…","点此")`` or ``=cmd|' /C calc'!A0`` written by openpyxl would become a
formula that runs when an officer opens the export. Here every cell whose text starts with a
character a spreadsheet reads as the start of a formula (``= + - @``, their full-width forms, a tab
or a line break) is written as a plain text cell with Excel's quote prefix: it shows exactly what was
received and is never evaluated, and it stays text if the cell is edited. Numbers stay numbers.
Control characters that the xlsx format cannot hold are dropped instead of failing the export.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "＝", "＋", "－", "＠", "\t", "\r", "\n")


@dataclass
class SheetData:
    """One worksheet: ``rows`` from the top (the header, if any, first)."""

    title: str
    rows: Iterable[Sequence[Any]]
    bold_rows: int = 1  # how many rows at the top are headings
    widths: dict[int, float] = field(default_factory=dict)  # 1-based column -> width
    freeze: str | None = "A2"
    money_format: bool = False  # floats shown as 1,234.56


def is_formula_text(value: object) -> bool:
    return isinstance(value, str) and value.startswith(FORMULA_STARTS)


def write_xlsx(sheets: Sequence[SheetData]) -> bytes:
    """The workbook's bytes; texts that would read as formulas are written as inert text."""
    from openpyxl import Workbook
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    workbook = Workbook()
    bold = Font(bold=True)
    for position, data in enumerate(sheets):
        sheet = workbook.active if position == 0 else workbook.create_sheet()
        assert sheet is not None
        sheet.title = data.title[:31]
        for row_number, values in enumerate(data.rows, start=1):
            for column_number, value in enumerate(values, start=1):
                cell = sheet.cell(row=row_number, column=column_number)
                if isinstance(value, str):
                    value = ILLEGAL_CHARACTERS_RE.sub("", value)
                cell.value = value
                if is_formula_text(value):
                    cell.data_type = "s"
                    cell.quotePrefix = True
                elif data.money_format and isinstance(value, float):
                    cell.number_format = "#,##0.00"
                if row_number <= data.bold_rows:
                    cell.font = bold
        for column_number, width in data.widths.items():
            sheet.column_dimensions[get_column_letter(column_number)].width = width
        if data.freeze:
            sheet.freeze_panes = data.freeze
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
