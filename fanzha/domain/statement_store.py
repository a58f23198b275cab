"""Statement store (DuckDB): idempotent, transactional import of bank and payment statements.

Store
-----
:class:`StatementStore` keeps normalised statement rows in a DuckDB database (a file or memory).
Imports are idempotent (a natural key per row, see :func:`fanzha.domain.statements.natural_key`,
plus the occurrence number of that key inside its file) and transactional per file.

CSV import
----------
CSV files are read set-based by DuckDB's parallel reader (GBK/GB18030 is transcoded to UTF-8 in
8 MB chunks first: the installed DuckDB has no GBK reader without downloading an extension).

1. Staging, in temporary tables outside the file's transaction: one statement parses every row
   with vectorised SQL (direction flags as the sample writes them, dates by ``try_strptime`` with
   the format found in the sample, amounts by cast), hashes the natural key and keeps the raw
   cells of the rows it refused. A record's physical line is its index in that table (its rowid)
   plus the lines above it; a thread counts the file's lines meanwhile, and when the counts
   disagree (empty lines, which the reader drops) the shift is worked out from the file. A line
   break inside quotes sends the file to the Python reader.
2. The refused rows go to the Python parsers, which either read them or reject them with file,
   line and reason.
3. In the file's transaction, one statement keys (occurrence numbers only for the keys that
   repeat, found by sorting the key hashes in numpy), dedupes against stored rows of the file's
   time range (skipped for an empty store), classifies sinks once per distinct (摘要, 对手户名,
   对手开户行) and inserts; then the rejects and the import record.
"""

from __future__ import annotations

import codecs
import logging
import os
import re
import tempfile
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from fanzha.domain import statements as st
from fanzha.domain.data_files import load_data_json
from fanzha.domain.dates import TABLE_TIME_FORMATS
from fanzha.domain.sql_engine import DuckDBEngine, sql_string
from fanzha.domain.tabular import ImportReport, log_import_report
from fanzha.errors import UserFacingError

if TYPE_CHECKING:
    import duckdb

    from fanzha.domain.trace import TraceResult

logger = logging.getLogger(__name__)
_EPOCH = datetime(1970, 1, 1)


def to_epoch(at: datetime) -> int:
    """Seconds since 1970-01-01 of a naive wall-clock datetime (no time-zone shift)."""
    return int((at.replace(microsecond=0) - _EPOCH).total_seconds())


def from_epoch(seconds: int) -> datetime:
    return _EPOCH + timedelta(seconds=int(seconds))


# --- sinks -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SinkKind:
    kind: str
    label: str
    keywords: tuple[str, ...]


@lru_cache(maxsize=1)
def sink_kinds() -> tuple[SinkKind, ...]:
    """Sink kinds in priority order, from ``fanzha/data/funds/sinks.json``."""
    data = load_data_json("funds/sinks.json")
    return tuple(SinkKind(k["kind"], k["label"], tuple(k["keywords"])) for k in data["kinds"])


def sink_kind_of(*texts: str | None) -> str | None:
    """The sink kind named by a row's 摘要 / counterparty name / counterparty bank, if any."""
    joined = " ".join(t for t in texts if t).upper()
    for kind in sink_kinds():
        if any(k.upper() in joined for k in kind.keywords):
            return kind.kind
    return None


_SINK_TEXTS = ("summary", "counterparty_name", "counterparty_bank")


def _sink_texts_hash(summary: str, name: str, bank: str) -> str:
    """SQL hash of the texts a sink is recognised from; rows are classified once per value."""
    return f"hash({summary}, {name}, {bank})"


def _sink_case_sql() -> str:
    text = "upper(concat_ws(' ', summary, counterparty_name, counterparty_bank))"
    branches = []
    for kind in sink_kinds():
        pattern = "|".join(re.escape(k.upper()) for k in kind.keywords)
        branches.append(f"WHEN regexp_matches({text}, {sql_string(pattern)}) THEN {sql_string(kind.kind)}")
    return f"CASE {' '.join(branches)} END"


# --- store -------------------------------------------------------------------------------------

_TXN_COLUMNS = (
    "account",
    "counterparty",
    "direction",
    "amount_fen",
    "ts",
    "balance_fen",
    "counterparty_name",
    "counterparty_bank",
    "summary",
    "branch",
    "ip",
    "mac",
    "account_name",
    "source_file",
    "source_line",
)
_SCHEMA = """
CREATE TABLE IF NOT EXISTS txn (
    id BIGINT, nkey UBIGINT,
    account VARCHAR, counterparty VARCHAR, direction VARCHAR, amount_fen BIGINT, ts BIGINT,
    balance_fen BIGINT, counterparty_name VARCHAR, counterparty_bank VARCHAR, summary VARCHAR,
    branch VARCHAR, ip VARCHAR, mac VARCHAR, account_name VARCHAR,
    source_file VARCHAR, source_line BIGINT, sink_kind VARCHAR
);
CREATE TABLE IF NOT EXISTS rejects (source_file VARCHAR, line BIGINT, raw VARCHAR, reason VARCHAR);
CREATE TABLE IF NOT EXISTS imports (
    source_file VARCHAR, rows_read BIGINT, inserted BIGINT, duplicates BIGINT, rejected BIGINT,
    fast_path BOOLEAN, imported_at TIMESTAMP
);
CREATE TABLE IF NOT EXISTS traced (case_id VARCHAR, account VARCHAR, depth INTEGER, amount_fen BIGINT);
"""
_STAGE_DDL = """
CREATE OR REPLACE TEMP TABLE stage (
    account VARCHAR, counterparty VARCHAR, direction VARCHAR, amount_fen BIGINT, ts BIGINT,
    balance_fen BIGINT, counterparty_name VARCHAR, counterparty_bank VARCHAR, summary VARCHAR,
    branch VARCHAR, ip VARCHAR, mac VARCHAR, account_name VARCHAR, source_file VARCHAR, source_line BIGINT
);
"""
_STAGE_TYPES = ("VARCHAR",) * 3 + ("BIGINT",) * 3 + ("VARCHAR",) * 8 + ("BIGINT",)
_STAGE_CLEANUP = (
    "DROP VIEW IF EXISTS numbered; DROP VIEW IF EXISTS sink_texts; DROP TABLE IF EXISTS normalised; "
    "DROP TABLE IF EXISTS line_shift; DROP TABLE IF EXISTS stage; DROP TABLE IF EXISTS repeated_keys"
)


