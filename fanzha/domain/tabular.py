"""Reading rows out of the spreadsheets stations receive: CSV (UTF-8, GBK or GB18030), xlsx and xls.

Headers vary from sender to sender, so the caller gives, as data, the synonyms of each field; the
header row is found among the first rows of the sheet. Every data row comes back with its original
line number (1-based, as a spreadsheet program shows it); a row that cannot be read becomes a
:class:`TableReject` with its line, its raw text and the reason, never silently dropped.

Pure Python: used by the clue importer and meant for the other importers (registrations,
report spreadsheets).
"""

from __future__ import annotations

import csv
import io
import json
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from fanzha.errors import UserFacingError

SCAN_ROWS = 20
XLSX_MAGIC = b"PK\x03\x04"
XLS_MAGIC = b"\xd0\xcf\x11\xe0"
_HEADER_NOISE = re.compile(r"[\s*:：()（）\[\]【】<>《》\"'“”‘’_\-/、.]+")


@dataclass(frozen=True)
class TableRow:
    line: int
    values: dict[str, str]
    raw: str


@dataclass(frozen=True)
class TableReject:
    line: int
    raw: str
    reason: str


@dataclass
class Table:
    """What was read: rows keyed by field name, rejects, and how the file was understood."""

    rows: list[TableRow] = field(default_factory=list)
    rejects: list[TableReject] = field(default_factory=list)
    header_line: int = 0
    columns: dict[str, str] = field(default_factory=dict)  # field -> header text as written
    unmapped: list[str] = field(default_factory=list)
    file_format: str = ""
    encoding: str = ""


def load_synonyms(path: Path) -> dict[str, list[str]]:
    """Read a ``{field: [synonym, ...]}`` JSON file; keys starting with ``_`` are comments."""
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return {k: [str(s) for s in v] for k, v in data.items() if not k.startswith("_")}


def normalise_header(text: str) -> str:
    """Fold width and case and drop spaces and punctuation, so "手机号码：" equals "手机号码"."""
    return _HEADER_NOISE.sub("", unicodedata.normalize("NFKC", text)).lower()


def map_header(cells: Sequence[str], synonyms: Mapping[str, Sequence[str]]) -> dict[int, str]:
    """Column index -> field. An exact synonym beats one merely contained in the cell; among
    contained ones the longest wins ("涉诈号码" is a fraud identifier even though it contains
    "号码"); each field takes the first column that claims it."""
    folded = {f: [normalise_header(s) for s in syns] for f, syns in synonyms.items()}
    claims: list[tuple[int, int, int, str]] = []  # (exactness, length, -column, field)
    for index, cell in enumerate(cells):
        text = normalise_header(cell)
        if not text:
            continue
        best: tuple[int, int, str] | None = None
        for name, syns in folded.items():
            for syn in syns:
                if not syn:
                    continue
                if text == syn:
                    score = (2, len(syn), name)
                elif syn in text:
                    score = (1, len(syn), name)
                else:
                    continue
                if best is None or score[:2] > best[:2]:
                    best = score
        if best is not None:
            claims.append((best[0], best[1], -index, best[2]))
    mapping: dict[int, str] = {}
    taken: set[str] = set()
    for _exact, _length, neg_index, name in sorted(claims, reverse=True):
        if name not in taken:
            mapping[-neg_index] = name
            taken.add(name)
    return dict(sorted(mapping.items()))


