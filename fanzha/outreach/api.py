"""Outreach over HTTP: events (scoped), the weekly plan, awareness per grid and the exposure
effect — the same service functions as the pages."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.http import HttpRequest
from ninja import Router

from fanzha.domain.query_args import check_day
from fanzha.outreach import effect, events, quiz, targeting
from fanzha.stations import scope
from fanzha.web.permissions import PolicyAuth, current_user

router = Router(tags=["反诈宣传"], auth=PolicyAuth("outreach.use"))


@router.get("/events", summary="宣传活动列表（仅本人可见警格）")
def list_events(request: HttpRequest, since: date | None = None, limit: int = 200) -> list[dict[str, Any]]:
    rows = events.visible_events(current_user(request)).order_by("-day", "-pk")
    if since:
        rows = rows.filter(day__gte=check_day(since, "起始日期"))
    return [
        {
            "id": e.pk,
            "day": e.day.isoformat(),
            "grid": e.grid.code,
            "title": e.title,
            "venue_type": e.venue_type,
            "method": e.method,
            "audience": e.audience,
            "categories": e.categories,
            "materials": e.materials,
            "photos": e.photos.count(),
        }
        for e in rows[: max(1, min(limit, 1000))]
    ]


@router.get("/plan", summary="本周宣传计划：上升类别、高风险人群、建议场所、久未宣传的警格")
def weekly_plan(request: HttpRequest, as_of: date | None = None, grid: int | None = None) -> dict[str, Any]:
    if as_of is not None:
        check_day(as_of, "计划日期")
    result = targeting.weekly_plan(current_user(request), as_of, grid)
    return {
        "as_of": result.as_of.isoformat(),
        "recent": [result.windows.recent_start.isoformat(), result.windows.recent_end.isoformat()],
        "before": [result.windows.before_start.isoformat(), result.windows.recent_start.isoformat()],
        "rising": result.rising,
        "trends": [
            {
                "category": t.category,
                "recent": t.recent,
                "before": t.before,
                "ratio": None if t.ratio is None else round(t.ratio, 3),
                "p_value": round(t.p_value, 4),
            }
            for t in result.trends
        ],
        "plans": [p.as_dict() for p in result.plans],
    }


@router.get("/awareness", summary="各警格反诈知晓度（有奖问答平均答对率）")
def awareness(request: HttpRequest) -> list[dict[str, Any]]:
    grids = list(scope.visible_grids(current_user(request)).order_by("code"))
    scores = quiz.awareness_by_grid([g.pk for g in grids])
    return [
        {
            "grid": g.code,
            "attempts": scores[g.pk].attempts,
            "score": scores[g.pk].score,
            "ci_low": scores[g.pk].ci_low,
            "ci_high": scores[g.pk].ci_high,
            "weakest": scores[g.pk].weakest,
        }
        for g in grids
    ]


@router.get("/effect", summary="宣传量与案件、预警线索的关系（警格×月份泊松回归）")
def exposure_effect(request: HttpRequest) -> list[dict[str, Any]]:
    user = current_user(request)
    grid_ids = list(scope.visible_grids(user).values_list("pk", flat=True)) if user.is_grid_scoped else None
    return [e.as_dict() for e in effect.exposure_effects(grid_ids)]
