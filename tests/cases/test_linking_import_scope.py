"""Cases linked by a shared card, the report-spreadsheet import, and who may see what."""

from __future__ import annotations

from datetime import datetime

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from stdnum import luhn

from fanzha.cases import drafting, intake, linking, reports_import
from fanzha.cases.models import Case, CaseImportReject
from fanzha.errors import UserFacingError
from fanzha.stations.models import Grid, User
from tests.cases.conftest import login

pytestmark = pytest.mark.django_db

CARD = "622202123456789012" + luhn.calc_check_digit("622202123456789012")


def story(day: int, card: str = CARD) -> str:
    return (
        f"2024年3月{day}日9时许，辖区居民李某某在QQ群看到兼职刷单广告，按对方要求通过银行卡"
        f"转账5000元（对方卡号：{card}），后对方称任务卡单需继续垫付，其意识到被骗，损失价值5000元。"
    )


def make_case(text: str, user: User, grid: Grid | None) -> Case:
    reported = timezone.make_aware(datetime(2024, 3, 20, 10, 0))
    draft = drafting.make_draft(text, reported)
    return intake.create_case(
        narrative=text, reported_at=reported, draft=draft, fields=draft["fields"], grid=grid, actor=user
    )


def test_the_same_card_in_two_cases_links_them_and_the_case_page_says_so(
    client: Client, officer: User, officer_grid: Grid
) -> None:
    first = make_case(story(1), officer, officer_grid)
    second = make_case(story(9), officer, officer_grid)
    assert first.identifiers.filter(kind="bank_account", value=CARD).exists()
    links = linking.links_of(second, officer)
    assert [lc.case for lc in links.linked] == [first]
    assert [i.value for i in links.linked[0].identifiers] == [CARD]

    login(client, officer)
    html = client.get(reverse("cases:detail", args=[second.pk])).content.decode()
    assert "该银行卡（622202********" in html and "出现在另外1起案件中" in html
    assert f'href="{reverse("cases:detail", args=[first.pk])}">{first.case_no}</a>' in html
    assert CARD not in html  # the card is masked everywhere on the page

    clusters = linking.clusters(officer)
    series = [c for c in clusters if first in c.cases]
    assert len(series) == 1 and second in series[0].cases
    page = client.get(reverse("cases:clusters")).content.decode()
    assert first.case_no in page and second.case_no in page


def test_clusters_follow_chains_and_respect_scope(
    officer: User, officer_grid: Grid, other_officer: User
) -> None:
    other_card = "621700000000000000" + luhn.calc_check_digit("621700000000000000")
    a = make_case(story(2), officer, officer_grid)
    b = make_case(story(3).replace("QQ群", f"QQ群，另向卡号{other_card}转账"), officer, officer_grid)
    c = make_case(story(4, other_card), officer, officer_grid)
    series = next(cl for cl in linking.clusters(officer) if a in cl.cases)
    assert {a, b, c} <= set(series.cases)  # a–b share CARD, b–c share other_card
    assert all(a not in cl.cases for cl in linking.clusters(other_officer))


def test_gbk_csv_import_reports_the_bad_row_by_line_and_reimport_adds_nothing(
    client: Client, investigator: User
) -> None:
    rows = [
        "案件编号,报案时间,简要案情,受害人",
        f"A-T-0001,2024-03-05 14:20,{story(5)},李某某",
        "A-T-0002,不知道哪天,2024年3月6日，辖区居民王某被骗3000元。,王某",
        f",2024/3/7 09:00,{story(7, '6222020000000000000')},",
    ]
    data = ("\r\n".join(rows) + "\r\n").encode("gbk")
    report = reports_import.import_report_file(data, "报案登记.csv", investigator)
    assert report.encoding == "gb18030"
    assert (report.rows, report.created, report.duplicates) == (3, 2, 0)
    assert [(r.line, r.reason) for r in report.rejected] == [(3, "报案时间“不知道哪天”无法识别")]
    reject = CaseImportReject.objects.get(line=3)
    assert "王某" in reject.raw and not reject.resolved
    imported = Case.objects.get(case_no="A-T-0001")
    assert imported.status == Case.Status.DRAFT and imported.source == "import"
    assert imported.draft["fields"]["loss_yuan"] == "5000"
    assert imported.transfers.count() == 1
    assert Case.objects.filter(import_batch__isnull=False).count() == 2

    again = reports_import.import_report_file(data, "报案登记.csv", investigator)
    assert (again.created, again.duplicates) == (0, 2)
    assert Case.objects.filter(import_batch__isnull=False).count() == 2
    assert CaseImportReject.objects.count() == 1  # the bad row is kept once, not once per import

    # Through the pages: upload → preview → import.
    login(client, investigator)
    from django.core.files.uploadedfile import SimpleUploadedFile

    preview = client.post(reverse("cases:import"), {"file": SimpleUploadedFile("r.csv", data)})
    html = preview.content.decode()
    assert 'data-testid="preview"' in html and "简要案情 ← 简要案情" in html
    batch = int(html.split('name="batch" value="')[1].split('"')[0])
    done = client.post(reverse("cases:import"), {"batch": batch}).content.decode()
    assert 'data-testid="import-report"' in done and "不知道哪天" in done
    assert Case.objects.filter(import_batch__isnull=False).count() == 2


