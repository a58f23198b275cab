"""File downloads: one way to answer with a workbook, whatever the page that exports it."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from typing import Any

from django.http import HttpResponse
from django.utils.http import content_disposition_header

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_CONTENT_TYPE = "text/csv; charset=utf-8"


def xlsx_response(content: bytes, filename: str) -> HttpResponse:
    """An attachment; Chinese file names are encoded as RFC 6266 allows."""
    return attachment_response(content, filename, XLSX_CONTENT_TYPE)


def attachment_response(content: bytes, filename: str, content_type: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(as_attachment=True, filename=filename)
    return response


def csv_bytes(header: list[str], rows: Sequence[Sequence[Any]]) -> bytes:
    """UTF-8 with a byte-order mark, so that Excel on a station PC opens the Chinese correctly."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


# A sheet: title, header row, data rows, and column widths by 1-based column index.
Sheet = tuple[str, list[str], list[list[Any]], dict[int, float]]


def xlsx_workbook(sheets: Sequence[Sheet]) -> bytes:
    """A workbook with one sheet per entry: bold, frozen header; floats with two decimals. Text
    stays text (account and phone numbers keep every digit when given as strings)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    workbook = Workbook()
    first = True
    for title, header, rows, widths in sheets:
        sheet = workbook.active if first else workbook.create_sheet()
        assert sheet is not None
        first = False
        sheet.title = title
        sheet.append(header)
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in rows:
            sheet.append(row)
        for index, width in widths.items():
            sheet.column_dimensions[get_column_letter(index)].width = width
        for column in range(1, len(header) + 1):
            for cell in sheet[get_column_letter(column)][1:]:
                if isinstance(cell.value, float):
                    cell.number_format = "#,##0.00"
        sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
