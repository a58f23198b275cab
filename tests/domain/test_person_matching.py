"""Normalising identifiers and fuzzy matching names and addresses."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from fanzha.domain.person_matching import (
    PersonCandidate,
    address_detail,
    best_fuzzy_match,
    name_similarity,
    normalise_id_number,
    normalise_phone,
)


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
