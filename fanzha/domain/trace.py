"""Forward tracing of a victim's money through mule accounts, over the statement store.

Attribution rules
-----------------
For one account, order its rows by time (then by statement line). ``B_k`` is the balance after
row ``k`` (the 交易余额 column; when a statement has none, the running sum of its rows shifted so
that the lowest balance is zero). ``a_k`` is the victim's money arriving with row ``k`` and ``T_k``
the victim's money in the account after row ``k``.

* LIBR, lowest intermediate balance: outflows spend the account's other money first; the victim's
  money only leaves when the balance falls below it. ``T_k = min(B_k, T_{k-1} + a_k)``, which
  unrolls to the window expression ``T_k = A_k + min(0, min_{j<=k}(B_j - A_j))`` with ``A`` the
  running sum of ``a``. An outflow at row ``k`` carries ``T_{k-1} - T_k`` of the victim's money.
* Proportional: every outflow carries the victim's share of the balance just before it:
  ``T_k = T_{k-1} * B_k / (B_k + amount_k) + a_k``, unrolled as
  ``T_k = sum_{i<=k} a_i * exp(L_k - L_i)`` with ``L`` the running sum of the log ratios (a row
  that empties the account starts a new segment). Computed in DOUBLE; shares are rounded to the fen
  only when they leave the engine.

Money arriving with a row that the receiving statement does not show (no statement for that account,
or no matching 入账 row within the tolerance) is added as a synthetic arrival that the balance does not
clip until the account's next real row.

Engine
------
One SQL statement per hop over the whole frontier (:func:`hop_many_sql`): it reads the rows of the
frontier accounts and of the accounts that just received money, matches each transfer to the
payee's 入账 row, runs the attribution rule as window functions and returns the held amounts and the
new victim money leaving the frontier, all at once. A trace, or a batch of traces
(:func:`trace_many`), is one statement for the starts (:func:`start_sql`; a second only for
victims without 出账 rows), one per hop and one for the account facts. What carries over between
hops (money injected, money already emitted per row) is small and travels inline in the next
statement, so nothing is written.

Where the time goes (1 M rows, one trace at a time): a hop reads tens of rows through the index in
well under a millisecond; the rest of its 15-20 ms is DuckDB parsing, binding and optimising a
statement of some 80 operators and setting up its joins and windows. Narrower rows or integer
account keys would not change that; fewer statements per trace (batching) does.

The SQL is common ground of DuckDB and Spark SQL (``ROW_NUMBER``, ``SUM/MIN/LAG ... OVER``, ``LN``,
``EXP``, ``GREATEST``, ``LEAST``, inline ``VALUES``, ``CAST(... AS STRING)``); how inputs reach it
sits behind :class:`SqlEngine`: :class:`DuckDBEngine` here, ``SparkEngine`` in
:mod:`fanzha.domain.trace_spark`. On DuckDB the frontier's rows come from an ART index on
``txn(account)`` (built at the first trace of a big store); the statements keep the account list the
only plain condition on that scan, since DuckDB otherwise scans row groups instead. Times inside the
engine are integer seconds since 1970-01-01 of the bank's naive local wall-clock time.
"""

from __future__ import annotations

import time as time_module
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal

from fanzha.domain.banks import Region, bank_from_card, bank_from_text, region_from_text
from fanzha.domain.sql_engine import (
    SqlEngine,
    SqlInput,
    in_list,
)
from fanzha.domain.statement_store import StatementStore, from_epoch, sink_kinds, to_epoch
from fanzha.domain.values.money import format_yuan, yuan_number
from fanzha.errors import UserFacingError

Rule = Literal["libr", "proportional"]
#: How a trace found its start: the victim's own rows (or the 入账 rows naming the victim as payer),
#: a receiving card's rows, or nothing in the store.
StartKind = Literal["victim", "receiver", "none"]
RULES: tuple[Rule, ...] = ("libr", "proportional")
# Stand-in for "no balance known" inside MIN(): far above any real balance in fen.
_NO_BALANCE = 9_000_000_000_000_000


# --- tracing -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class TraceSpec:
    """Where to start and how far to go.

    ``start`` is the victim's account (its outgoing transfers after ``after`` are the start, up to
    ``amount_fen`` in time order) or, when it has none, an account that received the victim's
    money (its incoming transfers after ``after``, up to ``amount_fen``, are the victim's money).
    ``window`` bounds how long after ``after`` rows are followed. ``match_tolerance_s`` is how far
    apart the payer's 出账 and the payee's 入账 rows may be to be taken as one transfer.
    """

    start: str
    after: datetime | None = None
    amount_fen: int | None = None
    rule: Rule = "libr"
    max_depth: int = 6
    window: timedelta | None = None
    min_amount_fen: int = 100
    match_tolerance_s: int = 86_400