def _natural_key_sql(
    account: str = "account",
    ts: str = "ts",
    amount: str = "amount_fen",
    direction: str = "direction",
    counterparty: str = "counterparty",
    balance: str = "balance_fen",
) -> str:
    """SQL hash of a row's natural key (see :func:`fanzha.domain.statements.natural_key`)."""
    return (
        f"hash({account}, {ts}, {amount}, {direction}, coalesce({counterparty}, ''), "
        f"coalesce({balance}, -9223372036854775807))"
    )


@dataclass(frozen=True)
class ImportProgress:
    """Where a long import is: file ``index`` of ``count``, its phase, bytes done of total."""

    index: int
    count: int
    path: str
    phase: Literal["start", "transcode", "load", "insert", "done"]
    done_bytes: int = 0
    total_bytes: int = 0


@dataclass
class ImportRun:
    """What one :meth:`StatementStore.import_files` did: one :class:`ImportReport` per file (rows
    read, created, duplicates, rejected rows with their file, line, raw text and reason, error)."""

    files: list[ImportReport] = field(default_factory=list)

    @property
    def rejects(self) -> list[st.Reject]:
        return [r for f in self.files for r in f.rejected]

    @property
    def rows(self) -> int:
        return sum(f.rows for f in self.files)

    @property
    def created(self) -> int:
        return sum(f.created for f in self.files)

    @property
    def duplicates(self) -> int:
        return sum(f.duplicates for f in self.files)

    @property
    def failed(self) -> list[ImportReport]:
        return [f for f in self.files if f.error]


@dataclass(frozen=True)
class StoreSummary:
    rows: int
    accounts: int
    files: int
    rejects: int


@dataclass(frozen=True)
class AccountActivity:
    """One account's rows in the store, summed (money in integer fen, times in epoch seconds of
    Beijing wall-clock time)."""

    account: str
    rows: int
    in_fen: int
    out_fen: int
    first_ts: int
    last_ts: int
    fan_in: int
    fan_out: int
    night_rows: int
    cases: tuple[str, ...]

    @property
    def pass_through(self) -> float:
        return min(self.in_fen, self.out_fen) / max(self.in_fen, self.out_fen) if self.in_fen else 0.0

    @property
    def lifetime_days(self) -> float:
        return (self.last_ts - self.first_ts) / 86_400


ProgressCallback = Callable[[ImportProgress], None]
#: Called once per file as soon as its import is committed (or has failed).
FileDoneCallback = Callable[[ImportReport], None]


