"""Planning a reminder campaign from the station's data: who (suggestions from the outreach plan's
rising categories and risk segments, the audience of a segment in the user's grids), how many of
them have the anti-fraud app, and what to say (templates filled from recent confirmed cases).
The rules themselves are in :mod:`fanzha.domain.reminder_audience` and
:mod:`fanzha.domain.reminder_text`."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from urllib.parse import urlencode

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from fanzha.analytics.models import CaseFact
from fanzha.cases.models import Case, CaseIdentifier, Transfer
from fanzha.domain import reminder_audience as rules
from fanzha.domain import reminder_text, stats
from fanzha.domain.outreach_targeting import Trend
from fanzha.domain.reminder_audience import AudienceCriteria, AudienceSummary, Person
from fanzha.outreach import targeting
from fanzha.reminders.models import ReminderOptOut, ReminderRecipient, ReminderSettings
from fanzha.stations import scope
from fanzha.stations.models import Resident, Station, User
from fanzha.stations.policy import can

SCRIPT_KINDS = ("platform", "app")
MAX_SUGGESTIONS = 4


class ReminderRefused(Exception):
    """The request cannot be done as asked; ``args[0]`` is a plain Chinese message."""


def may_remind(user: User) -> bool:
    """May plan, record and hand over reminders (the policy's ``reminders.plan``)."""
    return can(user, "reminders.plan")


def current_settings() -> rules.ReminderSettings:
    """The shipped rules with the station's newest overrides (admin: 提醒参数)."""
    return rules.load_settings(ReminderSettings.current())


def station_name() -> str:
    return Station.objects.values_list("name", flat=True).first() or "派出所"


def signature(settings: rules.ReminderSettings | None = None) -> str:
    return reminder_text.signature_for((settings or current_settings()).signature, station_name())


def check_grids(user: User, criteria: AudienceCriteria) -> None:
    """Officers pick only within their grids; an unknown grid is refused too."""
    visible = set(
        scope.visible_grids(user).filter(code__in=criteria.grid_codes).values_list("code", flat=True)
    )
    outside = [c for c in criteria.grid_codes if c not in visible]
    if outside:
        raise ReminderRefused(f"您不能向这些警格发送提醒：{'、'.join(outside)}（只能选择自己负责的警格）")


# ---------------------------------------------------------------------------------------------
# The audience


def audience_queryset(criteria: AudienceCriteria, on: date) -> QuerySet[Resident]:
    """Residents of the segment on ``on`` — the same rule as ``reminder_audience.matches``."""
    residents = Resident.objects.filter(grid__code__in=criteria.grid_codes)
    if criteria.sex:
        residents = residents.filter(sex=criteria.sex)
    if criteria.occupations:
        residents = residents.filter(occupation__in=criteria.occupations)
    if criteria.age_bands:
        ages = Q()
        for after, until in rules.band_birth_ranges(criteria.age_bands, on):
            ages |= Q(birth_date__gt=after, birth_date__lte=until)
        residents = residents.filter(ages)
    return residents


def audience_people(criteria: AudienceCriteria, on: date) -> list[Person]:
    rows = audience_queryset(criteria, on).values_list("pk", "phone", "grid__code", "app_registration__day")
    return [
        Person(pk, phone or "", grid, app_day is not None and app_day <= on)
        for pk, phone, grid, app_day in rows.order_by("pk")
    ]


def opted_out_numbers() -> set[str]:
    return set(ReminderOptOut.objects.values_list("phone", flat=True))


def reached_in_month(
    residents: QuerySet[Resident], day: date, exclude_campaign: int | None = None
) -> dict[int, int]:
    """Reminders each resident already got (or has waiting) in ``day``'s calendar month."""
    first = rules.month_key(day)
    rows = ReminderRecipient.objects.filter(
        resident__in=residents,
        status__in=rules.COUNTS_TOWARDS_CAP,
        campaign__day__gte=first,
        campaign__day__lt=stats.add_months(first, 1),
    )
    if exclude_campaign is not None:
        rows = rows.exclude(campaign_id=exclude_campaign)
    return dict(rows.values_list("resident_id").annotate(n=Count("pk")).order_by())


def plan_audience(
    criteria: AudienceCriteria,
    on: date,
    *,
    seed: str,
    holdout_share: float | None = None,
    settings: rules.ReminderSettings | None = None,
) -> tuple[dict[int, str], AudienceSummary, list[Person]]:
    """Every member's status and the counts, as recording the campaign on ``on`` would set them."""
    settings = settings or current_settings()
    people = audience_people(criteria, on)
    statuses, summary = rules.assign_statuses(
        people,
        opted_out=opted_out_numbers(),
        reached_this_month=reached_in_month(audience_queryset(criteria, on), on),
        settings=settings,
        seed=seed,
        holdout_share=holdout_share,
    )
    return statuses, summary, people


# ---------------------------------------------------------------------------------------------
# What to say


def _day_bounds(first: date, last: date) -> tuple[datetime, datetime]:
    tz = timezone.get_current_timezone()
    return (
        timezone.make_aware(datetime.combine(first, time.min), tz),
        timezone.make_aware(datetime.combine(last + timedelta(days=1), time.min), tz),
    )


def recent_case_facts(category: str, as_of: date, days: int) -> list[reminder_text.CaseFacts]:
    """Confirmed cases of ``category`` that happened in the ``days`` days up to ``as_of``."""
    start, end = _day_bounds(as_of - timedelta(days=days - 1), as_of)
    cases = list(
        Case.objects.filter(
            status=Case.Status.CONFIRMED, category=category, occurred_at__gte=start, occurred_at__lt=end
        ).values_list("pk", "occurred_at", "lure", "channel")
    )
    ids = [pk for pk, *_ in cases]
    platforms: dict[int, list[str]] = {}
    for case_id, value in CaseIdentifier.objects.filter(
        case_id__in=ids, identifier__kind__in=SCRIPT_KINDS
    ).values_list("case_id", "identifier__value"):
        platforms.setdefault(case_id, []).append(value)
    transfers: dict[int, list[int]] = {}
    for case_id, amount in (
        Transfer.objects.filter(case_id__in=ids)
        .order_by("case_id", "seq")
        .values_list("case_id", "amount_fen")
    ):
        transfers.setdefault(case_id, []).append(int(amount))
    return [
        reminder_text.CaseFacts(
            category=category,
            at=timezone.localtime(at).replace(tzinfo=None),
            lure=lure or "",
            channel=channel or "",
            platforms=tuple(platforms.get(pk, ())),
            transfers_fen=tuple(transfers.get(pk, ())),
        )
        for pk, at, lure, channel in cases
    ]


@dataclass(frozen=True)
class Draft:
    script: reminder_text.LocalScript
    sms: reminder_text.FilledText
    wechat: str
    signature: str


def draft_texts(category: str, as_of: date, settings: rules.ReminderSettings | None = None) -> Draft:
    settings = settings or current_settings()
    facts = recent_case_facts(category, as_of, settings.script_days)
    script = reminder_text.summarise_script(category, facts, settings.script_days)
    sig = signature(settings)
    return Draft(
        script=script,
        sms=reminder_text.fill_sms(script, sig, limit=settings.sms_limit),
        wechat=reminder_text.wechat_post(script, station_name()),
        signature=sig,
    )


def preview(criteria: AudienceCriteria, as_of: date, holdout_share: float | None) -> dict[str, object]:
    """What a campaign would reach and say, before it is saved: the CLI's ``remind plan`` output and
    the API's preview answer (one shape for both)."""
    _, summary, _ = plan_audience(criteria, timezone.localdate(), seed="preview", holdout_share=holdout_share)
    draft = draft_texts(criteria.category, as_of)
    return {
        "criteria": criteria.as_dict(),
        "description": criteria.describe(),
        **summary.as_dict(),
        "sms": draft.sms.text,
        "sms_length": draft.sms.length,
        "sms_limit": draft.sms.limit,
        "wechat": draft.wechat,
        "script": draft.script.as_dict(),
    }


# ---------------------------------------------------------------------------------------------
# Suggestions: who is most at risk right now


@dataclass(frozen=True)
class Suggestion:
    criteria: AudienceCriteria
    reason: str
    rising: bool
    audience: int
    app_registered: int

    def as_dict(self) -> dict[str, object]:
        """One suggestion as the CLI and the API give it."""
        return {
            "criteria": self.criteria.as_dict(),
            "description": self.criteria.describe(),
            "reason": self.reason,
            "rising": self.rising,
            "audience": self.audience,
            "app_registered": self.app_registered,
        }

    @property
    def query(self) -> str:
        """The new-campaign form's query string for this suggestion."""
        c = self.criteria
        pairs = [("category", c.category), ("sex", c.sex)]
        pairs += [("grids", g) for g in c.grid_codes] + [("age_bands", b) for b in c.age_bands]
        pairs += [("occupations", o) for o in c.occupations]
        return urlencode(pairs)


def audience_counts(criteria: AudienceCriteria, on: date) -> tuple[int, int]:
    """Residents in the segment, and how many of them have registered the anti-fraud app."""
    totals = audience_queryset(criteria, on).aggregate(
        n=Count("pk"), app=Count("pk", filter=Q(app_registration__day__lte=on))
    )
    return int(totals["n"] or 0), int(totals["app"] or 0)


def _trend_text(trend: Trend | None, kind: str) -> str:
    if trend is None:
        return ""
    counts = f"近 {trend.recent_weeks} 周 {trend.recent} 起，此前 {trend.before_weeks} 周 {trend.before} 起"
    if kind == "frequent":
        return f"近期没有明显上升的类别，按案件数选出：{counts}"
    ratio = "此前为零" if trend.ratio is None else f"周均为此前的 {trend.ratio:.1f} 倍"
    where = "全县上升" if kind == "rising" else "部分警格上升"
    return f"{where}：{counts}，{ratio}"


def suggestions(user: User, as_of: date | None = None) -> list[Suggestion]:
    """Rising categories (county-wide or in one of the user's grids) with the people they hit
    hardest, in the grids they reached; when nothing is rising, the most frequent categories."""
    as_of = as_of or timezone.localdate()
    plan = targeting.weekly_plan(user, as_of)
    grids_of: dict[str, list[str]] = {}
    for grid_plan in plan.plans:
        for rec in grid_plan.recommendations:
            if rec.kind in ("rising", "grid_rising") and rec.category:
                grids_of.setdefault(rec.category, []).append(grid_plan.grid_code)
    trends = {t.category: t for t in plan.trends}
    categories = [c for c in plan.rising if c in grids_of] + [c for c in grids_of if c not in plan.rising]
    frequent = not categories
    if frequent:
        # Nothing rising: the most frequent categories, in the user's grids that had such a case
        # over the segment window.
        by_cases = sorted(plan.trends, key=lambda t: (-(t.recent + t.before), t.category))
        categories = [t.category for t in by_cases if t.recent + t.before > 0][:MAX_SUGGESTIONS]
        grids_of = {}
        for code, category in (
            CaseFact.objects.filter(
                category__in=categories,
                grid__in=scope.visible_grids(user),
                day__gte=plan.segment_first_month,
                day__lt=stats.add_months(plan.segment_last_month, 1),
            )
            .values_list("grid__code", "category")
            .distinct()
        ):
            grids_of.setdefault(category, []).append(code)
    out: list[Suggestion] = []
    for category in categories[:MAX_SUGGESTIONS]:
        segments = plan.segments.get(category) or targeting.risk_segments(
            category, plan.segment_first_month, plan.segment_last_month
        )
        riskiest = [
            s.value
            for s in sorted(segments, key=lambda s: -s.lift)
            if s.dimension == "age_band" and s.lift > 1 and s.value in stats.age_bands().labels
        ][:2]
        bands = tuple(b for b in stats.age_bands().labels if b in riskiest)
        sex = next(
            (s.value for s in segments if s.dimension == "sex" and s.lift > 1 and s.value in rules.SEXES), ""
        )
        grids = grids_of.get(category, [])
        if not grids:
            continue
        criteria = AudienceCriteria(category, tuple(sorted(set(grids))), bands, sex)
        # Counted on today: the campaign goes out now, whatever day the risks are read as of.
        audience, app = audience_counts(criteria, timezone.localdate())
        people = "、".join(f"{s.label}（风险倍数 {s.lift:.1f}）" for s in segments[:3])
        reason = "；".join(
            part
            for part in (
                _trend_text(
                    trends.get(category),
                    "frequent" if frequent else "rising" if category in plan.rising else "grid_rising",
                ),
                f"高风险人群：{people}" if people else "",
            )
            if part
        )
        out.append(Suggestion(criteria, reason + "。", category in plan.rising, audience, app))
    return out
