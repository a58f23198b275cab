"""Three years of reported cases: timing, type mix, victims, stories, shared identifiers.

Case times follow a Poisson process with a monthly rate schedule (see :func:`monthly_rate`):
the field report's figures (49 cases in a year, up 21 %; about 10 a month before the
propaganda campaign and about 4 after) are reconciled by a quiet first two years (3.3 and
4.1 a month), a surge to 10 a month in the four months before the campaign, and 4 a month
after it. The investment share grows linearly in time from year 1 to year 3.
"""

from __future__ import annotations

import random
from bisect import bisect_right
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from itertools import accumulate
from typing import Any

import numpy as np

from fanzha.generator.catalog import load_generator_data
from fanzha.generator.fraud_identifiers import FraudIdentifierMaker
from fanzha.generator.narratives import StoryComposer
from fanzha.generator.people import ResidentFactory
from fanzha.generator.records import CaseRecord

RATE_YEAR1 = 3.3
RATE_YEAR2 = 4.1
RATE_BEFORE = 10.0
RATE_AFTER = 4.0
SURGE_MONTHS = 4
LINKED_GROUP_SHARE = 0.04
LINK_KINDS: tuple[tuple[str, float], ...] = (
    ("bank_account", 5),
    ("phone", 2.5),
    ("app", 1),
    ("platform", 0.5),
    ("wechat", 0.5),
    ("qq", 0.5),
)
HOUR_WEIGHTS = (
    0.2,
    0.1,
    0.1,
    0.1,
    0.1,
    0.2,
    0.4,
    0.8,
    1.2,
    1.5,
    1.6,
    1.4,
    1.1,
    1.2,
    1.4,
    1.5,
    1.4,
    1.2,
    1.0,
    1.1,
    1.2,
    1.1,
    0.8,
    0.4,
)