class StatementStore:
    """Normalised statements in DuckDB (``path`` None or ":memory:" for an in-memory store)."""

    def __init__(self, path: str | Path | None = None, threads: int | None = None) -> None:
        import duckdb

        self.path = str(path) if path else ":memory:"
        self.con: duckdb.DuckDBPyConnection = duckdb.connect(self.path)
        if threads:
            self.con.execute(f"SET threads = {int(threads)}")
        self.con.execute(_SCHEMA)
        self._engine: DuckDBEngine | None = None

    @property
    def engine(self) -> DuckDBEngine:
        """The tracing engine over this store's connection."""
        if self._engine is None:
            self._engine = DuckDBEngine(self.con)
        return self._engine

    def close(self) -> None:
        self.con.close()

    def __enter__(self) -> StatementStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- import --

    def import_files(
        self,
        paths: Iterable[str | Path],
        mapping: Mapping[str, str] | None = None,
        progress: ProgressCallback | None = None,
        on_file_done: FileDoneCallback | None = None,
    ) -> ImportRun:
        """Import statement files, each in its own transaction; never raises for a bad file.

        A file that cannot be read inserts nothing and carries its reason in ``ImportReport.error``;
        rows that cannot be read are rejected one by one and listed in its ``rejected`` and the
        ``rejects`` table. ``on_file_done`` hears of each file right after its commit, so a caller
        can record it before the next file starts (and before a crash can lose the news).
        """
        run = ImportRun()
        path_list = [Path(p) for p in paths]
        for index, path in enumerate(path_list):
            notify = _progress_for(progress, index, len(path_list), str(path))
            notify("start")
            result = ImportReport(str(path))
            run.files.append(result)
            rejects: list[st.Reject] = []
            began = False
            try:
                try:
                    rejects, fast = self._stage_file(path, mapping, result, notify)
                except _NeedsPythonReader as exc:
                    logger.info(
                        "statement %s: SQL reader refused the file (%s), Python reader takes it", path, exc
                    )
                    self.con.execute(_STAGE_CLEANUP)
                    rejects, fast = self._stage_file(path, mapping, result, notify, python_reader=True)
                notify("insert")
                # Staging wrote temporary tables only; every change to the store happens here.
                self.con.execute("BEGIN TRANSACTION")
                began = True
                parsed = self._insert_stage(result, fast)
                self._insert_rejects(rejects)
                self.con.execute(
                    "INSERT INTO imports VALUES (?, ?, ?, ?, ?, ?, now())",
                    [str(path), parsed, result.created, result.duplicates, len(rejects), result.fast_path],
                )
                self.con.execute("COMMIT")
                result.rows = parsed + len(rejects)
                result.rejected = rejects
            except UserFacingError as exc:
                self._abandon(began)
                result.error = f"{exc.zh} / {exc.en}"
                result.created = result.duplicates = 0
                logger.warning("statement %s not imported: %s", path, exc.en)
            except Exception as exc:
                self._abandon(began)
                result.error = f"导入失败 / import failed: {type(exc).__name__}: {exc}"
                result.created = result.duplicates = 0
                logger.exception("statement %s not imported: import failed", path)
            else:
                log_import_report(logger, "statement", result)
            finally:
                self.con.execute(_STAGE_CLEANUP)
            if on_file_done is not None:
                on_file_done(result)
            notify("done")
        return run

    def _abandon(self, began: bool) -> None:
        if began:
            self.con.execute("ROLLBACK")

    def _stage_file(
        self,
        path: Path,
        mapping: Mapping[str, str] | None,
        result: ImportReport,
        notify: Callable[..., None],
        python_reader: bool = False,
    ) -> tuple[list[st.Reject], bool]:
        """Read one file into temporary tables: ``stage`` always, ``numbered`` on the SQL path.

        Runs outside the file's transaction: inside one, DuckDB numbers a new table's rows from a
        large offset (transaction-local storage), and the SQL path takes line numbers from rowids.
        """
        if not path.is_file():
            raise UserFacingError(f"找不到文件：{path}", f"file not found: {path}")
        self.con.execute(_STAGE_DDL)
        if st.file_kind(path) == "csv" and not python_reader:
            return self._stage_csv_fast(path, mapping, result, notify)
        result.fast_path = False
        read = st.read_statement(path, mapping)
        result.encoding = read.encoding or ""
        self._stage_rows(read.rows)
        return read.rejects, False

    def _stage_rows(self, rows: Sequence[st.StatementRow]) -> None:
        # One list parameter per column, unnested: no SQL text per row, and no pandas at runtime.
        types = _STAGE_TYPES
        select = ", ".join(f"unnest(${i + 1}::{t}[])" for i, t in enumerate(types))
        for start in range(0, len(rows), 100_000):
            chunk = rows[start : start + 100_000]
            columns: list[list[Any]] = [
                [r.account for r in chunk],
                [r.counterparty for r in chunk],
                [r.direction for r in chunk],
                [r.amount_fen for r in chunk],
                [to_epoch(r.at) for r in chunk],
                [r.balance_fen for r in chunk],
                [r.counterparty_name for r in chunk],
                [r.counterparty_bank for r in chunk],
                [r.summary for r in chunk],
                [r.branch for r in chunk],
                [r.ip for r in chunk],
                [r.mac for r in chunk],
                [r.account_name for r in chunk],
                [r.source_file for r in chunk],
                [r.source_line for r in chunk],
            ]
            self.con.execute(f"INSERT INTO stage ({', '.join(_TXN_COLUMNS)}) SELECT {select}", columns)

    def _stage_csv_fast(
        self,
        path: Path,
        mapping: Mapping[str, str] | None,
        result: ImportReport,
        notify: Callable[..., None],
    ) -> tuple[list[st.Reject], bool]:
        """Stage a CSV file; the flag says whether its rows wait in ``numbered`` (the SQL path)."""
        size = path.stat().st_size
        with path.open("rb") as handle:
            sample = handle.read(1 << 20)
        encoding = st.detect_encoding(sample)
        result.encoding = encoding
        head_text = sample[: 1 << 16].decode(encoding, errors="replace")
        head_lines = head_text.splitlines()[: st.HEADER_SEARCH_ROWS]
        if len(sample) == size and not head_text.endswith(("\n", "\r")) and head_lines:
            pass  # a complete small file; its last line is a whole record
        elif head_lines and len(head_text) >= (1 << 16) - 8:
            head_lines = head_lines[:-1]  # the sample may end inside a record
        delimiter = st._delimiter_for(head_lines, mapping)
        import csv

        header_rows = [next(csv.reader([line], delimiter=delimiter), []) for line in head_lines]
        layout = st.find_layout(header_rows, mapping)
        if layout is None:
            raise st._no_header(path)
        if '"' in head_text and any(line.count('"') % 2 for line in head_lines[: layout.header_line]):
            # Quoted line breaks above the header would make physical line numbers ambiguous.
            read = st.read_statement(path, mapping)
            self._stage_rows(read.rows)
            return read.rejects, False
        result.fast_path = True
        source = path
        temp: str | None = None
        if encoding not in ("utf-8", "utf-8-sig"):
            handle_fd, temp = tempfile.mkstemp(suffix=".csv", prefix="fanzha-transcode-")
            os.close(handle_fd)
            undecodable = _transcode_to_utf8(
                path, Path(temp), encoding, lambda done: notify("transcode", done, size)
            )
            source = Path(temp)
        else:
            undecodable = 0  # DuckDB refuses invalid UTF-8; the Python reader then takes the file
        try:
            notify("load", 0, size)
            return self._stage_csv_sql(source, path, layout, delimiter, header_rows, undecodable > 0), True
        finally:
            if temp:
                os.unlink(temp)

    def _stage_csv_sql(
        self,
        source: Path,
        original: Path,
        layout: st.StatementLayout,
        delimiter: str,
        header_rows: Sequence[Sequence[str]],
        has_undecodable: bool = False,
    ) -> list[st.Reject]:
        width = len(layout.header)
        names = [f"c{i}" for i in range(width)]
        columns_sql = "{" + ", ".join(f"'{n}': 'VARCHAR'" for n in names) + "}"
        skip = layout.header_line
        read = (
            f"read_csv({sql_string(str(source))}, header=false, skip={skip}, auto_detect=false, "
            f"delim={sql_string(delimiter)}, quote='\"', escape='\"', columns={columns_sql}, "
            "null_padding=true, strict_mode=false, nullstr='\x01', max_line_size=10000000, "
            "encoding='utf-8')"
        )
        cols = layout.columns

        # Bank exports often pad every cell of a column, typically a tab before card numbers so
        # that Excel keeps them as text. Such columns are trimmed in SQL; otherwise every row
        # would fail the plain checks and take the Python path, 15x slower.
        padded = {
            index
            for index in set(cols.values())
            if any(v != v.strip() for v in _sample_values(layout, header_rows, index))
        }

        def raw(name: str) -> str:
            if name not in cols:
                return "NULL"
            index = cols[name]
            return f"trim(c{index}, {_EDGE_SPACE_SQL})" if index in padded else f"c{index}"

        null_accounts = ", ".join(sql_string(v) for v in sorted(st.NULL_ACCOUNTS))
        longest_null = max(len(v.encode()) for v in st.NULL_ACCOUNTS)

        def clean_account(expr: str) -> str:
            # Plain account numbers only; wrapped or odd ones (="622…", e-mail, full-width) take the
            # Python path. "-", "NULL"… mean no account, as in the Python parser; every one of
            # them is short, so the list is only looked at for short cells.
            return (
                f"CASE WHEN NOT regexp_full_match({expr}, '[0-9A-Za-z_*-]+') THEN NULL "
                f"WHEN strlen({expr}) > {longest_null} THEN {expr} WHEN {expr} IN ({null_accounts}) THEN NULL "
                f"ELSE {expr} END"
            )

        def amount(expr: str) -> str:
            # The plain cast first: stripping thousands separators from every cell costs more than
            # a second try on the few cells that have them (the plain cast refuses a comma).
            # DuckDB's cast reads "1e3"; the Python parser refuses it, so such cells go there and
            # are rejected the same way whichever path a file takes.
            return (
                f"CASE WHEN {expr} LIKE '%e%' OR {expr} LIKE '%E%' THEN NULL ELSE "
                f"CAST(coalesce(TRY_CAST({expr} AS DECIMAL(18,2)), "
                f"TRY_CAST(replace({expr}, ',', '') AS DECIMAL(18,2))) * 100 AS BIGINT) END"
            )

        def text(expr: str) -> str:
            # trim() copies every cell; most cells have nothing to trim. Columns whose sample shows
            # tabs or full-width spaces at the edges are trimmed by raw() already.
            return (
                f"CASE WHEN {expr} = '' THEN NULL WHEN {expr} NOT LIKE ' %' AND {expr} NOT LIKE '% ' "
                f"THEN {expr} ELSE NULLIF(trim({expr}, {_EDGE_SPACE_SQL}), '') END"
            )

        # Each column's SQL comes from its kind in the one spec (``st.STATEMENT_COLUMNS``), as the
        # Python reader's parser does; a cell the SQL cannot read is NULL and its row is read again
        # by the Python reader, which reads it or rejects it.
        sql_by_kind: dict[str, Callable[[str], str]] = {
            "account": clean_account,
            "money": amount,
            "text": text,
        }

        def column_sql(name: str) -> str:
            return sql_by_kind[st.STATEMENT_COLUMNS[name]](raw(name)) if name in cols else "NULL"

        direction_values = st.direction_values()
        outs = ", ".join(sql_string(k) for k, v in direction_values.items() if v == "out")
        ins = ", ".join(sql_string(k) for k, v in direction_values.items() if v == "in")
        account = column_sql("account") if "account" in cols else sql_string(layout.title_account or "")
        formats = list(TABLE_TIME_FORMATS)
        fmt_list = "[" + ", ".join(sql_string(f) for f in formats) + "]"
        detected = _detect_date_format(layout, header_rows, formats)
        if detected:
            # One known format is much cheaper than trying the list on every row.
            fmt_list = sql_string(detected)
        when_field = "datetime" if "datetime" in cols else "date"
        when_raw = f"trim({raw(when_field)})"
        if "time" in cols:
            # Only date-only values take the clock from the separate time column; anything else
            # (a date that already carries a time) goes through the Python parser.
            when_expr = (
                f"CASE WHEN regexp_full_match({when_raw}, '[0-9]{{4}}[-/]?[0-9]{{1,2}}[-/]?[0-9]{{1,2}}') "
                f"THEN (CASE WHEN trim({raw('time')}) = '' THEN {when_raw} "
                f"ELSE {when_raw} || ' ' || trim({raw('time')}) END) END"
            )
            ts = f"epoch_ms(try_strptime({when_expr}, {fmt_list})) // 1000"
        else:
            # Untrimmed first: trim() copies every cell, and padded dates are rare.
            ts = (
                f"epoch_ms(coalesce(try_strptime({raw(when_field)}, {fmt_list}), "
                f"try_strptime({when_raw}, {fmt_list}))) // 1000"
            )
        signed, amount_in, amount_out = (
            column_sql("amount"),
            column_sql("amount_in"),
            column_sql("amount_out"),
        )
        dir_col = "NULL"
        if "direction" in cols:
            # The flags as the sample writes them are compared as they are; anything else is
            # folded first (upper, trim), which costs more per row.
            seen = _sample_values(layout, header_rows, cols["direction"])
            exact = " ".join(
                f"WHEN {raw('direction')} = {sql_string(v)} THEN '{d}'"
                for v, d in ((v, _direction_or_none(v)) for v in seen)
                if d
            )
            dir_col = (
                f"CASE {exact} WHEN upper(trim({raw('direction')})) IN ({outs}) THEN 'out' "
                f"WHEN upper(trim({raw('direction')})) IN ({ins}) THEN 'in' END"
            )
        last_used = max(cols.values())
        texts = [n for n in st.TEXT_FIELDS if n in cols]
        sink_texts = [n if n in cols else "CAST(NULL AS VARCHAR)" for n in _SINK_TEXTS]
        text_cols = "".join(f", {column_sql(n)} AS {n}" for n in texts)
        has_signed = "amount" in cols
        direction_sql = (
            "CASE WHEN dir_col IS NOT NULL THEN dir_col "
            # A flag the SQL cannot read leaves the row to the Python reader (prefixes such as
            # "借款", or a reject); an empty flag beside a signed amount is a reject there too.
            + (
                "WHEN direction_raw IS NOT NULL AND trim(direction_raw) <> '' THEN NULL "
                if "direction" in cols
                else ""
            )
            + (
                "WHEN direction_raw IS NULL OR trim(direction_raw) = '' THEN NULL "
                if "direction" in cols and has_signed
                else ""
            )
            + (
                "WHEN signed_fen < 0 THEN 'out' WHEN signed_fen >= 0 THEN 'in' END"
                if has_signed
                else "WHEN coalesce(in_fen, 0) <> 0 THEN 'in' WHEN coalesce(out_fen, 0) <> 0 THEN 'out' END"
            )
        )
        amount_sql = (
            "abs(signed_fen)"
            if has_signed
            else "CASE WHEN coalesce(in_fen,0) <> 0 AND coalesce(out_fen,0) = 0 THEN abs(in_fen) "
            "WHEN coalesce(out_fen,0) <> 0 AND coalesce(in_fen,0) = 0 THEN abs(out_fen) END"
        )
        # CASE evaluates a branch only for the rows the earlier ones left, so the checks of
        # empty cells cost nothing on rows that parsed.
        counterparty_ok = (
            "CASE WHEN counterparty IS NOT NULL THEN TRUE "
            f"ELSE counterparty_raw IS NULL OR trim(counterparty_raw) IN ('', {null_accounts}) END"
        )
        # A money cell the SQL could not read is no empty cell: the row goes to the Python reader.
        money_ok = " AND ".join(
            f"CASE WHEN {alias} IS NOT NULL THEN TRUE ELSE {alias}_raw IS NULL OR trim({alias}_raw) = '' END"
            for alias in ("balance_fen", "in_fen", "out_fen")
        )
        blank = " AND ".join(f"coalesce(trim({n}), '') = ''" for n in names)
        # Bytes the transcoder could not decode became U+FFFD: such rows go to the Python parser,
        # which rejects them with their line. Checked only for files that had any.
        decodable = (
            " AND NOT contains(concat_ws('', " + ", ".join(names) + f"), {sql_string(st.UNDECODABLE)})"
            if has_undecodable
            else ""
        )
        parsed = f"""
            SELECT {", ".join(names)}, {account} AS account,
                   {column_sql("counterparty")} AS counterparty,
                   {signed} AS signed_fen, {amount_in} AS in_fen, {amount_out} AS out_fen,
                   {dir_col} AS dir_col, {ts} AS ts,
                   {column_sql("balance")} AS balance_fen,
                   {raw("balance")} AS balance_fen_raw, {raw("counterparty")} AS counterparty_raw,
                   {raw("direction")} AS direction_raw, {raw("amount_in")} AS in_fen_raw,
                   {raw("amount_out")} AS out_fen_raw{text_cols}
            FROM {read}
        """
        # ok is NULL for blank records, which are kept so that the table's rowid stays the
        # record's index in the file (a ROW_NUMBER() would run the whole read on one thread).
        checked = f"""
            SELECT *, CASE WHEN account IS NOT NULL AND {counterparty_ok} AND c{last_used} IS NOT NULL
                                AND dir IS NOT NULL AND amt > 0 AND ts IS NOT NULL AND {money_ok}{decodable}
                           THEN TRUE WHEN {blank} THEN NULL ELSE FALSE END AS ok
            FROM (SELECT *, {direction_sql} AS dir, {amount_sql} AS amt FROM ({parsed}))
        """
        # The default, but line numbers depend on it: the table keeps the reader's record order.
        self.con.execute("SET preserve_insertion_order = true")
        counter = _LineCounter(source, skip)
        counter.start()
        import duckdb

        # Raw cells are kept only for rows the SQL parsers refused: they get a second reading by
        # the Python parsers, which either read them or reject them with the reason.
        try:
            self.con.execute(
                f"""
                CREATE OR REPLACE TEMP TABLE normalised AS
                SELECT ok, account, counterparty, dir AS direction, amt AS amount_fen, ts, balance_fen,
                       {_natural_key_sql(direction="dir", amount="amt")} AS k0,
                       CASE WHEN dir = 'out' THEN {_sink_texts_hash(*sink_texts)} END AS tk
                       {"".join(", " + n for n in texts)},
                       CASE WHEN ok THEN NULL ELSE [{", ".join(names)}] END AS cells
                FROM ({checked})
                """
            )
        except duckdb.Error as exc:
            # e.g. a line break inside quotes, which the parallel reader refuses: the Python
            # reader numbers such records by their physical lines.
            raise _NeedsPythonReader(str(exc)) from exc
        finally:
            counter.join()
        records_row = self.con.execute("SELECT count(*) FROM normalised").fetchone()
        records = int(records_row[0]) if records_row else 0
        line_sql, shift_join = self._line_numbers(source, skip, records, counter.lines)
        file_name = sql_string(str(original))
        stored = {"account", "counterparty", "direction", "amount_fen", "ts", "balance_fen", *texts}
        values = ", ".join(c if c in stored else f"CAST(NULL AS VARCHAR) AS {c}" for c in _TXN_COLUMNS[:-2])
        self.con.execute(
            f"""
            CREATE OR REPLACE TEMP VIEW numbered AS
            SELECT ok, cells, k0, tk, {values}, {file_name} AS source_file, {line_sql} AS source_line
            FROM (SELECT rowid AS record, * FROM normalised) n {shift_join}
            """
        )
        # One row per distinct sink text of the file: only those rows' texts are read again.
        self.con.execute(
            f"""
            CREATE OR REPLACE TEMP VIEW sink_texts AS
            SELECT tk, {", ".join(f"{e} AS {n}" for e, n in zip(sink_texts, _SINK_TEXTS, strict=True))}
            FROM normalised
            WHERE rowid IN (SELECT min(rowid) FROM normalised WHERE ok AND tk IS NOT NULL GROUP BY tk)
            """
        )
        leftovers = self.con.execute(
            "SELECT cells, source_line FROM numbered WHERE NOT ok ORDER BY source_line"
        ).fetchall()
        rows: list[st.StatementRow] = []
        rejects: list[st.Reject] = []
        for record_cells, record_line in leftovers:
            line = int(record_line)
            cells = ["" if c is None else str(c) for c in record_cells]
            raw_text = delimiter.join(cells)
            try:
                if record_cells[last_used] is None:
                    present = sum(1 for c in record_cells if c is not None)
                    raise ValueError(
                        f"列数不足（{present}/{width}），行不完整 / row has {present} of {width} columns (truncated)"
                    )
                rows.append(st.normalise_cells(cells, layout, str(original), line))
            except ValueError as exc:
                rejects.append(st.Reject(line, str(exc), raw_text, str(original)))
        self._stage_rows(rows)
        return rejects

    def _line_numbers(self, source: Path, skip: int, records: int, lines: int) -> tuple[str, str]:
        """SQL for a record's physical line from its index ``n.record``, and the join it needs.

        DuckDB's reader drops empty lines, so the index alone gives the line only when the file
        has no empty line between records; otherwise the records after each empty line move one
        line further down (``line_shift``, joined ASOF on the index).
        """
        if lines == records:
            return f"n.record + {skip + 1}", ""
        physical = source.read_bytes().splitlines()[skip:]
        while physical and not physical[-1]:
            physical.pop()
        shifts: dict[int, int] = {}
        empty = 0
        for index, text in enumerate(physical):
            if not text:
                empty += 1
                shifts[index - empty + 1] = empty
        if len(physical) - empty != records:
            raise _NeedsPythonReader("records and lines disagree")
        if not shifts:
            # The count disagreed for another reason (more trailing line breaks than the counter
            # looks back over): no record moves.
            return f"n.record + {skip + 1}", ""
        self.con.execute("CREATE OR REPLACE TEMP TABLE line_shift (record BIGINT, shift BIGINT)")
        self.con.executemany("INSERT INTO line_shift VALUES (?, ?)", list(shifts.items()))
        return (
            f"n.record + {skip + 1} + coalesce(b.shift, 0)",
            "ASOF LEFT JOIN line_shift b ON n.record >= b.record",
        )

    def _insert_stage(self, result: ImportReport, fast: bool) -> int:
        """Insert the staged rows not stored yet; sets ``created`` and ``duplicates`` and returns how
        many rows were staged."""
        con = self.con
        cols = ", ".join(_TXN_COLUMNS)
        stage_tk = f"CASE WHEN direction = 'out' THEN {_sink_texts_hash(*_SINK_TEXTS)} END"
        staged_rows = f"SELECT {cols}, {_natural_key_sql()} AS k0, {stage_tk} AS tk FROM stage"
        texts_rows = f"SELECT {stage_tk} AS tk, {', '.join(_SINK_TEXTS)} FROM stage WHERE direction = 'out'"
        if fast:
            staged_rows += f" UNION ALL SELECT {cols}, k0, tk FROM numbered WHERE ok"
            texts_rows += " UNION ALL SELECT * FROM sink_texts"
        summary = con.execute(f"SELECT count(*), min(ts), max(ts) FROM ({staged_rows})").fetchone()
        staged = int(summary[0]) if summary else 0
        if not staged:
            return 0
        lo, hi = int(summary[1]), int(summary[2])  # type: ignore[index]
        next_id = con.execute("SELECT coalesce(max(id), 0), count(*) FROM txn").fetchone()
        base, count_before = (int(next_id[0]), int(next_id[1])) if next_id else (0, 0)
        # An empty store holds nothing to dedupe against (the first import of a big file); else
        # only stored rows in the file's time range can carry one of its keys.
        fresh = (
            ""
            if count_before == 0
            else f"WHERE k.nkey NOT IN (SELECT nkey FROM txn WHERE ts BETWEEN {lo} AND {hi})"
        )
        repeated = self._repeated_keys(staged_rows)
        keyed = "SELECT s.*, hash(s.k0, CAST(1 AS BIGINT)) AS nkey FROM s"
        if repeated:
            keyed = """
                SELECT s.*, coalesce(o.nkey, hash(s.k0, CAST(1 AS BIGINT))) AS nkey
                FROM s LEFT JOIN (
                    SELECT source_line,
                           hash(k0, row_number() OVER (PARTITION BY k0 ORDER BY source_line)) AS nkey
                    FROM s WHERE k0 IN (SELECT k0 FROM repeated_keys)
                ) o ON o.source_line = s.source_line
            """
        # Key = hash(natural key, occurrence number in the file); the occurrence number is only
        # worked out for the rare keys that repeat. The staged rows are read again by each use
        # rather than materialised once: a scan costs less. Sinks are classified once per distinct
        # (摘要, 对手户名, 对手开户行) of an outgoing row, not once per row (a statement repeats a
        # handful of summaries millions of times), and joined back on the hash of the three, which
        # probes faster than three nullable texts.
        con.execute(
            f"""
            INSERT INTO txn (id, nkey, {cols}, sink_kind)
            WITH s AS NOT MATERIALIZED ({staged_rows}),
            k AS ({keyed}),
            texts AS (
                SELECT tk, {_sink_case_sql()} AS sink_kind
                FROM (
                    SELECT tk, any_value(summary) AS summary, any_value(counterparty_name) AS counterparty_name,
                           any_value(counterparty_bank) AS counterparty_bank
                    FROM ({texts_rows}) GROUP BY tk
                )
            )
            SELECT {base} + k.source_line, k.nkey, {", ".join("k." + c for c in _TXN_COLUMNS)}, x.sink_kind
            FROM k LEFT JOIN texts x ON x.tk = k.tk
            {fresh}
            """
        )
        after = con.execute("SELECT count(*) FROM txn").fetchone()
        result.created = (int(after[0]) if after else 0) - count_before
        result.duplicates = staged - result.created
        return staged

    def _repeated_keys(self, staged_rows: str) -> int:
        """Natural keys that occur more than once in the file, into ``repeated_keys``; how many.

        Sorting the keys in numpy costs a fraction of a DuckDB GROUP BY over millions of distinct
        keys, whose hash table outgrows the CPU caches.
        """
        import numpy as np

        keys = self.con.execute(f"SELECT k0 FROM ({staged_rows})").fetchnumpy()["k0"]
        keys = np.sort(np.asarray(keys, dtype=np.uint64))
        repeated = np.unique(keys[1:][keys[1:] == keys[:-1]])
        if not len(repeated):
            return 0
        self.con.execute(
            "CREATE OR REPLACE TEMP TABLE repeated_keys AS SELECT unnest($1::UBIGINT[]) AS k0",
            [repeated.tolist()],
        )
        return len(repeated)

    def _insert_rejects(self, rejects: Sequence[st.Reject]) -> None:
        """Add rejects not stored yet (same file, line and text), set-based: a file may have many."""
        for start in range(0, len(rejects), 100_000):
            chunk = rejects[start : start + 100_000]
            self.con.execute(
                """
                INSERT INTO rejects
                SELECT n.* FROM (
                    SELECT unnest($1::VARCHAR[]) AS source_file, unnest($2::BIGINT[]) AS line,
                           unnest($3::VARCHAR[]) AS raw, unnest($4::VARCHAR[]) AS reason
                ) n
                WHERE NOT EXISTS (
                    SELECT 1 FROM rejects r
                    WHERE r.source_file = n.source_file AND r.line = n.line AND r.raw = n.raw
                )
                """,
                [
                    [r.file for r in chunk],
                    [r.line for r in chunk],
                    [r.raw for r in chunk],
                    [r.reason for r in chunk],
                ],
            )

    # -- queries --

    def ensure_trace_index(self, min_rows: int = 500_000) -> None:
        """Index ``txn(account)`` for big stores so each hop reads only the frontier's rows.

        Built lazily at the first trace rather than during import: the index costs seconds per
        million rows and slows later bulk inserts, and small stores scan faster without it.
        """
        exists = self.con.execute(
            "SELECT count(*) FROM duckdb_indexes() "
            "WHERE index_name = 'txn_account' AND database_name = current_database()"
        ).fetchone()
        if exists and exists[0]:
            return
        if self.count() >= min_rows:
            self.con.execute("CREATE INDEX txn_account ON txn(account)")

    def count(self) -> int:
        row = self.con.execute("SELECT count(*) FROM txn").fetchone()
        return int(row[0]) if row else 0

    def rows(self, account: str | None = None) -> list[dict[str, Any]]:
        """Stored rows (for tests and small views), ordered by account and time."""
        where = "WHERE account = ?" if account else ""
        cursor = self.con.execute(
            f"SELECT {', '.join(_TXN_COLUMNS)}, sink_kind FROM txn {where} ORDER BY account, ts, source_line",
            [account] if account else [],
        )
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, r, strict=True)) for r in cursor.fetchall()]

    def save_trace(self, case_id: str, result: TraceResult) -> None:
        """Remember which accounts a case's money reached (feeds 断卡 candidates and case linking)."""
        self.con.execute("DELETE FROM traced WHERE case_id = ?", [case_id])
        self.con.executemany(
            "INSERT INTO traced VALUES (?, ?, ?, ?)",
            [(case_id, a.account, a.depth, a.amount_fen) for a in result.accounts if not a.is_sink],
        )

    def export_parquet(self, target: str | Path) -> None:
        """Every statement row as one Parquet file ordered by account and time (for Spark), without
        the import's natural-key hash: an unsigned 64-bit column Spark cannot read."""
        # COPY takes a plain literal only (not sql_string's concat of escapes): quotes doubled.
        literal = "'" + str(target).replace("'", "''") + "'"
        self.con.execute(
            f"COPY (SELECT * EXCLUDE (nkey) FROM txn ORDER BY account, ts) TO {literal} (FORMAT parquet)"
        )

    def summary(self) -> StoreSummary:
        """How much the store holds: rows, distinct accounts and files, rejected rows."""
        row = self.con.execute(
            "SELECT count(*), count(DISTINCT account), count(DISTINCT source_file) FROM txn"
        ).fetchone()
        rejects = self.con.execute("SELECT count(*) FROM rejects").fetchone()
        rows, accounts, files = row if row else (0, 0, 0)
        return StoreSummary(int(rows), int(accounts), int(files), int(rejects[0]) if rejects else 0)

    def has_account(self, account: str) -> bool:
        """Whether any statement row belongs to ``account``."""
        return (
            self.con.execute("SELECT 1 FROM txn WHERE account = ? LIMIT 1", [account]).fetchone() is not None
        )

    def payer_of_arrival(
        self, account: str, amount_fen: int, around: datetime, tolerance: timedelta
    ) -> tuple[str, datetime] | None:
        """The counterparty and time of ``account``'s 入账 row of exactly ``amount_fen`` nearest to
        ``around`` (naive Beijing time) within ``tolerance``: who paid a known transfer, and when
        the bank booked it."""
        ts = to_epoch(around)
        seconds = int(tolerance.total_seconds())
        row = self.con.execute(
            "SELECT counterparty, ts FROM txn WHERE account = ? AND direction = 'in' AND amount_fen = ? "
            "AND ts BETWEEN ? AND ? AND counterparty IS NOT NULL ORDER BY abs(ts - ?), id LIMIT 1",
            [account, amount_fen, ts - seconds, ts + seconds, ts],
        ).fetchone()
        return None if row is None else (str(row[0]), from_epoch(int(row[1])))

    def last_row(self, account: str) -> tuple[int | None, datetime] | None:
        """Balance (fen, None when the bank gave none) and time of ``account``'s last row, if any."""
        row = self.con.execute(
            "SELECT balance_fen, ts FROM txn WHERE account = ? ORDER BY ts DESC, source_line DESC LIMIT 1",
            [account],
        ).fetchone()
        if row is None:
            return None
        return (None if row[0] is None else int(row[0]), from_epoch(int(row[1])))

    def account_activity(
        self, night: tuple[int, int], accounts: Sequence[str] | None = None
    ) -> list[AccountActivity]:
        """Per account with rows (optionally only ``accounts``): counts, money in and out, first
        and last row, distinct counterparties each way, rows between the ``night`` hours
        [start, end) and the cases whose traces reached it; ordered by account."""
        start, end = int(night[0]), int(night[1])
        filter_sql = ""
        if accounts is not None:
            self.con.execute("CREATE OR REPLACE TEMP TABLE t_feature_accounts (account VARCHAR)")
            self.con.executemany("INSERT INTO t_feature_accounts VALUES (?)", [(a,) for a in accounts])
            filter_sql = "WHERE account IN (SELECT account FROM t_feature_accounts)"
        # Hour of day from integer seconds keeps this portable (no engine-specific date functions).
        sql = f"""
            WITH f AS (
                SELECT account, count(*) AS n,
                       SUM(CASE WHEN direction = 'in' THEN amount_fen ELSE 0 END) AS in_fen,
                       SUM(CASE WHEN direction = 'out' THEN amount_fen ELSE 0 END) AS out_fen,
                       MIN(ts) AS first_ts, MAX(ts) AS last_ts,
                       COUNT(DISTINCT CASE WHEN direction = 'in' THEN counterparty END) AS fan_in,
                       COUNT(DISTINCT CASE WHEN direction = 'out' THEN counterparty END) AS fan_out,
                       SUM(CASE WHEN ((ts % 86400) / 3600) >= {start} AND ((ts % 86400) / 3600) < {end}
                                THEN 1 ELSE 0 END) AS night
                FROM txn {filter_sql} GROUP BY account
            ),
            c AS (SELECT account, list(DISTINCT case_id ORDER BY case_id) AS cases FROM traced GROUP BY account)
            SELECT f.*, c.cases FROM f LEFT JOIN c USING (account) ORDER BY f.account
        """
        return [
            AccountActivity(
                account=r[0],
                rows=int(r[1]),
                in_fen=int(r[2] or 0),
                out_fen=int(r[3] or 0),
                first_ts=int(r[4]),
                last_ts=int(r[5]),
                fan_in=int(r[6]),
                fan_out=int(r[7]),
                night_rows=int(r[8]),
                cases=tuple(r[9] or ()),
            )
            for r in self.con.execute(sql).fetchall()
        ]


