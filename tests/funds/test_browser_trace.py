"""A real browser opens the trace page of a case with statements and saves the graph as a PNG
(test-artifacts/funds-trace.png)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from fanzha.county_loader import DEMO_PASSWORD
from fanzha.funds import imports
from fanzha.funds.models import ImportJob
from fanzha.stations.models import Role, User
from tests.funds.conftest import make_chain_case
from tests.web.test_browser import ARTIFACTS, browser, county_users  # noqa: F401  (fixtures)

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def test_trace_page_draws_the_layered_graph(
    browser: Any,  # noqa: F811
    live_server: Any,
    county_users: dict[str, str],  # noqa: F811
    data_dir: Path,
    chain_files: dict[str, Path],
) -> None:
    case = make_chain_case()
    investigator = User.objects.get(username=county_users[Role.INVESTIGATOR])
    uploads = [SimpleUploadedFile(p.name, p.read_bytes()) for p in chain_files.values()]
    job = imports.create_upload_job(uploads, case, investigator)
    imports.start_job(job, background=False)
    job.refresh_from_db()
    assert (job.status, job.created) == (ImportJob.Status.DONE, 13)

    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
    page = context.new_page()
    external: list[str] = []
    page.on("request", lambda r: None if r.url.startswith(live_server.url) else external.append(r.url))
    page.goto(f"{live_server.url}/login/")
    page.fill("input[name=username]", investigator.username)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_selector("h1")
    page.goto(f"{live_server.url}/funds/case/{case.pk}/")
    page.click("form.trace-form button[type=submit]")
    page.wait_for_selector("#trace-graph[data-ready='1']", timeout=15_000)
    assert page.inner_text("#accounts-reached") == "5"
    assert page.evaluate("typeof echarts") == "object", "ECharts must load from the app's static files"
    # The chart drew on its canvas: some pixels are not the white background.
    drawn = page.evaluate(
        """() => { const c = document.querySelector('#trace-graph canvas');
                   const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
                   let n = 0; for (let i = 0; i < d.length; i += 4) { if (d[i] < 200) n++; } return n; }"""
    )
    assert drawn > 2_000
    ARTIFACTS.mkdir(exist_ok=True)
    target = ARTIFACTS / "funds-trace.png"
    page.locator("#trace-graph").screenshot(path=str(target))
    assert target.stat().st_size > 10_000
    assert external == [], f"requests left the server: {external}"
    context.close()
