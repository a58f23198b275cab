"""The audit log page: real names, records named and linked, filters by person, dates, action and
record, an export that is itself logged, and the client's address on clue changes."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from openpyxl import load_workbook

from fanzha.clues.models import Clue
from fanzha.stations import audit, scope
from fanzha.stations.models import AuditLog, Resident, Role, User

pytestmark = pytest.mark.django_db


def _user(role: str) -> User:
    user = User.objects.filter(role=role).exclude(full_name="").order_by("username").first()
    assert user is not None
    return user


@pytest.fixture
def leader_client(client: Client) -> Client:
    client.force_login(_user(Role.LEADER))
    return client


def test_a_clue_change_on_a_page_records_the_clients_address(client: Client) -> None:
    open_statuses = [Clue.Status.DISPATCHED, Clue.Status.IN_PROGRESS]
    clue = Clue.objects.filter(status__in=open_statuses, officer__isnull=False).order_by("pk").first()
    assert clue is not None and clue.officer is not None
    officer = clue.officer
    assert scope.visible_clues(officer).filter(pk=clue.pk).exists()
    client.force_login(officer)
    client.post(
        f"/clues/{clue.pk}/action/",
        {"kind": "call", "reached": "yes", "note": "已提醒"},
        REMOTE_ADDR="10.20.30.40",
    )
    entry = AuditLog.objects.filter(object_type="clues.Clue", object_id=str(clue.pk)).latest("at")
    assert entry.ip == "10.20.30.40"


def test_rows_show_real_names_and_records_with_links(leader_client: Client) -> None:
    officer = _user(Role.OFFICER)
    clue = Clue.objects.order_by("pk").first()
    resident = Resident.objects.order_by("pk").first()
    assert clue is not None and resident is not None
    audit.record(officer, AuditLog.Action.CHANGE, clue, reason="测试线索")
    audit.record(officer, AuditLog.Action.VIEW_UNMASKED, resident, reason="测试居民")
    page = leader_client.get(f"/audit/?person={officer.pk}").content.decode()
    assert officer.full_name in page
    assert f'href="/clues/{clue.pk}/"' in page and f"{clue.source}/{clue.source_id}" in page
    assert "预警线索" in page and "居民" in page
    assert resident.name not in page  # a resident is named masked
    assert "stations.Resident#" not in page and "clues.Clue#" not in page


def test_filters_by_person_dates_action_and_record(leader_client: Client) -> None:
    officer, worker = _user(Role.OFFICER), _user(Role.GRID_WORKER)
    clue = Clue.objects.order_by("pk").first()
    assert clue is not None
    mine = audit.record(officer, AuditLog.Action.CHANGE, clue, reason="甲的修改")
    other = audit.record(worker, AuditLog.Action.EXPORT, reason="乙的导出", object_type="clues.analysis")
    old = audit.record(officer, AuditLog.Action.CHANGE, clue, reason="去年的修改")
    AuditLog.objects.filter(pk=old.pk).update(at=timezone.now() - timedelta(days=400))

    def reasons(query: str) -> set[str]:
        page = leader_client.get(f"/audit/?{query}").content.decode()
        return {r for r in ("甲的修改", "乙的导出", "去年的修改") if r in page}

    assert reasons(f"person={officer.pk}") == {"甲的修改", "去年的修改"}
    today = timezone.localdate().isoformat()
    assert reasons(f"person={officer.pk}&from={today}&to={today}") == {"甲的修改"}
    assert reasons("action=export&type=clues.analysis") == {"乙的导出"}
    assert reasons(f"type=clues.Clue&object={clue.pk}&from={today}") >= {"甲的修改"}
    assert "乙的导出" not in str(reasons(f"type=clues.Clue&object={clue.pk}"))
    assert mine.pk and other.pk
    assert leader_client.get("/audit/?from=0001-01-01").status_code == 400


def test_the_export_holds_the_filtered_rows_and_is_itself_logged(leader_client: Client) -> None:
    officer = _user(Role.OFFICER)
    audit.record(officer, AuditLog.Action.LOGIN, officer)
    response = leader_client.get(f"/audit/?person={officer.pk}&export=xlsx")
    assert response.status_code == 200 and response.content[:2] == b"PK"
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet is not None
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:4] == ("时间", "姓名", "用户名", "操作")
    assert rows[1:] and all(row[2] == officer.username for row in rows[1:])
    logged = AuditLog.objects.filter(action=AuditLog.Action.EXPORT, object_type="stations.AuditLog").latest(
        "at"
    )
    assert logged.username == _user(Role.LEADER).username
    assert logged.detail["filters"]["person"] == officer.pk and logged.detail["rows"] == len(rows) - 1


def test_officers_cannot_export_the_audit_log(client: Client) -> None:
    client.force_login(_user(Role.OFFICER))
    assert client.get("/audit/?export=xlsx").status_code == 403
