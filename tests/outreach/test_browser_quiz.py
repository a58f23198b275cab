"""A phone-sized browser takes the public quiz without logging in, sees the score with the
explanations and draws; the screenshot is saved to test-artifacts/quiz.png."""

from __future__ import annotations

from typing import Any

import pytest

from tests.web.test_browser import ARTIFACTS, browser, county_users  # noqa: F401  (fixtures)

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def test_quiz_on_a_390px_phone(browser: Any, live_server: Any, county_users: dict[str, str]) -> None:  # noqa: F811
    from fanzha.outreach import quiz
    from fanzha.outreach.models import QuizQuestion
    from fanzha.stations.models import Grid

    if not QuizQuestion.objects.exists():  # the live server's database was flushed
        quiz.sync_bank()
    grid = Grid.objects.order_by("code").first()
    assert grid is not None
    ARTIFACTS.mkdir(exist_ok=True)
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN", is_mobile=True)
    page = context.new_page()
    external: list[str] = []
    page.on("request", lambda r: external.append(r.url) if not r.url.startswith(live_server.url) else None)
    page.goto(f"{live_server.url}/public/quiz/?grid={grid.code}")
    assert "/login" not in page.url
    questions = page.locator("fieldset.question")
    assert questions.count() == 10
    # The page fits the phone: nothing wider than the viewport.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=str(ARTIFACTS / "quiz-questions.png"), full_page=False)
    for i in range(10):
        questions.nth(i).locator("label.choice").first.click()
    page.click("button[type=submit]")
    page.wait_for_selector("#score")
    score = page.inner_text("#score")
    assert score.endswith("/ 10")
    assert page.locator(".explain").count() == 10
    page.screenshot(path=str(ARTIFACTS / "quiz.png"), full_page=True)
    assert (ARTIFACTS / "quiz.png").stat().st_size > 10_000
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert external == []
    context.close()
