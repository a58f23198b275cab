"""Report → case: saving a confirmed case with its verbatim narrative, the machine draft and the
officer's corrections; category overrides; case numbers; the agreement between drafts and
confirmed cases; confirmed cases as classifier training rows.

Pages, the import and the API call these functions; nothing here depends on a request except the
optional one passed through to the audit log.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone

from fanzha.cases import drafting
from fanzha.cases.linking import identifiers_from_fields, link_identifiers
from fanzha.cases.models import Case, CategoryOverride, Transfer, Victim
from fanzha.stations import audit
from fanzha.stations.models import AuditLog, Grid, Resident, Station, User

Actor = HttpRequest | User | None


def report_fingerprint(reported_at: datetime, narrative: str) -> str:
    """The natural key of a report without a case number: reported minute (Shanghai) + narrative."""
    local = timezone.localtime(reported_at) if timezone.is_aware(reported_at) else reported_at
    text = " ".join(narrative.split())
    return hashlib.sha256(f"{local:%Y-%m-%d %H:%M}\n{text}".encode()).hexdigest()


def _station_code(grid: Grid | None) -> str:
    if grid is not None:
        return grid.community.station.code
    station = Station.objects.order_by("pk").first()
    return station.code if station else "00"


def next_case_no(grid: Grid | None, reported_at: datetime) -> str:
    """A + station code + report date + three-digit sequence of that station and day."""
    day = timezone.localtime(reported_at) if timezone.is_aware(reported_at) else reported_at
    prefix = f"A{_station_code(grid)}{day:%Y%m%d}"
    taken = Case.objects.filter(case_no__startswith=prefix).values_list("case_no", flat=True)
    numbers = [int(no[len(prefix) :]) for no in taken if no[len(prefix) :].isdigit()]
    return f"{prefix}{max(numbers, default=0) + 1:03d}"


def _aware(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value if timezone.is_aware(value) else timezone.make_aware(value)


def _parse_minute(value: str) -> datetime | None:
    value = drafting.canonical("occurred_at", value)
    if not value:
        return None
    return _aware(datetime.strptime(value, "%Y-%m-%d %H:%M"))


@dataclass(frozen=True)
class VictimInfo:
    name: str
    resident: Resident | None = None


def apply_fields(case: Case, fields: dict[str, str], victim: VictimInfo) -> None:
    """Write the confirmed fields into the case and its victims, transfers and identifiers."""
    case.occurred_at = _parse_minute(fields.get("occurred_at", ""))
    case.occurred_until = _parse_minute(fields.get("occurred_until", ""))
    case.loss_fen = drafting.parse_money_fen(fields.get("loss_yuan", ""))
    case.loss_max_fen = drafting.parse_money_fen(fields.get("loss_max_yuan", "")) or case.loss_fen
    if case.loss_fen is not None and case.loss_max_fen is not None and case.loss_max_fen < case.loss_fen:
        case.loss_max_fen = case.loss_fen  # the officer raised the lower bound and left the upper
    channels = drafting.split_list(fields.get("channels", ""))
    case.channel = channels[0][:40] if channels else ""
    tags = drafting.split_list(fields.get("tags", ""))
    case.tags = tags
    classification = (case.draft or {}).get("classification") or {}
    lures = [t for t in tags if t in set(classification.get("lures", []))] or channels[:1]
    case.lure = "、".join(lures)[:40]
    case.save()
    case.transfers.all().delete()
    Transfer.objects.bulk_create(
        Transfer(
            case=case,
            seq=i,
            amount_fen=t.amount_fen,
            means=t.means,
            to_account=t.to_account,
            at=_aware(t.at) if t.at else None,
        )
        for i, t in enumerate(drafting.parse_transfers(fields.get("transfers", "")), start=1)
    )
    case.victims.all().delete()
    resident = victim.resident
    if resident is not None:
        Victim.from_resident(case, resident, timezone.localdate(case.reported_at)).save()
    elif victim.name:
        Victim.objects.create(case=case, name=victim.name[:50])
    link_identifiers(case, identifiers_from_fields(fields))


def _record_category(case: Case, category: str, by: User | None, reason: str = "") -> CategoryOverride | None:
    """Set the category; keep a history row when a person departs from the machine or re-files."""
    previous = case.category
    if category == previous:
        return None
    case.category = category
    case.save(update_fields=["category"])
    classification = (case.draft or {}).get("classification") or {}
    machine = classification.get("category", "")
    if not previous and category == machine:
        return None  # the officer accepted the machine's category: nothing was overridden
    return CategoryOverride.objects.create(
        case=case,
        previous=previous,
        machine=machine,
        machine_confidence=classification.get("confidence"),
        category=category,
        reason=reason[:200],
        by=by,
    )


def _user_of(actor: Actor) -> User | None:
    if isinstance(actor, HttpRequest):
        return actor.user if isinstance(actor.user, User) else None
    return actor


def create_case(
    *,
    narrative: str,
    reported_at: datetime,
    draft: dict[str, Any],
    fields: dict[str, str],
    grid: Grid | None,
    actor: Actor,
    victim: VictimInfo | None = None,
    category_reason: str = "",
) -> Case:
    """Save a case an officer confirmed on the new-case page.

    ``draft`` is the machine's (``drafting.make_draft``), ``fields`` what the officer confirmed;
    the fields that differ are stored as ``corrections``. Creation is audit-logged.
    """
    user = _user_of(actor)
    reported_at = _aware(reported_at) or timezone.now()
    corrections = drafting.corrections_of(draft.get("fields", {}), fields)
    for attempt in range(5):
        try:
            with transaction.atomic():
                case = Case.objects.create(
                    case_no=next_case_no(grid, reported_at),
                    reported_at=reported_at,
                    narrative=narrative,
                    draft=draft,
                    corrections=corrections,
                    status=Case.Status.CONFIRMED,
                    grid=grid,
                    created_by=user,
                    fingerprint=report_fingerprint(reported_at, narrative),
                    source="intake",
                    category_confidence=(draft.get("classification") or {}).get("confidence"),
                )
                apply_fields(case, fields, victim or VictimInfo(fields.get("victim_name", "")))
                _record_category(case, fields.get("category", ""), user, category_reason)
                audit.record(
                    actor,
                    AuditLog.Action.CREATE,
                    case,
                    reason="新建案件",
                    detail={
                        "case_no": case.case_no,
                        "corrected": sorted(corrections),
                        "category": case.category,
                    },
                )
                return case
        except IntegrityError:
            if attempt == 4:
                raise  # two officers numbering the same day at once: retry with the next number
    raise AssertionError("unreachable")


def confirm_case(
    case: Case,
    *,
    fields: dict[str, str],
    actor: Actor,
    victim: VictimInfo | None = None,
    grid: Grid | None = None,
) -> Case:
    """An officer confirms or corrects a case's fields (an imported draft, or a confirmed case again).

    Corrections are always measured against the machine draft, so the agreement figures stay honest.
    """
    user = _user_of(actor)
    with transaction.atomic():
        before = {"status": case.status, "category": case.category, "grid": case.grid_id}
        case.corrections = drafting.corrections_of((case.draft or {}).get("fields", {}), fields)
        case.status = Case.Status.CONFIRMED
        if grid is not None:
            case.grid = grid
        apply_fields(case, fields, victim or VictimInfo(fields.get("victim_name", "")))
        _record_category(case, fields.get("category", ""), user)
        audit.record(
            actor,
            AuditLog.Action.CHANGE,
            case,
            reason="确认/更正案件信息",
            detail={"before": before, "corrected": sorted(case.corrections), "category": case.category},
        )
    return case


def override_category(
    case: Case, category: str, *, actor: Actor, reason: str = ""
) -> CategoryOverride | None:
    """An officer files the case under another category; the history keeps who, when and why."""
    user = _user_of(actor)
    with transaction.atomic():
        previous = case.category
        override = _record_category(case, category, user, reason)
        if override is not None or previous != category:
            audit.record(
                actor,
                AuditLog.Action.CHANGE,
                case,
                reason=reason or "更改案件类别",
                detail={"category": {"before": previous, "after": category}},
            )
    return override


@dataclass(frozen=True)
class FieldAgreement:
    field: str
    label: str
    n: int
    agreed: int

    @property
    def rate(self) -> float | None:
        return self.agreed / self.n if self.n else None


@dataclass(frozen=True)
class AgreementReport:
    cases: int  # confirmed cases that have a machine draft
    untouched: int  # of those, confirmed without any correction
    fields: list[FieldAgreement]


def field_agreement(cases: QuerySet[Case]) -> AgreementReport:
    """Per field: how many confirmed cases had a machine draft (n) and in how many the officer
    kept the machine's value (agreed). Two queries whatever the number of cases."""
    confirmed = cases.filter(status=Case.Status.CONFIRMED, draft__has_key="fields")
    n = confirmed.count()
    changed: dict[str, int] = dict.fromkeys(drafting.FIELD_LABELS, 0)
    untouched = 0
    for corrections in confirmed.values_list("corrections", flat=True):
        if not corrections:
            untouched += 1
        for name in corrections or {}:
            if name in changed:
                changed[name] += 1
    fields = [FieldAgreement(name, label, n, n - changed[name]) for name, label, _ in drafting.FIELDS]
    return AgreementReport(n, untouched, fields)


def classification_training_rows(*, people_only: bool = True) -> Iterator[tuple[str, str]]:
    """``(narrative, category)`` of every confirmed case whose category is one of the taxonomy's,
    for ``scripts/train_classifier.py``. With ``people_only`` (the default) only cases entered,
    imported or re-filed by a person count: the synthetic county's cases are the generator's own
    narratives, which the training script reads directly. Needs Django set up (``open_station``)."""
    from fanzha.domain.taxonomy import load_taxonomy

    names = set(load_taxonomy().category_names)
    queryset = Case.objects.filter(status=Case.Status.CONFIRMED, category__in=names).exclude(narrative="")
    if people_only:
        queryset = queryset.filter(created_by__isnull=False) | queryset.filter(
            category_overrides__isnull=False
        )
    yield from queryset.distinct().order_by("pk").values_list("narrative", "category").iterator()
