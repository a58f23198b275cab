"""Importing the national anti-fraud app's registration exports, and door-visit registrations.

Two shapes of export are understood (headers in ``fanzha/data/ranking/import_columns.json``):
one row per registered person (ID number or phone, registration date) or one row per grid and
day with a count. Importing the same file again changes nothing (the file's sha256 is kept);
a person registers once whatever the number of files naming them; a grid's count for a day is
replaced, never added to. Rows naming an unknown grid or person, or without a readable date,
are stored as :class:`RejectedRegistrationRow`, reported, and not counted.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import date

from django.db import transaction

from fanzha.domain import tabular
from fanzha.domain.tabular import ImportReport, Reject, TableRow
from fanzha.domain.values.id_number import normalise_id_number
from fanzha.domain.values.phone import normalise_phone
from fanzha.errors import UserFacingError
from fanzha.ranking.models import (
    AppRegistration,
    GridDailyCount,
    RegistrationImport,
    RejectedRegistrationRow,
)
from fanzha.ranking.services.figures import today
from fanzha.stations.models import Grid, Resident, User

logger = logging.getLogger(__name__)

CHUNK = 2000

#: The registration export, declared: header synonyms in ``fanzha/data/ranking/import_columns.json``.
REGISTRATION_TABLE = tabular.TableSpec(
    name="registrations",
    synonyms_file="ranking/import_columns.json",
    columns=(
        tabular.Column("day", "注册日期", "day"),
        tabular.Column("count", "注册数", "count", unreadable="注册数“{text}”不是非负整数"),
    ),
)


def summary(report: ImportReport, kind: str) -> dict[str, object]:
    """The import's counts as the page, the audit log and the API name them."""
    return {
        "file": report.file,
        "kind": kind,
        "already_imported": report.already_imported,
        "rows": report.rows,
        "added": report.created,
        "updated": report.updated,
        "unchanged": report.duplicates,
        "rejected": len(report.rejected),
    }


def _report(batch: RegistrationImport, rejected: list[Reject], already_imported: bool) -> ImportReport:
    return ImportReport(
        file=batch.file_name,
        batch_id=batch.pk,
        rows=batch.rows,
        created=batch.created,
        duplicates=batch.duplicates,
        updated=batch.updated,
        rejected=sorted(rejected, key=lambda r: r.line),
        already_imported=already_imported,
    )


def batch_of(report: ImportReport) -> RegistrationImport:
    """The stored batch a report speaks of (for the audit log and the page)."""
    return RegistrationImport.objects.get(pk=report.batch_id or 0)


def import_registrations(
    data: bytes, file_name: str, *, user: User | None = None, default_day: date | None = None
) -> ImportReport:
    """Import one export file (csv/xlsx bytes). ``default_day`` applies to rows without a date."""
    digest = hashlib.sha256(data).hexdigest()
    existing = RegistrationImport.objects.filter(sha256=digest).first()
    if existing is not None:
        previous = [Reject(r.line, r.reason, r.raw) for r in existing.rejected_rows.all()]
        report = _report(existing, previous, already_imported=True)
        logger.info(
            "registration import %s: same content as batch %s, nothing changed", file_name, existing.pk
        )
        return report
    table = REGISTRATION_TABLE.read(data, file_name)
    mapped = set(table.columns)
    if "count" in mapped and "grid" in mapped:
        kind = RegistrationImport.Kind.GRID_COUNTS
    elif mapped & {"id_number", "phone"}:
        kind = RegistrationImport.Kind.PERSONS
    else:
        raise UserFacingError(
            "无法识别注册数据表：需要“身份证号/手机号”列（逐人明细）或“警格+注册数”列（分警格统计）",
            "unrecognised registration export: needs an ID number/phone column or grid + count columns",
        )
    with transaction.atomic():
        batch = RegistrationImport.objects.create(
            imported_by=user,
            file_name=file_name[:200],
            sha256=digest,
            kind=kind,
            rows=len(table.rows) + len(table.rejects),
        )
        rejects: list[Reject] = list(table.rejects)
        if kind == RegistrationImport.Kind.PERSONS:
            _import_persons(table, batch, default_day, rejects)
        else:
            _import_counts(table, batch, default_day, rejects)
        RejectedRegistrationRow.objects.bulk_create(
            RejectedRegistrationRow(batch=batch, line=r.line, reason=r.reason[:300], raw=r.raw)
            for r in rejects
        )
        batch.rejected = len(rejects)
        batch.save(update_fields=["created", "updated", "duplicates", "rejected"])
    report = _report(batch, rejects, already_imported=False)
    report.encoding, report.columns = table.encoding, table.columns
    tabular.log_import_report(logger, "registration", report)
    return report


def _row_day(row: TableRow, default_day: date | None) -> tuple[date | None, str]:
    if not row.values.get("day", "").strip():
        return (default_day, "") if default_day else (None, "缺少注册日期")
    try:
        day: date = REGISTRATION_TABLE.value(row, "day")
    except tabular.CellUnreadable as exc:
        return None, str(exc)
    if day > today():
        return None, f"注册日期{day:%Y-%m-%d}晚于今天"
    return day, ""


def _count(row: TableRow) -> int | None:
    try:
        count: int | None = REGISTRATION_TABLE.value(row, "count")
    except tabular.CellUnreadable:
        return None
    return count


