"""``fanzha extract``: case narratives (JSON Lines) in, one structured draft per line out."""

from __future__ import annotations

import argparse
import sys
from datetime import datetime
from typing import Any

_TIME_FORMAT = "%Y-%m-%dT%H:%M"


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "extract",
        help="从简要案情中抽取时间、渠道、平台、转账、损失与账号 / extract fields from case narratives",
        description=(
            "读取 JSON Lines（每行含 id、text，可选 reported_at，ISO 格式），每行输出一条抽取结果。"
            " Reads JSON Lines with id, text and optional ISO reported_at; writes one JSON line each."
        ),
    )
    parser.add_argument(
        "--input", "-i", metavar="FILE", help="输入文件，缺省或 - 为标准输入 / input file (default stdin)"
    )
    parser.set_defaults(func=handle)


def _reported_at(record: dict[str, Any]) -> datetime | None:
    value = record.get("reported_at")
    if value in (None, ""):
        return None
    if not isinstance(value, str):
        raise ValueError("reported_at 应为 ISO 时间字符串 / reported_at must be an ISO string")
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if parsed.tzinfo is not None:
        from zoneinfo import ZoneInfo

        parsed = parsed.astimezone(ZoneInfo("Asia/Shanghai")).replace(tzinfo=None)
    return parsed


def draft_to_record(record_id: Any, draft: Any) -> dict[str, Any]:
    """The JSON answer for one narrative: the contract fields first, extra detail after."""
    from fanzha.domain.identifiers import ACCOUNT_KINDS, PHONE_KINDS, URL_KINDS
    from fanzha.domain.masking import mask_name
    from fanzha.domain.values.money import yuan_number

    def stamp(moment: datetime | None) -> str | None:
        return moment.strftime(_TIME_FORMAT) if moment else None

    def dedupe(values: list[str]) -> list[str]:
        return list(dict.fromkeys(values))

    loss = draft.loss
    return {
        "id": record_id,
        "occurred_at": stamp(draft.occurred_at),
        "occurred_until": stamp(draft.occurred_until),
        "loss_yuan": yuan_number(loss.lower_fen) if loss else None,
        "loss_max_yuan": yuan_number(loss.upper_fen) if loss else None,
        "transfers_yuan": [yuan_number(t.amount.lower_fen) for t in draft.transfers],
        "transfer_total_yuan": yuan_number(draft.transfer_total_fen),
        "channels": [c.value for c in draft.channels],
        "platforms": [p.value for p in draft.platforms],
        "accounts": dedupe([i.value for i in draft.identifiers if i.kind in ACCOUNT_KINDS]),
        "phones": dedupe([i.value for i in draft.identifiers if i.kind in PHONE_KINDS]),
        "urls": dedupe([i.value for i in draft.identifiers if i.kind in URL_KINDS]),
        "warnings": [{"code": w.code, "message": w.message} for w in draft.warnings],
        # Extra detail for pages and reviewers: spans index the original text.
        # Personal data is masked by default; the span still points at the name in the text.
        "victim": (
            {"name_masked": mask_name(draft.victim.text), "span": [draft.victim.start, draft.victim.end]}
            if draft.victim
            else None
        ),
        "loss_text": loss.text if loss else None,
        # "共计转账320000元" without the single payments: a total, not one more transfer.
        "stated_total_yuan": yuan_number(draft.stated_total.lower_fen) if draft.stated_total else None,
        "loss_span": [loss.start, loss.end] if loss else None,
        "transfers": [
            {
                "yuan": yuan_number(t.amount.lower_fen),
                "max_yuan": yuan_number(t.amount.upper_fen),
                "text": t.amount.text,
                "span": [t.start, t.end],
                "means": t.means,
                "means_inferred": t.means_inferred,
                # Where the money went and when, where the narrative tells (else null).
                "to_account": t.to_account,
                "at": stamp(t.at),
            }
            for t in draft.transfers
        ],
        "identifiers": [
            {"kind": i.kind, "value": i.value, "valid": i.valid, "span": [i.start, i.end]}
            for i in draft.identifiers
        ],
        "time_expressions": [
            {
                "text": e.text,
                "span": [e.start, e.end],
                "begin": stamp(e.begin),
                "until": stamp(e.until),
                "error": e.error,
            }
            for e in draft.time_expressions
        ],
    }


def handle(args: argparse.Namespace) -> int:
    from fanzha.domain.extraction import extract
    from fanzha.domain.jsonlines import parse_lines, read_input_text, run_jsonl

    text = read_input_text(args.input, sys.stdin.buffer)

    def answer(record: dict[str, Any]) -> dict[str, Any]:
        return draft_to_record(record.get("id"), extract(record["text"], _reported_at(record)))

    run_jsonl(parse_lines(text), answer, sys.stdout)
    return 0
