"""The machine's reading of a narrative as the case file stores it, and the officer's fields.

``make_draft`` runs extraction and classification once and returns a JSON-ready dict that is
stored verbatim in ``Case.draft``: the spans to highlight, the warnings, the classification and
the flat ``fields`` an officer confirms or corrects. Both sides of a correction go through
``canonical`` so that "1299" and "1,299.00" or "微信、QQ" and "QQ，微信" count as agreement.

No database access here: the new-case page, the import and the API all call it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from fanzha.domain.amounts import AmountUnreadable, parse_money_cell_fen, to_halfwidth
from fanzha.domain.classify import Classification
from fanzha.domain.data_files import load_data_json
from fanzha.domain.extraction import ExtractionDraft, extract
from fanzha.domain.values.money import format_yuan
from fanzha.domain.values.registry import recorded_kind_of_found

DRAFT_VERSION = 1

# (field, label, kind of value). Order is the order of the correction form and the agreement page.
FIELDS: tuple[tuple[str, str, str], ...] = (
    ("occurred_at", "发案时间（起）", "datetime"),
    ("occurred_until", "发案时间（止）", "datetime"),
    ("victim_name", "受害人（原文）", "text"),
    ("channels", "接触方式", "set"),
    ("platforms", "涉案平台/APP", "set"),
    ("transfers", "转账（每行：金额 方式 [收款账户] [时间]）", "transfers"),
    ("loss_yuan", "损失（元，下限）", "money"),
    ("loss_max_yuan", "损失（元，上限）", "money"),
    ("bank_accounts", "银行卡号", "set"),
    ("phones", "电话号码", "set"),
    ("qq", "QQ号", "set"),
    ("wechat", "微信号", "set"),
    ("urls", "网址/域名", "set"),
    ("category", "案件类别", "text"),
    ("tags", "标签", "set"),
)
FIELD_LABELS = {name: label for name, label, _ in FIELDS}
FIELD_KINDS = {name: kind for name, _, kind in FIELDS}

_LIST_SPLIT = re.compile(r"[、,，;；\s]+")
_TRANSFER_LINE = re.compile(r"^\s*(?P<amount>[^\s]+)\s*(?P<means>[^\s\d][^\s]*)?\s*(?P<account>[^\s]+)?\s*$")
# A transfer line may end with its time: "2020-07-04 10:00" (or a date alone).
_TRANSFER_TIME = re.compile(r"\s(?P<at>\d{4}-\d{1,2}-\d{1,2})(?:[ T](?P<clock>\d{1,2}:\d{2}))?\s*$")

# Span kinds shown on the pages, with the label prefix a reader sees on hover.
SPAN_LABELS = {
    "time": "时间",
    "victim": "受害人",
    "channel": "接触方式",
    "platform": "平台/APP",
    "transfer": "转账",
    "loss": "所述损失",
    "total": "所述合计",
    "amount": "金额",
    "identifier": "标识",
    "evidence": "分类依据",
    "warning": "需核对",
}


@lru_cache(maxsize=1)
def identifier_rules() -> dict[str, Any]:
    data: dict[str, Any] = load_data_json("cases/identifiers.json")
    return data


def yuan_text(fen: int | None) -> str:
    """Integer fen as a plain yuan figure for a form field: 129900 → "1299", 5 → "0.05"."""
    return format_yuan(fen, decimals="trimmed", missing="")


def _minute(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M") if value else ""


def is_app_mention(text: str, end: int) -> bool:
    """A platform named right before APP/软件… ("“天隆基金APP”", "下载了天隆基金软件")."""
    after = text[end : end + 6].lstrip("”\"」』》' ")
    return after.startswith(tuple(identifier_rules()["app_suffixes"]))


def machine_fields(draft: ExtractionDraft, classification: Classification | None) -> dict[str, str]:
    """The flat fields of a draft, each a string as the correction form shows it."""
    kinds = recorded_kind_of_found()
    channel_values = {c.value for c in draft.channels}
    platforms = []
    for mention in draft.platforms:
        if mention.value in channel_values:
            continue  # a known app used as contact channel ("伊对") is not fraud infrastructure
        suffix = "APP" if is_app_mention(draft.text, mention.end) else ""
        platforms.append(mention.value + suffix)
    by_kind: dict[str, list[str]] = {"bank_account": [], "phone": [], "qq": [], "wechat": [], "url": []}
    for identifier in draft.identifiers:
        kind = kinds.get(identifier.kind)
        if kind in by_kind and identifier.value not in by_kind[kind]:
            by_kind[kind].append(identifier.value)
    transfers = [
        transfer_line(t.amount.lower_fen, t.means or "", t.to_account or "", t.at) for t in draft.transfers
    ]
    loss = draft.loss
    return {
        "occurred_at": _minute(draft.occurred_at),
        "occurred_until": _minute(draft.occurred_until),
        "victim_name": draft.victim.text if draft.victim else "",
        "channels": "、".join(c.value for c in draft.channels),
        "platforms": "、".join(platforms),
        "transfers": "\n".join(transfers),
        "loss_yuan": yuan_text(loss.lower_fen) if loss else "",
        "loss_max_yuan": yuan_text(loss.upper_fen) if loss else "",
        "bank_accounts": " ".join(by_kind["bank_account"]),
        "phones": " ".join(by_kind["phone"]),
        "qq": " ".join(by_kind["qq"]),
        "wechat": " ".join(by_kind["wechat"]),
        "urls": " ".join(by_kind["url"]),
        "category": classification.category if classification else "",
        "tags": "、".join(classification.tags) if classification else "",
    }


def _spans(draft: ExtractionDraft, classification: Classification | None) -> list[dict[str, Any]]:
    spans: list[dict[str, Any]] = []

    def add(start: int, end: int, kind: str, detail: str = "") -> None:
        label = SPAN_LABELS[kind] + (f" {detail}" if detail else "")
        spans.append({"start": start, "end": end, "kind": kind, "label": label})

    for expression in draft.time_expressions:
        detail = _minute(expression.begin) if expression.begin else "无法识别"
        add(expression.start, expression.end, "time", detail)
    if draft.victim:
        add(draft.victim.start, draft.victim.end, "victim")
    for mention in draft.channels:
        add(mention.start, mention.end, "channel", mention.value)
    for mention in draft.platforms:
        if mention.value not in {c.value for c in draft.channels}:
            add(mention.start, mention.end, "platform", mention.value)
    transfer_starts = {t.start for t in draft.transfers}
    for number, transfer in enumerate(draft.transfers, start=1):
        means = transfer.means or "方式未写明"
        add(
            transfer.start,
            transfer.end,
            "transfer",
            f"第{number}笔 {format_yuan(transfer.amount.lower_fen, unit='元')} {means}",
        )
    for amount, role in draft.amounts:
        if amount.start in transfer_starts:
            continue
        kind = {"loss": "loss", "total": "total"}.get(role, "amount")
        add(amount.start, amount.end, kind, format_yuan(amount.lower_fen, unit="元"))
    for identifier in draft.identifiers:
        check = "" if identifier.valid else "（校验未通过）"
        add(identifier.start, identifier.end, "identifier", f"{identifier.kind}{check}")
    if classification:
        for evidence in classification.evidence:
            add(evidence.start, evidence.end, "evidence", classification.category)
    for warning in draft.warnings:
        if warning.span:
            add(warning.span[0], warning.span[1], "warning", warning.message)
    return spans


def classification_json(classification: Classification) -> dict[str, Any]:
    return {
        "category": classification.category,
        "confidence": classification.confidence,
        "second": classification.second,
        "second_confidence": classification.second_confidence,
        "tags": list(classification.tags),
        "lures": list(classification.lures),
        "needs_review": classification.needs_review,
        "evidence": [
            {"text": e.text, "start": e.start, "end": e.end, "source": e.source}
            for e in classification.evidence
        ],
    }


def draft_json(
    draft: ExtractionDraft, classification: Classification | None, reported_at: datetime | None
) -> dict[str, Any]:
    """What ``Case.draft`` stores: enough to show the draft again without re-running anything."""
    return {
        "version": DRAFT_VERSION,
        "reported_at": reported_at.isoformat() if reported_at else None,
        "fields": machine_fields(draft, classification),
        "spans": _spans(draft, classification),
        "warnings": [
            {"code": w.code, "message": w.message, "span": list(w.span) if w.span else None}
            for w in draft.warnings
        ],
        "transfer_total_yuan": yuan_text(draft.transfer_total_fen),
        "transfers": [
            {
                "amount_yuan": yuan_text(t.amount.lower_fen),
                "amount_max_yuan": yuan_text(t.amount.upper_fen),
                "means": t.means or "",
                "means_inferred": t.means_inferred,
                "text": t.amount.text,
                "to_account": t.to_account or "",
                "at": _minute(t.at),
            }
            for t in draft.transfers
        ],
        "classification": classification_json(classification) if classification else None,
    }


def make_draft(text: str, reported_at: datetime | None) -> dict[str, Any]:
    """Extract and classify one narrative (``reported_at``: wall-clock Shanghai time or aware)."""
    from fanzha.domain.classify import classify

    naive = reported_at.replace(tzinfo=None) if reported_at else None
    return draft_json(extract(text, naive), classify(text), reported_at)


def make_drafts(items: list[tuple[str, datetime | None]]) -> list[dict[str, Any]]:
    """Many narratives at once: classification runs as one batch."""
    from fanzha.domain.classify import classify_many

    classifications = classify_many([text for text, _ in items]) if items else []
    return [
        draft_json(extract(text, at.replace(tzinfo=None) if at else None), c, at)
        for (text, at), c in zip(items, classifications, strict=True)
    ]


# ---------------------------------------------------------------------------------------------
# Canonical values: both the machine's and the officer's go through these before comparing.


def split_list(value: str) -> list[str]:
    return [x for x in (p.strip() for p in _LIST_SPLIT.split(to_halfwidth(value or ""))) if x]


def parse_money_fen(value: str) -> int | None:
    """A yuan figure typed by a person ("96108", "96,108.00", "9.6万") in fen; "" is None. The
    imports' one money parser, reading units as a person writes them."""
    value = (value or "").strip()
    if not value:
        return None
    try:
        return parse_money_cell_fen(value, with_units=True)
    except AmountUnreadable as exc:
        raise ValueError(f"金额“{value}”无法识别") from exc


