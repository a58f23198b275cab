"""Bulk import of report spreadsheets (报案登记表): xlsx, xls, CSV in UTF-8, GBK or GB18030.

Rows are read by :mod:`fanzha.domain.tabular` with the header synonyms of
``fanzha/data/cases/columns.json``. A file is first stored as a :class:`CaseImportBatch` and
previewed (columns understood, first rows, rows that cannot be read); importing it then turns every
readable row into a case awaiting an officer's confirmation (status 待确认) with its machine draft,
and every other row into a :class:`CaseImportReject` with its line and reason — never dropped.

Idempotent: a row's natural key is its case number when the sheet has one, else the hash of its
reported minute and narrative (``intake.report_fingerprint``); a key already in the database (or
earlier in the same file) counts as a duplicate and adds nothing. A rejected row already kept
(same raw text and reason) is not kept twice.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from fanzha.cases import drafting, intake
from fanzha.cases.models import Case, CaseImportBatch, CaseImportReject
from fanzha.domain import tabular
from fanzha.domain.tabular import ImportReport, Reject, TableRow
from fanzha.errors import UserFacingError
from fanzha.stations import audit
from fanzha.stations.models import AuditLog, Grid, Resident, User

logger = logging.getLogger(__name__)

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
PREVIEW_ROWS = 10

#: The report spreadsheet, declared: header synonyms in ``fanzha/data/cases/columns.json``.
REPORT_TABLE = tabular.TableSpec(
    name="reports",
    synonyms_file="cases/columns.json",
    columns=(
        tabular.Column("case_no", "案件编号"),
        tabular.Column("reported_at", "报案时间", "time"),
        tabular.Column("occurred_at", "发案时间", "time"),
        tabular.Column("narrative", "简要案情"),
        tabular.Column("victim_name", "受害人"),
        tabular.Column("victim_id_number", "身份证号"),
        tabular.Column("victim_phone", "联系电话"),
        tabular.Column("grid", "警格"),
        tabular.Column("category", "案件类别"),
        tabular.Column("loss_yuan", "损失金额", "money", unreadable="损失金额：金额“{text}”无法识别"),
    ),
    required=("narrative", "reported_at"),
)
REQUIRED = REPORT_TABLE.required
FIELD_NAMES = REPORT_TABLE.labels()


class RowRejected(ValueError):
    """A row that cannot become a case; the message (Chinese) is the reason kept with it."""


def check_size(size: int) -> None:
    if size > MAX_UPLOAD_BYTES:
        raise UserFacingError(
            f"文件大小 {size / 1024 / 1024:.1f} MB，超过 {MAX_UPLOAD_BYTES // 1024 // 1024} MB 上限，请拆分后再导入",
            f"file of {size} bytes exceeds the {MAX_UPLOAD_BYTES} byte limit",
        )


def _cell(row: TableRow, name: str) -> Any:
    """A cell read by its declared kind; ``RowRejected`` with the reason when it cannot be."""
    try:
        return REPORT_TABLE.value(row, name)
    except tabular.CellUnreadable as exc:
        raise RowRejected(str(exc)) from exc


@dataclass
class Preview:
    batch: CaseImportBatch
    table: tabular.Table
    columns: dict[str, str]  # field label → header as written
    sample: list[TableRow]


def _read(data: bytes, filename: str) -> tabular.Table:
    return REPORT_TABLE.read(data, filename)


def preview_report_file(data: bytes, filename: str, user: User | None) -> Preview:
    """Store an upload and say how it was understood; raises UserFacingError for an unreadable file."""
    check_size(len(data))
    table = _read(data, filename)
    batch = CaseImportBatch.objects.create(
        filename=filename[:200],
        sha256=hashlib.sha256(data).hexdigest(),
        content=data,
        file_format=table.file_format,
        encoding=table.encoding,
        rows=len(table.rows) + len(table.rejects),
        uploaded_by=user,
    )
    columns = {FIELD_NAMES.get(k, k): v for k, v in table.columns.items()}
    return Preview(batch, table, columns, table.rows[:PREVIEW_ROWS])


def _category(value: str) -> str:
    from fanzha.domain.taxonomy import load_taxonomy

    value = value.strip()
    if not value:
        return ""
    names = load_taxonomy().category_names
    for name in names:
        if value == name or name.startswith(value) or value.startswith(name.removesuffix("类")):
            return name
    raise RowRejected(f"案件类别“{value}”不在部标类别中")


def _resident(values: dict[str, str]) -> Resident | None:
    id_number = values.get("victim_id_number", "").strip().upper()
    phone = values.get("victim_phone", "").strip()
    condition = Q(pk__in=[])
    if id_number:
        condition |= Q(id_number=id_number)
    if phone:
        condition |= Q(phone=phone)
    if not id_number and not phone:
        return None
    matches = list(Resident.objects.select_related("grid").filter(condition)[:2])
    return matches[0] if len(matches) == 1 else None


def _drop_implausible_machine_times(
    fields: dict[str, str], draft: dict[str, Any], reported_at: datetime
) -> None:
    """A time the machine read from the narrative that cannot be right is left for the officer
    (the case awaits confirmation) with a warning, rather than stored or costing the whole row."""
    times: dict[str, datetime] = {}
    for name in ("occurred_at", "occurred_until"):
        text = drafting.canonical(name, fields.get(name, ""))
        try:
            times[name] = datetime.strptime(text, "%Y-%m-%d %H:%M")
        except ValueError:
            continue
    problems = drafting.case_date_problems(timezone.now(), reported_at=reported_at, **times)
    for name, message in problems.items():
        if name in fields:
            fields[name] = ""
            draft.setdefault("warnings", []).append(
                {"code": "implausible_date", "message": f"机器识别的{message}，已留空", "span": None}
            )


def _row_case(
    row: TableRow, batch: CaseImportBatch, draft: dict[str, Any], reported_at: datetime, user: User | None
) -> Case:
    values = row.values
    resident = _resident(values)
    grid: Grid | None = None
    if code := values.get("grid", "").strip():
        grid = Grid.objects.select_related("community__station").filter(code=code).first()
        if grid is None:
            raise RowRejected(f"警格“{code}”不存在")
    elif resident is not None:
        grid = resident.grid
    fields = dict(draft["fields"])
    if (occurred := _cell(row, "occurred_at")) is not None:
        occurred_at = timezone.make_aware(occurred)
        problems = drafting.case_date_problems(
            timezone.now(), reported_at=reported_at, occurred_at=occurred_at
        )
        if "occurred_at" in problems:
            raise RowRejected(problems["occurred_at"])
        fields["occurred_at"] = f"{occurred_at:%Y-%m-%d %H:%M}"
    _drop_implausible_machine_times(fields, draft, reported_at)
    if (fen := _cell(row, "loss_yuan")) is not None:
        fields["loss_yuan"] = fields["loss_max_yuan"] = drafting.yuan_text(fen)
    stated_category = _category(values.get("category", ""))
    narrative = values["narrative"]
    case = Case.objects.create(
        case_no=values.get("case_no", "").strip() or intake.next_case_no(grid, reported_at),
        reported_at=reported_at,
        narrative=narrative,
        draft=draft,
        status=Case.Status.DRAFT,
        grid=grid,
        created_by=user,
        fingerprint=intake.report_fingerprint(reported_at, narrative),
        source="import",
        import_batch=batch,
        category=stated_category or fields.get("category", ""),
        category_confidence=(draft.get("classification") or {}).get("confidence"),
    )
    victim = intake.VictimInfo(
        values.get("victim_name", "").strip() or fields.get("victim_name", ""), resident
    )
    intake.apply_fields(case, fields, victim)
    return case


def import_batch(batch: CaseImportBatch, user: User | None) -> ImportReport:
    """Import a previewed batch: cases for readable new rows, rejects for the rest, in one transaction."""
    table = _read(bytes(batch.content), batch.filename)
    report = ImportReport(batch.filename, batch.pk, encoding=table.encoding, columns=table.columns)
    report.rows = len(table.rows) + len(table.rejects)
    rejects: list[tuple[int, str, str]] = [(r.line, r.raw, r.reason) for r in table.rejects]
    candidates: list[tuple[TableRow, datetime, str]] = []
    seen: set[str] = set()
    for row in table.rows:
        narrative = row.values.get("narrative", "").strip()
        try:
            if not narrative:
                raise RowRejected("简要案情为空")
            reported_raw = row.values.get("reported_at", "").strip()
            if not reported_raw:
                raise RowRejected("报案时间为空")
            reported_at = timezone.make_aware(_cell(row, "reported_at"))
            problems = drafting.case_date_problems(timezone.now(), reported_at=reported_at)
            if problems:
                raise RowRejected(problems["reported_at"])
        except RowRejected as exc:
            rejects.append((row.line, row.raw, str(exc)))
            continue
        case_no = row.values.get("case_no", "").strip()
        key = case_no or intake.report_fingerprint(reported_at, narrative)
        if key in seen:
            report.duplicates += 1
            continue
        seen.add(key)
        candidates.append((row, reported_at, case_no))
    existing_nos = set(
        Case.objects.filter(case_no__in=[c for _, _, c in candidates if c]).values_list("case_no", flat=True)
    )
    prints = {
        intake.report_fingerprint(at, row.values["narrative"].strip()): row.line for row, at, _ in candidates
    }
    existing_prints = set(
        Case.objects.filter(fingerprint__in=list(prints)).values_list("fingerprint", flat=True)
    )
    fresh = []
    for row, at, case_no in candidates:
        if (case_no and case_no in existing_nos) or (
            intake.report_fingerprint(at, row.values["narrative"].strip()) in existing_prints
        ):
            report.duplicates += 1
        else:
            fresh.append((row, at))
    drafts = drafting.make_drafts([(row.values["narrative"].strip(), at) for row, at in fresh])
    with transaction.atomic():
        for (row, at), draft in zip(fresh, drafts, strict=True):
            try:
                with transaction.atomic():
                    _row_case(row, batch, draft, at, user)
                report.created += 1
            except (RowRejected, ValueError) as exc:
                rejects.append((row.line, row.raw, str(exc)))
        kept = 0
        for line, raw, reason in sorted(rejects):
            raw_hash = hashlib.sha256(f"{raw}\n{reason}".encode()).hexdigest()
            if not CaseImportReject.objects.filter(raw_hash=raw_hash).exists():
                CaseImportReject.objects.create(
                    batch=batch, line=line, raw=raw, raw_hash=raw_hash, reason=reason[:300]
                )
                kept += 1
        report.rejected = [Reject(line, reason, raw) for line, raw, reason in sorted(rejects)]
        batch.status = CaseImportBatch.Status.IMPORTED
        batch.imported_at = timezone.now()
        batch.created, batch.duplicates, batch.rejected = report.created, report.duplicates, len(rejects)
        batch.save()
        audit.record(
            user,
            AuditLog.Action.CREATE,
            batch,
            reason="导入报案表",
            detail={
                "file": batch.filename,
                "created": report.created,
                "duplicates": report.duplicates,
                "rejected": len(rejects),
                "rejects_kept": kept,
            },
        )
    tabular.log_import_report(logger, "report", report)
    return report


def import_report_file(data: bytes, filename: str, user: User | None) -> ImportReport:
    """Preview and import in one step (the CLI and tests)."""
    return import_batch(preview_report_file(data, filename, user).batch, user)
