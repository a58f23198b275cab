"""Benchmark: the daily grid ranking for 1,000 grids and 10 million registrations.

Each backend runs in its own child process (Django binds one database per process):

* PostgreSQL: creates ``fanzha_bench`` at postgres://postgres:postgres@127.0.0.1:5432 (dropped
  afterwards unless --keep), migrates, then bulk-loads synthetic rows with one set-based
  ``INSERT … SELECT generate_series`` per table, secondary indexes dropped during the load and
  rebuilt after it, then ``VACUUM ANALYZE``.
* SQLite: a scratch file, loaded the same way with a recursive CTE.

Loading is setup and reported separately. The first ranking after the load also builds the
per-grid, per-day registration totals (reported as "first"). Timed: ``daily_ranking(day)`` (median
of --repeat runs after that) against a naive per-grid ORM loop (nine queries per grid, the way a
first version would be written) on the same data.

    .venv/bin/python bench/bench_ranking.py [--registrations 10000000] [--residents 2000000]
        [--grids 1000] [--backends postgres,sqlite] [--repeat 3] [--keep]

Registrations are anonymous export rows (resident NULL), spread over the 183 days before the
ranked day; residents (for the 14-and-over base), 60,000 clues and 6,000 cases are spread over
the grids too.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PG_ADMIN_URL = "postgres://postgres:postgres@127.0.0.1:5432/postgres"
PG_BENCH_URL = "postgres://postgres:postgres@127.0.0.1:5432/fanzha_bench"
DAY = date(2026, 10, 31)
WINDOW_DAYS = 183
N_CLUES = 60_000
N_CASES = 6_000


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--registrations", type=int, default=10_000_000)
    parser.add_argument("--residents", type=int, default=2_000_000)
    parser.add_argument("--grids", type=int, default=1_000)
    parser.add_argument("--backends", default="postgres,sqlite")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--keep", action="store_true", help="keep the bench database / scratch file")
    parser.add_argument("--child", choices=["postgres", "sqlite"], help=argparse.SUPPRESS)
    parser.add_argument("--scratch", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(run_child(args)))
        return
    results = []
    for backend in [b.strip() for b in args.backends.split(",") if b.strip()]:
        results.append(run_backend(backend, args))
    print_table(results, args)


def run_backend(backend: str, args: argparse.Namespace) -> dict[str, Any]:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "FANZHA_DATA_DIR")}
    scratch = Path(tempfile.mkdtemp(prefix=f"fanzha-bench-ranking-{backend}-"))
    if backend == "postgres":
        admin("DROP DATABASE IF EXISTS fanzha_bench")
        admin("CREATE DATABASE fanzha_bench")
        env["DATABASE_URL"] = PG_BENCH_URL
    cmd = [
        sys.executable,
        __file__,
        "--child",
        backend,
        "--scratch",
        str(scratch),
        "--registrations",
        str(args.registrations),
        "--residents",
        str(args.residents),
        "--grids",
        str(args.grids),
        "--repeat",
        str(args.repeat),
    ]
    print(f"[{backend}] loading {args.registrations:,} registrations …", file=sys.stderr, flush=True)
    try:
        done = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise SystemExit(f"{backend} child failed:\n{done.stderr[-3000:]}")
        return dict(json.loads(done.stdout.strip().splitlines()[-1]))
    finally:
        if not args.keep:
            shutil.rmtree(scratch, ignore_errors=True)
            if backend == "postgres":
                admin("DROP DATABASE IF EXISTS fanzha_bench")


def admin(sql: str) -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(sql)


def print_table(results: list[dict[str, Any]], args: argparse.Namespace) -> None:
    print(
        f"daily ranking, {args.grids:,} grids, {args.registrations:,} registrations, {args.residents:,} residents"
    )
    header = f"{'backend':<11}{'load s':>9}{'first s':>9}{'ranking s (median)':>20}{'runs':>26}{'naive loop s':>14}{'speed-up':>10}"
    print(header)
    for r in results:
        runs = ", ".join(f"{t:.3f}" for t in r["ranking_runs"])
        print(
            f"{r['backend']:<11}{r['load_seconds']:>9.1f}{r['first_seconds']:>9.2f}{r['ranking_median']:>20.3f}{runs:>26}"
            f"{r['naive_seconds']:>14.2f}{r['naive_seconds'] / r['ranking_median']:>9.1f}x"
        )
    for r in results:
        print(
            f"{r['backend']}: {r['queries']} queries per ranking; naive loop {r['naive_queries']} queries; "
            f"rows registrations={r['rows']['registrations']:,} residents={r['rows']['residents']:,} "
            f"clues={r['rows']['clues']:,} cases={r['rows']['cases']:,}; same top-3 as naive: {r['agree']}"
        )


# ---------------------------------------------------------------- child process


def run_child(args: argparse.Namespace) -> dict[str, Any]:
    from fanzha.runtime import open_station

    open_station(args.scratch)
    from django.db import connection

    started = time.perf_counter()
    rows = load(connection, args.child, args.grids, args.residents, args.registrations)
    load_seconds = time.perf_counter() - started

    from django.test.utils import CaptureQueriesContext

    from fanzha.ranking.services.figures import current_config, daily_ranking

    config = current_config()
    t0 = time.perf_counter()
    daily_ranking(DAY, config)  # first call after the load: builds the per-grid, per-day totals
    first_seconds = time.perf_counter() - t0
    runs = []
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        ranking = daily_ranking(DAY, config)
        runs.append(time.perf_counter() - t0)
    with CaptureQueriesContext(connection) as captured:
        daily_ranking(DAY, config)
    t0 = time.perf_counter()
    with CaptureQueriesContext(connection) as naive_captured:
        naive = naive_ranking(DAY)
    naive_seconds = time.perf_counter() - t0
    top = [r.grid for r in ranking[:3]]
    return {
        "backend": args.child,
        "load_seconds": load_seconds,
        "ranking_runs": runs,
        "ranking_median": statistics.median(runs),
        "first_seconds": first_seconds,
        "queries": len(captured),
        "naive_seconds": naive_seconds,
        "naive_queries": len(naive_captured),
        "agree": top == naive[:3],
        "rows": rows,
    }


def load(
    connection: Any, backend: str, n_grids: int, n_residents: int, n_registrations: int
) -> dict[str, int]:
    from fanzha.stations.models import Community, Grid, Station

    station = Station.objects.create(code="B", name="基准派出所")
    community = Community.objects.create(station=station, code="C1", name="基准社区")
    Grid.objects.bulk_create(
        (
            Grid(
                community=community, code=f"G{i:04d}", name=f"基准警格{i}", population=n_residents // n_grids
            )
            for i in range(n_grids)
        ),
        batch_size=1000,
    )
    first_grid = Grid.objects.order_by("pk").values_list("pk", flat=True).first()
    assert first_grid is not None
    end = DAY.isoformat()
    pg = backend == "postgres"
    tables = ["ranking_appregistration", "stations_resident"]
    dropped = drop_secondary_indexes(connection, tables, pg)
    if pg:
        # Synthetic rows reference grids that exist by construction: skip the per-row FK triggers.
        with connection.cursor() as cursor:
            cursor.execute("SET session_replication_role = replica")

    def series(n: int, select: str, table: str, columns: str) -> None:
        if pg:
            sql = f"INSERT INTO {table} ({columns}) SELECT {select} FROM generate_series(0::bigint, {n - 1}) AS s(i)"
        else:
            sql = (
                f"WITH RECURSIVE s(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM s WHERE i < {n - 1}) "
                f"INSERT INTO {table} ({columns}) SELECT {select} FROM s"
            )
        with connection.cursor() as cursor:
            cursor.execute(sql)

    grid = f"{first_grid} + (i % {n_grids})"
    if pg:
        day_expr = f"DATE '{end}' - ((i * 7919) % {WINDOW_DAYS})::int"
        birth = "DATE '1940-01-01' + ((i * 104729) % 29200)::int"
    else:
        day_expr = f"date('{end}', '-' || ((i * 7919) % {WINDOW_DAYS}) || ' days')"
        birth = "date('1940-01-01', '+' || ((i * 104729) % 29200) || ' days')"
    series(
        n_residents,
        f"'居民' || i, 'B' || lpad(i::text, 17, '0'), '', '', {grid}, {birth}, '', ''"
        if pg
        else f"'居民' || i, 'B' || printf('%017d', i), '', '', {grid}, {birth}, '', ''",
        "stations_resident",
        "name, id_number, phone, address, grid_id, birth_date, sex, occupation",
    )
    series(
        n_registrations, f"{day_expr}, {grid}, 'export'", "ranking_appregistration", "day, grid_id, source"
    )
    if pg:
        with connection.cursor() as cursor:
            cursor.execute("SET session_replication_role = DEFAULT")
    make_clues_and_cases(first_grid, n_grids)
    restore_indexes(connection, dropped)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if pg else "ANALYZE")
    return {"registrations": n_registrations, "residents": n_residents, "clues": N_CLUES, "cases": N_CASES}


def make_clues_and_cases(first_grid: int, n_grids: int) -> None:
    """Clues and cases through the ORM (their schemas belong to other apps and keep growing)."""
    from zoneinfo import ZoneInfo

    from fanzha.cases.models import Case
    from fanzha.clues.models import Clue

    noon = datetime.combine(DAY, datetime.min.time(), tzinfo=ZoneInfo("Asia/Shanghai")).replace(hour=12)
    outcomes = ["stopped", "cheated", "unreachable", ""]
    clues = []
    for i in range(N_CLUES):
        deadline = noon - timedelta(hours=(i * 6151) % (40 * 24))
        contact = None if i % 3 == 0 else deadline - timedelta(minutes=10) + timedelta(hours=3 * (i % 2))
        clues.append(
            Clue(
                source="bench",
                source_id=f"c{i}",
                received_at=deadline - timedelta(hours=1),
                kind="被涉诈短信",
                grid_id=first_grid + i % n_grids,
                grade="yellow",
                deadline=deadline,
                status="dispatched",
                outcome=outcomes[i % 4],
                first_contact_at=contact,
            )
        )
    Clue.objects.bulk_create(clues, batch_size=5000)
    Case.objects.bulk_create(
        (
            Case(
                case_no=f"BC{i}",
                reported_at=noon - timedelta(hours=(i * 6151) % (70 * 24)),
                narrative="",
                status="confirmed",
                category="刷单返利",
                grid_id=first_grid + i % n_grids,
                loss_fen=100000 + i,
            )
            for i in range(N_CASES)
        ),
        batch_size=5000,
    )


def drop_secondary_indexes(connection: Any, tables: list[str], pg: bool) -> list[str]:
    """Drop every non-unique, non-key index of ``tables``; return the statements that rebuild them."""
    with connection.cursor() as cursor:
        if pg:
            cursor.execute(
                "SELECT i.indexname, i.indexdef FROM pg_indexes i JOIN pg_class c ON c.relname = i.indexname "
                "JOIN pg_index x ON x.indexrelid = c.oid WHERE i.tablename = ANY(%s) AND NOT x.indisunique",
                [tables],
            )
        else:
            placeholders = ",".join("?" * len(tables))
            cursor.execute(
                f"SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
                f"AND sql NOT LIKE 'CREATE UNIQUE%' AND tbl_name IN ({placeholders})".replace("?", "%s"),
                tables,
            )
        found = cursor.fetchall()
        for name, _ in found:
            cursor.execute(f'DROP INDEX "{name}"')
    return [sql for _, sql in found]


def restore_indexes(connection: Any, statements: list[str]) -> None:
    with connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)


def naive_ranking(day: date) -> list[str]:
    """A per-grid ORM loop: what the ranking costs without set-based aggregation (top grids first)."""
    from zoneinfo import ZoneInfo

    from django.db.models import F

    from fanzha.cases.models import Case
    from fanzha.clues.models import Clue
    from fanzha.domain.ranking import GridDayFigures, birth_cutoff, rank_grids, ranking_config
    from fanzha.ranking.models import AppRegistration
    from fanzha.stations.models import Grid, Resident

    config = ranking_config()
    local = ZoneInfo("Asia/Shanghai")
    end = datetime.combine(day + timedelta(days=1), datetime.min.time(), tzinfo=local)
    window = end - timedelta(days=config.clue_window_days)
    month = datetime.combine(day.replace(day=1), datetime.min.time(), tzinfo=local)
    cutoff = birth_cutoff(day, config.min_age)
    figures = []
    for grid in Grid.objects.order_by("code"):
        clues = Clue.objects.filter(grid=grid, deadline__gte=window, deadline__lt=end)
        figures.append(
            GridDayFigures(
                grid=grid.code,
                name=grid.name,
                base=Resident.objects.filter(grid=grid, birth_date__lte=cutoff).count(),
                registered=AppRegistration.objects.filter(grid=grid, day__lte=day).count(),
                new_registrations=AppRegistration.objects.filter(grid=grid, day=day).count(),
                clues_due=clues.count(),
                clues_in_time=clues.filter(first_contact_at__lte=F("deadline")).count(),
                clues_stopped=clues.filter(outcome="stopped").count(),
                clues_cheated=clues.filter(outcome="cheated").count(),
                clues_unreachable=clues.filter(outcome="unreachable").count(),
                cases_this_month=Case.objects.filter(
                    grid=grid, reported_at__gte=month, reported_at__lt=end
                ).count(),
            )
        )
    return [r.grid for r in rank_grids(figures, None, config)]


if __name__ == "__main__":
    main()
