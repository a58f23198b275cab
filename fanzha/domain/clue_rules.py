"""The rules of a warning clue, without a database: how its kind is spelt, how it is graded, its
deadline, which of its values cannot be right, and when two clues are one (merge).

The numbers are data (``fanzha/data/clues/grading.json``). ``fanzha.clues.intake`` applies these
rules to a batch, ``fanzha.clues.handling`` when a clue is matched by hand, and the synthetic
county's generator to predict what intake will do, so all three grade alike.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from functools import cache, lru_cache
from typing import Any, Generic, TypedDict, TypeVar, cast

from fanzha.domain.data_files import load_data_json
from fanzha.domain.masking import mask_id_number, mask_phone
from fanzha.domain.person_matching import normalise_name
from fanzha.domain.values.id_number import is_valid_id_number, normalise_id_number
from fanzha.domain.values.money import format_yuan
from fanzha.domain.values.phone import is_landline, is_valid_mobile, normalise_phone
from fanzha.domain.values.registry import normalise_identifier

GRADE_ORDER = {"yellow": 0, "orange": 1, "red": 2}
Ref = TypeVar("Ref")


def grading_rules() -> dict[str, Any]:
    rules: dict[str, Any] = load_data_json("clues/grading.json")
    return rules


@cache
def _kind_spellings() -> dict[str, str]:
    spellings: dict[str, str] = {}
    for kind, rule in grading_rules()["kinds"].items():
        spellings[normalise_name(kind).lower()] = kind
        for synonym in rule.get("synonyms", []):
            spellings[normalise_name(synonym).lower()] = kind
    return spellings


@lru_cache(maxsize=1024)  # a handful of spellings, repeated on every row of a batch
def canonical_kind(text: str) -> str:
    """The clue kind as graded ("涉诈短信" → "被涉诈短信"); unknown kinds are kept as written."""
    return _kind_spellings().get(normalise_name(text).lower(), text.strip())


def identifier_kind(kind: str) -> str:
    """The fraud identifier's kind (phone, app, url, bank_account) for a clue kind, or ""."""
    rule = grading_rules()["kinds"].get(kind)
    return str(rule.get("identifier", "")) if rule else ""


def stored_identifier(kind: str, fraud_identifier: str) -> str:
    """A clue's fraud identifier as a case records it (a phone as bare digits…), to look it up
    among the station's identifiers; as written when the clue kind names no identifier kind."""
    identifier = identifier_kind(kind)
    if not identifier:
        return fraud_identifier.strip()
    return normalise_identifier(identifier, fraud_identifier)


def deadline_minutes(grade: str, overrides: Mapping[str, int] | None = None) -> int:
    minutes = dict(grading_rules()["deadline_minutes"])
    minutes.update(overrides or {})
    return int(minutes[grade])


def merge_window() -> timedelta:
    """How far apart two clues on one person and one fraud identifier may be and still merge."""
    return timedelta(days=grading_rules()["merge_window_days"])


def age_on(birth: date | None, day: date) -> int | None:
    if birth is None:
        return None
    return day.year - birth.year - int((day.month, day.day) < (birth.month, birth.day))


def grade_clue(
    kind: str, amount_fen: int | None, age: int | None, seen_in_cases: bool, repeats: int
) -> tuple[str, list[str]]:
    """The grade (red/orange/yellow) of a clue of ``kind`` and the reasons, in Chinese, that set it.

    ``repeats`` is how many earlier clues on the same person fall in the merge window;
    ``seen_in_cases`` whether its fraud identifier is named in one of the station's cases.
    """
    rules = grading_rules()
    kind_rule = rules["kinds"].get(kind)
    grade = kind_rule["base_grade"] if kind_rule else rules["default_grade"]
    reasons = [f"线索类型：{kind or '未注明'}" + ("" if kind_rule else "（未知类型，按默认等级）")]

    def raise_to(target: str, reason: str) -> None:
        nonlocal grade
        if GRADE_ORDER[target] > GRADE_ORDER[grade]:
            grade = target
        reasons.append(reason)

    if amount_fen is not None:
        if amount_fen >= rules["red_amount_yuan"] * 100:
            raise_to("red", f"涉及金额 {format_yuan(amount_fen)} 元")
        elif amount_fen >= rules["orange_amount_yuan"] * 100:
            raise_to("orange", f"涉及金额 {format_yuan(amount_fen)} 元")
    if age is not None and age >= rules["elderly_age"]:
        raise_to("orange", f"对象年龄 {age} 岁")
    if seen_in_cases:
        raise_to("red", "涉诈标识曾出现在本所案件中")
    if repeats >= rules["repeat_contacts"]:
        raise_to("orange", f"同一对象近期第 {repeats + 1} 次被预警")
    return grade, reasons


