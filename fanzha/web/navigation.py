"""The navigation bar per role, as data: each entry is (label, url name, roles that see it)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse

from fanzha.stations import scope
from fanzha.stations.models import Role

ALL = frozenset(Role)
STATION_WIDE = frozenset({Role.INVESTIGATOR, Role.COMMAND_ROOM, Role.LEADER, Role.ADMIN})
CASE_ROLES = STATION_WIDE | {Role.OFFICER}
# Entries whose URL does not resolve (the app is not installed in a deployment) are skipped.
NAVIGATION: list[tuple[str, str, frozenset[str]]] = [
    ("工作台", "web:home", ALL),
    ("预警线索", "clues:list", ALL),
    ("线索研判", "clues:analysis", frozenset({Role.COMMAND_ROOM, Role.LEADER, Role.ADMIN})),
    ("案件", "cases:list", CASE_ROLES),
    ("新建案件", "cases:new", frozenset({Role.OFFICER, Role.INVESTIGATOR, Role.COMMAND_ROOM, Role.ADMIN})),
    ("资金流向", "funds:index", STATION_WIDE),
    ("每日排名", "ranking:daily", ALL),
    ("案情分析", "analytics:dashboard", ALL),
    ("宣传", "outreach:index", ALL),
    ("防骗提醒", "reminders:index", frozenset({Role.OFFICER, Role.COMMAND_ROOM, Role.LEADER, Role.ADMIN})),
    ("居民", "web:residents", ALL),
    ("警格", "web:grids", ALL),
    ("审计日志", "web:audit", frozenset({Role.ADMIN, Role.LEADER})),
    ("系统管理", "admin:index", frozenset({Role.ADMIN})),
]


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    items = []
    for label, url_name, roles in NAVIGATION:
        if user.role not in roles and not user.is_superuser:
            continue
        try:
            url = reverse(url_name)
        except NoReverseMatch:  # a workflow app not installed in this deployment
            continue
        items.append({"label": label, "url": url, "active": request.path == url})
    return {
        "nav_items": items,
        "role_label": Role(user.role).label if user.role in Role.values else "",
        # Pages offer only what the role may do: no unmask form to a role that may not unmask.
        "can_unmask": scope.can_unmask(user),
    }