def _grid_index() -> dict[str, Grid]:
    index: dict[str, Grid] = {}
    for grid in Grid.objects.all():
        index[tabular.fold_label(grid.name)] = grid
        index[tabular.fold_label(grid.code)] = grid
    return index


def _import_counts(
    table: tabular.Table,
    batch: RegistrationImport,
    default_day: date | None,
    rejects: list[Reject],
) -> None:
    grids = _grid_index()
    wanted: dict[tuple[int, date], int] = {}
    for row in table.rows:
        grid = grids.get(tabular.fold_label(row.values.get("grid", "")))
        day, problem = _row_day(row, default_day)
        count = _count(row)
        if grid is None:
            problem = f"警格“{row.values.get('grid', '')}”不存在"
        elif not problem and count is None:
            problem = f"注册数“{row.values.get('count', '')}”不是非负整数"
        elif not problem and (grid.pk, day) in wanted:
            problem = "同一警格同一日期重复出现，仅计第一行"
        if problem or day is None or grid is None or count is None:
            rejects.append(Reject(row.line, problem, row.raw))
            continue
        wanted[(grid.pk, day)] = count
    days = {d for _, d in wanted}
    existing = {
        (c.grid_id, c.day): c
        for c in GridDailyCount.objects.filter(day__in=days, source=AppRegistration.Source.EXPORT)
    }
    new, changed = [], []
    for (grid_id, day), count in wanted.items():
        current = existing.get((grid_id, day))
        if current is None:
            new.append(GridDailyCount(grid_id=grid_id, day=day, count=count, batch=batch))
        elif current.count != count:
            current.count, current.batch = count, batch
            changed.append(current)
    GridDailyCount.objects.bulk_create(new, batch_size=CHUNK)
    GridDailyCount.objects.bulk_update(changed, ["count", "batch"], batch_size=CHUNK)
    batch.created, batch.updated, batch.duplicates = (
        len(new),
        len(changed),
        len(wanted) - len(new) - len(changed),
    )


def _import_persons(
    table: tabular.Table,
    batch: RegistrationImport,
    default_day: date | None,
    rejects: list[Reject],
) -> None:
    ids = {
        normalise_id_number(r.values["id_number"])
        for r in table.rows
        if r.values.get("id_number", "").strip()
    }
    phones = {normalise_phone(r.values["phone"]) for r in table.rows if r.values.get("phone", "").strip()}
    by_id: dict[str, tuple[int, int]] = {}
    by_phone: dict[str, tuple[int, int]] = {}
    id_list, phone_list = sorted(ids), sorted(phones)
    for i in range(0, len(id_list), CHUNK):
        for pk, grid_id, number in Resident.objects.filter(id_number__in=id_list[i : i + CHUNK]).values_list(
            "pk", "grid_id", "id_number"
        ):
            by_id[number.upper()] = (pk, grid_id)
    for i in range(0, len(phone_list), CHUNK):
        for pk, grid_id, phone in Resident.objects.filter(phone__in=phone_list[i : i + CHUNK]).values_list(
            "pk", "grid_id", "phone"
        ):
            by_phone.setdefault(phone, (pk, grid_id))  # a shared phone matches its first resident
    wanted: dict[int, AppRegistration] = {}
    row_rejects = 0
    for row in table.rows:
        id_number = normalise_id_number(row.values.get("id_number", ""))
        phone = normalise_phone(row.values.get("phone", ""))
        match = by_id.get(id_number) if id_number else None
        if match is None and phone:
            match = by_phone.get(phone)
        day, problem = _row_day(row, default_day)
        if match is None:
            problem = (
                "查无此人：身份证号/手机号未匹配到本所居民"
                if (id_number or phone)
                else "缺少身份证号和手机号"
            )
        if problem or day is None or match is None:
            rejects.append(Reject(row.line, problem, row.raw))
            row_rejects += 1
            continue
        resident_id, grid_id = match
        earlier = wanted.get(resident_id)
        if earlier is None or day < earlier.day:
            wanted[resident_id] = AppRegistration(
                resident_id=resident_id, grid_id=grid_id, day=day, batch=batch
            )
    already: set[int] = set()
    resident_ids = sorted(wanted)
    for i in range(0, len(resident_ids), CHUNK):
        already.update(
            AppRegistration.objects.filter(resident_id__in=resident_ids[i : i + CHUNK]).values_list(
                "resident_id", flat=True
            )
        )
    new = [r for pk, r in wanted.items() if pk not in already]
    AppRegistration.objects.bulk_create(new, batch_size=CHUNK)
    batch.created = len(new)
    batch.duplicates = len(table.rows) - row_rejects - len(new)


@dataclass(frozen=True)
class DoorVisitResult:
    registration: AppRegistration
    created: bool


def record_door_visit(user: User, resident: Resident, day: date) -> DoorVisitResult:
    """Record that ``resident`` registered the app during a door visit on ``day`` (once per person)."""
    if day > today():
        raise UserFacingError("登记日期不能晚于今天", "the registration date cannot be in the future")
    existing = AppRegistration.objects.filter(resident=resident).first()
    if existing is not None:
        return DoorVisitResult(existing, created=False)
    registration = AppRegistration.objects.create(
        resident=resident,
        grid_id=resident.grid_id,
        day=day,
        source=AppRegistration.Source.DOOR_VISIT,
        recorded_by=user,
    )
    return DoorVisitResult(registration, created=True)
