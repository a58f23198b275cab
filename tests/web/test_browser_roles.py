"""Role by role, in a real browser (Debian's chromium, headless): each role does its daily task end
to end, and a screenshot of every task is saved as test-artifacts/role-<role>-<task>.png.

Phones (390 px) for the community officer, the grid worker and the resident; a desk (1280 px) for
the investigator, the command room, the leader and the administrator."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from fanzha.stations.models import Role
from tests.web.test_browser import ARTIFACTS, browser, county_users  # noqa: F401  (fixtures)

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
DESK = {"width": 1280, "height": 900}


class Session:
    """One signed-in browser context that saves a screenshot per task and notes outside requests."""

    def __init__(
        self, chromium: Any, live_server: Any, role: str, username: str | None, viewport: dict[str, int]
    ):
        from fanzha.county_loader import DEMO_PASSWORD

        self.base = live_server.url
        self.role = role
        self.context = chromium.new_context(viewport=viewport, locale="zh-CN")
        self.page = self.context.new_page()
        self.external: list[str] = []
        self.page.on("request", self._note)
        if username:
            self.page.goto(f"{self.base}/login/")
            self.page.fill("input[name=username]", username)
            self.page.fill("input[name=password]", DEMO_PASSWORD)
            self.page.click("button[type=submit]")
            self.page.wait_for_selector("h1")

    def _note(self, request: Any) -> None:
        if not request.url.startswith(self.base) and not request.url.startswith("tel:"):
            self.external.append(request.url)

    def go(self, path: str) -> Any:
        self.page.goto(f"{self.base}{path}")
        self.page.wait_for_selector("h1")
        return self.page

    def shot(self, task: str) -> Path:
        ARTIFACTS.mkdir(exist_ok=True)
        target = ARTIFACTS / f"role-{self.role}-{task}.png"
        self.page.screenshot(path=str(target), full_page=True)
        assert target.stat().st_size > 10_000, target
        return target

    def close(self) -> None:
        assert self.external == [], f"requests left the server: {self.external}"
        # A phone page must not scroll sideways as a whole (wide tables scroll inside themselves).
        width = self.page.evaluate("document.documentElement.scrollWidth")
        assert width <= self.page.viewport_size["width"] + 1, f"{self.role}: page is {width}px wide"
        self.context.close()


def _dispatched_clue_for(officer: Any) -> Any:
    from fanzha.clues.intake import ClueInput, receive_clues
    from fanzha.clues.models import Clue
    from fanzha.stations.models import Resident

    resident = Resident.objects.filter(grid__officer=officer).exclude(phone="").order_by("pk").first()
    assert resident is not None
    receive_clues(
        [
            ClueInput(
                source="96110",
                source_id="ROLE-OFFICER-1",
                received_at=timezone.now() - timedelta(minutes=10),
                target_name=resident.name,
                target_id_number=resident.id_number,
                target_phone=resident.phone,
                kind="向涉案账户转账",
                fraud_identifier="6222029999999999",
                suspected_category="虚假网络投资理财类",
                amount_fen=2_000_000,
            )
        ]
    )
    return Clue.objects.get(source_id="ROLE-OFFICER-1"), resident


def test_officer_reaches_the_person_records_the_call_and_closes_the_clue_on_a_phone(
    browser: Any,  # noqa: F811
    live_server: Any,
    county_users: dict[str, str],  # noqa: F811
) -> None:
    from fanzha.clues.models import Clue
    from fanzha.stations.models import User

    officer = User.objects.get(username=county_users[Role.OFFICER])
    clue, resident = _dispatched_clue_for(officer)
    s = Session(browser, live_server, "officer", officer.username, PHONE)
    page = s.page
    assert "我的预警线索" in page.inner_text("main")
    assert page.locator(".coverage-row").count() >= 1
    s.shot("home")
    s.go(f"/clues/{clue.pk}/")
    assert resident.phone not in page.content()
    page.fill("#contact form.unmask input[name=reason]", "电话劝阻")
    page.click("#contact form.unmask button[type=submit]")
    page.wait_for_selector("#contact a.tel")
    assert page.get_attribute("#contact a.tel", "href") == f"tel:{resident.phone}"
    s.shot("clue-unmasked")
    page.click("#record-action label:has-text('电话劝阻')")
    page.click("#record-action label:has-text('已联系上')")
    page.fill("#record-action textarea[name=note]", "已电话劝阻，对象表示不再转账")
    page.click("#record-action button[type=submit]")
    page.wait_for_selector(".messages")
    assert "已记录" in page.inner_text(".messages")
    s.shot("call-recorded")
    page.select_option("#close select[name=outcome]", "stopped")
    page.click("#close button[type=submit]")
    page.wait_for_selector(".messages")
    assert "已办结" in page.inner_text(".messages")
    clue.refresh_from_db()
    assert clue.status == Clue.Status.CLOSED and clue.actions.get().reached is True
    page.click(f"a[href='/residents/{resident.pk}/']")
    page.wait_for_selector("h1")
    assert "ROLE-OFFICER-1" not in page.content() and "向涉案账户转账" in page.inner_text("main")
    s.shot("resident")
    s.close()


def test_grid_worker_registers_a_door_visit_on_a_phone(
    browser: Any,  # noqa: F811
    live_server: Any,
    county_users: dict[str, str],  # noqa: F811
) -> None:
    from fanzha.ranking.models import AppRegistration
    from fanzha.ranking.services.figures import today
    from fanzha.stations import scope
    from fanzha.stations.models import User

    worker = User.objects.get(username=county_users[Role.GRID_WORKER])
    resident = scope.visible_residents(worker).filter(app_registration__isnull=True).order_by("pk").first()
    assert resident is not None
    s = Session(browser, live_server, "grid_worker", worker.username, PHONE)
    page = s.page
    assert "覆盖率 = 已注册反诈APP人数 ÷ 14周岁及以上居民人数" in page.inner_text("main")
    s.shot("home")
    page.click("a.button:has-text('入户登记')")
    page.wait_for_selector("#door-visit-form")
    # The date field opens filled with today, so 登记 works without picking a date by hand.
    assert page.input_value("input[name=day]") == today().isoformat()
    page.fill("input[name=who]", resident.id_number)
    page.click("#door-visit-form button[type=submit]")
    page.wait_for_selector(".messages")
    assert "已登记" in page.inner_text(".messages")
    assert AppRegistration.objects.get(resident=resident).day == today()
    s.shot("door-visit")
    s.go("/residents/")
    assert page.locator("form.unmask").count() == 0 and "显示完整信息" not in page.content()
    s.shot("residents")
    s.close()


def _load_chain_statements(investigator: Any, folder: Path) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from fanzha.funds import imports
    from tests.domain.test_trace import write_case

    folder.mkdir()
    files = write_case(folder)
    uploads = [SimpleUploadedFile(p.name, p.read_bytes()) for p in files.values()]
    job = imports.create_upload_job(uploads, None, investigator)
    imports.start_job(job, background=False)
    job.refresh_from_db()
    assert job.created == 13, job.error


def test_investigator_turns_a_narrative_into_a_case_and_traces_its_money(
    browser: Any,  # noqa: F811
    live_server: Any,
    county_users: dict[str, str],  # noqa: F811
    settings: Any,
    tmp_path: Path,
) -> None:
    from fanzha.cases.models import Case
    from fanzha.stations.models import User
    from tests.domain.test_trace import M1, M2

    settings.DATA_DIR = tmp_path
    settings.FUNDS_INLINE_IMPORT_BYTES = 50 * 1024 * 1024
    investigator = User.objects.get(username=county_users[Role.INVESTIGATOR])
    _load_chain_statements(investigator, tmp_path / "chain")
    narrative = (
        f"2024年3月5日9时许，辖区居民李某在QQ群看到投资广告，按对方要求通过手机银行向对方银行卡{M1}转账5000元，"
        f"2024年3月5日9时30分又通过银行卡向{M2}转账3000元，当天下午又通过支付宝转账9000元，后发现被骗，损失17000元。"
    )
    s = Session(browser, live_server, "investigator", investigator.username, DESK)
    page = s.go("/cases/new/")
    page.fill("textarea[name=narrative]", narrative)
    page.fill("input[name=reported_at]", "2024-03-06T10:00")
    page.click("button[value=draft]")
    page.wait_for_selector("[data-testid=confirm]")
    transfers = page.input_value("textarea[name=f-transfers]")
    assert (
        f"5000 银行卡 {M1} 2024-03-05 09:00" in transfers
        and f"3000 银行卡 {M2} 2024-03-05 09:30" in transfers
    )
    s.shot("new-case-draft")
    page.click("[data-testid=confirm]")
    page.wait_for_selector("[data-testid=funds-link]")
    case = Case.objects.get(narrative=narrative)
    assert [t.to_account for t in case.transfers.order_by("seq")] == [M1, M2, ""]
    s.shot("case")
    page.click("[data-testid=funds-link]")
    page.wait_for_selector("form.trace-form")
    page.click("form.trace-form button[type=submit]")
    page.wait_for_selector("#trace-graph[data-ready='1']", timeout=15_000)
    coverage = page.inner_text("#trace-coverage")
    assert "本次追踪了 2 笔转账 8,000.00 元" in coverage and "未能追踪 1 笔 9,000.00 元" in coverage
    assert "支付宝（中国）网络技术有限公司" in page.inner_text("#untraced")
    assert "到账至今（天）" in page.inner_text("#freeze-table")
    s.shot("trace")
    page.click("#untraced a:has-text('打印调证函')")
    page.wait_for_selector("article.evidence-request")
    assert "调取证据通知书" in page.inner_text("main")
    s.shot("evidence-request")
    s.close()


def test_command_room_hands_an_unmatched_clue_to_the_responsible_station(
    browser: Any,  # noqa: F811
    live_server: Any,
    county_users: dict[str, str],  # noqa: F811
) -> None:
    from fanzha.clues.intake import ClueInput, receive_clues
    from fanzha.clues.models import Clue

    receive_clues(
        [
            ClueInput(
                source="上级下发",
                source_id="ROLE-OUTSIDER-1",
                received_at=timezone.now() - timedelta(hours=1),
                target_name="外某某",
                target_id_number="110101199001011237",
                target_address="外省某市某路1号",
                kind="向涉案账户转账",
            )
        ]
    )
    clue = Clue.objects.get(source_id="ROLE-OUTSIDER-1")
    assert clue.status == Clue.Status.QUEUED
    s = Session(browser, live_server, "command_room", county_users[Role.COMMAND_ROOM], DESK)
    page = s.page
    assert page.locator(".coverage-row").count() > 1
    s.shot("home")
    s.go("/clues/queue/")
    assert "按应处置时限" in page.inner_text("main")
    s.shot("queue")
    page.click(f"#queued-table a[href='/clues/{clue.pk}/#hand-over']")
    page.wait_for_selector("#hand-over")
    page.fill("#hand-over input[name=handed_to]", "东城县公安局城南派出所")
    page.fill("#hand-over input[name=note]", "身份证号为外省，电话核实现居外省")
    page.click("#hand-over button[type=submit]")
    page.wait_for_selector(".messages")
    assert "已移交东城县公安局城南派出所" in page.inner_text(".messages")
    clue.refresh_from_db()
    assert clue.handed_to == "东城县公安局城南派出所"
    s.shot("hand-over")
    s.go("/clues/analysis/")
    assert "未选日期时，默认截至数据的最后一天" in page.inner_text("main")
    s.shot("analysis")
    s.close()


def test_leader_reads_coverage_trends_and_the_campaign_effect(
    browser: Any,  # noqa: F811
    live_server: Any,
    county_users: dict[str, str],  # noqa: F811
    test_county: Any,
) -> None:
    s = Session(browser, live_server, "leader", county_users[Role.LEADER], DESK)
    page = s.page
    assert page.locator(".coverage-row").count() > 1
    s.shot("home")
    start = test_county.truth()["campaign_start"]
    s.go(f"/analytics/?start={start}&months_before=12&months_after=12")
    page.wait_for_selector("#effect-chart canvas")
    page.wait_for_selector("#t-age_category_risk canvas")
    sentence = page.inner_text("#effect-sentence")
    assert re.match(r"发案(下降|上升)约\d+%", sentence), sentence
    assert "Poisson" not in page.inner_text("main").split("怎么算的")[0]
    charts = page.evaluate(
        """() => {
          const option = (key) => echarts.getInstanceByDom(document.querySelector(`.chart[data-key='${key}']`)).getOption();
          const effect = echarts.getInstanceByDom(document.getElementById('effect-chart')).getOption();
          return {
            donut: option('by_category').series[0].data.length,
            donutLegend: option('by_category').legend.length,
            sexLegend: option('by_sex').legend.length,
            barLabels: option('by_grid').series[0].label.show && option('monthly').series[0].label.show,
            heatmap: option('age_category_risk').series[0].type,
            start: effect.series[0].markArea.label.formatter,
          };
        }"""
    )
    assert charts["donut"] <= 9 and charts["donutLegend"] and charts["sexLegend"] and charts["barLabels"]
    assert charts["heatmap"] == "heatmap" and charts["start"].startswith(f"活动开始 {start}")
    page.wait_for_timeout(500)  # let the charts finish drawing
    s.shot("analytics")
    s.go("/ranking/")
    assert "覆盖率 = 已注册反诈APP人数" in page.inner_text("main")
    s.shot("ranking")
    s.go("/outreach/effect/")
    s.shot("outreach-effect")
    s.close()


def test_resident_checks_a_message_and_sees_only_the_stations_public_face(
    browser: Any,  # noqa: F811
    live_server: Any,
    county_users: dict[str, str],  # noqa: F811
) -> None:
    from fanzha.stations.models import Station

    station = Station.objects.get()
    s = Session(browser, live_server, "resident", None, PHONE)
    page = s.go("/public/check/")
    page.fill(
        "textarea[name=text]",
        "【工商银行】您的账户存在异常已被冻结，请立即点击 http://icbc-verify.top/login 验证身份",
    )
    page.click("button.check-button")
    page.wait_for_selector(".verdict")
    text = page.inner_text("body")
    assert station.name in text and "96110" in text and "110" in text
    assert "反诈工作台" not in text and page.locator("a[href='/login/']").count() == 0
    s.shot("check")
    s.go("/public/quiz/")
    assert station.name in page.inner_text("body") and "反诈工作台" not in page.inner_text("body")
    s.shot("quiz")
    s.close()


def test_administrator_reads_the_audit_log(
    browser: Any,  # noqa: F811
    live_server: Any,
    county_users: dict[str, str],  # noqa: F811
) -> None:
    s = Session(browser, live_server, "admin", county_users[Role.ADMIN], DESK)
    s.shot("home")
    page = s.go("/audit/")
    assert "审计" in page.inner_text("h1")
    s.shot("audit")
    s.close()
