"""The seam between the tracer and an SQL engine: inputs, the engine protocol, DuckDB, literals.

The tracer writes DuckDB/Spark SQL common ground; how its run-time inputs reach a statement is the
engine's business (:class:`DuckDBEngine` inlines them, ``SparkEngine`` in
:mod:`fanzha.domain.trace_spark` registers views). Literals are spelt so both dialects read them alike.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    import duckdb


def sql_string(value: str) -> str:
    """A string literal that DuckDB and Spark SQL read alike.

    The dialects disagree on quotes and backslashes inside literals (Spark reads ``'a''b'`` as
    "ab" and ``\\`` as an escape), so those two characters are spelt with ``chr()``.
    """
    if "'" not in value and "\\" not in value:
        return "'" + value + "'"
    parts = re.split(r"(['\\])", value)
    pieces = [f"chr({ord(p)})" if p in ("'", "\\") else "'" + p + "'" for p in parts if p]
    return "concat(" + ", ".join(pieces) + ")" if len(pieces) > 1 else pieces[0]


def in_list(accounts: Sequence[str]) -> str:
    """``IN (...)`` of literal accounts: both engines push it into the scan (DuckDB's ART index)."""
    return "(" + ", ".join(sql_string(a) for a in accounts) + ")" if accounts else "(NULL)"


@dataclass(frozen=True)
class SqlInput:
    """A value a statement takes at run time: a small table (``columns``), a scalar (``type``), or
    a list of ``type`` values that ``member_of`` (an SQL expression) must be in."""

    name: str
    columns: tuple[tuple[str, str], ...] = ()
    type: str | None = None
    member_of: str | None = None


Template = Callable[[Callable[[SqlInput], str]], str]


class SqlEngine(Protocol):
    """What the tracer needs from an SQL engine; the SQL it sends is DuckDB/Spark common ground.

    A hop is written as a template that refers to its inputs (the frontier, the money injected,
    …) through a placeholder function, so each engine passes them the way it handles best.
    """

    def fetch(self, sql: str) -> list[tuple[Any, ...]]:
        """Run ``sql`` and return all rows."""

    def fetch_bound(
        self, template: Template, inputs: Sequence[SqlInput], values: Sequence[Any]
    ) -> list[tuple[Any, ...]]:
        """Run ``template(placeholder)`` with ``values`` for ``inputs`` (rows for table inputs, a
        list for membership inputs, a value for scalars) and return all rows."""


class DuckDBEngine:
    """:class:`SqlEngine` over a DuckDB connection whose ``txn`` table holds the statements.

    Inputs are written into the statement (:func:`inline_input`): a literal ``account IN (…)``
    is what DuckDB answers from the ART index on ``txn(account)``, in well under a millisecond.
    Prepared statements with list parameters were tried and measured slower: the list then
    reaches the scan as a run-time filter and DuckDB scans row groups instead of the index.
    """

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self.con = con
        self._disabled: str | None = None

    def fetch(self, sql: str) -> list[tuple[Any, ...]]:
        return self.con.execute(sql).fetchall()

    def fetch_bound(
        self, template: Template, inputs: Sequence[SqlInput], values: Sequence[Any]
    ) -> list[tuple[Any, ...]]:
        by_name = {i.name: v for i, v in zip(inputs, values, strict=True)}
        loaded = {
            spec.name: self._load_input(spec, by_name[spec.name])
            for spec in inputs
            if (spec.columns or spec.member_of) and len(by_name[spec.name]) > MAX_INLINE_ROWS
        }
        sql = template(lambda spec: loaded.get(spec.name) or inline_input(spec, by_name[spec.name]))
        if self._disabled is None:
            # Optimizer names differ between DuckDB releases; an unknown name is an error.
            known = {row[0] for row in self.con.execute("SELECT name FROM duckdb_optimizers()").fetchall()}
            self._disabled = ",".join(name for name in _HOP_DISABLED_OPTIMIZERS if name in known)
        self.con.execute(f"SET disabled_optimizers = '{self._disabled}'")
        try:
            return self.con.execute(sql).fetchall()
        finally:
            self.con.execute("RESET disabled_optimizers")

    def _load_input(self, spec: SqlInput, value: Any) -> str:
        """A large input as a temporary table, filled from one list parameter per column (no SQL
        text per row), and the expression that reads it in place of the inline form."""
        table = f"_fz_input_{spec.name}"
        columns = spec.columns or (("value", spec.type or "STRING"),)
        rows = [(v,) for v in value] if spec.member_of else list(value)
        definition = ", ".join(f"{c} {_duckdb_type(t)}" for c, t in columns)
        self.con.execute(f"CREATE OR REPLACE TEMP TABLE {table} ({definition})")
        select = ", ".join(f"unnest(${i + 1}::{_duckdb_type(t)}[])" for i, (_, t) in enumerate(columns))
        for start in range(0, len(rows), 100_000):
            part = rows[start : start + 100_000]
            self.con.execute(
                f"INSERT INTO {table} SELECT {select}", [[r[i] for r in part] for i in range(len(columns))]
            )
        if spec.member_of:
            # A semi-join scans the table instead of looking each account up in the index: for
            # thousands of accounts that is the faster plan anyway.
            return f"{spec.member_of} IN (SELECT value FROM {table})"
        names = ", ".join(c for c, _ in columns)
        return f"(SELECT {names} FROM {table})"


def _duckdb_type(sql_type: str) -> str:
    return "VARCHAR" if sql_type.upper() == "STRING" else sql_type


#: Inputs up to this many rows (or accounts) are written into the statement, where DuckDB parses
#: them with the rest and looks accounts up in its index; larger ones (a busy account's hundreds of
#: thousands of transfers) go through temporary tables. Inline, 220,000 pending transfers made a
#: statement of 30 MB whose parsing took 37 s and 5 GB; through a table the same hop takes a second.
MAX_INLINE_ROWS = 2_000


# The hop reads its accounts' rows once, in a CTE that two joins consume; pushing those joins'
# filters down into the scan (join_filter_pushdown) would add conditions on other columns, and DuckDB
# then reads row groups instead of looking the accounts up in the index. The others plan for big
# inputs (statistics, join order, compression of materialised data, self-join and top-N rewrites);
# a hop's inputs are tens to thousands of rows, so they only add planning time: without them a hop
# takes about 10% less CPU at 1 M rows (18.2 vs 20.5 ms, same answers).
_HOP_DISABLED_OPTIMIZERS = (
    "join_filter_pushdown",
    "statistics_propagation",
    "compressed_materialization",
    "common_subplan",
    "join_order",
    "build_side_probe_side",
    "late_materialization",
    "window_self_join",
    "aggregate_reuse",
    "duplicate_groups",
    "deliminator",
    "top_n_window_elimination",
)


def inline_input(spec: SqlInput, value: Any) -> str:
    """An input written into the statement: ``expr IN ('a', …)``, inline VALUES, or a literal.

    A literal ``IN`` list is what lets DuckDB look accounts up in its ART index.
    """
    if spec.member_of:
        return f"{spec.member_of} IN {in_list(list(value))}"
    if spec.columns:
        return values_relation(spec.columns, value)
    return f"CAST({sql_literal(value)} AS {spec.type})"


def values_relation(columns: Sequence[tuple[str, str]], rows: Sequence[Sequence[Any]]) -> str:
    """Inline rows as a relation both DuckDB and Spark SQL accept: typed by CASTs, empty allowed."""
    if not rows:
        nulls = ", ".join(f"CAST(NULL AS {t}) AS {c}" for c, t in columns)
        return f"(SELECT {nulls} FROM (SELECT 1 AS one) z WHERE 1 = 0)"
    typed = ", ".join(f"CAST({c} AS {t}) AS {c}" for c, t in columns)
    body = ", ".join("(" + ", ".join(sql_literal(v) for v in row) + ")" for row in rows)
    names = ", ".join(c for c, _ in columns)
    return f"(SELECT {typed} FROM (VALUES {body}) AS v({names}))"


def sql_literal(value: Any) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value != value:
            return "NULL"
        text = repr(value)
        if "inf" in text:
            return f"CAST('{text}' AS DOUBLE)"
        # An exponent makes the literal a DOUBLE rather than a DECIMAL of whatever width.
        return text if "e" in text else text + "e0"
    return sql_string(str(value))
