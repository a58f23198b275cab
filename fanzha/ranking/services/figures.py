"""From the database to :class:`fanzha.domain.ranking.GridDayFigures`, set-based.

A handful of grouped aggregate queries cover a whole span of days at once (registrations before
the span plus per grid and day inside it; the population base; clues by deadline day; cases by
report day); Python then only folds those aggregated rows per grid and day, never the rows of
the registration table. Days are Asia/Shanghai calendar days.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import Count, F, Q, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from fanzha.cases.models import Case
from fanzha.clues.models import Clue
from fanzha.domain.ranking import (
    BandCoverage,
    GridDayFigures,
    GridRanking,
    RankingConfig,
    birth_cutoff,
    rank_grids,
    ranking_config,
)
from fanzha.ranking.models import AppRegistration, GridDailyCount, RankingSettings, RegistrationDayTotal
from fanzha.ranking.services.rollup import refresh_registration_totals
from fanzha.stations.models import Grid, Resident
from fanzha.web.periods import default_end

LOCAL = ZoneInfo("Asia/Shanghai")


def current_config() -> RankingConfig:
    """The shipped ranking.json with the station's newest overrides (admin: 排名参数) applied."""
    return ranking_config(RankingSettings.current())


def day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=LOCAL)


def today() -> date:
    return timezone.localtime(timezone.now(), LOCAL).date()


def _days_between(start: date, end: date) -> list[date]:
    return [start + timedelta(days=i) for i in range((end - start).days + 1)]


def _previous_month_first(day: date) -> date:
    return (day.replace(day=1) - timedelta(days=1)).replace(day=1)


def _same_day_last_month(day: date) -> date:
    last_month_end = day.replace(day=1) - timedelta(days=1)
    return last_month_end.replace(day=min(day.day, last_month_end.day))


def _registrations(start: date, end: date) -> tuple[dict[int, int], dict[tuple[int, date], int]]:
    """Registrations per grid before ``start``, and per (grid, day) from ``start`` to ``end``."""
    before: dict[int, int] = defaultdict(int)
    within: dict[tuple[int, date], int] = defaultdict(int)
    refresh_registration_totals()
    # Per-resident registrations (summed by day) and counts a grid reported without names add up.
    for model in (RegistrationDayTotal, GridDailyCount):
        rows = model.objects.order_by()
        for grid_id, n in (
            rows.filter(day__lt=start).values("grid_id").annotate(n=Sum("count")).values_list("grid_id", "n")
        ):
            before[grid_id] += n or 0
        for grid_id, day, n in (
            rows.filter(day__gte=start, day__lte=end)
            .values("grid_id", "day")
            .annotate(n=Sum("count"))
            .values_list("grid_id", "day", "n")
        ):
            within[(grid_id, day)] += n or 0
    return before, within


def _bases(
    grids: Sequence[tuple[int, str, str, int]], days: Sequence[date], config: RankingConfig
) -> dict[tuple[int, date], int]:
    if config.base_kind == "grid_population":
        return {(g[0], d): g[3] for g in grids for d in days}
    first_cutoff = birth_cutoff(min(days), config.min_age)
    last_cutoff = birth_cutoff(max(days), config.min_age)
    fixed: dict[int, int] = dict(
        Resident.objects.filter(Q(birth_date__lte=first_cutoff) | Q(birth_date__isnull=True))
        .order_by()
        .values("grid_id")
        .annotate(n=Count("*"))
        .values_list("grid_id", "n")
    )
    # Residents who reach the minimum age during the span join the base on their birthday.
    coming_of_age: dict[int, list[tuple[date, int]]] = defaultdict(list)
    for grid_id, birth, n in (
        Resident.objects.filter(birth_date__gt=first_cutoff, birth_date__lte=last_cutoff)
        .order_by()
        .values("grid_id", "birth_date")
        .annotate(n=Count("*"))
        .values_list("grid_id", "birth_date", "n")
    ):
        if birth is not None:
            coming_of_age[grid_id].append((birth, n))
    bases: dict[tuple[int, date], int] = {}
    for grid_id, *_ in grids:
        for d in days:
            cutoff = birth_cutoff(d, config.min_age)
            bases[(grid_id, d)] = fixed.get(grid_id, 0) + sum(
                n for birth, n in coming_of_age.get(grid_id, ()) if birth <= cutoff
            )
    return bases


