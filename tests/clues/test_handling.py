"""The officer's work on a clue: actions, outcomes, escalation, hand matching, pages."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from fanzha.cases.models import Case
from fanzha.clues import handling
from fanzha.clues.intake import ClueInput, receive_clues
from fanzha.clues.models import Clue, DissuasionAction
from fanzha.county_loader import DEMO_PASSWORD
from fanzha.stations.models import AuditLog, Resident, Role, User

pytestmark = pytest.mark.django_db


def dispatched_clue(source_id: str = "T-1", minutes_ago: int = 5, **extra: str) -> Clue:
    resident = Resident.objects.filter(grid__officer__isnull=False).order_by("id")[3]
    result = receive_clues(
        [
            ClueInput(
                source="测试",
                source_id=source_id,
                received_at=timezone.now() - timedelta(minutes=minutes_ago),
                target_name=resident.name,
                target_id_number=resident.id_number,
                kind=extra.get("kind", "被涉诈短信"),
                fraud_identifier=extra.get("fraud_identifier", "16500001111"),
                suspected_category="刷单返利类",
            )
        ]
    )
    assert result.matched == 1
    return Clue.objects.get(source="测试", source_id=source_id)


def test_two_officers_recording_at_once_both_actions_are_kept() -> None:
    clue = dispatched_clue()
    officer = clue.officer
    helper = User.objects.filter(role=Role.COMMAND_ROOM).first()
    # Both loaded the page while the clue was still "dispatched"; both save.
    stale_a, stale_b = Clue.objects.get(pk=clue.pk), Clue.objects.get(pk=clue.pk)
    handling.record_action(stale_a.pk, officer, "call", reached=False, note="未接")
    handling.record_action(stale_b.pk, helper, "sms", sms=handling.sms_text(stale_b))
    actions = list(DissuasionAction.objects.filter(clue=clue).order_by("id"))
    assert [(a.kind, a.by) for a in actions] == [("call", officer), ("sms", helper)]
    clue.refresh_from_db()
    assert clue.status == Clue.Status.IN_PROGRESS
    assert clue.first_contact_at == actions[0].at
    assert "刷单返利" in actions[1].sms_text
    assert AuditLog.objects.filter(object_type="clues.Clue", object_id=str(clue.pk)).count() == 2


def test_a_clue_cannot_be_closed_without_an_outcome_and_only_once() -> None:
    clue = dispatched_clue()
    with pytest.raises(handling.ClueStateError):
        handling.close_clue(clue.pk, clue.officer, "")
    handling.close_clue(clue.pk, clue.officer, Clue.Outcome.STOPPED)
    with pytest.raises(handling.ClueStateError):
        handling.close_clue(clue.pk, clue.officer, Clue.Outcome.FALSE_ALARM)
    clue.refresh_from_db()
    assert clue.status == Clue.Status.CLOSED and clue.outcome == Clue.Outcome.STOPPED
    with pytest.raises(handling.ClueStateError):
        handling.record_action(clue.pk, clue.officer, "call")


def test_already_cheated_opens_a_draft_case_with_the_resident_as_victim() -> None:
    clue = dispatched_clue(kind="向涉案账户转账", fraud_identifier="6222020000000000001")
    closed = handling.close_clue(clue.pk, clue.officer, Clue.Outcome.CHEATED)
    case = Case.objects.get(pk=closed.case_id)
    assert case.status == Case.Status.DRAFT and case.grid_id == clue.grid_id
    assert case.victims.get().resident_id == clue.resident_id
    assert case.identifiers.filter(value="6222020000000000001", kind="bank_account").exists()


def test_unreachable_escalates_then_the_command_room_closes_it() -> None:
    clue = dispatched_clue()
    after = handling.close_clue(clue.pk, clue.officer, Clue.Outcome.UNREACHABLE, "三次未接")
    assert after.status == Clue.Status.ESCALATED and "无法联系" in after.escalation_reason
    command = User.objects.filter(role=Role.COMMAND_ROOM).first()
    final = handling.close_clue(clue.pk, command, Clue.Outcome.UNREACHABLE)
    assert final.status == Clue.Status.CLOSED


def test_overdue_clues_escalate_once_and_are_audit_logged() -> None:
    late = dispatched_clue("T-late", minutes_ago=3 * 24 * 60)  # yellow: 24 h deadline
    fresh = dispatched_clue("T-fresh", minutes_ago=1, fraud_identifier="16500002222")
    count = handling.escalate_overdue(timezone.now())
    late.refresh_from_db()
    fresh.refresh_from_db()
    assert late.status == Clue.Status.ESCALATED and fresh.status == Clue.Status.DISPATCHED
    assert count >= 1
    assert handling.escalate_overdue(timezone.now()) == 0
    assert AuditLog.objects.filter(object_id=str(late.pk), reason="超时升级至指挥室").count() == 1


def test_a_queued_clue_is_matched_by_hand_and_dispatched() -> None:
    resident = Resident.objects.order_by("id")[9]
    receive_clues(
        [
            ClueInput(
                source="测试",
                source_id="Q-1",
                received_at=timezone.now(),
                target_name=resident.name[0] + "某",
                kind="被涉诈电话呼叫",
            )
        ]
    )
    clue = Clue.objects.get(source_id="Q-1")
    assert clue.status == Clue.Status.QUEUED and clue.queue_reason
    command = User.objects.filter(role=Role.COMMAND_ROOM).first()
    handling.assign_by_hand(clue.pk, command, resident.pk, "电话核实")
    clue.refresh_from_db()
    assert clue.status == Clue.Status.DISPATCHED and clue.grid_id == resident.grid_id
    assert clue.match_method == "人工" and clue.deadline > timezone.now()


def login(client, role: str) -> User:  # type: ignore[no-untyped-def]
    user = User.objects.filter(role=role).order_by("id").first()
    assert client.login(username=user.username, password=DEMO_PASSWORD)
    return user


def test_officer_sees_own_clue_page_and_records_through_the_form(client) -> None:  # type: ignore[no-untyped-def]
    clue = dispatched_clue()
    officer = clue.officer
    assert client.login(username=officer.username, password=DEMO_PASSWORD)
    page = client.get(f"/clues/{clue.pk}/")
    assert page.status_code == 200 and "记录处置" in page.content.decode()
    assert clue.target_id_number not in page.content.decode()  # masked
    client.post(f"/clues/{clue.pk}/action/", {"kind": "visit", "reached": "yes", "note": "上门"})
    missing = client.post(f"/clues/{clue.pk}/close/", {"outcome": ""}, follow=True)
    assert "办结必须选择处置结果" in missing.content.decode()
    client.post(f"/clues/{clue.pk}/close/", {"outcome": "stopped"})
    clue.refresh_from_db()
    assert clue.status == Clue.Status.CLOSED and clue.actions.get().kind == "visit"
    other = (
        Clue.objects.exclude(grid=clue.grid).exclude(grid__isnull=True).exclude(grid__officer=officer).first()
    )
    if other is not None:
        assert client.get(f"/clues/{other.pk}/").status_code == 404


def test_command_room_pages_and_the_audited_xlsx_export(client) -> None:  # type: ignore[no-untyped-def]
    login(client, Role.COMMAND_ROOM)
    for url in ("/clues/", "/clues/queue/", "/clues/import/", "/clues/rejects/", "/clues/analysis/"):
        assert client.get(url).status_code == 200, url
    queued = Clue.objects.filter(status=Clue.Status.QUEUED).first()
    if queued is not None:
        assert client.get(f"/clues/{queued.pk}/match/").status_code == 200
    export = client.get("/clues/analysis/?from=2020-01-01&to=2030-01-01&export=xlsx")
    assert export.status_code == 200 and export.content[:2] == b"PK"
    assert AuditLog.objects.filter(action=AuditLog.Action.EXPORT, object_type="clues.analysis").exists()


def test_an_officers_clue_analysis_counts_only_the_cases_of_their_grids(client) -> None:  # type: ignore[no-untyped-def]
    from datetime import UTC, datetime

    from fanzha.cases.models import Case, CaseIdentifier, Identifier
    from fanzha.stations import scope

    mine = Case.objects.filter(grid__officer__isnull=False).order_by("pk").first()
    assert mine is not None and mine.grid is not None and mine.grid.officer is not None
    officer = mine.grid.officer
    client.force_login(officer)
    others = Case.objects.exclude(pk__in=scope.visible_cases(officer).values("pk")).order_by("pk")[:2]
    assert mine is not None and len(others) == 2
    identifier = Identifier.objects.create(kind="phone", value="16512340000")
    for case in (mine, *others):
        CaseIdentifier.objects.create(case=case, identifier=identifier)
    grid = mine.grid
    Clue.objects.create(
        source="96110",
        source_id="SCOPE-1",
        received_at=datetime(2026, 11, 20, 2, 0, tzinfo=UTC),
        kind="被涉诈电话呼叫",
        fraud_identifier="16512340000",
        grid=grid,
        status=Clue.Status.DISPATCHED,
    )
    response = client.get("/clues/analysis/?from=2026-11-19&to=2026-11-21")
    counts = {i.value: i.cases for i in response.context["result"].top_identifiers}
    assert counts["16512340000"] == 1  # county-wide it is 3
