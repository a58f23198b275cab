"""The daily ranking over the synthetic county: figures match the database counted another way,
clue and case figures follow the records, and the work is a fixed number of aggregate queries."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from fanzha.cases.models import Case
from fanzha.clues.models import Clue
from fanzha.domain.ranking import birth_cutoff
from fanzha.ranking.models import AppRegistration, GridDailyCount, RankingSettings
from fanzha.ranking.services.figures import (
    coverage_by_age_band,
    current_config,
    daily_ranking,
    ranking_history,
)
from fanzha.stations.models import Grid, Resident

pytestmark = pytest.mark.django_db
LOCAL = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def end(test_county: Any) -> date:
    return test_county.end_date


def test_every_grid_is_ranked_with_counts_that_match_the_tables(end: date) -> None:
    ranking = daily_ranking(end)
    assert [r.rank for r in ranking] == list(range(1, Grid.objects.count() + 1))
    cutoff = birth_cutoff(end, 14)
    for r in ranking:
        grid = Grid.objects.get(code=r.grid)
        assert r.figures.registered == AppRegistration.objects.filter(grid=grid, day__lte=end).count()
        assert r.figures.new_registrations == AppRegistration.objects.filter(grid=grid, day=end).count()
        adults = [
            p
            for p in Resident.objects.filter(grid=grid).values_list("birth_date", flat=True)
            if p is None or p <= cutoff
        ]
        assert r.figures.base == len(adults)
    flagged = [r for r in ranking if r.flagged]
    assert [r.rank for r in flagged] == [len(ranking) - 2, len(ranking) - 1, len(ranking)]
    assert all("覆盖率" in "".join(r.reasons) or "新增" in "".join(r.reasons) for r in flagged)


def test_the_generators_laggard_grids_fill_the_bottom(test_county: Any, end: date) -> None:
    laggards = {c.grid_code for c in test_county.coverage if c.laggard}
    bottom = {r.grid for r in daily_ranking(end)[-len(laggards) :]} if laggards else set()
    assert laggards and len(laggards & bottom) >= len(laggards) - 1


def test_rank_change_is_against_the_previous_days_ranking(end: date) -> None:
    today = {r.grid: r for r in daily_ranking(end)}
    yesterday = {r.grid: r.rank for r in daily_ranking(end - timedelta(days=1))}
    assert all(r.previous_rank == yesterday[g] for g, r in today.items())


def test_clues_handled_in_time_and_dissuasion_come_from_first_contact_and_outcome(end: date) -> None:
    grid = Grid.objects.order_by("code").first()
    assert grid is not None
    # The generated county's handled clues would mix in; only this test's four clues should count.
    Clue.objects.filter(grid=grid).delete()
    deadline = datetime.combine(end, time(10), tzinfo=LOCAL)
    common = {"source": "t", "received_at": deadline - timedelta(hours=2), "kind": "被涉诈短信", "grid": grid}
    Clue.objects.create(
        source_id="a",
        deadline=deadline,
        first_contact_at=deadline - timedelta(minutes=5),
        outcome="stopped",
        status="closed",
        **common,
    )
    Clue.objects.create(
        source_id="b",
        deadline=deadline,
        first_contact_at=deadline + timedelta(hours=1),
        outcome="cheated",
        status="closed",
        **common,
    )
    Clue.objects.create(source_id="c", deadline=deadline - timedelta(days=3), status="dispatched", **common)
    Clue.objects.create(
        source_id="d", deadline=deadline - timedelta(days=30), status="dispatched", **common
    )  # outside the window
    before = {r.grid: r.figures for r in daily_ranking(end - timedelta(days=8))}[grid.code]
    f = {r.grid: r.figures for r in daily_ranking(end)}[grid.code]
    assert f.clues_due == 3
    assert f.clues_in_time == 1
    assert (f.clues_stopped, f.clues_cheated, f.clues_unreachable) == (1, 1, 0)
    assert before.clues_in_time == 0


def test_cases_this_month_against_the_same_period_last_month(end: date) -> None:
    grid = Grid.objects.order_by("code").last()
    assert grid is not None
    first = end.replace(day=1)
    last_month = (first - timedelta(days=1)).replace(day=min(end.day, 28))

    def count(a: date, b: date) -> int:
        return Case.objects.filter(
            grid=grid,
            reported_at__gte=datetime.combine(a, time.min, tzinfo=LOCAL),
            reported_at__lt=datetime.combine(b + timedelta(days=1), time.min, tzinfo=LOCAL),
        ).count()

    Case.objects.create(
        case_no="T-1", reported_at=datetime.combine(end, time(23, 30), tzinfo=LOCAL), narrative="x", grid=grid
    )
    Case.objects.create(
        case_no="T-2",
        reported_at=datetime.combine(last_month, time(0, 10), tzinfo=LOCAL),
        narrative="x",
        grid=grid,
    )
    f = {r.grid: r.figures for r in daily_ranking(end)}[grid.code]
    assert f.cases_this_month == count(first, end) and f.cases_this_month >= 1
    prev_first = (first - timedelta(days=1)).replace(day=1)
    assert f.cases_last_month_same_period == count(
        prev_first, last_month if end.day <= 28 else end.replace(day=1) - timedelta(days=1)
    )


def test_grid_counts_add_to_coverage_and_settings_change_the_weights(end: date) -> None:
    grid = Grid.objects.order_by("code").first()
    assert grid is not None
    before = {r.grid: r.figures for r in daily_ranking(end)}[grid.code]
    GridDailyCount.objects.create(grid=grid, day=end, count=7)
    after = {r.grid: r.figures for r in daily_ranking(end)}[grid.code]
    assert (after.registered, after.new_registrations) == (
        before.registered + 7,
        before.new_registrations + 7,
    )
    RankingSettings.objects.create(
        overrides={"flag": {"bottom_count": 1}, "population_base": {"kind": "grid_population"}}
    )
    assert current_config().bottom_count == 1
    ranking = daily_ranking(end)
    assert sum(r.flagged for r in ranking) == 1
    assert {r.grid: r.figures.base for r in ranking}[grid.code] == grid.population


def test_the_ranking_is_a_fixed_handful_of_queries_whatever_the_number_of_grids(end: date) -> None:
    daily_ranking(end)  # the first call after a load builds the per-day registration totals
    with CaptureQueriesContext(connection) as one_day:
        daily_ranking(end)
    with CaptureQueriesContext(connection) as month:
        history = ranking_history(end - timedelta(days=29), end)
    assert len(history) == 30
    assert len(one_day) <= 16 < Grid.objects.count() * 2
    assert len(month) == len(one_day)


def test_coverage_by_age_band_counts_registered_residents_in_each_band(end: date) -> None:
    bands = coverage_by_age_band(end)
    grid = Grid.objects.order_by("code").first()
    assert grid is not None
    rows = bands[grid.code]
    assert [b.label for b in rows] == ["14-17岁", "18-34岁", "35-59岁", "60岁及以上"]
    elderly = Resident.objects.filter(grid=grid, birth_date__lte=birth_cutoff(end, 60))
    assert rows[-1].base == elderly.count()
    assert rows[-1].registered == AppRegistration.objects.filter(resident__in=elderly, day__lte=end).count()
    assert sum(b.registered for b in rows) <= AppRegistration.objects.filter(grid=grid, day__lte=end).count()


def test_added_changed_and_deleted_registrations_reach_the_day_totals(end: date) -> None:
    grid = Grid.objects.order_by("code").first()
    assert grid is not None

    def registered() -> int:
        return {r.grid: r.figures for r in daily_ranking(end)}[grid.code].registered

    start = registered()
    AppRegistration.objects.bulk_create(
        [AppRegistration(grid=grid, day=end), AppRegistration(grid=grid, day=end)]
    )
    assert registered() == start + 2
    moved = AppRegistration.objects.filter(grid=grid, resident__isnull=True).first()
    assert moved is not None
    moved.day = end + timedelta(days=1)
    moved.save()
    assert registered() == start + 1
    AppRegistration.objects.filter(grid=grid, resident__isnull=True).delete()
    assert registered() == start
    assert registered() == AppRegistration.objects.filter(grid=grid, day__lte=end).count()
