"""How the station worked its warning clues before the end date (预警劝阻的处置记录).

A clue dispatched to a grid's officer gets, in order: a first contact (an SMS, a call, a door
visit or a notice in the grid's WeChat group), mostly before the deadline of the grade intake
gives it (red 30 min, orange 2 h, yellow 24 h, ``fanzha/data/clues/grading.json``) and late in a
share that differs from grid to grid; follow-ups until the person is reached; then an outcome.
A person nobody could reach goes to the command room, which closes the clue. A clue about a
resident who was being cheated at that moment ends as "already cheated" and points at the case.
Clues received in the last two days stay open (some already contacted), so the officers' queues
are live on the demo's first day.

Queued clues (nobody in the county matched) and clues merged into an earlier one are the
command room's to work by hand and get no record. The grade is computed here with the rules
intake applies (kind, amount, age, identifier seen in a case, repeats within the merge window),
so the deadline the simulation aims at is the one the loaded clue gets.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from fanzha.domain.clue_rules import (
    MergeIndex,
    age_on,
    grade_clue,
    grading_rules,
    merge_window,
    person_key,
    within_window,
)
from fanzha.generator.catalog import load_generator_data
from fanzha.generator.people import ResidentFactory
from fanzha.generator.records import ActionRecord, CaseRecord, ClueHandlingRecord, ClueRecord, GridRecord


@dataclass(frozen=True, slots=True)
class DispatchedClue:
    """A clue as intake will dispatch it: its grade, its grid and whether the person is elderly."""

    clue: ClueRecord
    grade: str
    grid_code: str
    elderly: bool


def dispatched_clues(
    clues: Sequence[ClueRecord], cases: Sequence[CaseRecord], factory: ResidentFactory
) -> list[DispatchedClue]:
    """The clues intake dispatches to an officer (matched, not merged), with their grade.

    Mirrors intake: clues in time order; a clue on the same person and fraud identifier as a
    kept clue within the merge window is merged; repeats count earlier dispatched clues on the
    same resident within the window."""
    rules = grading_rules()
    window = merge_window()
    known = {i.value for c in cases for i in c.identifiers}
    kept: MergeIndex[bool] = MergeIndex(window)
    repeats_at: dict[int, list[datetime]] = defaultdict(list)
    out: list[DispatchedClue] = []
    for clue in sorted(clues, key=lambda c: c.received_at):
        person = person_key(clue.true_resident_id, clue.target_id_number, "", "", "")
        ident = clue.fraud_identifier.strip()
        if kept.primary(person, ident, clue.received_at):
            continue  # merged into an earlier clue
        if ident:
            kept.add(person, ident, clue.received_at, True)
        if clue.true_resident_id is None:
            continue
        resident = factory.resident(clue.true_resident_id - 1)
        repeats = sum(
            1 for at in repeats_at[clue.true_resident_id] if within_window(at, clue.received_at, window)
        )
        age = age_on(resident.birth_date, clue.received_at.date())
        assert age is not None  # every generated resident has a birth date
        grade, _ = grade_clue(clue.kind, clue.amount_fen, age, ident in known, repeats)
        repeats_at[clue.true_resident_id].append(clue.received_at)
        out.append(DispatchedClue(clue, grade, resident.grid_code, age >= rules["elderly_age"]))
    return out


def _weighted(rng: random.Random, weights: Mapping[str, float]) -> str:
    keys = list(weights)
    return rng.choices(keys, [weights[k] for k in keys])[0]


class HandlingSimulator:
    """Deterministic per clue: every clue draws from its own seeded generator."""

    def __init__(
        self,
        seed: int,
        end_date: date,
        grids: Sequence[GridRecord],
        laggard_grids: set[str],
        command_room: Sequence[str],
        cases: Sequence[CaseRecord],
    ) -> None:
        self.seed = seed
        self.data: dict[str, Any] = load_generator_data("handling")
        self.deadlines: dict[str, int] = grading_rules()["deadline_minutes"]
        # Everything up to the end of end_date has happened; clues from open_days back stay open.
        self.horizon = datetime.combine(end_date + timedelta(days=1), time.min)
        self.open_from = self.horizon - timedelta(days=self.data["open_days"])
        self.grids = {g.code: g for g in grids}
        self.command_room = list(command_room)
        self.cases = {c.case_no: c for c in cases}
        share = self.data["late_share"]
        self.late_share: dict[str, float] = {}
        for g in grids:
            u = random.Random(f"{seed}:handling:grid:{g.code}").random()
            extra = share["laggard_extra"] if g.code in laggard_grids else 0.0
            self.late_share[g.code] = min(0.9, share["base"] + share["spread"] * u * u + extra)

    def handle(self, item: DispatchedClue) -> ClueHandlingRecord:
        clue = item.clue
        rng = random.Random(f"{self.seed}:handling:{clue.source}:{clue.source_id}")
        grid = self.grids[item.grid_code]
        officer = grid.officer_username
        helpers = [officer, *grid.worker_usernames]
        notes: dict[str, list[str]] = self.data["notes"]
        deadline_min = self.deadlines[item.grade]
        deadline = clue.received_at + timedelta(minutes=deadline_min)
        late_p = self.late_share[item.grid_code] * self.data["grade_late_factor"][item.grade]
        if rng.random() < late_p:
            # Late, but within a day and a half past the deadline: nobody sits on a clue for a week.
            delay = min(deadline_min * (1.05 + rng.expovariate(1 / 0.8)), deadline_min + 36 * 60)
        else:
            delay = deadline_min * (0.03 + 0.9 * rng.random() ** 1.5)
        first_at = clue.received_at + timedelta(minutes=max(2.0, delay))
        night_start, night_end = self.data["night_hours"]
        if item.grade == "yellow" and (first_at.hour >= night_start or first_at.hour < night_end):
            # Low-grade clues wait for the morning; this is where many late yellow clues come from.
            morning = first_at.date() + timedelta(days=1 if first_at.hour >= night_start else 0)
            first_at = datetime.combine(morning, time(night_end, 30)) + timedelta(minutes=rng.randrange(90))

        outcome = "cheated" if clue.case_no else _weighted(rng, self.data["outcomes"])
        choices = dict(self.data["first_action"][item.grade])
        if not clue.target_phone:
            choices = {k: v for k, v in choices.items() if k in ("visit", "wechat_group")} or {"visit": 1.0}
        first_kind = _weighted(rng, choices)
        actions: list[ActionRecord] = []

        def add(at: datetime, kind: str, reached: bool | None, note: str, by: str = officer) -> None:
            actions.append(ActionRecord(at.replace(microsecond=0), kind, reached, by, note))

        reachable = outcome != "unreachable"
        final_note = rng.choice(notes[outcome])
        if first_kind in ("sms", "wechat_group"):
            add(first_at, first_kind, None, rng.choice(notes[first_kind]))
            at = first_at + timedelta(minutes=rng.randrange(20, 8 * 60))
            follow = "call" if clue.target_phone else "visit"
            add(
                at, follow, reachable, final_note if reachable else rng.choice(notes[f"unreachable_{follow}"])
            )
        else:
            add(
                first_at,
                first_kind,
                reachable,
                final_note if reachable else rng.choice(notes[f"unreachable_{first_kind}"]),
            )
        at = actions[-1].at
        escalated_at = None
        if outcome == "unreachable":
            for _ in range(rng.randrange(1, 3)):
                at += timedelta(minutes=rng.randrange(60, 6 * 60))
                kind = "call" if clue.target_phone and rng.random() < 0.7 else "visit"
                add(at, kind, False, rng.choice(notes[f"unreachable_{kind}"]), rng.choice(helpers))
            escalated_at = at + timedelta(minutes=rng.randrange(5, 60))
        elif (
            outcome == "stopped"
            and (item.grade == "red" or item.elderly)
            and rng.random() < self.data["follow_up_visit_share"]
        ):
            at += timedelta(hours=rng.randrange(12, 48))
            add(at, "visit", True, rng.choice(notes["follow_up_visit"]), rng.choice(helpers))

        closed_at: datetime | None
        closed_by = officer
        if outcome == "unreachable" and escalated_at is not None:
            closed_at = escalated_at + timedelta(minutes=rng.randrange(60, 30 * 60))
            closed_by = rng.choice(self.command_room) if self.command_room else officer
        else:
            closed_at = actions[-1].at + timedelta(minutes=rng.randrange(5, 12 * 60))

        if clue.received_at >= self.open_from or closed_at > self.horizon:
            # Still being worked at the end date: what had happened by then, nothing more.
            done = tuple(a for a in actions if a.at < self.horizon)
            if escalated_at is not None and escalated_at >= self.horizon:
                escalated_at = None
            return ClueHandlingRecord(
                clue.source,
                clue.source_id,
                done,
                "",
                None,
                item.grade,
                deadline,
                escalated_at,
                None,
                "",
                item.grid_code,
            )
        case_no = clue.case_no if outcome == "cheated" else None
        return ClueHandlingRecord(
            clue.source,
            clue.source_id,
            tuple(actions),
            outcome,
            closed_at.replace(microsecond=0),
            item.grade,
            deadline,
            escalated_at,
            case_no,
            closed_by,
            item.grid_code,
        )


def simulate_handling(
    seed: int,
    end_date: date,
    clues: Sequence[ClueRecord],
    cases: Sequence[CaseRecord],
    factory: ResidentFactory,
    grids: Sequence[GridRecord],
    laggard_grids: set[str],
    command_room: Sequence[str],
) -> list[ClueHandlingRecord]:
    """One record per clue dispatched to an officer, in the clues' order."""
    sim = HandlingSimulator(seed, end_date, grids, laggard_grids, command_room, cases)
    return [sim.handle(item) for item in dispatched_clues(clues, cases, factory)]


