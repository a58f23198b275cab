"""Case pages: the list, the case file, the new-case page (draft → corrections → confirm), the
review of imported drafts, category overrides, the agreement page, clusters and the bulk import.

Grid workers get 403 on every case page (the policy's ``cases.*``); every queryset comes from ``fanzha.stations.scope``.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from fanzha.cases import drafting, intake, linking
from fanzha.cases.forms import CategoryForm, CorrectionForm, NarrativeForm, ReportUploadForm
from fanzha.cases.highlight import highlight
from fanzha.cases.models import Case, CaseImportBatch, CaseImportReject
from fanzha.domain.masking import mask_name, mask_text
from fanzha.errors import UserFacingError
from fanzha.stations import audit, scope
from fanzha.stations.models import AuditLog, User
from fanzha.web.permissions import current_user, require
from fanzha.web.rejects import mark_reject_handled
from fanzha.web.views import PAGE_SIZE


@require("cases.view")
def case_list(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    queryset = scope.visible_cases(user).order_by("-reported_at")
    category = request.GET.get("category")
    if category:
        queryset = queryset.filter(category=category)
    status = request.GET.get("status")
    if status in Case.Status.values:
        queryset = queryset.filter(status=status)
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    categories = scope.visible_cases(user).values_list("category", flat=True).distinct().order_by("category")
    return render(
        request,
        "cases/list.html",
        {
            "page": page,
            "categories": categories,
            "category": category,
            "status": status,
            "statuses": Case.Status.choices,
        },
    )


def _pieces(text: str, draft: dict[str, Any], masked: bool) -> list[Any]:
    shown = mask_text(text) if masked else text
    return highlight(shown, draft.get("spans", []))


def _masked_field(name: str, value: str) -> str:
    return mask_name(value) if name == "victim_name" else mask_text(value)


@require("cases.view")
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = current_user(request)
    case = get_object_or_404(
        scope.visible_cases(user).prefetch_related("victims", "transfers", "category_overrides__by"), pk=pk
    )
    draft = case.draft or {}
    links = linking.links_of(case, user)
    shared_ids = {s.identifier.pk for s in links.shared}
    identifiers = [(i, i.pk in shared_ids) for i in case.identifiers.order_by("kind", "value")]
    corrections = [
        (drafting.FIELD_LABELS.get(name, name), {side: _masked_field(name, v) for side, v in change.items()})
        for name, change in (case.corrections or {}).items()
    ]
    return render(
        request,
        "cases/detail.html",
        {
            "case": case,
            "identifiers": identifiers,
            "links": links,
            "pieces": _pieces(case.narrative, draft, masked=True),
            "classification": draft.get("classification"),
            "warnings": draft.get("warnings", []),
            "corrections": corrections,
            "category_form": CategoryForm(initial={"category": case.category}),
            "nouns": linking.identifier_noun,
        },
    )


def _correction_form(
    user: User, data: Any = None, initial: dict[str, Any] | None = None, reported_at: Any = None
) -> CorrectionForm:
    return CorrectionForm(
        data,
        initial=initial,
        grids=scope.visible_grids(user),
        grid_required=user.is_grid_scoped,
        reported_at=reported_at,
    )


def _default_grid(user: User, resident: Any) -> Any:
    grids = scope.visible_grids(user)
    if resident is not None and grids.filter(pk=resident.grid_id).exists():
        return resident.grid_id
    if user.is_grid_scoped:
        first = grids.first()
        return first.pk if first else None
    return None


@require("cases.create")
def new_case(request: HttpRequest) -> HttpResponse:
    """Paste a narrative, see the machine's draft highlighted, correct it, confirm."""
    user = current_user(request)
    residents = scope.visible_residents(user)
    if request.method != "POST":
        return render(request, "cases/new.html", {"form": NarrativeForm(residents=residents)})
    form = NarrativeForm(request.POST, residents=residents)
    if not form.is_valid():
        return render(request, "cases/new.html", {"form": form})
    narrative = form.cleaned_data["narrative"]
    reported_at = form.cleaned_data["reported_at"]
    draft = drafting.make_draft(narrative, reported_at)
    resident = form.resident
    if request.POST.get("action") == "confirm":
        correction = _correction_form(user, request.POST)
        if correction.is_valid():
            fields = correction.officer_fields()
            case = intake.create_case(
                narrative=narrative,
                reported_at=reported_at,
                draft=draft,
                fields=fields,
                grid=correction.cleaned_data.get("grid"),
                actor=request,
                victim=intake.VictimInfo(fields["victim_name"], resident),
                category_reason=correction.cleaned_data.get("category_reason", ""),
            )
            messages.success(request, f"案件 {case.case_no} 已建立")
            return redirect("cases:detail", pk=case.pk)
    else:
        initial: dict[str, Any] = dict(draft["fields"])
        initial["grid"] = _default_grid(user, resident)
        correction = _correction_form(user, initial=initial)
    return render(
        request,
        "cases/new.html",
        {
            "form": form,
            "draft": draft,
            "pieces": _pieces(narrative, draft, masked=False),
            "correction": correction,
            "classification": draft.get("classification"),
            "resident": resident,
        },
    )


