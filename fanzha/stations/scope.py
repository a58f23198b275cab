"""Which rows a user may see. Every page, export and API builds its querysets here, so that a
community officer or grid worker sees only their own grids, whatever the entry point."""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeVar

from django.db.models import Model, QuerySet

from fanzha.stations.models import Grid, Resident, User

if TYPE_CHECKING:
    from fanzha.cases.models import Case
    from fanzha.clues.models import Clue

M = TypeVar("M", bound=Model)


def visible_grids(user: User) -> QuerySet[Grid]:
    grids = Grid.objects.select_related("community", "officer")
    if not user.is_authenticated:
        return grids.none()
    if user.is_grid_scoped:
        return grids.filter(pk__in=grid_ids_of(user))
    return grids.all()


def grid_ids_of(user: User) -> set[int]:
    """The grids a user answers for: those assigned in their scope plus those they lead or serve."""
    ids = set(user.grids.values_list("pk", flat=True))
    ids |= set(user.officer_of.values_list("pk", flat=True))
    ids |= set(Grid.objects.filter(workers=user).values_list("pk", flat=True))
    return ids


def _scoped(user: User, queryset: QuerySet[M], grid_field: str = "grid") -> QuerySet[M]:
    if not user.is_authenticated:
        return queryset.none()
    if user.is_grid_scoped:
        return queryset.filter(**{f"{grid_field}__in": grid_ids_of(user)})
    return queryset


def visible_residents(user: User) -> QuerySet[Resident]:
    return _scoped(user, Resident.objects.select_related("grid"))


def visible_cases(user: User) -> QuerySet[Case]:
    from fanzha.cases.models import Case

    return _scoped(user, Case.objects.select_related("grid"))


def visible_clues(user: User) -> QuerySet[Clue]:
    from fanzha.clues.models import Clue

    return _scoped(user, Clue.objects.select_related("grid", "resident", "officer"))
