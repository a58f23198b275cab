"""Matching a person named in a clue or a report to a resident: normalised identifiers first,
then a fuzzy comparison of name and address that says how sure it is.

Pure Python (rapidfuzz for the string scores). Thresholds live in ``fanzha/data/clues/matching.json``.
Addresses are compared on their detail part: the province / city / county prefix is cut off,
because one sender writes it and another does not.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from rapidfuzz import fuzz

RULES_FILE = Path(__file__).resolve().parent.parent / "data" / "clues" / "matching.json"
_NAME_NOISE = re.compile(r"[\s·•.\-_*]+")
_ADDRESS_NOISE = re.compile(r"[\s,，。.、;；:：()（）\-—_#/]+")
_CN_DIGITS = str.maketrans("〇零一二三四五六七八九", "00123456789")


@cache
def matching_rules() -> dict[str, Any]:
    rules: dict[str, Any] = json.loads(RULES_FILE.read_text(encoding="utf-8"))
    return rules


@cache
def _admin_prefix() -> re.Pattern[str]:
    # Longest suffixes first so that "自治县" is not read as "…自治" + "县".
    suffixes = sorted(matching_rules()["admin_suffixes"], key=len, reverse=True)
    unit = "(?:[\u4e00-\u9fff]{1,12}?(?:" + "|".join(map(re.escape, suffixes)) + "))"
    return re.compile(f"^{unit}{{0,3}}")


def normalise_name(name: str) -> str:
    """NFKC, no spaces or middle dots: "张 三" and "张三" are one name."""
    return _NAME_NOISE.sub("", unicodedata.normalize("NFKC", name)).strip()


def normalise_phone(phone: str) -> str:
    """Digits only, without +86 / 0086 / 86 in front of an 11-digit mobile number."""
    digits = re.sub(r"\D", "", unicodedata.normalize("NFKC", phone))
    for prefix in ("0086", "86"):
        if digits.startswith(prefix) and len(digits) == len(prefix) + 11:
            return digits[len(prefix) :]
    return digits


def normalise_id_number(value: str) -> str:
    """Upper case, no spaces; a trailing lower-case x is the check digit X."""
    return re.sub(r"\s", "", unicodedata.normalize("NFKC", value)).upper()


def looks_like_id_number(value: str) -> bool:
    """18 characters (17 digits + digit or X) or the old 15 digits; checksum not required here
    because a clue with a mistyped check digit still names the person."""
    return bool(re.fullmatch(r"\d{17}[\dX]|\d{15}", value))


def normalise_address(address: str) -> str:
    """NFKC, Chinese digits as Arabic, no spaces or punctuation."""
    text = unicodedata.normalize("NFKC", address).translate(_CN_DIGITS)
    return _ADDRESS_NOISE.sub("", text)


def address_detail(address: str) -> str:
    """The address without its province / city / county prefix (at most three levels)."""
    text = normalise_address(address)
    detail = _admin_prefix().sub("", text)
    return detail or text


def name_similarity(a: str, b: str) -> float:
    """0..1; names are short, so plain edit-distance similarity is the fair measure."""
    a, b = normalise_name(a), normalise_name(b)
    if not a or not b:
        return 0.0
    return fuzz.ratio(a, b) / 100.0


def address_similarity(a: str, b: str) -> float:
    """0..1 on the detail parts; a missing building or room number costs less than a wrong one."""
    da, db = address_detail(a), address_detail(b)
    if not da or not db:
        return 0.0
    whole = fuzz.ratio(da, db)
    partial = fuzz.partial_ratio(da, db) if min(len(da), len(db)) >= 6 else 0.0
    return max(whole, 0.9 * partial) / 100.0


@dataclass(frozen=True)
class PersonCandidate:
    key: int
    name: str
    address: str


@dataclass(frozen=True)
class FuzzyMatch:
    key: int
    confidence: float
    name_score: float
    address_score: float


@dataclass(frozen=True)
class FuzzyOutcome:
    """The best candidate when it is good and clear enough, else why not (in Chinese)."""

    match: FuzzyMatch | None
    reason: str
    runner_up: FuzzyMatch | None = None


def score_candidate(name: str, address: str, candidate: PersonCandidate) -> FuzzyMatch:
    weights = matching_rules()["fuzzy"]
    name_score = name_similarity(name, candidate.name)
    address_score = address_similarity(address, candidate.address)
    confidence = weights["name_weight"] * name_score + weights["address_weight"] * address_score
    return FuzzyMatch(candidate.key, round(confidence, 3), round(name_score, 3), round(address_score, 3))


def best_fuzzy_match(name: str, address: str, candidates: Iterable[PersonCandidate]) -> FuzzyOutcome:
    """Pick the candidate whose name and address both resemble the clue's.

    Refuses (returns ``match=None`` with a reason) when the best score is too low or the
    runner-up is too close: a wrong officer warned is worse than a person deciding.
    """
    rules = matching_rules()["fuzzy"]
    if not normalise_name(name) or not address_detail(address):
        return FuzzyOutcome(None, "缺少身份证号、手机号，姓名或地址也不全，无法比对")
    scored = sorted(
        (score_candidate(name, address, c) for c in candidates),
        key=lambda m: (m.confidence, -m.key),
        reverse=True,
    )
    if not scored:
        return FuzzyOutcome(None, "姓名和地址均未找到本辖区相近的居民")
    best = scored[0]
    runner_up = scored[1] if len(scored) > 1 else None
    if best.name_score < rules["min_name"] or best.address_score < rules["min_address"]:
        return FuzzyOutcome(
            None,
            f"最相近的居民姓名相似度 {best.name_score:.2f}、地址相似度 {best.address_score:.2f}，不足以确认",
            best,
        )
    if best.confidence < rules["min_confidence"]:
        return FuzzyOutcome(None, f"最相近的居民综合置信度 {best.confidence:.2f}，不足以确认", best)
    if runner_up is not None and best.confidence - runner_up.confidence < rules["min_lead"]:
        return FuzzyOutcome(
            None,
            f"有 2 名以上居民同样相近（{best.confidence:.2f} / {runner_up.confidence:.2f}），需人工确认",
            best,
        )
    return FuzzyOutcome(best, "", runner_up)
