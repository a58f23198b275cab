"""Receiving warning clues: idempotent by (source, source id) — the source being the system that
pushed a clue over the API, else the source label of a file or the report page —, matched to a resident and grid,
merged with a recent clue on the same person and fraud identifier, graded, given a deadline and
dispatched to the grid's officer. A clue that cannot be matched is kept in the command room's
queue with the reason; nothing received is dropped.

Set-based on purpose: residents, earlier clues and case identifiers are fetched for the whole
call in a few ``IN (...)`` queries and the clues are written with bulk inserts, so a batch of
100,000 clues costs a few dozen queries, not a few per clue (see bench/bench_clues.py).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any, NamedTuple, TypeVar

from django.db import connection, models, transaction
from django.utils import timezone

from fanzha.cases.models import Identifier
from fanzha.clues.models import Clue, ClueBatch
from fanzha.domain.clue_rules import (
    GRADE_ORDER,
    ClueInput,
    MergeIndex,
    age_on,
    deadline_minutes,
    grade_clue,
    grading_rules,
    normalise_input,
    person_key,
    reported_fields,
    stored_identifier,
    target_warnings,
    within_window,
)
from fanzha.domain.clue_rules import (
    merge_window as default_merge_window,
)
from fanzha.domain.person_matching import PersonCandidate, best_fuzzy_match, matching_rules, normalise_name
from fanzha.domain.values.id_number import looks_like_id_number
from fanzha.stations.models import Grid, Resident

logger = logging.getLogger(__name__)

# ClueInput and grading_rules are read from here by the importers and the API.
__all__ = ["ClueInput", "ClueOutcome", "IntakeResult", "ResidentIndex", "grading_rules", "receive_clues"]

CHUNK = 900  # below SQLite's oldest limit of 999 bound parameters per statement

T = TypeVar("T")


class IntakeState(StrEnum):
    """What became of one input (the API answers with these strings)."""

    MATCHED = "matched"  # stored and dispatched to the resident's grid
    QUEUED = "queued"  # stored, waiting for a person to match it to a resident
    MERGED = "merged"  # stored, pointing at a recent clue on the same person and identifier
    DUPLICATE = "duplicate"  # not stored: its source id was seen before


@dataclass(frozen=True)
class ClueOutcome:
    """What became of one input."""

    source: str
    source_id: str
    state: IntakeState
    clue_id: int | None
    reason: str = ""


@dataclass
class IntakeResult:
    created: int = 0
    duplicates: int = 0
    matched: int = 0
    queued: int = 0
    merged: int = 0
    outcomes: list[ClueOutcome] = field(default_factory=list)

    def summary(self) -> dict[str, int]:
        return {
            "created": self.created,
            "duplicates": self.duplicates,
            "matched": self.matched,
            "queued": self.queued,
            "merged": self.merged,
        }


class _Person(NamedTuple):
    id: int
    name: str
    address: str
    grid_id: int
    birth_date: date | None


def chunks(values: Sequence[T], size: int = CHUNK) -> Iterator[Sequence[T]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


@dataclass(frozen=True)
class _Match:
    person: _Person | None
    method: str
    confidence: float
    reason: str


class ResidentIndex:
    """The residents a batch of clues can match, fetched in a few queries."""

    FIELDS = ("id", "name", "address", "grid_id", "birth_date")

    def __init__(self, clues: Sequence[ClueInput]) -> None:
        ids = sorted({c.target_id_number for c in clues if looks_like_id_number(c.target_id_number)})
        self.by_id: dict[str, _Person] = dict(_people("id_number", ids))
        phones = sorted(
            {c.target_phone for c in clues if c.target_phone and c.target_id_number not in self.by_id}
        )
        self.by_phone: dict[str, list[_Person]] = defaultdict(list)
        for phone, person in _people("phone", phones):
            self.by_phone[phone].append(person)
        fuzzy = [
            c for c in clues if c.target_id_number not in self.by_id and c.target_phone not in self.by_phone
        ]
        self.by_name: dict[str, list[_Person]] = defaultdict(list)
        self.by_address: dict[str, list[_Person]] = defaultdict(list)
        names = sorted({c.target_name for c in fuzzy if c.target_name and c.target_address})
        addresses = sorted({c.target_address for c in fuzzy if c.target_name and c.target_address})
        for name, person in _people("name", names):
            self.by_name[name].append(person)
        for address, person in _people("address", addresses):
            self.by_address[address].append(person)

    def match(self, clue: ClueInput) -> _Match:
        confidence = matching_rules()["confidence"]
        if clue.target_id_number in self.by_id:
            return _Match(self.by_id[clue.target_id_number], "身份证号", confidence["id_number"], "")
        sharing = self.by_phone.get(clue.target_phone, []) if clue.target_phone else []
        if len(sharing) == 1:
            return _Match(sharing[0], "手机号", confidence["phone_unique"], "")
        if len(sharing) > 1:
            # A family phone: let the name decide, and say it is less certain.
            named = [p for p in sharing if normalise_name(p.name) == clue.target_name]
            if len(named) == 1:
                return _Match(named[0], "手机号+姓名", confidence["phone_shared"], "")
        candidates = {
            p.id: p
            for p in (*self.by_name.get(clue.target_name, ()), *self.by_address.get(clue.target_address, ()))
        }
        outcome = best_fuzzy_match(
            clue.target_name,
            clue.target_address,
            (PersonCandidate(p.id, p.name, p.address) for p in candidates.values()),
        )
        if outcome.match is not None:
            return _Match(candidates[outcome.match.key], "姓名+地址", outcome.match.confidence, "")
        return _Match(None, "", 0.0, _queue_reason(clue, sharing, outcome.reason))


def _people(column: str, values: Sequence[str]) -> Iterator[tuple[str, _Person]]:
    """(value of ``column``, resident) for residents whose ``column`` is one of ``values``.

    Plain SQL rather than ``values_list``: a common name brings hundreds of residents each, half
    a million rows for a large batch, and the ORM's per-row conversion was seconds of it. The
    only conversion needed is SQLite's date text.
    """
    meta = Resident._meta
    quote = connection.ops.quote_name
    columns = {f.attname: quote(str(f.column)) for f in meta.concrete_fields}
    selected = ", ".join(columns[f] for f in (column, *ResidentIndex.FIELDS))
    with connection.cursor() as cursor:
        for part in chunks(values):
            cursor.execute(
                f"SELECT {selected} FROM {quote(meta.db_table)} "
                f"WHERE {columns[column]} IN ({', '.join(['%s'] * len(part))})",
                list(part),
            )
            for key, pk, name, address, grid_id, born in cursor.fetchall():
                if isinstance(born, str):
                    born = date.fromisoformat(born)
                yield key, _Person(pk, name, address, grid_id, born)


def _queue_reason(clue: ClueInput, sharing: list[_Person], fuzzy_reason: str) -> str:
    parts = []
    if not clue.target_id_number:
        parts.append("无身份证号")
    elif not looks_like_id_number(clue.target_id_number):
        parts.append("身份证号格式不对")
    else:
        parts.append("身份证号不是本辖区居民")
    if not clue.target_phone:
        parts.append("无手机号")
    elif sharing:
        parts.append(f"手机号对应 {len(sharing)} 名居民且姓名不能区分")
    else:
        parts.append("手机号未登记")
    return "；".join([*parts, fuzzy_reason])[:200]


def receive_clues(
    inputs: Iterable[ClueInput],
    merge_window: timedelta | None = None,
    *,
    batch: ClueBatch | None = None,
    deadlines: Mapping[str, int] | None = None,
) -> IntakeResult:
    """Store, match, grade and dispatch clues; all or nothing per call.

    ``merge_window`` (default from grading.json) bounds how far apart two clues on the same
    person and fraud identifier may be to merge; ``deadlines`` overrides minutes per grade.
    """
    window = merge_window if merge_window is not None else default_merge_window()
    result = IntakeResult()
    fresh: list[ClueInput] = []
    seen: set[tuple[str, str]] = set()
    normalised = [normalise_input(c) for c in inputs]
    existing = _existing_ids(normalised)
    for clue in normalised:
        key = clue.key
        if key in seen or key in existing:
            result.duplicates += 1
            result.outcomes.append(
                ClueOutcome(
                    clue.source, clue.source_id, IntakeState.DUPLICATE, existing.get(key), "来源编号重复"
                )
            )
            continue
        seen.add(key)
        fresh.append(clue)
    if not fresh:
        return result
    fresh.sort(key=lambda c: c.received_at)
    officer_of = dict(Grid.objects.values_list("id", "officer_id"))
    known_identifiers = _known_identifiers(fresh)
    minutes_for = {grade: deadline_minutes(grade, deadlines) for grade in GRADE_ORDER}
    batch_id = batch.pk if batch is not None else None
    with transaction.atomic():
        index = ResidentIndex(fresh)
        matches = [index.match(c) for c in fresh]
        primaries, repeats_at = _recent_clues(fresh, matches, window)
        writer = _ClueWriter()
        rows: list[dict[str, Any]] = []
        states: list[IntakeState] = []
        merged_to: dict[int, int | dict[str, Any]] = {}  # position in rows -> primary (pk or row)
        for clue, found in zip(fresh, matches, strict=True):
            person = found.person
            pkey = person_key(
                person.id if person else None,
                clue.target_id_number,
                clue.target_phone,
                clue.target_name,
                clue.target_address,
            )
            repeats = 0
            if person is not None:
                repeats = sum(
                    1 for at in repeats_at[person.id] if within_window(at, clue.received_at, window)
                )
            age = age_on(person.birth_date, clue.received_at.date()) if person else None
            grade, reasons = grade_clue(
                clue.kind, clue.amount_fen, age, clue.fraud_identifier in known_identifiers, repeats
            )
            row = writer.new_row(
                source=clue.source,
                source_id=clue.source_id,
                source_system_id=clue.source_system_id,
                received_at=clue.received_at,
                **reported_fields(clue),
                amount_fen=clue.amount_fen,
                raw=clue.raw,
                grade=grade,
                grade_reasons=reasons,
                data_warnings=target_warnings(clue),
                batch_id=batch_id,
                source_line=clue.line,
            )
            if person is not None:
                row["resident_id"], row["grid_id"] = person.id, person.grid_id
                row["match_method"], row["match_confidence"] = found.method, found.confidence
            primary = primaries.primary(pkey, clue.fraud_identifier, clue.received_at)
            if primary is not None:
                # Keep both records; the later one points at the clue already being worked.
                row["status"] = Clue.Status.MERGED.value
                row["queue_reason"] = "同一对象、同一涉诈标识在合并时限内已有线索"
                merged_to[len(rows)] = primary
                states.append(IntakeState.MERGED)
                result.merged += 1
                result.duplicates += 1
            else:
                if person is None:
                    row["status"] = Clue.Status.QUEUED.value
                    row["queue_reason"] = found.reason
                    states.append(IntakeState.QUEUED)
                    result.queued += 1
                else:
                    officer_id = officer_of.get(person.grid_id)
                    row["officer_id"] = officer_id
                    row["status"] = Clue.Status.DISPATCHED.value
                    row["deadline"] = clue.received_at + timedelta(minutes=minutes_for[grade])
                    if officer_id is None:
                        row["queue_reason"] = "该警格未设责任民警"
                    states.append(IntakeState.MATCHED)
                    result.matched += 1
                    repeats_at[person.id].append(clue.received_at)
                result.created += 1
                if clue.fraud_identifier:
                    primaries.add(pkey, clue.fraud_identifier, clue.received_at, row)
            rows.append(row)
        writer.insert([r for i, r in enumerate(rows) if i not in merged_to])
        second_pass = []
        for position, primary in merged_to.items():
            row = rows[position]
            row["merged_into_id"] = primary if isinstance(primary, int) else primary["id"]
            second_pass.append(row)
        writer.insert(second_pass)
    for row, state in zip(rows, states, strict=True):
        result.outcomes.append(
            ClueOutcome(row["source"], row["source_id"], state, row["id"], row["queue_reason"])
        )
    without_officer = sum(
        1 for r in rows if r["status"] == Clue.Status.DISPATCHED and r["officer_id"] is None
    )
    logger.info(
        "clue intake%s: %d new (%d dispatched, %d queued for matching), %d merged, %d duplicates",
        f" (batch {batch_id})" if batch_id else "",
        result.created,
        result.matched,
        result.queued,
        result.merged,
        result.duplicates - result.merged,
    )
    if without_officer:
        logger.warning("clue intake: %d clues dispatched to grids without an officer", without_officer)
    return result


class _ClueWriter:
    """Writes clue rows (dicts of column values) and sets each row's ``id``.

    Django's bulk_create puts about 30 clues into one SQLite INSERT (999 bound parameters) and
    prepares every value through the model, which was most of the intake time at 100,000 clues.
    Here SQLite gets one prepared statement run by executemany, whose ids are the consecutive
    rowids ending at last_insert_rowid() (this transaction holds the write lock); PostgreSQL
    gets multi-row INSERT … RETURNING id, as many rows per statement as its 65,535 parameters
    allow. Only datetime and JSON columns need converting, so only those go through the field.
    """

    POSTGRES_PARAMETERS = 65_535

    def __init__(self) -> None:
        fields = [f for f in Clue._meta.concrete_fields if not f.primary_key]
        self.columns = [f.attname for f in fields]
        self.defaults: dict[str, Any] = {
            f.attname: f.get_default() for f in fields if not isinstance(f, models.JSONField)
        }
        self.defaults["created_at"] = timezone.now()  # auto_now_add: one instant for the call
        self.converters = [
            (position, self._converter(model_field))
            for position, model_field in enumerate(fields)
            if isinstance(model_field, models.DateTimeField | models.JSONField)
        ]
        quote = connection.ops.quote_name
        self.insert_sql = "INSERT INTO {} ({}) VALUES ".format(
            quote(Clue._meta.db_table), ", ".join(quote(str(f.column)) for f in fields)
        )
        self.placeholders = "(" + ", ".join(["%s"] * len(fields)) + ")"

    @staticmethod
    def _converter(model_field: models.Field[Any, Any]) -> Callable[[Any], Any]:
        """What ``get_db_prep_save`` does for these values, minus its per-call checks (which were
        a third of the intake time): aware datetimes and JSON go straight to the backend's
        adapter; anything else (a naive datetime) still takes the field's own path."""
        ops = connection.ops
        if isinstance(model_field, models.JSONField):
            encoder = model_field.encoder
            return lambda value: ops.adapt_json_value(value, encoder)
        last: list[Any] = [None, None]  # created_at is one instant for every row

        def convert(value: Any) -> Any:
            if value is last[0]:
                return last[1]
            if isinstance(value, datetime) and value.tzinfo is not None:
                converted = ops.adapt_datetimefield_value(value)
            else:
                converted = model_field.get_db_prep_save(value, connection)
            last[0], last[1] = value, converted
            return converted

        return convert

    def new_row(self, **values: Any) -> dict[str, Any]:
        row = dict(self.defaults)
        row.update(values)
        row["id"] = None
        return row

    def _params(self, row: dict[str, Any]) -> list[Any]:
        values = [row[c] for c in self.columns]
        for position, convert in self.converters:
            if values[position] is not None:
                values[position] = convert(values[position])
        return values

    def insert(self, rows: Sequence[dict[str, Any]]) -> None:
        if not rows:
            return
        params = [self._params(r) for r in rows]
        with connection.cursor() as cursor:
            if connection.vendor == "sqlite":
                cursor.executemany(self.insert_sql + self.placeholders, params)
                cursor.execute("SELECT last_insert_rowid()")
                last = int(cursor.fetchone()[0])
                for offset, row in enumerate(rows):
                    row["id"] = last - len(rows) + 1 + offset
                self._check_sqlite_ids(cursor, rows)
                return
            per_statement = max(1, self.POSTGRES_PARAMETERS // len(self.columns))
            for start in range(0, len(rows), per_statement):
                part = params[start : start + per_statement]
                sql = self.insert_sql + ", ".join([self.placeholders] * len(part)) + " RETURNING id"
                cursor.execute(sql, [value for values in part for value in values])
                # PostgreSQL returns the ids in VALUES order, as Django's bulk_create relies on.
                for row, (pk,) in zip(rows[start : start + len(part)], cursor.fetchall(), strict=True):
                    row["id"] = pk

    def _check_sqlite_ids(self, cursor: Any, rows: Sequence[dict[str, Any]]) -> None:
        """Guard the consecutive-rowid reasoning: both ends must be the rows just written."""
        table = connection.ops.quote_name(Clue._meta.db_table)
        cursor.execute(
            f"SELECT id, source, source_id FROM {table} WHERE id IN (%s, %s)",
            [rows[0]["id"], rows[-1]["id"]],
        )
        found = {pk: (source, source_id) for pk, source, source_id in cursor.fetchall()}
        for row in (rows[0], rows[-1]):
            if found.get(row["id"]) != (row["source"], row["source_id"]):
                raise RuntimeError("SQLite assigned clue ids out of order; intake rolled back")


def _existing_ids(clues: Sequence[ClueInput]) -> dict[tuple[str, str], int]:
    """The stored clue of each input's key (``ClueInput.key``) that is already there."""
    by_namespace: dict[tuple[int | None, str], set[str]] = defaultdict(set)
    for c in clues:
        by_namespace[(c.source_system_id, "" if c.source_system_id else c.source)].add(c.source_id)
    found: dict[tuple[str, str], int] = {}
    for (system_id, source), source_ids in by_namespace.items():
        # Filtering on the columns of a unique index lets that (partial) index answer.
        if system_id:
            stored = Clue.objects.filter(source_system_id=system_id)
            namespace = f"system:{system_id}"
        else:
            stored = Clue.objects.filter(source_system__isnull=True, source=source)
            namespace = f"source:{source}"
        for part in chunks(sorted(source_ids)):
            for source_id, pk in stored.filter(source_id__in=part).values_list("source_id", "id"):
                found[(namespace, source_id)] = pk
    return found


def _known_identifiers(clues: Sequence[ClueInput]) -> set[str]:
    """The clues' fraud identifiers (as written) that a case of the station names."""
    written_as: dict[str, set[str]] = defaultdict(set)
    for clue in clues:
        if clue.fraud_identifier:
            written_as[stored_identifier(clue.kind, clue.fraud_identifier)].add(clue.fraud_identifier)
    known: set[str] = set()
    for part in chunks(sorted(written_as)):
        for value in Identifier.objects.filter(value__in=part).values_list("value", flat=True):
            known |= written_as[value]
    return known


def _recent_clues(
    clues: Sequence[ClueInput], matches: Sequence[_Match], window: timedelta
) -> tuple[MergeIndex[int | dict[str, Any]], dict[int, list[datetime]]]:
    """Earlier clues already stored that a new one may merge into or count as a repeat of."""
    start = clues[0].received_at - window
    end = clues[-1].received_at + window
    primaries: MergeIndex[int | dict[str, Any]] = MergeIndex(window)
    identifiers = sorted({c.fraud_identifier for c in clues if c.fraud_identifier})
    stored = Clue.objects.filter(received_at__gte=start, received_at__lte=end, merged_into__isnull=True)
    for part in chunks(identifiers):
        for pk, at, ident, resident_id, id_number, phone, name, address in stored.filter(
            fraud_identifier__in=part
        ).values_list(
            "id",
            "received_at",
            "fraud_identifier",
            "resident_id",
            "target_id_number",
            "target_phone",
            "target_name",
            "target_address",
        ):
            primaries.add(person_key(resident_id, id_number, phone, name, address), ident, at, pk)
    repeats_at: dict[int, list[datetime]] = defaultdict(list)
    residents = sorted({m.person.id for m in matches if m.person is not None})
    for id_part in chunks(residents):
        for resident_id, at in stored.filter(resident_id__in=id_part).values_list(
            "resident_id", "received_at"
        ):
            repeats_at[resident_id].append(at)
    return primaries, repeats_at
