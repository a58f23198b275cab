"""Who a warning-reminder campaign (防骗提醒) goes to, and who it must not go to.

A campaign's audience is a risk segment: a fraud category with the people it hits (age bands,
sex, occupations) in a set of police grids. Every member of the audience gets one status:

* ``no_phone``   — no valid mainland mobile number on file;
* ``opted_out``  — the number asked not to get reminders (退订); never exported or sent;
* ``capped``     — already reached ``max_per_month`` times this calendar month;
* ``held_out``   — randomly kept back, so that the campaign's effect can be measured against
  people like the reached who were not reached (``holdout_share``; 0 keeps nobody back);
* ``pending``    — to be handed over (exported or sent through the gateway); after that
  ``exported`` (given to the SMS platform), ``delivered`` or ``failed`` (gateway receipts).

Pure Python. Ages are whole years on the campaign's day, banded as the analytics band victims'
ages (``fanzha/data/analytics/age_bands.json``), so a segment from the risk tables selects the
same people here. The hold-out is a hash of the campaign's seed and the resident, so planning and
recording the same campaign hold back the same people.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date
from functools import cache
from typing import Any

from fanzha.domain import stats
from fanzha.domain.data_files import load_data_json
from fanzha.domain.values.phone import is_valid_mobile, normalise_phone

NO_PHONE = "no_phone"
OPTED_OUT = "opted_out"
CAPPED = "capped"
HELD_OUT = "held_out"
PENDING = "pending"
EXPORTED = "exported"
DELIVERED = "delivered"
FAILED = "failed"

STATUS_LABELS: dict[str, str] = {
    NO_PHONE: "无有效手机号",
    OPTED_OUT: "已退订",
    CAPPED: "本月提醒已达上限",
    HELD_OUT: "随机留作对照",
    PENDING: "待发送",
    EXPORTED: "已导出给短信平台",
    DELIVERED: "已送达",
    FAILED: "发送失败",
}
# Statuses counted as reached by a reminder (an exported number is assumed sent by the platform).
REACHED = frozenset({EXPORTED, DELIVERED})
# Statuses that take a place in the monthly cap: handed over, whatever the receipt says later.
COUNTS_TOWARDS_CAP = frozenset({EXPORTED, DELIVERED, PENDING})
SEXES = ("男", "女")


@dataclass(frozen=True)
class ReminderSettings:
    """The station's rules for reminders (``fanzha/data/reminders/settings.json`` plus overrides)."""

    max_per_month: int = 2
    holdout_share: float = 0.1
    follow_up_days: int = 90
    script_days: int = 90
    sms_limit: int = 70
    signature: str = "【{station}】"


def parse_settings(raw: Mapping[str, Any]) -> ReminderSettings:
    known = ReminderSettings.__dataclass_fields__
    values = {k: v for k, v in raw.items() if k in known}
    parsed = ReminderSettings(**values)
    if parsed.max_per_month < 1:
        raise ValueError("max_per_month must be at least 1")
    if not 0 <= parsed.holdout_share < 1:
        raise ValueError("holdout_share must be in [0, 1)")
    if parsed.follow_up_days < 1 or parsed.script_days < 1 or parsed.sms_limit < 10:
        raise ValueError("follow_up_days, script_days must be positive and sms_limit at least 10")
    return parsed


@cache
def shipped_settings() -> dict[str, Any]:
    raw: dict[str, Any] = load_data_json("reminders/settings.json")
    return {k: v for k, v in raw.items() if not k.startswith("_")}


def load_settings(overrides: Mapping[str, Any] | None = None) -> ReminderSettings:
    return parse_settings({**shipped_settings(), **(overrides or {})})


# ---------------------------------------------------------------------------------------------
# The audience


@dataclass(frozen=True)
class AudienceCriteria:
    """A risk segment to remind: empty ``age_bands``/``occupations`` and ``sex`` "" mean everyone."""

    category: str
    grid_codes: tuple[str, ...]
    age_bands: tuple[str, ...] = ()
    sex: str = ""
    occupations: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        labels = stats.age_bands().labels
        unknown = [b for b in self.age_bands if b not in labels]
        if unknown:
            raise ValueError(f"unknown age band {unknown[0]!r}")
        if self.sex not in ("", *SEXES):
            raise ValueError(f"sex must be 男, 女 or empty, not {self.sex!r}")
        if not self.grid_codes:
            raise ValueError("a campaign needs at least one grid")

    def as_dict(self) -> dict[str, Any]:
        return {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(self).items()}

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any]) -> AudienceCriteria:
        return cls(
            category=str(raw.get("category", "")),
            grid_codes=tuple(sorted(str(g) for g in raw.get("grid_codes", ()))),
            age_bands=tuple(str(b) for b in raw.get("age_bands", ())),
            sex=str(raw.get("sex", "")),
            occupations=tuple(sorted(str(o) for o in raw.get("occupations", ()))),
        )

    def describe(self) -> str:
        """In plain words: 女性，26-35岁，G03、G07 警格（提醒刷单返利类）."""
        parts: list[str] = []
        if self.sex:
            parts.append(f"{self.sex}性")
        if self.age_bands:
            parts.append("、".join(self.age_bands))
        if self.occupations:
            parts.append("、".join(self.occupations))
        who = "，".join(parts) if parts else "全体居民"
        grids = "、".join(self.grid_codes)
        return f"{who}，{grids} 警格（提醒{self.category or '防范电信网络诈骗'}）"