@dataclass(frozen=True)
class TransferLine:
    amount_fen: int
    means: str
    to_account: str
    at: datetime | None = None  # naive Beijing wall-clock time


def transfer_line(amount_fen: int, means: str, to_account: str, at: datetime | None) -> str:
    """One line of the transfers field: "50000 银行卡 6222… 2020-07-04 10:00"."""
    return " ".join(x for x in (yuan_text(amount_fen), means, to_account, _minute(at)) if x)


def parse_transfers(value: str) -> list[TransferLine]:
    """One transfer per line: amount, then optionally the means, the receiving account and the
    time ("YYYY-MM-DD HH:MM" or a date) at the end."""
    lines: list[TransferLine] = []
    for number, line in enumerate((value or "").splitlines(), start=1):
        if not line.strip():
            continue
        text = to_halfwidth(line)
        at: datetime | None = None
        timed = _TRANSFER_TIME.search(text)
        if timed:
            try:
                at = datetime.strptime(f"{timed['at']} {timed['clock'] or '00:00'}", "%Y-%m-%d %H:%M")
            except ValueError as exc:
                raise ValueError(f"转账第{number}行时间“{timed.group().strip()}”无法识别") from exc
            text = text[: timed.start()]
        match = _TRANSFER_LINE.match(text)
        if not match:
            raise ValueError(f"转账第{number}行“{line.strip()}”格式应为：金额 方式 [收款账户] [时间]")
        try:
            fen = parse_money_fen(match["amount"])
        except ValueError as exc:
            raise ValueError(f"转账第{number}行：{exc}") from exc
        if fen is None or fen <= 0:
            raise ValueError(f"转账第{number}行金额应大于0")
        lines.append(TransferLine(fen, (match["means"] or "")[:20], (match["account"] or "")[:40], at))
    return lines


