"""Absurd case dates (a mistyped year, an occurrence after the report) are refused on the forms and
become import rejects with their line, never stored: each would stretch the analytics' monthly
tables over decades."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.urls import reverse
from django.utils.html import escape

from fanzha.cases import reports_import
from fanzha.cases.drafting import case_date_problems
from fanzha.cases.models import Case, CaseImportReject
from fanzha.stations.models import Grid, User
from tests.cases.conftest import login, seed_text
from tests.cases.test_new_case_page import REPORTED, confirm_data, draft_post

NOW = datetime(2026, 11, 26, 9, 0)


def test_dates_on_the_boundaries() -> None:
    assert case_date_problems(NOW, reported_at=datetime(1990, 1, 1)) == {}
    assert case_date_problems(NOW, reported_at=datetime(1989, 12, 31, 23, 59)) == {
        "reported_at": "报案时间“1989-12-31”早于1990年1月1日，请核对年份"
    }
    assert case_date_problems(NOW, reported_at=NOW + timedelta(hours=23)) == {}
    assert case_date_problems(NOW, occurred_at=datetime(2062, 3, 1)) == {
        "occurred_at": "发案时间“2062-03-01 00:00”晚于当前时间一天以上，请核对年份"
    }
    reported = datetime(2024, 3, 5, 14, 0)
    assert case_date_problems(NOW, reported_at=reported, occurred_at=reported + timedelta(hours=23)) == {}
    assert case_date_problems(
        NOW, reported_at=reported, occurred_until=reported + timedelta(days=1, minutes=1)
    ) == {"occurred_until": "发案时间（止）“2024-03-06 14:01”晚于报案时间“2024-03-05 14:00”一天以上，请核对"}
    # An aware value is read as Beijing wall-clock time: 16:30 UTC is 00:30 the next day there.
    aware_now = datetime(2026, 11, 26, 16, 30, tzinfo=ZoneInfo("UTC"))
    assert "reported_at" in case_date_problems(aware_now, reported_at=datetime(2026, 11, 28, 0, 31))
    assert case_date_problems(aware_now, reported_at=datetime(2026, 11, 28, 0, 29)) == {}


@pytest.mark.django_db
def test_new_case_form_refuses_a_mistyped_report_year(client: Client, officer: User) -> None:
    login(client, officer)
    text = seed_text(1)
    response = client.post(
        reverse("cases:new"), {"narrative": text, "reported_at": "1920-07-05T09:30", "action": "draft"}
    )
    assert response.status_code == 200
    assert escape("报案时间“1920-07-05”早于1990年1月1日，请核对年份") in response.content.decode()
    assert not Case.objects.filter(narrative=text).exists()


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("occurred_at", "2062-07-04 10:00", "发案时间“2062-07-04 10:00”晚于当前时间一天以上，请核对年份"),
        (
            "occurred_at",
            "2020-07-08 10:00",
            "发案时间“2020-07-08 10:00”晚于报案时间“2020-07-05 09:30”一天以上，请核对",
        ),
        ("occurred_until", "1920-07-04 12:00", "发案时间（止）“1920-07-04”早于1990年1月1日，请核对年份"),
    ],
)
def test_correction_form_refuses_absurd_occurrence_times(
    client: Client, officer: User, officer_grid: Grid, field: str, value: str, message: str
) -> None:
    login(client, officer)
    text = seed_text(1)
    data = confirm_data(draft_post(client, text), text, **{field: value})
    assert data["reported_at"] == REPORTED
    data["f-grid"] = str(officer_grid.pk)
    response = client.post(reverse("cases:new"), data)
    assert response.status_code == 200
    assert escape(message) in response.content.decode()
    assert not Case.objects.filter(narrative=text).exists()
    # The same form with a plausible time is accepted.
    data[f"f-{field}"] = "2020-07-04 10:00"
    assert client.post(reverse("cases:new"), data).status_code == 302
    assert Case.objects.filter(narrative=text).exists()


@pytest.mark.django_db
def test_import_turns_absurd_dates_into_rejects_with_line_and_reason(investigator: User) -> None:
    story = "2024年3月5日9时许，辖区居民李某某在QQ群看到兼职刷单广告，按对方要求转账5000元，损失5000元。"
    rows = [
        "案件编号,报案时间,发案时间,简要案情",
        f"D-T-0001,2024-03-05 14:20,2024-03-05 09:00,{story}",
        f"D-T-0002,1920-03-05 14:20,,{story}",
        f"D-T-0003,2062-03-05 14:20,,{story}",
        f"D-T-0004,2024-03-05 14:20,2024-03-09 09:00,{story}",
        f"D-T-0005,2024-03-05 14:20,1989-03-05 09:00,{story}",
    ]
    data = ("\n".join(rows) + "\n").encode("utf-8")
    report = reports_import.import_report_file(data, "dates.csv", investigator)
    assert (report.rows, report.created, report.duplicates) == (5, 1, 0)
    assert [(r.line, r.reason) for r in report.rejected] == [
        (3, "报案时间“1920-03-05”早于1990年1月1日，请核对年份"),
        (4, "报案时间“2062-03-05 14:20”晚于当前时间一天以上，请核对年份"),
        (5, "发案时间“2024-03-09 09:00”晚于报案时间“2024-03-05 14:20”一天以上，请核对"),
        (6, "发案时间“1989-03-05”早于1990年1月1日，请核对年份"),
    ]
    assert sorted(CaseImportReject.objects.values_list("line", flat=True)) == [3, 4, 5, 6]
    assert list(Case.objects.filter(case_no__startswith="D-T-").values_list("case_no", flat=True)) == [
        "D-T-0001"
    ]


@pytest.mark.django_db
def test_import_leaves_an_absurd_machine_read_time_blank_with_a_warning(investigator: User) -> None:
    text = "2062年3月5日9时许，辖区居民李某某在QQ群看到兼职刷单广告，按对方要求转账5000元，损失5000元。"
    data = f"案件编号,报案时间,简要案情\nD-T-0101,2024-03-05 14:20,{text}\n".encode()
    report = reports_import.import_report_file(data, "machine.csv", investigator)
    assert report.created == 1
    case = Case.objects.get(case_no="D-T-0101")
    assert case.occurred_at is None
    assert any(w["code"] == "implausible_date" for w in case.draft["warnings"])
