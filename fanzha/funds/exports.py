"""A trace run's freeze list and region totals as xlsx workbooks (full account numbers: these go to
banks and to other police, so every export is audit-logged by the caller)."""

from __future__ import annotations

from datetime import datetime

from fanzha.domain.values.money import yuan_number
from fanzha.funds.trace_result import UNKNOWN_REGION, StoredTrace, depth_label
from fanzha.web.downloads import xlsx_workbook


def _yuan(fen: int | None) -> int | float | None:
    return None if fen is None else yuan_number(fen)


def freeze_workbook(trace: StoredTrace, case_no: str = "", now: datetime | None = None) -> bytes:
    """止付/冻结 list in rank order: account as text (every digit kept), amount in yuan, and the
    days since the money arrived counted at export time (``now``, Beijing; default the present)."""
    rows = [
        [
            rank,
            item.account,
            item.depth_label,
            _yuan(item.amount_fen),
            item.first_at or "",
            item.days_since_arrival,
            item.bank or "",
            item.region or "",
            item.reason,
            case_no,
        ]
        for rank, item in enumerate(trace.freeze_rows(now), start=1)
    ]
    header = [
        "序号",
        "账号",
        "层级",
        "可归属受害人资金（元）",
        "首次到账",
        "到账至今（天）",
        "开户行",
        "地区",
        "依据",
        "案件编号",
    ]
    return xlsx_workbook([("止付冻结清单", header, rows, {2: 24, 4: 20, 5: 20, 7: 16, 8: 16, 9: 40, 10: 22})])


def regions_workbook(trace: StoredTrace, case_no: str = "") -> bytes:
    """Totals per region and the accounts of each region (for 异地协作 requests)."""
    totals = [
        [r.region, r.accounts, _yuan(r.received_fen), _yuan(r.held_fen), _yuan(r.sink_fen)]
        for r in trace.regions
    ]
    accounts = [
        [
            a.region or UNKNOWN_REGION,
            a.account,
            depth_label(a.depth),
            _yuan(a.amount_fen),
            _yuan(a.held_fen),
            _yuan(a.balance_fen),
            a.first_at,
            a.bank or "",
            "是" if a.is_sink else "",
            case_no,
        ]
        for a in sorted(trace.accounts, key=lambda a: (a.region or UNKNOWN_REGION, a.depth, -a.amount_fen))
    ]
    return xlsx_workbook(
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