def test_too_large_upload_is_refused_with_a_clear_error(client: Client, investigator: User) -> None:
    with pytest.raises(UserFacingError, match="超过 10 MB 上限"):
        reports_import.check_size(reports_import.MAX_UPLOAD_BYTES + 1)
    login(client, investigator)
    from django.core.files.uploadedfile import SimpleUploadedFile

    big = SimpleUploadedFile("big.csv", b"a" * (reports_import.MAX_UPLOAD_BYTES + 1))
    html = client.post(reverse("cases:import"), {"file": big}).content.decode()
    assert 'data-testid="upload-error"' in html and "超过 10 MB 上限" in html


def test_an_imported_draft_is_confirmed_on_the_review_page(client: Client, investigator: User) -> None:
    # Reported the day after it happened (a report before the occurrence is refused).
    data = ("报案时间,简要案情\n2024-03-12 14:20," + story(11) + "\n").encode("utf-8")
    reports_import.import_report_file(data, "r.csv", investigator)
    case = Case.objects.get(narrative=story(11))
    login(client, investigator)
    page = client.get(reverse("cases:review", args=[case.pk]))
    assert page.status_code == 200
    fields = dict(case.draft["fields"], loss_yuan="5100")
    post = {f"f-{k}": v for k, v in fields.items()}
    response = client.post(reverse("cases:review", args=[case.pk]), post)
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == Case.Status.CONFIRMED
    assert case.corrections == {"loss_yuan": {"machine": "5000", "officer": "5100"}}


def test_officer_of_another_grid_cannot_see_the_case(
    client: Client, officer: User, officer_grid: Grid, other_officer: User
) -> None:
    case = make_case(story(12), officer, officer_grid)
    login(client, other_officer)
    assert client.get(reverse("cases:detail", args=[case.pk])).status_code == 404
    assert case.case_no not in client.get(reverse("cases:list")).content.decode()
    assert client.get(f"/api/v1/cases/{case.pk}").status_code == 404
    login(client, officer)
    assert client.get(reverse("cases:detail", args=[case.pk])).status_code == 200
    assert client.get(f"/api/v1/cases/{case.pk}").json()["case_no"] == case.case_no


def test_api_extract_returns_the_draft(client: Client, officer: User) -> None:
    login(client, officer)
    response = client.post("/api/v1/cases/extract", {"text": story(14)}, content_type="application/json")
    assert response.status_code == 200
    body = response.json()
    assert body["fields"]["bank_accounts"] == CARD
    assert body["fields"]["transfers"] == f"5000 银行卡 {CARD} 2024-03-14 09:00"
    assert body["classification"]["category"] == "刷单返利类"


def test_review_page_refuses_an_occurrence_long_after_the_report(client: Client, investigator: User) -> None:
    data = ("报案时间,简要案情\n2024-03-05 14:20," + story(13) + "\n").encode("utf-8")
    reports_import.import_report_file(data, "r.csv", investigator)
    case = Case.objects.get(narrative=story(13))
    login(client, investigator)
    post = {f"f-{k}": v for k, v in case.draft["fields"].items()}
    post["f-occurred_at"] = "2024-03-09 10:00"
    response = client.post(reverse("cases:review", args=[case.pk]), post)
    assert response.status_code == 200
    assert "晚于报案时间" in response.content.decode()
    case.refresh_from_db()
    assert case.status == Case.Status.DRAFT
