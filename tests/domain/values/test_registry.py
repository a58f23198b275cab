"""One vocabulary of identifier kinds: the case model, grading.json and the risk check agree with it."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from fanzha.domain.data_files import load_data_json
from fanzha.domain.identifiers import Kind as FoundKind
from fanzha.domain.values.registry import (
    check_group,
    identifier_kinds,
    kind_by_shape,
    normalise_identifier,
    recorded_kind_of_found,
    same_identifier,
)


def test_grading_rules_name_only_kinds_of_the_vocabulary() -> None:
    kinds = identifier_kinds()
    for rule in load_data_json("clues/grading.json")["kinds"].values():
        assert rule["identifier"] in kinds


def test_found_kinds_exist_and_map_to_one_recorded_kind_each() -> None:
    found = set(FoundKind.__args__)  # type: ignore[attr-defined]
    listed = [f for spec in identifier_kinds().values() for f in spec.found_as]
    assert len(listed) == len(set(listed))
    assert set(listed) <= found
    assert recorded_kind_of_found()["mobile"] == "phone"
    assert recorded_kind_of_found()["domain"] == "url"
    assert "id_number" not in recorded_kind_of_found()  # the victim's, never a link between cases


def test_every_kind_has_a_check_group() -> None:
    assert {check_group(k) for k in identifier_kinds()} == {"phones", "accounts", "domains", "apps"}
    assert check_group("no such kind") is None


@given(st.sampled_from(sorted(identifier_kinds())), st.text(max_size=40))
def test_normalising_an_identifier_is_idempotent(kind: str, value: str) -> None:
    once = normalise_identifier(kind, value)
    assert normalise_identifier(kind, once) == once
    if once:
        assert same_identifier(kind, value, once)


def test_a_phone_written_two_ways_is_one_identifier() -> None:
    assert normalise_identifier("phone", "0571-88886666") == "057188886666"
    assert same_identifier("phone", "+86 138 0013 8000", "13800138000")
    assert normalise_identifier("bank_account", "6222 0210 0112 3456 789") == "6222021001123456789"


def test_kind_by_shape() -> None:
    assert kind_by_shape("138-0013-8000") == "phone"
    assert kind_by_shape("6222021001123456789") == "bank_account"
    assert kind_by_shape("x.cn/a") == "url"
    assert kind_by_shape("天隆基金") == "app"