_PY_FORMATS = {"%Y-%m-%d %H:%M:%S.%f": "%Y-%m-%d %H:%M:%S.%f"}


def _detect_date_format(
    layout: st.StatementLayout, header_rows: Sequence[Sequence[str]], formats: Sequence[str]
) -> str | None:
    """The one format of ``formats`` that reads every sampled value of the date column, if any."""
    cols = layout.columns
    if "time" in cols:
        return None
    index = cols.get("datetime", cols.get("date"))
    if index is None:
        return None
    samples = [
        r[index].strip()
        for r in header_rows[layout.header_line : layout.header_line + 30]
        if index < len(r) and r[index].strip()
    ]
    if not samples:
        return None
    for fmt in formats:
        try:
            for value in samples:
                datetime.strptime(value, fmt)
        except ValueError:
            continue
        return fmt
    return None


def _progress_for(
    progress: ProgressCallback | None, index: int, count: int, path: str
) -> Callable[..., None]:
    def notify(phase: Any, done: int = 0, total: int = 0) -> None:
        if progress is not None:
            progress(ImportProgress(index, count, path, phase, done, total))

    return notify


def _transcode_to_utf8(source: Path, target: Path, encoding: str, on_chunk: Callable[[int], None]) -> int:
    """Write ``source`` as UTF-8; returns how many bytes could not be decoded (each became U+FFFD)."""
    decoder = codecs.getincrementaldecoder(encoding)(errors="replace")
    done = undecodable = 0
    with source.open("rb") as src, target.open("wb") as dst:
        while chunk := src.read(1 << 23):
            done += len(chunk)
            text = decoder.decode(chunk)
            undecodable += text.count(st.UNDECODABLE)
            dst.write(text.encode("utf-8"))
            on_chunk(done)
        text = decoder.decode(b"", final=True)
        undecodable += text.count(st.UNDECODABLE)
        dst.write(text.encode("utf-8"))
    return undecodable


