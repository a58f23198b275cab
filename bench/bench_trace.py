"""Benchmark: statement import from CSV and forward tracing, DuckDB engine vs a networkx tracer.

    .venv/bin/python bench/bench_trace.py --rows 1000000

Generates N statement rows with numpy (victims → six layers of mule accounts → cash withdrawals,
plus ordinary transfers among other accounts and into the mules), writes them as one UTF-8 CSV
(and, with --gbk, a GBK copy), imports them with StatementStore, traces every victim transfer to
depth 6 with the LIBR rule, and traces the same transfers with a per-transaction BFS over a
networkx MultiDiGraph applying the same rule. Prints rows/s, median and p95 ms per trace, peak
memory and the speed-up, and checks that both tracers agree.

What is compared, exactly:

* per trace: wall-clock milliseconds of one trace once the data is loaded (DuckDB: statements in
  the store with the account index; networkx: the graph in memory). DuckDB is timed one trace at a
  time (``trace_forward``) and batched (``trace_many`` over all transfers at once, timed
  ``--batch-repeat`` times; its per-trace figure is the batch time divided by the traces);
* from the files: seconds from the CSV on disk to the first and to all answers. DuckDB: import
  (parse, normalise, dedupe, classify sinks) + index + traces. networkx: ``pandas.read_csv`` of the
  same file + graph build + traces. The networkx graph is built from the generator's transfer
  arrays, so pairing payer and payee rows into edges, parsing dates and amounts are *not* charged to
  it: its "from the files" figure is a lower bound.

The run ends with a summary table of these figures side by side and the networkx / DuckDB ratios
(above 1 DuckDB is faster; issue 4 aims at 20). Peak memory is the process's maximum RSS so far (the DuckDB figures are printed before networkx
runs). The machine load average is printed at the start and the end: on a shared machine the
wall-clock figures move with it; the CPU time per trace is printed too.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from fanzha.domain.statement_store import StatementStore, from_epoch
from fanzha.domain.trace import TraceSpec, trace_forward, trace_many

LAYERS = 6
MULE_NOISE_PER_ACCOUNT = 6
T0 = int((datetime(2024, 3, 1) - datetime(1970, 1, 1)).total_seconds())


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def generate_transfers(rows: int, victims: int, seed: int) -> dict[str, np.ndarray]:
    """Transfers (src, dst, ts, amount_fen); dst -1 means a cash withdrawal. Two rows per transfer
    (payer's and payee's statement) except withdrawals."""
    rng = np.random.default_rng(seed)
    per_layer = max(50, victims * 3)
    n_noise_accounts = max(1000, rows // 20)
    mule_base = 10_000_000
    victim_base = 20_000_000
    srcs, dsts, tss, amts = [], [], [], []
    # Victims pay layer-1 mules.
    hold_acc = rng.integers(0, per_layer, victims) + mule_base
    hold_ts = T0 + rng.integers(0, 20 * 86400, victims)
    hold_amt = rng.integers(100_000, 5_000_000, victims) * 100
    srcs.append(np.arange(victims) + victim_base)
    dsts.append(hold_acc)
    tss.append(hold_ts)
    amts.append(hold_amt)
    for layer in range(1, LAYERS + 1):
        # Each holding is split in 1–3 parts sent on within an hour.
        parts = rng.integers(1, 4, len(hold_acc))
        src = np.repeat(hold_acc, parts)
        ts = np.repeat(hold_ts, parts) + rng.integers(60, 3600, parts.sum())
        share = rng.random(parts.sum()) + 0.2
        group = np.repeat(np.arange(len(hold_acc)), parts)
        totals = np.bincount(group, weights=share)
        amt = np.floor(np.repeat(hold_amt, parts) * share / totals[group] / 100).astype(np.int64) * 100
        if layer < LAYERS:
            dst = rng.integers(0, per_layer, len(src)) + mule_base + layer * per_layer
        else:
            dst = np.full(len(src), -1)
        srcs.append(src)
        dsts.append(dst)
        tss.append(ts)
        amts.append(amt)
        hold_acc, hold_ts, hold_amt = dst, ts, amt
    chain_rows = sum(2 * len(s) for s in srcs) - len(srcs[-1])
    # Ordinary transfers, some of them into mule accounts (mules also hold other money).
    n_noise = max(0, (rows - chain_rows) // 2)
    src = rng.integers(0, n_noise_accounts, n_noise)
    dst = rng.integers(0, n_noise_accounts, n_noise)
    # A fixed number of other inflows per mule at any size: with a fixed share of all transfers,
    # mules at 10M rows would hold so much other money that LIBR keeps the victim's money in the
    # first layer and traces at different sizes would not be comparable.
    share = min(1.0, MULE_NOISE_PER_ACCOUNT * per_layer * LAYERS / max(1, n_noise))
    into_mules = rng.random(n_noise) < share
    dst = np.where(dst == src, (dst + 1) % n_noise_accounts, dst)
    dst[into_mules] = rng.integers(0, per_layer * LAYERS, into_mules.sum()) + mule_base
    srcs.append(src)
    dsts.append(dst)
    tss.append(T0 - 10 * 86400 + rng.integers(0, 40 * 86400, n_noise))
    amts.append(rng.integers(1, 200_000, n_noise) * 100)
    return {
        "src": np.concatenate(srcs),
        "dst": np.concatenate(dsts),
        "ts": np.concatenate(tss),
        "amount": np.concatenate(amts),
        "victims": np.arange(victims) + victim_base,
        "victim_ts": tss[0],
    }


def statement_rows(t: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Payer and payee rows with running balances (opening balance keeps every balance >= 0)."""
    n = len(t["src"])
    transfer = np.arange(n)
    payee = t["dst"] >= 0
    account = np.concatenate([t["src"], t["dst"][payee]])
    counter = np.concatenate([t["dst"], t["src"][payee]])
    ts = np.concatenate([t["ts"], t["ts"][payee]])
    amount = np.concatenate([t["amount"], t["amount"][payee]])
    out = np.concatenate([np.ones(n, bool), np.zeros(payee.sum(), bool)])
    tid = np.concatenate([transfer, transfer[payee]])
    order = np.lexsort((~out, tid, ts, account))
    account, counter, ts, amount, out = account[order], counter[order], ts[order], amount[order], out[order]
    tid = tid[order]
    signed = np.where(out, -amount, amount)
    run = np.cumsum(signed)
    starts = np.flatnonzero(np.r_[True, account[1:] != account[:-1]])
    group = np.cumsum(np.r_[True, account[1:] != account[:-1]]) - 1
    base = np.r_[0, run[starts[1:] - 1]]
    run = run - base[group]
    low = np.minimum.reduceat(run, starts)
    opening = np.maximum(0, -low)
    balance = run + opening[group]
    return {
        "account": account,
        "counter": counter,
        "ts": ts,
        "amount": amount,
        "out": out,
        "balance": balance,
        "tid": tid,
    }


