"""Per-grid running totals: any period's per-grid figures (by-grid breakdown, grid risk segments)
are exactly the naive GROUP BY over the cases, and single saves keep the table equal to a fresh
rebuild, also when a case falls before or after every month seen so far."""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from fanzha.analytics import refresh, running, segments, series
from fanzha.analytics.models import GridRunningTotal
from fanzha.cases.models import Case
from fanzha.domain import stats
from fanzha.stations.models import Grid

pytestmark = pytest.mark.django_db
LOCAL = ZoneInfo("Asia/Shanghai")
Sums = tuple[int, int, int, int]


def naive(first: date, last: date, category: str = "") -> dict[tuple[int, str], Sums]:
    """Per (grid, category) sums straight from the case table, by the case's local month."""
    out: dict[tuple[int, str], list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for c in Case.objects.filter(grid__isnull=False):
        moment = c.occurred_at or c.reported_at
        month = stats.month_start(moment.astimezone(LOCAL).date())
        if not first <= month <= last or (category and c.category != category):
            continue
        s = out[(c.grid_id, c.category or "")]
        s[0] += 1
        s[1] += int(c.solved)
        s[2] += c.loss_fen or 0
        s[3] += c.recovered_fen or 0
    return {k: (a, b, c, d) for k, (a, b, c, d) in out.items()}


def fast(first: date, last: date, category: str = "", grid_ids: Any = None) -> dict[tuple[int, str], Sums]:
    return {
        (r.grid_id, r.category): (r.cases, r.solved, r.loss_fen, r.recovered_fen)
        for r in running.period_sums(first, last, category, grid_ids)
    }


def data_range() -> tuple[date, date]:
    refresh.sync()
    months = series.data_months()
    assert months is not None
    return months


def random_periods(seed: int, n: int) -> list[tuple[date, date]]:
    low, high = data_range()
    months = stats.months_between(stats.add_months(low, -3), stats.add_months(high, 3))
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        a, b = sorted(rng.sample(months, 2))
        out.append((a, b))
    return out


def table_snapshot() -> list[tuple[Any, ...]]:
    return list(
        GridRunningTotal.objects.order_by("grid_id", "category", "month").values_list(
            "grid_id", "category", "month", "cases", "solved", "loss_fen", "recovered_fen"
        )
    )


@pytest.fixture
def many_cases() -> int:
    """The small test county has only a handful of cases: add 800 random ones (bulk, no signals,
    so :func:`refresh.sync` rebuilds the cube and the running totals) over its grids, every
    category and three years, some without a grid; rolled back with the test."""
    refresh.sync()
    rng = random.Random(8)
    grid_ids = sorted(Grid.objects.values_list("pk", flat=True))
    categories = ["刷单返利类", "虚假网络投资理财类", "虚假征信类", "冒充公检法及政府机关类", "其他", ""]
    start = datetime(2023, 11, 1, tzinfo=LOCAL).timestamp()
    span = datetime(2026, 11, 1, tzinfo=LOCAL).timestamp() - start
    cases = []
    for i in range(800):
        moment = datetime.fromtimestamp(start + rng.random() * span, tz=LOCAL)
        solved = rng.random() < 0.3
        loss = rng.randrange(0, 3_000_000)
        cases.append(
            Case(
                case_no=f"T-RUN-BULK-{i}",
                reported_at=moment,
                occurred_at=None if rng.random() < 0.1 else moment,
                narrative="x",
                category=rng.choice(categories),
                grid_id=None if rng.random() < 0.05 else rng.choice(grid_ids),
                loss_fen=loss,
                solved=solved,
                recovered_fen=loss // 3 if solved else 0,
            )
        )
    Case.objects.bulk_create(cases)
    assert refresh.sync() == 800
    return 800


def test_test_county_whole_range_equals_the_naive_group_by() -> None:
    low, high = data_range()
    whole = naive(low, high)
    assert sum(s[0] for s in whole.values()) == Case.objects.filter(grid__isnull=False).count() > 0
    assert fast(low, high) == whole
    for first, last in random_periods(seed=1, n=6):
        assert fast(first, last) == naive(first, last), (first, last)


@pytest.mark.usefixtures("many_cases")
def test_whole_range_and_single_months_equal_the_naive_group_by() -> None:
    low, high = data_range()
    whole = naive(low, high)
    assert sum(s[0] for s in whole.values()) == Case.objects.filter(grid__isnull=False).count() > 700
    assert fast(low, high) == whole
    assert fast(date(2000, 1, 1), date(2100, 1, 1)) == whole
    for month in (low, stats.add_months(low, 7), high):
        assert fast(month, month) == naive(month, month)
    assert fast(stats.add_months(high, 1), stats.add_months(high, 5)) == {}
    assert fast(stats.add_months(low, -5), stats.add_months(low, -1)) == {}


@pytest.mark.usefixtures("many_cases")
def test_random_periods_categories_and_grids_equal_the_naive_group_by() -> None:
    categories = sorted(set(Case.objects.values_list("category", flat=True)))
    grid_ids = sorted(Grid.objects.values_list("pk", flat=True))
    rng = random.Random(11)
    for first, last in random_periods(seed=2026, n=12):
        expected = naive(first, last)
        assert fast(first, last) == expected, (first, last)
        category = rng.choice(categories)
        assert fast(first, last, category) == naive(first, last, category), (first, last, category)
        some = set(rng.sample(grid_ids, 3))
        assert fast(first, last, grid_ids=some) == {k: v for k, v in expected.items() if k[0] in some}


@pytest.mark.usefixtures("many_cases")
def test_dashboard_by_grid_and_grid_segments_use_the_same_numbers() -> None:
    names = dict(Grid.objects.values_list("pk", "name"))
    for first, last in [data_range(), *random_periods(seed=5, n=3)]:
        expected = naive(first, last)
        per_grid: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
        for (grid_id, _), (n, solved, loss, _) in expected.items():
            acc = per_grid[names[grid_id]]
            acc[0] += n
            acc[1] += loss
            acc[2] += solved
        table = series.breakdown(series.Filters(first, last), "grid")
        got = {row[0]: [row[1], round(row[3] * 100), row[4]] for row in table.rows}
        assert got == {k: v for k, v in per_grid.items()}, (first, last)
        some = set(sorted(names)[::3])
        scoped = series.breakdown(series.Filters(first, last, grid_ids=frozenset(some)), "grid")
        assert {row[0]: row[1] for row in scoped.rows} == {
            k: v[0] for k, v in per_grid.items() if k in {names[g] for g in some}
        }

        seg = segments.grid_segments(series.Filters(first, last))
        by_name = {names[g]: g for g in names}
        for grid_name, category, n, _, _ in seg.rows:
            assert n == expected[(by_name[grid_name], category)][0]
        listed = {(r[0], r[1]) for r in seg.rows}
        qualifying = [k for k, v in expected.items() if v[0] >= segments.MIN_CASES]
        assert len(listed) == min(segments.TOP, len(qualifying))


@pytest.mark.usefixtures("many_cases")
def test_table_is_dense_over_its_months() -> None:
    data_range()
    pairs = set(GridRunningTotal.objects.values_list("grid_id", "category"))
    months = sorted(set(GridRunningTotal.objects.values_list("month", flat=True)))
    assert months == stats.months_between(months[0], months[-1])
    assert GridRunningTotal.objects.count() == len(pairs) * len(months)


@pytest.mark.usefixtures("many_cases")
def test_single_saves_outside_the_range_keep_the_table_equal_to_a_rebuild() -> None:
    low, high = data_range()
    grid = Grid.objects.order_by("-pk").first()
    assert grid is not None
    early = Case.objects.create(
        case_no="T-RUN-1",
        reported_at=datetime(low.year - 2, 3, 4, 10, tzinfo=LOCAL),
        narrative="测试",
        category="新类别（测试）",  # a new (grid, category) pair
        grid=grid,
        loss_fen=5_000,
        solved=True,
        recovered_fen=1_000,
    )
    late = Case.objects.create(
        case_no="T-RUN-2",
        reported_at=datetime(high.year + 1, 8, 1, 0, 5, tzinfo=LOCAL),
        narrative="测试",
        category="刷单返利类",
        grid=grid,
        loss_fen=7_000,
    )
    incremental = table_snapshot()
    running.rebuild()
    assert table_snapshot() == incremental
    first, last = date(low.year - 2, 3, 1), date(high.year + 1, 8, 1)
    assert fast(first, first) == {(grid.pk, "新类别（测试）"): (1, 1, 5_000, 1_000)}
    assert fast(last, last) == {(grid.pk, "刷单返利类"): (1, 0, 7_000, 0)}
    assert fast(first, last) == naive(first, last)

    early.category = "刷单返利类"
    early.save()
    late.delete()
    incremental = table_snapshot()
    running.rebuild()
    rebuilt = table_snapshot()
    # The rebuild spans only months (and pairs) with cases; the incremental table keeps the
    # emptied pair's zeros and repeats the totals after the last case, which change no
    # period's difference.
    assert [r for r in incremental if r[3] and r[2] <= high] == [r for r in rebuilt if r[3]]
    assert max(r[2] for r in rebuilt) == high
    assert fast(first, last) == naive(first, last)
    assert fast(first, first) == {(grid.pk, "刷单返利类"): (1, 1, 5_000, 1_000)}
