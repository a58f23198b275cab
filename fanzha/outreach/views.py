"""Outreach pages for officers: events with photos, the weekly plan, awareness and the effect.
Numbers come from the service modules (events, targeting, quiz, effect); views only render."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db.models import Count, Sum
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_http_methods

from fanzha.domain.query_args import optional_day, optional_id
from fanzha.outreach import effect, events, photos, qr, quiz, targeting
from fanzha.outreach.forms import EventForm
from fanzha.outreach.models import EventPhoto
from fanzha.stations import scope
from fanzha.web.permissions import current_user, require

RECENT_DAYS = 30


@require("outreach.use")
def index(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    grids = list(scope.visible_grids(user).order_by("code"))
    since = timezone.localdate() - timedelta(days=RECENT_DAYS)
    visible = events.visible_events(user)
    recent = visible.filter(day__gte=since).aggregate(n=Count("pk"), people=Sum("audience"))
    last_by_grid: dict[int, dict[str, Any]] = {
        row["grid_id"]: dict(row)
        for row in visible.values("grid_id").annotate(n=Count("pk"), people=Sum("audience")).order_by()
    }
    awareness = quiz.awareness_by_grid([g.pk for g in grids])
    rows = [
        {
            "grid": g,
            "awareness": awareness[g.pk],
            "events": last_by_grid.get(g.pk, {}).get("n", 0),
            "audience": last_by_grid.get(g.pk, {}).get("people") or 0,
        }
        for g in grids
    ]
    return render(
        request,
        "outreach/index.html",
        {
            "rows": rows,
            "recent_events": visible.order_by("-day", "-pk")[:20],
            "recent_count": recent["n"] or 0,
            "recent_audience": recent["people"] or 0,
            "recent_days": RECENT_DAYS,
            "settings": quiz.load_settings(),
        },
    )


@require("outreach.use")
@require_http_methods(["GET", "POST"])
def event_new(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    grids = scope.visible_grids(user).order_by("code")
    form = EventForm(request.POST or None, grids=grids)
    errors: list[str] = []
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            uploads = [photos.read_upload(f) for f in request.FILES.getlist("photos")]
            event = events.create_event(
                user,
                events.EventInput(
                    day=data["day"],
                    grid_id=data["grid"].pk,
                    title=data["title"],
                    venue_type=data["venue_type"],
                    method=data["method"],
                    audience=data["audience"],
                    categories=list(data["categories"]),
                    materials=data["materials"],
                ),
                uploads,
            )
        except (photos.PhotoRejected, events.EventRefused) as exc:
            errors.append(str(exc.args[0]))
        else:
            return redirect("outreach:event", pk=event.pk)
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "outreach/event_form.html",
        {
            "form": form,
            "errors": errors,
            "methods": events.method_choices(),
            "max_mb": photos.MAX_BYTES // 2**20,
        },
        status=status,
    )


@require("outreach.use")
def event_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = current_user(request)
    event = get_object_or_404(events.visible_events(user), pk=pk)
    url = qr.quiz_url(request, event.grid.code, event.pk)
    return render(
        request,
        "outreach/event_detail.html",
        {
            "event": event,
            "photos": event.photos.all(),
            "quiz_url": url,
            "qr": mark_safe(qr.qr_svg(url, scale=5)),
        },
    )


@require("outreach.use")
def photo(request: HttpRequest, pk: int) -> FileResponse:
    user = current_user(request)
    item = get_object_or_404(EventPhoto.objects.select_related("event"), pk=pk)
    if not events.visible_events(user).filter(pk=item.event_id).exists():
        raise Http404
    response = FileResponse(item.image.open("rb"), content_type=item.content_type)
    response["Cache-Control"] = "private, max-age=3600"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@require("outreach.use")
def grid_qr(request: HttpRequest, code: str) -> HttpResponse:
    user = current_user(request)
    grid = get_object_or_404(scope.visible_grids(user), code=code)
    svg = qr.qr_svg(qr.quiz_url(request, grid.code))
    response = HttpResponse(svg, content_type="image/svg+xml; charset=utf-8")
    if request.GET.get("download"):
        response["Content-Disposition"] = f'attachment; filename="quiz-{grid.code}.svg"'
    return response


@require("outreach.use")
def plan(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    grid_text = request.GET.get("grid", "")
    result = targeting.weekly_plan(
        user, optional_day(request.GET.get("date"), "计划日期"), optional_id(grid_text, "警格")
    )
    return render(
        request,
        "outreach/plan.html",
        {"result": result, "grids": scope.visible_grids(user).order_by("code"), "grid_id": grid_text},
    )


@require("outreach.use")
def effect_view(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    grid_ids = (
        None if not user.is_grid_scoped else list(scope.visible_grids(user).values_list("pk", flat=True))
    )
    return render(
        request,
        "outreach/effect.html",
        {"effects": effect.exposure_effects(grid_ids), "scoped": grid_ids is not None},
    )
