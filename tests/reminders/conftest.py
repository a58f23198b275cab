from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from fanzha.stations import scope
from fanzha.stations.models import Grid, Role, User
from tests.domain.test_sms_gateway import StubGateway


@pytest.fixture
def officer() -> User:
    """A community officer who answers for some grids but not all."""
    for user in User.objects.filter(role=Role.OFFICER).order_by("username"):
        ids = scope.grid_ids_of(user)
        if ids and len(ids) < Grid.objects.count():
            return user
    raise AssertionError("the test county has no grid-scoped officer")


@pytest.fixture
def command() -> User:
    user = User.objects.filter(role=Role.COMMAND_ROOM).order_by("username").first()
    assert user is not None
    return user


@pytest.fixture
def command_client(client: Any, command: User) -> Any:
    client.force_login(command)
    return client


@pytest.fixture
def officer_client(client: Any, officer: User) -> Any:
    client.force_login(officer)
    return client


@pytest.fixture
def stub_gateway() -> Iterator[StubGateway]:
    server = StubGateway()
    yield server
    server.close()