_CLUE_FIELDS = ("due", "in_time", "stopped", "cheated", "unreachable")


def _clue_counts(first: date, end: date) -> dict[tuple[int, date], tuple[int, ...]]:
    """Per (grid, deadline day): clues due, first contacted in time, and outcomes.

    Only deadlines already passed count as due: a clue due this afternoon is not late this morning."""
    until = min(day_start(end + timedelta(days=1)), timezone.now())
    rows = (
        Clue.objects.filter(grid__isnull=False, deadline__gte=day_start(first), deadline__lt=until)
        .exclude(status=Clue.Status.MERGED)
        .annotate(d=TruncDate("deadline", tzinfo=LOCAL))
        .order_by()
        .values("grid_id", "d")
        .annotate(
            due=Count("id"),
            in_time=Count("id", filter=Q(first_contact_at__lte=F("deadline"))),
            stopped=Count("id", filter=Q(outcome=Clue.Outcome.STOPPED)),
            cheated=Count("id", filter=Q(outcome=Clue.Outcome.CHEATED)),
            unreachable=Count("id", filter=Q(outcome=Clue.Outcome.UNREACHABLE)),
        )
    )
    out: dict[tuple[int, date], tuple[int, ...]] = {}
    for r in rows:
        row: dict[str, Any] = dict(r)
        out[(row["grid_id"], row["d"])] = tuple(row[f] for f in _CLUE_FIELDS)
    return out


def _case_counts(first: date, end: date) -> dict[int, dict[date, int]]:
    rows = (
        Case.objects.filter(
            grid__isnull=False,
            reported_at__gte=day_start(first),
            reported_at__lt=day_start(end + timedelta(days=1)),
        )
        .annotate(d=TruncDate("reported_at", tzinfo=LOCAL))
        .order_by()
        .values("grid_id", "d")
        .annotate(n=Count("*"))
        .values_list("grid_id", "d", "n")
    )
    out: dict[int, dict[date, int]] = defaultdict(dict)
    for grid_id, d, n in rows:
        out[grid_id][d] = n
    return out


def _sum_days(per_day: dict[date, int], first: date, last: date) -> int:
    return sum(n for d, n in per_day.items() if first <= d <= last)


def figures_for_days(days: Iterable[date], config: RankingConfig) -> dict[date, list[GridDayFigures]]:
    """Every grid's figures for each of ``days`` (any set of days; queried as one span)."""
    wanted = sorted(set(days))
    if not wanted:
        return {}
    start, end = wanted[0], wanted[-1]
    span = _days_between(start, end)
    grids = list(Grid.objects.order_by("code").values_list("id", "code", "name", "population"))
    before, within = _registrations(start, end)
    bases = _bases(grids, wanted, config)
    window = timedelta(days=config.clue_window_days - 1)
    clues = _clue_counts(start - window, end)
    cases = _case_counts(_previous_month_first(start), end)
    out: dict[date, list[GridDayFigures]] = {d: [] for d in wanted}
    for grid_id, code, name, _population in grids:
        running = before.get(grid_id, 0)
        grid_cases = cases.get(grid_id, {})
        for d in span:
            new = within.get((grid_id, d), 0)
            running += new
            if d not in out:
                continue
            clue_sums = [0] * len(_CLUE_FIELDS)
            for offset in range(config.clue_window_days):
                counts = clues.get((grid_id, d - timedelta(days=offset)))
                if counts:
                    clue_sums = [a + b for a, b in zip(clue_sums, counts, strict=True)]
            out[d].append(
                GridDayFigures(
                    grid=code,
                    name=name,
                    base=bases[(grid_id, d)],
                    registered=running,
                    new_registrations=new,
                    clues_due=clue_sums[0],
                    clues_in_time=clue_sums[1],
                    clues_stopped=clue_sums[2],
                    clues_cheated=clue_sums[3],
                    clues_unreachable=clue_sums[4],
                    cases_this_month=_sum_days(grid_cases, d.replace(day=1), d),
                    cases_last_month_same_period=_sum_days(
                        grid_cases, _previous_month_first(d), _same_day_last_month(d)
                    ),
                )
            )
    return out


