"""Warning-reminder campaigns (防骗提醒) with a known effect.

Twice a month over the last months of the window the command room reminds one group of grids
(the groups take turns, so one resident's follow-ups do not overlap) about the county's most
frequent category of the 90 days before, with the segment that category's victim profile
(``categories.json``) says is most at risk: the age bands where most of its victims are, and the
sex when it is lopsided. The texts are filled by :mod:`fanzha.domain.reminder_text` from the
cases before the campaign, as the workbench would fill them.

The effect is built in without touching the cases, which were drawn before: a reminder
multiplies the rate of being cheated in its follow-up by ``true_ratio`` if reach is random with
probability p and the reached are cheated r times as often. Given who was in fact cheated, that
is the same as reaching everyone else with probability p and those cheated during the
follow-up with p·r / (p·r + 1 − p) — the odds of reach among them are r times the odds among
the rest, so the rate ratio a comparison inside each campaign recovers is r. Those not reached
were held out at random or their message failed, both random here, so they are comparable.

Deterministic for a seed: its own streams (``{seed}:reminders``, numpy ``[seed, 505]``), drawn
after everything else, so no other table changes.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import numpy as np

from fanzha.domain import reminder_audience as audience
from fanzha.domain import reminder_text, stats
from fanzha.domain.reminder_effect import follow_up_window
from fanzha.generator.cases import add_months
from fanzha.generator.catalog import load_generator_data
from fanzha.generator.people import GridPlan, ResidentFactory
from fanzha.generator.records import CaseRecord, ReminderCampaignRecord, ReminderOptOutRecord, UserRecord

SCRIPT_KINDS = ("platform", "app")


@dataclass(frozen=True)
class ReminderParameters:
    true_ratio: float
    months: int
    days_of_month: tuple[int, ...]
    grid_groups: int
    holdout_share: float
    failed_share: float
    opt_out_share: float
    band_overlap: float
    sex_threshold: float
    created_by_role: str

    @property
    def reach_probability(self) -> float:
        return (1 - self.holdout_share) * (1 - self.failed_share)

    @property
    def victim_reach_probability(self) -> float:
        p, r = self.reach_probability, self.true_ratio
        return p * r / (p * r + 1 - p)


def load_parameters() -> ReminderParameters:
    raw: dict[str, Any] = load_generator_data("streams")["reminders"]
    return ReminderParameters(
        true_ratio=float(raw["true_ratio"]),
        months=int(raw["months"]),
        days_of_month=tuple(int(d) for d in raw["days_of_month"]),
        grid_groups=int(raw["grid_groups"]),
        holdout_share=float(raw["holdout_share"]),
        failed_share=float(raw["failed_share"]),
        opt_out_share=float(raw["opt_out_share"]),
        band_overlap=float(raw["band_overlap"]),
        sex_threshold=float(raw["sex_threshold"]),
        created_by_role=str(raw["created_by_role"]),
    )


@dataclass(frozen=True)
class GeneratedReminders:
    campaigns: list[ReminderCampaignRecord]
    opt_outs: list[ReminderOptOutRecord]
    parameters: ReminderParameters
    follow_up_days: int
    truth: list[dict[str, Any]]


def campaign_days(end_date: date, params: ReminderParameters) -> list[date]:
    first_month = add_months(date(end_date.year, end_date.month, 1), -params.months)
    days: list[date] = []
    month = first_month
    while month <= end_date:
        days += [month.replace(day=d) for d in params.days_of_month if month.replace(day=d) < end_date]
        month = add_months(month, 1)
    return days


def segment_of(spec: dict[str, Any], params: ReminderParameters) -> tuple[tuple[str, ...], str]:
    """The age bands holding the category's main victim ages, and the sex when lopsided."""
    ranges: list[list[float]] = spec["ages"]
    top = max(w for _, _, w in ranges)
    main = [(lo, hi) for lo, hi, w in ranges if w >= top / 2]
    bands: list[str] = []
    for name, low, high in stats.age_bands().bands:
        high = min(high, 100)
        overlap = sum(max(0, min(high, hi) - max(low, lo) + 1) for lo, hi in main)
        if overlap >= params.band_overlap * (high - low + 1):
            bands.append(name)
    female = float(spec["female"])
    sex = "女" if female >= params.sex_threshold else "男" if female <= 1 - params.sex_threshold else ""
    return tuple(bands), sex


def _case_facts(case: CaseRecord) -> reminder_text.CaseFacts:
    return reminder_text.CaseFacts(
        category=case.category,
        at=case.occurred_at,
        lure=case.lure or "",
        channel=case.channel,
        platforms=tuple(i.value for i in case.identifiers if i.kind in SCRIPT_KINDS),
        transfers_fen=tuple(t.amount_fen for t in case.transfers),
    )