@dataclass(frozen=True)
class TraceEdge:
    src: str
    dst: str
    depth: int
    amount_fen: int
    at: datetime
    sink_kind: str | None


@dataclass(frozen=True)
class ReachedAccount:
    """One account the victim's money reached.

    ``amount_fen``: victim money that arrived (sum over every arrival); ``held_fen``: victim money
    still there after the account's last known row (None when unknown: a sink or no statement);
    ``balance_fen``: the account's last known balance.
    """

    account: str
    depth: int
    amount_fen: int
    first_at: datetime
    held_fen: int | None
    balance_fen: int | None
    last_at: datetime | None
    bank: str | None
    region: Region | None
    is_sink: bool
    sink_kind: str | None
    has_statement: bool

    def as_json(self) -> dict[str, Any]:
        """The CLI's JSON line: the contract keys first, extras after."""
        return {
            "account": self.account,
            "depth": self.depth,
            "amount_yuan": yuan_number(self.amount_fen),
            "first_at": self.first_at.strftime("%Y-%m-%dT%H:%M:%S"),
            "bank": self.bank,
            "region": self.region.label if self.region else None,
            "is_sink": self.is_sink,
            "sink_kind": self.sink_kind,
            "held_yuan": yuan_number(self.held_fen) if self.held_fen is not None else None,
            "balance_yuan": yuan_number(self.balance_fen) if self.balance_fen is not None else None,
            "has_statement": self.has_statement,
        }


@dataclass
class TraceResult:
    spec: TraceSpec
    start_kind: StartKind
    start_fen: int
    accounts: list[ReachedAccount]
    edges: list[TraceEdge]
    hops: int
    elapsed_ms: float


_PEND_COLUMNS = (
    ("account", "STRING"),
    ("src", "STRING"),
    ("out_id", "BIGINT"),
    ("out_ts", "BIGINT"),
    ("amount_fen", "BIGINT"),
    ("taint", "DOUBLE"),
)
_INJ_COLUMNS = (("account", "STRING"), ("txn_id", "BIGINT"), ("ts", "BIGINT"), ("taint", "DOUBLE"))
_EMITTED_COLUMNS = (("txn_id", "BIGINT"), ("taint", "DOUBLE"))
# The batched hop: every input carries the trace id ``tid``, and the per-trace settings travel with
# the frontier (window end, expand, minimum) and with the pending transfers (match tolerance).
_TRACE_ID = ("tid", "INTEGER")
_HOP_MANY_INPUTS = (
    SqlInput("read_rows", type="STRING", member_of="t.account"),
    SqlInput(
        "frontier",
        (
            _TRACE_ID,
            ("account", "STRING"),
            ("window_end", "BIGINT"),
            ("expand", "INTEGER"),
            ("min_fen", "BIGINT"),
        ),
    ),
    SqlInput("pending", (_TRACE_ID, *_PEND_COLUMNS, ("tolerance", "BIGINT"))),
    SqlInput("injections", (_TRACE_ID, *_INJ_COLUMNS)),
    SqlInput("emitted", (_TRACE_ID, *_EMITTED_COLUMNS)),
)