def latest_day() -> date:
    """The day pages show by default: the last day with registration data, never after today."""
    return default_end(AppRegistration.objects.order_by("-day").values_list("day", flat=True).first())


def grid_coverage(
    grid_codes: Iterable[str] | None = None, day: date | None = None, config: RankingConfig | None = None
) -> list[GridDayFigures]:
    """Each grid's app coverage on ``day`` (default :func:`latest_day`) by the ranking's one
    definition (:func:`fanzha.domain.ranking.coverage_definition`), lowest coverage first."""
    config = config or current_config()
    day = day or latest_day()
    rows = figures_for_days([day], config)[day]
    if grid_codes is not None:
        wanted = set(grid_codes)
        rows = [r for r in rows if r.grid in wanted]
    return sorted(rows, key=lambda r: (r.coverage, r.grid))


def daily_ranking(day: date, config: RankingConfig | None = None) -> list[GridRanking]:
    """The day's ranking of all grids (best first), with rank change against the day before."""
    config = config or current_config()
    previous = day - timedelta(days=1)
    figures = figures_for_days([previous, day], config)
    return rank_grids(figures[day], figures[previous], config)


def ranking_history(
    start: date, end: date, config: RankingConfig | None = None
) -> dict[date, list[GridRanking]]:
    """The ranking of every day from ``start`` to ``end`` (inclusive), from one set of queries."""
    config = config or current_config()
    days = _days_between(start - timedelta(days=1), end)
    figures = figures_for_days(days, config)
    return {d: rank_grids(figures[d], figures[d - timedelta(days=1)], config) for d in days[1:]}


def coverage_by_age_band(
    day: date, grid_ids: Iterable[int] | None = None, config: RankingConfig | None = None
) -> dict[str, list[BandCoverage]]:
    """Per grid code: residents and registered residents in each age band on ``day``.

    Only per-person registrations carry an age; per-grid counts are not split by band."""
    config = config or current_config()

    def band_filters(prefix: str) -> dict[str, Count]:
        out = {}
        for i, band in enumerate(config.age_bands):
            q = Q(**{f"{prefix}birth_date__lte": birth_cutoff(day, band.min_age)})
            if band.max_age is not None:
                q &= Q(**{f"{prefix}birth_date__gt": birth_cutoff(day, band.max_age + 1)})
            out[f"b{i}"] = Count("id", filter=q)
        return out

    residents = Resident.objects.all()
    registered = AppRegistration.objects.filter(day__lte=day, resident__isnull=False)
    if grid_ids is not None:
        ids = list(grid_ids)
        residents = residents.filter(grid_id__in=ids)
        registered = registered.filter(grid_id__in=ids)
    base_rows: dict[int, dict[str, Any]] = {
        r["grid_id"]: dict(r) for r in residents.order_by().values("grid_id").annotate(**band_filters(""))
    }
    reg_rows: dict[int, dict[str, Any]] = {
        r["grid_id"]: dict(r)
        for r in registered.order_by().values("grid_id").annotate(**band_filters("resident__"))
    }
    codes = dict(Grid.objects.values_list("id", "code"))
    out: dict[str, list[BandCoverage]] = {}
    for grid_id, base in sorted(base_rows.items(), key=lambda kv: codes[kv[0]]):
        reg: dict[str, Any] = reg_rows.get(grid_id, {})
        out[codes[grid_id]] = [
            BandCoverage(band.label, reg.get(f"b{i}", 0), base[f"b{i}"])
            for i, band in enumerate(config.age_bands)
        ]
    return out
