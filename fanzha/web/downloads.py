"""File downloads: one way to answer with a workbook, whatever the page that exports it."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from typing import Any

from django.http import HttpResponse
from django.utils.http import content_disposition_header

from fanzha.domain.xlsx_export import SheetData, is_formula_text, write_xlsx

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
    """UTF-8 with a byte-order mark, so that Excel on a station PC opens the Chinese correctly.

    A text that a spreadsheet would read as a formula (``=HYPERLINK(…)``) gets a leading quote, as
    ``fanzha.domain.xlsx_export`` does for workbooks: it shows as text and never runs.
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([_inert(value) for value in header])
    writer.writerows([_inert(value) for value in row] for row in rows)
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def _inert(value: Any) -> Any:
    return "'" + value if is_formula_text(value) else value


# A sheet: title, header row, data rows, and column widths by 1-based column index.
Sheet = tuple[str, list[str], list[list[Any]], dict[int, float]]


def xlsx_workbook(sheets: Sequence[Sheet]) -> bytes:
    """A workbook with one sheet per entry: bold, frozen header; floats with two decimals. Text
    stays text (account and phone numbers keep every digit when given as strings) and never a
    formula: every workbook goes through ``fanzha.domain.xlsx_export.write_xlsx``."""
    return write_xlsx(
        [
            SheetData(title, [header, *rows], widths=widths, money_format=True)
            for title, header, rows, widths in sheets
        ]
    )
