"""Statement store (DuckDB): idempotent, transactional import of bank and payment statements.

Store
-----
:class:`StatementStore` keeps normalised statement rows in a DuckDB database (a file or memory).
Imports are idempotent (a natural key per row, see :func:`fanzha.domain.statements.natural_key`,
plus the occurrence number of that key inside its file) and transactional per file. CSV files are
read set-based by DuckDB (GBK/GB18030 is transcoded to UTF-8 in 8 MB chunks first: the installed
DuckDB has no GBK reader without downloading an extension): one statement parses every row with
vectorised SQL (direction flags by CASE, dates by ``try_strptime`` with the format found in the
sample, amounts by cast); the few rows it cannot read go to the Python parsers, which either read
them or reject them with file, line and reason. A second statement keys, dedupes (anti-join on the
key hash) and classifies sinks once per distinct (摘要, 对手户名, 对手开户行), not once per row.
"""

from __future__ import annotations

import codecs
import json
import os
import re
import tempfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from fanzha.domain import statements as st
from fanzha.domain.sql_engine import DuckDBEngine, _sql_literal, _sql_str
from fanzha.errors import UserFacingError

if TYPE_CHECKING:
    import duckdb

    from fanzha.domain.trace import TraceResult

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
    text = resources.files("fanzha.data").joinpath("funds").joinpath("sinks.json").read_text(encoding="utf-8")
    data = json.loads(text)
    return tuple(SinkKind(k["kind"], k["label"], tuple(k["keywords"])) for k in data["kinds"])


def sink_kind_of(*texts: str | None) -> str | None:
    """The sink kind named by a row's 摘要 / counterparty name / counterparty bank, if any."""
    joined = " ".join(t for t in texts if t).upper()
    for kind in sink_kinds():
        if any(k.upper() in joined for k in kind.keywords):
            return kind.kind
    return None


