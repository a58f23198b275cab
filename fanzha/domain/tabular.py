"""Reading rows out of the spreadsheets stations receive: CSV (UTF-8, GBK or GB18030), xlsx and xls.

Headers vary from sender to sender, so the caller gives, as data, the synonyms of each field; the
header row is found among the first rows of the sheet. Every data row comes back with its original
line number (1-based, as a spreadsheet program shows it); a row that cannot be read becomes a
:class:`TableReject` with its line, its raw text and the reason, never silently dropped.

Pure Python: used by the clue importer and meant for the other importers (registrations,
report spreadsheets).

Limits, because a file comes from outside: a table file larger than ``MAX_TABLE_BYTES`` or with more
than ``MAX_TABLE_ROWS`` data rows is refused with a message saying to split it, and an xlsx (a zip of
XML: 9 MB can unpack to 2 GB) whose parts unpack to more than ``MAX_WORKBOOK_UNPACKED_BYTES`` is refused
before calamine opens it (``check_workbook_archive``, also used by the statement reader). Workbook rows
are streamed: the header is looked for in the first rows, and a file without one is refused without
reading the rest.
"""

from __future__ import annotations

import codecs
import csv
import io
import logging
import re
import unicodedata
import zipfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any, Literal

from fanzha.domain.amounts import parse_money_cell_fen
from fanzha.domain.data_files import load_data_json
from fanzha.domain.dates import parse_police_datetime, parse_table_datetime
from fanzha.errors import UserFacingError

SCAN_ROWS = 20
#: Largest clue, registration or report file read (bytes, as uploaded).
MAX_TABLE_BYTES = 32 * 1024 * 1024
#: Most data rows read from one such file.
MAX_TABLE_ROWS = 200_000
#: Most bytes an xlsx may unpack to (its sheets' XML); a statement of 400,000 rows fits.
MAX_WORKBOOK_UNPACKED_BYTES = 256 * 1024 * 1024
XLSX_MAGIC = b"PK\x03\x04"
XLS_MAGIC = b"\xd0\xcf\x11\xe0"
_BRACKETED = re.compile(r"[(\[【（].*?[)\]】）]")
_HEADER_NOISE = re.compile(r"[\s*:：()（）\[\]【】<>《》\"'“”‘’_\-/、.]+")


@dataclass(frozen=True)
class TableRow:
    line: int
    values: dict[str, str]
    raw: str


@dataclass(frozen=True)
class Reject:
    """A row that could not be read: its line, what it said, why it was refused, and the file
    (set where one import reads several files). The one reject record of every import."""

    line: int
    reason: str
    raw: str = ""
    file: str = ""


@dataclass
class ImportReport:
    """What one import of one file (or one batch) did: the one result shape of every import,
    read by its page, the CLI and the API.

    ``rows`` counts the data rows read (blank lines aside); every one of them ends created,
    duplicate (already there: for counts, unchanged), updated, or in ``rejected``. ``matched`` and
    ``queued`` split a clue import's created rows; ``fast_path`` says a statement file was parsed
    set-based in SQL; ``error`` names why a whole file was refused (nothing written).
    """

    file: str = ""
    batch_id: int | None = None
    rows: int = 0
    created: int = 0
    duplicates: int = 0
    updated: int = 0
    matched: int = 0
    queued: int = 0
    rejected: list[Reject] = field(default_factory=list)
    encoding: str = ""
    columns: dict[str, str] = field(default_factory=dict)
    already_imported: bool = False
    fast_path: bool = False
    error: str | None = None


@dataclass
class Table:
    """What was read: rows keyed by field name, rejects, and how the file was understood."""

    rows: list[TableRow] = field(default_factory=list)
    rejects: list[Reject] = field(default_factory=list)
    header_line: int = 0
    columns: dict[str, str] = field(default_factory=dict)  # field -> header text as written
    unmapped: list[str] = field(default_factory=list)
    file_format: str = ""
    encoding: str = ""


def synonyms_in(data: Mapping[str, Any]) -> dict[str, list[str]]:
    """A ``{field: [synonym, ...]}`` table as read from JSON; keys starting with ``_`` are comments."""
    return {k: [str(s) for s in v] for k, v in data.items() if not k.startswith("_")}


