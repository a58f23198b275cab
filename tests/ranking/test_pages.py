"""The ranking pages, downloads, exports, imports and the door-visit form, per role; the CLI and API."""

from __future__ import annotations

import io
import json
from datetime import date
from typing import Any

import pytest
from django.test import Client

from fanzha.cli import main
from fanzha.ranking.models import AppRegistration
from fanzha.stations import scope
from fanzha.stations.models import AuditLog, Resident, Role, User

pytestmark = pytest.mark.django_db


def login(client: Client, role: str) -> User:
    user = User.objects.filter(role=role).order_by("username").first()
    assert user is not None
    client.force_login(user)
    return user


def test_leader_sees_every_grid_ranked_with_laggards_and_report_links(
    client: Client, test_county: Any
) -> None:
    login(client, Role.LEADER)
    day = test_county.end_date.isoformat()
    page = client.get(f"/ranking/?date={day}").content.decode()
    assert "每日一对比" in page and "约谈警格及原因" in page and "晨会点名通报 PDF" in page
    assert page.count('class="grade grade-red">约谈<') == 3
    assert "分年龄段覆盖率" in page and "60岁及以上" in page


def test_an_officer_sees_only_their_grids_and_cannot_download_the_station_report(
    client: Client, test_county: Any
) -> None:
    officer = login(client, Role.OFFICER)
    mine = list(scope.visible_grids(officer).values_list("name", flat=True))
    others = list(
        scope.visible_grids(User.objects.filter(role=Role.LEADER).first())
        .exclude(name__in=mine)
        .values_list("name", flat=True)
    )  # type: ignore[arg-type]
    page = client.get(f"/ranking/?date={test_county.end_date.isoformat()}").content.decode()
    assert all(name in page for name in mine)
    assert not any(f"<td>{name}" in page for name in others)


def test_report_downloads_are_audit_logged(client: Client, test_county: Any) -> None:
    login(client, Role.LEADER)
    day = test_county.end_date.isoformat()
    pdf = client.get(f"/ranking/report/?date={day}&format=pdf")
    assert (
        pdf.status_code == 200
        and pdf.content.startswith(b"%PDF")
        and pdf["Content-Type"] == "application/pdf"
    )
    docx = client.get(f"/ranking/report/?date={day}&format=docx")
    assert docx.content.startswith(b"PK")
    logged = AuditLog.objects.filter(
        action=AuditLog.Action.EXPORT, object_type="ranking.morning_report", object_id=day
    )
    assert sorted(a.detail["format"] for a in logged) == ["docx", "pdf"]


def test_charts_are_served_locally_and_their_data_exports_to_xlsx(client: Client, test_county: Any) -> None:
    login(client, Role.LEADER)
    day = test_county.end_date.isoformat()
    page = client.get(f"/ranking/charts/?date={day}&days=14").content.decode()
    assert (
        "vendor/echarts/echarts.min.js" in page
        and "ranking/charts.js" in page
        and "http" not in page.split("chart-data")[1][:200]
    )
    script = b"".join(client.get("/static/ranking/charts.js").streaming_content)  # type: ignore[attr-defined]
    assert b"saveAsImage" in script
    response = client.get(f"/ranking/charts/xlsx/?date={day}&days=14")
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["覆盖率趋势(%)", "每日排名", "每日新增注册"]
    ranks = book["每日排名"]
    assert ranks.max_column == 2 + 14 and ranks.cell(1, 16).value == day
    assert (
        AuditLog.objects.filter(action=AuditLog.Action.EXPORT, object_type="ranking.chart_data").count() == 1
    )


def test_upload_page_imports_and_reports_rejects(client: Client) -> None:
    login(client, Role.COMMAND_ROOM)
    resident = Resident.objects.filter(app_registration__isnull=True).first()
    assert resident is not None
    data = f"身份证号,注册日期\n{resident.id_number},2026-10-05\n999999999999999999,2026-10-05\n".encode()
    upload = io.BytesIO(data)
    upload.name = "day.csv"
    page = client.post("/ranking/imports/", {"file": upload}).content.decode()
    assert "导入完成" in page and "查无此人" in page
    assert AppRegistration.objects.get(resident=resident).day == date(2026, 10, 5)
    upload = io.BytesIO(data)
    upload.name = "day-again.csv"
    assert "本次未做任何修改" in client.post("/ranking/imports/", {"file": upload}).content.decode()


def test_door_visit_form_registers_a_resident_of_the_officers_grid_once(client: Client) -> None:
    officer = login(client, Role.OFFICER)
    resident = scope.visible_residents(officer).filter(app_registration__isnull=True).first()
    assert resident is not None
    response = client.post(
        "/ranking/door-visit/", {"who": resident.id_number, "day": "2026-10-06"}, follow=True
    )
    assert "已登记" in response.content.decode()
    again = client.post("/ranking/door-visit/", {"who": resident.id_number, "day": "2026-10-07"}, follow=True)
    assert "未重复计入" in again.content.decode()
    outsider = Resident.objects.exclude(grid__in=scope.visible_grids(officer)).first()
    assert outsider is not None
    refused = client.post("/ranking/door-visit/", {"who": outsider.id_number, "day": "2026-10-06"})
    assert "找不到该居民" in refused.content.decode()


def test_api_daily_ranking(client: Client, test_county: Any) -> None:
    login(client, Role.LEADER)
    rows = client.get(f"/api/v1/ranking/daily?date={test_county.end_date.isoformat()}").json()
    assert [r["rank"] for r in rows] == list(range(1, len(rows) + 1))
    assert sum(r["flagged"] for r in rows) == 3
    assert Client().get("/api/v1/ranking/daily?date=2026-10-01").status_code == 401


def test_cli_prints_the_ranking_as_json_lines(
    capsys: pytest.CaptureFixture[str], tmp_path: Any, test_county: Any
) -> None:
    assert main(["ranking", "--date", test_county.end_date.isoformat(), "--data-dir", str(tmp_path)]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert lines and list(lines[0]) == [
        "grid",
        "rank",
        "score",
        "coverage",
        "new_registrations",
        "flagged",
        "reasons",
    ]
    assert [x["rank"] for x in lines] == list(range(1, len(lines) + 1))
    assert [x["flagged"] for x in lines][-3:] == [True, True, True]


def test_cli_writes_the_morning_report(tmp_path: Any, test_county: Any) -> None:
    out = tmp_path / "m.docx"
    assert (
        main(
            [
                "report",
                "morning",
                "--date",
                test_county.end_date.isoformat(),
                "--data-dir",
                str(tmp_path),
                "--out",
                str(out),
            ]
        )
        == 0
    )
    assert out.read_bytes().startswith(b"PK")


@pytest.mark.parametrize(
    "argv",
    [["ranking", "--date", "2026-02-30"], ["report", "morning", "--date", "20261101", "--out", "x.pdf"]],
)
def test_bad_dates_are_a_clear_error(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "YYYY-MM-DD" in err and "日期" in err


def test_report_refuses_an_unknown_extension(tmp_path: Any, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["report", "morning", "--date", "2026-10-01", "--out", str(tmp_path / "m.txt")]) == 2
    assert ".docx" in capsys.readouterr().err
