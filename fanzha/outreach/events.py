"""Outreach events as the pages, the API and the plan read and write them, always within the
user's grids (fanzha.stations.scope)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from django.db import transaction
from django.db.models import QuerySet

from fanzha.domain.outreach_targeting import load_venue_map
from fanzha.outreach import photos
from fanzha.outreach.models import OutreachEvent
from fanzha.stations import audit, scope
from fanzha.stations.models import AuditLog, Grid, User


def visible_events(user: User) -> QuerySet[OutreachEvent]:
    return OutreachEvent.objects.filter(grid__in=scope.visible_grids(user)).select_related("grid")


def venue_choices() -> list[str]:
    return list(load_venue_map().venue_types)


def method_choices() -> dict[str, list[str]]:
    return {k: list(v) for k, v in load_venue_map().methods.items()}


class EventRefused(ValueError):
    """``args[0]``: why, in Chinese."""


@dataclass
class EventInput:
    day: date
    grid_id: int
    title: str
    venue_type: str
    method: str = ""
    audience: int = 0
    categories: list[str] = field(default_factory=list)
    materials: str = ""


def create_event(user: User, data: EventInput, photo_files: Sequence[bytes] = ()) -> OutreachEvent:
    """Log an event in one of the user's grids, with its photos (all or nothing)."""
    grid = scope.visible_grids(user).filter(pk=data.grid_id).first()
    if grid is None:
        raise EventRefused("只能为自己负责的警格登记活动")
    if data.venue_type not in venue_choices():
        raise EventRefused(f"未知的场所类型：{data.venue_type}")
    cleaned = [photos.clean_photo(raw) for raw in photo_files]  # refuse before writing anything
    with transaction.atomic():
        event = OutreachEvent.objects.create(
            day=data.day,
            grid=grid,
            title=data.title,
            venue_type=data.venue_type,
            method=data.method,
            audience=data.audience,
            categories=list(data.categories),
            materials=data.materials,
            created_by=user,
        )
        for photo in cleaned:
            photos.store_photo(event, photo, user)
        audit.record(user, AuditLog.Action.CREATE, event, detail={"grid": grid.code, "photos": len(cleaned)})
    return event


def grid_by_code(code: str) -> Grid | None:
    return Grid.objects.filter(code=code).first() if code else None