def add_months(d: date, months: int) -> date:
    m = d.month - 1 + months
    return date(d.year + m // 12, m % 12 + 1, 1)


def window_start(end_date: date) -> date:
    """First day of the three-year case window ending on ``end_date``."""
    return add_months(date(end_date.year, end_date.month, 1), -35)


def default_campaign_start(end_date: date) -> date:
    """First day of the month eight months (inclusive of the last) before the window ends."""
    return add_months(date(end_date.year, end_date.month, 1), -7)


def monthly_rate(month: date, start: date, campaign_start: date) -> float:
    """Expected cases per month at scale 1."""
    if month >= campaign_start:
        return RATE_AFTER
    if month >= add_months(campaign_start, -SURGE_MONTHS):
        return RATE_BEFORE
    return RATE_YEAR1 if month < add_months(start, 12) else RATE_YEAR2


def investment_share(at: date, start: date, shares: list[float]) -> float:
    """Linear in time through the middle of each year (15 % -> 32 % by default)."""
    years = (at - start).days / 365.25
    x = min(max(years - 0.5, 0.0), 2.0)
    i = min(int(x), 1)
    return shares[i] + (shares[i + 1] - shares[i]) * (x - i)


@dataclass(frozen=True, slots=True)
class LinkedGroup:
    kind: str
    value: str
    case_nos: tuple[str, ...]


class VictimPicker:
    """Rejection-samples residents against a category's age/sex/occupation profile."""

    def __init__(self, factory: ResidentFactory) -> None:
        self.factory = factory
        self.occ_names = factory.occupation_names
        self.size = factory.size

    def pick(self, rng: random.Random, spec: dict[str, Any], at: date) -> int:
        d = self.factory.demo
        ages: list[list[float]] = spec["ages"]
        female = float(spec["female"])
        boosts: dict[str, float] = spec["occupations"]
        wmax = max(a[2] for a in ages) * max(female, 1 - female) * max([1.0, *boosts.values()])
        at_ord = at.toordinal()
        best = 0
        for _ in range(2000):
            i = rng.randrange(self.size)
            age = (at_ord - int(d.birth_ord[i])) / 365.2425
            aw = 0.0
            for lo, hi, w in ages:
                if lo <= age < hi + 1:
                    aw = w
                    break
            if aw == 0.0:
                continue
            best = i
            sw = (1 - female) if d.male[i] else female
            ow = boosts.get(self.occ_names[int(d.occupation[i])], 1.0)
            if rng.random() * wmax < aw * sw * ow:
                return i
        return best


@dataclass(frozen=True, slots=True)
class CasePlan:
    occurred_at: datetime
    category: str
    victim_index: int


def plan_case_times(seed: int, scale: float, end_date: date, campaign_start: date) -> list[datetime]:
    start = window_start(end_date)
    rng = np.random.default_rng([seed, 101])
    hours = list(accumulate(HOUR_WEIGHTS))
    prng = random.Random(f"{seed}:case-times")
    times: list[datetime] = []
    month = start
    while month <= end_date:
        nxt = add_months(month, 1)
        last = min(nxt, end_date + timedelta(days=1))
        days = (last - month).days
        full_days = (nxt - month).days
        lam = monthly_rate(month, start, campaign_start) * scale * days / full_days
        count = int(rng.poisson(lam))
        for _ in range(count):
            day = month + timedelta(days=prng.randrange(days))
            hour = bisect_right(hours, prng.random() * hours[-1])
            times.append(datetime(day.year, day.month, day.day, hour, prng.randrange(60)))
        month = nxt
    times.sort()
    return times


def generate_cases(
    seed: int,
    scale: float,
    end_date: date,
    campaign_start: date,
    factory: ResidentFactory,
    area_code: str,
) -> tuple[list[CaseRecord], list[LinkedGroup]]:
    cat = load_generator_data("categories")
    specs: dict[str, Any] = cat["categories"]
    investment = cat["investment_category"]
    others = [c for c in specs if c != investment]
    other_w = [specs[c]["share"] for c in others]
    shares = cat["investment_share_by_year"]
    start = window_start(end_date)
    times = plan_case_times(seed, scale, end_date, campaign_start)
    rng = random.Random(f"{seed}:cases")
    picker = VictimPicker(factory)
    plans: list[CasePlan] = []
    for at in times:
        if rng.random() < investment_share(at.date(), start, shares):
            category = investment
        else:
            category = rng.choices(others, other_w)[0]
        plans.append(CasePlan(at, category, picker.pick(rng, specs[category], at.date())))

    link_rng = random.Random(f"{seed}:links")
    makers = FraudIdentifierMaker()
    forced: list[dict[str, str]] = [{} for _ in plans]
    groups_idx: list[tuple[str, str, list[int]]] = []
    free = set(range(len(plans)))
    n_groups = round(len(plans) * LINKED_GROUP_SHARE)
    kinds = [k for k, _ in LINK_KINDS]
    kind_w = [w for _, w in LINK_KINDS]
    for _ in range(n_groups):
        if len(free) < 2:
            break
        anchor = link_rng.choice(sorted(free))
        size = link_rng.choice((2, 2, 3, 3, 4))
        near = [
            j for j in sorted(free)
            if j != anchor and abs((plans[j].occurred_at - plans[anchor].occurred_at).days) <= 120
        ]  # fmt: skip
        if not near:
            continue
        members = [anchor, *link_rng.sample(near, min(size - 1, len(near)))]
        kind = link_rng.choices(kinds, kind_w)[0]
        value = makers.make(kind, link_rng)
        for j in members:
            forced[j][kind] = value
            free.discard(j)
        groups_idx.append((kind, value, sorted(members)))

    composer = StoryComposer()
    month_seq: dict[tuple[int, int], int] = {}
    cases: list[CaseRecord] = []
    for k, plan in enumerate(plans):
        crng = random.Random(f"{seed}:case:{k}")
        res = factory.resident(plan.victim_index)
        story = composer.compose(crng, plan.category, res.name, plan.occurred_at, forced[k])
        last = story.transfers[-1].at if story.transfers else plan.occurred_at
        reported = last + timedelta(minutes=int(crng.expovariate(1 / 600)) + 20)
        if crng.random() < 0.15:
            reported += timedelta(days=crng.randrange(1, 20))
        key = (reported.year, reported.month)
        month_seq[key] = month_seq.get(key, 0) + 1
        case_no = f"A{area_code}{reported.year}{reported.month:02d}{month_seq[key]:05d}"
        linked = bool(forced[k])
        solved = crng.random() < (0.45 if linked else 0.22)
        recovered = 0
        if solved or crng.random() < 0.1:
            recovered = int(sum(t.amount_fen for t in story.transfers) * crng.uniform(0.05, 0.6)) // 100 * 100
        cases.append(
            CaseRecord(
                case_no=case_no,
                reported_at=reported,
                occurred_at=plan.occurred_at,
                grid_code=res.grid_code,
                victim_resident_id=res.id,
                category=plan.category,
                lure=story.lure,
                channel=story.channel,
                narrative=story.narrative,
                loss_fen=story.loss_fen,
                transfers=story.transfers,
                identifiers=story.identifiers,
                solved=solved,
                recovered_fen=recovered,
                victim_alias=story.victim_alias,
                loss_text=story.loss_text,
                loss_is_approximate=story.loss_is_approximate,
                loss_matches_transfers=story.loss_matches_transfers,
                transfers_listed_in_narrative=story.transfers_listed,
                narrative_identifiers=story.narrative_identifiers,
            )
        )
    groups = [
        LinkedGroup(kind, value, tuple(cases[j].case_no for j in members))
        for kind, value, members in groups_idx
    ]
    return cases, groups