def hop_many_sql(rule: Rule, placeholder: Callable[[SqlInput], str]) -> str:
    """One hop of many traces as one statement, in DuckDB/Spark common SQL (inputs:
    :data:`_HOP_MANY_INPUTS`).

    Reads only the rows of the frontier accounts and of accounts that just received money
    (``pending``: transfers whose 入账 row is not matched yet) once for all traces, then, per trace
    id (every window is partitioned by it, every join keyed on it), returns

    * ``M`` rows: each pending transfer matched to the payee's 入账 row (same amount, payer or no
      counterparty, within the trace's tolerance seconds, nearest first);
    * ``S`` rows: the victim money held after each frontier account's last row under ``rule``;
    * ``E`` rows (when the trace's ``expand`` is 1): new victim money leaving the frontier (above
      what earlier hops already emitted from the same row), by outgoing row.

    Output columns: kind, tid, account, out_id, ts, dst, amount_fen, sink_kind, counterparty_bank,
    value (taint, held or delta), in_id.
    """
    ph = {i.name: placeholder(i) for i in _HOP_MANY_INPUTS}
    key = "PARTITION BY tid, account"
    w = f"{key} ORDER BY ord ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW"
    w0 = f"{key} ORDER BY ts, seq, txn_id ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW"
    sql = f"""
    WITH fr AS (SELECT tid, account, window_end, expand, min_fen FROM {ph["frontier"]}),
    txr AS (
        SELECT t.id, t.account, t.counterparty, t.direction, t.amount_fen, t.ts, t.balance_fen,
               t.source_line, t.sink_kind, t.counterparty_bank
        FROM txn t WHERE {ph["read_rows"]}
    ),
    pend AS (SELECT * FROM {ph["pending"]}),
    m AS (
        SELECT p.tid, p.account, p.out_id, p.out_ts, p.taint, t.id AS in_id, t.ts AS in_ts,
               ROW_NUMBER() OVER (
                   PARTITION BY p.tid, p.out_id
                   ORDER BY CASE WHEN t.counterparty = p.src THEN 0 ELSE 1 END, ABS(t.ts - p.out_ts), t.id
               ) AS rk
        FROM pend p LEFT JOIN txr t
             ON t.account = p.account AND t.direction = 'in' AND t.amount_fen = p.amount_fen
             AND (t.counterparty = p.src OR t.counterparty IS NULL)
             AND t.ts BETWEEN p.out_ts - p.tolerance AND p.out_ts + p.tolerance
    ),
    matched AS (
        SELECT tid, account, out_id, in_id, COALESCE(in_ts, out_ts) AS ts, taint FROM m WHERE rk = 1
    ),
    inj AS (
        SELECT tid, account, txn_id, ts, taint FROM {ph["injections"]}
        UNION ALL
        SELECT tid, account, in_id AS txn_id, ts, taint FROM matched
    ),
    inj_by_row AS (
        SELECT tid, txn_id, SUM(taint) AS a FROM inj WHERE txn_id IS NOT NULL GROUP BY tid, txn_id
    ),
    ev AS (
        SELECT fr.tid, t.account, t.id AS txn_id, t.ts, t.source_line AS seq, t.direction, t.amount_fen,
               t.balance_fen, t.counterparty, t.sink_kind, t.counterparty_bank,
               CAST(COALESCE(r.a, 0) AS DOUBLE) AS a, 1 AS real_row, fr.expand, fr.min_fen
        FROM txr t JOIN fr ON fr.account = t.account
             LEFT JOIN inj_by_row r ON r.tid = fr.tid AND r.txn_id = t.id
        WHERE fr.window_end IS NULL OR t.ts <= fr.window_end
        UNION ALL
        SELECT tid, account, CAST(NULL AS BIGINT), ts, CAST(-1 AS BIGINT), 'in', CAST(0 AS BIGINT),
               CAST(NULL AS BIGINT), CAST(NULL AS STRING), CAST(NULL AS STRING), CAST(NULL AS STRING),
               CAST(taint AS DOUBLE), 0, CAST(NULL AS INTEGER), CAST(NULL AS BIGINT)
        FROM inj WHERE txn_id IS NULL
    ),
    o2 AS (
        SELECT ev.*,
               ROW_NUMBER() OVER ({key} ORDER BY ts, seq, txn_id) AS ord,
               SUM(CASE WHEN direction = 'in' THEN amount_fen ELSE -amount_fen END) OVER ({w0}) AS run,
               SUM(a) OVER ({w0}) AS cum_a,
               SUM(real_row) OVER (
                   {key} ORDER BY ts, seq, txn_id ROWS BETWEEN 1 FOLLOWING AND UNBOUNDED FOLLOWING
               ) AS real_after
        FROM ev
    ),
    """
    b = """CASE WHEN real_row = 0 THEN NULL
                    WHEN balance_fen IS NOT NULL THEN GREATEST(balance_fen, 0)
                    ELSE run - LEAST(min_run, 0) END"""
    if rule == "libr":
        # T_k and T_{k-1} from one sort, in the same window operator as the account's lowest running
        # sum: min_{j<=k}(B_j - A_j) is taken apart into rows with a printed balance and rows
        # without one, whose B_j - A_j is run_j - A_j shifted by the same constant.
        prev = f"{key} ORDER BY ord ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING"
        sql += f"""
    lm AS (
        SELECT x.*,
               MIN(run) OVER ({key} ORDER BY ord ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING)
                   AS min_run,
               MIN(xb - cum_a) OVER ({w}) AS m1,
               MIN(xb - cum_a) OVER ({prev}) AS m1_prev,
               MIN(xr - cum_a) OVER ({w}) AS m2,
               MIN(xr - cum_a) OVER ({prev}) AS m2_prev
        FROM (
            SELECT o2.*,
                   CASE WHEN real_row = 1 AND balance_fen IS NOT NULL THEN GREATEST(balance_fen, 0)
                        ELSE {_NO_BALANCE} END AS xb,
                   CASE WHEN real_row = 1 AND balance_fen IS NULL THEN run ELSE {_NO_BALANCE} END AS xr
            FROM o2
        ) x
    ),
    tp AS (
        SELECT lm.*, {b} AS b,
               cum_a + LEAST(0, LEAST(m1, m2 - LEAST(min_run, 0))) AS tv,
               CASE WHEN m1_prev IS NULL THEN 0
                    ELSE cum_a - a + LEAST(0, LEAST(m1_prev, m2_prev - LEAST(min_run, 0))) END AS tv_prev
        FROM lm
    ),
    st AS (
        SELECT tp.*,
               CASE WHEN direction = 'out' AND real_row = 1
                    THEN LEAST(CAST(amount_fen AS DOUBLE), GREATEST(tv_prev - tv, 0)) ELSE 0 END AS out_taint
        FROM tp
    ),
    """
    else:
        sql += f"""
    o3 AS (SELECT o2.*, MIN(run) OVER ({key}) AS min_run FROM o2),
    bal AS (SELECT o3.*, {b} AS b FROM o3),
    ra AS (
        SELECT bal.*,
               CASE WHEN direction = 'out' AND real_row = 1 THEN
                    CASE WHEN b + amount_fen > 0 THEN CAST(b AS DOUBLE) / (b + amount_fen) ELSE 0 END
                    ELSE 1 END AS ratio
        FROM bal
    ),
    lg AS (
        SELECT ra.*,
               SUM(CASE WHEN ratio = 0 THEN 1 ELSE 0 END) OVER ({w}) AS seg,
               SUM(CASE WHEN ratio > 0 THEN LN(ratio) ELSE 0 END) OVER ({w}) AS lsum
        FROM ra
    ),
    tk AS (
        SELECT k.tid, k.account, k.ord, SUM(i.a * EXP(k.lsum - i.lsum)) AS tv
        FROM lg k JOIN lg i ON i.tid = k.tid AND i.account = k.account AND i.a > 0 AND i.ord <= k.ord
             AND i.seg = k.seg
        GROUP BY k.tid, k.account, k.ord
    ),
    tv AS (
        SELECT lg.*, COALESCE(tk.tv, 0) AS tv
        FROM lg LEFT JOIN tk ON tk.tid = lg.tid AND tk.account = lg.account AND tk.ord = lg.ord
    ),
    tp AS (SELECT tv.*, LAG(tv, 1, 0) OVER ({key} ORDER BY ord) AS tv_prev FROM tv),
    st AS (
        SELECT tp.*,
               CASE WHEN direction = 'out' AND real_row = 1
                    THEN LEAST(CAST(amount_fen AS DOUBLE), tv_prev * (1 - ratio)) ELSE 0 END AS out_taint
        FROM tp
    ),
    """
    sql += f"""
    last_state AS (
        SELECT tid, account, tv, b, ts FROM st WHERE real_row = 1 AND COALESCE(real_after, 0) = 0
    ),
    em AS (SELECT * FROM {ph["emitted"]}),
    e AS (
        SELECT s.tid, s.account, s.txn_id, s.ts, s.counterparty, s.amount_fen, s.sink_kind,
               s.counterparty_bank, s.out_taint - COALESCE(em.taint, 0) AS delta
        FROM st s LEFT JOIN em ON em.tid = s.tid AND em.txn_id = s.txn_id
        WHERE s.expand = 1 AND s.direction = 'out' AND s.real_row = 1
              AND s.out_taint - COALESCE(em.taint, 0) >= s.min_fen
    )
    SELECT 'M' AS kind, tid, account, out_id, ts, CAST(NULL AS STRING) AS dst,
           CAST(NULL AS BIGINT) AS amount_fen, CAST(NULL AS STRING) AS sink_kind,
           CAST(NULL AS STRING) AS counterparty_bank, CAST(taint AS DOUBLE) AS value, in_id
    FROM matched
    UNION ALL
    SELECT 'S', tid, account, CAST(NULL AS BIGINT), ts, CAST(NULL AS STRING), b, CAST(NULL AS STRING),
           CAST(NULL AS STRING), CAST(tv AS DOUBLE), CAST(NULL AS BIGINT)
    FROM last_state
    UNION ALL
    SELECT 'E', tid, account, txn_id, ts, counterparty, amount_fen, sink_kind, counterparty_bank,
           CAST(delta AS DOUBLE), CAST(NULL AS BIGINT)
    FROM e
    """
    return sql