class ReportedFields(TypedDict):
    """What a warning clue reports about its target and its fraud, under the same names in every
    shape a clue takes (the API's payload, a file row, the generator's record, ClueInput, Clue)."""

    target_name: str
    target_phone: str
    target_id_number: str
    target_address: str
    kind: str
    fraud_identifier: str
    suspected_category: str


REPORTED_FIELDS = tuple(ReportedFields.__annotations__)


def reported_fields(clue: object) -> ReportedFields:
    """The reported fields of any clue-shaped object, to pass on as keyword arguments."""
    return cast(ReportedFields, {name: getattr(clue, name) for name in REPORTED_FIELDS})


@dataclass(frozen=True)
class ClueInput:
    source: str
    source_id: str
    received_at: datetime
    target_name: str = ""
    target_phone: str = ""
    target_id_number: str = ""
    target_address: str = ""
    kind: str = ""
    fraud_identifier: str = ""
    suspected_category: str = ""
    amount_fen: int | None = None
    raw: dict[str, Any] = field(default_factory=dict)
    line: int | None = None
    # The API system that sent it (a SourceSystem pk): its clues are keyed on the system, not the label.
    source_system_id: int | None = None

    @property
    def key(self) -> tuple[str, str]:
        """What makes a clue the same clue again: (the system, else the label; the source's id)."""
        namespace = f"system:{self.source_system_id}" if self.source_system_id else f"source:{self.source}"
        return namespace, self.source_id


def normalise_input(clue: ClueInput) -> ClueInput:
    """Phones as bare digits, ID numbers upper-case, kinds in their graded spelling."""
    return replace(
        clue,
        source=clue.source.strip(),
        source_id=clue.source_id.strip(),
        target_name=normalise_name(clue.target_name),
        target_phone=normalise_phone(clue.target_phone),
        target_id_number=normalise_id_number(clue.target_id_number),
        target_address=clue.target_address.strip(),
        kind=canonical_kind(clue.kind),
        fraud_identifier=clue.fraud_identifier.strip(),
        suspected_category=clue.suspected_category.strip(),
    )


def target_warnings(clue: ClueInput) -> list[str]:
    """Values of a (normalised) clue that cannot be right, for the officer to check; masked."""
    warnings = []
    phone = clue.target_phone
    if phone and not (is_valid_mobile(phone) or is_landline(phone)):
        warnings.append(f"对象电话“{mask_phone(phone)}”不是有效的手机号或固定电话（{len(phone)} 位），请核实")
    number = clue.target_id_number
    if number and not is_valid_id_number(number):
        warnings.append(
            f"对象身份证号“{mask_id_number(number)}”校验不通过（位数、出生日期或校验位有误），请核实"
        )
    return warnings


def person_key(resident_id: int | None, id_number: str, phone: str, name: str, address: str) -> str:
    """Who a clue is about, for merging: the matched resident, else the ID number, else the phone,
    else name and address as written."""
    if resident_id is not None:
        return f"r:{resident_id}"
    if id_number:
        return f"i:{id_number}"
    if phone:
        return f"p:{phone}"
    return f"n:{name}|{address}"


def within_window(a: datetime, b: datetime, window: timedelta) -> bool:
    return abs(a - b) <= window


class MergeIndex(Generic[Ref]):
    """Clues that a later clue on the same person and fraud identifier merges into.

    ``Ref`` is whatever names a clue to the caller (a stored pk, a row about to be written).
    """

    def __init__(self, window: timedelta) -> None:
        self.window = window
        self._clues: dict[tuple[str, str], list[tuple[datetime, Ref]]] = {}

    def add(self, person: str, identifier: str, at: datetime, ref: Ref) -> None:
        self._clues.setdefault((person, identifier), []).append((at, ref))

    def primary(self, person: str, identifier: str, at: datetime) -> Ref | None:
        """The first clue recorded on the same person and identifier within the window, if any."""
        if not identifier:
            return None
        return next(
            (
                ref
                for when, ref in self._clues.get((person, identifier), [])
                if within_window(when, at, self.window)
            ),
            None,
        )
