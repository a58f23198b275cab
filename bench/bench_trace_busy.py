"""Benchmark: tracing from a very busy account, where one hop carries a huge frontier.

    .venv/bin/python bench/bench_trace_busy.py --rows 441000

Writes one account's statement of N rows (half of them outgoing transfers to some 50,000 accounts,
with balances), imports it, then traces from that account (its outgoing transfers are the start,
so the first hop carries every one of them as a pending transfer) to depth 1 and 2 with each rule,
and prints the wall-clock seconds, the accounts and edges reached and the peak memory. With
``--inline`` every hop input is written into the statement as before (the slow, memory-hungry form
the temporary tables replaced), for comparison.
"""

from __future__ import annotations

import argparse
import random
import resource
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from fanzha.domain import sql_engine
from fanzha.domain.statement_store import StatementStore
from fanzha.domain.trace import TraceSpec, trace_forward

BUSY = "6222000000000000001"
HEADER = "交易卡号,交易对手账卡号,交易金额,借贷标志,交易时间,交易余额,对手户名,对手开户行,摘要,交易网点"


def write_statement(path: Path, rows: int, seed: int = 1) -> None:
    rng = random.Random(seed)
    balance = 10_000_000
    start = datetime(2024, 1, 1)
    with path.open("w", encoding="utf-8") as out:
        out.write(HEADER + "\n")
        for i in range(rows):
            at = start + timedelta(seconds=60 + i * 30)
            amount = rng.randint(100, 200_000)
            payee = f"6333{rng.randint(0, 50_000):015d}"
            if rng.random() < 0.5 or balance - amount < 0:
                balance += amount
                flag = "贷"
            else:
                balance -= amount
                flag = "借"
            out.write(
                f"{BUSY},{payee},{amount / 100:.2f},{flag},{at:%Y-%m-%d %H:%M:%S},{balance / 100:.2f},户,银行,L{i},网点\n"
            )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=441_000)
    parser.add_argument("--inline", action="store_true", help="write every hop input into the statement")
    args = parser.parse_args()
    if args.inline:
        sql_engine.MAX_INLINE_ROWS = 10**12
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "busy.csv"
        write_statement(path, args.rows)
        with StatementStore(Path(folder) / "store.duckdb") as store:
            store.import_files([path])
            print(f"rows {store.count():,}; max inline rows {sql_engine.MAX_INLINE_ROWS:,}")
            for rule in ("libr", "proportional"):
                for depth in (1, 2):
                    started = time.perf_counter()
                    result = trace_forward(store, TraceSpec(BUSY, rule=rule, max_depth=depth))  # type: ignore[arg-type]
                    seconds = time.perf_counter() - started
                    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
                    print(
                        f"{rule:12} depth {depth}: {seconds:6.1f} s, {len(result.accounts):,} accounts, "
                        f"{len(result.edges):,} edges, peak memory so far {peak:,} MB"
                    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
