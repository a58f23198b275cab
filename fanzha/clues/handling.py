"""Working a clue after dispatch: dissuasion actions, closing with an outcome, hand matching of
queued clues, and escalation of overdue ones. Pages, the API and the CLI call these functions.

Concurrency: an action is an inserted row, never a field overwritten, so two officers recording at
once both keep theirs; status changes use conditional updates or ``select_for_update`` so the
first close wins and the second is told the clue is already closed. Every state change writes
the audit log.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any

from django.db import transaction
from django.db.models import Case as SqlCase
from django.db.models import DateTimeField, ExpressionWrapper, F, IntegerField, Q, QuerySet, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone

from fanzha.cases.models import Case, CaseIdentifier, Identifier, Victim
from fanzha.clues.intake import GRADE_ORDER, age_on, deadline_minutes, grade_clue, identifier_kind
from fanzha.clues.intake import ClueInput as _ClueInput
from fanzha.clues.models import Clue, DissuasionAction
from fanzha.domain.masking import mask_name
from fanzha.domain.person_matching import FuzzyMatch, PersonCandidate, normalise_name, score_candidate
from fanzha.stations import audit
from fanzha.stations.models import AuditLog, Resident, Station, User

SMS_FILE = Path(__file__).resolve().parent.parent / "data" / "clues" / "sms_templates.json"
OPEN_STATUSES = (Clue.Status.DISPATCHED, Clue.Status.IN_PROGRESS, Clue.Status.ESCALATED)
CLOSABLE_STATUSES = (*OPEN_STATUSES, Clue.Status.QUEUED)


class ClueStateError(Exception):
    """The clue is not in a state that allows this; the message is shown to the user (Chinese)."""


def in_work_order(clues: QuerySet[Clue]) -> QuerySet[Clue]:
    """Nearest deadline first, then the graver grade, then the oldest. A clue still waiting for a
    person to match it has no deadline yet; it is due when its grade's time limit, counted from
    receipt, runs out (annotated as ``due_at``), so a red clue received an hour ago comes before a
    yellow one received yesterday morning."""
    due_by_grade = SqlCase(
        *(
            When(
                grade=grade,
                then=ExpressionWrapper(
                    F("received_at") + timedelta(minutes=deadline_minutes(grade)),
                    output_field=DateTimeField(),
                ),
            )
            for grade in GRADE_ORDER
        ),
        default=F("received_at"),
        output_field=DateTimeField(),
    )
    graver_first = SqlCase(
        *(When(grade=grade, then=Value(-rank)) for grade, rank in GRADE_ORDER.items()),
        default=Value(1),
        output_field=IntegerField(),
    )
    return clues.annotate(due_at=Coalesce("deadline", due_by_grade), grade_rank=graver_first).order_by(
        "due_at", "grade_rank", "received_at", "pk"
    )


@cache
def sms_templates() -> dict[str, str]:
    data: dict[str, str] = json.loads(SMS_FILE.read_text(encoding="utf-8"))
    return {k: v for k, v in data.items() if not k.startswith("_")}


def sms_text(clue: Clue) -> str:
    """The dissuasion SMS for the clue's suspected category (the default template otherwise)."""
    templates = sms_templates()
    template = templates.get(clue.suspected_category, templates["default"])
    station = Station.objects.values_list("name", flat=True).first() or "反诈中心"
    return template.format(
        station=station, identifier=clue.fraud_identifier or "—", name=mask_name(clue.target_name)
    )


def _audit(user: User | None, clue: Clue, reason: str, detail: dict[str, Any]) -> None:
    audit.record(user, AuditLog.Action.CHANGE, clue, reason=reason, detail=detail)


def record_action(
    clue_id: int,
    user: User | None,
    kind: str,
    *,
    at: datetime | None = None,
    reached: bool | None = None,
    note: str = "",
    sms: str = "",
) -> DissuasionAction:
    """Add one action; the first one sets the time of first contact and starts the work."""
    if kind not in DissuasionAction.Kind.values:
        raise ClueStateError(f"未知的处置方式：{kind}")
    moment = at or timezone.now()
    with transaction.atomic():
        status = Clue.objects.filter(pk=clue_id).values_list("status", flat=True).first()
        if status is None:
            raise ClueStateError("线索不存在")
        if status not in OPEN_STATUSES:
            raise ClueStateError(f"线索当前状态为“{Clue.Status(status).label}”，不能再记录处置")
        action = DissuasionAction.objects.create(
            clue_id=clue_id, at=moment, kind=kind, reached=reached, note=note, by=user, sms_text=sms
        )
        Clue.objects.filter(pk=clue_id).filter(
            Q(first_contact_at__isnull=True) | Q(first_contact_at__gt=moment)
        ).update(first_contact_at=moment)
        started = Clue.objects.filter(pk=clue_id, status=Clue.Status.DISPATCHED).update(
            status=Clue.Status.IN_PROGRESS
        )
        clue = Clue.objects.get(pk=clue_id)
        _audit(
            user,
            clue,
            f"记录劝阻：{DissuasionAction.Kind(kind).label}",
            {
                "action_id": action.pk,
                "kind": kind,
                "reached": reached,
                **({"status": [Clue.Status.DISPATCHED, Clue.Status.IN_PROGRESS]} if started else {}),
            },
        )
    return action


