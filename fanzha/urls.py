"""URL map: the shell (login, home, residents, grids, audit) plus one include per workflow app.
Apps not installed in a deployment are skipped."""

import importlib.util

from django.contrib import admin
from django.urls import include, path

from fanzha.api import api

admin.site.site_header = "反诈工作台 · 系统管理"
admin.site.site_title = "反诈工作台"
admin.site.index_title = "系统管理"

# (URL prefix, app module) — each app's urls.py sets its own app_name namespace.
WORKFLOW_URLS = [
    ("cases/", "fanzha.cases.urls"),
    ("clues/", "fanzha.clues.urls"),
    ("funds/", "fanzha.funds.urls"),
    ("ranking/", "fanzha.ranking.urls"),
    ("analytics/", "fanzha.analytics.urls"),
    ("outreach/", "fanzha.outreach.urls"),
    ("reminders/", "fanzha.reminders.urls"),
    ("public/", "fanzha.outreach.public_urls"),  # /public/quiz/… (no login)
    ("public/", "fanzha.check.public_urls"),  # /public/check/… (no login)
]


def installed(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except ModuleNotFoundError:  # the app's package itself is absent
        return False


urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    *(path(prefix, include(module)) for prefix, module in WORKFLOW_URLS if installed(module)),
    path("", include("fanzha.web.urls")),
]
