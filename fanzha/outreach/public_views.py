"""The public quiz page (no login): a phone-sized paper, its scoring with explanations and the
prize draw. Everything is decided in :mod:`fanzha.outreach.quiz`."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from fanzha.outreach import quiz
from fanzha.web.client_address import client_address


@require_http_methods(["GET", "POST"])
def quiz_page(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        answers: dict[int, int | None] = {}
        for key in request.POST:
            value = request.POST.get(key, "")
            if key.startswith("q") and key[1:].isdigit() and value.isdigit():
                answers[int(key[1:])] = int(value)
        try:
            result = quiz.score_paper(request.POST.get("paper", ""), answers, client_address(request))
        except quiz.QuizError as exc:
            return render(
                request,
                "outreach/public/quiz.html",
                {"error": exc.args[0]},
                status=429 if "频繁" in exc.args[0] else 400,
            )
        return render(
            request, "outreach/public/result.html", {"result": result, "settings": quiz.load_settings()}
        )
    grid, event = quiz.resolve_place(request.GET.get("grid", ""), request.GET.get("event"))
    paper = quiz.make_paper(grid, event)
    return render(request, "outreach/public/quiz.html", {"paper": paper, "settings": quiz.load_settings()})


@require_http_methods(["POST"])
def draw(request: HttpRequest) -> HttpResponse:
    try:
        result = quiz.draw_prize(
            request.POST.get("token", ""), request.POST.get("phone", ""), client_address(request)
        )
    except quiz.QuizError as exc:
        status = 429 if "频繁" in exc.args[0] else 409 if "已经" in exc.args[0] else 400
        return render(request, "outreach/public/draw.html", {"error": exc.args[0]}, status=status)
    return render(request, "outreach/public/draw.html", {"result": result})