def close_clue(clue_id: int, user: User | None, outcome: str, note: str = "", handed_to: str = "") -> Clue:
    """Close with an outcome. 无法联系 escalates to the command room first (closing it there
    ends it); 已被骗 opens a draft case prefilled from the clue; 非本辖区，已移交 (a person who
    does not live here, typically an unmatched clue) needs ``handed_to``, the receiving station
    or unit, which is kept on the clue."""
    if not outcome:
        raise ClueStateError("办结必须选择处置结果")
    if outcome not in Clue.Outcome.values:
        raise ClueStateError(f"未知的处置结果：{outcome}")
    handed_to = handed_to.strip()
    if outcome == Clue.Outcome.HANDED_OVER and not handed_to:
        raise ClueStateError("移交须填写接收单位（如：某某县公安局某某派出所）")
    now = timezone.now()
    with transaction.atomic():
        clue = Clue.objects.select_for_update().get(pk=clue_id)
        before = clue.status
        if before not in CLOSABLE_STATUSES:
            raise ClueStateError(f"线索当前状态为“{clue.get_status_display()}”，不能办结")
        clue.outcome = outcome
        if outcome == Clue.Outcome.UNREACHABLE and before != Clue.Status.ESCALATED:
            clue.status = Clue.Status.ESCALATED
            clue.escalated_at = now
            clue.escalation_reason = "民警反馈无法联系" + (f"：{note}" if note else "")
        else:
            clue.status = Clue.Status.CLOSED
            clue.closed_at = now
        if outcome == Clue.Outcome.CHEATED and clue.case_id is None:
            clue.case = create_case_from_clue(clue, user)
        clue.handed_to = handed_to if outcome == Clue.Outcome.HANDED_OVER else ""
        clue.save()
        _audit(
            user,
            clue,
            f"办结线索：{Clue.Outcome(outcome).label}" + (f"（移交{handed_to}）" if clue.handed_to else ""),
            {
                "status": [before, clue.status],
                "outcome": outcome,
                "note": note,
                "case_id": clue.case_id,
                **({"handed_to": clue.handed_to} if clue.handed_to else {}),
            },
        )
    return clue


def create_case_from_clue(clue: Clue, user: User | None) -> Case:
    """A draft case with the clue's facts and the matched resident as victim, for an investigator
    to complete. The narrative says where it came from; nothing is invented."""
    local = timezone.localtime(clue.received_at)
    narrative = (
        f"由预警线索转立：{local:%Y年%m月%d日%H时%M分}接{clue.source}预警（编号{clue.source_id}），"
        f"对象{clue.target_name or '未知'}，线索类型：{clue.kind or '未注明'}"
        + (f"，涉诈标识：{clue.fraud_identifier}" if clue.fraud_identifier else "")
        + (f"，疑似{clue.suspected_category}" if clue.suspected_category else "")
        + (f"，涉及金额{clue.amount_fen / 100:.2f}元" if clue.amount_fen else "")
        + "。民警劝阻时对象已被骗，待补充案情。"
    )
    case = Case.objects.create(
        case_no=f"YJ{timezone.localtime():%Y%m%d}-{clue.pk}",
        reported_at=timezone.now(),
        narrative=narrative,
        status=Case.Status.DRAFT,
        category=clue.suspected_category,
        grid=clue.grid,
        loss_fen=clue.amount_fen,
        loss_max_fen=clue.amount_fen,
        created_by=user,
        draft={"from_clue": clue.pk},
    )
    resident = clue.resident
    if resident is not None:
        Victim.from_resident(case, resident, timezone.localdate(case.reported_at)).save()
    else:
        Victim.objects.create(
            case=case,
            name=clue.target_name or "未知",
            id_number=clue.target_id_number,
            phone=clue.target_phone,
        )
    kind = identifier_kind(clue.kind)
    if clue.fraud_identifier and kind:
        identifier, _ = Identifier.objects.get_or_create(kind=kind, value=clue.fraud_identifier)
        CaseIdentifier.objects.get_or_create(case=case, identifier=identifier, defaults={"source": "clue"})
    audit.record(user, AuditLog.Action.CREATE, case, reason=f"预警线索 {clue.pk} 转立案件（待确认）")
    return case


