"""Loading the synthetic county: the station's past work on its clues arrives with it."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

import pytest
from django.db import connection
from django.db.models import F
from django.test.utils import CaptureQueriesContext

from fanzha.clues.handling import escalate_overdue
from fanzha.clues.models import Clue, DissuasionAction
from fanzha.county_loader import _apply_handling, aware
from fanzha.stations.models import Station, User

pytestmark = pytest.mark.django_db

OPEN = (Clue.Status.DISPATCHED, Clue.Status.IN_PROGRESS, Clue.Status.ESCALATED)


def _clues_by_key() -> dict[tuple[str, str], Clue]:
    return {(c.source, c.source_id): c for c in Clue.objects.all()}


def test_every_handled_clue_is_loaded_with_its_actions_outcome_and_times(test_county: Any) -> None:
    records = test_county.clue_handling
    assert records, "the test county should have clues dispatched to officers"
    clues = _clues_by_key()
    actions: dict[int, list[DissuasionAction]] = {}
    for a in DissuasionAction.objects.select_related("by").order_by("at", "id"):
        actions.setdefault(a.clue_id, []).append(a)
    for r in records:
        clue = clues[(r.source, r.source_id)]
        loaded = actions.get(clue.pk, [])
        assert [(a.at, a.kind, a.reached, a.by.username if a.by else "") for a in loaded] == [
            (aware(a.at), a.kind, a.reached, a.by_username) for a in r.actions
        ]
        assert all(a.recorded_at == a.at for a in loaded)
        assert clue.first_contact_at == (aware(r.actions[0].at) if r.actions else None)
        if r.outcome:
            assert clue.status == Clue.Status.CLOSED
            assert clue.outcome == r.outcome
            assert clue.closed_at == aware(r.closed_at)
            assert clue.closed_at >= clue.first_contact_at
        else:
            assert clue.status in OPEN and clue.outcome == "" and clue.closed_at is None
        if r.outcome == "unreachable":
            assert clue.escalated_at is not None and clue.escalation_reason
        if r.case_no:
            assert clue.case is not None and clue.case.case_no == r.case_no
            assert clue.case.victims.filter(resident_id=clue.resident_id).exists()
    sms = DissuasionAction.objects.filter(kind="sms")
    assert all(a.sms_text.startswith(f"【{Station.objects.get().name}】") for a in sms)


def test_the_generator_grades_clues_as_intake_does_so_deadlines_agree(test_county: Any) -> None:
    clues = _clues_by_key()
    for r in test_county.clue_handling:
        clue = clues[(r.source, r.source_id)]
        assert (clue.grade, clue.deadline) == (r.grade, aware(r.deadline)), r.source_id
        assert clue.officer is not None and clue.grid is not None and clue.grid.code == r.grid_code
    handled = {(r.source, r.source_id) for r in test_county.clue_handling}
    dispatched_by_intake = {
        (c.source, c.source_id)
        for c in clues.values()
        if c.status not in (Clue.Status.QUEUED, Clue.Status.MERGED)
    }
    assert dispatched_by_intake == handled


def test_only_the_last_two_days_are_open_and_few_escalate_on_the_first_visit(test_county: Any) -> None:
    horizon = datetime.combine(test_county.end_date + timedelta(days=1), time.min)
    cutoff = aware(horizon - timedelta(days=2))
    stale = Clue.objects.filter(status__in=OPEN, received_at__lt=cutoff)
    assert stale.count() <= 1  # at most a clue whose unreachable person is still being chased
    expected_open = sum(1 for r in test_county.clue_handling if not r.outcome)
    assert Clue.objects.filter(status__in=OPEN).count() == expected_open
    # The demo's first morning: only open clues nobody has contacted yet may escalate.
    escalated = escalate_overdue(now=aware(horizon + timedelta(hours=8)))
    assert escalated <= sum(1 for r in test_county.clue_handling if not r.outcome and not r.actions)


def test_first_contact_in_time_in_the_database_is_the_generators(test_county: Any) -> None:
    closed = Clue.objects.filter(status=Clue.Status.CLOSED, first_contact_at__isnull=False)
    in_time_db = closed.filter(first_contact_at__lte=F("deadline")).count()
    in_time_truth = sum(1 for r in test_county.clue_handling if r.outcome and r.in_time)
    assert closed.count() == sum(1 for r in test_county.clue_handling if r.outcome)
    assert in_time_db == in_time_truth
    assert 0.6 < in_time_db / closed.count() < 1.0


def test_handling_is_applied_set_based(test_county: Any) -> None:
    # Put the handled clues back to "dispatched" and apply the history again: the number of
    # queries must not grow with the number of clues.
    keys = {(r.source, r.source_id) for r in test_county.clue_handling}
    ids = [c.pk for k, c in _clues_by_key().items() if k in keys]
    DissuasionAction.objects.filter(clue_id__in=ids).delete()
    Clue.objects.filter(pk__in=ids).update(
        status=Clue.Status.DISPATCHED,
        outcome="",
        first_contact_at=None,
        closed_at=None,
        escalated_at=None,
        case=None,
    )
    users = {u.username: u for u in User.objects.all()}
    with CaptureQueriesContext(connection) as queries:
        inserted = _apply_handling(test_county, users, Station.objects.get().name)
    assert inserted == sum(len(r.actions) for r in test_county.clue_handling)
    assert len(queries) <= 12, [q["sql"][:80] for q in queries]
    assert Clue.objects.filter(pk__in=ids, status=Clue.Status.CLOSED).count() == sum(
        1 for r in test_county.clue_handling if r.outcome
    )


def test_a_cheated_clue_points_at_its_case_and_an_unreachable_one_went_up(test_county: Any) -> None:
    from types import SimpleNamespace

    from fanzha.cases.models import Case
    from fanzha.generator.records import ActionRecord, ClueHandlingRecord

    clue = Clue.objects.filter(status=Clue.Status.CLOSED).order_by("id").first()
    other = Clue.objects.filter(status=Clue.Status.CLOSED).order_by("id").last()
    assert clue is not None and other is not None and clue != other
    Clue.objects.filter(pk__in=[clue.pk, other.pk]).update(status=Clue.Status.DISPATCHED, case=None)
    case = Case.objects.order_by("id").first()
    assert case is not None and clue.officer is not None
    at = clue.received_at.replace(tzinfo=None) + timedelta(hours=8, minutes=10)
    cheated = ClueHandlingRecord(
        clue.source,
        clue.source_id,
        (ActionRecord(at, "call", True, clue.officer.username, "已被骗"),),
        "cheated",
        at + timedelta(minutes=30),
        case_no=case.case_no,
    )
    gone = ClueHandlingRecord(
        other.source,
        other.source_id,
        (ActionRecord(at, "call", False, clue.officer.username),),
        "",
        None,
        escalated_at=at + timedelta(hours=1),
    )
    users = {u.username: u for u in User.objects.all()}
    _apply_handling(SimpleNamespace(clue_handling=[cheated, gone]), users, "测试所")  # type: ignore[arg-type]
    clue.refresh_from_db()
    other.refresh_from_db()
    assert (clue.status, clue.outcome, clue.case_id) == (Clue.Status.CLOSED, "cheated", case.pk)
    assert other.status == Clue.Status.ESCALATED and other.escalation_reason == "民警反馈无法联系"
