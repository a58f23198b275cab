"""The documented HTTP API (``/api/v1/``, OpenAPI at ``/api/v1/docs``).

Each workflow app that offers endpoints has an ``api.py`` with a django-ninja ``router``; they are
mounted here under the app's name, so adding endpoints never means editing this file."""

from __future__ import annotations

import importlib

from django.http import HttpRequest, HttpResponse
from ninja import NinjaAPI

from fanzha.errors import UserFacingError

API_APPS = ("cases", "clues", "funds", "ranking", "analytics", "outreach", "reminders", "check")

api = NinjaAPI(title="反诈工作台 API", version="1", urls_namespace="api")


@api.exception_handler(UserFacingError)
def bad_input(request: HttpRequest, exc: UserFacingError) -> HttpResponse:
    """Bad input an endpoint refuses (a date out of range, an unreadable file): 400 and the message."""
    return api.create_response(request, {"detail": exc.zh, "detail_en": exc.en}, status=400)


for app in API_APPS:
    try:
        module = importlib.import_module(f"fanzha.{app}.api")
    except ModuleNotFoundError as exc:
        if exc.name not in (f"fanzha.{app}", f"fanzha.{app}.api"):
            raise
        continue
    api.add_router(getattr(module, "PREFIX", f"/{app}/"), module.router)
