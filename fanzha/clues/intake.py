"""Receiving warning clues: idempotent by (source, source id), matched to a resident and grid,
graded, given a deadline and dispatched to the grid's officer. A clue that cannot be matched is
kept in the command room's queue with the reason; nothing received is dropped."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

from django.db import transaction

from fanzha.cases.models import Identifier
from fanzha.clues.models import Clue
from fanzha.stations.models import Resident

RULES_FILE = Path(__file__).resolve().parent.parent / "data" / "clues" / "grading.json"
GRADE_ORDER = {"yellow": 0, "orange": 1, "red": 2}


@cache
def grading_rules() -> dict[str, Any]:
    rules: dict[str, Any] = json.loads(RULES_FILE.read_text(encoding="utf-8"))
    return rules


@dataclass(frozen=True)
class ClueInput:
    source: str
    source_id: str
    received_at: datetime
    target_name: str = ""
    target_phone: str = ""
    target_id_number: str = ""
    target_address: str = ""
    kind: str = ""
    fraud_identifier: str = ""
    suspected_category: str = ""
    amount_fen: int | None = None
    raw: dict[str, Any] = field(default_factory=dict)


@dataclass
class IntakeResult:
    created: int = 0
    duplicates: int = 0
    matched: int = 0
    queued: int = 0
    merged: int = 0


def grade_clue(
    clue: ClueInput, resident: Resident | None, seen_in_cases: bool, repeats: int
) -> tuple[str, list[str]]:
    """Return the grade (red/orange/yellow) and the reasons, in Chinese, that set it."""
    rules = grading_rules()
    kind_rule = rules["kinds"].get(clue.kind)
    grade = kind_rule["base_grade"] if kind_rule else rules["default_grade"]
    reasons = [f"线索类型：{clue.kind or '未注明'}"]

    def raise_to(target: str, reason: str) -> None:
        nonlocal grade
        if GRADE_ORDER[target] > GRADE_ORDER[grade]:
            grade = target
        reasons.append(reason)

    if clue.amount_fen is not None:
        if clue.amount_fen >= rules["red_amount_yuan"] * 100:
            raise_to("red", f"涉及金额 {clue.amount_fen // 100} 元")
        elif clue.amount_fen >= rules["orange_amount_yuan"] * 100:
            raise_to("orange", f"涉及金额 {clue.amount_fen // 100} 元")
    if resident is not None:
        age = resident.age_on(clue.received_at.date())
        if age is not None and age >= rules["elderly_age"]:
            raise_to("orange", f"对象年龄 {age} 岁")
    if seen_in_cases:
        raise_to("red", "涉诈标识曾出现在本所案件中")
    if repeats >= rules["repeat_contacts"]:
        raise_to("orange", f"同一对象近期第 {repeats + 1} 次被预警")
    return grade, reasons


def receive_clues(inputs: Iterable[ClueInput], merge_window: timedelta = timedelta(days=7)) -> IntakeResult:
    """Store, match, grade and dispatch clues; all or nothing per call."""
    result = IntakeResult()
    deadlines = grading_rules()["deadline_minutes"]
    batch = list(inputs)
    existing = set(
        Clue.objects.filter(source_id__in=[c.source_id for c in batch]).values_list("source", "source_id")
    )
    by_id = Resident.objects.select_related("grid__officer").in_bulk(
        [c.target_id_number for c in batch if c.target_id_number], field_name="id_number"
    )
    by_phone: dict[str, Resident] = {}
    for candidate in Resident.objects.select_related("grid__officer").filter(
        phone__in=[c.target_phone for c in batch if c.target_phone]
    ):
        by_phone.setdefault(candidate.phone, candidate)
    known_identifiers = set(
        Identifier.objects.filter(
            value__in=[c.fraud_identifier for c in batch if c.fraud_identifier]
        ).values_list("value", flat=True)
    )
    with transaction.atomic():
        for clue in sorted(batch, key=lambda c: c.received_at):
            if (clue.source, clue.source_id) in existing:
                result.duplicates += 1
                continue
            existing.add((clue.source, clue.source_id))
            resident, method, confidence = _match(clue, by_id, by_phone)
            earlier = (
                Clue.objects.filter(
                    resident=resident,
                    received_at__gte=clue.received_at - merge_window,
                    received_at__lte=clue.received_at,
                    merged_into__isnull=True,
                )
                if resident is not None
                else Clue.objects.none()
            )
            same_identifier = (
                earlier.filter(fraud_identifier=clue.fraud_identifier).first()
                if clue.fraud_identifier
                else None
            )
            grade, reasons = grade_clue(
                clue, resident, clue.fraud_identifier in known_identifiers, earlier.count()
            )
            row = Clue(
                source=clue.source,
                source_id=clue.source_id,
                received_at=clue.received_at,
                target_name=clue.target_name,
                target_phone=clue.target_phone,
                target_id_number=clue.target_id_number,
                target_address=clue.target_address,
                kind=clue.kind,
                fraud_identifier=clue.fraud_identifier,
                suspected_category=clue.suspected_category,
                amount_fen=clue.amount_fen,
                raw=clue.raw,
                grade=grade,
                grade_reasons=reasons,
            )
            if same_identifier is not None:
                # Keep both records; the later one points at the clue already being worked.
                row.status = Clue.Status.MERGED
                row.merged_into = same_identifier
                row.resident, row.grid = resident, same_identifier.grid
                result.merged += 1
                result.duplicates += 1
                row.save()
                continue
            elif resident is None:
                row.status = Clue.Status.QUEUED
                row.queue_reason = method
                result.queued += 1
            else:
                row.resident, row.grid = resident, resident.grid
                row.match_method, row.match_confidence = method, confidence
                row.officer = resident.grid.officer
                row.status = Clue.Status.DISPATCHED
                row.deadline = clue.received_at + timedelta(minutes=deadlines[grade])
                result.matched += 1
            row.save()
            result.created += 1
    return result


def _match(
    clue: ClueInput, by_id: dict[str, Resident], by_phone: dict[str, Resident]
) -> tuple[Resident | None, str, float]:
    if clue.target_id_number and clue.target_id_number in by_id:
        return by_id[clue.target_id_number], "身份证号", 1.0
    if clue.target_phone and clue.target_phone in by_phone:
        return by_phone[clue.target_phone], "手机号", 0.95
    if not clue.target_id_number and not clue.target_phone:
        return None, "缺少身份证号和手机号", 0.0
    return None, "身份证号、手机号均未匹配到本辖区居民", 0.0
