"""Did the reminders work? Matches the residents of handed-over campaigns to the cases they later
reported and the clues they later turned up in, and pools the comparison with
:mod:`fanzha.domain.reminder_effect`. Pages, the API and ``fanzha remind effect`` call this."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from fanzha.cases.models import Victim
from fanzha.clues.models import Clue
from fanzha.domain import reminder_audience as rules
from fanzha.domain.masking import mask_name
from fanzha.domain.reminder_effect import (
    ReminderEffect,
    Stratum,
    campaign_stratum,
    estimate_reminder_effect,
    follow_up_window,
)
from fanzha.reminders.models import ReminderCampaign, ReminderRecipient
from fanzha.reminders.planning import current_settings


@dataclass(frozen=True)
class Match:
    """A resident of a campaign's audience who later reported a case or turned up in a clue."""

    resident_id: int
    name: str
    reached: bool
    status: str
    kind: str  # "case" or "clue"
    object_id: int
    label: str
    day: date

    @property
    def status_label(self) -> str:
        return rules.STATUS_LABELS.get(self.status, self.status)


@dataclass
class CampaignFigures:
    campaign: ReminderCampaign
    reached: int = 0
    not_reached: dict[str, int] = field(default_factory=dict)
    cases: Stratum | None = None
    clues: Stratum | None = None
    matches: list[Match] = field(default_factory=list)

    @property
    def not_reached_total(self) -> int:
        return sum(self.not_reached.values())

    @property
    def not_reached_labelled(self) -> list[tuple[str, int]]:
        return [(rules.STATUS_LABELS.get(k, k), n) for k, n in sorted(self.not_reached.items())]


@dataclass
class EffectReport:
    follow_up_days: int
    as_of: date
    cases: ReminderEffect
    clues: ReminderEffect
    campaigns: list[CampaignFigures]
    reached_residents: int

    def contract(self) -> dict[str, Any]:
        """``fanzha remind effect``: the cases estimate's fields, plus the clues estimate."""
        out = self.cases.as_dict()
        out.update(
            {
                "campaigns": len(self.campaigns),
                "campaigns_compared": self.cases.campaigns,
                "reached": self.cases.reached,
                "reached_residents": self.reached_residents,
                "as_of": self.as_of.isoformat(),
                "summary": self.cases.summary(),
                "clues": {k: v for k, v in self.clues.as_dict().items() if k not in ("follow_up_days",)},
            }
        )
        return out


def handed_over(campaigns: QuerySet[ReminderCampaign]) -> QuerySet[ReminderCampaign]:
    """Only campaigns that went out have a reach to measure."""
    return campaigns.exclude(status=ReminderCampaign.Status.RECORDED)


def _event_days(
    recipients: QuerySet[ReminderRecipient], first: date, last: date
) -> tuple[dict[int, list[tuple[date, int, str]]], dict[int, list[tuple[date, int, str]]]]:
    """Cases (when they happened, else when reported) and clues (when received) of these
    residents, as resident id → [(local day, object id, label)]."""
    residents = recipients.values("resident_id")
    cases: dict[int, list[tuple[date, int, str]]] = defaultdict(list)
    for resident_id, occurred, reported, case_id, case_no in Victim.objects.filter(
        resident__in=residents
    ).values_list("resident_id", "case__occurred_at", "case__reported_at", "case_id", "case__case_no"):
        moment = occurred or reported
        day = timezone.localtime(moment).date()
        if first <= day <= last:
            cases[resident_id].append((day, case_id, case_no))
    clues: dict[int, list[tuple[date, int, str]]] = defaultdict(list)
    for resident_id, received, clue_id, kind in Clue.objects.filter(
        resident__in=residents, merged_into__isnull=True
    ).values_list("resident_id", "received_at", "pk", "kind"):
        day = timezone.localtime(received).date()
        if first <= day <= last:
            clues[resident_id].append((day, clue_id, kind))
    return cases, clues