@require("cases.create")
def review_case(request: HttpRequest, pk: int) -> HttpResponse:
    """Confirm or correct the fields of an existing case (an imported draft, or a second look)."""
    user = current_user(request)
    case = get_object_or_404(scope.visible_cases(user), pk=pk)
    draft = case.draft or {}
    if request.method == "POST":
        correction = _correction_form(user, request.POST, reported_at=case.reported_at)
        if correction.is_valid():
            fields = correction.officer_fields()
            victim = case.victims.select_related("resident").first()
            intake.confirm_case(
                case,
                fields=fields,
                actor=request,
                victim=intake.VictimInfo(fields["victim_name"], victim.resident if victim else None),
                grid=correction.cleaned_data.get("grid"),
            )
            messages.success(request, f"案件 {case.case_no} 已确认")
            return redirect("cases:detail", pk=case.pk)
    else:
        initial: dict[str, Any] = dict(draft.get("fields", {}))
        for name, change in (case.corrections or {}).items():
            initial[name] = change.get("officer", "")
        initial["category"] = case.category or initial.get("category", "")
        initial["grid"] = case.grid_id
        correction = _correction_form(user, initial=initial, reported_at=case.reported_at)
        # The form shows full card and phone numbers so they can be corrected: that is a view.
        audit.record(
            request, AuditLog.Action.VIEW_UNMASKED, case, reason="核对/更正案件", detail={"page": "review"}
        )
    return render(
        request,
        "cases/review.html",
        {
            "case": case,
            "draft": draft,
            "pieces": _pieces(case.narrative, draft, masked=True),
            "correction": correction,
            "classification": draft.get("classification"),
        },
    )


@require("cases.create")
@require_POST
def change_category(request: HttpRequest, pk: int) -> HttpResponse:
    user = current_user(request)
    case = get_object_or_404(scope.visible_cases(user), pk=pk)
    form = CategoryForm(request.POST)
    if form.is_valid():
        intake.override_category(
            case, form.cleaned_data["category"], actor=request, reason=form.cleaned_data["reason"]
        )
        messages.success(request, "案件类别已更新")
    else:
        messages.error(request, "请选择类别")
    return redirect("cases:detail", pk=case.pk)


@require("cases.view")
def agreement(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    report = intake.field_agreement(scope.visible_cases(user))
    return render(request, "cases/agreement.html", {"report": report})


@require("cases.view")
def cluster_view(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    found = linking.clusters(user)
    return render(
        request,
        "cases/clusters.html",
        {
            "clusters": found,
            "linked_cases": sum(len(c.cases) for c in found),
            "nouns": linking.identifier_noun,
        },
    )


@require("cases.import")
def import_reports(request: HttpRequest) -> HttpResponse:
    """Upload → preview (columns understood, first rows) → import, with every failed row kept."""
    from fanzha.cases import reports_import

    user = current_user(request)
    context: dict[str, Any] = {
        "form": ReportUploadForm(),
        "max_mb": reports_import.MAX_UPLOAD_BYTES // 1024 // 1024,
    }
    if request.method == "POST" and request.POST.get("batch"):
        batch = get_object_or_404(
            CaseImportBatch, pk=request.POST["batch"], uploaded_by=user, status=CaseImportBatch.Status.PREVIEW
        )
        try:
            context["report"] = reports_import.import_batch(batch, user)
        except UserFacingError as exc:
            messages.error(request, exc.zh)
    elif request.method == "POST":
        form = ReportUploadForm(request.POST, request.FILES)
        context["form"] = form
        if form.is_valid():
            upload = form.cleaned_data["file"]
            try:
                reports_import.check_size(upload.size)
                context["preview"] = reports_import.preview_report_file(upload.read(), upload.name, user)
            except UserFacingError as exc:
                form.add_error("file", exc.zh)
    return render(request, "cases/import.html", context)


@require("cases.import")
def import_rejects(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    if request.method == "POST":
        mark_reject_handled(request, CaseImportReject.objects.all(), "处理无法导入的报案行")
        return redirect("cases:import_rejects")
    show = request.GET.get("show", "open")
    queryset = CaseImportReject.objects.select_related("batch")
    if show == "open":
        queryset = queryset.filter(resolved=False)
    page = Paginator(queryset.order_by("-batch__uploaded_at", "line"), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    del user
    return render(request, "cases/rejects.html", {"page": page, "show": show})
