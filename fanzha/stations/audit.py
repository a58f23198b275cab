"""Writing the audit log: every unmasked view, export and change goes through ``record``."""

from __future__ import annotations

from typing import Any

from django.db.models import Model
from django.http import HttpRequest

from fanzha.stations.models import AuditLog, User
from fanzha.web.client_address import client_address


def record(
    actor: HttpRequest | User | None,
    action: str,
    obj: Model | None = None,
    *,
    reason: str = "",
    detail: dict[str, Any] | None = None,
    username: str = "",
    object_type: str = "",
    object_id: str = "",
) -> AuditLog:
    user: User | None
    ip = None
    if isinstance(actor, HttpRequest):
        user = actor.user if isinstance(actor.user, User) else None
        ip = client_address(actor) or None
    else:
        user = actor
    return AuditLog.objects.create(
        user=user,
        username=username or (user.username if user else ""),
        action=action,
        object_type=object_type or (obj._meta.label if obj is not None else ""),
        object_id=object_id or (str(obj.pk) if obj is not None else ""),
        reason=reason[:200],
        detail=detail or {},
        ip=ip,
    )
