"""The permission policy (``fanzha.stations.policy``) where Django meets it: the view decorator, the
API routers' authentication, the templates' ``can`` and the lookup of a URL's action.

A page declares what it does with ``@require("funds.trace")``; an anonymous visitor is sent to the
login page, a signed-in user whose role may not is refused with 403. An API router declares it with
``auth=PolicyAuth("funds.trace")``: 401 without a session, 403 with the policy's reason.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.urls import Resolver404, resolve
from ninja.errors import HttpError
from ninja.security import SessionAuth

from fanzha.stations.models import User
from fanzha.stations.policy import Action, Member, can, rule

View = TypeVar("View", bound=Callable[..., Any])


def require(action: Action) -> Callable[[View], View]:
    """Decorate a view: signed in (else the login page) and allowed ``action`` (else 403).
    The view keeps ``required_action`` so that the navigation and the tests can read it."""
    rule(action)  # an unknown action fails at import, not at the first request

    def decorate(view: View) -> View:
        @wraps(view)
        def checked(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
            if not can(request.user, action):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        guarded = login_required(checked)
        guarded.required_action = action  # type: ignore[attr-defined]
        return guarded  # type: ignore[return-value]

    return decorate


def current_user(request: HttpRequest) -> User:
    """The signed-in user of a request that ``require`` or ``PolicyAuth`` has let through."""
    user = request.user
    assert isinstance(user, User)
    return user


def required_action(path: str) -> Action | None:
    """The action a page at ``path`` declares, or None (the admin site, public pages, login)."""
    try:
        match = resolve(path)
    except Resolver404:
        return None
    return getattr(match.func, "required_action", None)


class PolicyAuth(SessionAuth):
    """Session authentication for an API router or operation that also asks the policy."""

    def __init__(self, action: Action) -> None:
        rule(action)
        self.action = action
        super().__init__()

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = super().authenticate(request, key)
        if user is not None and not can(user, self.action):
            raise HttpError(403, f"无权{rule(self.action).label}")
        return user


class _Verbs:
    """``can.<app>`` in a template: ``can.funds.trace`` is True when the user may trace."""

    def __init__(self, user: Member, app: str) -> None:
        self.user, self.app = user, app

    def __getitem__(self, verb: str) -> bool:
        return can(self.user, f"{self.app}.{verb}")  # type: ignore[arg-type]


class TemplatePermissions:
    """The ``can`` variable of every page; an action the policy does not know raises."""

    def __init__(self, user: Member) -> None:
        self.user = user

    def __getitem__(self, app: str) -> _Verbs:
        return _Verbs(self.user, app)


def permissions(request: HttpRequest) -> dict[str, Any]:
    """Context processor: ``can`` for the templates."""
    return {"can": TemplatePermissions(request.user)}
