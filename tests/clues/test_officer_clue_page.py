"""The officer's clue page on a phone: reach the person (unmask with a reason, a tel: link, the
resident's file), record the call or visit on the same page; the command room resolves a clue on
someone who does not live here by handing it to the responsible station; lists sort by deadline
and grade, closed clues newest first, and every date carries its year."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from fanzha.clues import handling
from fanzha.clues.intake import ClueInput, receive_clues
from fanzha.clues.models import Clue
from fanzha.stations import scope
from fanzha.stations.models import AuditLog, Resident, Role, User
from tests.clues.test_handling import dispatched_clue

pytestmark = pytest.mark.django_db


def queued_clue(source_id: str, grade_kind: str = "被涉诈电话呼叫", hours_ago: float = 1) -> Clue:
    receive_clues(
        [
            ClueInput(
                source="测试",
                source_id=source_id,
                received_at=timezone.now() - timedelta(hours=hours_ago),
                target_name="外某某",
                target_id_number="110101199001011237",
                target_address="外省某市某路1号",
                kind=grade_kind,
            )
        ]
    )
    clue = Clue.objects.get(source="测试", source_id=source_id)
    assert clue.status == Clue.Status.QUEUED
    return clue


def test_the_clue_page_lets_the_officer_unmask_call_and_open_the_resident(client: Client) -> None:
    clue = dispatched_clue(target_phone="")
    Clue.objects.filter(pk=clue.pk).update(target_phone="13800138000")
    client.force_login(clue.officer)
    page = client.get(f"/clues/{clue.pk}/").content.decode()
    assert f'hx-post="/unmask/clue/{clue.pk}/"' in page
    assert "13800138000" not in page and "138****8000" in page
    assert f'href="/residents/{clue.resident_id}/"' in page
    # Unmasking gives the number in full as a link the phone can dial, and is audit-logged.
    shown = client.post(f"/unmask/clue/{clue.pk}/", {"reason": "电话劝阻"}).content.decode()
    assert 'href="tel:13800138000"' in shown
    assert AuditLog.objects.filter(
        action=AuditLog.Action.VIEW_UNMASKED, object_id=str(clue.pk), reason="电话劝阻"
    ).exists()
    # The call is recorded from the same page: the way of contact is a row of large buttons.
    assert re.search(r'<input type="radio" name="kind" value="call"[^>]*checked', page)
    assert 'type="radio" name="reached" value="yes"' in page
    client.post(f"/clues/{clue.pk}/action/", {"kind": "call", "reached": "yes", "note": "已劝阻"})
    clue.refresh_from_db()
    assert clue.status == Clue.Status.IN_PROGRESS and clue.actions.get().kind == "call"
    resident_page = client.get(f"/residents/{clue.resident_id}/").content.decode()
    assert clue.kind in resident_page and "反诈APP" in resident_page


def test_a_grid_worker_is_offered_no_unmask_form_anywhere(client: Client) -> None:
    worker = User.objects.filter(role=Role.GRID_WORKER).order_by("username").first()
    assert worker is not None
    client.force_login(worker)
    listing = client.get("/residents/").content.decode()
    assert scope.visible_residents(worker).exists() and "/unmask/" not in listing
    assert "显示完整信息" not in listing
    resident = scope.visible_residents(worker).first()
    assert resident is not None
    assert "/unmask/" not in client.get(f"/residents/{resident.pk}/").content.decode()
    officer = User.objects.filter(role=Role.OFFICER).order_by("username").first()
    client.force_login(officer)  # type: ignore[arg-type]
    assert client.get("/residents/").content.decode().count("显示完整信息") > 1


def test_a_resident_outside_the_officers_grids_is_not_found(client: Client) -> None:
    officer = User.objects.filter(role=Role.OFFICER).order_by("username").first()
    assert officer is not None
    client.force_login(officer)
    outsider = Resident.objects.exclude(grid__in=scope.visible_grids(officer)).first()
    assert outsider is not None
    assert client.get(f"/residents/{outsider.pk}/").status_code == 404


def test_an_unmatched_clue_is_handed_to_the_responsible_station_with_the_receiving_unit(
    client: Client,
) -> None:
    clue = queued_clue("OUT-1")
    command = User.objects.filter(role=Role.COMMAND_ROOM).first()
    client.force_login(command)  # type: ignore[arg-type]
    page = client.get(f"/clues/{clue.pk}/").content.decode()
    assert "移交责任派出所" in page and 'name="handed_to"' in page
    missing = client.post(f"/clues/{clue.pk}/close/", {"outcome": "handed_over"}, follow=True)
    assert "移交须填写接收单位" in missing.content.decode()
    assert Clue.objects.get(pk=clue.pk).status == Clue.Status.QUEUED
    client.post(
        f"/clues/{clue.pk}/close/",
        {"outcome": "handed_over", "handed_to": "东城县公安局城南派出所", "note": "身份证号为外省"},
    )
    clue.refresh_from_db()
    assert (clue.status, clue.outcome, clue.handed_to) == (
        Clue.Status.CLOSED,
        Clue.Outcome.HANDED_OVER,
        "东城县公安局城南派出所",
    )
    log = AuditLog.objects.filter(object_id=str(clue.pk)).latest("at")
    assert log.detail["handed_to"] == "东城县公安局城南派出所" and "移交" in log.reason
    assert "东城县公安局城南派出所" in client.get(f"/clues/{clue.pk}/").content.decode()
    assert clue.pk not in [c.pk for c in client.get("/clues/queue/").context["queued"]]


def test_the_unmatched_queue_sorts_by_deadline_then_grade() -> None:
    # Red: 30 minutes from receipt, yellow: a day. A red clue received two hours ago is due before a
    # yellow one received at the same time; a yellow one received 30 hours ago is due earlier still.
    yellow_old = queued_clue("Y-OLD", "被涉诈短信", hours_ago=30)
    red_new = queued_clue("R-NEW", "向涉案账户转账", hours_ago=2)
    yellow_new = queued_clue("Y-NEW", "被涉诈短信", hours_ago=2)
    order = [
        c.pk
        for c in handling.in_work_order(
            Clue.objects.filter(pk__in=[yellow_old.pk, red_new.pk, yellow_new.pk])
        )
    ]
    grades = {c.pk: c.grade for c in Clue.objects.filter(pk__in=order)}
    assert grades[red_new.pk] != grades[yellow_new.pk], grades
    assert order == [yellow_old.pk, red_new.pk, yellow_new.pk]
    due = {c.pk: c.due_at for c in handling.in_work_order(Clue.objects.filter(pk__in=order))}
    assert sorted(order, key=lambda pk: due[pk]) == order


def test_closed_clues_list_newest_first_and_dates_carry_the_year(client: Client) -> None:
    leader = User.objects.filter(role=Role.LEADER).first()
    client.force_login(leader)  # type: ignore[arg-type]
    page = client.get("/clues/?status=closed")
    closed = [c.closed_at for c in page.context["page"]]
    assert len(closed) > 2 and closed == sorted(closed, reverse=True)
    html = page.content.decode()
    first = page.context["page"][0]
    assert timezone.localtime(first.closed_at).strftime("%Y-%m-%d %H:%M") in html
    assert not re.search(r">\d\d-\d\d \d\d:\d\d<", html)