class _NeedsPythonReader(Exception):
    """The SQL reader cannot read this CSV file with exact line numbers; the Python reader can."""


class _LineCounter(threading.Thread):
    """Counts a file's lines after its first ``skip`` lines, not counting trailing empty lines.

    Runs beside DuckDB's read (which releases the GIL): when the count equals the number of
    records the reader returned, no empty line was dropped and record ``i`` is line ``skip+1+i``.
    """

    chunk = 1 << 22  # bytes per read

    def __init__(self, path: Path, skip: int) -> None:
        super().__init__(daemon=True)
        self.path = path
        self.skip = skip
        self.lines = -1

    def run(self) -> None:
        import numpy as np

        # Counted by numpy into one reused buffer: bytes.count and a fresh bytes object per read
        # took four times the CPU, taken from DuckDB's reader running at the same time.
        newlines = 0
        tail = b""
        buffer = bytearray(self.chunk)
        view = np.frombuffer(buffer, dtype=np.uint8)
        with self.path.open("rb", buffering=0) as handle:
            while size := handle.readinto(buffer):
                newlines += int(np.count_nonzero(view[:size] == 10))
                tail = (tail + bytes(buffer[max(0, size - 4096) : size]))[-4096:]
        stripped = tail.rstrip(b"\r\n")
        if not stripped and newlines == tail.count(b"\n"):
            self.lines = 0  # nothing but line breaks
            return
        trailing = tail.count(b"\n") - stripped.count(b"\n")
        self.lines = max(0, newlines - trailing + 1 - self.skip)


# What the Python reader's str.strip() removes at a cell's edges in practice: spaces, tabs, line
# ends, no-break and full-width spaces.
_EDGE_SPACE_SQL = sql_string(" \t\r\n\x0b\x0c\u00a0\u3000")


def _sample_values(layout: st.StatementLayout, header_rows: Sequence[Sequence[str]], index: int) -> list[str]:
    """Distinct non-empty cells of column ``index`` in the sampled rows below the header."""
    seen: dict[str, None] = {}
    for row in header_rows[layout.header_line :]:
        if index < len(row) and row[index].strip():
            seen.setdefault(row[index], None)
    return list(seen)[:8]


def _direction_or_none(text: str) -> str | None:
    try:
        return st.parse_direction(text)
    except ValueError:
        return None
