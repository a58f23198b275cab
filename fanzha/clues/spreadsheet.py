"""Importing a clue spreadsheet (xlsx, xls, CSV in UTF-8 / GBK / GB18030) sent from above.

The rows are read by :mod:`fanzha.domain.tabular` with the header synonyms of
``fanzha/data/clues/columns.json``; each row becomes a :class:`ClueInput` or, when it cannot be
read, a :class:`ClueReject` kept with its line, raw text and reason. Importing the same file
twice creates nothing new: clues are idempotent by (source, source id), and a row without an id
gets one derived from its content.
"""

from __future__ import annotations

import hashlib
import logging
from datetime import datetime
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils import timezone

from fanzha.clues.intake import ClueInput, IntakeResult, grading_rules, receive_clues
from fanzha.clues.models import ClueBatch, ClueReject
from fanzha.domain import tabular
from fanzha.domain.tabular import ImportReport, Reject, TableRow
from fanzha.stations import audit
from fanzha.stations.models import AuditLog, User

logger = logging.getLogger(__name__)

TARGET_FIELDS = ("target_name", "target_phone", "target_id_number", "target_address")

#: The clue spreadsheet, declared: header synonyms in ``fanzha/data/clues/columns.json``.
CLUE_TABLE = tabular.TableSpec(
    name="clues",
    synonyms_file="clues/columns.json",
    columns=(
        tabular.Column("received_at", "下发时间", "time", unreadable="时间无法识别：{short}"),
        tabular.Column("amount_yuan", "金额", "money", unreadable="金额无法识别：{short}"),
    ),
)


class RowUnreadable(ValueError):
    """One row's value cannot be interpreted; the message (Chinese) becomes the reject reason."""


def contract(report: ImportReport) -> dict[str, Any]:
    """The CLI's JSON: rows = created + duplicates + len(rejected); created = matched + queued."""
    return {
        "rows": report.rows,
        "created": report.created,
        "duplicates": report.duplicates,
        "matched": report.matched,
        "queued": report.queued,
        "rejected": [{"line": r.line, "reason": r.reason} for r in report.rejected],
    }


def row_to_input(row: TableRow, default_source: str, received_default: datetime) -> ClueInput:
    """Turn one spreadsheet row into a clue; raise RowUnreadable when it cannot be one."""
    values = row.values
    if not any(values.get(f, "").strip() for f in TARGET_FIELDS):
        raise RowUnreadable("无预警对象信息（姓名、手机号、身份证号、地址均为空）")
    try:
        typed = CLUE_TABLE.values(row)
    except tabular.CellUnreadable as exc:
        raise RowUnreadable(str(exc)) from exc
    received_text = values.get("received_at", "").strip()
    received = timezone.make_aware(typed["received_at"]) if received_text else received_default
    amount = typed.get("amount_yuan")
    source = values.get("source", "").strip() or default_source
    source_id = values.get("source_id", "").strip()
    if not source_id:
        # Same content, same id: re-importing the file, or a row repeated in it, is a duplicate.
        content = "\x1f".join(f"{k}={values[k].strip()}" for k in sorted(values) if k != "source_id")
        source_id = "R" + hashlib.sha1(f"{source}\x1f{content}".encode()).hexdigest()[:20]
    return ClueInput(
        source=source[:30],
        source_id=source_id[:64],
        received_at=received,
        target_name=values.get("target_name", "")[:50],
        target_phone=values.get("target_phone", "")[:20],
        target_id_number=values.get("target_id_number", "")[:18],
        target_address=values.get("target_address", "")[:200],
        kind=values.get("kind", "")[:30],
        fraud_identifier=values.get("fraud_identifier", "")[:200],
        suspected_category=values.get("suspected_category", "")[:40],
        amount_fen=amount,
        raw={
            "line": row.line,
            "text": row.raw[:2000],
            **({} if received_text else {"received_at": "空，按导入时间"}),
        },
        line=row.line,
    )


def rows_to_inputs(
    table: tabular.Table, default_source: str, received_default: datetime
) -> tuple[list[ClueInput], list[Reject]]:
    inputs: list[ClueInput] = []
    rejects = list(table.rejects)
    for row in table.rows:
        try:
            inputs.append(row_to_input(row, default_source, received_default))
        except RowUnreadable as exc:
            rejects.append(Reject(row.line, str(exc), row.raw))
    rejects.sort(key=lambda r: r.line)
    return inputs, rejects


def import_clue_file(
    source: Path | bytes,
    *,
    filename: str = "",
    user: User | None = None,
    default_source: str | None = None,
) -> ImportReport:
    """Read, store and dispatch a clue file; every row ends matched, queued, merged, duplicate or rejected."""
    data = source.read_bytes() if isinstance(source, Path) else source
    filename = filename or (source.name if isinstance(source, Path) else "上传文件")
    table = CLUE_TABLE.read(data, filename)
    now = timezone.now()
    inputs, rejects = rows_to_inputs(table, default_source or grading_rules()["default_source"], now)
    digest = hashlib.sha256(data).hexdigest()
    with transaction.atomic():
        batch, created_batch = ClueBatch.objects.get_or_create(
            channel=ClueBatch.Channel.FILE,
            file_sha256=digest,
            defaults={"name": filename[:200], "created_by": user, "received_at": now},
        )
        result: IntakeResult = receive_clues(inputs, batch=batch)
        ClueReject.objects.bulk_create(
            (
                ClueReject(
                    batch=batch, file_name=filename[:200], line=r.line, raw=r.raw, reason=r.reason[:200]
                )
                for r in rejects
            ),
            ignore_conflicts=True,
        )
        report = ImportReport(
            file=filename,
            batch_id=batch.pk,
            rows=len(inputs) + len(rejects),
            created=result.created,
            duplicates=result.duplicates,
            matched=result.matched,
            queued=result.queued,
            rejected=rejects,
            encoding=table.encoding,
            columns=table.columns,
        )
        summary = {**contract(report), "rejected": len(rejects), "merged": result.merged}
        if created_batch:
            batch.summary = summary
            batch.rows, batch.created, batch.duplicates = report.rows, report.created, report.duplicates
            batch.rejected = len(rejects)
            batch.save(update_fields=["summary", "rows", "created", "duplicates", "rejected"])
        audit.record(
            user,
            AuditLog.Action.CREATE,
            batch,
            reason=f"导入预警线索文件 {filename}",
            detail={**summary, "encoding": table.encoding, "file_sha256": digest},
            username="" if user else "命令行",
        )
    tabular.log_import_report(logger, "clue", report)
    return report