def canonical(field: str, value: str) -> str:
    """The comparable form of a field's value; raises ValueError for an unreadable figure."""
    kind = FIELD_KINDS[field]
    value = (value or "").strip()
    if kind == "set":
        return "、".join(sorted(set(split_list(value)), key=str.lower))
    if kind == "money":
        return yuan_text(parse_money_fen(value))
    if kind == "transfers":
        return "\n".join(
            transfer_line(t.amount_fen, t.means, t.to_account, t.at) for t in parse_transfers(value)
        )
    if kind == "datetime":
        return value.replace("T", " ")[:16]
    return value


def corrections_of(machine: dict[str, str], officer: dict[str, str]) -> dict[str, dict[str, str]]:
    """field → {machine, officer} for every field the officer changed (compared canonically)."""
    changed: dict[str, dict[str, str]] = {}
    for field, _, _ in FIELDS:
        if field not in officer:
            continue
        try:
            machine_value = canonical(field, machine.get(field, ""))
        except ValueError:
            machine_value = machine.get(field, "")
        officer_value = canonical(field, officer[field])
        if machine_value != officer_value:
            changed[field] = {"machine": machine.get(field, ""), "officer": officer[field]}
    return changed


# ---------------------------------------------------------------------------------------------
# Plausible case dates: a mistyped year (1920, 2062) would stretch every per-month table of the
# analytics over decades, so such a date is refused instead of stored.

