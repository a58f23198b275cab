"""Rows per second of the synthetic county generator, per table and in total.

Usage: .venv/bin/python bench/bench_generator.py [--scale 10] [--seed 1] [--no-statements]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from fanzha.generator.county import generate_county


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", type=float, default=10.0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--no-statements", action="store_true")
    args = parser.parse_args()

    timings: list[tuple[str, int, float, float]] = []
    t0, c0 = time.perf_counter(), time.process_time()
    county = generate_county(args.seed, args.scale)
    core, core_cpu = time.perf_counter() - t0, time.process_time() - c0
    core_rows = (
        len(county.communities) + len(county.grids) + len(county.users) + len(county.cases)
        + len(county.clues) + len(county.outreach_events) + len(county.monthly_crime_totals)
    )  # fmt: skip
    timings.append(("core (cases, clues, outreach, ...)", core_rows, core, core_cpu))

    for name, stream in (
        ("residents", county.iter_residents),
        ("households", county.iter_households),
        ("registrations", county.iter_registrations),
    ):
        t, c = time.perf_counter(), time.process_time()
        n = sum(len(batch) for batch in stream(10_000))
        timings.append((name, n, time.perf_counter() - t, time.process_time() - c))

    if not args.no_statements:
        with tempfile.TemporaryDirectory() as tmp:
            t, c = time.perf_counter(), time.process_time()
            paths = county.write_statements(Path(tmp))
            rows = sum(f["rows"] for f in county.truth()["statement_files"])
            timings.append(
                (f"statements ({len(paths)} files)", rows, time.perf_counter() - t, time.process_time() - c)
            )

    t, c = time.perf_counter(), time.process_time()
    with tempfile.TemporaryDirectory() as tmp:
        county.write_truth(Path(tmp) / "county.json")
    timings.append(("truth manifest (county.json)", 0, time.perf_counter() - t, time.process_time() - c))

    # CPU seconds are printed next to wall seconds because the benchmark machine is often shared.
    print(f"scale {args.scale}, seed {args.seed}")
    print(f"{'table':36s} {'rows':>10s} {'wall s':>8s} {'rows/s':>10s} {'cpu s':>8s} {'rows/cpu-s':>11s}")
    total_rows, total_wall, total_cpu = 0, 0.0, 0.0
    for name, rows, wall, cpu in timings:
        total_rows += rows
        total_wall += wall
        total_cpu += cpu
        print(
            f"{name:36s} {rows:>10d} {wall:8.2f} {rows / wall:>10,.0f} {cpu:8.2f} {rows / max(cpu, 1e-9):>11,.0f}"
        )
    print(
        f"{'total':36s} {total_rows:>10d} {total_wall:8.2f} {total_rows / total_wall:>10,.0f} "
        f"{total_cpu:8.2f} {total_rows / total_cpu:>11,.0f}"
    )


if __name__ == "__main__":
    main()