def trace_forward(store_or_engine: StatementStore | SqlEngine, spec: TraceSpec) -> TraceResult:
    """Follow the victim's money forward, hop by hop, with one set-based query per hop.

    Each hop is one statement (:func:`hop_many_sql`) over the frontier accounts' rows only; what
    carries over between hops (injections, money already emitted per row) is small and travels
    inline with the next statement, so no temporary tables are written.
    """
    return trace_many(store_or_engine, [spec])[0]


@dataclass
class _Trace:
    """What one trace carries between hops."""

    tid: int
    spec: TraceSpec
    window_end: int | None
    victim_side: bool
    start_kind: StartKind = "none"
    start_fen: int = 0
    depth: int = 1
    hops: int = 0
    # account -> [depth, amount, first_ts]; edges accumulate for the graph view.
    reached: dict[str, list[Any]] = field(default_factory=dict)
    sink_kind_by_account: dict[str, str | None] = field(default_factory=dict)
    bank_text: dict[str, str] = field(default_factory=dict)
    edges: list[TraceEdge] = field(default_factory=list)
    state: dict[str, tuple[float, int | None, int | None]] = field(default_factory=dict)
    injections: list[tuple[str, int | None, int, float]] = field(default_factory=list)
    # out_id -> (paying account, victim money already emitted from that row)
    emitted: dict[int, tuple[str, float]] = field(default_factory=dict)
    # Transfers whose 入账 row is still to be found: (payee, payer, out_id, out_ts, amount, taint).
    pending: list[tuple[str, str, int, int, int, float]] = field(default_factory=list)
    pending_depth: dict[int, int] = field(default_factory=dict)
    frontier: set[str] = field(default_factory=set)
    out_edges: list[tuple[int, int, str, str | None, str | None, str | None, float, Any]] = field(
        default_factory=list
    )

    @property
    def active(self) -> bool:
        return bool(self.frontier or self.pending)


