"""The new-case page: seed case 1 pasted, its draft highlighted and checked, corrected, confirmed."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse
from django.utils.timezone import localtime

from fanzha.cases.intake import classification_training_rows, field_agreement
from fanzha.cases.models import Case, CategoryOverride
from fanzha.stations.models import AuditLog, Grid, User
from tests.cases.conftest import login, seed_text

pytestmark = pytest.mark.django_db

REPORTED = "2020-07-05T09:30"


def draft_post(client: Client, text: str, reported: str = REPORTED) -> str:
    response = client.post(
        reverse("cases:new"), {"narrative": text, "reported_at": reported, "action": "draft"}
    )
    assert response.status_code == 200
    return response.content.decode()


def confirm_data(page_html: str, text: str, reported: str = REPORTED, **changes: str) -> dict[str, str]:
    """The correction form as the page prefilled it, with some fields changed by the officer."""
    data = {"narrative": text, "reported_at": reported, "action": "confirm"}
    for name, value in re.findall(r'<input type="text" name="(f-[a-z_]+)" value="([^"]*)"', page_html):
        data[name] = value
    transfers = re.search(r'<textarea name="f-transfers"[^>]*>\n?(.*?)</textarea>', page_html, re.S)
    assert transfers is not None
    data["f-transfers"] = transfers.group(1)
    category = re.search(r'<select name="f-category".*?<option value="([^"]*)" selected>', page_html, re.S)
    assert category is not None
    data["f-category"] = category.group(1)
    grid = re.search(r'<select name="f-grid".*?<option value="(\d+)" selected>', page_html, re.S)
    data["f-grid"] = grid.group(1) if grid else ""
    data.update({f"f-{k}": v for k, v in changes.items()})
    return data


def test_seed_case_1_draft_shows_every_span_the_sum_mismatch_and_the_category(
    client: Client, officer: User
) -> None:
    login(client, officer)
    html = draft_post(client, seed_text(1))
    # The warning says plainly that the nine transfers make 96,135 while the loss stated is 96,108.
    warning = re.search(r'<li class="warning-transfer_sum_mismatch">(.*?)</li>', html, re.S)
    assert warning is not None
    assert "9笔转账" in warning.group(1) and "96135" in warning.group(1) and "96108" in warning.group(1)
    assert "相差27元" in warning.group(1)
    highlighted = html[html.index('data-testid="highlighted"') : html.index('class="legend"')]
    assert sorted(set(re.findall(r"转账 第(\d)笔", highlighted))) == [str(n) for n in range(1, 10)]
    assert re.search(
        r'<mark class="hl-time[^"]*" title="时间 2020-07-04 10:00[^"]*">2020年7月4日10时许</mark>', html
    )
    assert re.search(r'<mark class="hl-victim[^"]*"[^>]*>张某芹</mark>', html)
    assert re.search(r'<mark class="hl-channel[^"]*"[^>]*>微信群</mark>', html)
    assert re.search(r'<mark class="hl-loss[^"]*"[^>]*>96108元</mark>', html)
    # Classification: category, confidence, runner-up, tags and evidence phrases highlighted.
    classification = html[html.index('data-testid="classification"') :]
    assert "<strong>刷单返利类</strong>" in classification
    assert "次选" in classification
    assert '<mark class="hl-evidence">刷单</mark>' in classification
    assert "hl-evidence" in html[: html.index('data-testid="classification"')]
    # The correction form is prefilled with the machine's reading.
    assert 'name="f-loss_yuan" value="96108"' in html
    assert 'name="f-victim_name" value="张某芹"' in html


def test_confirming_stores_verbatim_text_draft_corrections_and_audit(
    client: Client, officer: User, officer_grid: Grid
) -> None:
    login(client, officer)
    text = seed_text(1)
    html = draft_post(client, text)
    data = confirm_data(html, text, loss_yuan="96135", loss_max_yuan="96135")
    data["f-grid"] = str(officer_grid.pk)
    response = client.post(reverse("cases:new"), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    case = Case.objects.get(narrative=text)
    assert response["Location"] == reverse("cases:detail", args=[case.pk])
    assert case.status == Case.Status.CONFIRMED
    assert case.draft["fields"]["loss_yuan"] == "96108"
    assert case.corrections == {
        "loss_yuan": {"machine": "96108", "officer": "96135"},
        "loss_max_yuan": {"machine": "96108", "officer": "96135"},
    }
    assert case.loss_fen == 9_613_500
    assert [t.amount_fen for t in case.transfers.all()] == [
        129900,
        358800,
        888800,
        1435200,
        1777600,
        717600,
        717600,
        1588000,
        2000000,
    ]
    assert case.category == "刷单返利类"
    assert case.grid == officer_grid
    assert case.victims.get().name == "张某芹"
    assert re.fullmatch(rf"A{officer_grid.community.station.code}20200705\d{{3}}", case.case_no)
    assert case.occurred_at is not None and localtime(case.occurred_at).isoformat().startswith(
        "2020-07-04T10:00"
    )
    assert AuditLog.objects.filter(action=AuditLog.Action.CREATE, object_id=str(case.pk)).exists()
    assert not CategoryOverride.objects.filter(case=case).exists()  # the officer kept the machine's category

    detail = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert "张*芹" in detail and "张某芹" not in detail  # the victim's name is masked on the case page
    assert "<strong>刷单返利类</strong>" in detail
    assert "民警更正" in detail and "96135" in detail

    report = field_agreement(Case.objects.filter(pk=case.pk))
    rates = {f.field: (f.n, f.agreed) for f in report.fields}
    assert rates["loss_yuan"] == (1, 0)
    assert rates["transfers"] == (1, 1)
    assert (case.narrative, "刷单返利类") in list(classification_training_rows())


def test_category_override_is_stored_with_who_and_when(
    client: Client, officer: User, officer_grid: Grid
) -> None:
    login(client, officer)
    text = seed_text(2)
    html = draft_post(client, text)
    data = confirm_data(
        html, text, category="网络婚恋、交友类（非虚假网络投资理财类）", category_reason="先恋爱后借钱"
    )
    data["f-grid"] = str(officer_grid.pk)
    assert client.post(reverse("cases:new"), data).status_code == 302
    case = Case.objects.get(narrative=text)
    override = CategoryOverride.objects.get(case=case)
    assert override.machine == "虚假网络投资理财类"
    assert override.category == "网络婚恋、交友类（非虚假网络投资理财类）"
    assert override.by == officer and override.reason == "先恋爱后借钱"
    assert case.corrections["category"]["machine"] == "虚假网络投资理财类"

    # Re-filing from the case page keeps the history and logs the change.
    response = client.post(
        reverse("cases:category", args=[case.pk]), {"category": "虚假网络投资理财类", "reason": "复核"}
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.category == "虚假网络投资理财类"
    assert CategoryOverride.objects.filter(case=case).count() == 2
    assert AuditLog.objects.filter(action=AuditLog.Action.CHANGE, object_id=str(case.pk)).exists()


def test_unreadable_correction_is_refused_with_the_line(
    client: Client, officer: User, officer_grid: Grid
) -> None:
    login(client, officer)
    text = seed_text(3)
    html = draft_post(client, text)
    data = confirm_data(html, text, transfers="280000 银行卡\n好多钱 微信")
    data["f-grid"] = str(officer_grid.pk)
    response = client.post(reverse("cases:new"), data)
    assert response.status_code == 200
    assert "转账第2行" in response.content.decode()
    assert not Case.objects.filter(narrative=text).exists()


def test_agreement_page_counts_confirmed_drafts(client: Client, officer: User, officer_grid: Grid) -> None:
    login(client, officer)
    text = seed_text(3)
    # Seed case 3 happened on 2020-08-06: reported the next day (an earlier report is refused).
    reported = "2020-08-07T09:30"
    data = confirm_data(draft_post(client, text, reported), text, reported)
    data["f-grid"] = str(officer_grid.pk)
    assert client.post(reverse("cases:new"), data).status_code == 302
    html = client.get(reverse("cases:agreement")).content.decode()
    assert re.search(r'data-testid="agreement-cases">1<', html)
    assert re.search(
        r"<td>损失（元，下限）</td><td class=\"num\">1</td><td class=\"num\">1</td><td class=\"num\">100.0%</td>",
        html,
    )