def escalate_overdue(now: datetime | None = None) -> int:
    """Escalate dispatched clues nobody has contacted by their deadline; return how many.

    Safe to call often (page loads of the command room, a cron job): the conditional update only
    touches clues still dispatched, so two calls at once never escalate one clue twice.
    """
    moment = now or timezone.now()
    due = list(
        Clue.objects.filter(
            status=Clue.Status.DISPATCHED, deadline__lt=moment, first_contact_at__isnull=True
        ).values_list("pk", flat=True)
    )
    escalated: list[int] = []
    for start in range(0, len(due), 900):
        part = due[start : start + 900]
        with transaction.atomic():
            ids = list(
                Clue.objects.select_for_update()
                .filter(pk__in=part, status=Clue.Status.DISPATCHED)
                .values_list("pk", flat=True)
            )
            Clue.objects.filter(pk__in=ids, status=Clue.Status.DISPATCHED).update(
                status=Clue.Status.ESCALATED, escalated_at=moment, escalation_reason="超过处置时限未联系"
            )
            AuditLog.objects.bulk_create(
                AuditLog(
                    username="系统",
                    action=AuditLog.Action.CHANGE,
                    object_type=Clue._meta.label,
                    object_id=str(pk),
                    reason="超时升级至指挥室",
                    detail={"status": [Clue.Status.DISPATCHED, Clue.Status.ESCALATED]},
                )
                for pk in ids
            )
            escalated.extend(ids)
    return len(escalated)


@dataclass(frozen=True)
class Suggestion:
    resident: Resident
    score: FuzzyMatch


def suggest_residents(clue: Clue, limit: int = 8) -> list[Suggestion]:
    """Residents a person matching a queued clue by hand should look at first, best first."""
    name = normalise_name(clue.target_name)
    query = Q(pk__in=[])
    if name:
        query |= Q(name=name)
        if len(name) >= 2:
            query |= Q(name__startswith=name[0], address=clue.target_address)
    if clue.target_address:
        query |= Q(address=clue.target_address)
    if clue.target_phone:
        query |= Q(phone=clue.target_phone)
    if clue.target_id_number:
        query |= Q(id_number=clue.target_id_number)
    residents = list(Resident.objects.select_related("grid").filter(query)[:200])
    scored = [
        Suggestion(
            r,
            score_candidate(clue.target_name, clue.target_address, PersonCandidate(r.pk, r.name, r.address)),
        )
        for r in residents
    ]
    scored.sort(key=lambda s: s.score.confidence, reverse=True)
    return scored[:limit]


def assign_by_hand(clue_id: int, user: User | None, resident_id: int, note: str = "") -> Clue:
    """Match a queued (or escalated) clue to a resident chosen by a person and dispatch it; the
    deadline starts now, since the officer hears of it only now. Merged clues follow."""
    now = timezone.now()
    with transaction.atomic():
        clue = Clue.objects.select_for_update().get(pk=clue_id)
        if clue.status not in (Clue.Status.QUEUED, Clue.Status.ESCALATED, Clue.Status.DISPATCHED):
            raise ClueStateError(f"线索当前状态为“{clue.get_status_display()}”，不能重新匹配")
        resident = Resident.objects.select_related("grid").get(pk=resident_id)
        before = clue.status
        grade, reasons = grade_clue(
            _ClueInput(
                source=clue.source,
                source_id=clue.source_id,
                received_at=clue.received_at,
                kind=clue.kind,
                amount_fen=clue.amount_fen,
            ),
            age_on(resident.birth_date, clue.received_at.date()),
            bool(clue.fraud_identifier) and Identifier.objects.filter(value=clue.fraud_identifier).exists(),
            0,
        )
        clue.resident, clue.grid = resident, resident.grid
        clue.officer_id = resident.grid.officer_id
        clue.match_method, clue.match_confidence = "人工", 1.0
        clue.grade, clue.grade_reasons = grade, [*reasons, "人工匹配" + (f"：{note}" if note else "")]
        clue.status = Clue.Status.DISPATCHED
        clue.deadline = now + timedelta(minutes=deadline_minutes(grade))
        clue.queue_reason = ""
        clue.save()
        Clue.objects.filter(merged_into=clue).update(resident=resident, grid=resident.grid)
        _audit(
            user,
            clue,
            "人工匹配并下发",
            {
                "status": [before, clue.status],
                "resident_id": resident.pk,
                "grid": resident.grid.code,
                "note": note,
            },
        )
    return clue