def write_csv(rows: dict[str, np.ndarray], path: Path) -> None:
    import duckdb
    import pandas as pd

    frame = pd.DataFrame({k: v for k, v in rows.items() if k != "tid"})
    con = duckdb.connect()
    con.register("r", frame)
    con.execute(
        f"""
        COPY (
            SELECT '6222' || lpad(CAST(account AS VARCHAR), 12, '0') AS 交易卡号,
                   CASE WHEN counter < 0 THEN '' ELSE '6222' || lpad(CAST(counter AS VARCHAR), 12, '0') END
                       AS 交易对手账卡号,
                   printf('%.2f', amount / 100.0) AS 交易金额,
                   CASE WHEN out THEN '借' ELSE '贷' END AS 借贷标志,
                   strftime(make_timestamp(ts * 1000000), '%Y-%m-%d %H:%M:%S') AS 交易时间,
                   printf('%.2f', balance / 100.0) AS 交易余额,
                   '某某' AS 对手户名, '' AS 对手开户行,
                   CASE WHEN counter < 0 THEN 'ATM取款' ELSE '转账' END AS 摘要,
                   '网点' AS 交易网点
            FROM r
        ) TO '{path}' (HEADER, DELIMITER ',')
        """
    )
    con.close()


def account_name(number: int) -> str:
    return "6222" + str(number).zfill(12)