def _sink_case_sql() -> str:
    text = "upper(concat_ws(' ', summary, counterparty_name, counterparty_bank))"
    branches = []
    for kind in sink_kinds():
        pattern = "|".join(re.escape(k.upper()) for k in kind.keywords)
        branches.append(f"WHEN regexp_matches({text}, {_sql_str(pattern)}) THEN {_sql_str(kind.kind)}")
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
CREATE OR REPLACE TEMP TABLE normalised AS SELECT FALSE AS ok, * FROM stage LIMIT 0;
"""


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
class FileImport:
    path: str
    rows_read: int = 0
    inserted: int = 0
    duplicates: int = 0
    rejected: int = 0
    fast_path: bool = False
    encoding: str | None = None
    error: str | None = None


@dataclass
class ImportReport:
    """Per-file counts and every rejected row (file, line, raw text, reason)."""

    files: list[FileImport] = field(default_factory=list)
    rejects: list[st.Reject] = field(default_factory=list)

    @property
    def rows_read(self) -> int:
        return sum(f.rows_read for f in self.files)

    @property
    def inserted(self) -> int:
        return sum(f.inserted for f in self.files)

    @property
    def duplicates(self) -> int:
        return sum(f.duplicates for f in self.files)

    @property
    def failed(self) -> list[FileImport]:
        return [f for f in self.files if f.error]


ProgressCallback = Callable[[ImportProgress], None]


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
    ) -> ImportReport:
        """Import statement files, each in its own transaction; never raises for a bad file.

        A file that cannot be read inserts nothing and carries its reason in ``FileImport.error``;
        rows that cannot be read are rejected one by one and listed in the report and the
        ``rejects`` table.
        """
        report = ImportReport()
        path_list = [Path(p) for p in paths]
        for index, path in enumerate(path_list):
            notify = _progress_for(progress, index, len(path_list), str(path))
            notify("start")
            result = FileImport(str(path))
            report.files.append(result)
            try:
                self.con.execute("BEGIN TRANSACTION")
                rejects = self._import_one(path, mapping, result, notify)
                self._insert_rejects(rejects)
                self.con.execute(
                    "INSERT INTO imports VALUES (?, ?, ?, ?, ?, ?, now())",
                    [
                        str(path),
                        result.rows_read,
                        result.inserted,
                        result.duplicates,
                        result.rejected,
                        result.fast_path,
                    ],
                )
                self.con.execute("COMMIT")
                report.rejects.extend(rejects)
            except UserFacingError as exc:
                self.con.execute("ROLLBACK")
                result.error = f"{exc.zh} / {exc.en}"
                result.inserted = result.duplicates = 0
            except Exception as exc:
                self.con.execute("ROLLBACK")
                result.error = f"导入失败 / import failed: {type(exc).__name__}: {exc}"
                result.inserted = result.duplicates = 0
            notify("done")
        return report

    def _import_one(
        self,
        path: Path,
        mapping: Mapping[str, str] | None,
        result: FileImport,
        notify: Callable[..., None],
    ) -> list[st.Reject]:
        if not path.is_file():
            raise UserFacingError(f"找不到文件：{path}", f"file not found: {path}")
        self.con.execute(_STAGE_DDL)
        if st.file_kind(path) == "csv":
            rejects = self._stage_csv_fast(path, mapping, result, notify)
        else:
            read = st.read_statement(path, mapping)
            result.encoding = read.encoding
            self._stage_rows(read.rows)
            rejects = read.rejects
        result.rejected = len(rejects)
        notify("insert")
        self._insert_stage(result)
        return rejects

    def _stage_rows(self, rows: Sequence[st.StatementRow]) -> None:
        # Spreadsheets and refused CSV rows are small; multi-row VALUES keeps pandas out of runtime.
        cols = ", ".join(_TXN_COLUMNS)
        for start in range(0, len(rows), 1000):
            values = ", ".join(
                "("
                + ", ".join(
                    _sql_literal(v)
                    for v in (
                        r.account,
                        r.counterparty,
                        r.direction,
                        r.amount_fen,
                        to_epoch(r.at),
                        r.balance_fen,
                        r.counterparty_name,
                        r.counterparty_bank,
                        r.summary,
                        r.branch,
                        r.ip,
                        r.mac,
                        r.account_name,
                        r.source_file,
                        r.source_line,
                    )
                )
                + ")"
                for r in rows[start : start + 1000]
            )
            self.con.execute(f"INSERT INTO stage ({cols}) VALUES {values}")

    def _stage_csv_fast(
        self,
        path: Path,
        mapping: Mapping[str, str] | None,
        result: FileImport,
        notify: Callable[..., None],
    ) -> list[st.Reject]:
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
            return read.rejects
        result.fast_path = True
        source = path
        temp: str | None = None
        if encoding not in ("utf-8", "utf-8-sig"):
            handle_fd, temp = tempfile.mkstemp(suffix=".csv", prefix="fanzha-transcode-")
            os.close(handle_fd)
            _transcode_to_utf8(path, Path(temp), encoding, lambda done: notify("transcode", done, size))
            source = Path(temp)
        try:
            notify("load", 0, size)
            return self._stage_csv_sql(source, path, layout, delimiter, header_rows)
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
    ) -> list[st.Reject]:
        width = len(layout.header)
        names = [f"c{i}" for i in range(width)]
        columns_sql = "{" + ", ".join(f"'{n}': 'VARCHAR'" for n in names) + "}"
        skip = layout.header_line
        read = (
            f"read_csv({_sql_str(str(source))}, header=false, skip={skip}, auto_detect=false, "
            f"delim={_sql_str(delimiter)}, quote='\"', escape='\"', columns={columns_sql}, "
            "null_padding=true, strict_mode=false, nullstr='\x01', max_line_size=10000000, "
            "encoding='utf-8')"
        )
        cols = layout.columns

        def raw(name: str) -> str:
            return f"c{cols[name]}" if name in cols else "NULL"

        def clean_account(expr: str) -> str:
            # Plain account numbers only; wrapped or odd ones (="622…", e-mail, full-width) take the
            # Python path.
            return f"CASE WHEN regexp_full_match({expr}, '[0-9A-Za-z_*-]+') THEN {expr} END"

        def amount(expr: str) -> str:
            return f"CAST(TRY_CAST(replace({expr}, ',', '') AS DECIMAL(18,2)) * 100 AS BIGINT)"

        direction_values = st.direction_values()
        outs = ", ".join(_sql_str(k) for k, v in direction_values.items() if v == "out")
        ins = ", ".join(_sql_str(k) for k, v in direction_values.items() if v == "in")
        account = clean_account(raw("account")) if "account" in cols else _sql_str(layout.title_account or "")
        formats = [
            "%Y-%m-%d %H:%M:%S",
            "%Y/%m/%d %H:%M:%S",
            "%Y-%m-%d %H:%M",
            "%Y/%m/%d %H:%M",
            "%Y%m%d%H%M%S",
            "%Y%m%d %H:%M:%S",
            "%Y%m%d %H%M%S",
            "%Y-%m-%dT%H:%M:%S",
            "%Y-%m-%d %H:%M:%S.%f",
            "%Y-%m-%d",
            "%Y/%m/%d",
            "%Y%m%d",
        ]
        fmt_list = "[" + ", ".join(_sql_str(f) for f in formats) + "]"
        detected = _detect_date_format(layout, header_rows, formats)
        if detected:
            # One known format is much cheaper than trying the list on every row.
            fmt_list = _sql_str(detected)
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
        else:
            when_expr = when_raw
        ts = f"epoch_ms(try_strptime({when_expr}, {fmt_list})) // 1000"
        signed = amount(raw("amount")) if "amount" in cols else "NULL"
        amount_in = amount(raw("amount_in")) if "amount_in" in cols else "NULL"
        amount_out = amount(raw("amount_out")) if "amount_out" in cols else "NULL"
        dir_col = (
            f"CASE WHEN upper(trim({raw('direction')})) IN ({outs}) THEN 'out' "
            f"WHEN upper(trim({raw('direction')})) IN ({ins}) THEN 'in' END"
            if "direction" in cols
            else "NULL"
        )
        last_used = max(cols.values())
        text_cols = ", ".join(f"NULLIF(trim({raw(n)}), '') AS {n}" for n in st.TEXT_FIELDS)
        # The CTE parses every row with DuckDB's vectorised functions; ok = every field parsed
        # the way the Python parser would.
        has_signed = "amount" in cols
        direction_sql = (
            "CASE WHEN dir_col IS NOT NULL THEN dir_col "
            + (
                "WHEN direction_raw IS NULL OR trim(direction_raw) = '' THEN NULL "
                if "direction" in cols
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
        counterparty_ok = (
            "(counterparty IS NOT NULL OR counterparty_raw IS NULL OR trim(counterparty_raw) = '')"
        )
        not_empty = " OR ".join(f"coalesce(trim({n}), '') <> ''" for n in names)
        parsed = f"""
            SELECT source_line, {", ".join(names)}, {account} AS account,
                   {clean_account(raw("counterparty"))} AS counterparty,
                   {signed} AS signed_fen, {amount_in} AS in_fen, {amount_out} AS out_fen,
                   {dir_col} AS dir_col, {ts} AS ts,
                   {amount(raw("balance"))} AS balance_fen,
                   {raw("balance")} AS balance_raw, {raw("counterparty")} AS counterparty_raw,
                   {raw("direction")} AS direction_raw,
                   c{last_used} IS NULL AS truncated,
                   {text_cols}
            FROM (SELECT *, {skip} + row_number() OVER () AS source_line FROM {read})
            WHERE {not_empty}
        """
        checked = f"""
            SELECT *, account IS NOT NULL AND {counterparty_ok} AND NOT truncated
                      AND dir IS NOT NULL AND amt IS NOT NULL AND amt > 0 AND ts IS NOT NULL
                      AND (balance_raw IS NULL OR trim(balance_raw) = '' OR balance_fen IS NOT NULL) AS ok
            FROM (SELECT *, {direction_sql} AS dir, {amount_sql} AS amt FROM ({parsed}))
        """
        file_name = _sql_str(str(original))
        text_names = ", ".join(st.TEXT_FIELDS)
        # Raw cells are kept only for rows the SQL parsers refused: they get a second reading by
        # the Python parsers, which either read them or reject them with the reason. The line
        # number comes from ROW_NUMBER() over the reader's output, which keeps the file's order.
        raw_cells = ", ".join(f"CASE WHEN ok THEN NULL ELSE {n} END AS {n}" for n in names)
        self.con.execute(
            f"""
            CREATE OR REPLACE TEMP TABLE normalised AS
            SELECT ok, account, counterparty, dir AS direction, amt AS amount_fen, ts,
                   CASE WHEN balance_raw IS NULL OR trim(balance_raw) = '' THEN NULL ELSE balance_fen END
                       AS balance_fen,
                   {text_names}, {file_name} AS source_file, source_line, {raw_cells}
            FROM ({checked})
            """
        )
        leftovers = self.con.execute(
            f"SELECT {', '.join(names)}, source_line FROM normalised WHERE NOT ok ORDER BY source_line"
        ).fetchall()
        rows: list[st.StatementRow] = []
        rejects: list[st.Reject] = []
        for record in leftovers:
            line = int(record[-1])
            cells = ["" if c is None else str(c) for c in record[:-1]]
            raw_text = delimiter.join(cells)
            try:
                if record[last_used] is None:
                    present = sum(1 for c in record[:-1] if c is not None)
                    raise ValueError(
                        f"列数不足（{present}/{width}），行不完整 / row has {present} of {width} columns (truncated)"
                    )
                rows.append(st.normalise_cells(cells, layout, str(original), line))
            except ValueError as exc:
                rejects.append(st.Reject(str(original), line, raw_text, str(exc)))
        self._stage_rows(rows)
        return rejects

    def _insert_stage(self, result: FileImport) -> None:
        con = self.con
        cols = ", ".join(_TXN_COLUMNS)
        staged_rows = f"(SELECT {cols} FROM stage UNION ALL SELECT {cols} FROM normalised WHERE ok)"
        staged = con.execute(f"SELECT count(*) FROM {staged_rows}").fetchone()
        result.rows_read = int(staged[0]) if staged else 0
        next_id = con.execute("SELECT coalesce(max(id), 0) FROM txn").fetchone()
        base = int(next_id[0]) if next_id else 0
        before = con.execute("SELECT count(*) FROM txn").fetchone()
        count_before = int(before[0]) if before else 0
        # Key = hash(natural key, occurrence number in the file); the occurrence number is only
        # worked out for the rare keys that repeat, which avoids sorting the whole file. Sinks are
        # classified once per distinct (摘要, 对手户名, 对手开户行), not once per row: a statement
        # repeats a handful of summaries millions of times.
        con.execute(
            f"""
            INSERT INTO txn (id, nkey, {cols}, sink_kind)
            WITH s AS (
                SELECT *, hash(account, ts, amount_fen, direction, coalesce(counterparty, ''),
                               coalesce(balance_fen, -9223372036854775807)) AS k0
                FROM {staged_rows}
            ),
            d AS (SELECT k0 FROM s GROUP BY k0 HAVING count(*) > 1),
            o AS (
                SELECT s.source_line,
                       hash(s.k0, row_number() OVER (PARTITION BY s.k0 ORDER BY s.source_line)) AS nkey
                FROM s JOIN d ON d.k0 = s.k0
            ),
            k AS (
                SELECT s.*, coalesce(o.nkey, hash(s.k0, CAST(1 AS BIGINT))) AS nkey
                FROM s LEFT JOIN o ON o.source_line = s.source_line
            ),
            texts AS (
                SELECT summary, counterparty_name, counterparty_bank, {_sink_case_sql()} AS sink_kind
                FROM (
                    SELECT DISTINCT summary, counterparty_name, counterparty_bank
                    FROM {staged_rows} WHERE direction = 'out'
                )
            )
            SELECT {base} + k.source_line, k.nkey, {", ".join("k." + c for c in _TXN_COLUMNS)},
                   CASE WHEN k.direction = 'out' THEN x.sink_kind END
            FROM k LEFT JOIN texts x
                 ON x.summary IS NOT DISTINCT FROM k.summary
                AND x.counterparty_name IS NOT DISTINCT FROM k.counterparty_name
                AND x.counterparty_bank IS NOT DISTINCT FROM k.counterparty_bank
            WHERE k.nkey NOT IN (SELECT nkey FROM txn)
            """
        )
        after = con.execute("SELECT count(*) FROM txn").fetchone()
        result.inserted = (int(after[0]) if after else 0) - count_before
        result.duplicates = result.rows_read - result.inserted
        con.execute("DROP TABLE stage; DROP TABLE normalised")

    def _insert_rejects(self, rejects: Sequence[st.Reject]) -> None:
        if not rejects:
            return
        self.con.executemany(
            "INSERT INTO rejects SELECT ?, ?, ?, ? WHERE NOT EXISTS "
            "(SELECT 1 FROM rejects WHERE source_file = ? AND line = ? AND raw = ?)",
            [(r.file, r.line, r.raw, r.reason, r.file, r.line, r.raw) for r in rejects],
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


def _transcode_to_utf8(source: Path, target: Path, encoding: str, on_chunk: Callable[[int], None]) -> None:
    decoder = codecs.getincrementaldecoder(encoding)(errors="replace")
    done = 0
    with source.open("rb") as src, target.open("wb") as dst:
        while chunk := src.read(1 << 23):
            done += len(chunk)
            dst.write(decoder.decode(chunk).encode("utf-8"))
            on_chunk(done)
        dst.write(decoder.decode(b"", final=True).encode("utf-8"))
