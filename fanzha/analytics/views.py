"""The analytics dashboard and its exports. Numbers come from :mod:`fanzha.analytics.dashboard`
and :mod:`fanzha.analytics.effect`; this module only reads the request and renders."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse

from fanzha.analytics import dashboard, effect, series
from fanzha.analytics.series import Filters, Table
from fanzha.domain import stats
from fanzha.domain.query_args import optional_day, optional_id, optional_int, optional_month
from fanzha.domain.xlsx_export import SheetData, write_xlsx
from fanzha.stations import audit, scope
from fanzha.stations.models import AuditLog, User
from fanzha.stations.policy import can
from fanzha.web.downloads import xlsx_response
from fanzha.web.periods import DEFAULT_RULE_TEXT, default_end
from fanzha.web.permissions import current_user, require

DEFAULT_MONTHS = 12


def filters_from(request: HttpRequest, user: User) -> Filters:
    """The dashboard's filters from the query string; a month out of range is a 400 with its message."""
    span = series.data_months()
    last_default = stats.month_start(default_end(span[1] if span else None))
    last = optional_month(request.GET.get("to"), "截止月份") or last_default
    first = optional_month(request.GET.get("from"), "起始月份") or stats.add_months(
        last, -(DEFAULT_MONTHS - 1)
    )
    if first > last:
        first, last = last, first
    return series.filters_for(
        user, first, last, request.GET.get("category", ""), optional_id(request.GET.get("grid"), "警格")
    )


@require("analytics.view")
def dashboard_view(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    f = filters_from(request, user)
    data = dashboard.payload(f)
    campaign = None
    campaign_chart = None
    start_text = request.GET.get("start", "")
    start = optional_day(start_text, "宣传活动开始日期")
    if start is not None:
        before = optional_int(request.GET.get("months_before"), "之前月数", 1, 120) or 12
        after = optional_int(request.GET.get("months_after"), "之后月数", 1, 120) or 12
        campaign = effect.campaign_effect(
            start, months_before=before, months_after=after, grid_ids=f.grid_ids, category=f.category
        ).as_dict()
        campaign_chart = effect.campaign_chart(
            start, months_before=before, months_after=after, grid_ids=f.grid_ids, category=f.category
        )
    categories = sorted(
        {
            row[0]
            for row in series.breakdown(Filters(f.first_month, f.last_month, "", f.grid_ids), "category").rows
        }
    )
    return render(
        request,
        "analytics/dashboard.html",
        {
            "filters": f,
            "cards": data["cards"],
            "tables": data["tables"],
            "grids": scope.visible_grids(user).order_by("code"),
            "categories": categories,
            "grid": optional_id(request.GET.get("grid"), "警格"),
            "campaign": campaign,
            "campaign_chart": campaign_chart,
            "start": start_text,
            "months_before": request.GET.get("months_before", "12"),
            "months_after": request.GET.get("months_after", "12"),
            "cases_url": reverse("cases:list") if can(user, "cases.view") else "",
            "query": request.GET.urlencode(),
            "scoped": f.grid_ids is not None,
            "default_rule": DEFAULT_RULE_TEXT,
        },
    )


def table_xlsx(table: Table) -> bytes:
    rows: list[list[Any]] = [[table.title], list(table.columns)]
    rows += [[v.isoformat() if isinstance(v, date) else v for v in row] for row in table.rows]
    if table.note:
        rows += [[], [table.note]]
    return write_xlsx([SheetData(table.key, rows, bold_rows=2, freeze="A3")])


@require("analytics.view")
def export_view(request: HttpRequest, key: str) -> HttpResponse:
    user = current_user(request)
    f = filters_from(request, user)
    try:
        table = dashboard.table(key, f)
    except KeyError as exc:
        raise Http404(key) from exc
    audit.record(
        request,
        AuditLog.Action.EXPORT,
        reason="案情分析图表数据导出",
        detail={
            "table": key,
            "from": f.first_month.isoformat(),
            "to": f.last_month.isoformat(),
            "category": f.category,
            "grids": sorted(f.grid_ids) if f.grid_ids is not None else "all",
            "rows": len(table.rows),
        },
        object_type="analytics.table",
        object_id=key,
    )
    return xlsx_response(table_xlsx(table), f"fanzha-{key}-{f.first_month:%Y%m}-{f.last_month:%Y%m}.xlsx")
