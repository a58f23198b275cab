"""Clue pages: the list of warning clues the user may see."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from fanzha.stations import scope
from fanzha.web.views import PAGE_SIZE, current_user


@login_required
def clue_list(request: HttpRequest) -> HttpResponse:
    queryset = scope.visible_clues(current_user(request)).order_by("deadline", "received_at")
    status = request.GET.get("status")
    if status:
        queryset = queryset.filter(status=status)
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "clues/list.html", {"page": page, "status": status})
