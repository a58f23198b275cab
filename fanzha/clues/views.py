"""Clue pages: the officer's list ordered by deadline, one clue with its actions and outcome, the
command room's queue (unmatched, escalated, unreadable rows), hand matching, file import and
batch analysis. All querysets come from ``fanzha.stations.scope``; all changes go through
``fanzha.clues.handling``, which writes the audit log."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Case as SqlCase
from django.db.models import F, Q, Value, When
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from fanzha.clues import handling
from fanzha.clues.analysis import analyse_clues, clue_selection, write_analysis_xlsx
from fanzha.clues.forms import ActionForm, CloseForm, HandOverForm, ImportForm
from fanzha.clues.models import Clue, ClueBatch, ClueReject
from fanzha.domain.query_args import optional_day, optional_id
from fanzha.errors import UserFacingError
from fanzha.stations import audit, scope
from fanzha.stations.models import AuditLog
from fanzha.stations.policy import works_own_clues
from fanzha.web.downloads import xlsx_response
from fanzha.web.periods import DEFAULT_RULE_TEXT, default_end
from fanzha.web.permissions import current_user, require
from fanzha.web.rejects import mark_reject_handled
from fanzha.web.views import PAGE_SIZE


@require("clues.view")
def clue_list(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    queryset = scope.visible_clues(user)
    status = request.GET.get("status", "")
    grade = request.GET.get("grade", "")
    mine = request.GET.get("mine", "1" if works_own_clues(user) else "")
    queryset = queryset.filter(status=status) if status else queryset.exclude(status=Clue.Status.MERGED)
    if grade:
        queryset = queryset.filter(grade=grade)
    if mine == "1":
        queryset = queryset.filter(
            Q(officer=user) | Q(officer__isnull=True, status__in=handling.OPEN_STATUSES)
        )
    # Open clues first, the nearest deadline (then the graver grade) on top; closed ones after,
    # the most recently closed first.
    queryset = handling.in_work_order(queryset).annotate(
        is_closed=SqlCase(When(closed_at__isnull=False, then=Value(1)), default=Value(0)),
        open_due=SqlCase(When(closed_at__isnull=True, then=F("due_at"))),
        open_grade=SqlCase(When(closed_at__isnull=True, then=F("grade_rank"))),
    )
    queryset = queryset.order_by(
        "is_closed",
        F("open_due").asc(nulls_last=True),
        F("open_grade").asc(nulls_last=True),
        F("closed_at").desc(nulls_last=True),
        "-received_at",
        "pk",
    )
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "clues/list.html",
        {
            "page": page,
            "status": status,
            "grade": grade,
            "mine": mine,
            "statuses": Clue.Status.choices,
            "grades": Clue.Grade.choices,
            "now": timezone.now(),
        },
    )


@require("clues.view")
def clue_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = current_user(request)
    clue = get_object_or_404(scope.visible_clues(user).select_related("batch", "merged_into", "case"), pk=pk)
    history = AuditLog.objects.filter(object_type=Clue._meta.label, object_id=str(clue.pk)).select_related(
        "user"
    )
    return render(
        request,
        "clues/detail.html",
        {
            "clue": clue,
            "actions": clue.actions.select_related("by"),
            "merged": clue.merged.all(),
            "history": history[:30],
            "action_form": ActionForm(initial={"sms": handling.sms_text(clue)}),
            "close_form": CloseForm(),
            "hand_over_form": HandOverForm(),
            "resident_visible": clue.resident_id is not None
            and scope.visible_residents(user).filter(pk=clue.resident_id).exists(),
            "is_open": clue.status in handling.OPEN_STATUSES,
            "can_close": clue.status in handling.CLOSABLE_STATUSES,
            "now": timezone.now(),
        },
    )


@require("clues.handle")
@require_POST
def record_action(request: HttpRequest, pk: int) -> HttpResponse:
    user = current_user(request)
    clue = get_object_or_404(scope.visible_clues(user), pk=pk)
    form = ActionForm(request.POST)
    if not form.is_valid():
        messages.error(request, "处置记录填写有误：" + "；".join(str(e) for e in form.errors.values()))
        return redirect("clues:detail", pk=clue.pk)
    data = form.cleaned_data
    try:
        handling.record_action(
            clue.pk,
            user,
            data["kind"],
            at=data.get("at") or None,
            reached=form.reached_value(),
            note=data.get("note", ""),
            sms=data.get("sms", "") if data["kind"] == "sms" else "",
        )
        messages.success(request, "已记录")
    except handling.ClueStateError as exc:
        messages.error(request, str(exc))
    return redirect("clues:detail", pk=clue.pk)


@require("clues.handle")
@require_POST
def close(request: HttpRequest, pk: int) -> HttpResponse:
    user = current_user(request)
    clue = get_object_or_404(scope.visible_clues(user), pk=pk)
    form = CloseForm(request.POST)
    if not form.is_valid():
        messages.error(request, "；".join(str(e) for errors in form.errors.values() for e in errors))
        return redirect("clues:detail", pk=clue.pk)
    try:
        closed = handling.close_clue(
            clue.pk,
            user,
            form.cleaned_data["outcome"],
            form.cleaned_data.get("note", ""),
            handed_to=form.cleaned_data.get("handed_to", ""),
        )
    except handling.ClueStateError as exc:
        messages.error(request, str(exc))
        return redirect("clues:detail", pk=clue.pk)
    if closed.status == Clue.Status.ESCALATED:
        messages.warning(request, "无法联系：已升级至综合指挥室")
    elif closed.handed_to:
        messages.success(request, f"已移交{closed.handed_to}，线索办结")
    elif closed.case_id:
        messages.success(request, f"已办结，并生成待确认案件 {closed.case.case_no if closed.case else ''}")
    else:
        messages.success(request, "已办结")
    return redirect("clues:detail", pk=clue.pk)


@require("clues.command")
def queue(request: HttpRequest) -> HttpResponse:
    """The command room: escalation runs on every load, so nothing overdue waits for a cron job."""
    user = current_user(request)
    escalated_now = handling.escalate_overdue()
    clues = scope.visible_clues(user)
    return render(
        request,
        "clues/queue.html",
        {
            "escalated_now": escalated_now,
            "queued": handling.in_work_order(clues.filter(status=Clue.Status.QUEUED))[:100],
            "queued_count": clues.filter(status=Clue.Status.QUEUED).count(),
            "escalated": handling.in_work_order(clues.filter(status=Clue.Status.ESCALATED))[:100],
            "rejects_open": ClueReject.objects.filter(resolved=False).count(),
            "batches": ClueBatch.objects.select_related("created_by", "source_system")[:10],
            "now": timezone.now(),
        },
    )


@require("clues.command")
def match(request: HttpRequest, pk: int) -> HttpResponse:
    user = current_user(request)
    clue = get_object_or_404(scope.visible_clues(user), pk=pk)
    if request.method == "POST":
        resident_id = request.POST.get("resident", "")
        if (
            not resident_id.isdigit()
            or not scope.visible_residents(user).filter(pk=int(resident_id)).exists()
        ):
            messages.error(request, "请选择一名居民")
            return redirect("clues:match", pk=clue.pk)
        try:
            handling.assign_by_hand(clue.pk, user, int(resident_id), request.POST.get("note", "")[:100])
        except handling.ClueStateError as exc:
            messages.error(request, str(exc))
            return redirect("clues:match", pk=clue.pk)
        messages.success(request, "已人工匹配并下发至警格民警")
        return redirect("clues:detail", pk=clue.pk)
    query = request.GET.get("q", "").strip()
    found = []
    if query:
        found = list(
            scope.visible_residents(user).filter(Q(name=query) | Q(phone=query) | Q(id_number=query))[:20]
        )
    return render(
        request,
        "clues/match.html",
        {"clue": clue, "suggestions": handling.suggest_residents(clue), "query": query, "found": found},
    )


@require("clues.command")
def import_file(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    report = None
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        from fanzha.clues.spreadsheet import import_clue_file

        try:
            report = import_clue_file(
                upload.read(),
                filename=upload.name,
                user=user,
                default_source=form.cleaned_data.get("source") or None,
            )
        except UserFacingError as exc:
            messages.error(request, exc.zh)
    return render(request, "clues/import.html", {"form": form, "report": report})


@require("clues.command")
def rejects(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        mark_reject_handled(request, ClueReject.objects.all(), "处理无法读取的线索行")
        return redirect("clues:rejects")
    show = request.GET.get("show", "open")
    queryset = ClueReject.objects.select_related("batch")
    if show == "open":
        queryset = queryset.filter(resolved=False)
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "clues/rejects.html", {"page": page, "show": show})


@require("clues.analyse")
def analysis(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    batch_id = optional_id(request.GET.get("batch"), "批次")
    visible = scope.visible_clues(user)
    last_received = visible.order_by("-received_at").values_list("received_at", flat=True).first()
    last_day = default_end(timezone.localdate(last_received) if last_received else None)
    end = optional_day(request.GET.get("to"), "截止日期") or (None if batch_id else last_day)
    start = optional_day(request.GET.get("from"), "起始日期") or (
        None if batch_id else (end or last_day) - timedelta(days=30)
    )

    def aware(day: date | None, shift: int = 0) -> datetime | None:
        return timezone.make_aware(datetime.combine(day + timedelta(days=shift), time())) if day else None

    selection = clue_selection(batch_id=batch_id, start=aware(start), end=aware(end, 1), base=visible)
    title = f"批次 {batch_id}" if batch_id else f"{start} 至 {end}"
    result = analyse_clues(selection, title=f"预警线索批量研判（{title}）", cases=scope.visible_cases(user))
    if request.GET.get("export") == "xlsx":
        audit.record(
            request,
            AuditLog.Action.EXPORT,
            reason="导出批量研判",
            detail={"batch": batch_id, "from": str(start), "to": str(end), "total": result.total},
            object_type="clues.analysis",
        )
        return xlsx_response(write_analysis_xlsx(result), "clue-analysis.xlsx")
    return render(
        request,
        "clues/analysis.html",
        {
            "result": result,
            "batch": batch_id,
            "start": start,
            "end": end,
            "batches": ClueBatch.objects.all()[:50],
            "query": request.GET.urlencode(),
            "default_rule": DEFAULT_RULE_TEXT,
        },
    )
