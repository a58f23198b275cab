"""Analytics over HTTP: the same tables, summary and campaign effect as the dashboard and CLI."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.http import HttpRequest
from ninja import Router

from fanzha.analytics import dashboard, effect, series, summary
from fanzha.domain import stats
from fanzha.domain.query_args import check_day, check_year, parse_int
from fanzha.web.permissions import PolicyAuth, current_user

router = Router(tags=["案情分析"], auth=PolicyAuth("analytics.view"))


@router.get("/tables", summary="仪表盘全部图表数据（按月份范围、类别、警格筛选）")
def tables(
    request: HttpRequest,
    first_month: date | None = None,
    last_month: date | None = None,
    category: str = "",
    grid: int | None = None,
) -> dict[str, Any]:
    user = current_user(request)
    for given, what in ((first_month, "起始月份"), (last_month, "截止月份")):
        if given is not None:
            check_day(given, what)
    span = series.data_months()
    last = last_month or (span[1] if span else stats.month_start(date.today()))
    first = first_month or stats.add_months(stats.month_start(last), -11)
    return dashboard.payload(series.filters_for(user, first, last, category, grid))


@router.get("/summary", summary="年度汇总：案件数、同比、占刑事案件比例、类别构成")
def year_summary(request: HttpRequest, year: int) -> dict[str, Any]:
    user = current_user(request)
    check_year(year)
    f = series.filters_for(user, date(year, 1, 1), date(year, 12, 1))
    return summary.year_summary(year, f.grid_ids)


@router.get("/effect", summary="宣传活动效果（中断时间序列 / 双重差分）")
def campaign_effect(
    request: HttpRequest,
    start: date,
    months_before: int = 12,
    months_after: int = 12,
    control_grids: str = "",
    category: str = "",
) -> dict[str, Any]:
    user = current_user(request)
    check_day(start, "宣传活动开始日期")
    for months, what in ((months_before, "之前月数"), (months_after, "之后月数")):
        parse_int(str(months), what, 1, 120)
    f = series.filters_for(user, start, start)
    controls = [int(x) for x in control_grids.split(",") if x.strip().isdigit()]
    if f.grid_ids is not None:
        controls = [c for c in controls if c in f.grid_ids]
    result = effect.campaign_effect(
        start,
        months_before=months_before,
        months_after=months_after,
        grid_ids=f.grid_ids,
        control_grid_ids=controls or None,
        category=category,
    )
    return result.as_dict()
