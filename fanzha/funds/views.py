"""Money-trail pages (资金查控): statement import with its report, column mapping, the trace of a
case with its layered graph, freeze list, region totals and cooperation letters, and 断卡
candidates. Only the roles the policy allows ``funds.trace`` reach them (403 otherwise);
cases always come from ``fanzha.stations.scope.visible_cases``. Computation lives in the service
modules (imports, layouts, tracing, candidates, exports); views only ask and show.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from fanzha.cases.models import Case
from fanzha.errors import UserFacingError
from fanzha.funds import candidates as candidate_service
from fanzha.funds import evidence, exports, imports, layouts, tracing
from fanzha.funds.forms import MappingForm, TraceForm, UploadForm
from fanzha.funds.models import BankColumnMapping, ImportJob, StatementFile, StatementReject, TraceRun
from fanzha.funds.store import store_summary
from fanzha.funds.trace_result import UNKNOWN_REGION, StartMode, StoredAccount, StoredTrace, depth_label
from fanzha.stations import audit, scope
from fanzha.stations.models import AuditLog, Station, User
from fanzha.web.downloads import xlsx_response
from fanzha.web.permissions import current_user, require
from fanzha.web.rejects import mark_reject_handled
from fanzha.web.views import PAGE_SIZE


def _visible_case(user: User, pk: int) -> Case:
    return get_object_or_404(scope.visible_cases(user), pk=pk)


def _job_for(user: User, pk: int) -> ImportJob:
    """The job if its case is visible; a job orphaned by a server restart is shown as failed."""
    job = get_object_or_404(ImportJob.objects.select_related("case"), pk=pk)
    if job.case_id is not None and not scope.visible_cases(user).filter(pk=job.case_id).exists():
        raise Http404
    if imports.fail_stale_jobs(ImportJob.objects.filter(pk=job.pk)):
        job.refresh_from_db()
    return job


def _run_for(user: User, pk: int) -> TraceRun:
    run = get_object_or_404(TraceRun.objects.select_related("case", "created_by"), pk=pk)
    if run.case_id is not None and not scope.visible_cases(user).filter(pk=run.case_id).exists():
        raise Http404
    return run


@require("funds.trace")
def index(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    visible = scope.visible_cases(user)
    try:
        summary = store_summary()
        store_error = ""
    except UserFacingError as exc:
        summary, store_error = {"rows": 0, "accounts": 0, "files": 0, "rejects": 0}, exc.zh
    imports.fail_stale_jobs()
    cases_with_statements = (
        visible.filter(statement_files__isnull=False)
        .annotate(files=Count("statement_files", distinct=True), runs=Count("trace_runs", distinct=True))
        .order_by("-reported_at")[:50]
    )
    return render(
        request,
        "funds/index.html",
        {
            "summary": summary,
            "store_error": store_error,
            "jobs": ImportJob.objects.filter(Q(case__isnull=True) | Q(case__in=visible)).select_related(
                "case"
            )[:10],
            "runs": TraceRun.objects.filter(Q(case__isnull=True) | Q(case__in=visible)).select_related(
                "case"
            )[:10],
            "cases": cases_with_statements,
            "data_dir_files": len(imports.data_dir_files()),
            "data_dir": imports.data_dir_statements(),
            "open_rejects": StatementReject.objects.filter(resolved=False).count(),
            "mappings": BankColumnMapping.objects.all()[:20],
            "upload_form": UploadForm(),
            "trace_form": TraceForm(require_account=True),
            "max_upload_mb": imports.max_upload_bytes() // (1024 * 1024),
        },
    )


@require("funds.trace")
def case_funds(request: HttpRequest, pk: int) -> HttpResponse:
    user = current_user(request)
    case = _visible_case(user, pk)
    return render(
        request,
        "funds/case.html",
        {
            "case": case,
            "transfers": case.transfers.all().order_by("seq"),
            "files": StatementFile.objects.filter(case=case).select_related("job").order_by("-pk")[:100],
            "runs": case.trace_runs.select_related("created_by")[:20],
            "upload_form": UploadForm(),
            "trace_form": TraceForm(),
            "max_upload_mb": imports.max_upload_bytes() // (1024 * 1024),
        },
    )


def _after_job_created(request: HttpRequest, job: ImportJob) -> HttpResponse:
    if job.status == ImportJob.Status.NEEDS_MAPPING:
        first = job.files.filter(needs_mapping=True).first()
        assert first is not None
        messages.info(
            request, f"{first.name} 的表头无法自动识别，请设置一次列映射，之后同一银行的流水将自动导入。"
        )
        return redirect("funds:mapping", pk=job.pk, file_pk=first.pk)
    imports.start_job(job)
    return redirect("funds:job", pk=job.pk)


@require("funds.trace")
@require_POST
def upload(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    user = current_user(request)
    case = _visible_case(user, pk) if pk is not None else None
    form = UploadForm(request.POST, request.FILES)
    back = redirect("funds:case", pk=case.pk) if case else redirect("funds:index")
    if not form.is_valid():
        messages.error(
            request, "；".join(str(e) for e in form.errors.get("statements", ["请选择要上传的流水文件"]))
        )
        return back
    try:
        job = imports.create_upload_job(form.cleaned_data["statements"], case, user)
    except UserFacingError as exc:
        messages.error(request, exc.zh)
        return back
    audit.record(request, AuditLog.Action.CREATE, job, detail={"files": [f.name for f in job.files.all()]})
    return _after_job_created(request, job)


@require("funds.trace")
@require_POST
def import_data_dir(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    try:
        job = imports.create_data_dir_job(user)
    except UserFacingError as exc:
        messages.error(request, exc.zh)
        return redirect("funds:index")
    audit.record(request, AuditLog.Action.CREATE, job, detail={"source": "data_dir", "files": job.file_count})
    return _after_job_created(request, job)


@require("funds.trace")
def job_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = current_user(request)
    job = _job_for(user, pk)
    return render(request, "funds/job.html", _job_context(job))


@require("funds.trace")
def job_progress(request: HttpRequest, pk: int) -> HttpResponse:
    user = current_user(request)
    job = _job_for(user, pk)
    return render(request, "funds/_job_report.html", _job_context(job))


@require("funds.trace")
@require_POST
def job_rerun(request: HttpRequest, pk: int) -> HttpResponse:
    user = current_user(request)
    job = _job_for(user, pk)
    try:
        imports.rerun_job(job)
    except UserFacingError as exc:
        messages.error(request, exc.zh)
        return redirect("funds:job", pk=job.pk)
    audit.record(request, AuditLog.Action.CHANGE, job, reason="重新导入", detail={"rerun": True})
    job.refresh_from_db()
    if job.status == ImportJob.Status.NEEDS_MAPPING:
        return _after_job_created(request, job)
    return redirect("funds:job", pk=job.pk)


def _job_context(job: ImportJob) -> dict[str, Any]:
    return {
        "job": job,
        "can_rerun": imports.can_rerun(job),
        "files": job.files.select_related("mapping", "case").order_by("pk"),
        "rejects": imports.rejects_of_job(job)[:500] if job.finished else [],
    }


@require("funds.trace")
def mapping(request: HttpRequest, pk: int, file_pk: int) -> HttpResponse:
    user = current_user(request)
    job = _job_for(user, pk)
    record = get_object_or_404(StatementFile, pk=file_pk, job=job)
    try:
        rows = layouts.preview_rows(Path(record.path))
    except UserFacingError as exc:
        messages.error(request, exc.zh)
        return redirect("funds:job", pk=job.pk)
    guessed = layouts.guess_header_index(rows)
    try:
        header_index = (
            int(request.POST.get("header_line") or request.GET.get("header_line") or guessed + 1) - 1
        )
    except ValueError:
        header_index = guessed
    header_index = min(max(header_index, 0), max(len(rows) - 1, 0))
    preview = layouts.Preview(rows, header_index)
    if request.method == "POST":
        form = MappingForm(request.POST, header=preview.header)
        if form.is_valid():
            try:
                saved = layouts.save_mapping(
                    preview, header_index, form.columns(), form.cleaned_data["bank"], user
                )
            except UserFacingError as exc:
                form.add_error(None, exc.zh)
            else:
                audit.record(request, AuditLog.Action.CHANGE, saved, detail={"columns": saved.columns})
                messages.success(request, f"已保存“{saved.bank}”的列映射，以后同样表头的流水将自动导入。")
                imports.resolve_pending(job)
                job.refresh_from_db()
                return _after_job_created(request, job)
    else:
        form = MappingForm(
            initial={"bank": layouts.guess_bank(preview), "header_line": header_index + 1},
            header=preview.header,
        )
    return render(
        request,
        "funds/mapping.html",
        {"job": job, "file": record, "form": form, "preview": preview, "header_line": header_index + 1},
    )


@require("funds.trace")
@require_POST
def trace(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    user = current_user(request)
    case = _visible_case(user, pk) if pk is not None else None
    form = TraceForm(request.POST, require_account=case is None)
    back = redirect("funds:case", pk=case.pk) if case else redirect("funds:index")
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, str(error))
        return back
    data = form.cleaned_data
    options = tracing.TraceOptions(data["rule"], data["max_depth"], data.get("window_hours"))
    try:
        run = tracing.run_trace(
            user=user,
            case=case,
            options=options,
            account=data.get("account") or "",
            after=data.get("after"),
            amount_fen=form.amount_fen,
        )
    except UserFacingError as exc:
        messages.error(request, exc.zh)
        return back
    return redirect("funds:run", pk=run.pk)


@require("funds.trace")
def run_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = current_user(request)
    run = _run_for(user, pk)
    trace = run.trace
    case = run.case if run.start_mode == StartMode.CASE else None
    untraced = evidence.untraced_transfers(case, trace) if case else []
    coverage = evidence.trace_coverage(case, untraced) if case else None
    return render(
        request,
        "funds/run.html",
        {
            "run": run,
            "payload": trace,
            "accounts": trace.accounts,
            "freeze": trace.freeze_rows(),
            "regions": trace.regions,
            "graph": tracing.graph_data(trace),
            "depth_counts": _depth_counts(trace.accounts),
            "untraced": untraced,
            "coverage": coverage,
            "requests": evidence.requests_by_holder(untraced),
        },
    )


def _depth_counts(accounts: Sequence[StoredAccount]) -> list[tuple[str, int]]:
    counts: dict[int, int] = {}
    for a in accounts:
        counts[a.depth] = counts.get(a.depth, 0) + 1
    return [(depth_label(d), n) for d, n in sorted(counts.items())]


def _export_name(run: TraceRun, what: str) -> str:
    stem = run.case.case_no if run.case else f"trace{run.pk}"
    return f"{stem}_{what}_{timezone.localtime():%Y%m%d%H%M}.xlsx"


# A run's workbooks: builder, file title, audit reason, and the audit's count (its key, what it counts).
_RUN_WORKBOOKS: dict[str, tuple[Callable[[StoredTrace, str], bytes], str, str, str, str]] = {
    "freeze_xlsx": (exports.freeze_workbook, "止付冻结清单", "止付冻结清单导出", "accounts", "freeze"),
    "regions_xlsx": (exports.regions_workbook, "分地区汇总", "分地区资金汇总导出", "regions", "regions"),
}


@require("funds.trace")
def freeze_xlsx(request: HttpRequest, pk: int) -> HttpResponse:
    return _run_workbook(request, pk, "freeze_xlsx")


@require("funds.trace")
def regions_xlsx(request: HttpRequest, pk: int) -> HttpResponse:
    return _run_workbook(request, pk, "regions_xlsx")


def _run_workbook(request: HttpRequest, pk: int, kind: str) -> HttpResponse:
    """A run's workbook with full account numbers, audit-logged as an export."""
    build, title, reason, count_key, counted = _RUN_WORKBOOKS[kind]
    run = _run_for(current_user(request), pk)
    trace = run.trace
    content = build(trace, run.case.case_no if run.case else "")
    detail = {"kind": kind, count_key: len(getattr(trace, counted))}
    audit.record(request, AuditLog.Action.EXPORT, run, reason=reason, detail=detail)
    return xlsx_response(content, _export_name(run, title))