def trace_many(store_or_engine: StatementStore | SqlEngine, specs: Sequence[TraceSpec]) -> list[TraceResult]:
    """Trace many victim transfers at once: the same hop statements carry every trace, keyed by a
    trace id, so N traces cost about as many statements as the deepest one, not N times that.

    Each result equals what :func:`trace_forward` gives for its spec alone (the hop partitions every
    window and join by trace id). ``elapsed_ms`` of each result is the wall-clock time of the
    whole batch.
    """
    if isinstance(store_or_engine, StatementStore):
        store_or_engine.ensure_trace_index()
    started = time_module.perf_counter()
    engine: SqlEngine = (
        store_or_engine.engine if isinstance(store_or_engine, StatementStore) else store_or_engine
    )
    for spec in specs:
        if spec.rule not in RULES:
            raise UserFacingError(f"未知的归属规则：{spec.rule}", f"unknown attribution rule: {spec.rule}")
    bounds = []
    for spec in specs:
        after = to_epoch(spec.after) if spec.after else None
        window_end = after + int(spec.window.total_seconds()) if after is not None and spec.window else None
        bounds.append((after, window_end))
    traces: list[_Trace] = []
    for tid, (spec, (_, window_end), (start_kind, start_rows)) in enumerate(
        zip(specs, bounds, _start_many(engine, specs, bounds), strict=True)
    ):
        trace = _Trace(tid, spec, window_end, start_kind == "victim", start_kind)
        trace.start_fen = int(sum(r[4] for r in start_rows))
        _begin(trace, start_rows)
        traces.append(trace)

    # The hop statement differs by rule, so each rule's traces go in their own batch.
    for rule in RULES:
        batch = [t for t in traces if t.spec.rule == rule]
        while any(t.active for t in batch):
            _hop(engine, rule, [t for t in batch if t.active])

    facts = _account_facts(engine, sorted({a for t in traces for a in t.reached}))
    elapsed = (time_module.perf_counter() - started) * 1000
    return [
        TraceResult(
            t.spec,
            t.start_kind,
            t.start_fen,
            _assemble(facts, t.reached, t.state, t.sink_kind_by_account, t.bank_text),
            t.edges,
            t.hops,
            elapsed,
        )
        for t in traces
    ]


def _begin(trace: _Trace, start_rows: Sequence[tuple[Any, ...]]) -> None:
    for src, dst, in_id, in_ts, taint, out_ts, kind, cp_bank, out_id, amount in start_rows:
        if src is not None:
            trace.edges.append(TraceEdge(src, dst, 1, round(taint), from_epoch(out_ts), kind))
        if cp_bank:
            trace.bank_text.setdefault(dst, cp_bank)
        if kind is not None:
            trace.sink_kind_by_account[dst] = kind
            _note_arrival(trace.reached, dst, 1, taint, out_ts)
        elif out_id is not None:
            trace.pending.append((dst, src, int(out_id), int(out_ts), int(amount), float(taint)))
            trace.pending_depth[int(out_id)] = 1
            trace.frontier.add(dst)
        else:
            arrival = in_ts if in_ts is not None else out_ts
            _note_arrival(trace.reached, dst, 1, taint, arrival)
            trace.injections.append((dst, in_id, arrival, float(taint)))
            trace.frontier.add(dst)