EARLIEST_CASE_DATE = datetime(1990, 1, 1)
DATE_SLACK = timedelta(days=1)
_BEIJING = ZoneInfo("Asia/Shanghai")
DATE_LABELS = {"reported_at": "报案时间", "occurred_at": "发案时间", "occurred_until": "发案时间（止）"}


def _wall_clock(value: datetime) -> datetime:
    """Naive Beijing wall-clock time, so aware and naive values compare."""
    return value.astimezone(_BEIJING).replace(tzinfo=None) if value.tzinfo else value


def case_date_problems(
    now: datetime,
    reported_at: datetime | None = None,
    occurred_at: datetime | None = None,
    occurred_until: datetime | None = None,
) -> dict[str, str]:
    """field → Chinese reason for every case date that cannot be right (empty when all plausible).

    Refused: before 1990-01-01, more than a day after ``now``, or an occurrence more than a day
    after the report. Naive values are Beijing wall-clock time.
    """
    latest = _wall_clock(now) + DATE_SLACK
    values = {"reported_at": reported_at, "occurred_at": occurred_at, "occurred_until": occurred_until}
    problems: dict[str, str] = {}
    for name, value in values.items():
        if value is None:
            continue
        wall = _wall_clock(value)
        label = DATE_LABELS[name]
        if wall < EARLIEST_CASE_DATE:
            problems[name] = f"{label}“{wall:%Y-%m-%d}”早于1990年1月1日，请核对年份"
        elif wall > latest:
            problems[name] = f"{label}“{wall:%Y-%m-%d %H:%M}”晚于当前时间一天以上，请核对年份"
    if reported_at is not None:
        reported = _wall_clock(reported_at)
        for name in ("occurred_at", "occurred_until"):
            value = values[name]
            if name in problems or value is None:
                continue
            if _wall_clock(value) > reported + DATE_SLACK:
                problems[name] = (
                    f"{DATE_LABELS[name]}“{_wall_clock(value):%Y-%m-%d %H:%M}”"
                    f"晚于报案时间“{reported:%Y-%m-%d %H:%M}”一天以上，请核对"
                )
    return problems
