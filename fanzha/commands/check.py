"""``fanzha check``: messages, links, numbers (JSON Lines) in, one risk verdict per line out."""

from __future__ import annotations

import argparse
import sys
from typing import Any


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "check",
        help="群众风险查询：判断短信、链接、号码、账号是否可能是诈骗 / check messages for fraud risk",
        description=(
            "读取 JSON Lines（每行含 id、text），每行输出 verdict（fraud 高风险 / suspicious 可疑 /"
            " safe 未见风险）、score、category、reasons 与 advice。"
            " Reads JSON Lines with id and text; writes one verdict per line."
        ),
    )
    parser.add_argument(
        "--input", "-i", metavar="FILE", help="输入文件，缺省或 - 为标准输入 / input file (default stdin)"
    )
    parser.add_argument(
        "--data-dir",
        help="数据目录：给出时，与本所案件和线索中的号码、账号、网址比对 / "
        "data directory: when given, identifiers from the station's cases and clues count as evidence",
    )
    parser.set_defaults(func=handle)


def verdict_to_record(record_id: Any, verdict: Any) -> dict[str, Any]:
    """The JSON answer for one input: the contract fields first, extra detail after."""
    detail = verdict.as_dict()
    return {
        "id": record_id,
        "verdict": detail["verdict"],
        "score": detail["score"],
        "category": detail["category"],
        "reasons": detail["reasons"],
        "label": detail["label"],
        "advice": detail["advice"],
    }


def handle(args: argparse.Namespace) -> int:
    from fanzha.domain.jsonlines import parse_lines, read_input_text, run_jsonl
    from fanzha.domain.risk import check_text

    text = read_input_text(args.input, sys.stdin.buffer)
    known = None
    if args.data_dir:
        from fanzha.runtime import open_station

        open_station(args.data_dir)
        from fanzha.check.known import known_identifiers

        known = known_identifiers()

    def answer(record: dict[str, Any]) -> dict[str, Any]:
        return verdict_to_record(record.get("id"), check_text(record["text"], known))

    run_jsonl(parse_lines(text), answer, sys.stdout)
    return 0
