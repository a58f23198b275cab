"""Rows an import could not read are kept for a person: the reject tables of cases, clues,
registrations and statements all inherit :class:`fanzha.web.import_records.RejectedRow` (line, raw,
reason, ``resolved``, ``resolved_note``), so closing one is the same act everywhere."""

from __future__ import annotations

import logging
from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest
from django.shortcuts import get_object_or_404

from fanzha.stations import audit
from fanzha.stations.models import AuditLog
from fanzha.web.import_records import RejectedRow

logger = logging.getLogger(__name__)


def mark_reject_handled(request: HttpRequest, rejects: QuerySet[Any], reason: str) -> RejectedRow:
    """Mark the reject named in the POST as handled, with the person's note, and audit-log it."""
    reject: RejectedRow = get_object_or_404(rejects, pk=request.POST.get("reject") or 0)
    reject.resolved = True
    reject.resolved_note = request.POST.get("note", "")[:200]
    reject.save(update_fields=["resolved", "resolved_note"])
    audit.record(
        request, AuditLog.Action.CHANGE, reject, reason=reason, detail={"note": reject.resolved_note}
    )
    logger.info(
        "%s %s line %d marked handled by %s", type(reject).__name__, reject.pk, reject.line, request.user
    )
    return reject
