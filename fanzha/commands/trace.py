"""``fanzha trace``: import statements and follow a victim's money forward (资金流向).

One JSON line per reached account, sorted by depth then amount descending:
``{"account", "depth", "amount_yuan", "first_at", ...extras}``.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from fanzha.domain.values.money import fen_of_yuan
from fanzha.errors import UserFacingError


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "trace",
        help="追踪受害人资金流向 / trace a victim's money through statements",
        description="导入银行流水并按时间顺序追踪受害人资金 / import statements and trace the money forward",
    )
    parser.add_argument(
        "--statements", nargs="+", required=True, metavar="FILE", help="流水文件 xlsx/xls/csv"
    )
    parser.add_argument("--from", dest="start", required=True, metavar="ACCOUNT", help="受害人账号或一级卡号")
    parser.add_argument("--after", help='起算时间 "YYYY-MM-DD HH:MM"')
    parser.add_argument("--amount", help="受害人转出金额上限（元）")
    parser.add_argument("--rule", choices=("libr", "proportional"), default="libr", help="资金归属规则")
    parser.add_argument("--max-depth", type=int, default=6, help="最大追踪层级（默认 6）")
    parser.add_argument("--window-days", type=float, help="只追踪起算时间后若干天内的流水")
    parser.add_argument(
        "--min-yuan", type=float, default=1.0, help="低于该金额的资金分支不再追踪（默认 1 元）"
    )
    parser.add_argument("--store", help="持久化的 DuckDB 流水库路径（默认仅在内存中）")
    parser.add_argument("--data-dir", help="数据目录（本命令不使用，为与其他命令一致而接受）")
    parser.set_defaults(func=run_trace)


def _parse_after(text: str | None) -> datetime | None:
    if not text:
        return None
    from fanzha.domain.statements import parse_datetime

    try:
        return parse_datetime(text)
    except ValueError as exc:
        raise UserFacingError(f"--after 时间格式无法识别：{text}", f"cannot read --after: {text}") from exc


def _parse_amount(text: str | None) -> int | None:
    if text is None:
        return None
    try:
        value = Decimal(text.replace(",", ""))
    except InvalidOperation as exc:
        raise UserFacingError(f"--amount 金额无法识别：{text}", f"cannot read --amount: {text}") from exc
    if value <= 0:
        raise UserFacingError("--amount 必须大于 0", "--amount must be positive")
    return fen_of_yuan(value)


def run_trace(args: argparse.Namespace) -> int:
    from fanzha.domain.statement_store import StatementStore
    from fanzha.domain.trace import TraceSpec, trace_forward

    if args.max_depth < 1:
        raise UserFacingError("--max-depth 至少为 1", "--max-depth must be at least 1")
    spec = TraceSpec(
        start=args.start.strip(),
        after=_parse_after(args.after),
        amount_fen=_parse_amount(args.amount),
        rule=args.rule,
        max_depth=args.max_depth,
        window=timedelta(days=args.window_days) if args.window_days else None,
        min_amount_fen=max(1, round(args.min_yuan * 100)),
    )
    with StatementStore(args.store) as store:
        report = store.import_files(args.statements)
        failed = report.failed
        if failed:
            details = "; ".join(f"{f.file}: {f.error}" for f in failed)
            raise UserFacingError(
                f"流水文件无法导入（未写入任何行）：{details}", f"statement file(s) not imported: {details}"
            )
        for reject in report.rejects:
            print(
                f"跳过无法读取的行 / rejected row {reject.file}:{reject.line}: {reject.reason}",
                file=sys.stderr,
            )
        result = trace_forward(store, spec)
    if result.start_kind == "none":
        print(f"流水中没有账户 {spec.start} 的交易 / no transactions for {spec.start}", file=sys.stderr)
    for account in result.accounts:
        print(json.dumps(account.as_json(), ensure_ascii=False))
    return 0
