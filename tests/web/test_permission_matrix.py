"""Who may open what, generated from the one policy (``fanzha/stations/policy.py``) rather than
written page by page: every named page and every API operation is tried as every role and as an
anonymous visitor, and the answer must be what the policy table says: the login page for an anonymous
visitor (401 on the API), 403 for a role the action does not list, and through the gate otherwise.
The navigation is checked against the pages themselves, and against the decisions written out below.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import Client
from django.urls import get_resolver, resolve, reverse

from fanzha.stations import policy
from fanzha.stations.models import User
from fanzha.stations.policy import ACTIONS, POLICY, Role, can, role_can
from fanzha.web.navigation import navigation_for, navigation_targets
from fanzha.web.permissions import PolicyAuth, TemplatePermissions, required_action
from tests.test_no_server_errors import _walk, fill

pytestmark = pytest.mark.django_db

# Pages anyone may open without signing in; every other page must declare its action.
PUBLIC_PAGES = {"web:login", "web:logout", "check:check", "quiz:index", "quiz:draw", "favicon"}
# The admin site guards itself (is_staff); the API is walked below from its own routers.
OWN_GUARDS = ("admin/", "api/")


def _user(role: Role) -> User:
    user = User.objects.filter(role=role, is_superuser=False).order_by("username").first()
    if user is None:  # the demo admin is a superuser: make a plain one so the table is what is tested
        user = User.objects.create(username=f"plain_{role.value}", role=role)
    return user


def _page_routes() -> list[str]:
    return [route for route, _ in _walk(get_resolver().url_patterns) if not route.startswith(OWN_GUARDS)]


def _view_name(route: str) -> str:
    return resolve(fill(route, "1")).view_name


def _through_the_gate(response: Any) -> bool:
    """The permission check let the request in: neither refused nor sent to the login page."""
    if response.status_code == 403:
        return False
    return not (response.status_code == 302 and response["Location"].startswith(reverse("web:login")))


# --- the policy itself ------------------------------------------------------------------------


def test_the_action_type_and_the_table_name_the_same_actions() -> None:
    assert set(ACTIONS) == set(POLICY)
    assert all(rule.roles and rule.label for rule in POLICY.values())


def test_a_superuser_may_do_everything_and_an_anonymous_visitor_nothing() -> None:
    boss = User(username="boss", role=Role.GRID_WORKER, is_superuser=True)
    assert all(can(boss, action) for action in ACTIONS)
    assert not any(can(AnonymousUser(), action) for action in ACTIONS)  # type: ignore[arg-type]
    assert not boss.is_grid_scoped


def test_a_user_without_a_known_role_may_do_nothing() -> None:
    stranger = User(username="stranger", role="retired")
    assert not any(can(stranger, action) for action in ACTIONS)


def test_an_unknown_action_fails_loudly_everywhere() -> None:
    officer = User(username="o", role=Role.OFFICER)
    with pytest.raises(policy.UnknownAction):
        can(officer, "funds.tarce")  # type: ignore[arg-type]
    with pytest.raises(policy.UnknownAction):
        TemplatePermissions(officer)["funds"]["tarce"]
    with pytest.raises(policy.UnknownAction):
        PolicyAuth("funds.tarce")  # type: ignore[arg-type]


def test_grid_scoping_follows_the_policy() -> None:
    for role in Role:
        assert User(role=role).is_grid_scoped == (role in policy.GRID_SCOPED_ROLES)
    assert {Role.OFFICER, Role.GRID_WORKER} == policy.GRID_SCOPED_ROLES


def test_templates_read_the_policy() -> None:
    from django.template import Context, Template

    template = Template("{% if can.funds.trace %}T{% endif %}{% if can.cases.import %}I{% endif %}")
    for role in Role:
        shown = template.render(Context({"can": TemplatePermissions(User(role=role))}))
        assert shown == ("T" if role_can(role, "funds.trace") else "") + (
            "I" if role_can(role, "cases.import") else ""
        )


# The decisions, written out once more as a spec a reviewer reads: who may do each action that is
# not everyone's. The matrix below proves the pages obey the policy; this proves the policy says
# what was decided.
O, G, I, C, L, A = (  # noqa: E741 - the roles' initials
    Role.OFFICER,
    Role.GRID_WORKER,
    Role.INVESTIGATOR,
    Role.COMMAND_ROOM,
    Role.LEADER,
    Role.ADMIN,
)
NOT_EVERYONES = {
    "records.unmask": {O, I, C, L, A},
    "audit.view": {L, A},
    "admin.site": {A},
    "clues.command": {C, L, A},
    "clues.analyse": {O, I, C, L, A},
    "cases.view": {O, I, C, L, A},
    "cases.create": {O, I, C, L, A},
    "cases.overview": {I, C, L, A},
    "cases.import": {I, C, L, A},
    "funds.trace": {I, C, L, A},
    "ranking.import": {C, L, A},
    "ranking.report": {C, L, A},
    "reminders.plan": {O, C, L, A},
    "reminders.hand_over": {O, C, L, A},
}


def test_the_policy_says_what_was_decided() -> None:
    for action, rule in POLICY.items():
        assert rule.roles == NOT_EVERYONES.get(action, set(Role)), action


# --- every page × every role -------------------------------------------------------------------

# Which action each page asks for; a new page must be added here (and so be thought about).
PAGES = {
    "workbench.home": {"web:home"},
    "residents.view": {"web:residents", "web:resident"},
    "grids.view": {"web:grids"},
    "audit.view": {"web:audit"},
    "records.unmask": {"web:unmask"},
    "clues.view": {"clues:list", "clues:detail"},
    "clues.handle": {"clues:action", "clues:close"},
    "clues.command": {"clues:queue", "clues:match", "clues:import", "clues:rejects"},
    "clues.analyse": {"clues:analysis"},
    "cases.view": {"cases:list", "cases:detail", "cases:agreement", "cases:clusters"},
    "cases.create": {"cases:new", "cases:review", "cases:category"},
    "cases.import": {"cases:import", "cases:import_rejects"},
    "funds.trace": {
        *("funds:index", "funds:upload", "funds:import_data_dir", "funds:trace", "funds:case"),
        *("funds:case_upload", "funds:case_trace", "funds:job", "funds:job_rerun", "funds:job_progress"),
        *("funds:mapping", "funds:run", "funds:freeze_xlsx", "funds:regions_xlsx", "funds:letters"),
        *("funds:requests", "funds:candidates", "funds:rejects"),
    },
    "ranking.view": {"ranking:daily", "ranking:charts", "ranking:charts_xlsx"},
    "ranking.register": {"ranking:door_visit"},
    "ranking.import": {"ranking:imports"},
    "ranking.report": {"ranking:report"},
    "analytics.view": {"analytics:dashboard", "analytics:export"},
    "outreach.use": {
        *("outreach:index", "outreach:event_new", "outreach:event", "outreach:photo"),
        *("outreach:grid_qr", "outreach:plan", "outreach:effect"),
    },
    "reminders.plan": {
        *("reminders:index", "reminders:new", "reminders:detail", "reminders:export", "reminders:send"),
        *("reminders:wechat_posted", "reminders:effect", "reminders:opt_outs"),
    },
}


def test_every_page_declares_the_action_of_the_spec_or_is_public() -> None:
    declared: dict[str | None, set[str]] = {}
    for route in _page_routes():
        declared.setdefault(required_action(fill(route, "1")), set()).add(_view_name(route))
    assert declared.pop(None) == PUBLIC_PAGES
    assert declared == PAGES


@pytest.mark.parametrize("route", [r for r in _page_routes() if _view_name(r) not in PUBLIC_PAGES])
def test_each_page_answers_every_role_as_the_policy_says(route: str) -> None:
    action = required_action(fill(route, "1"))
    assert action is not None
    anonymous = Client().get(fill(route))
    assert anonymous.status_code == 302 and anonymous["Location"].startswith(reverse("web:login")), route
    wrong: list[tuple[str, int]] = []
    for role in Role:
        user = _user(role)
        client = Client(raise_request_exception=False)
        client.force_login(user)
        response = client.get(fill(route, user=user))
        if _through_the_gate(response) != role_can(role, action):
            wrong.append((role.value, response.status_code))
        if role_can(role, action):
            assert response.status_code < 500, (route, role, response.status_code)
    assert wrong == [], f"{route} ({action})"


# --- the navigation ------------------------------------------------------------------------------

# The decisions, written out: what each role's bar shows. The leader sees 新建案件 (the page always let
# the leader in and the leader may import reports); officers and investigators see 线索研判 (the
# page serves an officer the clues of their grids); grid workers see no case, money trail, analysis
# of clues or reminders.
EVERYONE = ["工作台", "预警线索", "每日排名", "案情分析", "宣传", "居民", "警格"]
NAVIGATION = {
    Role.OFFICER: [*EVERYONE, "线索研判", "案件", "新建案件", "防骗提醒"],
    Role.GRID_WORKER: EVERYONE,
    Role.INVESTIGATOR: [*EVERYONE, "线索研判", "案件", "新建案件", "资金流向"],
    Role.COMMAND_ROOM: [*EVERYONE, "线索研判", "案件", "新建案件", "资金流向", "防骗提醒"],
    Role.LEADER: [*EVERYONE, "线索研判", "案件", "新建案件", "资金流向", "防骗提醒", "审计日志"],
    Role.ADMIN: [*EVERYONE, "线索研判", "案件", "新建案件", "资金流向", "防骗提醒", "审计日志", "系统管理"],
}


@pytest.mark.parametrize("role", list(Role))
def test_the_navigation_shows_each_role_what_was_decided(role: Role) -> None:
    shown = [label for label, _ in navigation_for(_user(role))]
    assert sorted(shown) == sorted(NAVIGATION[role])


@pytest.mark.parametrize("role", list(Role))
def test_the_navigation_shows_exactly_the_pages_that_open(role: Role) -> None:
    user = _user(role)
    if role == Role.ADMIN:
        user.is_staff = True  # the admin site's own guard, which the admin role always has
        user.save()
    client = Client(raise_request_exception=False)
    client.force_login(user)
    shown = {label for label, _ in navigation_for(user)}
    for label, url, _action in navigation_targets():
        opens = client.get(url, follow=True).status_code == 200
        assert opens == (label in shown), (role, label, url)
    bar = client.get("/").content.decode()
    for label, url, _action in navigation_targets():
        assert (f'href="{url}"' in bar and f">{label}<" in bar) == (label in shown), (role, label)


# --- every API operation × every role ----------------------------------------------------------


def _operations() -> list[tuple[str, str, Any]]:
    """(method, path, auth callbacks) of every operation of the documented API."""
    from fanzha.api import api

    found = []
    # The routers as mounted: each operation carries the auth its router handed it.
    for router in api._get_bound_routers():
        for path, path_view in router.path_operations.items():
            for operation in path_view.operations:
                full = "/api/v1/" + "/".join(
                    part.strip("/") for part in (router.prefix, path) if part.strip("/")
                )
                found.extend((method, full, operation) for method in operation.methods)
    return found


def _action_of(operation: Any) -> str | None:
    actions = [c.action for c in operation.auth_callbacks if isinstance(c, PolicyAuth)]
    assert len(actions) <= 1
    return actions[0] if actions else None


def test_every_api_operation_asks_the_policy_or_has_its_own_guard() -> None:
    from fanzha.clues.api import SourceToken

    for method, path, operation in _operations():
        if _action_of(operation) is not None:
            continue
        if path.startswith("/api/v1/clues"):
            assert all(isinstance(c, SourceToken) for c in operation.auth_callbacks), path
        else:
            assert path.startswith("/api/v1/check"), (method, path, "declares no action")
            assert not operation.auth_callbacks


@pytest.mark.parametrize(
    "method, path, action", [(m, p, _action_of(o)) for m, p, o in _operations() if _action_of(o)]
)
def test_each_api_operation_answers_every_role_as_the_policy_says(
    method: str, path: str, action: str
) -> None:
    url = path.replace("{pk}", "1").replace("{campaign_id}", "1")

    def ask(client: Client) -> Any:
        return client.generic(method, url, json.dumps({}), content_type="application/json")

    assert ask(Client()).status_code == 401, url
    wrong = []
    for role in Role:
        client = Client(raise_request_exception=False)
        client.force_login(_user(role))
        response = ask(client)
        allowed = role_can(role, action)  # type: ignore[arg-type]
        if (response.status_code not in (401, 403)) != allowed:
            wrong.append((role.value, response.status_code))
        if not allowed:
            assert response.json()["detail"] == f"无权{POLICY[action].label}"  # type: ignore[index]
        else:
            assert response.status_code < 500, (url, role, response.status_code)
    assert wrong == [], f"{method} {url} ({action})"