def _hop(engine: SqlEngine, rule: Rule, traces: Sequence[_Trace]) -> None:
    """One hop statement for every active trace of one rule; updates each trace's state."""
    frontier_rows: list[tuple[Any, ...]] = []
    pending_rows: list[tuple[Any, ...]] = []
    injection_rows: list[tuple[Any, ...]] = []
    emitted_rows: list[tuple[Any, ...]] = []
    read: set[str] = set()
    expands: dict[int, bool] = {}
    for t in traces:
        if t.victim_side:
            t.frontier.discard(t.spec.start)
        if t.frontier:
            t.hops += 1
        expand = t.depth < t.spec.max_depth and bool(t.frontier)
        expands[t.tid] = expand
        read |= t.frontier | {p[0] for p in t.pending}
        frontier_rows += [
            (t.tid, a, t.window_end, 1 if expand else 0, t.spec.min_amount_fen) for a in sorted(t.frontier)
        ]
        pending_rows += [(t.tid, *p, t.spec.match_tolerance_s) for p in t.pending]
        injection_rows += [(t.tid, *i) for i in t.injections if i[0] in t.frontier]
        # Only rows of frontier accounts can emit again; the rest would only lengthen the statement.
        emitted_rows += [
            (t.tid, out_id, taint) for out_id, (src, taint) in sorted(t.emitted.items()) if src in t.frontier
        ]
        t.out_edges = []
    values = (sorted(read), frontier_rows, pending_rows, injection_rows, emitted_rows)
    rows = engine.fetch_bound(lambda ph: hop_many_sql(rule, ph), _HOP_MANY_INPUTS, values)
    by_tid = {t.tid: t for t in traces}
    for kind, tid, account, out_id, ts, dst, amount, sink, cp_bank, value, in_id in rows:
        t = by_tid[int(tid)]
        if kind == "M":
            arrival = int(ts)
            _note_arrival(t.reached, account, t.pending_depth[int(out_id)], float(value), arrival)
            t.injections.append((account, None if in_id is None else int(in_id), arrival, float(value)))
        elif kind == "S":
            t.state[account] = (float(value), None if amount is None else int(amount), int(ts))
        else:
            t.out_edges.append((int(ts), int(out_id), account, dst, sink, cp_bank, float(value), amount))
    for t in traces:
        t.pending = []
        t.frontier = set()
        if expands[t.tid]:
            t.depth += 1
            _expand(t)


def _expand(t: _Trace) -> None:
    t.out_edges.sort(key=lambda e: (e[0], e[1]))
    for out_ts, out_id, src, dst, kind, cp_bank, delta, amount in t.out_edges:
        before = t.emitted.get(out_id, (src, 0.0))[1]
        t.emitted[out_id] = (src, before + delta)
        is_exit = kind is not None or dst is None
        target = dst if dst is not None else f"{_sink_label(kind)}@{src}"
        t.edges.append(TraceEdge(src, target, t.depth, round(delta), from_epoch(out_ts), kind))
        if cp_bank:
            t.bank_text.setdefault(target, cp_bank)
        if is_exit:
            t.sink_kind_by_account[target] = kind or "unknown"
            _note_arrival(t.reached, target, t.depth, delta, out_ts)
        else:
            t.pending.append((target, src, out_id, out_ts, int(amount), delta))
            t.pending_depth[out_id] = t.depth
            if target != t.spec.start or not t.victim_side:
                t.frontier.add(target)
    t.out_edges = []


def _sink_label(kind: str | None) -> str:
    for sink in sink_kinds():
        if sink.kind == kind:
            return sink.label
    return "未知去向"


def _note_arrival(reached: dict[str, list[Any]], account: str, depth: int, taint: float, ts: int) -> None:
    entry = reached.get(account)
    if entry is None:
        reached[account] = [depth, taint, ts]
    else:
        entry[0] = min(entry[0], depth)
        entry[1] += taint
        entry[2] = min(entry[2], ts)


_START_INPUTS = (
    SqlInput("read_rows", type="STRING", member_of="t.account"),
    SqlInput("starts", (_TRACE_ID, ("account", "STRING"), ("after", "BIGINT"), ("window_end", "BIGINT"))),
)
_START_COUNTERPARTY_INPUTS = (
    SqlInput("starts", (_TRACE_ID, ("account", "STRING"), ("after", "BIGINT"), ("window_end", "BIGINT"))),
)


def start_sql(placeholder: Callable[[SqlInput], str]) -> str:
    """The start accounts' own rows inside each trace's time bounds, for every trace at once
    (inputs: :data:`_START_INPUTS`); the account list is the scan's only plain condition, so
    DuckDB answers it from the index."""
    ph = {i.name: placeholder(i) for i in _START_INPUTS}
    return f"""
    WITH sp AS (SELECT tid, account, after, window_end FROM {ph["starts"]}),
    r AS (
        SELECT t.id, t.account, t.ts, t.source_line, t.direction, t.counterparty, t.amount_fen,
               t.sink_kind, t.counterparty_bank
        FROM txn t WHERE {ph["read_rows"]}
    )
    SELECT sp.tid, r.direction, r.id, r.ts, r.counterparty, r.amount_fen, r.sink_kind, r.counterparty_bank
    FROM r JOIN sp ON sp.account = r.account
    WHERE (sp.after IS NULL OR r.ts >= sp.after) AND (sp.window_end IS NULL OR r.ts <= sp.window_end)
    ORDER BY sp.tid, r.ts, r.source_line, r.id
    """


