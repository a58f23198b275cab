"""The synthetic county: one station, its communities, grids, people and three years of work.

``generate_county(seed, scale, end_date)`` builds everything small in memory and keeps the
large tables (residents, households, registrations) as streams. Every table draws from its
own seeded generator, so adding a field to one table never changes another.

Scale rule: scale S multiplies residents (60,000·S), cases, clues, statements and
registrations; grids are 24·S (at least 24, at most 1,000), communities about a quarter of
the grids (at least 6), officers one per three grids.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np

from fanzha.generator import cases as case_gen
from fanzha.generator.catalog import load_generator_data
from fanzha.generator.clues import generate_clues
from fanzha.generator.handling import handling_summary, simulate_handling
from fanzha.generator.outreach import generate_outreach
from fanzha.generator.people import (
    GridPlan,
    ResidentFactory,
    build_demographics,
    grid_records,
    plan_communities,
    plan_grids,
    plan_users,
)
from fanzha.generator.records import (
    CaseRecord,
    ClueHandlingRecord,
    ClueRecord,
    CommunityRecord,
    GridRecord,
    HouseholdRecord,
    MonthlyCrimeTotalRecord,
    OutreachEventRecord,
    RegistrationRecord,
    ResidentRecord,
    UserRecord,
)
from fanzha.generator.registrations import GridCoverage, iter_registrations, plan_coverage, registration_total
from fanzha.generator.reminders import GeneratedReminders, generate_reminders
from fanzha.generator.statements import (
    ChainBuilder,
    MuleChain,
    describe_chain_files,
    select_traced_cases,
    write_chain_files,
)

DEFAULT_END_DATE = date(2026, 10, 31)
FRAUD_SHARE_OF_CRIME = 0.40


@dataclass
class County:
    seed: int
    scale: float
    end_date: date
    campaign_start: date
    station_name: str
    communities: list[CommunityRecord]
    grids: list[GridRecord]
    users: list[UserRecord]
    cases: list[CaseRecord]
    clues: list[ClueRecord]
    outreach_events: list[OutreachEventRecord]
    monthly_crime_totals: list[MonthlyCrimeTotalRecord]
    linked_groups: list[case_gen.LinkedGroup]
    coverage: list[GridCoverage]
    _factory: ResidentFactory
    _grid_plans: list[GridPlan]
    _chains: list[MuleChain] | None = None
    # What the station did with each clue dispatched to an officer (see generator/handling.py).
    clue_handling: list[ClueHandlingRecord] = field(default_factory=list)
    # Warning-reminder campaigns with a known effect (see generator/reminders.py).
    reminders: GeneratedReminders | None = None

    @property
    def resident_count(self) -> int:
        return self._factory.size

    def resident(self, resident_id: int) -> ResidentRecord:
        """Any resident by id, in O(1) (ids run from 1 to ``resident_count``)."""
        return self._factory.resident(resident_id - 1)

    def iter_residents(self, batch_size: int = 10_000) -> Iterator[list[ResidentRecord]]:
        """All residents in id order, ``batch_size`` at a time; identical for any batch size."""
        return self._factory.iter_residents(batch_size)

    def iter_households(self, batch_size: int = 10_000) -> Iterator[list[HouseholdRecord]]:
        return self._factory.iter_households(batch_size)

    @cached_property
    def households(self) -> list[HouseholdRecord]:
        """All households materialised (fine at scale 1; use ``iter_households`` at large scales)."""
        return [h for batch in self.iter_households() for h in batch]

    def iter_registrations(self, batch_size: int = 10_000) -> Iterator[list[RegistrationRecord]]:
        """App registrations in day order, ``batch_size`` at a time."""
        return iter_registrations(
            self.seed, self._grid_plans, self.coverage, self._factory, self.end_date, batch_size
        )

    @property
    def registrations(self) -> Iterator[RegistrationRecord]:
        """All registrations as one flat stream."""
        return (r for batch in self.iter_registrations() for r in batch)

    @property
    def household_count(self) -> int:
        return len(self._factory.demo.household_grid)

    @property
    def registration_count(self) -> int:
        return registration_total(self.coverage)

    def mule_chains(self) -> list[MuleChain]:
        """Money chains of the traced cases (built on first use)."""
        if self._chains is None:
            shared = {g.value for g in self.linked_groups if g.kind == "bank_account"}
            builder = ChainBuilder(self.seed)
            traced = select_traced_cases(self.seed, self.cases, shared)
            self._chains = [builder.build(c, self.resident(c.victim_resident_id).name) for c in traced]
        return self._chains

    def write_statements(self, directory: Path) -> list[Path]:
        """Write the statement files of every traced case into ``directory``."""
        directory.mkdir(parents=True, exist_ok=True)
        paths: list[Path] = []
        for chain in self.mule_chains():
            paths.extend(directory / f["path"] for f in write_chain_files(chain, directory))
        return paths

    def truth(self) -> dict[str, Any]:
        """The manifest (``county.json``): every parameter used and the true answers."""
        cat = load_generator_data("categories")
        start = case_gen.window_start(self.end_date)
        years: list[dict[str, Any]] = []
        for y in range(3):
            lo = case_gen.add_months(start, 12 * y)
            hi = case_gen.add_months(start, 12 * (y + 1))
            in_year = [c for c in self.cases if lo <= c.occurred_at.date() < hi]
            inv = sum(1 for c in in_year if c.category == cat["investment_category"])
            years.append(
                {
                    "from": lo.isoformat(),
                    "to": hi.isoformat(),
                    "cases": len(in_year),
                    "target_share": cat["investment_share_by_year"][y],
                    "realised_share": round(inv / len(in_year), 4) if in_year else None,
                }
            )
        schedule = []
        month = start
        while month <= self.end_date:
            schedule.append(
                {
                    "month": month.isoformat(),
                    "rate_scale1": case_gen.monthly_rate(month, start, self.campaign_start),
                    "cases": sum(
                        1
                        for c in self.cases
                        if (c.occurred_at.year, c.occurred_at.month) == (month.year, month.month)
                    ),
                }
            )
            month = case_gen.add_months(month, 1)
        counts = Counter(c.category for c in self.cases)
        chains = self.mule_chains()
        return {
            "seed": self.seed,
            "scale": self.scale,
            "end_date": self.end_date.isoformat(),
            "window_start": start.isoformat(),
            "station_name": self.station_name,
            "campaign_start": self.campaign_start.isoformat(),
            "monthly_rate_before": case_gen.RATE_BEFORE * self.scale,
            "monthly_rate_after": case_gen.RATE_AFTER * self.scale,
            "monthly_rate_before_scale1": case_gen.RATE_BEFORE,
            "monthly_rate_after_scale1": case_gen.RATE_AFTER,
            "surge_months_before_campaign": case_gen.SURGE_MONTHS,
            "monthly_rate_note": (
                f"Poisson process per calendar month. Scale-1 rates: year 1 {case_gen.RATE_YEAR1}/month, "
                f"year 2 {case_gen.RATE_YEAR2}/month, the {case_gen.SURGE_MONTHS} months before the campaign "
                f"{case_gen.RATE_BEFORE}/month, from the campaign on {case_gen.RATE_AFTER}/month; all times scale."
            ),
            "monthly_rate_schedule": schedule,
            "investment_share_by_year": years,
            "category_base_shares": {k: v["share"] for k, v in cat["categories"].items()},
            "category_shares": {k: round(v / len(self.cases), 4) for k, v in counts.most_common()}
            if self.cases
            else {},
            "linked_case_groups": [
                {"kind": g.kind, "value": g.value, "case_nos": list(g.case_nos)} for g in self.linked_groups
            ],
            "loss_mismatch_cases": [
                c.case_no for c in self.cases if not c.loss_matches_transfers and not c.loss_is_approximate
            ],
            "grid_target_coverage": {
                c.grid_code: {
                    "target": c.target_coverage,
                    "registrations": c.target_count,
                    "laggard": c.laggard,
                }
                for c in self.coverage
            },
            "mule_chains": [ch.truth() for ch in chains],
            "statement_files": [f for ch in chains for f in describe_chain_files(ch)],
            "clue_handling": handling_summary(self.clue_handling),
            "fraud_share_of_crime": FRAUD_SHARE_OF_CRIME,
            **self._reminder_truth(),
            "rows": {
                "communities": len(self.communities),
                "grids": len(self.grids),
                "users": len(self.users),
                "households": self.household_count,
                "residents": self.resident_count,
                "cases": len(self.cases),
                "clues": len(self.clues),
                "registrations": self.registration_count,
                "outreach_events": len(self.outreach_events),
                "monthly_crime_totals": len(self.monthly_crime_totals),
                "traced_cases": len(chains),
                "mule_accounts": sum(len(ch.accounts) for ch in chains),
                "clue_handling": len(self.clue_handling),
                "dissuasion_actions": sum(len(h.actions) for h in self.clue_handling),
                "reminder_campaigns": len(self.reminders.campaigns) if self.reminders else 0,
                "reminder_recipients": sum(len(c.recipients) for c in self.reminders.campaigns)
                if self.reminders
                else 0,
            },
        }

    def _reminder_truth(self) -> dict[str, Any]:
        if self.reminders is None:
            return {}
        params = self.reminders.parameters
        return {
            "reminder_true_ratio": params.true_ratio,
            "reminder_follow_up_days": self.reminders.follow_up_days,
            "reminder_reach_probability": round(params.reach_probability, 4),
            "reminder_note": (
                "Rate of being cheated (a case occurring 1 to reminder_follow_up_days days after a campaign) "
                "among the residents a campaign reached, over the rate had they not been reached; reach is "
                "random with reminder_reach_probability among the rest of the audience (held out or failed)."
            ),
            "reminder_campaigns": self.reminders.truth,
            "reminder_opt_outs": len(self.reminders.opt_outs),
        }

    def write_truth(self, path: Path) -> None:
        path.write_text(json.dumps(self.truth(), ensure_ascii=False, indent=1, default=str), encoding="utf-8")


def _monthly_totals(
    seed: int, scale: float, cases: list[CaseRecord], end_date: date, campaign_start: date
) -> list[MonthlyCrimeTotalRecord]:
    rng = np.random.default_rng([seed, 404])
    start = case_gen.window_start(end_date)
    per_month = Counter((c.occurred_at.year, c.occurred_at.month) for c in cases)
    out = []
    month = start
    while month <= end_date:
        fraud = per_month.get((month.year, month.month), 0)
        expected = case_gen.monthly_rate(month, start, campaign_start) * scale
        other = int(rng.poisson(expected * (1 - FRAUD_SHARE_OF_CRIME) / FRAUD_SHARE_OF_CRIME))
        out.append(MonthlyCrimeTotalRecord(month, fraud + other, fraud))
        month = case_gen.add_months(month, 1)
    return out


def generate_county(
    seed: int, scale: float = 1.0, end_date: date = DEFAULT_END_DATE, campaign_start: date | None = None
) -> County:
    """Build the county for ``seed``; same arguments give the same county on any machine."""
    if scale <= 0:
        raise ValueError("scale must be positive")
    county_data = load_generator_data("county")
    campaign = campaign_start or case_gen.default_campaign_start(end_date)
    plans = plan_grids(seed, scale)
    users = plan_users(seed, plans)
    communities = [c for c, _ in plan_communities(seed, len(plans))]
    demo, plans = build_demographics(seed, plans, end_date)
    factory = ResidentFactory(seed, plans, demo, county_data["county_name"])
    cases, groups = case_gen.generate_cases(
        seed, scale, end_date, campaign, factory, county_data["native_area_codes"][0]
    )
    clues = generate_clues(seed, scale, end_date, factory, cases)
    recent = [c.category for c in cases if (end_date - c.occurred_at.date()).days < 365]
    rising = [k for k, _ in Counter(recent).most_common(3)]
    outreach = generate_outreach(seed, plans, end_date, campaign, rising)
    grids = grid_records(plans, users)
    coverage = plan_coverage(seed, plans, factory, end_date)
    handling = simulate_handling(
        seed,
        end_date,
        clues,
        cases,
        factory,
        grids,
        {c.grid_code for c in coverage if c.laggard},
        [u.username for u in users if u.role == "command_room"],
    )
    reminders = generate_reminders(seed, end_date, plans, factory, cases, users, county_data["station_name"])
    return County(
        seed=seed,
        scale=scale,
        end_date=end_date,
        campaign_start=campaign,
        station_name=county_data["station_name"],
        communities=communities,
        grids=grids,
        users=users,
        cases=cases,
        clues=clues,
        outreach_events=outreach,
        monthly_crime_totals=_monthly_totals(seed, scale, cases, end_date, campaign),
        linked_groups=groups,
        coverage=coverage,
        _factory=factory,
        _grid_plans=plans,
        clue_handling=handling,
        reminders=reminders,
    )
