"""Each role's work queue on its home page; which parts a user gets is the permission policy's."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db.models import Q, Sum
from django.utils import timezone

from fanzha.cases.models import Case
from fanzha.clues.handling import OPEN_STATUSES, in_work_order
from fanzha.clues.models import Clue
from fanzha.domain.ranking import coverage_definition
from fanzha.ranking.services.figures import current_config, grid_coverage, latest_day
from fanzha.stations import scope
from fanzha.stations.models import AuditLog, User
from fanzha.stations.policy import can, works_own_clues


def work_queue(user: User) -> dict[str, Any]:
    """What this user should act on now, newest deadline first."""
    now = timezone.now()
    clues = scope.visible_clues(user)
    cases = scope.visible_cases(user)
    month_start = timezone.localtime(now).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    last_month_start = (month_start - timedelta(days=1)).replace(day=1)
    open_clues = clues.filter(status__in=OPEN_STATUSES)
    if works_own_clues(user):
        # An officer's queue is what was dispatched to them, plus what has no officer yet.
        open_clues = open_clues.filter(Q(officer=user) | Q(officer__isnull=True))
    grids = scope.visible_grids(user)
    config = current_config()
    coverage_day = latest_day()
    context: dict[str, Any] = {
        "now": now,
        "grids": grids,
        # App coverage by the ranking's one definition, stated on the page; lowest first.
        "coverage_rows": grid_coverage(grids.values_list("code", flat=True), coverage_day, config),
        "coverage_day": coverage_day,
        "coverage_definition": coverage_definition(config),
        "coverage_target": config.targets["coverage"],
        "open_clues": in_work_order(open_clues)[:20],
        "open_count": open_clues.count(),
        "overdue_count": open_clues.filter(deadline__lt=now).count(),
        "cases_this_month": cases.filter(reported_at__gte=month_start).count(),
        "cases_last_month": cases.filter(
            reported_at__gte=last_month_start, reported_at__lt=month_start
        ).count(),
    }
    if can(user, "clues.command"):
        context["queued_clues"] = in_work_order(clues.filter(status=Clue.Status.QUEUED))[:20]
        context["queued_count"] = clues.filter(status=Clue.Status.QUEUED).count()
    if can(user, "cases.overview"):
        context["recent_cases"] = cases.order_by("-reported_at")[:10]
        context["draft_cases"] = cases.filter(status=Case.Status.DRAFT).count()
        context["loss_this_year"] = cases.filter(reported_at__year=timezone.localtime(now).year).aggregate(
            total=Sum("loss_fen")
        )["total"]
    if can(user, "audit.view"):
        context["recent_audit"] = AuditLog.objects.select_related("user")[:10]
    return context