def start_counterparty_sql(placeholder: Callable[[SqlInput], str]) -> str:
    """入账 rows that name a start account as the payer (a victim without a statement of its own),
    for every such trace at once (inputs: :data:`_START_COUNTERPARTY_INPUTS`)."""
    ph = {i.name: placeholder(i) for i in _START_COUNTERPARTY_INPUTS}
    return f"""
    WITH sp AS (SELECT tid, account, after, window_end FROM {ph["starts"]})
    SELECT sp.tid, t.id, t.ts, t.account, t.amount_fen
    FROM txn t JOIN sp ON t.counterparty = sp.account
    WHERE t.direction = 'in' AND (sp.after IS NULL OR t.ts >= sp.after)
          AND (sp.window_end IS NULL OR t.ts <= sp.window_end)
    ORDER BY sp.tid, t.ts, t.source_line, t.id
    """


StartRows = tuple[StartKind, list[tuple[Any, ...]]]


def _start_many(
    engine: SqlEngine, specs: Sequence[TraceSpec], bounds: Sequence[tuple[int | None, int | None]]
) -> list[StartRows]:
    """Per spec: (src, dst, in_id, in_ts, taint, out_ts, sink_kind, counterparty_bank, out_id,
    amount_fen) of the first hop; ``out_id`` is set when the payee's 入账 row is still to be matched.

    The start is the start account's 出账 rows after ``after`` (a victim); failing those, 入账 rows
    of other accounts naming it as the payer (a victim without its own statement); failing those,
    its own 入账 rows (an account that received the victim's money). One statement covers every
    spec's own rows, a second (a scan, as no index covers the counterparty) only the specs that
    have no 出账 rows.
    """
    if not specs:
        return []
    starts = [
        (tid, s.start, after, end) for tid, (s, (after, end)) in enumerate(zip(specs, bounds, strict=True))
    ]
    own: dict[int, dict[str, list[tuple[Any, ...]]]] = {
        tid: {"in": [], "out": []} for tid in range(len(specs))
    }
    for tid, direction, *row in engine.fetch_bound(
        start_sql, _START_INPUTS, (sorted({s.start for s in specs}), starts)
    ):
        own[int(tid)][direction].append(tuple(row))
    paid: dict[int, list[tuple[Any, ...]]] = {}
    no_out = [row for row in starts if not own[row[0]]["out"]]
    if no_out:
        for tid, *row in engine.fetch_bound(start_counterparty_sql, _START_COUNTERPARTY_INPUTS, (no_out,)):
            paid.setdefault(int(tid), []).append(tuple(row))

    out: list[StartRows] = []
    for tid, spec in enumerate(specs):
        victim_out = [(r[0], r[1], r[2], r[3], r[4], r[5]) for r in own[tid]["out"]]
        if victim_out:
            # The payee's 入账 rows are matched by the first hop's statement, with every other transfer.
            first = []
            for out_id, ts, dst, amount, kind, cp_bank, taint in _capped(victim_out, 3, spec.amount_fen):
                target = dst if dst is not None else f"{_sink_label(kind)}@{spec.start}"
                sink = kind if kind or dst else "unknown"
                first.append(
                    (
                        spec.start,
                        target,
                        None,
                        None,
                        taint,
                        ts,
                        sink,
                        cp_bank,
                        None if sink else out_id,
                        amount,
                    )
                )
            out.append(("victim", first))
        elif tid in paid:
            rows = _capped(paid[tid], 3, spec.amount_fen)
            out.append(
                ("victim", [(spec.start, r[2], r[0], r[1], r[4], r[1], None, None, None, r[3]) for r in rows])
            )
        elif own[tid]["in"]:
            rows = _capped([(r[0], r[1], r[2], r[3]) for r in own[tid]["in"]], 3, spec.amount_fen)
            out.append(
                (
                    "receiver",
                    [(r[2], spec.start, r[0], r[1], r[4], r[1], None, None, None, r[3]) for r in rows],
                )
            )
        else:
            out.append(("none", []))
    return out


def _capped(rows: list[tuple[Any, ...]], amount_index: int, limit: int | None) -> list[tuple[Any, ...]]:
    """Rows in time order with the victim's money each carries appended: all of it, or up to
    ``limit`` fen in total."""
    if limit is None:
        return [(*r, float(r[amount_index])) for r in rows]
    result, left = [], float(limit)
    for r in rows:
        if left <= 0:
            break
        take = min(float(r[amount_index]), left)
        left -= take
        result.append((*r, take))
    return result