def handling_summary(records: Sequence[ClueHandlingRecord]) -> dict[str, Any]:
    """Figures for the truth manifest: outcomes, first contact in time per grade and per grid."""
    closed = [r for r in records if r.outcome]
    outcomes: dict[str, int] = defaultdict(int)
    for r in closed:
        outcomes[r.outcome] += 1
    by_grade: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    by_grid: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for r in closed:
        hit = 1 if r.in_time else 0
        by_grade[r.grade][0] += hit
        by_grade[r.grade][1] += 1
        by_grid[r.grid_code][0] += hit
        by_grid[r.grid_code][1] += 1
    return {
        "dispatched": len(records),
        "closed": len(closed),
        "open": len(records) - len(closed),
        "open_contacted": sum(1 for r in records if not r.outcome and r.actions),
        "actions": sum(len(r.actions) for r in records),
        "outcomes": dict(sorted(outcomes.items())),
        "in_time_share": round(sum(1 for r in closed if r.in_time) / len(closed), 4) if closed else None,
        "in_time_by_grade": {g: {"in_time": v[0], "closed": v[1]} for g, v in sorted(by_grade.items())},
        "in_time_by_grid": {g: round(v[0] / v[1], 4) for g, v in sorted(by_grid.items())},
        "cheated_with_case": sum(1 for r in closed if r.case_no),
    }
