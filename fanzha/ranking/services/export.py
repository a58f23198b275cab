"""The chart data as an xlsx workbook (openpyxl): one sheet per chart, grids as rows, days as columns."""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence

from fanzha.ranking.services.trends import ChartData


def chart_workbook(data: ChartData) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    workbook = Workbook()
    sheets: list[tuple[str, Mapping[str, Sequence[float]]]] = [
        ("覆盖率趋势(%)", {k: [round(v * 100, 2) for v in vs] for k, vs in data.coverage.items()}),
        ("每日排名", data.rank),
        ("每日新增注册", data.new_registrations),
    ]
    first = True
    for title, series in sheets:
        sheet = workbook.active if first else workbook.create_sheet()
        assert sheet is not None
        first = False
        sheet.title = title
        sheet.append(["警格编码", "警格名称", *(d.isoformat() for d in data.days)])
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for code, name in data.grids:
            sheet.append([code, name, *series.get(code, [])])
        sheet.freeze_panes = "C2"
        sheet.column_dimensions["B"].width = 18
        for i in range(3, len(data.days) + 3):
            sheet.column_dimensions[get_column_letter(i)].width = 11
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
