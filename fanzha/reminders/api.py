"""Reminders over HTTP: suggestions, the audience and texts of a segment, campaigns and their
effect — the same functions as the pages and ``fanzha remind``. Session-authenticated; officers
see only their grids' campaigns."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Query, Router, Schema
from ninja.errors import HttpError

from fanzha.domain.reminder_audience import AudienceCriteria
from fanzha.reminders import campaigns, effect, planning
from fanzha.web.permissions import PolicyAuth, current_user

router = Router(tags=["防骗提醒"], auth=PolicyAuth("reminders.plan"))


def _day(value: date | None) -> date:
    today = timezone.localdate()
    if value is None:
        return today
    if not date(2000, 1, 1) <= value <= today:
        raise HttpError(400, "日期超出范围（2000-01-01 至今天）")
    return value


class AudienceQuery(Schema):
    category: str
    grids: list[str]
    age_bands: list[str] = []
    sex: str = ""
    occupations: list[str] = []
    holdout_percent: int | None = None
    as_of: date | None = None


def campaign_json(campaign: Any) -> dict[str, Any]:
    return {
        "id": campaign.pk,
        "day": campaign.day.isoformat(),
        "category": campaign.category,
        "criteria": campaign.criteria,
        "description": campaign.description,
        "status": campaign.status,
        "audience": campaign.audience,
        "with_mobile": campaign.with_mobile,
        "app_registered": campaign.app_registered,
        "sms_text": campaign.sms_text,
        "wechat_text": campaign.wechat_text,
        "holdout_share": campaign.holdout_share,
        "recipients": campaigns.status_counts(campaign),
    }


@router.get("/suggestions", summary="建议提醒的人群：上升类别、高风险人群、涉及警格、人数与已注册反诈APP人数")
def suggestions(request: HttpRequest, as_of: date | None = None) -> list[dict[str, Any]]:
    user = current_user(request)
    return [s.as_dict() for s in planning.suggestions(user, _day(as_of))]


@router.get("/plan", summary="某一人群的人数、各类不发送的人数，以及填好的短信和微信群消息")
def plan(request: HttpRequest, query: Query[AudienceQuery]) -> dict[str, Any]:
    user = current_user(request)
    try:
        criteria = AudienceCriteria(
            query.category,
            tuple(sorted(query.grids)),
            tuple(query.age_bands),
            query.sex,
            tuple(query.occupations),
        )
        planning.check_grids(user, criteria)
    except ValueError as exc:
        raise HttpError(400, f"人群条件有误：{exc}") from exc
    except planning.ReminderRefused as exc:
        raise HttpError(403, str(exc.args[0])) from exc
    share = None if query.holdout_percent is None else query.holdout_percent / 100
    if share is not None and not 0 <= share < 1:
        raise HttpError(400, "随机对照比例应在 0 到 99 之间（百分比）")
    return planning.preview(criteria, _day(query.as_of), share)


@router.get("/campaigns", summary="提醒活动列表（仅本人可见警格）")
def list_campaigns(request: HttpRequest, limit: int = 100) -> list[dict[str, Any]]:
    rows = campaigns.visible_campaigns(current_user(request))[: max(1, min(limit, 1000))]
    return [campaign_json(c) for c in rows]


@router.get("/campaigns/{campaign_id}", summary="一次提醒活动：人数、状态和效果")
def get_campaign(request: HttpRequest, campaign_id: int) -> dict[str, Any]:
    campaign = campaigns.visible_campaigns(current_user(request)).filter(pk=campaign_id).first()
    if campaign is None:
        raise HttpError(404, "没有这个提醒活动")
    out = campaign_json(campaign)
    report = effect.measure([campaign])
    out["effect"] = {
        "cases": report.cases.as_dict(),
        "clues": report.clues.as_dict(),
        "summary": report.cases.summary(),
    }
    return out


@router.get("/effect", summary="全部已发送提醒的效果：收到与没收到提醒的同类居民随后被骗、出现在线索中的比较")
def pooled_effect(request: HttpRequest, as_of: date | None = None) -> dict[str, Any]:
    user = current_user(request)
    report = effect.measure(effect.handed_over(campaigns.visible_campaigns(user)), as_of=_day(as_of))
    return report.contract()
