"""How receive_clues writes rows: its own executemany (SQLite) / multi-row INSERT … RETURNING
(PostgreSQL) must store what the model would store and hand back the ids of the rows it wrote."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from fanzha.clues.intake import ClueInput, ResidentIndex, receive_clues
from fanzha.clues.models import Clue
from fanzha.stations.models import Resident

pytestmark = pytest.mark.django_db


def _clue(
    source_id: str, resident: Resident | None, minutes_ago: int, ident: str, **extra: object
) -> ClueInput:
    fields: dict[str, object] = {
        "target_name": resident.name if resident else "外地某某",
        "target_id_number": resident.id_number if resident else "",
        "target_address": "" if resident else "广东省深圳市宝安区新安路88号",
    }
    fields.update(extra)
    return ClueInput(
        source="存储测试",
        source_id=source_id,
        received_at=timezone.now() - timedelta(minutes=minutes_ago),
        kind="向涉案账户转账",
        fraud_identifier=ident,
        **fields,  # type: ignore[arg-type]
    )


def test_outcome_ids_point_at_the_rows_written_and_values_read_back() -> None:
    residents = list(Resident.objects.filter(grid__officer__isnull=False).order_by("id")[:3])
    inputs = [
        _clue("S-1", residents[0], 50, "6222000011112222", amount_fen=1_234_500, raw={"行": "甲", "n": 1}),
        _clue("S-2", residents[1], 40, "6222000033334444"),
        _clue("S-3", None, 30, "6222000055556666"),
        # Same person and identifier as S-1 within the window: merged into the row written
        # in the same call, so its merged_into id comes from that insert.
        _clue("S-4", residents[0], 20, "6222000011112222"),
    ]
    before = timezone.now()
    result = receive_clues(inputs)
    assert (result.created, result.matched, result.queued, result.merged) == (3, 2, 1, 1)
    by_source_id = {o.source_id: o for o in result.outcomes}
    stored = {c.source_id: c for c in Clue.objects.filter(source="存储测试")}
    assert {s: by_source_id[s].clue_id for s in stored} == {s: c.pk for s, c in stored.items()}
    assert [by_source_id[s].state for s in ("S-1", "S-2", "S-3", "S-4")] == [
        "matched",
        "matched",
        "queued",
        "merged",
    ]
    first = stored["S-1"]
    assert first.received_at == inputs[0].received_at
    assert first.deadline == inputs[0].received_at + timedelta(minutes=30)
    assert first.grade == "red" and first.grade_reasons[0] == "线索类型：向涉案账户转账"
    assert first.raw == {"行": "甲", "n": 1} and first.amount_fen == 1_234_500
    assert first.resident_id == residents[0].pk and first.officer_id == residents[0].grid.officer_id
    assert first.match_method == "身份证号" and first.match_confidence == 1.0
    assert before <= first.created_at <= timezone.now()
    assert stored["S-3"].status == Clue.Status.QUEUED and stored["S-3"].queue_reason
    assert stored["S-3"].deadline is None and stored["S-3"].resident_id is None
    assert stored["S-4"].merged_into_id == first.pk and stored["S-4"].status == Clue.Status.MERGED


def test_a_later_call_merges_into_the_stored_clue_and_ids_keep_counting() -> None:
    resident = Resident.objects.filter(grid__officer__isnull=False).order_by("id")[5]
    first = receive_clues([_clue("L-1", resident, 60, "6222000077778888")])
    second = receive_clues(
        [_clue("L-2", resident, 10, "6222000077778888"), _clue("L-3", resident, 5, "6222000099990000")]
    )
    first_id = first.outcomes[0].clue_id
    assert [(o.state, o.clue_id is not None) for o in second.outcomes] == [
        ("merged", True),
        ("matched", True),
    ]
    merged = Clue.objects.get(pk=second.outcomes[0].clue_id)
    assert merged.source_id == "L-2" and merged.merged_into_id == first_id
    assert Clue.objects.get(pk=second.outcomes[1].clue_id).source_id == "L-3"
    # Two stored dispatched clues on the person (the merged one does not count): a repeat.
    fourth = receive_clues([_clue("L-4", resident, 1, "6222000000001111")]).outcomes[0]
    assert fourth.state == "matched"
    assert "同一对象近期第 3 次被预警" in Clue.objects.get(pk=fourth.clue_id).grade_reasons


def test_resident_index_reads_the_same_people_as_the_orm() -> None:
    resident = Resident.objects.exclude(birth_date=None).order_by("id")[7]
    index = ResidentIndex(
        [
            _clue("X-1", resident, 1, "x"),
            _clue("X-2", None, 1, "y", target_name=resident.name, target_address=resident.address),
        ]
    )
    person = index.by_id[resident.id_number]
    assert (person.id, person.name, person.address, person.grid_id, person.birth_date) == (
        resident.pk,
        resident.name,
        resident.address,
        resident.grid_id,
        resident.birth_date,
    )
    same_name = set(Resident.objects.filter(name=resident.name).values_list("id", flat=True))
    assert {p.id for p in index.by_name[resident.name]} == same_name
    same_address = set(Resident.objects.filter(address=resident.address).values_list("id", flat=True))
    assert {p.id for p in index.by_address[resident.address]} == same_address


def test_a_short_phone_and_an_impossible_id_number_are_flagged_on_the_clue() -> None:
    from datetime import UTC, datetime

    from fanzha.clues.intake import ClueInput, receive_clues
    from fanzha.clues.models import Clue

    at = datetime(2026, 11, 20, 2, 0, tzinfo=UTC)
    result = receive_clues(
        [
            ClueInput(
                source="96110", source_id="W-1", received_at=at, target_name="王五", target_phone="1390000"
            ),
            # month 13: 1990-13-07
            ClueInput(source="96110", source_id="W-2", received_at=at, target_id_number="110101199013071234"),
            ClueInput(source="96110", source_id="W-3", received_at=at, target_phone="13912345678"),
        ]
    )
    short, impossible, fine = (Clue.objects.get(pk=o.clue_id) for o in result.outcomes)
    assert len(short.data_warnings) == 1 and "对象电话" in short.data_warnings[0]
    assert "1390000" not in short.data_warnings[0]  # masked like everywhere else
    assert len(impossible.data_warnings) == 1 and "身份证号" in impossible.data_warnings[0]
    assert fine.data_warnings == []
    assert impossible.status == Clue.Status.QUEUED  # kept and worked, not dropped


def test_the_generated_countys_clues_carry_no_false_warnings() -> None:
    from fanzha.clues.models import Clue

    total = Clue.objects.count()
    flagged = Clue.objects.exclude(data_warnings=[]).count()
    assert total >= 20 and flagged <= total * 0.02


def test_the_clue_page_shows_the_warnings(client) -> None:  # type: ignore[no-untyped-def]
    from fanzha.clues.models import Clue
    from fanzha.stations.models import Role, User

    clue = Clue.objects.order_by("pk").first()
    assert clue is not None
    Clue.objects.filter(pk=clue.pk).update(
        data_warnings=["对象电话“1*****0”不是有效的手机号或固定电话（7 位），请核实"]
    )
    client.force_login(User.objects.filter(role=Role.COMMAND_ROOM).first())
    assert "不是有效的手机号" in client.get(f"/clues/{clue.pk}/").content.decode()
