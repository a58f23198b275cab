"""Per-grid, per-day totals of app registrations, so that the daily ranking reads about
grids × days rows instead of every registration.

New registrations are picked up by id: everything above the stored watermark is aggregated
and added (the county loader's bulk inserts, imports and door visits all get new ids). A
registration changed or deleted through the ORM marks the totals dirty (signals in
``fanzha.ranking.apps``) and the next refresh rebuilds them; a raw SQL ``UPDATE``/``DELETE`` on
the table must call :func:`mark_dirty` itself.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from django.db import transaction
from django.db.models import Count, Max

from fanzha.ranking.models import AppRegistration, RegistrationDayTotal, RegistrationRollupState

CHUNK = 5000


def mark_dirty() -> None:
    RegistrationRollupState.objects.update_or_create(pk=1, defaults={"dirty": True})


def refresh_registration_totals() -> int:
    """Bring the day totals up to date; return the number of (grid, day) totals written."""
    with transaction.atomic():
        state, _ = RegistrationRollupState.objects.select_for_update().get_or_create(pk=1)
        newest = AppRegistration.objects.aggregate(m=Max("id"))["m"] or 0
        rebuilt = state.dirty or newest < state.through_id
        if rebuilt:
            RegistrationDayTotal.objects.all().delete()
            state.through_id, state.dirty = 0, False
        if newest == state.through_id:
            if rebuilt:
                state.save(update_fields=["through_id", "dirty"])
            return 0
        added: dict[tuple[int, date], int] = defaultdict(int)
        for grid_id, day, n in (
            AppRegistration.objects.filter(id__gt=state.through_id, id__lte=newest)
            .order_by()
            .values("grid_id", "day")
            .annotate(n=Count("*"))
            .values_list("grid_id", "day", "n")
        ):
            added[(grid_id, day)] += n
        days = sorted({d for _, d in added})
        existing: dict[tuple[int, date], RegistrationDayTotal] = {}
        for i in range(0, len(days), CHUNK):
            for total in RegistrationDayTotal.objects.filter(day__in=days[i : i + CHUNK]):
                existing[(total.grid_id, total.day)] = total
        new: list[RegistrationDayTotal] = []
        changed: list[RegistrationDayTotal] = []
        for (grid_id, day), n in added.items():
            current = existing.get((grid_id, day))
            if current is None:
                new.append(RegistrationDayTotal(grid_id=grid_id, day=day, count=n))
            else:
                current.count += n
                changed.append(current)
        RegistrationDayTotal.objects.bulk_create(new, batch_size=CHUNK)
        RegistrationDayTotal.objects.bulk_update(changed, ["count"], batch_size=CHUNK)
        state.through_id = newest
        state.save(update_fields=["through_id", "dirty"])
        return len(new) + len(changed)