def fold_label(text: str) -> str:
    """Fold width and case and drop spaces and punctuation, so "手机号码：" equals "手机号码" and
    "城关-1警格" equals "城关1警格"; used for names compared across files (grids)."""
    return _HEADER_NOISE.sub("", unicodedata.normalize("NFKC", str(text))).upper()


def normalise_header(text: str) -> str:
    """A header as compared with the synonyms of every import: :func:`fold_label` after dropping a
    bracketed unit or note, so "交易金额（元）" and "手机号（必填）" are "交易金额" and "手机号"."""
    return fold_label(_BRACKETED.sub("", unicodedata.normalize("NFKC", str(text))))


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
    """A workbook cell as text, the same for every import.

    Whole floats lose ".0" (phones typed as numbers) below 1e15 only: Excel keeps 15 significant
    digits, so a whole number of 16 digits or more has already lost its last digits and is written
    in scientific notation, which the account reader refuses rather than store a wrong card number.
    Booleans read as 是/否, as a person would have typed them; dates are ISO; a duration (a
    clock-only cell in some xls files) is its clock.
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        if value.is_integer():
            return f"{value:.15g}"  # "6.22202123456789e+15", as Excel shows it
        return repr(value)
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, time):
        return value.strftime("%H:%M:%S")
    if isinstance(value, timedelta):
        seconds = int(value.total_seconds())
        return f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"
    return str(value).strip()


#: What a byte that fits no encoding becomes when text is decoded with replacement; a row holding
#: it is rejected.
UNDECODABLE = "\ufffd"


def detect_encoding(sample: bytes) -> str:
    """The encoding of a CSV file from a sample of its bytes: the one detection of every import.

    UTF-8 (BOM or not) is tried first because GB18030 would "decode" UTF-8 bytes into mojibake
    without complaint; GB18030 covers GBK and GB2312. A multi-byte character cut at the end of the
    sample is tolerated. A few stray bytes in an otherwise clean file (a damaged export, one
    mistyped name) must not lose the file: its encoding is kept and the rows holding them are
    rejected with their lines. charset-normalizer decides only when no trial comes close; bytes
    it cannot place either are no text file (``UserFacingError``).
    """
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    for encoding in ("utf-8", "gb18030"):
        try:
            codecs.getincrementaldecoder(encoding)().decode(sample, final=False)
            return encoding
        except UnicodeDecodeError:
            continue
    tolerable = max(16, sum(1 for b in sample if b >= 0x80) // 100)
    bad: dict[str, int] = {}
    for encoding in ("utf-8", "gb18030"):  # UTF-8 first: GB18030 reads UTF-8 as mojibake
        decoder = codecs.getincrementaldecoder(encoding)(errors="replace")
        bad[encoding] = decoder.decode(sample, final=False).count(UNDECODABLE)
        if bad[encoding] <= tolerable:
            return encoding
    from charset_normalizer import from_bytes

    best = from_bytes(sample[:200_000]).best()
    if best is None:
        raise UserFacingError("无法识别文件编码", "cannot detect the file's text encoding")
    try:
        sample.decode(best.encoding)
        return str(best.encoding)
    except (UnicodeDecodeError, LookupError):
        return "utf-8" if bad["utf-8"] <= bad["gb18030"] else "gb18030"


def decode_text(data: bytes) -> tuple[str, str]:
    """Return (text, encoding), the encoding by :func:`detect_encoding`. Bytes it cannot decode
    stay as surrogate escapes so the rows holding them can be rejected one by one (and shown with
    the bytes escaped) rather than losing the file."""
    encoding = detect_encoding(data)
    if encoding == "utf-8-sig":
        return data[3:].decode("utf-8", errors="surrogateescape"), encoding
    return data.decode(encoding, errors="surrogateescape"), encoding


def _has_escapes(text: str) -> bool:
    return any("\udc80" <= ch <= "\udcff" for ch in text)


def _printable_raw(text: str) -> str:
    return text.encode("utf-8", errors="backslashreplace").decode("utf-8")


def _mb(size: int) -> str:
    return f"{size / 1048576:.1f}".rstrip("0").rstrip(".")


def check_table_size(size: int, filename: str = "", limit: int | None = None) -> None:
    """Refuse a table file over ``limit`` (default ``MAX_TABLE_BYTES``) bytes before anything reads
    it into memory."""
    limit = MAX_TABLE_BYTES if limit is None else limit
    if size > limit:
        raise UserFacingError(
            f"文件 {filename} 大小 {_mb(size)} MB，超过 {_mb(limit)} MB 上限，请拆分后分批导入",
            f"{filename} is {size} bytes, over the {limit} byte limit; split it",
        )


def check_workbook_archive(source: Path | bytes, filename: str = "", limit: int | None = None) -> None:
    """Refuse an xlsx whose parts unpack to more than ``limit`` (default ``MAX_WORKBOOK_UNPACKED_BYTES``)
    bytes.

    The sizes a zip declares can lie, so what really comes out is counted, in chunks and stopping as
    soon as the limit is passed: memory stays at one chunk whatever the archive holds.
    """
    limit = MAX_WORKBOOK_UNPACKED_BYTES if limit is None else limit
    refused = UserFacingError(
        f"表格 {filename} 解压后超过 {_mb(limit)} MB（可能是压缩炸弹），已拒绝；"
        "数据确实这么多时请导出为 CSV 或拆分后再导入",
        f"workbook {filename} unpacks to more than {limit} bytes; refused (export it as CSV or split it)",
    )
    try:
        with zipfile.ZipFile(io.BytesIO(source) if isinstance(source, bytes) else source) as archive:
            members = archive.infolist()
            if sum(m.file_size for m in members) > limit:
                raise refused
            unpacked = 0
            for member in members:
                with archive.open(member) as part:
                    while chunk := part.read(1 << 20):
                        unpacked += len(chunk)
                        if unpacked > limit:
                            raise refused
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, ValueError, NotImplementedError) as exc:
        raise UserFacingError(
            f"无法打开表格 {filename}：文件已损坏或不是 Excel 格式", f"cannot open workbook {filename}: {exc}"
        ) from exc


def open_workbook(source: Path | bytes, filename: str = "") -> Any:
    """A calamine workbook, after the unpacked-size check for xlsx. Any failure, including a panic
    inside calamine (which Python sees as a BaseException), becomes a ``UserFacingError``."""
    from python_calamine import CalamineWorkbook

    head = source[:4] if isinstance(source, bytes) else _head(source)
    if head.startswith(XLSX_MAGIC):
        check_workbook_archive(source, filename)
    try:
        if isinstance(source, bytes):
            return CalamineWorkbook.from_filelike(io.BytesIO(source))
        return CalamineWorkbook.from_path(str(source))
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as exc:  # calamine's own errors, and pyo3's PanicException
        raise UserFacingError(
            f"无法打开表格 {filename}：文件已损坏或不是 Excel 格式", f"cannot open workbook {filename}: {exc}"
        ) from exc


def iter_sheet_rows(workbook: Any, sheet_name: str, filename: str = "") -> Iterator[list[Any]]:
    """The rows of one sheet from its first row and column, one at a time (never the whole sheet
    as Python lists)."""
    try:
        sheet = workbook.get_sheet_by_name(sheet_name)
        # calamine's rows start at the first row but at the first non-empty column: pad them back.
        pad = [""] * (sheet.start[1] if sheet.start else 0)
        for row in sheet.iter_rows():
            yield pad + row if pad else row
    except (KeyboardInterrupt, SystemExit, GeneratorExit):
        raise
    except BaseException as exc:
        raise UserFacingError(
            f"无法读取表格 {filename} 的工作表 {sheet_name}：文件已损坏",
            f"cannot read {filename}:{sheet_name}: {exc}",
        ) from exc


def _head(path: Path) -> bytes:
    try:
        with path.open("rb") as handle:
            return handle.read(4)
    except OSError:
        return b""


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
            check_table_size(source.stat().st_size, filename)
            data = source.read_bytes()
        except OSError as exc:
            raise UserFacingError(
                f"无法读取文件 {source}：{exc.strerror}", f"cannot read {source}: {exc}"
            ) from exc
    else:
        data = source
    check_table_size(len(data), filename)
    if not data.strip():
        raise UserFacingError(f"文件 {filename or ''} 是空的", f"file {filename or ''} is empty")
    file_format = detect_format(data, filename)
    records: Iterable[_Record]
    if file_format == "csv":
        text, encoding = decode_text(data)
        records = _csv_records(text)
    else:
        encoding = ""
        records = _workbook_records(data, filename)
    table = _assemble(iter(records), synonyms, required, min_header_matches, scan_rows, filename)
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


def _workbook_records(data: bytes, filename: str) -> Iterator[_Record]:
    workbook = open_workbook(data, filename)
    names = workbook.sheet_names
    if not names:
        raise UserFacingError(f"表格 {filename} 中没有工作表", f"workbook {filename} has no sheet")
    for index, row in enumerate(iter_sheet_rows(workbook, names[0], filename), start=1):
        cells = [cell_text(v) for v in row]
        yield index, cells, "\t".join(cells).rstrip("\t")


def _assemble(
    records: Iterator[_Record],
    synonyms: Mapping[str, Sequence[str]],
    required: Sequence[str],
    min_header_matches: int,
    scan_rows: int,
    filename: str,
) -> Table:
    table = Table()
    header_at: int | None = None
    mapping: dict[int, str] = {}
    scanned: list[_Record] = []
    for record in records:
        scanned.append(record)
        cells = record[1]
        if cells is not None:
            candidate = map_header(cells, synonyms)
            if len(candidate) >= min_header_matches and set(required) <= set(candidate.values()):
                header_at, mapping = len(scanned) - 1, candidate
                header_cells = cells
                break
        if len(scanned) >= scan_rows:
            break
    if header_at is None:
        expected = "、".join(s[0] for s in synonyms.values() if s)
        raise UserFacingError(
            f"在文件 {filename} 的前 {scan_rows} 行中找不到表头（应包含如：{expected}）",
            f"no header row found in the first {scan_rows} rows of {filename}",
        )
    table.header_line = scanned[header_at][0]
    table.columns = {name: header_cells[i].strip() for i, name in mapping.items()}
    table.unmapped = [c.strip() for i, c in enumerate(header_cells) if i not in mapping and c.strip()]
    last_header_cell = max(i for i, c in enumerate(header_cells) if c.strip())
    for line, cells, raw in records:
        if len(table.rows) + len(table.rejects) >= MAX_TABLE_ROWS:
            raise UserFacingError(
                f"文件 {filename} 超过 {MAX_TABLE_ROWS:,} 行上限，请拆分后分批导入",
                f"{filename} has more than {MAX_TABLE_ROWS} rows; split it",
            )
        if cells is None:
            table.rejects.append(Reject(line, "行格式错误（引号不配对），无法拆分为列", _printable_raw(raw)))
            continue
        if not any(c.strip() for c in cells):
            continue  # blank lines carry nothing to lose
        if _has_escapes(raw):
            table.rejects.append(
                Reject(line, "含无法识别编码的字节（文件编码混杂或已损坏）", _printable_raw(raw))
            )
            continue
        filled = max(i for i, c in enumerate(cells) if c.strip())
        if filled > last_header_cell:
            table.rejects.append(
                Reject(line, f"列数与表头不符（表头 {last_header_cell + 1} 列，本行 {filled + 1} 列）", raw)
            )
            continue
        values = {name: (cells[i].strip() if i < len(cells) else "") for i, name in mapping.items()}
        table.rows.append(TableRow(line, values, raw))
    return table


#: Rejects named one by one in the log per import; the rest are in the import's reject table.
LOGGED_REJECTS = 1000


def log_import_report(logger: logging.Logger, source: str, report: ImportReport) -> None:
    """Log what an import did, for a person finding out at night why one went wrong: the file,
    the batch, the counts and each rejected row's line and reason, at INFO (a rejected row is
    expected and kept for a person; a file that fails as a whole is logged by its caller, higher)."""
    logger.info(
        "%s import %s: batch %s, rows %d, created %d, duplicates %d, updated %d, rejected %d%s%s",
        source,
        report.file or "-",
        report.batch_id if report.batch_id is not None else "-",
        report.rows,
        report.created,
        report.duplicates,
        report.updated,
        len(report.rejected),
        f", encoding {report.encoding}" if report.encoding else "",
        ", already imported" if report.already_imported else "",
    )
    for reject in report.rejected[:LOGGED_REJECTS]:
        logger.info(
            "%s import %s: line %d rejected: %s",
            source,
            reject.file or report.file or "-",
            reject.line,
            reject.reason,
        )
    if len(report.rejected) > LOGGED_REJECTS:
        logger.info(
            "%s import %s: %d more rejected rows not logged (see the reject list)",
            source,
            report.file or "-",
            len(report.rejected) - LOGGED_REJECTS,
        )


# --- column specs: each import declares its table as data ---------------------------------------

ColumnKind = Literal["text", "time", "day", "money", "count"]


class CellUnreadable(ValueError):
    """A cell of a declared kind that cannot be read; the message (Chinese) is the reject reason."""


@dataclass(frozen=True)
class Column:
    """One field of an import's table: its name, its label for people, how its cells are read, and
    the reject reason when one cannot be (``{label}``, ``{text}`` and ``{short}``, the first 40
    characters, are filled in)."""

    field: str
    label: str
    kind: ColumnKind = "text"
    unreadable: str = "{label}“{text}”无法识别"


@dataclass(frozen=True)
class TableSpec:
    """An import's table declared as data, in the way FollowTheMoney declares its mappings: the
    header synonyms (a JSON file in ``fanzha/data``), the columns and their kinds, which fields the
    header must have. Every import reads its file through :meth:`read` and its cells through
    :meth:`values`; what stays in the import is what only it knows (its models, its duplicates)."""

    name: str
    synonyms_file: str  # below fanzha/data, e.g. "clues/columns.json"
    columns: tuple[Column, ...]
    required: tuple[str, ...] = ()
    min_header_matches: int = 2

    def synonyms(self) -> dict[str, list[str]]:
        return synonyms_in(load_data_json(self.synonyms_file))

    def labels(self) -> dict[str, str]:
        return {c.field: c.label for c in self.columns}

    def read(self, source: Path | bytes, filename: str = "") -> Table:
        """The file's rows keyed by field; ``UserFacingError`` for a file that cannot be read."""
        return read_table(
            source,
            self.synonyms(),
            filename=filename,
            required=self.required,
            min_header_matches=self.min_header_matches,
        )

    def value(self, row: TableRow, name: str) -> Any:
        """One cell of the row read by its declared kind; raises :class:`CellUnreadable`."""
        column = next((c for c in self.columns if c.field == name), Column(name, name))
        return read_cell(column, row.values.get(name, ""))

    def values(self, row: TableRow) -> dict[str, Any]:
        """The row's cells read by their declared kinds (text for a column not declared); an empty
        cell is ``None``, except text, which stays ``""``. The declared columns are read in their
        order, so the first unreadable one names the reason; raises :class:`CellUnreadable`."""
        result = {c.field: read_cell(c, row.values[c.field]) for c in self.columns if c.field in row.values}
        return {name: result.get(name, text.strip()) for name, text in row.values.items()}


def read_cell(column: Column, text: str) -> Any:
    """One cell read by its column's kind (see :class:`Column`); raises :class:`CellUnreadable`."""
    text = text.strip()
    if column.kind == "text":
        return text
    if not text:
        return None
    try:
        if column.kind == "time":
            return parse_cell_datetime(text)
        if column.kind == "day":
            return parse_cell_datetime(text).date()
        if column.kind == "money":
            return parse_money_cell_fen(text, with_units=True)
        count = text.replace(",", "").replace("，", "").removesuffix(".0")
        if not count.isdigit():
            raise ValueError(count)
        return int(count)
    except ValueError:
        raise CellUnreadable(
            column.unreadable.format(label=column.label, text=text, short=text[:40])
        ) from None


def parse_cell_datetime(text: str) -> datetime:
    """A time cell as people write it in a spreadsheet: every spelling of
    :func:`fanzha.domain.dates.parse_table_datetime`, and a police-style time within one day
    ("2024年3月5日14时许" is 14:00); raises ``ValueError``."""
    try:
        return parse_table_datetime(" ".join(text.split()))
    except ValueError:
        pass
    begin, until = parse_police_datetime(text)
    if begin.date() != until.date():
        raise ValueError(f"not one day: {text!r}")
    return begin