@require("funds.trace")
def letters(request: HttpRequest, pk: int) -> HttpResponse:
    """异地协作函: one printable page per region, with full account numbers (audit-logged)."""
    user = current_user(request)
    run = _run_for(user, pk)
    trace = run.trace
    audit.record(
        request,
        AuditLog.Action.EXPORT,
        run,
        reason="异地协作函打印",
        detail={"kind": "cooperation_letters", "regions": len(trace.regions)},
    )
    station = Station.objects.order_by("pk").first()
    regions = [
        (region, accounts)
        for region, accounts in trace.accounts_by_region()
        if region.region != UNKNOWN_REGION
    ]
    return render(
        request,
        "funds/letters.html",
        {"run": run, "regions": regions, "station": station, "today": timezone.localdate()},
    )


@require("funds.trace")
def evidence_requests(request: HttpRequest, pk: int) -> HttpResponse:
    """调证函: one printable page per holder of records (payment platform, the victim's bank) for
    the transfers the trace could not follow; full account numbers, so the view is audit-logged."""
    user = current_user(request)
    run = _run_for(user, pk)
    if run.case is None:
        raise Http404
    untraced = evidence.untraced_transfers(run.case, run.trace)
    requests = evidence.requests_by_holder(untraced)
    audit.record(
        request,
        AuditLog.Action.EXPORT,
        run,
        reason="调证函打印",
        detail={"kind": "evidence_requests", "holders": [holder for holder, _, _ in requests]},
    )
    return render(
        request,
        "funds/requests.html",
        {
            "run": run,
            "case": run.case,
            "victims": run.case.victims.all(),
            "requests": requests,
            "station": Station.objects.order_by("pk").first(),
            "today": timezone.localdate(),
        },
    )


@require("funds.trace")
def candidates(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    try:
        accounts = candidate_service.account_candidates(user)
    except UserFacingError as exc:
        messages.error(request, exc.zh)
        accounts = []
    return render(
        request,
        "funds/candidates.html",
        {
            "accounts": accounts[:300],
            "account_total": len(accounts),
            "phones": candidate_service.phone_candidates(user),
        },
    )


@require("funds.trace")
def rejects(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    visible = scope.visible_cases(user)
    queryset = StatementReject.objects.select_related("file", "file__case").filter(
        Q(file__case__isnull=True) | Q(file__case__in=visible)
    )
    if request.method == "POST":
        mark_reject_handled(request, queryset, "处理无法读取的流水行")
        return redirect(request.get_full_path())
    show = request.GET.get("show", "open")
    if show != "all":
        queryset = queryset.filter(resolved=False)
    page = Paginator(queryset.order_by("file__name", "line"), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "funds/rejects.html", {"page": page, "show": show})