def band_birth_ranges(labels: Iterable[str], on: date) -> list[tuple[date, date]]:
    bands = {name: (low, high) for name, low, high in stats.age_bands().bands}
    return [stats.birth_date_range(on, *bands[label]) for label in labels if label in bands]


def matches(
    criteria: AudienceCriteria,
    *,
    grid_code: str,
    birth_date: date | None,
    sex: str,
    occupation: str,
    on: date,
) -> bool:
    """Whether one resident belongs to the campaign's audience on ``on``."""
    if grid_code not in criteria.grid_codes:
        return False
    if criteria.sex and sex != criteria.sex:
        return False
    if criteria.occupations and occupation not in criteria.occupations:
        return False
    if criteria.age_bands:
        if birth_date is None:
            return False
        return any(after < birth_date <= until for after, until in band_birth_ranges(criteria.age_bands, on))
    return True


# ---------------------------------------------------------------------------------------------
# Statuses


@dataclass(frozen=True)
class Person:
    """One member of an audience as the status rules need them."""

    resident_id: int
    phone: str
    grid_code: str = ""
    app_registered: bool = False


def mobile_number(phone: str) -> str | None:
    """The 11-digit mainland mobile number, or None (landlines cannot take an SMS)."""
    digits = normalise_phone(phone or "")
    return digits if is_valid_mobile(digits) else None


def holdout_draw(seed: str, resident_id: int) -> float:
    """A uniform number in [0, 1) fixed by the campaign's seed and the resident."""
    digest = hashlib.sha256(f"{seed}:{resident_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


@dataclass
class AudienceSummary:
    """How many residents a campaign names and what becomes of them."""

    audience: int = 0
    with_mobile: int = 0
    app_registered: int = 0
    by_status: dict[str, int] = field(default_factory=dict)

    @property
    def to_send(self) -> int:
        return self.by_status.get(PENDING, 0)

    def as_dict(self) -> dict[str, Any]:
        return {
            "audience": self.audience,
            "with_mobile": self.with_mobile,
            "app_registered": self.app_registered,
            "opted_out": self.by_status.get(OPTED_OUT, 0),
            "capped": self.by_status.get(CAPPED, 0),
            "held_out": self.by_status.get(HELD_OUT, 0),
            "no_phone": self.by_status.get(NO_PHONE, 0),
            "to_send": self.to_send,
        }


def assign_statuses(
    people: Sequence[Person],
    *,
    opted_out: Iterable[str],
    reached_this_month: Mapping[int, int],
    settings: ReminderSettings,
    seed: str,
    holdout_share: float | None = None,
) -> tuple[dict[int, str], AudienceSummary]:
    """Each person's status, and the counts. ``opted_out`` holds normalised mobile numbers;
    ``reached_this_month`` the reminders each resident already got in the campaign's month.

    The hold-out takes exactly ``round(share × eligible)`` people, those with the smallest draws,
    so the count shown when planning is the count recorded."""
    share = settings.holdout_share if holdout_share is None else holdout_share
    if not 0 <= share < 1:
        raise ValueError("holdout_share must be in [0, 1)")
    blocked = {mobile_number(p) or p for p in opted_out}
    statuses: dict[int, str] = {}
    summary = AudienceSummary(audience=len(people))
    eligible: list[Person] = []
    for person in people:
        if person.app_registered:
            summary.app_registered += 1
        mobile = mobile_number(person.phone)
        if mobile is None:
            statuses[person.resident_id] = NO_PHONE
            continue
        summary.with_mobile += 1
        if mobile in blocked:
            statuses[person.resident_id] = OPTED_OUT
        elif reached_this_month.get(person.resident_id, 0) >= settings.max_per_month:
            statuses[person.resident_id] = CAPPED
        else:
            eligible.append(person)
    keep_back = math.floor(share * len(eligible) + 0.5)
    ranked = sorted(eligible, key=lambda p: (holdout_draw(seed, p.resident_id), p.resident_id))
    for k, person in enumerate(ranked):
        statuses[person.resident_id] = HELD_OUT if k < keep_back else PENDING
    for status in statuses.values():
        summary.by_status[status] = summary.by_status.get(status, 0) + 1
    return statuses, summary


def month_key(day: date) -> date:
    """The calendar month the cap counts in."""
    return stats.month_start(day)
