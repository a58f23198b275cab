"""A real phone-sized browser (Debian's chromium via Playwright) uses the public check without
logging in: it pastes a fraud SMS, sees 高风险 with reasons and advice, and nothing leaves the server."""

from __future__ import annotations

from typing import Any

import pytest

from tests.web.test_browser import ARTIFACTS, browser  # noqa: F401  (the shared browser fixture)

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

FRAUD_SMS = (
    "【工商银行】您的账户存在异常已被冻结，请立即点击 http://icbc-verify.top/login 验证身份，否则将影响使用"
)


def test_resident_checks_a_message_on_a_phone_without_login(browser: Any, live_server: Any) -> None:  # noqa: F811
    ARTIFACTS.mkdir(exist_ok=True)
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
    page = context.new_page()
    external: list[str] = []
    page.on(
        "request",
        lambda request: None if request.url.startswith(live_server.url) else external.append(request.url),
    )
    page.goto(f"{live_server.url}/public/check/")
    assert "防骗查一查" in page.inner_text("h1")
    assert "/login" not in page.url
    page.fill("textarea[name=text]", FRAUD_SMS)
    page.click("button.check-button")
    page.wait_for_selector(".verdict-label")
    assert page.inner_text(".verdict-label") == "高风险"
    assert "icbc-verify.top" in page.inner_text(".reasons")
    assert "96110" in page.inner_text(".verdict")
    # Nothing wider than the phone: no horizontal scrolling.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=str(ARTIFACTS / "check.png"), full_page=True)
    assert (ARTIFACTS / "check.png").stat().st_size > 10_000
    # The resident then reports it: the text goes along, and a receipt comes back.
    from fanzha.clues.models import Clue

    before = Clue.objects.count()
    page.click("details.report summary")
    page.check("input[name=consent]")
    page.click("details.report button[type=submit]")
    page.wait_for_selector(".verdict-done")
    assert "已提交给派出所" in page.inner_text(".verdict-done")
    page.screenshot(path=str(ARTIFACTS / "check-reported.png"), full_page=True)
    assert Clue.objects.count() == before + 1
    assert Clue.objects.latest("created_at").raw["text"] == FRAUD_SMS
    assert external == [], f"requests left the server: {external}"
    context.close()


def test_resident_uploads_a_chat_screenshot_and_sees_the_text_and_verdict(
    browser: Any,  # noqa: F811
    live_server: Any,
) -> None:
    from fanzha.domain.screenshot_text import tesseract_available
    from tests.domain.test_screenshot_text import FRAUD_CHAT, render

    if not tesseract_available():
        pytest.skip("tesseract is not installed (apt-get install tesseract-ocr tesseract-ocr-chi-sim)")
    from fanzha.clues.models import Clue

    clues = Clue.objects.count()
    ARTIFACTS.mkdir(exist_ok=True)
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
    page = context.new_page()
    page.goto(f"{live_server.url}/public/check/")
    assert page.get_attribute("input[type=file]", "accept") == "image/*"
    page.set_input_files(
        "input[type=file]",
        files=[{"name": "微信截图.png", "mimeType": "image/png", "buffer": render(FRAUD_CHAT)}],
    )
    page.click("button.check-button")
    page.wait_for_selector(".verdict-label")
    assert page.inner_text(".verdict-label") == "高风险"
    assert "截图" in page.inner_text(".ocr-note")
    # The recognised text is in the box, editable, for the resident to correct and check again.
    recognised = page.input_value("form.check-form textarea[name=text]")
    assert "刷单" in recognised and "垫付" in recognised
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=str(ARTIFACTS / "check-screenshot.png"), full_page=True)
    page.fill("form.check-form textarea[name=text]", recognised.replace("刷单", "刷单兼职"))
    page.click("button.check-button")
    page.wait_for_selector(".verdict-label")
    assert "刷单兼职" in page.input_value("form.check-form textarea[name=text]")
    assert Clue.objects.count() == clues  # checking stores nothing
    context.close()


BOSS_CHAT = (
    "张总\n以上是打招呼内容\n小王，我是张建国，这是我私人微信。我在开会不方便接电话，"
    "有个供应商的货款急着付，你先帮我垫付一下5万，明天让财务给你报销。"
)


def test_resident_sees_the_script_the_words_and_the_one_action_that_protects(
    browser: Any,  # noqa: F811
    live_server: Any,
) -> None:
    """A chat in which a "boss" asks to advance money: the page names the script, quotes what the
    sender claims and asks, and leads with calling back on the number the resident already had."""
    ARTIFACTS.mkdir(exist_ok=True)
    context = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
    page = context.new_page()
    page.goto(f"{live_server.url}/public/check/")
    page.fill("textarea[name=text]", BOSS_CHAT)
    page.click("button.check-button")
    page.wait_for_selector(".verdict-label")
    assert page.inner_text(".verdict-label") == "高风险"
    assert "冒充领导、熟人要钱" in page.inner_text(".verdict-script")
    moves = page.inner_text(".moves")
    assert "对方自称" in moves and "对方要你做的事" in moves
    assert "垫付一下5万" in moves
    assert "原来存的号码" in page.inner_text(".protect")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=str(ARTIFACTS / "check-boss-chat.png"), full_page=True)
    # An ordinary message is not cleared as safe: the lowest verdict says what it means.
    page.fill("form.check-form textarea[name=text]", "妈，我到学校了，生活费收到了，谢谢。周末回家吃饭")
    page.click("button.check-button")
    page.wait_for_selector(".verdict-safe")
    assert page.inner_text(".verdict-label") == "未发现明显诈骗特征"
    assert "不等于安全" in page.inner_text(".verdict")
    page.screenshot(path=str(ARTIFACTS / "check-no-sign.png"), full_page=True)
    context.close()
