"""No input reaches a 500: every page and API route, asked with out-of-range dates, years, ids and
numbers, answers with a client error (or the page), never a server error.

Which query parameters a page reads is found out, not listed: each page is first fetched while the
request's GET dictionary records the names looked up, then fetched again with each of those names set
to each hostile value. Path ids are tried as an existing id, 0 and a number beyond any database
integer. API routes take their parameters and bodies from the OpenAPI document.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from html.parser import HTMLParser
from typing import Any
from urllib.parse import urlencode

import pytest
from django.http import QueryDict
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from fanzha.stations.models import Role, User

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

HUGE = "99999999999999999999999"
HOSTILE = ["0001-01-01", "9999-12-31", "2026-02-30", "0", "-1", HUGE, "x", "0001-01", "9999-12"]
HOSTILE_DATETIMES = ["9999-12-31T23:59:59", "0001-01-01T00:00:00", "9999-12-31T23:59:59+14:00"]
# Pages that act rather than show (logout) or stream a file an officer asked for are still walked;
# only the admin site is left to Django.
SKIP_PREFIXES = ("admin/", "logout/")


def _walk(patterns: list[Any], prefix: str = "") -> Iterator[tuple[str, URLPattern]]:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            yield from _walk(pattern.url_patterns, prefix + str(pattern.pattern))
        else:
            yield prefix + str(pattern.pattern), pattern


def page_routes() -> list[str]:
    return [
        route
        for route, _ in _walk(get_resolver().url_patterns)
        if not route.startswith(("api/", *SKIP_PREFIXES))
    ]


def _existing_id(route: str, user: User | None) -> str:
    """An id the user can open: their first visible case, clue, event or photo."""
    from fanzha.outreach.models import EventPhoto, OutreachEvent
    from fanzha.stations import scope

    if user is not None and route.startswith("cases/"):
        found = scope.visible_cases(user).order_by("pk").first()
    elif user is not None and route.startswith("clues/"):
        found = scope.visible_clues(user).order_by("pk").first()
    elif route.startswith("outreach/events"):
        found = OutreachEvent.objects.order_by("pk").first()
    elif route.startswith("outreach/photos"):
        found = EventPhoto.objects.order_by("pk").first()
    else:
        found = None
    return str(found.pk) if found is not None else "1"


def fill(route: str, value: str | None = None, user: User | None = None) -> str:
    """The route with its converters replaced: ``value`` for every int id, else an existing id."""

    def one(match: re.Match[str]) -> str:
        converter, name = match.group(1) or "str", match.group(2)
        if converter in ("int", "id"):
            return value if value is not None else _existing_id(route, user)
        if converter == "slug":
            return "cases_by_month"
        if name == "kind":
            return "resident"
        if name == "code":
            return "G0001"
        return value if value is not None else "x"

    return "/" + re.sub(r"<(?:(\w+):)?(\w+)>", one, route)


class RecordingQueryDict(QueryDict):
    """A GET dictionary that notes every key a view asks for."""

    asked: set[str] = set()

    def get(self, key: str, default: Any = None) -> Any:
        RecordingQueryDict.asked.add(key)
        return super().get(key, default)

    def __getitem__(self, key: str) -> Any:
        RecordingQueryDict.asked.add(key)
        return super().__getitem__(key)

    def getlist(self, key: str, default: Any = None) -> Any:
        RecordingQueryDict.asked.add(key)
        return super().getlist(key, default)

    def __contains__(self, key: object) -> bool:
        RecordingQueryDict.asked.add(str(key))
        return super().__contains__(key)


def params_read_by(client: Client, url: str, monkeypatch: pytest.MonkeyPatch) -> set[str]:
    from django.core.handlers import wsgi

    RecordingQueryDict.asked = set()
    with monkeypatch.context() as patch:
        patch.setattr(wsgi, "QueryDict", RecordingQueryDict)
        client.get(url)
    return RecordingQueryDict.asked - {"next"}


def _user(role: str) -> User:
    user = User.objects.filter(role=role).order_by("username").first()
    assert user is not None
    return user


def _as(role: str) -> Client:
    client = Client(raise_request_exception=False)
    client.force_login(_user(role))
    return client


@pytest.mark.parametrize("role", [Role.LEADER, Role.INVESTIGATOR, Role.OFFICER])
def test_no_page_answers_500_to_hostile_ids_and_query_values(
    role: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = _as(role)
    failures: list[str] = []
    tried = 0
    for route in page_routes():
        urls = [fill(route, user=_user(role))]
        if "<" in route:
            urls += [fill(route, "0"), fill(route, HUGE)]
        for url in urls:
            tried += 1
            if client.get(url).status_code >= 500:
                failures.append(url)
        for name in sorted(params_read_by(client, urls[0], monkeypatch)):
            for value in HOSTILE:
                url = f"{urls[0]}?{urlencode({name: value})}"
                tried += 1
                if client.get(url).status_code >= 500:
                    failures.append(url)
    assert tried > 200
    assert failures == [], "\n".join(failures)


def test_the_urls_named_in_the_issue_answer_400_in_chinese() -> None:
    client = _as(Role.LEADER)
    for url in (
        "/api/v1/analytics/summary?year=0",
        "/analytics/?start=0001-01-01",
        f"/clues/analysis/?batch={HUGE}",
        "/ranking/?date=0001-01-01",
        "/ranking/charts/?date=9999-12-31",
        "/api/v1/ranking/daily?date=0001-01-01",
        "/outreach/plan/?date=9999-12-31",
        "/api/v1/outreach/plan?as_of=0001-01-01",
    ):
        response = client.get(url)
        assert response.status_code == 400, url
        if url.startswith("/api/"):
            text = response.json()["detail"]
        else:
            found = re.search(r'role="alert">(.*?)<', response.content.decode())
            text = found.group(1) if found else ""
        assert "超出范围" in text or "无效" in text, (url, text)


# --- the API ---------------------------------------------------------------------------------


def _schema() -> dict[str, Any]:
    from fanzha.api import api

    return api.get_openapi_schema()  # type: ignore[no-any-return]


def _api_client(role: str = Role.LEADER) -> Client:
    return _as(role)


def test_no_api_get_answers_500_to_hostile_parameters() -> None:
    client = _api_client()
    failures: list[str] = []
    for path, operations in _schema()["paths"].items():
        operation = operations.get("get")
        if operation is None:
            continue
        parameters = operation.get("parameters", [])
        path_names = [p["name"] for p in parameters if p["in"] == "path"]
        bases = [path]
        for name in path_names:
            bases = [b.replace("{" + name + "}", v) for b in bases for v in ("1", "0", "-1", HUGE)]
        for base in bases:
            if client.get(base).status_code >= 500:
                failures.append(base)
            for parameter in parameters:
                if parameter["in"] != "query":
                    continue
                for value in HOSTILE:
                    url = f"{base}?{urlencode({parameter['name']: value})}"
                    if client.get(url).status_code >= 500:
                        failures.append(url)
    assert failures == [], "\n".join(failures)


def _post_json(client: Client, path: str, body: Any, **headers: str) -> Any:
    return client.post(path, data=json.dumps(body), content_type="application/json", **headers)


def test_no_api_post_answers_500_to_hostile_dates_and_numbers() -> None:
    from fanzha.clues.models import SourceSystem

    system = SourceSystem(name="测试平台", source="96110")
    token = system.issue_token()
    system.save()
    client = _api_client(Role.INVESTIGATOR)
    failures: list[str] = []

    def attempt(path: str, body: Any, **headers: str) -> None:
        response = _post_json(client, path, body, **headers)
        if response.status_code >= 500:
            failures.append(f"{path} {body}")

    for moment in HOSTILE_DATETIMES:
        clue = {"source_id": f"X-{moment}", "received_at": moment, "kind": "涉诈短信"}
        attempt("/api/v1/clues/", {"clues": [clue]}, HTTP_AUTHORIZATION=f"Bearer {token}")
        attempt("/api/v1/cases/extract", {"text": "2026年1月1日被骗5000元", "reported_at": moment})
        attempt("/api/v1/funds/trace", {"account": "6222020000000000001", "after": moment})
    for amount in ("1e30", HUGE, "-1"):
        clue = {
            "source_id": f"A-{amount}",
            "received_at": "2026-11-20T10:00:00",
            "kind": "涉诈短信",
            "amount_yuan": amount,
        }
        attempt("/api/v1/clues/", {"clues": [clue]}, HTTP_AUTHORIZATION=f"Bearer {token}")
        attempt("/api/v1/funds/trace", {"account": "6222020000000000001", "amount_yuan": amount})
    for number in (0, -1, int(HUGE)):
        attempt("/api/v1/funds/trace", {"case_id": number, "account": ""})
        attempt("/api/v1/funds/trace", {"account": "6222020000000000001", "max_depth": number})
        attempt("/api/v1/funds/trace", {"account": "6222020000000000001", "window_hours": number})
    for value in HOSTILE:
        response = client.post(f"/api/v1/ranking/imports?{urlencode({'default_day': value})}", {})
        if response.status_code >= 500:
            failures.append(f"ranking/imports default_day={value}")
    assert failures == [], "\n".join(failures)
    received = _post_json(
        client,
        "/api/v1/clues/",
        {"clues": [{"source_id": "Y", "received_at": "9999-12-31T23:59:59", "kind": "涉诈短信"}]},
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert received.status_code == 400 and "超出范围" in received.json()["detail"]


# --- forms -----------------------------------------------------------------------------------


class _Forms(HTMLParser):
    """The POST forms of a page: action and fields (name, type, default value)."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict[str, Any]] = []
        self._select: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.forms.append(
                {"action": a.get("action", ""), "method": a.get("method", "get").lower(), "fields": []}
            )
        elif not self.forms:
            return
        elif tag == "input" and a.get("name"):
            kind = a.get("type", "text")
            if kind in ("checkbox", "radio") and "checked" not in a:
                return
            self.forms[-1]["fields"].append((a["name"], kind, a.get("value", "")))
        elif tag == "textarea" and a.get("name"):
            self.forms[-1]["fields"].append((a["name"], "textarea", "测试"))
        elif tag == "select" and a.get("name"):
            self._select = a["name"]
        elif tag == "option" and self._select:
            self.forms[-1]["fields"].append((self._select, "select", a.get("value", "")))
            self._select = None


