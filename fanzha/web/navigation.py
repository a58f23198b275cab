"""The navigation bar, as data: each entry is a label and the URL name of a page. Who sees an entry is
what the page itself requires (its ``@require`` action in the policy), so the bar never offers a
page that answers 403 nor hides one the role may open."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse

from fanzha.stations.policy import Action, Member, can, role_of
from fanzha.web.permissions import permissions, required_action

NAVIGATION: list[tuple[str, str]] = [
    ("工作台", "web:home"),
    ("预警线索", "clues:list"),
    ("线索研判", "clues:analysis"),
    ("案件", "cases:list"),
    ("新建案件", "cases:new"),
    ("资金流向", "funds:index"),
    ("每日排名", "ranking:daily"),
    ("案情分析", "analytics:dashboard"),
    ("宣传", "outreach:index"),
    ("防骗提醒", "reminders:index"),
    ("居民", "web:residents"),
    ("警格", "web:grids"),
    ("审计日志", "web:audit"),
    ("系统管理", "admin:index"),
]
# Pages that are not the workbench's own views (Django's admin site) name their action here.
ACTIONS_OF_OTHER_PAGES: dict[str, Action] = {"admin:index": "admin.site"}


def navigation_targets() -> list[tuple[str, str, Action]]:
    """(label, url, action) of every entry whose app is installed in this deployment."""
    targets = []
    for label, url_name in NAVIGATION:
        try:
            url = reverse(url_name)
        except NoReverseMatch:  # a workflow app not installed in this deployment
            continue
        action = ACTIONS_OF_OTHER_PAGES.get(url_name) or required_action(url)
        if action is None:
            raise LookupError(f"{url_name} declares no action: decorate the view with @require")
        targets.append((label, url, action))
    return targets


def navigation_for(user: Member) -> list[tuple[str, str]]:
    """(label, url) of the entries this user may open."""
    return [(label, url) for label, url, action in navigation_targets() if can(user, action)]


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    role = role_of(user)
    return {
        "nav_items": [
            {"label": label, "url": url, "active": request.path == url} for label, url in navigation_for(user)
        ],
        "role_label": role.label if role is not None else "",
        **permissions(request),
    }
