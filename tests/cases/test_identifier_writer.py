"""Every Identifier row is written by one function, in its kind's normal form, from one vocabulary."""

from __future__ import annotations

from datetime import datetime

import pytest
from django.utils import timezone

from fanzha.cases import linking
from fanzha.cases.models import Case, Identifier
from fanzha.domain.values.registry import identifier_kinds

pytestmark = pytest.mark.django_db


def test_the_model_choices_are_the_vocabulary() -> None:
    assert Identifier.Kind.choices == [(k.name, k.label) for k in identifier_kinds().values()]


def _case(number: str) -> Case:
    return Case.objects.create(
        case_no=number, reported_at=timezone.make_aware(datetime(2024, 3, 20, 10, 0)), narrative="测试"
    )


def test_one_phone_written_two_ways_is_one_identifier_that_links_both_cases() -> None:
    first, second = _case("T-1"), _case("T-2")
    assert linking.link_identifiers(first, [("phone", "+86 138-0013-8000")]) == 1
    assert linking.link_identifiers(second, [("phone", "13800138000"), ("phone", "  ")]) == 1
    assert Identifier.objects.filter(kind="phone", value="13800138000").count() == 1
    assert first.identifiers.get().pk == second.identifiers.get().pk


def test_ids_are_keyed_by_the_pairs_as_given_and_unknown_kinds_are_refused() -> None:
    ids = linking.identifier_ids([("bank_account", "6222 0210 0112 3456 789"), ("url", " x.cn/a。")])
    assert (
        Identifier.objects.get(pk=ids[("bank_account", "6222 0210 0112 3456 789")]).value
        == "6222021001123456789"
    )
    assert Identifier.objects.get(pk=ids[("url", " x.cn/a。")]).value == "x.cn/a"
    with pytest.raises(KeyError):
        linking.identifier_ids([("telephone", "13800138000")])
