"""Case pages: the list and the case file."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from fanzha.stations import scope
from fanzha.stations.models import Role
from fanzha.web.views import PAGE_SIZE, current_user


@login_required
def case_list(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    if user.role == Role.GRID_WORKER:
        raise PermissionDenied
    queryset = scope.visible_cases(user).order_by("-reported_at")
    category = request.GET.get("category")
    if category:
        queryset = queryset.filter(category=category)
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    categories = scope.visible_cases(user).values_list("category", flat=True).distinct().order_by("category")
    return render(request, "cases/list.html", {"page": page, "categories": categories, "category": category})


@login_required
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = current_user(request)
    if user.role == Role.GRID_WORKER:
        raise PermissionDenied
    case = get_object_or_404(scope.visible_cases(user).prefetch_related("victims", "transfers"), pk=pk)
    identifiers = case.identifiers.all()
    return render(request, "cases/detail.html", {"case": case, "identifiers": identifiers})
