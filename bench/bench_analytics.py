"""Dashboard queries at scale on PostgreSQL: the pre-aggregated cube against the naive GROUP BY
over the case table.

Creates (and at the end drops) the scratch database ``fanzha_bench_analytics``, bulk-loads N
synthetic cases with one victim each through COPY, rebuilds the analytics facts and cube, then
times every dashboard query (county-wide, and scoped to one grid) and the same figure computed
naively from ``cases_case``. Prints p50/p95 in milliseconds side by side; for the per-grid
figures also the previous path (summing one monthly cube row per grid and category).

    .venv/bin/python bench/bench_analytics.py --cases 1000000 [--repeat 20] [--keep]
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

from fanzha.domain.taxonomy import load_taxonomy

SERVER = "postgres://postgres:postgres@127.0.0.1:5432"
DB = "fanzha_bench_analytics"
CATEGORIES = [category.name for category in load_taxonomy().categories]
CHANNELS = ["微信", "QQ", "抖音", "短信", "电话", "婚恋APP", "快手", "网页", "其他"]
OCCUPATIONS = ["学生", "公司职员", "务农", "个体经营", "退休", "无业", "家庭主妇", "自由职业", "教师", "工人"]


def recreate_database() -> None:
    import psycopg

    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {DB}")
        conn.execute(f"CREATE DATABASE {DB}")


def drop_database() -> None:
    import psycopg
    from django.db import connections

    connections.close_all()
    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {DB}")


def setup_django() -> None:
    os.environ["DATABASE_URL"] = f"{SERVER}/{DB}"
    os.environ["FANZHA_DATA_DIR"] = tempfile.mkdtemp(prefix="fz-bench-analytics-")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fanzha.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)


def load(cases: int, grids: int, seed: int) -> list[int]:
    """Station, grids and ``cases`` cases over three years with one victim each; returns grid ids."""
    from django.db import connection

    from fanzha.cases.models import Case, MonthlyCrimeTotal, Victim
    from fanzha.stations.models import Community, Grid, Station

    station = Station.objects.create(code="B01", name="基准派出所")
    community = Community.objects.create(station=station, code="C01", name="基准社区")
    grid_objs = Grid.objects.bulk_create(
        Grid(community=community, code=f"G{i:04d}", name=f"警格{i:04d}", population=2000)
        for i in range(grids)
    )
    grid_ids = [g.pk for g in grid_objs]
    rng = random.Random(seed)
    start = datetime(2023, 11, 1)
    span = (datetime(2026, 11, 1) - start).total_seconds()
    case_table, victim_table = Case._meta.db_table, Victim._meta.db_table
    with connection.cursor() as cursor:
        raw = cursor.connection
        with raw.cursor() as cur:
            columns = (
                "case_no, reported_at, occurred_at, narrative, draft, corrections, status, category, lure, tags, "
                "channel, grid_id, loss_fen, loss_max_fen, solved, recovered_fen, created_at, fingerprint, source"
            )
            with cur.copy(f"COPY {case_table} ({columns}) FROM STDIN") as copy:
                for i in range(cases):
                    occurred = start + timedelta(seconds=rng.random() * span)
                    reported = occurred + timedelta(hours=rng.random() * 30)
                    loss = rng.randrange(100, 50_000_000)
                    solved = rng.random() < 0.25
                    copy.write_row(
                        (
                            f"B{i:09d}",
                            f"{reported.isoformat()}+08:00",
                            f"{occurred.isoformat()}+08:00",
                            "基准案件",
                            "{}",
                            "{}",
                            "confirmed",
                            rng.choice(CATEGORIES),
                            "",
                            "[]",
                            rng.choice(CHANNELS),
                            rng.choice(grid_ids),
                            loss,
                            loss,
                            solved,
                            loss // 4 if solved else 0,
                            f"{reported.isoformat()}+08:00",
                            "",
                            "bench",
                        )
                    )
            cur.execute(f"SELECT min(id), max(id) FROM {case_table}")
            low, high = cur.fetchone()
            with cur.copy(
                f"COPY {victim_table} (case_id, name, id_number, phone, age, sex, occupation) FROM STDIN"
            ) as copy:
                for case_id in range(low, high + 1):
                    copy.write_row(
                        (
                            case_id,
                            "某某",
                            "",
                            "",
                            rng.randrange(12, 85),
                            rng.choice("男女"),
                            rng.choice(OCCUPATIONS),
                        )
                    )
        cursor.execute(f"ANALYZE {case_table}; ANALYZE {victim_table}")
    MonthlyCrimeTotal.objects.bulk_create(
        MonthlyCrimeTotal(
            month=date(2023 + (10 + m) // 12, (10 + m) % 12 + 1, 1), criminal_cases=cases // 36 * 2
        )
        for m in range(36)
    )
    return grid_ids


def timed(fn: Callable[[], Any], repeat: int) -> tuple[float, float]:
    fn()  # warm the cache and the plan
    samples = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - t) * 1000)
    samples.sort()
    p95 = samples[min(len(samples) - 1, round(0.95 * (len(samples) - 1)))]
    return statistics.median(samples), p95


def with_month_cube_sums(fn: Callable[[], Any]) -> Any:
    """Run ``fn`` on the previous path of the per-grid figures: summing one cube row per grid,
    category and month of the period (about 137,000 rows for a year at a million cases)."""
    from unittest import mock

    from django.db.models import Sum

    from fanzha.analytics import running
    from fanzha.analytics.models import CaseCube

    def month_cube_sums(
        first: date, last: date, category: str = "", grid_ids: Any = None, *, per_category: bool = True
    ) -> list[running.GridSums]:
        rows = CaseCube.objects.filter(
            period="M", dimension="", grid__isnull=False, start__gte=first, start__lte=last
        )
        if category:
            rows = rows.filter(category=category)
        if grid_ids is not None:
            rows = rows.filter(grid_id__in=grid_ids)
        keys = ("grid_id", "category") if per_category else ("grid_id",)
        grouped = rows.values(*keys).annotate(
            n=Sum("cases"), s=Sum("solved"), loss=Sum("loss_fen"), rec=Sum("recovered_fen")
        )
        return [
            running.GridSums(
                r["grid_id"],
                r["category"] if per_category else "",
                int(r["n"]),
                int(r["s"]),
                int(r["loss"]),
                int(r["rec"]),
            )
            for r in grouped.order_by()
        ]

    with mock.patch.object(running, "period_sums", month_cube_sums):
        return fn()


def naive_sql(sql: str, params: list[Any]) -> Callable[[], Any]:
    from django.db import connection

    def run() -> Any:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()

    return run


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--grids", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", action="store_true", help="do not drop the scratch database at the end")
    args = parser.parse_args()

    recreate_database()
    setup_django()
    try:
        t = time.perf_counter()
        grid_ids = load(args.cases, args.grids, args.seed)
        load_s = time.perf_counter() - t

        from fanzha.analytics import dashboard, refresh, segments, series
        from fanzha.analytics.models import CaseCube, GridRunningTotal
        from fanzha.cases.models import Case

        t = time.perf_counter()
        refresh.rebuild()
        rebuild_s = time.perf_counter() - t
        cube_rows = CaseCube.objects.count()
        print(
            f"cases {Case.objects.count()}  grids {len(grid_ids)}  load {load_s:.1f} s  "
            f"rebuild facts+cube+running {rebuild_s:.1f} s  cube rows {cube_rows}  "
            f"running-total rows {GridRunningTotal.objects.count()}"
        )

        county = series.Filters(date(2025, 11, 1), date(2026, 10, 1))
        one_grid = series.Filters(date(2025, 11, 1), date(2026, 10, 1), grid_ids=frozenset({grid_ids[7]}))
        local = "(COALESCE(occurred_at, reported_at) AT TIME ZONE 'Asia/Shanghai')"
        period = f"{local} >= %s AND {local} < %s"
        window = [datetime(2025, 11, 1), datetime(2026, 11, 1)]
        wide = [datetime(2024, 11, 1), datetime(2026, 11, 1)]
        victim = (
            "LEFT JOIN LATERAL (SELECT age, sex, occupation FROM cases_victim v "
            "WHERE v.case_id = c.id ORDER BY v.id LIMIT 1) v ON true"
        )
        agg = "count(*), count(*) FILTER (WHERE solved), sum(loss_fen), sum(recovered_fen)"
        g = grid_ids[7]
        before: dict[str, Callable[[], Any]] = {
            "by grid": lambda: with_month_cube_sums(lambda: series.breakdown(county, "grid")),
            "grid risk segments": lambda: with_month_cube_sums(lambda: segments.grid_segments(county)),
        }
        queries: list[tuple[str, Callable[[], Any], Callable[[], Any]]] = [
            (
                "monthly (county, with YoY)",
                lambda: series.monthly_series(county),
                naive_sql(
                    f"SELECT date_trunc('month', {local}), {agg} FROM cases_case WHERE {period} GROUP BY 1",
                    wide,
                ),
            ),
            (
                "weekly (county)",
                lambda: series.weekly_series(county),
                naive_sql(
                    f"SELECT date_trunc('week', {local}), {agg} FROM cases_case WHERE {period} GROUP BY 1",
                    window,
                ),
            ),
            (
                "category by month",
                lambda: series.category_by_month(county),
                naive_sql(
                    f"SELECT date_trunc('month', {local}), category, count(*) FROM cases_case WHERE {period} GROUP BY 1, 2",
                    window,
                ),
            ),
            (
                "by grid",
                lambda: series.breakdown(county, "grid"),
                naive_sql(f"SELECT grid_id, {agg} FROM cases_case WHERE {period} GROUP BY 1", window),
            ),
            (
                "by channel",
                lambda: series.breakdown(county, "channel"),
                naive_sql(f"SELECT channel, {agg} FROM cases_case WHERE {period} GROUP BY 1", window),
            ),
            (
                "by occupation (victim)",
                lambda: series.breakdown(county, "occupation"),
                naive_sql(
                    f"SELECT v.occupation, {agg} FROM cases_case c {victim} WHERE {period} GROUP BY 1", window
                ),
            ),
            (
                "crime share",
                lambda: series.crime_share(county),
                naive_sql(
                    f"SELECT date_trunc('month', {local}), count(*) FROM cases_case WHERE {period} GROUP BY 1",
                    window,
                ),
            ),
            (
                "grid risk segments",
                lambda: segments.grid_segments(county),
                naive_sql(
                    f"SELECT grid_id, category, count(*) FROM cases_case WHERE {period} GROUP BY 1, 2", window
                ),
            ),
            (
                "headline cards",
                lambda: dashboard.cards(county),
                naive_sql(f"SELECT {agg} FROM cases_case WHERE {period}", window),
            ),
            (
                "one grid: monthly",
                lambda: series.monthly_series(one_grid),
                naive_sql(
                    f"SELECT date_trunc('month', {local}), {agg} FROM cases_case WHERE grid_id = %s AND {period} GROUP BY 1",
                    [g, *wide],
                ),
            ),
            (
                "one grid: weekly",
                lambda: series.weekly_series(one_grid),
                naive_sql(
                    f"SELECT date_trunc('week', {local}), {agg} FROM cases_case WHERE grid_id = %s AND {period} GROUP BY 1",
                    [g, *window],
                ),
            ),
            (
                "one grid: by age band",
                lambda: series.breakdown(one_grid, "age_band"),
                naive_sql(
                    f"SELECT v.age / 10, {agg} FROM cases_case c {victim} WHERE c.grid_id = %s AND {period} GROUP BY 1",
                    [g, *window],
                ),
            ),
        ]
        print(
            f"{'query':32s} {'now p50':>9s} {'now p95':>9s} {'before p50':>11s} {'before p95':>11s} "
            f"{'naive p50':>10s} {'naive p95':>10s}   (ms; before = same code unless shown)"
        )
        worst = 0.0
        for name, fast, naive in queries:
            f50, f95 = timed(fast, args.repeat)
            if name in before:
                # Same table both ways, or the timing means nothing.
                # Same table both ways, or the timing means nothing.
                assert fast().rows == before[name]().rows, name
                b50, b95 = timed(before[name], args.repeat)
                old = f"{b50:11.1f} {b95:11.1f}"
            else:
                old = f"{'=':>11s} {'=':>11s}"
            n50, n95 = timed(naive, max(3, args.repeat // 4))
            worst = max(worst, f95)
            print(f"{name:32s} {f50:9.1f} {f95:9.1f} {old} {n50:10.1f} {n95:10.1f}")
        t = time.perf_counter()
        dashboard.payload(county)
        whole = (time.perf_counter() - t) * 1000
        print(
            f"worst single-query p95 {worst:.1f} ms; whole county dashboard payload (all tables) {whole:.0f} ms"
        )
    finally:
        if not args.keep:
            drop_database()
    return 0


if __name__ == "__main__":
    sys.exit(main())
