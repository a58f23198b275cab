"""The chart data as an xlsx workbook: one sheet per chart, grids as rows, days as columns."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from fanzha.domain.xlsx_export import SheetData, write_xlsx
from fanzha.ranking.services.trends import ChartData


def chart_workbook(data: ChartData) -> bytes:
    sheets: list[tuple[str, Mapping[str, Sequence[float]]]] = [
        ("覆盖率趋势(%)", {k: [round(v * 100, 2) for v in vs] for k, vs in data.coverage.items()}),
        ("每日排名", data.rank),
        ("每日新增注册", data.new_registrations),
    ]
    widths = {2: 18.0, **{i: 11.0 for i in range(3, len(data.days) + 3)}}
    return write_xlsx(
        [
            SheetData(
                title,
                [
                    ["警格编码", "警格名称", *(d.isoformat() for d in data.days)],
                    *([code, name, *series.get(code, [])] for code, name in data.grids),
                ],
                widths=widths,
                freeze="C2",
            )
            for title, series in sheets
        ]
    )
