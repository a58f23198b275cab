"""A case or victim saved or deleted one at a time moves its sums in the cube at once."""

from __future__ import annotations

import threading
from typing import Any

from django.db.models.signals import post_delete, post_save, pre_delete
from django.dispatch import receiver

from fanzha.analytics import refresh
from fanzha.cases.models import Case, Victim

# Cases whose deletion is under way: their victims go first (cascade), and refreshing the case
# then would write a fact for a row about to disappear.
_deleting = threading.local()


def _cases_being_deleted() -> set[int]:
    if not hasattr(_deleting, "ids"):
        _deleting.ids = set()
    ids: set[int] = _deleting.ids
    return ids


@receiver(post_save, sender=Case, dispatch_uid="analytics-case-saved")
def case_saved(sender: type[Case], instance: Case, raw: bool = False, **kwargs: Any) -> None:
    if not raw:
        refresh.refresh_case(instance.pk)


@receiver(pre_delete, sender=Case, dispatch_uid="analytics-case-deleting")
def case_deleting(sender: type[Case], instance: Case, **kwargs: Any) -> None:
    _cases_being_deleted().add(instance.pk)
    refresh.forget_case(instance.pk)


@receiver(post_delete, sender=Case, dispatch_uid="analytics-case-deleted")
def case_deleted(sender: type[Case], instance: Case, **kwargs: Any) -> None:
    _cases_being_deleted().discard(instance.pk)


@receiver(post_save, sender=Victim, dispatch_uid="analytics-victim-saved")
@receiver(post_delete, sender=Victim, dispatch_uid="analytics-victim-deleted")
def victim_changed(sender: type[Victim], instance: Victim, raw: bool = False, **kwargs: Any) -> None:
    if raw or instance.case_id in _cases_being_deleted():
        return
    if Case.objects.filter(pk=instance.case_id).exists():
        refresh.refresh_case(instance.case_id)
