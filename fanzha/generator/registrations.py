"""Daily registrations of the national anti-fraud app, per grid, over the last months.

Each grid climbs along its own saturating curve towards its own target coverage (share of
the grid's population); a few grids lag far behind. Who registers is an affine permutation
of the grid's residents (children under 12 skipped), so the stream needs no per-resident
memory and is identical however it is batched.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta

from fanzha.generator.people import GridPlan, ResidentFactory
from fanzha.generator.records import RegistrationRecord

REGISTRATION_WINDOW_DAYS = 183
LAGGARD_SHARE = 0.2
MIN_AGE_DAYS = 12 * 365


@dataclass(frozen=True, slots=True)
class GridCoverage:
    grid_code: str
    target_coverage: float
    target_count: int
    steepness: float
    laggard: bool


def plan_coverage(
    seed: int, grids: list[GridPlan], factory: ResidentFactory, end_date: date
) -> list[GridCoverage]:
    rng = random.Random(f"{seed}:coverage")
    end_ord = end_date.toordinal()
    out: list[GridCoverage] = []
    for gp in grids:
        laggard = rng.random() < LAGGARD_SHARE
        target = rng.uniform(0.12, 0.28) if laggard else rng.uniform(0.45, 0.78)
        births = factory.demo.birth_ord[gp.first_resident : gp.first_resident + gp.population]
        eligible = int((births <= end_ord - MIN_AGE_DAYS - REGISTRATION_WINDOW_DAYS).sum())
        count = min(round(target * gp.population), int(eligible * 0.95))
        out.append(GridCoverage(gp.code, round(target, 4), count, rng.uniform(0.5, 4.0), laggard))
    return out


def _cumulative(day: int, total_days: int, steepness: float, count: int) -> int:
    x = day / total_days
    return int(count * (1 - math.exp(-steepness * x)) / (1 - math.exp(-steepness)))


def _multiplier(n: int, rng: random.Random) -> int:
    if n <= 1:
        return 1
    while True:
        a = rng.randrange(1, n)
        if math.gcd(a, n) == 1:
            return a


def iter_registrations(
    seed: int,
    grids: list[GridPlan],
    coverage: list[GridCoverage],
    factory: ResidentFactory,
    end_date: date,
    batch_size: int,
) -> Iterator[list[RegistrationRecord]]:
    """Registrations in day order (then grid order)."""
    rng = random.Random(f"{seed}:registration-order")
    first = end_date - timedelta(days=REGISTRATION_WINDOW_DAYS - 1)
    birth = factory.demo.birth_ord
    state = []
    for gp in grids:
        state.append([_multiplier(gp.population, rng), rng.randrange(max(1, gp.population)), 0])
    batch: list[RegistrationRecord] = []
    for d in range(REGISTRATION_WINDOW_DAYS):
        day = first + timedelta(days=d)
        limit = day.toordinal() - MIN_AGE_DAYS
        for gp, cov, st in zip(grids, coverage, state, strict=True):
            want = _cumulative(
                d + 1, REGISTRATION_WINDOW_DAYS, cov.steepness, cov.target_count
            ) - _cumulative(d, REGISTRATION_WINDOW_DAYS, cov.steepness, cov.target_count)
            a, b, pos = st
            while want > 0 and pos < gp.population:
                i = gp.first_resident + (a * pos + b) % gp.population
                pos += 1
                if birth[i] <= limit:
                    batch.append(RegistrationRecord(day, i + 1, gp.code))
                    want -= 1
                    if len(batch) >= batch_size:
                        yield batch
                        batch = []
            st[2] = pos
    if batch:
        yield batch


def registration_total(coverage: list[GridCoverage]) -> int:
    return sum(
        _cumulative(REGISTRATION_WINDOW_DAYS, REGISTRATION_WINDOW_DAYS, c.steepness, c.target_count)
        for c in coverage
    )
