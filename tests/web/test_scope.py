"""Each role sees exactly the residents, clues and cases it should: grid-scoped roles their grids."""

from __future__ import annotations

import pytest

from fanzha.cases.models import Case
from fanzha.clues.models import Clue
from fanzha.stations import scope
from fanzha.stations.models import Resident, Role, User

pytestmark = pytest.mark.django_db


def user_of(role: str) -> User:
    return User.objects.filter(role=role).order_by("username").first()  # type: ignore[return-value]


@pytest.mark.parametrize("role", [Role.OFFICER, Role.GRID_WORKER])
def test_grid_scoped_roles_see_only_their_grids(role: str) -> None:
    user = user_of(role)
    own = scope.grid_ids_of(user)
    assert own, f"{role} has no grid in the generated county"
    residents = scope.visible_residents(user)
    assert residents.exists()
    assert set(residents.values_list("grid_id", flat=True).distinct()) <= own
    assert residents.count() == Resident.objects.filter(grid_id__in=own).count()
    assert set(scope.visible_clues(user).values_list("grid_id", flat=True).distinct()) <= own
    assert set(scope.visible_cases(user).values_list("grid_id", flat=True).distinct()) <= own
    assert scope.visible_residents(user).count() < Resident.objects.count()


@pytest.mark.parametrize("role", [Role.INVESTIGATOR, Role.COMMAND_ROOM, Role.LEADER, Role.ADMIN])
def test_station_wide_roles_see_everything(role: str) -> None:
    user = user_of(role)
    assert scope.visible_residents(user).count() == Resident.objects.count()
    assert scope.visible_cases(user).count() == Case.objects.count()
    assert scope.visible_clues(user).count() == Clue.objects.count()


def test_anonymous_sees_nothing() -> None:
    from django.contrib.auth.models import AnonymousUser

    anonymous = AnonymousUser()
    assert not scope.visible_residents(anonymous).exists()  # type: ignore[arg-type]
    assert not scope.visible_grids(anonymous).exists()  # type: ignore[arg-type]


def test_officer_cannot_open_a_case_of_another_grid(client: object) -> None:
    officer = user_of(Role.OFFICER)
    foreign = Case.objects.exclude(grid_id__in=scope.grid_ids_of(officer)).first()
    assert foreign is not None
    client.force_login(officer)  # type: ignore[attr-defined]
    response = client.get(f"/cases/{foreign.pk}/")  # type: ignore[attr-defined]
    assert response.status_code == 404
