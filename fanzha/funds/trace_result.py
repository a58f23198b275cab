"""What a trace run keeps (``TraceRun.result``), typed: its starting points, the accounts and
transfers it reached, the freeze list and the region totals.

The run page, the exports, the cooperation letters, the evidence requests and the API read these
classes instead of the stored dict; :meth:`StoredTrace.to_json` writes the stored shape (the API's
and the database's JSON are unchanged) and :meth:`StoredTrace.from_json` reads every stored shape,
including the empty ``{}`` of the model's default and rows without keys added later. Money is in
integer fen; times are naive Beijing wall-clock text ``YYYY-MM-DD HH:MM:SS``, as stored.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any, TypeVar

from django.utils import timezone

from fanzha.domain.durations import elapsed_days
from fanzha.domain.trace import FreezeItem, RegionTotal

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

_Row = TypeVar("_Row", bound="DataclassInstance")
_NUMERALS = "一二三四五六七八九十"
#: The region of an account whose bank branch names no place.
UNKNOWN_REGION = "未知"


def depth_label(depth: int) -> str:
    """1 → 一级卡, 2 → 二级卡 … (the investigators' names for the layers)."""
    if depth <= 0:
        return "起点"
    if depth <= 10:
        return f"{_NUMERALS[depth - 1]}级卡"
    return f"{depth}级卡"


def local_naive(at: datetime) -> datetime:
    """An aware datetime as naive Beijing wall-clock time, the statements' clock."""
    if timezone.is_aware(at):
        at = timezone.localtime(at)
    return at.replace(tzinfo=None, microsecond=0)


def wall_clock_text(at: datetime | None) -> str | None:
    """A naive Beijing datetime as stored in a run (``YYYY-MM-DD HH:MM:SS``)."""
    return at.strftime("%Y-%m-%d %H:%M:%S") if at else None


class StartKind(StrEnum):
    """Where a trace of a case's money starts (see :mod:`fanzha.funds.tracing`)."""

    VICTIM = "victim"  # the victim's own account, matched through the receiving card's 入账 row
    CARD = "card"  # a receiving card with a statement, followed one level down after the transfer
    MISSING = "missing"  # a receiving card without a statement: listed, to be requested


class StartMode(StrEnum):
    """``TraceRun.start_mode``: from the case's transfers, or from an account typed in."""

    CASE = "case"
    MANUAL = "manual"


@dataclass(frozen=True)
class TraceStart:
    """One starting point (see :class:`StartKind`): ``after`` is naive Beijing wall-clock time,
    ``transfer_seqs`` the case transfers it follows."""

    kind: StartKind
    account: str
    after: datetime | None
    amount_fen: int | None
    transfer_seqs: tuple[int, ...] = ()

    @property
    def after_text(self) -> str | None:
        return wall_clock_text(self.after)


@dataclass(frozen=True)
class StoredAccount:
    """A reached account; ``region`` is the region's label (None when unknown)."""

    account: str
    depth: int
    amount_fen: int
    first_at: str | None = None
    held_fen: int | None = None
    balance_fen: int | None = None
    last_at: str | None = None
    bank: str | None = None
    region: str | None = None
    is_sink: bool = False
    sink_kind: str | None = None
    has_statement: bool = True

    @property
    def depth_label(self) -> str:
        return depth_label(self.depth)


@dataclass(frozen=True)
class StoredEdge:
    src: str
    dst: str
    depth: int = 0
    amount_fen: int = 0
    at: str | None = None
    sink_kind: str | None = None


@dataclass(frozen=True)
class FreezeRow(FreezeItem):
    """A freeze-list entry as shown or exported at a moment: the stored item with its arrival
    counted to that moment (``hours_since_arrival`` recounted, ``days_since_arrival`` added)."""

    depth_label: str
    first_at: str | None
    days_since_arrival: float | None


@dataclass(frozen=True)
class StoredTrace:
    """A run's findings; ``start_fen`` is None only for a run stored without a result."""

    start_fen: int | None = None
    hops: int = 0
    elapsed_ms: float = 0.0
    starts: tuple[TraceStart, ...] = ()
    accounts: tuple[StoredAccount, ...] = ()
    edges: tuple[StoredEdge, ...] = ()
    freeze: tuple[FreezeItem, ...] = ()
    regions: tuple[RegionTotal, ...] = ()

    def to_json(self) -> dict[str, Any]:
        """The stored shape (``TraceRun.result``), key for key as runs have always been kept."""
        return {
            "start_fen": self.start_fen,
            "hops": self.hops,
            "elapsed_ms": self.elapsed_ms,
            "starts": [
                {
                    "kind": str(s.kind),
                    "account": s.account,
                    "after": s.after_text,
                    "amount_fen": s.amount_fen,
                    "transfers": list(s.transfer_seqs),
                }
                for s in self.starts
            ],
            "accounts": [asdict(a) for a in self.accounts],
            "edges": [asdict(e) for e in self.edges],
            "freeze": [asdict(i) for i in self.freeze],
            "regions": [asdict(r) for r in self.regions],
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any] | None) -> StoredTrace:
        """Read a stored result; missing keys take the defaults (``{}`` is an empty trace)."""
        data = data or {}
        return cls(
            start_fen=None if data.get("start_fen") is None else int(data["start_fen"]),
            hops=int(data.get("hops") or 0),
            elapsed_ms=float(data.get("elapsed_ms") or 0.0),
            starts=tuple(
                TraceStart(
                    kind=StartKind(s.get("kind", StartKind.VICTIM)),
                    account=s.get("account", ""),
                    after=datetime.fromisoformat(s["after"]) if s.get("after") else None,
                    amount_fen=s.get("amount_fen"),
                    transfer_seqs=tuple(s.get("transfers") or ()),
                )
                for s in data.get("starts") or ()
            ),
            accounts=tuple(_known_fields(StoredAccount, a) for a in data.get("accounts") or ()),
            edges=tuple(_known_fields(StoredEdge, e) for e in data.get("edges") or ()),
            freeze=tuple(_known_fields(FreezeItem, i) for i in data.get("freeze") or ()),
            regions=tuple(_known_fields(RegionTotal, r) for r in data.get("regions") or ()),
        )

    def freeze_rows(self, now: datetime | None = None) -> list[FreezeRow]:
        """The freeze list as shown or exported at ``now`` (Beijing wall clock, default the
        present): "到账至今" is counted from each account's first arrival to now, in days, not
        frozen at the time of the trace."""
        now = now or local_naive(timezone.now())
        arrivals = {a.account: a.first_at for a in self.accounts}
        rows = []
        for item in self.freeze:
            arrived = arrivals.get(item.account)
            hours, days = item.hours_since_arrival, None
            if arrived:
                since = now - datetime.fromisoformat(arrived)
                days = elapsed_days(since)
                hours = round(since.total_seconds() / 3600, 1)
            rows.append(
                FreezeRow(
                    **dict(asdict(item), hours_since_arrival=hours),
                    depth_label=depth_label(item.depth),
                    first_at=arrived,
                    days_since_arrival=days,
                )
            )
        return rows

    def accounts_by_region(self) -> list[tuple[RegionTotal, list[StoredAccount]]]:
        """Each region's totals with its accounts, shallowest and largest first (cooperation letters)."""
        by_region: dict[str, list[StoredAccount]] = {}
        for a in self.accounts:
            by_region.setdefault(a.region or UNKNOWN_REGION, []).append(a)
        return [
            (region, sorted(by_region.get(region.region, []), key=lambda a: (a.depth, -a.amount_fen)))
            for region in self.regions
        ]

    def linkable_accounts(self) -> list[str]:
        """Reached accounts worth linking cases by: real account numbers, not sinks."""
        return [
            a.account
            for a in self.accounts
            if not a.is_sink and "@" not in a.account and len(a.account) <= 200
        ]

    def covered_transfers(self) -> set[int]:
        """The case transfers (by ``seq``) some starting point follows."""
        return {seq for start in self.starts for seq in start.transfer_seqs}


def _known_fields(kind: type[_Row], row: Mapping[str, Any]) -> _Row:
    """``kind(**row)`` with the keys ``kind`` does not know dropped (a later reader of an older
    or newer row)."""
    names = {f.name for f in fields(kind)}
    return kind(**{k: v for k, v in row.items() if k in names})
