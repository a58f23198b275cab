"""Batch analysis (批量研判) of the clues of one batch or one period: where they came from, what
they were, how fast and how well they were handled, who keeps being targeted and which fraud
identifiers recur across clues and cases. Shown on a page, printed by the CLI, exported to xlsx."""

from __future__ import annotations

import statistics
from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from django.db.models import Count, QuerySet
from django.utils import timezone

from fanzha.cases.models import Case, CaseIdentifier
from fanzha.clues.models import Clue
from fanzha.domain.masking import mask_name
from fanzha.domain.xlsx_export import SheetData, write_xlsx

TOP = 20


@dataclass(frozen=True)
class RepeatTarget:
    resident_id: int
    name: str  # masked
    grid: str
    clues: int


@dataclass(frozen=True)
class IdentifierCount:
    value: str
    clues: int
    cases: int


@dataclass
class ClueAnalysis:
    title: str
    total: int = 0
    merged: int = 0
    by_source: list[tuple[str, int]] = field(default_factory=list)
    by_kind: list[tuple[str, int]] = field(default_factory=list)
    by_grade: list[tuple[str, int]] = field(default_factory=list)
    by_grid: list[tuple[str, int]] = field(default_factory=list)
    by_status: list[tuple[str, int]] = field(default_factory=list)
    by_outcome: list[tuple[str, int]] = field(default_factory=list)
    contacted: int = 0
    median_minutes_to_first_contact: float | None = None
    in_time: int = 0
    decided: int = 0  # clues whose deadline has passed or that were contacted
    repeat_targets: list[RepeatTarget] = field(default_factory=list)
    top_identifiers: list[IdentifierCount] = field(default_factory=list)

    @property
    def in_time_share(self) -> float | None:
        return round(self.in_time / self.decided, 4) if self.decided else None

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["in_time_share"] = self.in_time_share
        for key in ("by_source", "by_kind", "by_grade", "by_grid", "by_status", "by_outcome"):
            data[key] = [{"label": label, "count": count} for label, count in data[key]]
        return data


def clue_selection(
    *,
    batch_id: int | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
    base: QuerySet[Clue] | None = None,
) -> QuerySet[Clue]:
    """Clues of a batch and/or received in [start, end). ``base`` carries the user's scope."""
    queryset = base if base is not None else Clue.objects.all()
    if batch_id is not None:
        queryset = queryset.filter(batch_id=batch_id)
    if start is not None:
        queryset = queryset.filter(received_at__gte=start)
    if end is not None:
        queryset = queryset.filter(received_at__lt=end)
    return queryset


def _counts(
    queryset: QuerySet[Clue], field_name: str, labels: dict[str, str] | None = None
) -> list[tuple[str, int]]:
    rows = queryset.values_list(field_name).annotate(n=Count("id")).order_by("-n", field_name)
    return [((labels or {}).get(value, value) if value else "（空）", n) for value, n in rows]


def analyse_clues(
    queryset: QuerySet[Clue],
    title: str = "",
    now: datetime | None = None,
    cases: QuerySet[Case] | None = None,
) -> ClueAnalysis:
    """The breakdowns of ``queryset``. ``cases`` are the cases the reader may see (their grids for a
    community officer): an identifier's 案件数 counts only those; None counts every case."""
    moment = now or timezone.now()
    result = ClueAnalysis(title=title or "预警线索批量研判")
    result.total = queryset.count()
    result.merged = queryset.filter(status=Clue.Status.MERGED).count()
    worked = queryset.exclude(status=Clue.Status.MERGED)
    result.by_source = _counts(queryset, "source")
    result.by_kind = _counts(queryset, "kind")
    result.by_grade = _counts(worked, "grade", dict(Clue.Grade.choices))
    result.by_grid = _counts(worked, "grid__code")
    result.by_status = _counts(queryset, "status", dict(Clue.Status.choices))
    result.by_outcome = _counts(worked.exclude(outcome=""), "outcome", dict(Clue.Outcome.choices))

    minutes: list[float] = []
    for received, first, deadline in worked.filter(deadline__isnull=False).values_list(
        "received_at", "first_contact_at", "deadline"
    ):
        if deadline is None:
            continue
        if first is not None:
            minutes.append((first - received).total_seconds() / 60)
            result.decided += 1
            result.in_time += int(first <= deadline)
        elif deadline < moment:
            result.decided += 1
    result.contacted = len(minutes)
    result.median_minutes_to_first_contact = round(statistics.median(minutes), 1) if minutes else None

    repeats = (
        worked.filter(resident__isnull=False)
        .values_list("resident_id", "resident__name", "grid__code")
        .annotate(n=Count("id"))
        .filter(n__gte=2)
        .order_by("-n", "resident_id")[:TOP]
    )
    result.repeat_targets = [
        RepeatTarget(pk, mask_name(name or ""), grid or "", n) for pk, name, grid, n in repeats
    ]

    clue_counts = Counter(
        dict(
            queryset.exclude(fraud_identifier="")
            .values_list("fraud_identifier")
            .annotate(n=Count("id"))
            .order_by("-n")[: TOP * 5]
        )
    )
    links = CaseIdentifier.objects.filter(identifier__value__in=list(clue_counts))
    if cases is not None:
        links = links.filter(case__in=cases.values("pk"))
    case_counts = dict(links.values_list("identifier__value").annotate(n=Count("case_id", distinct=True)))
    ranked = sorted(clue_counts, key=lambda v: (-(clue_counts[v] + case_counts.get(v, 0)), v))[:TOP]
    result.top_identifiers = [IdentifierCount(v, clue_counts[v], case_counts.get(v, 0)) for v in ranked]
    return result


def write_analysis_xlsx(result: ClueAnalysis) -> bytes:
    """One workbook: an overview sheet and one sheet per breakdown. Names are masked."""
    share = result.in_time_share
    overview: list[list[Any]] = [
        [result.title],
        ["线索总数", result.total],
        ["其中合并", result.merged],
        ["已联系", result.contacted],
        ["首次联系用时中位数（分钟）", result.median_minutes_to_first_contact],
        ["按时处置", result.in_time],
        ["应处置（已联系或已超时）", result.decided],
        ["按时处置率", f"{share:.1%}" if share is not None else "—"],
    ]
    sheets = [SheetData("概览", overview, freeze=None)]
    for title, rows in (
        ("按来源", result.by_source),
        ("按类型", result.by_kind),
        ("按等级", result.by_grade),
        ("按警格", result.by_grid),
        ("按状态", result.by_status),
        ("按结果", result.by_outcome),
    ):
        sheets.append(
            SheetData(title, [[title[1:], "数量"], *([label, count] for label, count in rows)], freeze=None)
        )
    sheets.append(
        SheetData(
            "重复预警对象",
            [
                ["居民编号", "姓名（脱敏）", "警格", "线索数"],
                *([t.resident_id, t.name, t.grid, t.clues] for t in result.repeat_targets),
            ],
            bold_rows=0,
            freeze=None,
        )
    )
    sheets.append(
        SheetData(
            "高频涉诈标识",
            [
                ["涉诈标识", "线索数", "案件数"],
                *([i.value, i.clues, i.cases] for i in result.top_identifiers),
            ],
            bold_rows=0,
            freeze=None,
        )
    )
    return write_xlsx(sheets)