def cell_text(value: Any) -> str:
    """A cell as text: whole floats lose ".0" (phones typed as numbers), dates become ISO."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e16:
            return str(int(value))
        return repr(value)
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, time):
        return value.strftime("%H:%M:%S")
    return str(value).strip()


def decode_text(data: bytes) -> tuple[str, str]:
    """Return (text, encoding). UTF-8 is tried first because GB18030 would "decode" UTF-8 bytes
    into mojibake without complaint; GB18030 covers GBK and GB2312. Bytes that fit neither are
    handed to charset-normalizer; bytes no guess can decode stay as surrogate escapes so the
    rows holding them can be rejected one by one rather than losing the file."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="surrogateescape"), "utf-8-sig"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030"), "gb18030"
    except UnicodeDecodeError:
        pass
    utf8_bad = _escapes(data, "utf-8")
    gb_bad = _escapes(data, "gb18030")
    # A few stray bytes in an otherwise clean file: keep the file's encoding, reject those rows.
    tolerable = max(16, sum(1 for b in data if b >= 0x80) // 100)
    # UTF-8 first again: GB18030 reads UTF-8 as mojibake with only a few errors.
    for encoding, bad in (("utf-8", utf8_bad), ("gb18030", gb_bad)):
        if bad <= tolerable:
            return data.decode(encoding, errors="surrogateescape"), encoding
    from charset_normalizer import from_bytes

    guess = from_bytes(data[:200_000]).best()
    if guess is not None:
        try:
            return data.decode(guess.encoding), guess.encoding
        except (UnicodeDecodeError, LookupError):
            pass
    encoding = "utf-8" if utf8_bad <= gb_bad else "gb18030"
    return data.decode(encoding, errors="surrogateescape"), encoding


def _escapes(data: bytes, encoding: str) -> int:
    text = data.decode(encoding, errors="surrogateescape")
    return sum(1 for ch in text if "\udc80" <= ch <= "\udcff")


def _has_escapes(text: str) -> bool:
    return any("\udc80" <= ch <= "\udcff" for ch in text)


def _printable_raw(text: str) -> str:
    return text.encode("utf-8", errors="backslashreplace").decode("utf-8")


def detect_format(data: bytes, filename: str = "") -> str:
    """``xlsx``, ``xls`` or ``csv``, by the file's first bytes (names lie more often than bytes)."""
    if data.startswith(XLSX_MAGIC):
        return "xlsx"
    if data.startswith(XLS_MAGIC):
        return "xls"
    suffix = Path(filename).suffix.lower()
    if suffix in (".xlsx", ".xls", ".xlsm"):
        raise UserFacingError(
            f"文件 {filename} 的扩展名是 {suffix}，但内容不是 Excel 表格",
            f"{filename} is named {suffix} but is not an Excel workbook",
        )
    return "csv"


def read_table(
    source: Path | bytes,
    synonyms: Mapping[str, Sequence[str]],
    *,
    filename: str = "",
    required: Sequence[str] = (),
    min_header_matches: int = 2,
    scan_rows: int = SCAN_ROWS,
) -> Table:
    """Read a spreadsheet into rows keyed by field.

    The header is the first of the first ``scan_rows`` rows where at least ``min_header_matches``
    cells map to fields and every ``required`` field is present. Raises ``UserFacingError`` for a
    file that cannot be opened or has no recognisable header; individual bad rows become rejects.
    """
    if isinstance(source, Path):
        filename = filename or source.name
        try:
            data = source.read_bytes()
        except OSError as exc:
            raise UserFacingError(
                f"无法读取文件 {source}：{exc.strerror}", f"cannot read {source}: {exc}"
            ) from exc
    else:
        data = source
    if not data.strip():
        raise UserFacingError(f"文件 {filename or ''} 是空的", f"file {filename or ''} is empty")
    file_format = detect_format(data, filename)
    if file_format == "csv":
        text, encoding = decode_text(data)
        records = _csv_records(text)
    else:
        encoding = ""
        records = _workbook_records(data, filename)
    table = _assemble(records, synonyms, required, min_header_matches, scan_rows, filename)
    table.file_format, table.encoding = file_format, encoding
    return table


# A record is (line, cells, raw text); cells is None when the row itself could not be split.
_Record = tuple[int, list[str] | None, str]


def _csv_records(text: str) -> list[_Record]:
    sample = text[:20_000]
    counts = {d: sample.count(d) for d in (",", "\t", ";", "|")}
    delimiter = "," if counts[","] or not max(counts.values()) else max(counts, key=lambda d: counts[d])
    # newline="" splits on \r, \n and \r\n exactly as the csv module counts lines.
    lines = io.StringIO(text, newline="").readlines()
    records: list[_Record] = []
    offset = 0  # physical lines consumed before the current reader started
    while offset < len(lines):
        reader = csv.reader(
            io.StringIO("".join(lines[offset:]), newline=""), delimiter=delimiter, strict=True
        )
        previous_end = 0
        try:
            for cells in reader:
                start, previous_end = previous_end + 1, reader.line_num
                raw = "".join(lines[offset + start - 1 : offset + previous_end]).rstrip("\r\n")
                records.append((offset + start, cells, raw))
            break
        except csv.Error:
            # The reader cannot recover inside a broken record: keep it, restart after it.
            start = previous_end + 1
            end = max(reader.line_num, start)
            records.append(
                (offset + start, None, "".join(lines[offset + start - 1 : offset + end]).rstrip("\r\n"))
            )
            offset += end
    return records


def _workbook_records(data: bytes, filename: str) -> list[_Record]:
    from python_calamine import CalamineWorkbook

    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
        sheet = workbook.get_sheet_by_index(0)
        rows = sheet.to_python(skip_empty_area=False)
    except Exception as exc:  # calamine raises its own error types for every kind of damage
        raise UserFacingError(
            f"无法打开表格 {filename}：文件已损坏或不是 Excel 格式", f"cannot open workbook {filename}: {exc}"
        ) from exc
    records: list[_Record] = []
    for index, row in enumerate(rows, start=1):
        cells = [cell_text(v) for v in row]
        records.append((index, cells, "\t".join(cells).rstrip("\t")))
    return records


def _assemble(
    records: list[_Record],
    synonyms: Mapping[str, Sequence[str]],
    required: Sequence[str],
    min_header_matches: int,
    scan_rows: int,
    filename: str,
) -> Table:
    table = Table()
    header_at: int | None = None
    mapping: dict[int, str] = {}
    for position, (_line, cells, _raw) in enumerate(records[:scan_rows]):
        if cells is None:
            continue
        candidate = map_header(cells, synonyms)
        if len(candidate) >= min_header_matches and set(required) <= set(candidate.values()):
            header_at, mapping = position, candidate
            header_cells = cells
            break
    if header_at is None:
        expected = "、".join(s[0] for s in synonyms.values() if s)
        raise UserFacingError(
            f"在文件 {filename} 的前 {scan_rows} 行中找不到表头（应包含如：{expected}）",
            f"no header row found in the first {scan_rows} rows of {filename}",
        )
    table.header_line = records[header_at][0]
    table.columns = {name: header_cells[i].strip() for i, name in mapping.items()}
    table.unmapped = [c.strip() for i, c in enumerate(header_cells) if i not in mapping and c.strip()]
    last_header_cell = max(i for i, c in enumerate(header_cells) if c.strip())
    for line, cells, raw in records[header_at + 1 :]:
        if cells is None:
            table.rejects.append(
                TableReject(line, _printable_raw(raw), "行格式错误（引号不配对），无法拆分为列")
            )
            continue
        if not any(c.strip() for c in cells):
            continue  # blank lines carry nothing to lose
        if _has_escapes(raw):
            table.rejects.append(
                TableReject(line, _printable_raw(raw), "含无法识别编码的字节（文件编码混杂或已损坏）")
            )
            continue
        filled = max(i for i, c in enumerate(cells) if c.strip())
        if filled > last_header_cell:
            table.rejects.append(
                TableReject(
                    line, raw, f"列数与表头不符（表头 {last_header_cell + 1} 列，本行 {filled + 1} 列）"
                )
            )
            continue
        values = {name: (cells[i].strip() if i < len(cells) else "") for i, name in mapping.items()}
        table.rows.append(TableRow(line, values, raw))
    return table
