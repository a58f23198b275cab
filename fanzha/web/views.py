"""Pages of the workbench shell. Querysets come from ``fanzha.stations.scope``; personal data is
masked in templates unless the user asks for it with a reason, which is audit-logged."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from fanzha.stations import audit, scope
from fanzha.stations.models import AuditLog
from fanzha.stations.policy import can
from fanzha.web.home import work_queue
from fanzha.web.permissions import current_user, require

PAGE_SIZE = 50


@require("workbench.home")
def home(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    return render(request, f"web/home_{user.role}.html", work_queue(user))


@require("residents.view")
def residents(request: HttpRequest) -> HttpResponse:
    queryset = scope.visible_residents(current_user(request)).order_by("grid__code", "id")
    query = request.GET.get("q", "").strip()
    if query:
        # Search by full identifiers is allowed (the officer already knows them); results stay masked.
        queryset = queryset.filter(Q(phone=query) | Q(id_number=query) | Q(name=query))
    grid = request.GET.get("grid")
    if grid:
        queryset = queryset.filter(grid__code=grid)
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "web/residents.html",
        {"page": page, "query": query, "grids": scope.visible_grids(current_user(request)), "grid": grid},
    )


@require("residents.view")
def resident_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """One resident as the grid's officer or worker needs them: masked facts (unmask with a
    reason where the role may), their warning clues, cases (not for grid workers, who do not see
    case files) and whether they have registered the anti-fraud app."""
    user = current_user(request)
    resident = get_object_or_404(scope.visible_residents(user).select_related("grid__officer"), pk=pk)
    clues = scope.visible_clues(user).filter(resident=resident).order_by("-received_at")[:50]
    cases = (
        scope.visible_cases(user).filter(victims__resident=resident).distinct().order_by("-reported_at")[:20]
        if can(user, "cases.view")
        else None
    )
    registration = getattr(resident, "app_registration", None)
    return render(
        request,
        "web/resident.html",
        {
            "resident": resident,
            "age": resident.age_on(timezone.localdate()),
            "clues": clues,
            "cases": cases,
            "registration": registration,
            "now": timezone.now(),
        },
    )


@require("grids.view")
def grids(request: HttpRequest) -> HttpResponse:
    return render(request, "web/grids.html", {"grids": scope.visible_grids(current_user(request))})


@require("audit.view")
def audit_log(request: HttpRequest) -> HttpResponse:
    from fanzha.web.audit_log import audit_log_page

    return audit_log_page(request)


PHONE_FIELDS = frozenset({"phone", "target_phone"})
UNMASKABLE = {
    "resident": (scope.visible_residents, ("name", "id_number", "phone", "address")),
    "case": (scope.visible_cases, ("narrative",)),
    "clue": (scope.visible_clues, ("target_name", "target_phone", "target_id_number", "target_address")),
}


@require("records.unmask")
@require_POST
def unmask(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    """Show one record's personal data in full, after a stated reason; the view is audit-logged."""
    user = current_user(request)
    if kind not in UNMASKABLE:
        raise PermissionDenied
    reason = request.POST.get("reason", "").strip()
    if len(reason) < 2:
        return render(
            request, "web/_unmask_form.html", {"kind": kind, "pk": pk, "error": "请填写查看事由"}, status=400
        )
    queryset_of, fields = UNMASKABLE[kind]
    obj = get_object_or_404(queryset_of(user), pk=pk)
    audit.record(request, AuditLog.Action.VIEW_UNMASKED, obj, reason=reason, detail={"fields": list(fields)})
    values = [
        {
            "label": getattr(obj._meta.get_field(f), "verbose_name", f),
            "value": getattr(obj, f),
            # A phone shown in full is a link the officer can tap to call.
            "tel": tel_uri(getattr(obj, f)) if f in PHONE_FIELDS else "",
        }
        for f in fields
    ]
    return render(request, "web/_unmasked.html", {"values": values, "reason": reason})


def tel_uri(phone: str | None) -> str:
    """``tel:`` link for a phone number as stored ("138 0013 8000", "0571-8888888"); "" if none."""
    digits = "".join(ch for ch in (phone or "") if ch.isdigit() or ch == "+")
    return f"tel:{digits}" if len(digits) >= 5 else ""
