"""Reminder pages: choose who (suggestions and the audience form), preview what a resident reads,
record the campaign, hand it over (files, WeChat post, gateway), register opt-outs, and see
whether it worked. Numbers come from planning, campaigns and effect; views only render."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from fanzha.domain import reminder_audience as rules
from fanzha.domain import reminder_text
from fanzha.reminders import campaigns, effect, planning
from fanzha.reminders.forms import AudienceForm, HandOverForm, OptOutForm, RecordForm
from fanzha.reminders.models import ReminderCampaign, ReminderOptOut
from fanzha.stations import scope
from fanzha.stations.models import User
from fanzha.web.downloads import attachment_response
from fanzha.web.permissions import current_user, require
from fanzha.web.views import PAGE_SIZE


def _as_of(request: HttpRequest) -> date:
    """``?date=`` plans as of an earlier day (the outreach plan's convention); today otherwise."""
    try:
        day = date.fromisoformat(request.GET.get("date", ""))
    except ValueError:
        return timezone.localdate()
    return day if date(2000, 1, 1) <= day <= timezone.localdate() else timezone.localdate()


@require("reminders.plan")
def index(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    rows = campaigns.visible_campaigns(user).prefetch_related("grids")
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "reminders/index.html",
        {
            "page": page,
            "settings": planning.current_settings(),
            "gateway": campaigns.gateway_config() is not None,
        },
    )


@require("reminders.plan")
@require_http_methods(["GET", "POST"])
def new(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    settings = planning.current_settings()
    grids = scope.visible_grids(user).order_by("code")
    as_of = _as_of(request)
    holdout = round(settings.holdout_share * 100)
    errors: list[str] = []
    if request.method == "POST":
        record = RecordForm(request.POST, grids=grids, holdout_percent=holdout)
        if record.is_valid():
            try:
                campaign = campaigns.record_campaign(
                    request,
                    record.criteria(),
                    sms_text=record.cleaned_data["sms_text"],
                    wechat_text=record.cleaned_data["wechat_text"],
                    holdout_share=record.holdout_share(),
                    script_as_of=as_of,
                )
            except planning.ReminderRefused as exc:
                errors.append(str(exc.args[0]))
            else:
                messages.success(
                    request,
                    f"已记录提醒活动，待发送 {campaign.recipients.filter(status=rules.PENDING).count()} 人。",
                )
                return redirect("reminders:detail", pk=campaign.pk)
        else:
            errors += [str(e) for field_errors in record.errors.values() for e in field_errors]
        form = AudienceForm(request.POST, grids=grids, holdout_percent=holdout)
    else:
        form = AudienceForm(request.GET or None, grids=grids, holdout_percent=holdout)
    context: dict[str, Any] = {
        "form": form,
        "errors": errors,
        "settings": settings,
        "as_of": as_of,
        "date_param": request.GET.get("date", ""),
    }
    if form.is_bound and form.is_valid():
        criteria = form.criteria()
        _, summary, _ = planning.plan_audience(
            criteria,
            timezone.localdate(),
            seed="preview",
            holdout_share=form.holdout_share(),
            settings=settings,
        )
        draft = planning.draft_texts(criteria.category, as_of, settings)
        sms_text = request.POST.get("sms_text") or draft.sms.text
        wechat_text = request.POST.get("wechat_text") or draft.wechat
        context.update(
            {
                "criteria": criteria,
                "summary": summary.as_dict(),
                "draft": draft,
                "sms_text": sms_text,
                "sms_length": reminder_text.sms_length(sms_text),
                "wechat_text": wechat_text,
                "hidden": [
                    (name, value)
                    for name in ("category", "grids", "sex", "age_bands", "occupations", "holdout_percent")
                    for value in (form.data.getlist(name) if hasattr(form.data, "getlist") else [])
                ],
            }
        )
    if "summary" not in context:
        context["suggestions"] = planning.suggestions(user, as_of)
    status = 400 if errors else 200
    return render(request, "reminders/new.html", context, status=status)


def _visible(user: User, pk: int) -> ReminderCampaign:
    return get_object_or_404(campaigns.visible_campaigns(user), pk=pk)


@require("reminders.plan")
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = current_user(request)
    campaign = _visible(user, pk)
    counts = campaigns.status_counts(campaign)
    status = request.GET.get("status", "")
    recipients = campaign.recipients.select_related("resident", "grid").order_by("grid__code", "resident_id")
    if status:
        recipients = recipients.filter(status=status)
    page = Paginator(recipients, PAGE_SIZE).get_page(request.GET.get("page"))
    figures = None
    report = None
    if campaign.status != ReminderCampaign.Status.RECORDED:
        report = effect.measure([campaign], with_matches=True)
        figures = report.campaigns[0] if report.campaigns else None
    return render(
        request,
        "reminders/detail.html",
        {
            "campaign": campaign,
            "counts": [(key, rules.STATUS_LABELS[key], counts.get(key, 0)) for key in rules.STATUS_LABELS],
            "page": page,
            "status": status,
            "status_labels": rules.STATUS_LABELS,
            "reached_statuses": rules.REACHED,
            "form": HandOverForm(),
            "gateway": campaigns.gateway_config() is not None,
            "export_kinds": campaigns.EXPORT_KINDS,
            "report": report,
            "figures": figures,
            "sms_length": reminder_text.sms_length(campaign.sms_text),
        },
    )


@require("reminders.plan")
@require_POST
def export(request: HttpRequest, pk: int) -> HttpResponse:
    user = current_user(request)
    campaign = _visible(user, pk)
    kind = request.POST.get("kind", "")
    try:
        result = campaigns.export_campaign(request, campaign.pk, kind, request.POST.get("reason", ""))
    except planning.ReminderRefused as exc:
        messages.error(request, str(exc.args[0]))
        return redirect("reminders:detail", pk=campaign.pk)
    return attachment_response(result.content, result.filename, result.content_type)


@require("reminders.plan")
@require_POST
def send(request: HttpRequest, pk: int) -> HttpResponse:
    user = current_user(request)
    campaign = _visible(user, pk)
    try:
        report = campaigns.send_campaign(request, campaign.pk, request.POST.get("reason", ""))
    except planning.ReminderRefused as exc:
        messages.error(request, str(exc.args[0]))
    else:
        text = f"短信网关：送达 {report.delivered} 条，失败 {report.failed} 条"
        if report.error:
            messages.error(request, f"{text}；{report.error}，未发送的 {report.left_pending} 条仍待发送。")
        else:
            messages.success(request, text + "。")
    return redirect("reminders:detail", pk=campaign.pk)


@require("reminders.plan")
@require_POST
def wechat_posted(request: HttpRequest, pk: int) -> HttpResponse:
    user = current_user(request)
    campaign = _visible(user, pk)
    campaigns.mark_wechat_posted(request, campaign.pk)
    messages.success(request, "已记录：提醒已发到警务微信群。")
    return redirect("reminders:detail", pk=campaign.pk)


@require("reminders.plan")
def effect_view(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    report = effect.measure(effect.handed_over(campaigns.visible_campaigns(user)).order_by("day", "pk"))
    return render(
        request,
        "reminders/effect.html",
        {"report": report, "campaigns": report.campaigns[::-1], "scoped": user.is_grid_scoped},
    )


@require("reminders.plan")
@require_http_methods(["GET", "POST"])
def opt_outs(request: HttpRequest) -> HttpResponse:
    form = OptOutForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                campaigns.add_opt_out(request, form.cleaned_data["phone"], form.cleaned_data["source"])
            except planning.ReminderRefused as exc:
                form.add_error("phone", str(exc.args[0]))
            else:
                messages.success(request, "已登记退订，该号码今后不会再收到防骗提醒。")
                return redirect("reminders:opt_outs")
        status = 400
    rows = Paginator(ReminderOptOut.objects.select_related("created_by"), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "reminders/opt_outs.html",
        {"form": form, "page": rows},
        status=status,
    )
