"""``fanzha classify``: the fraud category of each narrative in a JSON Lines file."""

from __future__ import annotations

import argparse
import sys
from typing import Any


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "classify",
        help="按公安部诈骗类型分类 / classify narratives into fraud categories",
        description=(
            "读取 JSON Lines（每行含 id 与 text），每行输出 "
            '{"id", "category", "confidence", "second", "tags", "evidence", ...}；'
            '无法解析的行输出 {"line": N, "error": ...}。'
        ),
    )
    parser.add_argument(
        "--input", "-i", default=None, help="输入文件（默认标准输入）/ input file (default stdin)"
    )
    parser.set_defaults(func=handle)


def handle(args: argparse.Namespace) -> int:
    from fanzha.domain.classify import Classification, classify
    from fanzha.domain.jsonlines import Record, parse_lines, read_input_text, run_jsonl

    text = read_input_text(args.input, sys.stdin.buffer)

    def answer(record: Record) -> Record:
        result: Classification = classify(record["text"])
        return {
            "id": record.get("id"),
            "category": result.category,
            "confidence": result.confidence,
            "second": result.second,
            "tags": list(result.tags),
            # The same phrase found at several places is one piece of evidence; the spans keep each place.
            "evidence": list(dict.fromkeys(e.text for e in result.evidence)),
            "second_confidence": result.second_confidence,
            "lures": list(result.lures),
            "needs_review": result.needs_review,
            "status": result.status,
            "evidence_spans": [
                {"text": e.text, "start": e.start, "end": e.end, "source": e.source} for e in result.evidence
            ],
        }

    run_jsonl(parse_lines(text), answer, sys.stdout)
    # Bad lines are reported in the output; only an unreadable input is a failure of the command.
    return 0
