"""Which column layout a statement file has, and the per-bank mappings investigators set once.

A file is readable when the synonym table (``fanzha/data/funds/columns.json``) finds its header,
or when a remembered :class:`~fanzha.funds.models.BankColumnMapping` fits it. Otherwise the
mapping page shows the first rows and lets a person say which column is which; the mapping is
stored under the header's signature and applied automatically to the next file of that layout.
"""

from __future__ import annotations

import csv
import hashlib
import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from itertools import islice
from pathlib import Path

from django.utils import timezone

from fanzha.domain import statements as st
from fanzha.domain.banks import bank_from_card, bank_from_text
from fanzha.domain.tabular import iter_sheet_rows, open_workbook
from fanzha.errors import UserFacingError
from fanzha.funds.models import BankColumnMapping
from fanzha.stations.models import User

PREVIEW_ROWS = st.HEADER_SEARCH_ROWS
#: Fields an investigator can map, with their labels, in the order the form shows them.
FIELD_LABELS: dict[str, str] = {
    "account": "本方账号/卡号",
    "account_name": "本方户名",
    "counterparty": "对方账号/卡号",
    "counterparty_name": "对方户名",
    "counterparty_bank": "对方开户行",
    "amount": "交易金额（带正负或配合借贷标志）",
    "amount_in": "收入金额",
    "amount_out": "支出金额",
    "direction": "借贷/收付标志",
    "datetime": "交易时间（日期+时间）",
    "date": "交易日期",
    "time": "时间（单独一列时）",
    "balance": "交易余额",
    "summary": "摘要",
    "branch": "交易网点",
    "ip": "IP地址",
    "mac": "MAC地址",
}


@dataclass(frozen=True)
class Preview:
    """The first rows of a file as text cells, and the row most likely to be its header (0-based)."""

    rows: list[list[str]]
    header_index: int

    @property
    def header(self) -> list[str]:
        return self.rows[self.header_index] if self.rows else []

    @property
    def sample(self) -> list[list[str]]:
        return self.rows[self.header_index + 1 : self.header_index + 6]


@dataclass(frozen=True)
class Resolution:
    """How a file will be read: by synonyms (``mapping`` None), by a remembered mapping, or not yet."""

    readable: bool
    mapping: BankColumnMapping | None
    preview: Preview | None


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, date):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, time):
        return value.strftime("%H:%M:%S")
    return str(value).strip()


def preview_rows(path: Path, limit: int = PREVIEW_ROWS) -> list[list[str]]:
    """The first ``limit`` rows of a statement file as text, reading only the head of a CSV."""
    if st.file_kind(path) == "csv":
        with path.open("rb") as handle:
            sample = handle.read(1 << 18)
        encoding = st.detect_encoding(sample)
        text = sample.decode(encoding, errors="replace")
        lines = text.splitlines()
        if len(sample) == 1 << 18:
            lines = lines[:-1]  # the sample may end inside a line
        lines = lines[:limit]
        delimiter = max(
            (st.sniff_delimiter(line) for line in lines),
            key=lambda d: sum(x.count(d) for x in lines),
            default=",",
        )
        return [
            [c.strip() for c in row] for row in csv.reader(io.StringIO("\n".join(lines)), delimiter=delimiter)
        ]
    workbook = open_workbook(path, path.name)
    if not workbook.sheet_names:
        raise UserFacingError(f"表格 {path.name} 中没有工作表", f"workbook {path.name} has no sheet")
    rows = islice(iter_sheet_rows(workbook, workbook.sheet_names[0], path.name), limit)
    return [[_cell_text(v) for v in row] for row in rows]


def _looks_like_header(cells: Sequence[str]) -> bool:
    filled = [c for c in cells if c.strip()]
    if len(filled) < 3:
        return False
    wordy = [c for c in filled if not any(ch.isdigit() for ch in c)]
    return len(wordy) >= 0.6 * len(filled)


def guess_header_index(rows: Sequence[Sequence[str]]) -> int:
    """The first row that looks like a header (mostly words, at least three cells), else 0."""
    for index, cells in enumerate(rows):
        if _looks_like_header(cells) and index + 1 < len(rows):
            return index
    return 0


def header_signature(cells: Sequence[str]) -> str:
    """A stable key for a header row: its normalised cells, trailing empties dropped, hashed."""
    normalised = [st.normalise_header(c) for c in cells]
    while normalised and not normalised[-1]:
        normalised.pop()
    return hashlib.sha256("|".join(normalised).encode("utf-8")).hexdigest()[:32]


def resolve(path: Path) -> Resolution:
    """Decide how ``path`` will be read; a remembered mapping for its exact header wins."""
    rows = preview_rows(path)
    signatures = {header_signature(r): i for i, r in enumerate(rows) if _looks_like_header(r)}
    if signatures:
        remembered = BankColumnMapping.objects.filter(signature__in=signatures).first()
        if remembered is not None and st.find_layout(rows, remembered.columns) is not None:
            return Resolution(True, remembered, None)
    if st.find_layout(rows) is not None:
        return Resolution(True, None, None)
    for remembered in BankColumnMapping.objects.order_by("-last_used_at", "-created_at")[:50]:
        if st.find_layout(rows, remembered.columns) is not None:
            return Resolution(True, remembered, None)
    return Resolution(False, None, Preview(rows, guess_header_index(rows)))


def mapping_errors(columns: Mapping[str, str]) -> list[str]:
    """What a mapping lacks before a statement can be read with it (Chinese messages)."""
    errors = []
    if "account" not in columns:
        errors.append("请指定“本方账号/卡号”列")
    if "amount" not in columns and not ("amount_in" in columns and "amount_out" in columns):
        errors.append("请指定“交易金额”列，或同时指定“收入金额”和“支出金额”列")
    if "datetime" not in columns and "date" not in columns:
        errors.append("请指定“交易时间”或“交易日期”列")
    used = [v for v in columns.values()]
    if len(used) != len(set(used)):
        errors.append("同一列不能对应两个字段")
    return errors


def guess_bank(preview: Preview) -> str:
    """A bank name for the mapping form: from the title lines, else the first account's BIN."""
    for cells in preview.rows[: preview.header_index]:
        name = bank_from_text(" ".join(cells))
        if name:
            return name
    for cells in preview.sample:
        for cell in cells:
            digits = cell.strip()
            if digits.isdigit():
                name = bank_from_card(digits)
                if name:
                    return name
    return ""


def save_mapping(
    preview: Preview, header_index: int, columns: Mapping[str, str], bank: str, user: User | None
) -> BankColumnMapping:
    """Store (or update) the mapping for this header; raises ``UserFacingError`` if it cannot read."""
    errors = mapping_errors(columns)
    if errors:
        raise UserFacingError("；".join(errors), "incomplete column mapping")
    header = preview.rows[header_index]
    if st.find_layout(preview.rows, dict(columns)) is None:
        raise UserFacingError("按该映射仍无法识别表头，请检查所选列", "the mapping does not fit the header")
    mapping, _ = BankColumnMapping.objects.update_or_create(
        signature=header_signature(header),
        defaults={
            "bank": bank.strip() or "未命名",
            "header": list(header),
            "columns": dict(columns),
            "created_by": user,
        },
    )
    return mapping


def note_used(mapping: BankColumnMapping) -> None:
    BankColumnMapping.objects.filter(pk=mapping.pk).update(
        used_count=mapping.used_count + 1, last_used_at=timezone.now()
    )
