"""Load a generated synthetic county (``fanzha.generator``) into the database.

The generator is pure Python and streams its large tables; this module turns its records into
model rows with bulk inserts, inside one transaction, so a failed load leaves nothing behind.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.apps import apps
from django.db import transaction
from django.db.models import F

from fanzha.cases.linking import identifier_ids
from fanzha.cases.models import Case, CaseIdentifier, MonthlyCrimeTotal, Transfer, Victim
from fanzha.clues.handling import sms_templates
from fanzha.clues.intake import CHUNK, ClueInput, receive_clues
from fanzha.clues.models import Clue, DissuasionAction
from fanzha.domain.clue_rules import reported_fields
from fanzha.domain.masking import mask_name
from fanzha.generator.county import County
from fanzha.generator.records import ClueHandlingRecord
from fanzha.outreach.models import OutreachEvent
from fanzha.ranking.models import AppRegistration
from fanzha.stations.models import Community, Grid, Household, Resident, Station, User

LOCAL = ZoneInfo("Asia/Shanghai")
BATCH = 5000
DEMO_PASSWORD = "Fanzha@2026"

Progress = Callable[[str, int], None]


def aware(moment: datetime) -> datetime:
    """Generator times are naive Asia/Shanghai wall-clock times."""
    return moment.replace(tzinfo=LOCAL)


def load_county(county: County, progress: Progress | None = None) -> dict[str, int]:
    """Insert every table of ``county``; return the number of rows per table."""
    report = progress or (lambda _table, _rows: None)
    counts: dict[str, int] = {}
    with transaction.atomic():
        station = Station.objects.create(code="S01", name=county.station_name)
        communities = Community.objects.bulk_create(
            Community(station=station, code=c.code, name=c.name) for c in county.communities
        )
        community_by_code = {c.code: c for c in communities}
        counts["communities"] = len(communities)

        users = _create_users(county)
        counts["users"] = len(users)
        user_by_name = {u.username: u for u in users}

        grids = Grid.objects.bulk_create(
            Grid(
                community=community_by_code[g.community_code],
                code=g.code,
                name=g.name,
                officer=user_by_name.get(g.officer_username),
                population=g.population,
            )
            for g in county.grids
        )
        grid_by_code = {g.code: g for g in grids}
        counts["grids"] = len(grids)
        for record in county.grids:
            grid = grid_by_code[record.code]
            grid.workers.set([user_by_name[w] for w in record.worker_usernames if w in user_by_name])
        for record_user in county.users:
            user_by_name[record_user.username].grids.set([grid_by_code[c] for c in record_user.grid_codes])

        households = Household.objects.bulk_create(
            (
                Household(code=h.code, address=h.address, grid=grid_by_code[h.grid_code])
                for h in county.households
            ),
            batch_size=BATCH,
        )
        household_id = {h.code: h.pk for h in households}
        counts["households"] = len(households)

        counts["residents"] = 0
        for batch in county.iter_residents(batch_size=BATCH):
            Resident.objects.bulk_create(
                Resident(
                    pk=r.id,
                    name=r.name,
                    id_number=r.id_number,
                    phone=r.phone,
                    address=r.address,
                    household_id=household_id.get(r.household_code),
                    grid=grid_by_code[r.grid_code],
                    birth_date=r.birth_date,
                    sex=r.sex,
                    occupation=r.occupation,
                )
                for r in batch
            )
            counts["residents"] += len(batch)
            report("residents", counts["residents"])

        counts["cases"] = _load_cases(county, grid_by_code)
        report("cases", counts["cases"])

        counts["registrations"] = 0
        for registrations in county.iter_registrations(batch_size=BATCH):
            AppRegistration.objects.bulk_create(
                AppRegistration(day=r.day, resident_id=r.resident_id, grid=grid_by_code[r.grid_code])
                for r in registrations
            )
            counts["registrations"] += len(registrations)
            report("registrations", counts["registrations"])

        counts["outreach_events"] = len(
            OutreachEvent.objects.bulk_create(
                OutreachEvent(
                    day=e.day,
                    grid=grid_by_code[e.grid_code],
                    title=e.title,
                    venue_type=e.venue_type,
                    method=e.method,
                    audience=e.audience,
                    categories=list(e.categories),
                )
                for e in county.outreach_events
            )
        )
        counts["monthly_crime_totals"] = len(
            MonthlyCrimeTotal.objects.bulk_create(
                MonthlyCrimeTotal(month=m.month, criminal_cases=m.criminal_cases)
                for m in county.monthly_crime_totals
            )
        )
        clue_result = receive_clues(_clue_inputs(county))
        counts["clues"] = clue_result.created
        report("clues", counts["clues"])
        counts["dissuasion_actions"] = _apply_handling(county, user_by_name, station.name)
        report("dissuasion_actions", counts["dissuasion_actions"])
        if county.reminders is not None and apps.is_installed("fanzha.reminders"):
            from fanzha.reminders.history import load_generated

            counts.update(load_generated(county.reminders, user_by_name, grid_by_code))
            report("reminder_recipients", counts["reminder_recipients"])
    return counts


def _create_users(county: County) -> list[User]:
    prototype = User(username="_")
    prototype.set_password(DEMO_PASSWORD)  # hash once: argon2 is slow on purpose
    return User.objects.bulk_create(
        User(
            username=u.username,
            full_name=u.full_name,
            first_name=u.full_name,
            role=u.role,
            password=prototype.password,
            is_staff=u.role == "admin",
            is_superuser=u.role == "admin",
        )
        for u in county.users
    )


def _load_cases(county: County, grid_by_code: dict[str, Grid]) -> int:
    cases = Case.objects.bulk_create(
        (
            Case(
                case_no=c.case_no,
                reported_at=aware(c.reported_at),
                occurred_at=aware(c.occurred_at),
                narrative=c.narrative,
                status=Case.Status.CONFIRMED,
                category=c.category,
                lure=c.lure or "",
                channel=c.channel,
                grid=grid_by_code.get(c.grid_code),
                loss_fen=c.loss_fen,
                loss_max_fen=c.loss_fen,
                solved=c.solved,
                recovered_fen=c.recovered_fen,
            )
            for c in county.cases
        ),
        batch_size=BATCH,
    )
    residents = Resident.objects.in_bulk([c.victim_resident_id for c in county.cases])
    victims: list[Victim] = []
    transfers: list[Transfer] = []
    links: list[tuple[Case, str, str]] = []
    for case, record in zip(cases, county.cases, strict=True):
        resident = residents.get(record.victim_resident_id)
        if resident is not None:
            victims.append(Victim.of_resident(case, resident, record.reported_at.date()))
        transfers.extend(
            Transfer(
                case=case,
                seq=i,
                at=aware(t.at),
                amount_fen=t.amount_fen,
                means=t.means,
                to_account=t.to_account,
            )
            for i, t in enumerate(record.transfers, start=1)
        )
        links.extend((case, i.kind, i.value) for i in record.identifiers)
    Victim.objects.bulk_create(victims, batch_size=BATCH)
    Transfer.objects.bulk_create(transfers, batch_size=BATCH)
    identifier_id = identifier_ids(((kind, value) for _, kind, value in links), batch_size=BATCH)
    CaseIdentifier.objects.bulk_create(
        (
            CaseIdentifier(case=case, identifier_id=identifier_id[(k, v)])
            for case, k, v in links
            if (k, v) in identifier_id
        ),
        batch_size=BATCH,
        ignore_conflicts=True,
    )
    return len(cases)


def _clue_inputs(county: County) -> Iterable[ClueInput]:
    for c in county.clues:
        yield ClueInput(
            source=c.source,
            source_id=c.source_id,
            received_at=aware(c.received_at),
            **reported_fields(c),
            amount_fen=c.amount_fen,
        )


def _apply_handling(county: County, user_by_name: dict[str, User], station_name: str) -> int:
    """Write the station's past work on the clues: actions in bulk, then the clues' first
    contact, status, outcome, escalation, closing and case in one bulk update.

    Only clues intake dispatched are touched (a clue merged or queued is left as it is, so a
    generator and intake that disagree never overwrite a merge). Returns the actions inserted."""
    records = {(h.source, h.source_id): h for h in county.clue_handling}
    if not records:
        return 0
    source_ids = sorted({sid for _, sid in records})
    clues: list[Clue] = []
    for start in range(0, len(source_ids), CHUNK):
        clues.extend(
            Clue.objects.filter(
                source_id__in=source_ids[start : start + CHUNK], status=Clue.Status.DISPATCHED
            )
        )
    case_nos = sorted({h.case_no for h in records.values() if h.case_no})
    case_id: dict[str, int] = {}
    for start in range(0, len(case_nos), CHUNK):
        case_id.update(
            Case.objects.filter(case_no__in=case_nos[start : start + CHUNK]).values_list("case_no", "id")
        )
    templates = sms_templates()
    actions: list[DissuasionAction] = []
    changed: list[Clue] = []
    for clue in clues:
        record = records.get((clue.source, clue.source_id))
        if record is None:
            continue
        for a in record.actions:
            by = user_by_name.get(a.by_username)
            sms = ""
            if a.kind == DissuasionAction.Kind.SMS:
                template = templates.get(clue.suspected_category, templates["default"])
                sms = template.format(
                    station=station_name,
                    identifier=clue.fraud_identifier or "—",
                    name=mask_name(clue.target_name),
                )
            actions.append(
                DissuasionAction(
                    clue=clue,
                    at=aware(a.at),
                    kind=a.kind,
                    reached=a.reached,
                    note=a.note,
                    by=by,
                    sms_text=sms,
                )
            )
        _set_handled_state(clue, record, case_id)
        changed.append(clue)
    DissuasionAction.objects.bulk_create(actions, batch_size=BATCH)
    # recorded_at is auto_now_add; the history was entered when it happened, not at load time.
    created = [a.pk for a in actions if a.pk is not None]
    for start in range(0, len(created), CHUNK):
        DissuasionAction.objects.filter(pk__in=created[start : start + CHUNK]).update(recorded_at=F("at"))
    Clue.objects.bulk_update(
        changed,
        ["first_contact_at", "status", "outcome", "closed_at", "escalated_at", "escalation_reason", "case"],
        batch_size=BATCH,
    )
    return len(actions)


def _set_handled_state(clue: Clue, record: ClueHandlingRecord, case_id: dict[str, int]) -> None:
    first = record.first_contact_at
    clue.first_contact_at = aware(first) if first else None
    if record.escalated_at is not None:
        clue.escalated_at = aware(record.escalated_at)
        clue.escalation_reason = "民警反馈无法联系"
    if record.outcome:
        clue.status = Clue.Status.CLOSED
        clue.outcome = record.outcome
        clue.closed_at = aware(record.closed_at) if record.closed_at else None
        clue.case_id = case_id.get(record.case_no) if record.case_no else None
    elif record.escalated_at is not None:
        clue.status = Clue.Status.ESCALATED
    elif record.actions:
        clue.status = Clue.Status.IN_PROGRESS


def manifest_dates(truth: dict[str, Any]) -> dict[str, Any]:
    """JSON-safe copy of the generator's truth (dates as ISO strings)."""

    def convert(value: Any) -> Any:
        if isinstance(value, date | datetime):
            return value.isoformat()
        if isinstance(value, dict):
            return {str(k): convert(v) for k, v in value.items()}
        if isinstance(value, list | tuple | set):
            return [convert(v) for v in value]
        return value

    return dict(convert(truth))
