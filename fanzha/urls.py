"""URL map: the shell (login, home, residents, grids, audit) plus one include per workflow app.
Apps not installed in a deployment are skipped."""

import importlib.util
from urllib.parse import urlencode

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponsePermanentRedirect, HttpResponseRedirect
from django.templatetags.static import static
from django.urls import include, path, reverse

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


def admin_login(request: HttpRequest) -> HttpResponse:
    """The admin site has no login of its own: it uses the workbench's, with its lock-out and audit."""
    if request.user.is_authenticated:
        if admin.site.has_permission(request):
            return HttpResponseRedirect(reverse("admin:index"))
        raise PermissionDenied  # logged in without admin rights: a 403, not a redirect loop
    target = request.GET.get("next") or reverse("admin:index")
    return HttpResponseRedirect(f"{reverse('web:login')}?{urlencode({'next': target})}")


def favicon(request: HttpRequest) -> HttpResponse:
    """Browsers ask for /favicon.ico on every page, the admin's included: send them to the icon."""
    return HttpResponsePermanentRedirect(static("fanzha/favicon.svg"))


handler500 = "fanzha.web.errors.server_error"

urlpatterns = [
    path("favicon.ico", favicon, name="favicon"),
    path("admin/login/", admin_login),
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    *(path(prefix, include(module)) for prefix, module in WORKFLOW_URLS if installed(module)),
    path("", include("fanzha.web.urls")),
]
