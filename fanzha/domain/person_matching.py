"""Matching a person named in a clue or a report to a resident: normalised identifiers first,
then a fuzzy comparison of name and address that says how sure it is.

Pure Python (rapidfuzz for the string scores). Thresholds live in ``fanzha/data/clues/matching.json``.
Addresses are compared on their detail part: the province / city / county prefix is cut off,
because one sender writes it and another does not.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np
from rapidfuzz import fuzz, process

from fanzha.domain.data_files import load_data_json

_NAME_NOISE = re.compile(r"[\s·•.\-_*]+")
_ADDRESS_NOISE = re.compile(r"[\s,，。.、;；:：()（）\-—_#/]+")
_CN_DIGITS = str.maketrans("〇零一二三四五六七八九", "00123456789")
# str.translate walks a Chinese string character by character through a dict (about 5 µs for an
# address); most addresses have no Chinese digit, and a regex search says so ten times faster.
_HAS_CN_DIGIT = re.compile("[〇零一二三四五六七八九]")


def matching_rules() -> dict[str, Any]:
    rules: dict[str, Any] = load_data_json("clues/matching.json")
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


def normalise_address(address: str) -> str:
    """NFKC, Chinese digits as Arabic, no spaces or punctuation."""
    text = unicodedata.normalize("NFKC", address)
    if _HAS_CN_DIGIT.search(text):
        text = text.translate(_CN_DIGITS)
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


def _confidences(
    name: str, address: str, candidates: Sequence[PersonCandidate]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Unrounded name, address and combined scores of every candidate, with the same float64
    arithmetic as ``score_candidate``: the clue's side is normalised once and the string scores
    run in rapidfuzz's C++ loops, which matters when a common name brings hundreds of candidates."""
    weights = matching_rules()["fuzzy"]
    own_name, own_detail = normalise_name(name), address_detail(address)
    names = [normalise_name(c.name) for c in candidates]
    details = [address_detail(c.address) for c in candidates]
    ratios = process.cdist([own_name], names, scorer=fuzz.ratio, dtype=np.float64)[0]
    name_scores = np.where([bool(own_name and n) for n in names], ratios / 100.0, 0.0)
    wholes = process.cdist([own_detail], details, scorer=fuzz.ratio, dtype=np.float64)[0]
    partials = process.cdist([own_detail], details, scorer=fuzz.partial_ratio, dtype=np.float64)[0]
    partials = np.where([min(len(own_detail), len(d)) >= 6 for d in details], partials, 0.0)
    address_scores = np.where(
        [bool(own_detail and d) for d in details], np.maximum(wholes, 0.9 * partials) / 100.0, 0.0
    )
    combined = weights["name_weight"] * name_scores + weights["address_weight"] * address_scores
    return name_scores, address_scores, combined


def score_candidates(name: str, address: str, candidates: Sequence[PersonCandidate]) -> list[FuzzyMatch]:
    """``score_candidate`` for each candidate, the same numbers, computed in bulk."""
    if not candidates:
        return []
    name_scores, address_scores, combined = _confidences(name, address, candidates)
    return [
        FuzzyMatch(c.key, round(conf, 3), round(n, 3), round(a, 3))
        for c, n, a, conf in zip(
            candidates, name_scores.tolist(), address_scores.tolist(), combined.tolist(), strict=True
        )
    ]


def _two_best(name: str, address: str, candidates: Sequence[PersonCandidate]) -> list[FuzzyMatch]:
    """The first two of ``score_candidates`` ordered by (rounded confidence, lower key), without
    building a record for every candidate: rounding to 0.001 moves a score by at most 0.0005,
    so one more than 0.002 below the second-highest raw score cannot reach the first two."""
    if len(candidates) <= 2:
        kept = list(candidates)
        scored = score_candidates(name, address, kept)
    else:
        name_scores, address_scores, combined = _confidences(name, address, candidates)
        second = float(np.partition(combined, -2)[-2])
        scored = [
            FuzzyMatch(
                candidates[i].key,
                round(float(combined[i]), 3),
                round(float(name_scores[i]), 3),
                round(float(address_scores[i]), 3),
            )
            for i in np.flatnonzero(combined >= second - 0.002).tolist()
        ]
    return sorted(scored, key=lambda m: (m.confidence, -m.key), reverse=True)[:2]


def best_fuzzy_match(name: str, address: str, candidates: Iterable[PersonCandidate]) -> FuzzyOutcome:
    """Pick the candidate whose name and address both resemble the clue's.

    Refuses (returns ``match=None`` with a reason) when the best score is too low or the
    runner-up is too close: a wrong officer warned is worse than a person deciding.
    """
    rules = matching_rules()["fuzzy"]
    if not normalise_name(name) or not address_detail(address):
        return FuzzyOutcome(None, "缺少身份证号、手机号，姓名或地址也不全，无法比对")
    scored = _two_best(name, address, list(candidates))
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
