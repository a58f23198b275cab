"""A trace run's freeze list and region totals as xlsx workbooks (full account numbers: these go to
banks and to other police, so every export is audit-logged by the caller)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from fanzha.domain.xlsx_export import SheetData, write_xlsx
from fanzha.funds.tracing import depth_label


def _yuan(fen: int | None) -> float | None:
    return None if fen is None else round(fen / 100, 2)


def _workbook(sheets: Sequence[tuple[str, list[str], list[list[Any]], dict[int, float]]]) -> bytes:
    return write_xlsx(
        [
            SheetData(title, [header, *rows], widths=widths, money_format=True)
            for title, header, rows, widths in sheets
        ]
    )


def freeze_workbook(payload: dict[str, Any], case_no: str = "") -> bytes:
    """止付/冻结 list in rank order: account as text (every digit kept), amount in yuan."""
    rows = [
        [
            rank,
            item["account"],
            depth_label(item["depth"]),
            _yuan(item["amount_fen"]),
            item["hours_since_arrival"],
            item["bank"] or "",
            item["region"] or "",
            item["reason"],
            case_no,
        ]
        for rank, item in enumerate(payload["freeze"], start=1)
    ]
    header = [
        "序号",
        "账号",
        "层级",
        "可归属受害人资金（元）",
        "到账至今（小时）",
        "开户行",
        "地区",
        "依据",
        "案件编号",
    ]
    return _workbook([("止付冻结清单", header, rows, {2: 24, 4: 20, 6: 16, 7: 16, 8: 40, 9: 22})])


def regions_workbook(payload: dict[str, Any], case_no: str = "") -> bytes:
    """Totals per region and the accounts of each region (for 异地协作 requests)."""
    totals = [
        [r["region"], r["accounts"], _yuan(r["received_fen"]), _yuan(r["held_fen"]), _yuan(r["sink_fen"])]
        for r in payload["regions"]
    ]
    accounts = [
        [
            a["region"] or "未知",
            a["account"],
            depth_label(a["depth"]),
            _yuan(a["amount_fen"]),
            _yuan(a["held_fen"]),
            _yuan(a["balance_fen"]),
            a["first_at"],
            a["bank"] or "",
            "是" if a["is_sink"] else "",
            case_no,
        ]
        for a in sorted(
            payload["accounts"], key=lambda a: (a["region"] or "未知", a["depth"], -a["amount_fen"])
        )
    ]
    return _workbook(
        [
            (
                "分地区汇总",
                ["地区", "账户数", "流入受害人资金（元）", "仍留存（元）", "流出至出口（元）"],
                totals,
                {1: 22, 3: 20, 4: 16, 5: 18},
            ),
            (
                "分地区账户",
                [
                    "地区",
                    "账号",
                    "层级",
                    "流入受害人资金（元）",
                    "仍留存（元）",
                    "最后余额（元）",
                    "首次到账",
                    "开户行",
                    "资金出口",
                    "案件编号",
                ],
                accounts,
                {1: 22, 2: 24, 4: 20, 7: 20, 8: 16, 10: 22},
            ),
        ]
    )


def accounts_by_region(payload: dict[str, Any]) -> list[tuple[dict[str, Any], list[dict[str, Any]]]]:
    """For the cooperation letters: each region's totals with its accounts (largest first)."""
    by_region: dict[str, list[dict[str, Any]]] = {}
    for a in payload["accounts"]:
        by_region.setdefault(a["region"] or "未知", []).append(a)
    out = []
    for region in payload["regions"]:
        accounts = sorted(by_region.get(region["region"], []), key=lambda a: (a["depth"], -a["amount_fen"]))
        out.append((region, accounts))
    return out