def measure(
    campaigns: Iterable[ReminderCampaign],
    *,
    as_of: date | None = None,
    follow_up_days: int | None = None,
    with_matches: bool = False,
) -> EffectReport:
    """The effect of the given campaigns (those not handed over are skipped)."""
    as_of = as_of or timezone.localdate()
    follow_up = follow_up_days or current_settings().follow_up_days
    chosen = [c for c in campaigns if c.status != ReminderCampaign.Status.RECORDED]
    ids = [c.pk for c in chosen]
    figures = {c.pk: CampaignFigures(c) for c in chosen}
    members: dict[int, list[tuple[int, str]]] = defaultdict(list)
    recipients = ReminderRecipient.objects.filter(campaign_id__in=ids)
    for campaign_id, resident_id, status in recipients.values_list("campaign_id", "resident_id", "status"):
        members[campaign_id].append((resident_id, status))
    days = [c.day for c in chosen]
    cases, clues = _event_days(recipients, min(days), as_of) if chosen else ({}, {})
    case_days = {r: [d for d, _, _ in v] for r, v in cases.items()}
    clue_days = {r: [d for d, _, _ in v] for r, v in clues.items()}
    strata_cases: list[Stratum] = []
    strata_clues: list[Stratum] = []
    reached_residents: set[int] = set()
    for campaign in chosen:
        fig = figures[campaign.pk]
        reached = [r for r, s in members[campaign.pk] if s in rules.REACHED]
        not_reached = [r for r, s in members[campaign.pk] if s not in rules.REACHED and s != rules.PENDING]
        reached_residents.update(reached)
        fig.reached = len(reached)
        for _, status in members[campaign.pk]:
            if status not in rules.REACHED and status != rules.PENDING:
                fig.not_reached[status] = fig.not_reached.get(status, 0) + 1
        common = {"follow_up_days": follow_up, "as_of": as_of, "reached": reached, "not_reached": not_reached}
        fig.cases = campaign_stratum(str(campaign.pk), campaign.day, event_days=case_days, **common)  # type: ignore[arg-type]
        fig.clues = campaign_stratum(str(campaign.pk), campaign.day, event_days=clue_days, **common)  # type: ignore[arg-type]
        if fig.cases is not None and fig.clues is not None:
            strata_cases.append(fig.cases)
            strata_clues.append(fig.clues)
        if with_matches:
            fig.matches = _matches(campaign, members[campaign.pk], cases, clues, follow_up, as_of)
    return EffectReport(
        follow_up_days=follow_up,
        as_of=as_of,
        cases=estimate_reminder_effect(strata_cases, outcome="cases", follow_up_days=follow_up),
        clues=estimate_reminder_effect(strata_clues, outcome="clues", follow_up_days=follow_up),
        campaigns=[figures[c.pk] for c in chosen],
        reached_residents=len(reached_residents),
    )


def _matches(
    campaign: ReminderCampaign,
    members: list[tuple[int, str]],
    cases: dict[int, list[tuple[date, int, str]]],
    clues: dict[int, list[tuple[date, int, str]]],
    follow_up: int,
    as_of: date,
) -> list[Match]:
    window = follow_up_window(campaign.day, follow_up, as_of)
    if window is None:
        return []
    first, last = window
    status_of = dict(members)
    found: list[tuple[int, str, int, str, date]] = []
    for kind, events in (("case", cases), ("clue", clues)):
        for resident_id in status_of:
            for day, object_id, label in events.get(resident_id, ()):
                if first <= day <= last:
                    found.append((resident_id, kind, object_id, label, day))
    names = dict(
        ReminderRecipient.objects.filter(
            campaign=campaign, resident_id__in=[f[0] for f in found]
        ).values_list("resident_id", "resident__name")
    )
    return sorted(
        (
            Match(
                resident_id=resident_id,
                name=mask_name(names.get(resident_id, "")),
                reached=status_of[resident_id] in rules.REACHED,
                status=status_of[resident_id],
                kind=kind,
                object_id=object_id,
                label=label,
                day=day,
            )
            for resident_id, kind, object_id, label, day in found
        ),
        key=lambda m: (m.day, m.kind, m.object_id),
    )