DATE_INPUTS = {"date", "datetime-local", "month", "number"}
# Text fields that hold a date, a time or an amount (Django renders some of them as plain text).
DATE_NAMES = re.compile(r"(^|[-_])(at|day|date|until|after|yuan|amount|hours|depth)($|[-_])")
# What an empty required field gets, so that the form is valid except for the value under test.
PLAUSIBLE = {
    "account": "6222020000000000001",
    "title": "反诈宣传进社区",
    "who": "张三",
    "reason": "核实情况",
    "note": "已电话联系",
    "narrative": "2026年1月1日，辖区居民张三被冒充客服诈骗5000元。",
    "audience": "30",
    "max_depth": "3",
}
HOSTILE_FORM_VALUES = ["0001-01-01", "9999-12-31", "0001-01-01T00:00", "9999-12-31T23:59", HUGE, "-1"]


@pytest.mark.parametrize("role", [Role.INVESTIGATOR, Role.COMMAND_ROOM, Role.OFFICER])
def test_no_form_answers_500_to_hostile_dates_and_numbers(role: str) -> None:
    client = _as(role)
    failures: list[str] = []
    forms_tried = 0
    for route in page_routes():
        url = fill(route, user=_user(role))
        response = client.get(url)
        if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
            continue
        parser = _Forms()
        parser.feed(response.content.decode())
        for form in parser.forms:
            if form["method"] != "post":
                continue
            target = form["action"] or url
            if target.startswith(("/logout/", "/admin/")):
                continue
            hostile = [
                name for name, kind, _ in form["fields"] if kind in DATE_INPUTS or DATE_NAMES.search(name)
            ]
            if not hostile:
                continue
            forms_tried += 1
            base = {
                name: value or PLAUSIBLE.get(name, "")
                for name, kind, value in form["fields"]
                if kind != "file"
            }
            for name in hostile:
                for value in HOSTILE_FORM_VALUES:
                    if client.post(target, {**base, name: value}).status_code >= 500:
                        failures.append(f"{target} {name}={value}")
    assert forms_tried > 0
    assert failures == [], "\n".join(failures)
