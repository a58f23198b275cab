"""Users and narratives shared by the case tests."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.test import Client

from fanzha.county_loader import DEMO_PASSWORD
from fanzha.stations import scope
from fanzha.stations.models import Grid, Role, User

SEED_CASES = Path("/work/shared/cases/seed_cases.jsonl")


def seed_text(number: int) -> str:
    for line in SEED_CASES.read_text(encoding="utf-8").splitlines():
        record = json.loads(line)
        if record["id"] == f"seed-{number}":
            return str(record["text"])
    raise LookupError(number)


def login(client: Client, user: User) -> Client:
    assert client.login(username=user.username, password=DEMO_PASSWORD)
    return client


@pytest.fixture
def officer() -> User:
    user = User.objects.filter(role=Role.OFFICER).order_by("username").first()
    assert user is not None and scope.grid_ids_of(user)
    return user


@pytest.fixture
def officer_grid(officer: User) -> Grid:
    return Grid.objects.get(pk=min(scope.grid_ids_of(officer)))


@pytest.fixture
def other_officer(officer: User) -> User:
    mine = scope.grid_ids_of(officer)
    for user in User.objects.filter(role=Role.OFFICER).exclude(pk=officer.pk).order_by("username"):
        if not scope.grid_ids_of(user) & mine:
            return user
    raise AssertionError("the test county needs two officers with different grids")


@pytest.fixture
def investigator() -> User:
    user = User.objects.filter(role=Role.INVESTIGATOR).order_by("username").first()
    assert user is not None
    return user


@pytest.fixture
def grid_worker() -> User:
    user = User.objects.filter(role=Role.GRID_WORKER).order_by("username").first()
    assert user is not None
    return user
