"""A real browser (Debian's chromium, headless, via Playwright) logs in as each role and saves a
screenshot of the home page into test-artifacts/."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from fanzha.stations.models import Role

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="module")
def browser() -> Any:
    if not Path(CHROMIUM).exists():
        pytest.fail("Debian's chromium is required for browser tests (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield instance
        instance.close()


@pytest.fixture
def county_users(test_county: Any) -> dict[str, str]:
    """The live server's database is flushed between tests, so load the county for each test."""
    from fanzha.county_loader import load_county
    from fanzha.stations.models import User

    if not User.objects.exists():
        load_county(test_county)
    return {role: User.objects.filter(role=role).order_by("username").first().username for role in Role}  # type: ignore[union-attr]


def test_every_role_logs_in_and_sees_its_home(
    browser: Any, live_server: Any, county_users: dict[str, str]
) -> None:
    from fanzha.county_loader import DEMO_PASSWORD
    from tests.web.test_pages import HOME_TITLES

    ARTIFACTS.mkdir(exist_ok=True)
    for role, username in county_users.items():
        context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
        page = context.new_page()
        external: list[str] = []

        def note_external(request: Any, seen: list[str] = external) -> None:
            if not request.url.startswith(live_server.url):
                seen.append(request.url)

        page.on("request", note_external)
        page.goto(f"{live_server.url}/login/")
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", DEMO_PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_selector("h1")
        assert HOME_TITLES[Role(role)] in page.inner_text("h1")
        assert page.evaluate("typeof htmx") == "object", "htmx must load from the app's own static files"
        page.screenshot(path=str(ARTIFACTS / f"home-{role}.png"), full_page=True)
        assert (ARTIFACTS / f"home-{role}.png").stat().st_size > 10_000
        assert external == [], f"requests left the server: {external}"
        context.close()
