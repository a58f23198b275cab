"""In a real browser, every page of every role's navigation (and the admin site, the API docs and
the public pages) runs under the Content-Security-Policy without a single refusal, and the charts,
htmx and the API browser still work."""

from __future__ import annotations

from typing import Any

import pytest

from fanzha.stations.models import Role
from tests.web.test_browser import ARTIFACTS, browser, county_users  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def _watch(page: Any, refusals: list[str]) -> None:
    def on_console(message: Any) -> None:
        if "Content Security Policy" in message.text or "Refused to" in message.text:
            refusals.append(f"{page.url}: {message.text}")

    page.on("console", on_console)


def test_every_page_runs_under_the_policy_without_refusals(
    browser: Any,  # noqa: F811
    live_server: Any,
    county_users: dict[str, str],  # noqa: F811
) -> None:
    from fanzha.county_loader import DEMO_PASSWORD

    ARTIFACTS.mkdir(exist_ok=True)
    refusals: list[str] = []
    for role, username in county_users.items():
        context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
        page = context.new_page()
        _watch(page, refusals)
        page.goto(f"{live_server.url}/login/")
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", DEMO_PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_selector("h1")
        links = page.eval_on_selector_all("nav.nav a", "links => links.map(a => a.getAttribute('href'))")
        assert links, role
        extra = ["/admin/", "/admin/stations/resident/", "/api/v1/docs"] if role == Role.ADMIN else []
        for link in [*links, *extra]:
            page.goto(f"{live_server.url}{link}")
            page.wait_for_load_state("networkidle")
            if link in ("/analytics/", "/ranking/charts/"):
                page.wait_for_selector("canvas", timeout=10_000)  # ECharts drew under the policy
            if link == "/api/v1/docs":
                page.wait_for_selector(".swagger-ui .opblock", timeout=10_000)
                page.screenshot(path=str(ARTIFACTS / "api-docs.png"))
        context.close()
    public = browser.new_page()
    _watch(public, refusals)
    for link in ("/public/check/", "/public/quiz/", "/no-such-page/"):
        public.goto(f"{live_server.url}{link}")
        public.wait_for_load_state("networkidle")
    public.close()
    assert refusals == []
