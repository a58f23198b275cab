"""A real browser pastes seed case 1 on the new-case page, sees the highlights and confirms."""

from __future__ import annotations

from typing import Any

import pytest

from fanzha.stations.models import Role
from tests.cases.conftest import seed_text

# The same Debian chromium launch as the shell's browser test (fixture imported by name).
from tests.web.test_browser import ARTIFACTS, browser  # noqa: F401

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def test_officer_pastes_seed_case_1_sees_highlights_and_confirms(
    browser: Any,  # noqa: F811
    live_server: Any,
    test_county: Any,
) -> None:
    from fanzha.cases.models import Case
    from fanzha.county_loader import DEMO_PASSWORD, load_county
    from fanzha.stations.models import User

    if not User.objects.exists():
        load_county(test_county)
    officer = User.objects.filter(role=Role.OFFICER).order_by("username").first()
    assert officer is not None
    ARTIFACTS.mkdir(exist_ok=True)
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
    page = context.new_page()
    page.goto(f"{live_server.url}/login/")
    page.fill("input[name=username]", officer.username)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("h1")
    page.goto(f"{live_server.url}/cases/new/")
    page.fill("textarea[name=narrative]", seed_text(1))
    page.fill("input[name=reported_at]", "2020-07-05T09:30")
    page.click("button[value=draft]")
    page.wait_for_selector("[data-testid=highlighted]")
    assert page.locator("[data-testid=highlighted] mark.hl-transfer").count() >= 9
    assert page.locator("[data-testid=highlighted] mark.hl-victim").inner_text() == "张某芹"
    warning = page.locator("[data-testid=warnings]").inner_text()
    assert "96135" in warning and "96108" in warning
    assert "刷单返利类" in page.locator("[data-testid=classification]").inner_text()
    page.screenshot(path=str(ARTIFACTS / "cases-new-draft.png"), full_page=True)
    page.fill("input[name=f-loss_yuan]", "96135")
    page.click("[data-testid=confirm]")
    page.wait_for_selector("[data-testid=linked-cases]")
    assert "已建立" in page.inner_text(".messages")
    page.screenshot(path=str(ARTIFACTS / "cases-confirmed.png"), full_page=True)
    case = Case.objects.get(narrative=seed_text(1))
    assert case.corrections["loss_yuan"] == {"machine": "96108", "officer": "96135"}
    assert (ARTIFACTS / "cases-new-draft.png").stat().st_size > 10_000
    context.close()