def _account_facts(engine: SqlEngine, accounts: Sequence[str]) -> dict[str, tuple[Any, Any, Any]]:
    """Account -> (last balance, last time, branch text) from its own statement, in one statement."""
    if not accounts:
        return {}
    return {
        account: (balance, last_ts, branch)
        for account, balance, last_ts, branch in engine.fetch(
            f"""
            SELECT account, balance_fen, ts, branch FROM (
                SELECT t.account, t.balance_fen, t.ts,
                       MAX(t.branch) OVER (PARTITION BY t.account) AS branch,
                       ROW_NUMBER() OVER (PARTITION BY t.account ORDER BY t.ts DESC, t.source_line DESC) AS rk
                FROM txn t WHERE t.account IN {in_list(accounts)}
            ) x WHERE rk = 1
            """
        )
    }


def _assemble(
    facts: Mapping[str, tuple[Any, Any, Any]],
    reached: Mapping[str, list[Any]],
    state: Mapping[str, tuple[float, int | None, int | None]],
    sink_kind_by_account: Mapping[str, str | None],
    bank_text: Mapping[str, str],
) -> list[ReachedAccount]:
    accounts = []
    for account, (depth, taint, first_ts) in reached.items():
        is_sink = account in sink_kind_by_account
        fact = facts.get(account)
        held_state = state.get(account)
        held = None if is_sink or held_state is None else round(held_state[0])
        balance = fact[0] if fact else None
        last_ts = fact[1] if fact else None
        text = bank_text.get(account) or (fact[2] if fact else None)
        region = region_from_text(text) or (region_from_text(fact[2]) if fact and fact[2] else None)
        accounts.append(
            ReachedAccount(
                account=account,
                depth=int(depth),
                amount_fen=round(taint),
                first_at=from_epoch(first_ts),
                held_fen=held,
                balance_fen=None if balance is None else int(balance),
                last_at=from_epoch(last_ts) if last_ts is not None else None,
                bank=bank_from_card(account) or bank_from_text(text),
                region=region,
                is_sink=is_sink,
                sink_kind=sink_kind_by_account.get(account),
                has_statement=fact is not None,
            )
        )
    accounts.sort(key=lambda a: (a.depth, -a.amount_fen, a.account))
    return accounts


# --- what investigators get ---------------------------------------------------------------------


@dataclass(frozen=True)
class FreezeItem:
    """An account to stop-pay / freeze, with why it ranks where it does."""

    account: str
    depth: int
    amount_fen: int
    hours_since_arrival: float
    bank: str | None
    region: str | None
    reason: str


def freeze_list(result: TraceResult, now: datetime | None = None) -> list[FreezeItem]:
    """Non-sink accounts ranked by victim money still there (or received, when no statement).

    Among equal amounts the fresher arrival comes first: money that just landed is most likely
    still in the account.
    """
    now = now or datetime.now()
    items = []
    for a in result.accounts:
        if a.is_sink:
            continue
        amount = a.held_fen if a.held_fen is not None else a.amount_fen
        if amount <= 0:
            continue
        hours = (now - a.first_at).total_seconds() / 3600
        if a.held_fen is None:
            reason = "未取得该账户流水，按流入金额估计，需调取流水"
        else:
            reason = f"按规则仍留存受害人资金 {format_yuan(amount, decimals='always')} 元"
        items.append(
            FreezeItem(
                a.account,
                a.depth,
                amount,
                round(hours, 1),
                a.bank,
                a.region.label if a.region else None,
                reason,
            )
        )
    items.sort(key=lambda i: (-i.amount_fen, i.hours_since_arrival, i.account))
    return items


@dataclass(frozen=True)
class RegionTotal:
    """Money by region. ``received_fen`` counts each layer (money passing two accounts of one region
    counts twice); ``held_fen`` is what is still there; ``sink_fen`` what left the chain there."""

    region: str
    accounts: int
    received_fen: int
    held_fen: int
    sink_fen: int


def totals_by_region(result: TraceResult) -> list[RegionTotal]:
    """Totals per region (异地协作), largest held amount first; unknown region last as "未知"."""
    totals: dict[str, list[int]] = {}
    for a in result.accounts:
        key = a.region.label if a.region else "未知"
        row = totals.setdefault(key, [0, 0, 0, 0])
        row[0] += 1
        row[1] += a.amount_fen
        row[2] += a.held_fen or 0
        row[3] += a.amount_fen if a.is_sink else 0
    out = [RegionTotal(k, *v) for k, v in totals.items()]
    out.sort(key=lambda r: (r.region == "未知", -r.held_fen, -r.received_fen, r.region))
    return out
