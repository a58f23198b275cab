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
import re
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from pathlib import Path

from django.db import transaction

from fanzha.domain.tabular import Table, load_synonyms, normalise_header, read_table
from fanzha.errors import UserFacingError
from fanzha.ranking.models import (
    AppRegistration,
    GridDailyCount,
    RegistrationImport,
    RejectedRegistrationRow,
)
from fanzha.ranking.services.figures import today
from fanzha.stations.models import Grid, Resident, User

COLUMNS_FILE = Path(__file__).resolve().parents[2] / "data" / "ranking" / "import_columns.json"
CHUNK = 2000

_DATE = re.compile(r"^\s*(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:[\sT].*)?$")
_COMPACT_DATE = re.compile(r"^\s*(\d{4})(\d{2})(\d{2})(?:\s.*)?$")


@cache
def import_columns() -> dict[str, list[str]]:
    return load_synonyms(COLUMNS_FILE)


def parse_day(text: str) -> date | None:
    """A registration date as written in exports ("2026-11-20 10:31:02", "2026/11/20",
    "2026年11月20日", "20261120"), or None when it is not a real calendar date."""
    match = _DATE.match(text) or _COMPACT_DATE.match(text)
    if not match:
        return None
    try:
        return date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        return None


def parse_count(text: str) -> int | None:
    cleaned = text.replace(",", "").replace("，", "").strip()
    if cleaned.endswith(".0"):
        cleaned = cleaned[:-2]
    return int(cleaned) if cleaned.isdigit() else None


@dataclass
class ImportResult:
    batch: RegistrationImport
    already_imported: bool
    rejects: list[tuple[int, str]] = field(default_factory=list)

    def summary(self) -> dict[str, object]:
        b = self.batch
        return {
            "file": b.file_name,
            "kind": b.kind,
            "already_imported": self.already_imported,
            "rows": b.rows,
            "added": b.added,
            "updated": b.updated,
            "unchanged": b.unchanged,
            "rejected": b.rejected,
        }


def import_registrations(
    data: bytes, file_name: str, *, user: User | None = None, default_day: date | None = None
) -> ImportResult:
    """Import one export file (csv/xlsx bytes). ``default_day`` applies to rows without a date."""
    digest = hashlib.sha256(data).hexdigest()
    existing = RegistrationImport.objects.filter(sha256=digest).first()
    if existing is not None:
        previous = list(existing.rejected_rows.values_list("row_no", "reason"))
        return ImportResult(existing, already_imported=True, rejects=previous)
    table = read_table(data, import_columns(), filename=file_name, min_header_matches=2)
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
        rejects: list[tuple[int, str, dict[str, str]]] = [
            (r.line, r.reason, {"原始行": r.raw}) for r in table.rejects
        ]
        if kind == RegistrationImport.Kind.PERSONS:
            _import_persons(table, batch, default_day, rejects)
        else:
            _import_counts(table, batch, default_day, rejects)
        RejectedRegistrationRow.objects.bulk_create(
            RejectedRegistrationRow(batch=batch, row_no=line, reason=reason[:200], raw=raw)
            for line, reason, raw in rejects
        )
        batch.rejected = len(rejects)
        batch.save(update_fields=["added", "updated", "unchanged", "rejected"])
    return ImportResult(
        batch, already_imported=False, rejects=sorted((line, reason) for line, reason, _ in rejects)
    )


def _row_day(values: dict[str, str], default_day: date | None) -> tuple[date | None, str]:
    text = values.get("day", "").strip()
    if not text:
        return (default_day, "") if default_day else (None, "缺少注册日期")
    day = parse_day(text)
    if day is None:
        return None, f"注册日期“{text}”无法识别"
    if day > today():
        return None, f"注册日期{day:%Y-%m-%d}晚于今天"
    return day, ""


def _grid_index() -> dict[str, Grid]:
    index: dict[str, Grid] = {}
    for grid in Grid.objects.all():
        index[normalise_header(grid.name)] = grid
        index[normalise_header(grid.code)] = grid
    return index


def _import_counts(
    table: Table,
    batch: RegistrationImport,
    default_day: date | None,
    rejects: list[tuple[int, str, dict[str, str]]],
) -> None:
    grids = _grid_index()
    wanted: dict[tuple[int, date], int] = {}
    for row in table.rows:
        grid = grids.get(normalise_header(row.values.get("grid", "")))
        day, problem = _row_day(row.values, default_day)
        count = parse_count(row.values.get("count", ""))
        if grid is None:
            problem = f"警格“{row.values.get('grid', '')}”不存在"
        elif not problem and count is None:
            problem = f"注册数“{row.values.get('count', '')}”不是非负整数"
        elif not problem and (grid.pk, day) in wanted:
            problem = "同一警格同一日期重复出现，仅计第一行"
        if problem or day is None or grid is None or count is None:
            rejects.append((row.line, problem, row.values))
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
    batch.added, batch.updated, batch.unchanged = (
        len(new),
        len(changed),
        len(wanted) - len(new) - len(changed),
    )


def _normal_id(text: str) -> str:
    return text.strip().replace(" ", "").upper()


def _normal_phone(text: str) -> str:
    digits = re.sub(r"\D", "", text)
    return digits[-11:] if len(digits) >= 11 else digits


def _import_persons(
    table: Table,
    batch: RegistrationImport,
    default_day: date | None,
    rejects: list[tuple[int, str, dict[str, str]]],
) -> None:
    ids = {_normal_id(r.values["id_number"]) for r in table.rows if r.values.get("id_number", "").strip()}
    phones = {_normal_phone(r.values["phone"]) for r in table.rows if r.values.get("phone", "").strip()}
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
        id_number = _normal_id(row.values.get("id_number", ""))
        phone = _normal_phone(row.values.get("phone", ""))
        match = by_id.get(id_number) if id_number else None
        if match is None and phone:
            match = by_phone.get(phone)
        day, problem = _row_day(row.values, default_day)
        if match is None:
            problem = (
                "查无此人：身份证号/手机号未匹配到本所居民"
                if (id_number or phone)
                else "缺少身份证号和手机号"
            )
        if problem or day is None or match is None:
            rejects.append((row.line, problem, row.values))
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
    batch.added = len(new)
    batch.unchanged = len(table.rows) - row_rejects - len(new)


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
