"""Reading bank and payment statements (流水) as banks hand them over, into normalised rows.

Statements come as xlsx, xls or csv, CSV in UTF-8 (with or without BOM), GBK or GB18030, with
title lines above the header, Chinese column names that differ by bank (the synonyms are data in
``fanzha/data/funds/columns.json``), dates and amounts written in many ways. Every data row either
becomes a :class:`StatementRow` or a :class:`Reject` carrying the file, the line and the reason: a
row that cannot be read is never dropped silently.

Units: money in integer fen; times are naive local (Beijing) wall-clock ``datetime`` values,
truncated to the second, exactly as the bank printed them.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

from fanzha.domain.amounts import AmountUnreadable, parse_money_cell_fen
from fanzha.domain.data_files import load_data_json
from fanzha.domain.dates import parse_table_datetime
from fanzha.domain.dates import parse_time_of_day as parse_time_of_day
from fanzha.domain.tabular import (
    UNDECODABLE,
    XLS_MAGIC,
    Reject,
    cell_text,
    detect_encoding,
    iter_sheet_rows,
    normalise_header,
    open_workbook,
)
from fanzha.errors import UserFacingError

Direction = Literal["in", "out"]

#: How a statement's cells are read, by kind: ``account`` (card and account numbers, see
#: :func:`normalise_account`), ``money`` (:func:`parse_amount_fen`), ``direction``
#: (:func:`parse_direction`), ``time`` (a date or date-time, :func:`parse_datetime`), ``clock`` (the
#: time of day beside a date column) and ``text`` (copied after trimming).
StatementKind = Literal["account", "money", "direction", "time", "clock", "text"]

#: The statement's columns declared as data, in header-matching priority order (the synonyms are in
#: ``fanzha/data/funds/columns.json``). The Python reader parses each cell by its kind, and the
#: store's SQL fast path generates each column's expression from the same kind
#: (:mod:`fanzha.domain.statement_store`); a property test holds the two to the same rows.
STATEMENT_COLUMNS: dict[str, StatementKind] = {
    "account": "account",
    "account_name": "text",
    "counterparty": "account",
    "counterparty_name": "text",
    "counterparty_bank": "text",
    "amount": "money",
    "amount_in": "money",
    "amount_out": "money",
    "direction": "direction",
    "datetime": "time",
    "date": "time",
    "time": "clock",
    "balance": "money",
    "summary": "text",
    "branch": "text",
    "ip": "text",
    "mac": "text",
}
#: Fields of a normalised row that come from columns.
FIELDS: tuple[str, ...] = tuple(STATEMENT_COLUMNS)
#: Text fields copied through after trimming.
TEXT_FIELDS: tuple[str, ...] = tuple(f for f, kind in STATEMENT_COLUMNS.items() if kind == "text")
#: How many rows from the top are searched for the header row.
HEADER_SEARCH_ROWS = 40


@dataclass(frozen=True)
class StatementRow:
    """One transaction from the point of view of ``account`` (the statement's own account)."""

    account: str
    counterparty: str | None
    direction: Direction
    amount_fen: int
    at: datetime
    balance_fen: int | None
    counterparty_name: str | None
    counterparty_bank: str | None
    summary: str | None
    branch: str | None
    ip: str | None
    mac: str | None
    account_name: str | None
    source_file: str
    source_line: int


@dataclass(frozen=True)
class StatementLayout:
    """Where the header is and which column holds which field.

    ``header_line`` is 1-based (a physical line for CSV, a sheet row for spreadsheets);
    ``columns`` maps a field of :data:`FIELDS` to a 0-based column index.
    """

    header_line: int
    columns: Mapping[str, int]
    header: tuple[str, ...]
    title_account: str | None = None
    sheet: str | None = None


@dataclass
class StatementRead:
    """Everything read from one file."""

    path: str
    kind: Literal["csv", "xlsx", "xls"]
    encoding: str | None
    delimiter: str | None
    layout: StatementLayout
    rows: list[StatementRow] = field(default_factory=list)
    rejects: list[Reject] = field(default_factory=list)


# --- data --------------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def column_synonyms() -> dict[str, tuple[str, ...]]:
    """Field → header synonyms, normalised, in priority order."""
    data = _load_json("columns.json")
    return {f: tuple(normalise_header(s) for s in names) for f, names in data["fields"].items()}


@lru_cache(maxsize=1)
def direction_values() -> dict[str, Direction]:
    """Direction cell value (normalised) → ``in`` / ``out``."""
    data = _load_json("columns.json")["direction_values"]
    table: dict[str, Direction] = {}
    for value in data["out"]:
        table[_fold(value).upper()] = "out"
    for value in data["in"]:
        table[_fold(value).upper()] = "in"
    return table


def _load_json(name: str) -> dict[str, Any]:
    result: dict[str, Any] = load_data_json(f"funds/{name}")
    return result


# --- cell parsers ------------------------------------------------------------------------------


def _fold(text: str) -> str:
    """NFKC folds full-width digits, letters, ¥ and spaces to their ASCII forms."""
    return unicodedata.normalize("NFKC", text).strip()


_SCIENTIFIC = re.compile(r"^\d(?:\.\d+)?E\+?\d+$", re.IGNORECASE)
#: Account cells that mean "no account" (after unwrapping).
NULL_ACCOUNTS = frozenset({"-", "--", "NULL", "null", "None", "nan"})


def normalise_account(text: str) -> str | None:
    """An account or card number as text; ``None`` when empty.

    Spreadsheet exports wrap long numbers as ``="6222…"`` or prefix a tab or an apostrophe so
    that Excel keeps every digit; those wrappers are removed. A number already turned into
    scientific notation ("6.22202E+18") has lost its digits and raises ``ValueError``.
    """
    folded = _fold(text)
    folded = folded.strip("=\"' \t")
    folded = re.sub(r"\s+", "", folded)
    if not folded or folded in NULL_ACCOUNTS:
        return None
    if _SCIENTIFIC.match(folded):
        raise ValueError(f"卡号被科学计数法截断 / account number mangled into scientific notation: {text}")
    return folded


def parse_amount_fen(text: str) -> int:
    """Integer fen from a statement's money cell (see :func:`fanzha.domain.amounts.parse_money_cell_fen`);
    raises ``ValueError`` with the reason a row is rejected for."""
    try:
        return parse_money_cell_fen(text)
    except AmountUnreadable:
        raise ValueError(f"金额无法识别 / unreadable amount: {text!r}") from None


parse_datetime = parse_table_datetime


def parse_direction(text: str) -> Direction:
    """ "借"/"出"/"付"/"D"/"0" → ``out``; "贷"/"进"/"收"/"C"/"1" → ``in``; raises ``ValueError``."""
    folded = _fold(text).upper()
    table = direction_values()
    if folded in table:
        return table[folded]
    for key in (folded[:1], folded[:2]):
        if key and key in table and not key.isdigit():
            return table[key]
    raise ValueError(f"借贷标志无法识别 / unreadable debit/credit flag: {text!r}")


# --- header detection --------------------------------------------------------------------------


def map_header(cells: Sequence[str], explicit: Mapping[str, str] | None = None) -> dict[str, int]:
    """Field → column index for one candidate header row.

    With ``explicit`` (field → header text as written in the file) only those columns are used,
    which is how a remembered per-bank mapping is applied.
    """
    normalised = [normalise_header(c) for c in cells]
    if explicit:
        mapping: dict[str, int] = {}
        for field_name, header_text in explicit.items():
            if field_name not in FIELDS:
                raise UserFacingError(
                    f"列映射中的字段“{field_name}”不存在",
                    f"unknown field {field_name!r} in the column mapping",
                )
            wanted = normalise_header(header_text)
            if wanted in normalised:
                mapping[field_name] = normalised.index(wanted)
        return mapping
    synonyms = column_synonyms()
    mapping = {}
    taken: set[int] = set()
    # Exact synonyms first, by priority, so that "交易时间" beats the generic "时间".
    for field_name in FIELDS:
        for synonym in synonyms.get(field_name, ()):
            hits = [i for i, h in enumerate(normalised) if h == synonym and i not in taken]
            if hits:
                mapping[field_name] = hits[0]
                taken.add(hits[0])
                break
    return mapping


def _usable(mapping: Mapping[str, int], title_account: str | None) -> bool:
    has_amount = "amount" in mapping or ("amount_in" in mapping and "amount_out" in mapping)
    has_time = "datetime" in mapping or "date" in mapping
    has_account = "account" in mapping or title_account is not None
    return has_amount and has_time and has_account


_TITLE_ACCOUNT = re.compile(r"(?:卡号|账号|帐号|账户)\s*[:：]?\s*([0-9]{8,30})")


def find_layout(
    rows: Sequence[Sequence[str]], explicit: Mapping[str, str] | None = None, sheet: str | None = None
) -> StatementLayout | None:
    """Locate the header among the first rows; ``None`` if no row looks like a statement header."""
    title_account: str | None = None
    best: tuple[int, int, dict[str, int]] | None = None
    for index, cells in enumerate(rows[:HEADER_SEARCH_ROWS]):
        texts = [str(c) for c in cells]
        mapping = map_header(texts, explicit)
        if _usable(mapping, title_account) and (best is None or len(mapping) > best[1]):
            best = (index, len(mapping), mapping)
            # The first usable row with this many fields is the header; rows below are data.
            break
        if title_account is None:
            match = _TITLE_ACCOUNT.search(_fold(" ".join(texts)))
            if match:
                title_account = match[1]
    if best is None:
        return None
    index, _, mapping = best
    header = tuple(str(c) for c in rows[index])
    if "datetime" in mapping and "date" in mapping and "time" not in mapping:
        # 交易日期 + 交易时间: the 时间 column holds the clock, the 日期 column the day.
        mapping = dict(mapping)
        mapping["time"] = mapping.pop("datetime")
    return StatementLayout(
        header_line=index + 1,
        columns=mapping,
        header=header,
        title_account=None if "account" in mapping else title_account,
        sheet=sheet,
    )


# --- decoding and reading files ----------------------------------------------------------------


UNDECODABLE_REASON = (
    "含无法识别编码的字节（文件损坏或编码混杂），请核对原始流水 / undecodable bytes in this row"
)


def sniff_delimiter(line: str) -> str:
    """The delimiter of a header line: the most frequent of comma, tab, '|' and ';'."""
    counts = {d: line.count(d) for d in (",", "\t", "|", ";")}
    return max(counts, key=lambda d: counts[d]) if max(counts.values()) > 0 else ","


def file_kind(path: Path) -> Literal["csv", "xlsx", "xls"]:
    """Kind of a statement file by its first bytes (names lie: "流水.xls" is often HTML or CSV)."""
    with path.open("rb") as handle:
        head = handle.read(8)
    if head.startswith(b"PK"):
        return "xlsx"
    if head.startswith(XLS_MAGIC):
        return "xls"
    return "csv"


def _spreadsheet_rows(path: Path) -> Iterator[tuple[str, list[list[str]]]]:
    """Each sheet's rows as text. The workbook passes the unpacked-size check first (an xlsx bomb is
    refused, not read), and a damaged file or a panic inside calamine becomes a clear error."""
    workbook = open_workbook(path, path.name)
    for name in workbook.sheet_names:
        yield name, [[cell_text(v) for v in row] for row in iter_sheet_rows(workbook, name, path.name)]


def read_csv_text(path: Path) -> tuple[str, str]:
    """Whole CSV text and its encoding."""
    data = path.read_bytes()
    encoding = detect_encoding(data[: 1 << 20])
    try:
        return data.decode(encoding), encoding
    except UnicodeDecodeError:
        # The sample decoded but a later byte did not: a mixed or damaged file. Decode what we
        # can; rows holding replacement characters still parse or get rejected on their own.
        return data.decode(encoding, errors="replace"), encoding


def _csv_records(text: str, delimiter: str) -> Iterator[tuple[int, list[str]]]:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        for record in reader:
            yield reader.line_num, record
    except csv.Error as exc:
        raise UserFacingError(
            f"CSV 格式错误（第 {reader.line_num} 行）：{exc}",
            f"malformed CSV at line {reader.line_num}: {exc}",
        ) from exc


def read_statement(path: str | Path, mapping: Mapping[str, str] | None = None) -> StatementRead:
    """Read one statement file into normalised rows and rejects.

    ``mapping`` (field → header text) overrides the synonym table, for banks with odd headers.
    Raises :class:`UserFacingError` when the file cannot be opened or holds no statement header.
    """
    path = Path(path)
    if not path.is_file():
        raise UserFacingError(f"找不到文件：{path}", f"file not found: {path}")
    kind = file_kind(path)
    if kind == "csv":
        text, encoding = read_csv_text(path)
        first_lines = text[:65536].splitlines()[:HEADER_SEARCH_ROWS]
        delimiter = _delimiter_for(first_lines, mapping)
        records = list(_csv_records(text, delimiter))
        rows = [r for _, r in records]
        layout = find_layout(rows, mapping)
        if layout is None:
            raise _no_header(path)
        # Physical line numbers: a quoted field may span lines.
        numbered = [(line, r) for line, r in records[layout.header_line :]]
        header_physical = records[layout.header_line - 1][0]
        layout = StatementLayout(
            header_physical, layout.columns, layout.header, layout.title_account, layout.sheet
        )
        result = StatementRead(str(path), kind, encoding, delimiter, layout)
        _normalise_into(result, numbered)
        return result
    for sheet_name, rows in _spreadsheet_rows(path):
        layout = find_layout(rows, mapping, sheet=sheet_name)
        if layout is None:
            continue
        result = StatementRead(str(path), kind, None, None, layout)
        numbered = [(layout.header_line + 1 + i, r) for i, r in enumerate(rows[layout.header_line :])]
        _normalise_into(result, numbered)
        return result
    raise _no_header(path)


def _delimiter_for(lines: Sequence[str], mapping: Mapping[str, str] | None) -> str:
    for line in lines:
        delimiter = sniff_delimiter(line)
        cells = next(csv.reader([line], delimiter=delimiter), [])
        if _usable(map_header(cells, mapping), "x"):
            return delimiter
    return sniff_delimiter(lines[0]) if lines else ","


def _no_header(path: Path) -> UserFacingError:
    return UserFacingError(
        f"{path.name} 中找不到流水表头（需要卡号、金额、交易时间等列）",
        f"no statement header found in {path.name} (need account, amount and time columns)",
    )


def _normalise_into(result: StatementRead, numbered: Iterable[tuple[int, Sequence[str]]]) -> None:
    layout = result.layout
    width = len(layout.header)
    for line, cells in numbered:
        if not any(str(c).strip() for c in cells):
            continue
        raw = ",".join(str(c) for c in cells)
        try:
            if len(cells) < width and max(layout.columns.values()) >= len(cells):
                raise ValueError(
                    f"列数不足（{len(cells)}/{width}），行不完整 / "
                    f"row has {len(cells)} of {width} columns (truncated)"
                )
            result.rows.append(normalise_cells(cells, layout, result.path, line))
        except ValueError as exc:
            result.rejects.append(Reject(line, str(exc), raw, result.path))


def normalise_cells(
    cells: Sequence[str], layout: StatementLayout, source_file: str, line: int
) -> StatementRow:
    """One data row → :class:`StatementRow`; raises ``ValueError`` with the reason to reject it."""
    columns = layout.columns

    def cell(field_name: str) -> str:
        index = columns.get(field_name)
        if index is None or index >= len(cells):
            return ""
        return str(cells[index]).strip()

    def parsed(field_name: str) -> Any:
        """The cell read by its kind in :data:`STATEMENT_COLUMNS`; ``None`` when empty."""
        text = cell(field_name)
        return _CELL_PARSERS[STATEMENT_COLUMNS[field_name]](text) if text else None

    if any(UNDECODABLE in str(c) for c in cells):
        raise ValueError(UNDECODABLE_REASON)
    account = parsed("account") if "account" in columns else layout.title_account
    if not account:
        raise ValueError("本方账号为空 / empty account")
    counterparty = parsed("counterparty")

    direction: Direction | None = parsed("direction")
    if "amount" in columns and cell("amount"):
        signed = parsed("amount")
        if direction is None:
            direction = "out" if signed < 0 else "in"
            if "direction" in columns:
                raise ValueError("借贷标志为空 / empty debit/credit flag")
        amount_fen = abs(signed)
    else:
        income = parsed("amount_in") or 0
        outgo = parsed("amount_out") or 0
        if income and outgo:
            raise ValueError("收入与支出同时有值 / both income and expense are filled in")
        if not income and not outgo:
            if "amount" in columns or cell("amount_in") or cell("amount_out"):
                raise ValueError("金额为零 / zero amount")
            raise ValueError("金额为空 / empty amount")
        amount_fen = abs(income or outgo)
        if direction is None:
            direction = "in" if income else "out"

    # The date (or date-time) column reads the clock column beside it; an empty one is a reject.
    at = parse_datetime(cell("datetime" if "datetime" in columns else "date"), cell("time") or None)
    balance_fen = parsed("balance")
    texts = {name: (cell(name) or None) for name in TEXT_FIELDS}
    return StatementRow(
        account=account,
        counterparty=counterparty,
        direction=direction,
        amount_fen=amount_fen,
        at=at,
        balance_fen=balance_fen,
        counterparty_name=texts["counterparty_name"],
        counterparty_bank=texts["counterparty_bank"],
        summary=texts["summary"],
        branch=texts["branch"],
        ip=texts["ip"],
        mac=texts["mac"],
        account_name=texts["account_name"],
        source_file=source_file,
        source_line=line,
    )


#: The Python reader's parser of each kind of :data:`STATEMENT_COLUMNS` (text is copied as it is).
_CELL_PARSERS: dict[StatementKind, Callable[[str], Any]] = {
    "account": normalise_account,
    "money": parse_amount_fen,
    "direction": parse_direction,
    "time": parse_datetime,
    "clock": parse_time_of_day,
    "text": str,
}


def natural_key(row: StatementRow) -> tuple[str, datetime, int, str, str, int | None]:
    """The fields that identify a transaction regardless of file and line (for idempotent import).

    The store adds the occurrence number of the key within the file, so two genuinely identical
    rows of one statement are both kept while a re-import of the same statement adds nothing.
    """
    return (row.account, row.at, row.amount_fen, row.direction, row.counterparty or "", row.balance_fen)