def generate_reminders(
    seed: int,
    end_date: date,
    grids: Sequence[GridPlan],
    factory: ResidentFactory,
    cases: Sequence[CaseRecord],
    users: Sequence[UserRecord],
    station_name: str,
) -> GeneratedReminders:
    params = load_parameters()
    settings = audience.load_settings()
    follow_up = settings.follow_up_days
    rng = random.Random(f"{seed}:reminders")
    nrng = np.random.default_rng([seed, 505])
    days = campaign_days(end_date, params)
    categories: dict[str, Any] = load_generator_data("categories")["categories"]
    creator = next((u.username for u in users if u.role == params.created_by_role), "")
    signature = reminder_text.signature_for(settings.signature, station_name)

    order = list(range(len(grids)))
    rng.shuffle(order)
    groups = [
        sorted(grids[i].code for i in order[g :: params.grid_groups]) for g in range(params.grid_groups)
    ]
    group_of_grid = np.zeros(len(grids), dtype=np.int16)
    for g, codes in enumerate(groups):
        for code in codes:
            group_of_grid[next(i for i, gp in enumerate(grids) if gp.code == code)] = g

    demo = factory.demo
    resident_group = group_of_grid[demo.grid.astype(np.int64)]

    # Opt-outs: a few residents at random days over the campaigns' span.
    first_day = days[0] if days else end_date
    span = max(1, (end_date - first_day).days)
    n_opt = round(factory.size * params.opt_out_share)
    opt_index = sorted(rng.sample(range(factory.size), n_opt)) if n_opt else []
    opt_day = {i: first_day + timedelta(days=rng.randrange(span)) for i in opt_index}
    opt_outs = [ReminderOptOutRecord(factory.phone_of(i), opt_day[i]) for i in opt_index]

    facts = [_case_facts(c) for c in cases]
    victim_days: dict[int, list[date]] = {}
    for c in cases:
        victim_days.setdefault(c.victim_resident_id - 1, []).append(c.occurred_at.date())

    campaigns: list[ReminderCampaignRecord] = []
    truth: list[dict[str, Any]] = []
    p, q = params.reach_probability, params.victim_reach_probability
    held_given_missed = params.holdout_share / (
        params.holdout_share + (1 - params.holdout_share) * params.failed_share
    )
    for k, day in enumerate(days):
        group = k % params.grid_groups
        before = Counter(
            c.category
            for c in cases
            if day - timedelta(days=settings.script_days) <= c.occurred_at.date() < day
        )
        # Ties go to the category that is more common in general.
        ranked = [
            c for c, _ in sorted(before.items(), key=lambda kv: (-kv[1], -categories[kv[0]]["share"], kv[0]))
        ] or [max(categories, key=lambda c: categories[c]["share"])]
        category = ranked[min((k // params.grid_groups) % 2, len(ranked) - 1)]
        bands, sex = segment_of(categories[category], params)
        mask = resident_group == group
        if sex:
            mask &= demo.male == (sex == "男")
        if bands:
            in_band = np.zeros(factory.size, dtype=bool)
            for after, until in audience.band_birth_ranges(bands, day):
                in_band |= (demo.birth_ord > after.toordinal()) & (demo.birth_ord <= until.toordinal())
            mask &= in_band
        members = np.flatnonzero(mask)
        draws = nrng.random((len(members), 2))
        window = follow_up_window(day, follow_up, end_date) or (end_date, day)
        recipients: list[tuple[int, str]] = []
        victims = victims_reached = 0
        for index, (u, v) in zip(members.tolist(), draws.tolist(), strict=True):
            if index in opt_day and opt_day[index] <= day:
                recipients.append((index + 1, audience.OPTED_OUT))
                continue
            cheated = any(window[0] <= d <= window[1] for d in victim_days.get(index, ()))
            if u < (q if cheated else p):
                status = audience.DELIVERED
            else:
                status = audience.HELD_OUT if v < held_given_missed else audience.FAILED
            victims += cheated
            victims_reached += cheated and status == audience.DELIVERED
            recipients.append((index + 1, status))
        script = reminder_text.summarise_script(
            category,
            [
                f
                for f in facts
                if datetime.combine(day - timedelta(days=settings.script_days), datetime.min.time())
                <= f.at
                < datetime.combine(day, datetime.min.time())
            ],
            settings.script_days,
        )
        text = reminder_text.fill_sms(script, signature, limit=settings.sms_limit).text
        campaigns.append(
            ReminderCampaignRecord(
                day=day,
                category=category,
                grid_codes=tuple(groups[group]),
                age_bands=bands,
                sex=sex,
                text=text,
                wechat_text=reminder_text.wechat_post(script, station_name),
                created_by_username=creator,
                holdout_share=params.holdout_share,
                recipients=tuple(recipients),
            )
        )
        truth.append(
            {
                "day": day.isoformat(),
                "category": category,
                "grids": list(groups[group]),
                "age_bands": list(bands),
                "sex": sex,
                "audience": len(recipients),
                "delivered": sum(1 for _, s in recipients if s == audience.DELIVERED),
                "cheated_in_follow_up": victims,
                "cheated_and_reached": victims_reached,
            }
        )
    return GeneratedReminders(campaigns, opt_outs, params, follow_up, truth)