class NetworkxTracer:
    """Per-transaction BFS over a MultiDiGraph; LIBR applied account by account in Python."""

    def __init__(self, t: dict[str, np.ndarray], balances: dict[tuple[int, int, bool], int]) -> None:
        import networkx as nx

        self.graph = nx.MultiDiGraph()
        for i, (src, dst, ts, amount) in enumerate(
            zip(t["src"], t["dst"], t["ts"], t["amount"], strict=True)
        ):
            target = int(dst) if dst >= 0 else -1 - i
            self.graph.add_edge(
                int(src),
                target,
                key=i,
                ts=int(ts),
                amount=int(amount),
                src_balance=balances[(int(src), i, True)],
                dst_balance=balances.get((int(dst), i, False)),
            )

    def trace(self, victim: int, after: int, max_depth: int = LAYERS) -> dict[Any, tuple[int, int]]:
        graph = self.graph
        reached: dict[Any, tuple[int, int]] = {}
        injections: dict[int, dict[int, float]] = defaultdict(dict)
        emitted: dict[int, float] = defaultdict(float)
        frontier: dict[int, float] = {}
        for _, dst, key, data in graph.out_edges(victim, keys=True, data=True):
            if data["ts"] >= after:
                injections[dst][key] = injections[dst].get(key, 0.0) + data["amount"]
                frontier[dst] = 1
                self._note(reached, dst, 1, data["amount"])
        depth = 1
        while frontier and depth < max_depth:
            next_frontier: dict[int, float] = {}
            for account in frontier:
                if account < 0:
                    continue
                events = []
                for _, _, key, d in graph.in_edges(account, keys=True, data=True):
                    events.append((d["ts"], key, 1, d["amount"], d["dst_balance"], None))
                for _, dst, key, d in graph.out_edges(account, keys=True, data=True):
                    events.append((d["ts"], key, 0, d["amount"], d["src_balance"], dst))
                # Same order as the statement: time, then transfer, outflow row before inflow row.
                events.sort(key=lambda e: (e[0], e[1], e[2]))
                held = 0.0
                inj = injections[account]
                for _ts, key, is_in, amount, balance, dst in events:
                    if is_in:
                        held = min(balance, held + inj.get(key, 0.0))
                    else:
                        new_held = min(held, balance)
                        carried = min(amount, held - new_held)
                        held = new_held
                        delta = carried - emitted[key]
                        if delta >= 100:
                            emitted[key] += delta
                            self._note(reached, dst, depth + 1, delta)
                            if dst >= 0:
                                injections[dst][key] = injections[dst].get(key, 0.0) + delta
                                next_frontier[dst] = 1
            frontier = next_frontier
            depth += 1
        return reached

    @staticmethod
    def _note(reached: dict[Any, tuple[int, int]], account: Any, depth: int, amount: float) -> None:
        old = reached.get(account)
        reached[account] = (min(old[0], depth), old[1] + amount) if old else (depth, amount)


def load_text() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f}, {five:.2f}, {fifteen:.2f} on {os.cpu_count()} cores"


def percentile(values: list[float], q: float) -> float:
    return float(np.percentile(values, q))


def summary(
    n_rows: int,
    import_rate: float,
    duck_ms: list[float],
    duck_cpu: list[float],
    batch_ms: list[float],
    duck_total_s: float,
    batch_total_s: float,
    networkx: tuple[list[float], float] | None,
) -> None:
    """The figures side by side, from this one run."""
    print(f"--- summary, {n_rows:,} rows, import {import_rate:,.0f} rows/s; {load_text()}")
    header = f"{'':34}{'duckdb one at a time':>22}{'duckdb batched':>18}"
    single = (statistics.median(duck_ms), percentile(duck_ms, 95))
    batched = (statistics.median(batch_ms), max(batch_ms))
    lines = [
        f"{'per trace, median ms':34}{single[0]:>22.2f}{batched[0]:>18.2f}",
        f"{'per trace, p95 ms (batched: max)':34}{single[1]:>22.2f}{batched[1]:>18.2f}",
        f"{'per trace, CPU median ms':34}{statistics.median(duck_cpu):>22.2f}{'':>18}",
        f"{'CSV to all answers, s':34}{duck_total_s:>22.2f}{batch_total_s:>18.2f}",
    ]
    if networkx is not None:
        nx_ms, nx_total_s = networkx
        nx_median = statistics.median(nx_ms)
        header += f"{'networkx':>12}"
        lines[0] += f"{nx_median:>12.2f}"
        lines[1] += f"{percentile(nx_ms, 95):>12.2f}"
        lines[3] += f"{nx_total_s:>12.2f}"
        # Above 1 duckdb is faster; the aim of issue 4 is 20.
        lines.append(
            f"{'networkx / duckdb, per trace':34}{nx_median / single[0]:>22.3f}{nx_median / batched[0]:>18.3f}"
        )
        lines.append(
            f"{'networkx / duckdb, CSV to answers':34}{nx_total_s / duck_total_s:>22.2f}"
            f"{nx_total_s / batch_total_s:>18.2f}"
        )
    print(header)
    print("\n".join(lines))


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--victims", type=int, default=100)
    parser.add_argument("--seed", type=int, default=20240305)
    parser.add_argument("--gbk", action="store_true", help="also time a GBK copy of the CSV")
    parser.add_argument("--no-networkx", action="store_true")
    parser.add_argument("--no-reimport", action="store_true", help="skip timing a second import")
    parser.add_argument("--workdir", default=None)
    parser.add_argument("--batch-repeat", type=int, default=5, help="times the trace_many batch is timed")
    args = parser.parse_args()
    if args.workdir:
        return run(args, Path(args.workdir))
    # A 10 M-row run leaves a gigabyte of CSV and DuckDB behind: scratch goes away with the run.
    with tempfile.TemporaryDirectory(prefix="fanzha-bench-") as scratch:
        return run(args, Path(scratch))


