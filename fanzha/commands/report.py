"""``fanzha report morning --date YYYY-MM-DD [--data-dir D] --out FILE``: the morning roll-call
report (晨会点名) as PDF, or DOCX when FILE ends in ``.docx``."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from fanzha.errors import UserFacingError
from fanzha.runtime import add_data_dir_argument


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("report", help="生成报告 / write a report")
    kinds = parser.add_subparsers(dest="report_kind", metavar="KIND", required=True)
    morning = kinds.add_parser("morning", help="晨会点名通报（PDF 或 DOCX） / morning roll-call report")
    morning.add_argument("--date", required=True, help="数据日期 YYYY-MM-DD / the day reported on")
    morning.add_argument(
        "--out", required=True, help="输出文件（.pdf 或 .docx） / output file (.pdf or .docx)"
    )
    add_data_dir_argument(morning)
    morning.set_defaults(func=run_morning)


def run_morning(args: argparse.Namespace) -> int:
    from fanzha.domain.query_args import parse_day

    day = parse_day(args.date)
    out = Path(args.out).expanduser()
    suffix = out.suffix.lower()
    if suffix not in (".pdf", ".docx"):
        raise UserFacingError(
            f"输出文件 {out} 的扩展名应为 .pdf 或 .docx", f"output file {out} must end in .pdf or .docx"
        )
    if not out.parent.is_dir():
        raise UserFacingError(
            f"输出目录 {out.parent} 不存在", f"output directory {out.parent} does not exist"
        )
    from fanzha.runtime import open_station

    open_station(args.data_dir)
    from fanzha.ranking.report import morning_report, render

    data = render(morning_report(day), suffix.lstrip("."))
    try:
        out.write_bytes(data)
    except OSError as exc:
        raise UserFacingError(f"无法写入 {out}：{exc.strerror}", f"cannot write {out}: {exc}") from exc
    print(f"已写入 {out}（{len(data)} 字节）/ wrote {out} ({len(data)} bytes)", file=sys.stderr)
    return 0
