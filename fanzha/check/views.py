"""The public check page (no login): paste a message or upload a screenshot, see the verdict and
(for a screenshot) the text read from it, optionally report it to the station."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.http import require_http_methods

from fanzha.check import limits
from fanzha.check.forms import CheckForm, ReportForm
from fanzha.check.service import (
    BUSY_RETRY_AFTER_SECONDS,
    IMAGE_ERROR_STATUS,
    MAX_CHARS,
    TextTooLong,
    default_situation,
    read_screenshot,
    report_to_station,
    run_check,
)
from fanzha.domain.screenshot_text import ScreenshotError
from fanzha.stations import audit
from fanzha.stations.models import AuditLog

TEMPLATE = "check/check.html"


@never_cache
@csrf_protect
@require_http_methods(["GET", "POST"])
def check_page(request: HttpRequest) -> HttpResponse:
    context: dict[str, Any] = {"form": CheckForm()}
    if request.method == "GET":
        return render(request, TEMPLATE, context)
    if request.POST.get("action") == "report":
        return _report(request, context)
    scope = "image" if request.FILES.get("image") else "page"
    decision = limits.take(request, scope)
    if not decision.allowed:
        context.update(form=CheckForm(request.POST), rate_limited=decision.message)
        response = render(request, TEMPLATE, context, status=429)
        response["Retry-After"] = str(decision.retry_after)
        return response
    form = CheckForm(request.POST, request.FILES)
    context["form"] = form
    if not form.is_valid():
        return render(request, TEMPLATE, context, status=400)
    text = form.cleaned_data["text"]
    from_image = bool(form.cleaned_data.get("from_image"))
    upload = form.cleaned_data.get("image")
    if upload is not None:
        try:
            # Read into memory and let go: the screenshot is never saved. The verdict comes once,
            # below, on the recognised text together with anything typed.
            recognised = read_screenshot(upload.read())
        except ScreenshotError as exc:
            form.add_error("image", exc.zh)
            # The page answers 400 for a picture it cannot read; a busy server is a 503 to retry.
            busy = exc.reason == "busy"
            response = render(request, TEMPLATE, context, status=IMAGE_ERROR_STATUS["busy"] if busy else 400)
            if busy:
                response["Retry-After"] = str(BUSY_RETRY_AFTER_SECONDS)
            return response
        finally:
            upload.close()
        # Something typed as well as a screenshot: judge both together.
        text = f"{text}\n{recognised}" if text else recognised
        from_image = True
        if len(text) > MAX_CHARS:
            form.add_error("text", str(TextTooLong(len(text))))
            return render(request, TEMPLATE, context, status=400)
    verdict = run_check(text)
    context.update(
        verdict=verdict,
        from_image=from_image,
        # The recognised text goes back into the box, editable: OCR makes mistakes the resident can fix.
        form=CheckForm(initial={"text": text, "from_image": from_image}) if upload is not None else form,
        report_form=ReportForm(
            initial={"text": text, "situation": default_situation(verdict), "from_image": from_image}
        ),
    )
    return render(request, TEMPLATE, context)


def _report(request: HttpRequest, context: dict[str, Any]) -> HttpResponse:
    decision = limits.take(request, "report")
    report_form = ReportForm(request.POST)
    context.update(form=CheckForm(initial={"text": request.POST.get("text", "")}), report_form=report_form)
    if not decision.allowed:
        context["rate_limited"] = decision.message
        response = render(request, TEMPLATE, context, status=429)
        response["Retry-After"] = str(decision.retry_after)
        return response
    if not report_form.is_valid():
        text = request.POST.get("text", "")
        if text.strip() and len(text) <= MAX_CHARS:
            context["verdict"] = run_check(text)
        return render(request, TEMPLATE, context, status=400)
    data = report_form.cleaned_data
    receipt = report_to_station(
        data["text"],
        data.get("situation", ""),
        data.get("phone", ""),
        from_screenshot=bool(data.get("from_image")),
    )
    # A report writes to the clue queue, and every write is audited (who: nobody logged in; the address).
    audit.record(
        request,
        AuditLog.Action.CREATE,
        reason="群众通过风险查询页举报",
        object_type="clues.Clue",
        object_id=str(receipt.clue_id or ""),
        detail={"source": "群众举报", "reference": receipt.reference, "state": receipt.state},
    )
    context.update(receipt=receipt, report_form=None, form=CheckForm())
    return render(request, TEMPLATE, context)
