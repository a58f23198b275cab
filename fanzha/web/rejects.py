"""Rows an import could not read are kept for a person (cases, clues, statements each have a reject
table with ``resolved`` and ``resolved_note``); closing one is the same act everywhere."""

from __future__ import annotations

from typing import Any

from django.db.models import Model, QuerySet
from django.http import HttpRequest
from django.shortcuts import get_object_or_404

from fanzha.stations import audit
from fanzha.stations.models import AuditLog


def mark_reject_handled(request: HttpRequest, rejects: QuerySet[Any], reason: str) -> Model:
    """Mark the reject named in the POST as handled, with the person's note, and audit-log it."""
    reject = get_object_or_404(rejects, pk=request.POST.get("reject") or 0)
    reject.resolved = True
    reject.resolved_note = request.POST.get("note", "")[:200]
    reject.save(update_fields=["resolved", "resolved_note"])
    audit.record(
        request, AuditLog.Action.CHANGE, reject, reason=reason, detail={"note": reject.resolved_note}
    )
    return reject
