"""``fanzha clues``: import a clue file, escalate overdue clues, export a batch analysis."""

from __future__ import annotations

import argparse
import json
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from fanzha.domain.query_args import optional_day
from fanzha.errors import UserFacingError
from fanzha.runtime import add_data_dir_argument


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("clues", help="预警线索 / warning clues")
    actions = parser.add_subparsers(dest="clues_command", metavar="ACTION")

    importer = actions.add_parser("import", help="导入线索文件（xlsx/xls/csv） / import a clue file")
    importer.add_argument("file", help="线索文件 / clue file")
    importer.add_argument(
        "--source", default=None, help="文件无“来源”列时使用的来源 / source when the file has none"
    )
    add_data_dir_argument(importer)
    importer.set_defaults(func=run_import)

    escalate = actions.add_parser("escalate", help="超时线索升级 / escalate overdue clues")
    add_data_dir_argument(escalate)
    escalate.set_defaults(func=run_escalate)

    analyse = actions.add_parser("analyse", help="批量研判 / batch analysis")
    analyse.add_argument("--batch", type=int, default=None, help="批次编号 / batch id")
    analyse.add_argument("--from", dest="start", default=None, help="起始日期 YYYY-MM-DD / from date")
    analyse.add_argument(
        "--to", dest="end", default=None, help="截止日期（含） YYYY-MM-DD / to date, inclusive"
    )
    analyse.add_argument("--xlsx", default=None, help="导出 xlsx 到此路径 / write an xlsx here")
    add_data_dir_argument(analyse)
    analyse.set_defaults(func=run_analyse)

    parser.set_defaults(func=lambda _args: parser.print_help() or 2)


def run_import(args: argparse.Namespace) -> int:
    path = Path(args.file).expanduser()
    if not path.is_file():
        raise UserFacingError(f"找不到文件 {path}", f"file not found: {path}")
    from fanzha.runtime import open_station

    open_station(args.data_dir)
    from fanzha.clues.spreadsheet import contract, import_clue_file

    report = import_clue_file(path, default_source=args.source)
    print(json.dumps(contract(report), ensure_ascii=False))
    return 0


def run_escalate(args: argparse.Namespace) -> int:
    from fanzha.runtime import open_station

    open_station(args.data_dir)
    from fanzha.clues.handling import escalate_overdue

    print(json.dumps({"escalated": escalate_overdue()}, ensure_ascii=False))
    return 0


def run_analyse(args: argparse.Namespace) -> int:
    start, end = optional_day(args.start, "--from"), optional_day(args.end, "--to")
    from fanzha.runtime import open_station

    open_station(args.data_dir)
    from django.utils import timezone

    from fanzha.clues.analysis import analyse_clues, clue_selection, write_analysis_xlsx
    from fanzha.stations import audit
    from fanzha.stations.models import AuditLog

    def aware(day: date | None, shift: int = 0) -> datetime | None:
        return timezone.make_aware(datetime.combine(day + timedelta(days=shift), time())) if day else None

    selection = clue_selection(batch_id=args.batch, start=aware(start), end=aware(end, 1))
    result = analyse_clues(selection)
    if args.xlsx:
        out = Path(args.xlsx).expanduser()
        try:
            out.write_bytes(write_analysis_xlsx(result))
        except OSError as exc:
            raise UserFacingError(f"无法写入 {out}：{exc.strerror}", f"cannot write {out}: {exc}") from exc
        audit.record(
            None,
            AuditLog.Action.EXPORT,
            reason="导出批量研判（命令行）",
            detail={"file": str(out), "batch": args.batch, "from": args.start, "to": args.end},
            username="命令行",
            object_type="clues.analysis",
        )
    print(json.dumps(result.as_json(), ensure_ascii=False))
    return 0