def run(args: argparse.Namespace, workdir: Path) -> int:
    print(f"start: {load_text()}")
    started = time.perf_counter()
    transfers = generate_transfers(args.rows, args.victims, args.seed)
    rows = statement_rows(transfers)
    csv_path = workdir / "statements.csv"
    write_csv(rows, csv_path)
    n_rows = len(rows["account"])
    print(
        f"generated {n_rows:,} rows ({csv_path.stat().st_size / 1e6:.0f} MB CSV) in "
        f"{time.perf_counter() - started:.1f}s; peak RSS {peak_mb():.0f} MB"
    )

    # --- DuckDB: files -> store -> index -> 100 traces ---
    store = StatementStore()
    began = time.perf_counter()
    report = store.import_files([csv_path])
    import_s = time.perf_counter() - began
    assert report.failed == [], report.failed
    print(
        f"import (UTF-8 CSV): {report.created:,} rows in {import_s:.2f}s = {report.created / import_s:,.0f} rows/s; "
        f"rejects {len(report.rejects)}; peak RSS {peak_mb():.0f} MB"
    )
    began = time.perf_counter()
    store.ensure_trace_index()
    index_s = time.perf_counter() - began
    print(
        f"index txn(account): {index_s:.2f}s; import + index = "
        f"{report.created / (import_s + index_s):,.0f} rows/s; peak RSS {peak_mb():.0f} MB"
    )
    victims = transfers["victims"]
    victim_ts = transfers["victim_ts"]
    specs = [
        TraceSpec(
            account_name(int(victim)), after=from_epoch(int(ts)) - timedelta(seconds=1), max_depth=LAYERS
        )
        for victim, ts in zip(victims, victim_ts, strict=True)
    ]
    duck_ms, duck_cpu, results = [], [], []
    for spec in specs:
        began, cpu = time.perf_counter(), time.process_time()
        result = trace_forward(store, spec)
        duck_ms.append((time.perf_counter() - began) * 1000)
        duck_cpu.append((time.process_time() - cpu) * 1000)
        results.append(result)
    reached = [len(r.accounts) for r in results]
    duck_total_s = import_s + index_s + sum(duck_ms) / 1000
    duck_first_s = import_s + index_s + duck_ms[0] / 1000
    print(
        f"duckdb trace x{len(duck_ms)} (depth {LAYERS}, LIBR): median {statistics.median(duck_ms):.1f} ms, "
        f"p95 {percentile(duck_ms, 95):.1f} ms (CPU time median {statistics.median(duck_cpu):.1f} ms), "
        f"accounts reached per trace median {statistics.median(reached)}; peak RSS {peak_mb():.0f} MB"
    )
    print(
        f"duckdb from the CSV file: first answer after {duck_first_s:.2f}s, "
        f"{len(duck_ms)} answers after {duck_total_s:.2f}s; {load_text()}"
    )
    # The batch is timed several times: one figure per batch, so its spread is visible too.
    batch_runs: list[float] = []
    batch_cpus: list[float] = []
    batched: list[Any] = []
    for _ in range(args.batch_repeat):
        began, cpu = time.perf_counter(), time.process_time()
        batched = trace_many(store, specs)
        batch_runs.append(time.perf_counter() - began)
        batch_cpus.append(time.process_time() - cpu)
    batch_s = statistics.median(batch_runs)
    batch_ms = [run * 1000 / len(specs) for run in batch_runs]
    differ = sum(
        1
        for a, b in zip(batched, results, strict=True)
        if (a.accounts, a.edges, a.hops) != (b.accounts, b.edges, b.hops)
    )
    batch_total_s = import_s + index_s + batch_s
    print(
        f"duckdb trace_many: {len(specs)} traces per batch, {len(batch_runs)} batches: "
        f"median {batch_s * 1000:.0f} ms per batch (= {statistics.median(batch_ms):.2f} ms per trace; "
        f"fastest {min(batch_ms):.2f}, slowest {max(batch_ms):.2f}; CPU "
        f"{statistics.median(batch_cpus) * 1000 / len(specs):.2f} ms per trace); "
        f"batched results differing from single traces: {differ}"
    )
    print(
        f"duckdb from the CSV file, batched: {len(specs)} answers after {batch_total_s:.2f}s "
        f"(single traces: {duck_total_s:.2f}s)"
    )
    if not args.no_reimport:
        began = time.perf_counter()
        again = store.import_files([csv_path])
        print(
            f"re-import of the same file: inserted {again.created}, duplicates {again.duplicates:,} "
            f"in {time.perf_counter() - began:.2f}s"
        )
    store.close()
    if args.gbk:
        gbk_path = workdir / "statements_gbk.csv"
        with csv_path.open(encoding="utf-8") as src, gbk_path.open("w", encoding="gbk") as dst:
            while chunk := src.read(1 << 24):
                dst.write(chunk)
        gbk_store = StatementStore()
        began = time.perf_counter()
        gbk_report = gbk_store.import_files([gbk_path])
        seconds = time.perf_counter() - began
        print(
            f"import (GBK CSV): {gbk_report.created:,} rows in {seconds:.2f}s = {gbk_report.created / seconds:,.0f} rows/s"
        )
        gbk_store.close()
        gbk_path.unlink()
    if args.no_networkx:
        summary(
            n_rows, report.created / import_s, duck_ms, duck_cpu, batch_ms, duck_total_s, batch_total_s, None
        )
        return 0

    # --- networkx: files -> DataFrame -> graph -> 100 traces ---
    import pandas as pd

    began = time.perf_counter()
    frame = pd.read_csv(csv_path, dtype=str, keep_default_na=False)
    read_s = time.perf_counter() - began
    print(f"networkx side: pandas.read_csv of the same CSV {read_s:.2f}s ({len(frame):,} rows)")
    del frame
    balances = {
        (int(a), int(i), bool(o)): int(b)
        for a, i, o, b in zip(rows["account"], rows["tid"], rows["out"], rows["balance"], strict=True)
    }
    began = time.perf_counter()
    tracer = NetworkxTracer(transfers, balances)
    build_s = time.perf_counter() - began
    print(f"networkx graph built in {build_s:.1f}s; peak RSS {peak_mb():.0f} MB")
    nx_ms, mismatches = [], 0
    for victim, ts, result in zip(victims, victim_ts, results, strict=True):
        began = time.perf_counter()
        nx_reached = tracer.trace(int(victim), int(ts))
        nx_ms.append((time.perf_counter() - began) * 1000)
        duck = {a.account: a.amount_fen for a in result.accounts if not a.is_sink}
        ref = {account_name(k): round(v[1]) for k, v in nx_reached.items() if k >= 0}
        if any(abs(duck.get(k, 0) - v) > 1 for k, v in ref.items()) or set(duck) != set(ref):
            mismatches += 1
    nx_total_s = read_s + build_s + sum(nx_ms) / 1000
    nx_first_s = read_s + build_s + nx_ms[0] / 1000
    print(
        f"networkx trace x{len(nx_ms)}: median {statistics.median(nx_ms):.2f} ms, p95 {percentile(nx_ms, 95):.2f} ms; "
        f"from the CSV file: first answer after {nx_first_s:.2f}s, {len(nx_ms)} answers after {nx_total_s:.2f}s; "
        f"peak RSS {peak_mb():.0f} MB"
    )
    print(f"traces where networkx and duckdb disagree: {mismatches} of {len(nx_ms)}")
    summary(
        n_rows,
        report.created / import_s,
        duck_ms,
        duck_cpu,
        batch_ms,
        duck_total_s,
        batch_total_s,
        (nx_ms, nx_total_s),
    )
    print(f"end: {load_text()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
