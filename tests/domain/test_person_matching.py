"""Normalising identifiers and fuzzy matching names and addresses."""

from __future__ import annotations

import random

from hypothesis import given
from hypothesis import strategies as st

from fanzha.domain.person_matching import (
    FuzzyMatch,
    PersonCandidate,
    address_detail,
    best_fuzzy_match,
    name_similarity,
    score_candidate,
    score_candidates,
)
from fanzha.domain.values.id_number import normalise_id_number
from fanzha.domain.values.phone import normalise_phone


def test_identifiers_are_normalised() -> None:
    assert normalise_phone("+86 138-0000-0000") == "13800000000"
    assert normalise_phone("８６13800000000") == "13800000000"
    assert normalise_id_number(" 11010119900101123x ") == "11010119900101123X"


def test_the_administrative_prefix_is_cut_off() -> None:
    assert address_detail("湖北省宜昌市长阳土家族自治县龙舟坪镇清江路12号") == "龙舟坪镇清江路12号"
    assert address_detail("青禾县城关镇东风路3号") == "城关镇东风路3号"


FAMILY = [
    PersonCandidate(1, "张小明", "青禾县城关镇东风路3号2栋1单元301室"),
    PersonCandidate(2, "张大伟", "青禾县城关镇东风路3号2栋1单元301室"),
    PersonCandidate(3, "李芳", "青禾县城关镇东风路3号2栋1单元301室"),
]


def test_a_name_typo_at_the_right_address_still_matches_the_right_person() -> None:
    outcome = best_fuzzy_match("张晓明", "城关镇东风路3号2栋1单元301室", FAMILY)
    assert outcome.match is not None and outcome.match.key == 1
    assert 0.8 <= outcome.match.confidence < 1.0


def test_two_equally_close_residents_are_left_to_a_person() -> None:
    twins = [*FAMILY, PersonCandidate(4, "张小红", FAMILY[0].address)]
    outcome = best_fuzzy_match("张小某", FAMILY[0].address, twins)
    assert outcome.match is None and outcome.reason


def test_someone_from_elsewhere_is_not_matched() -> None:
    outcome = best_fuzzy_match("张小明", "广东省深圳市宝安区新安路88号", FAMILY)
    assert outcome.match is None and "地址相似度" in outcome.reason


names = st.text(alphabet="张王李赵小明红伟芳国强", min_size=1, max_size=4)


@given(names, names)
def test_name_similarity_is_symmetric_and_bounded(a: str, b: str) -> None:
    assert 0.0 <= name_similarity(a, b) <= 1.0
    assert name_similarity(a, b) == name_similarity(b, a)
    assert name_similarity(a, a) == 1.0


# The bulk scorer must give exactly the numbers of the one-at-a-time scorer it replaces in
# best_fuzzy_match, and the ranking must pick the same best and runner-up, ties included.
def _reference_best(name: str, address: str, candidates: list[PersonCandidate]) -> list[FuzzyMatch]:
    scored = sorted(
        (score_candidate(name, address, c) for c in candidates),
        key=lambda m: (m.confidence, -m.key),
        reverse=True,
    )
    return scored[:2]


_ROADS = ["东风路", "人民路", "建设路"]
_NAME_CHARS = "王李张刘小明伟芳 ·"
_ADDRESS_CHARS = "湖北省宜昌市青禾县城关镇号栋单元室一二三〇()-,1234567890ＡＢ "


def _random_address(r: random.Random) -> str:
    if r.random() < 0.4:
        return "".join(r.choice(_ADDRESS_CHARS) for _ in range(r.randrange(0, 30)))
    prefix = r.choice(["", "湖北省", "青禾县", "湖北省宜昌市青禾县"])
    return f"{prefix}城关镇{r.choice(_ROADS)}{r.randrange(30)}号{r.randrange(5)}栋{r.randrange(3)}单元{r.randrange(9):03d}室"


def _random_name(r: random.Random) -> str:
    return "".join(r.choice(_NAME_CHARS) for _ in range(r.randrange(0, 5)))


def test_bulk_scores_equal_one_at_a_time_scores() -> None:
    r = random.Random(3)
    for _ in range(500):
        name, address = _random_name(r), _random_address(r)
        candidates = [
            PersonCandidate(k, _random_name(r), _random_address(r)) for k in range(r.randrange(0, 15))
        ]
        assert score_candidates(name, address, candidates) == [
            score_candidate(name, address, c) for c in candidates
        ]


def test_best_and_runner_up_are_those_of_a_full_sort() -> None:
    r = random.Random(11)
    outcomes = {"matched": 0, "refused": 0}
    for _ in range(300):
        name, address = r.choice(["张小明", "王伟", "李芳"]), _random_address(r)
        # Many near-identical candidates, so ties after rounding to 0.001 really occur.
        candidates = [
            PersonCandidate(k, r.choice(["张小明", "张晓明", "王伟", "李芳", "张明"]), _random_address(r))
            for k in r.sample(range(1000), r.randrange(0, 60))
        ]
        outcome = best_fuzzy_match(name, address, candidates)
        expected = _reference_best(name, address, candidates)
        if outcome.match is not None:
            outcomes["matched"] += 1
            assert [outcome.match, outcome.runner_up] == [*expected, None][:2]
        elif outcome.runner_up is not None:  # refused with the best candidate attached
            outcomes["refused"] += 1
            assert outcome.runner_up == expected[0]
    assert outcomes["matched"] > 10 and outcomes["refused"] > 10
