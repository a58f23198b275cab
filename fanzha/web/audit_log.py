"""The audit log page (所领导 and 系统管理员): who did what to which record, when, why and from where.

Rows name people by their real name (with the login name beside it) and records by what they are —
a case by its number, a clue by its source and id, a resident masked — with a link to the record's
page where there is one. Filters: person, date range, action, kind of record and record id; the
filtered rows export to xlsx, and the export writes its own audit row.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.apps import apps
from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from fanzha.domain.query_args import optional_day, optional_id
from fanzha.domain.xlsx_export import SheetData, write_xlsx
from fanzha.stations import audit
from fanzha.stations.models import AuditLog, User
from fanzha.web.downloads import xlsx_response

PAGE_SIZE = 50
MAX_EXPORT_ROWS = 100_000
# Records with a page of their own: object type -> URL name taking the id.
RECORD_PAGES = {
    "cases.Case": "cases:detail",
    "clues.Clue": "clues:detail",
    "funds.TraceRun": "funds:run",
    "funds.ImportJob": "funds:job",
    "outreach.OutreachEvent": "outreach:event",
}
# Object types that are not models: what was exported or computed.
PSEUDO_TYPES = {
    "analytics.table": "案情分析图表数据",
    "clues.analysis": "线索批量研判",
    "ranking.chart_data": "排名图表数据",
    "ranking.morning_report": "晨会点名报告",
    "stations.AuditLog": "审计日志",
}


@dataclass(frozen=True)
class AuditFilters:
    person: int | None
    start: date | None
    end: date | None
    action: str
    object_type: str
    object_id: str

    @classmethod
    def from_query(cls, request: HttpRequest) -> AuditFilters:
        action = request.GET.get("action", "")
        return cls(
            person=optional_id(request.GET.get("person"), "人员"),
            start=optional_day(request.GET.get("from"), "起始日期"),
            end=optional_day(request.GET.get("to"), "截止日期"),
            action=action if action in AuditLog.Action.values else "",
            object_type=request.GET.get("type", "")[:50],
            object_id=request.GET.get("object", "").strip()[:64],
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "person": self.person,
            "from": self.start.isoformat() if self.start else "",
            "to": self.end.isoformat() if self.end else "",
            "action": self.action,
            "type": self.object_type,
            "object": self.object_id,
        }


def filtered(filters: AuditFilters) -> QuerySet[AuditLog]:
    rows = AuditLog.objects.select_related("user")
    if filters.person is not None:
        person = User.objects.filter(pk=filters.person).values_list("username", flat=True).first()
        rows = rows.filter(Q(user_id=filters.person) | Q(username=person or ""))
    if filters.start:
        rows = rows.filter(at__gte=timezone.make_aware(datetime.combine(filters.start, time())))
    if filters.end:
        rows = rows.filter(
            at__lt=timezone.make_aware(datetime.combine(filters.end + timedelta(days=1), time()))
        )
    if filters.action:
        rows = rows.filter(action=filters.action)
    if filters.object_type:
        rows = rows.filter(object_type=filters.object_type)
    if filters.object_id:
        rows = rows.filter(object_id=filters.object_id)
    return rows


def type_label(object_type: str) -> str:
    if object_type in PSEUDO_TYPES:
        return PSEUDO_TYPES[object_type]
    try:
        return str(apps.get_model(object_type)._meta.verbose_name)
    except (LookupError, ValueError):
        return object_type


@dataclass(frozen=True)
class AuditRow:
    entry: AuditLog
    who: str  # the real name, else the login name
    login: str
    type_label: str
    object_label: str
    url: str


def describe(entries: Sequence[AuditLog]) -> list[AuditRow]:
    """Each entry with its person's name and its record's label and link (one query per record type)."""
    ids_by_type: dict[str, set[int]] = defaultdict(set)
    for entry in entries:
        if entry.object_id.isdigit() and entry.object_type not in PSEUDO_TYPES:
            ids_by_type[entry.object_type].add(int(entry.object_id))
    records: dict[tuple[str, str], Any] = {}
    for object_type, ids in ids_by_type.items():
        try:
            model = apps.get_model(object_type)
        except (LookupError, ValueError):
            continue
        for pk, obj in model._default_manager.in_bulk(list(ids)).items():
            records[(object_type, str(pk))] = obj
    rows = []
    for entry in entries:
        obj = records.get((entry.object_type, entry.object_id))
        if obj is not None:
            label = str(obj)
        elif entry.object_id:
            deleted = entry.object_type not in PSEUDO_TYPES and entry.object_id.isdigit()
            label = f"#{entry.object_id}" + (
                "（已删除）" if deleted and entry.object_type in ids_by_type else ""
            )
        else:
            label = ""
        url = ""
        if obj is not None and entry.object_type in RECORD_PAGES:
            try:
                url = reverse(RECORD_PAGES[entry.object_type], args=[obj.pk])
            except NoReverseMatch:
                url = ""
        user = entry.user
        rows.append(
            AuditRow(
                entry=entry,
                who=(user.full_name if user and user.full_name else "") or entry.username or "（未登录）",
                login=entry.username,
                type_label=type_label(entry.object_type) if entry.object_type else "",
                object_label=label,
                url=url,
            )
        )
    return rows


def _export(request: HttpRequest, filters: AuditFilters, rows: QuerySet[AuditLog]) -> HttpResponse:
    entries = list(rows[:MAX_EXPORT_ROWS])
    described = describe(entries)
    table: list[list[Any]] = [
        ["时间", "姓名", "用户名", "操作", "对象类型", "对象", "对象编号", "事由", "IP", "详情"]
    ]
    for row in described:
        e = row.entry
        table.append(
            [
                timezone.localtime(e.at).strftime("%Y-%m-%d %H:%M:%S"),
                row.who,
                row.login,
                e.get_action_display(),
                row.type_label,
                row.object_label,
                e.object_id,
                e.reason,
                e.ip or "",
                json.dumps(e.detail, ensure_ascii=False) if e.detail else "",
            ]
        )
    # The export is itself a view of who looked at what: it is logged before the file leaves.
    audit.record(
        request,
        AuditLog.Action.EXPORT,
        reason="导出审计日志",
        object_type="stations.AuditLog",
        detail={"filters": filters.as_dict(), "rows": len(entries)},
    )
    content = write_xlsx([SheetData("审计日志", table, widths={1: 20, 2: 12, 6: 28, 8: 30, 10: 60})])
    return xlsx_response(content, f"审计日志_{timezone.localtime():%Y%m%d%H%M}.xlsx")


def audit_log_page(request: HttpRequest) -> HttpResponse:
    """The log and its export; who may read it is the view's ``audit.view``."""
    filters = AuditFilters.from_query(request)
    rows = filtered(filters)
    if request.GET.get("export") == "xlsx":
        return _export(request, filters, rows)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    types = sorted(
        {t for t in AuditLog.objects.values_list("object_type", flat=True).distinct() if t},
        key=type_label,
    )
    query = request.GET.copy()
    query.pop("page", None)
    query["export"] = "xlsx"
    return render(
        request,
        "web/audit.html",
        {
            "page": page,
            "rows": describe(list(page.object_list)),
            "filters": filters,
            "actions": AuditLog.Action.choices,
            "people": User.objects.order_by("username").only("pk", "username", "full_name"),
            "types": [(t, type_label(t)) for t in types],
            "export_query": query.urlencode(),
        },
    )
