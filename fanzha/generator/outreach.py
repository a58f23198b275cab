"""Outreach events per grid over the window, denser around the propaganda campaign."""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any

import numpy as np

from fanzha.generator.cases import add_months, window_start
from fanzha.generator.catalog import load_generator_data
from fanzha.generator.people import GridPlan
from fanzha.generator.records import OutreachEventRecord

EVENTS_PER_GRID_MONTH = 0.7


def campaign_multiplier(month: date, campaign_start: date) -> float:
    """Three times the usual rate in the campaign's first month and the one before, then easing."""
    if month in (add_months(campaign_start, -1), campaign_start):
        return 3.0
    if add_months(campaign_start, 1) <= month <= add_months(campaign_start, 2):
        return 2.0
    if month > campaign_start:
        return 1.3
    return 1.0


def generate_outreach(
    seed: int, grids: list[GridPlan], end_date: date, campaign_start: date, rising: list[str]
) -> list[OutreachEventRecord]:
    data: dict[str, Any] = load_generator_data("streams")
    categories = list(load_generator_data("categories")["categories"])
    rng = random.Random(f"{seed}:outreach")
    nrng = np.random.default_rng([seed, 303])
    venues = [v for v, _ in data["venue_types"]]
    base_w = {v: float(w) for v, w in data["venue_types"]}
    out: list[OutreachEventRecord] = []
    month = window_start(end_date)
    while month <= end_date:
        nxt = add_months(month, 1)
        days = (min(nxt, end_date + timedelta(days=1)) - month).days
        lam = EVENTS_PER_GRID_MONTH * campaign_multiplier(month, campaign_start) * days / (nxt - month).days
        counts = nrng.poisson(lam, len(grids))
        for gp, count in zip(grids, counts, strict=True):
            adj = data["venue_weight_factors"]["rural" if gp.rural else "urban"]
            weights = [base_w[v] * adj.get(v, 1.0) for v in venues]
            for _ in range(int(count)):
                venue = rng.choices(venues, weights)[0]
                lo, hi = data["audience"][venue]
                topics = [rng.choice(rising)] if rising and rng.random() < 0.6 else []
                while len(topics) < rng.choice((1, 1, 2, 3)):
                    c = rng.choice(categories)
                    if c not in topics:
                        topics.append(c)
                topic = topics[0].split("（")[0].rstrip("类")
                title = rng.choice(data["title_patterns"]).format(
                    venue=venue, topic=topic, community=gp.community_name
                )
                out.append(
                    OutreachEventRecord(
                        day=month + timedelta(days=rng.randrange(days)),
                        grid_code=gp.code,
                        venue_type=venue,
                        method=rng.choice(data["methods"][venue]),
                        audience=rng.randrange(lo, hi + 1),
                        categories=tuple(topics),
                        title=title,
                    )
                )
        month = nxt
    out.sort(key=lambda e: (e.day, e.grid_code))
    return out
