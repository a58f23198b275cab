"""An officer and the command room run a reminder campaign end to end in a real browser: choose
who, preview what a resident reads, record, export the SMS platform's file, post to the WeChat
group, and see the effect. Screenshots go to test-artifacts/reminders-*.png."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from openpyxl import load_workbook

from tests.web.test_browser import ARTIFACTS, browser, county_users  # noqa: F401  (fixtures)

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

OWN_TEXT = "【城关派出所】近期刷单诈骗多发，凡是要您先垫钱的兼职都是诈骗，请勿转账！"


def _login(chromium: Any, live_server: Any, username: str, width: int = 1280) -> Any:
    from fanzha.county_loader import DEMO_PASSWORD

    context = chromium.new_context(
        viewport={"width": width, "height": 900}, locale="zh-CN", accept_downloads=True
    )
    page = context.new_page()
    page.goto(f"{live_server.url}/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("h1")
    return context, page


def test_an_officer_chooses_previews_records_and_exports(
    browser: Any,  # noqa: F811
    live_server: Any,
    county_users: dict[str, str],  # noqa: F811
) -> None:
    from fanzha.domain import reminder_audience as rules
    from fanzha.reminders.models import ReminderCampaign
    from fanzha.stations import scope
    from fanzha.stations.models import AuditLog, User

    ARTIFACTS.mkdir(exist_ok=True)
    officer = User.objects.get(username=county_users["officer"])
    own = sorted(scope.visible_grids(officer).values_list("code", flat=True))
    context, page = _login(browser, live_server, officer.username)
    external: list[str] = []
    page.on("request", lambda r: external.append(r.url) if not r.url.startswith(live_server.url) else None)

    page.click("nav >> text=防骗提醒")
    page.click("text=新建提醒")
    page.wait_for_selector("#audience-form")
    offered = page.locator("input[name=grids]")
    assert sorted(offered.nth(i).get_attribute("value") for i in range(offered.count())) == own
    page.screenshot(path=str(ARTIFACTS / "reminders-1-choose-officer.png"), full_page=True)

    page.select_option("select[name=category]", "刷单返利类")
    for code in own:
        page.check(f'input[name=grids][value="{code}"]')
    page.check('input[name=sex][value="女"]')
    page.check('input[name=age_bands][value="18-25岁"]')
    page.check('input[name=age_bands][value="26-35岁"]')
    page.click("text=查看人数和短信")
    page.wait_for_selector("#preview")
    audience = int(page.inner_text("#audience-count"))
    to_send = int(page.inner_text("#send-count"))
    assert 0 < to_send <= audience
    assert page.inner_text("#sms-bubble").startswith("【城关派出所】")
    page.fill("#sms-text", OWN_TEXT)
    assert page.inner_text("#sms-bubble") == OWN_TEXT
    assert page.inner_text("#sms-length") == str(len(OWN_TEXT))
    page.screenshot(path=str(ARTIFACTS / "reminders-2-preview-officer.png"), full_page=True)

    page.click("#record")
    page.wait_for_selector("#hand-over")
    campaign = ReminderCampaign.objects.order_by("-pk").first()
    assert campaign is not None and campaign.created_by == officer and campaign.sms_text == OWN_TEXT
    assert set(campaign.grids.values_list("code", flat=True)) == set(own)
    assert "已记录提醒活动" in page.inner_text(".messages")
    page.screenshot(path=str(ARTIFACTS / "reminders-3-recorded-officer.png"), full_page=True)

    page.fill("#reason", "交短信平台发送本次提醒")
    with page.expect_download() as info:
        page.click("button[value=xlsx]")
    target = ARTIFACTS / "reminders-sms-platform.xlsx"
    info.value.save_as(str(target))
    rows = list(load_workbook(target)["短信发送"].iter_rows(values_only=True))
    assert rows[0] == ("手机号码", "短信内容")
    assert len(rows) - 1 == campaign.recipients.filter(status=rules.EXPORTED).count() == to_send
    assert {r[1] for r in rows[1:]} == {OWN_TEXT}
    assert AuditLog.objects.filter(
        action=AuditLog.Action.EXPORT, object_id=str(campaign.pk), user=officer
    ).exists()

    page.click("text=已发到微信群")
    page.wait_for_selector(".messages")
    assert "已发到警务微信群" in page.inner_text(".messages")
    assert "已导出给短信平台" in page.inner_text("h1 + p")
    page.screenshot(path=str(ARTIFACTS / "reminders-4-exported-officer.png"), full_page=True)
    assert external == [], f"requests left the server: {external}"
    context.close()


def test_the_command_room_takes_a_suggestion_and_sees_the_effect(
    browser: Any,  # noqa: F811
    live_server: Any,
    county_users: dict[str, str],  # noqa: F811
) -> None:
    from fanzha.domain import reminder_audience as rules
    from fanzha.reminders.models import ReminderCampaign

    ARTIFACTS.mkdir(exist_ok=True)
    context, page = _login(browser, live_server, county_users["command_room"])
    page.goto(f"{live_server.url}/reminders/new/")
    suggestion = page.locator(".suggestion").first
    suggestion.wait_for()
    described = suggestion.locator("strong").inner_text()
    suggestion.locator("text=选用").click()
    page.wait_for_selector("#preview")
    assert described in page.inner_text("#preview")
    page.click("#record")
    page.wait_for_selector("#hand-over")
    campaign = ReminderCampaign.objects.order_by("-pk").first()
    assert campaign is not None and campaign.description == described
    page.fill("#reason", "交短信平台发送")
    with page.expect_download() as info:
        page.click("button[value=csv]")
    text = info.value.path().read_bytes().decode("utf-8-sig")
    numbers = [row[0] for row in csv.reader(io.StringIO(text))][1:]
    assert len(numbers) == campaign.recipients.filter(status=rules.EXPORTED).count() > 0

    page.goto(f"{live_server.url}/reminders/effect/")
    page.wait_for_selector("#effect-cases")
    assert "报案被骗" in page.inner_text("#effect-cases")
    page.screenshot(path=str(ARTIFACTS / "reminders-5-effect-command.png"), full_page=True)
    generated = ReminderCampaign.objects.exclude(pk=campaign.pk).order_by("-day").first()
    assert generated is not None
    page.goto(f"{live_server.url}/reminders/{generated.pk}/")
    page.wait_for_selector("#effect")
    page.screenshot(path=str(ARTIFACTS / "reminders-6-generated-campaign.png"), full_page=True)
    context.close()


def test_the_preview_fits_a_phone(
    browser: Any,  # noqa: F811
    live_server: Any,
    county_users: dict[str, str],  # noqa: F811
) -> None:
    context, page = _login(browser, live_server, county_users["command_room"], width=390)
    page.goto(
        f"{live_server.url}/reminders/new/?category=刷单返利类&grids=G01&grids=G02&sex=女&holdout_percent=10"
    )
    page.wait_for_selector("#preview")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=str(ARTIFACTS / "reminders-7-preview-phone.png"), full_page=True)
    context.close()
