"""Writing the audit log: every unmasked view, export and change goes through ``record``.

A row written while a request is served carries the client's address even when the code that writes
it was handed only the user (the clue workflow, case intake, outreach events):
``AuditAddressMiddleware`` keeps the request's address for the length of the request.
"""

from __future__ import annotations

from collections.abc import Callable
from contextvars import ContextVar
from typing import Any

from django.db.models import Model
from django.http import HttpRequest, HttpResponse

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
        ip = _request_address.get()
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


_request_address: ContextVar[str | None] = ContextVar("fanzha_audit_request_address", default=None)


class AuditAddressMiddleware:
    """Keeps the client's address while a request is served, for audit rows written without it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = _request_address.set(client_address(request) or None)
        try:
            return self.get_response(request)
        finally:
            _request_address.reset(token)
