"""Importing a clue spreadsheet (xlsx, xls, CSV in UTF-8 / GBK / GB18030) sent from above.

The rows are read by :mod:`fanzha.domain.tabular` with the header synonyms of
``fanzha/data/clues/columns.json``; each row becomes a :class:`ClueInput` or, when it cannot be
read, a :class:`ClueReject` kept with its line, raw text and reason. Importing the same file
twice creates nothing new: clues are idempotent by (source, source id), and a row without an id
gets one derived from its content.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils import timezone

from fanzha.clues.intake import ClueInput, IntakeResult, grading_rules, receive_clues
from fanzha.clues.models import ClueBatch, ClueReject
from fanzha.domain.amounts import AmountUnreadable, parse_amount, to_halfwidth
from fanzha.domain.tabular import Table, TableReject, TableRow, load_synonyms, read_table
from fanzha.stations import audit
from fanzha.stations.models import AuditLog, User

COLUMNS_FILE = Path(__file__).resolve().parent.parent / "data" / "clues" / "columns.json"
TARGET_FIELDS = ("target_name", "target_phone", "target_id_number", "target_address")
TIME_FORMATS = (
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y/%m/%d %H:%M:%S",
    "%Y/%m/%d %H:%M",
    "%Y.%m.%d %H:%M:%S",
    "%Y.%m.%d %H:%M",
    "%Y-%m-%dT%H:%M:%S",
    "%Y%m%d%H%M%S",
    "%Y%m%d %H:%M:%S",
    "%Y-%m-%d",
    "%Y/%m/%d",
    "%Y.%m.%d",
    "%Y%m%d",
)
_CN_TIME = re.compile(
    r"(\d{4})年(\d{1,2})月(\d{1,2})日\s*(?:(\d{1,2})(?:时|点|:)(?:(\d{1,2})(?:分|:)?)?(?:(\d{1,2})秒?)?)?"
)


class RowUnreadable(ValueError):
    """One row's value cannot be interpreted; the message (Chinese) becomes the reject reason."""


@dataclass
class ImportReport:
    """The CLI contract: rows = created + duplicates + len(rejected); created = matched + queued."""

    rows: int = 0
    created: int = 0
    duplicates: int = 0
    matched: int = 0
    queued: int = 0
    rejected: list[dict[str, Any]] = field(default_factory=list)
    batch_id: int | None = None
    encoding: str = ""
    columns: dict[str, str] = field(default_factory=dict)

    def contract(self) -> dict[str, Any]:
        return {
            "rows": self.rows,
            "created": self.created,
            "duplicates": self.duplicates,
            "matched": self.matched,
            "queued": self.queued,
            "rejected": self.rejected,
        }


def clue_columns() -> dict[str, list[str]]:
    return load_synonyms(COLUMNS_FILE)


def parse_clue_time(text: str) -> datetime:
    """A naive local (Asia/Shanghai) time from the ways senders write it; raise RowUnreadable."""
    value = to_halfwidth(text.strip())
    for fmt in TIME_FORMATS:
        try:
            return datetime.strptime(value, fmt)
        except ValueError:
            continue
    match = _CN_TIME.fullmatch(value)
    if match:
        parts = [int(p) if p else 0 for p in match.groups()]
        try:
            return datetime(*parts)  # type: ignore[arg-type]
        except ValueError:
            pass
    raise RowUnreadable(f"时间无法识别：{text[:40]}")


def parse_amount_fen(text: str) -> int | None:
    """Yuan as written ("12000", "1.2万", "3,500.50元") to fen; blank is None."""
    value = to_halfwidth(text.strip()).replace(",", "")
    if not value:
        return None
    try:
        return int((Decimal(value) * 100).to_integral_value())
    except InvalidOperation:
        pass
    try:
        return parse_amount(value if value.endswith("元") else value + "元").lower_fen
    except AmountUnreadable as exc:
        raise RowUnreadable(f"金额无法识别：{text[:40]}") from exc


def row_to_input(row: TableRow, default_source: str, received_default: datetime) -> ClueInput:
    """Turn one spreadsheet row into a clue; raise RowUnreadable when it cannot be one."""
    values = row.values
    if not any(values.get(f, "").strip() for f in TARGET_FIELDS):
        raise RowUnreadable("无预警对象信息（姓名、手机号、身份证号、地址均为空）")
    received_text = values.get("received_at", "").strip()
    received = timezone.make_aware(parse_clue_time(received_text)) if received_text else received_default
    amount = parse_amount_fen(values.get("amount_yuan", ""))
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
    table: Table, default_source: str, received_default: datetime
) -> tuple[list[ClueInput], list[TableReject]]:
    inputs: list[ClueInput] = []
    rejects = list(table.rejects)
    for row in table.rows:
        try:
            inputs.append(row_to_input(row, default_source, received_default))
        except RowUnreadable as exc:
            rejects.append(TableReject(row.line, row.raw, str(exc)))
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
    table = read_table(data, clue_columns(), filename=filename, min_header_matches=2)
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
            rows=len(inputs) + len(rejects),
            created=result.created,
            duplicates=result.duplicates,
            matched=result.matched,
            queued=result.queued,
            rejected=[{"line": r.line, "reason": r.reason} for r in rejects],
            batch_id=batch.pk,
            encoding=table.encoding,
            columns=table.columns,
        )
        summary = {**report.contract(), "rejected": len(rejects), "merged": result.merged}
        if created_batch:
            batch.summary = summary
            batch.save(update_fields=["summary"])
        audit.record(
            user,
            AuditLog.Action.CREATE,
            batch,
            reason=f"导入预警线索文件 {filename}",
            detail={**summary, "encoding": table.encoding, "file_sha256": digest},
            username="" if user else "命令行",
        )
    return report
