"""Pages of the ranking app: the daily comparison, the charts (with xlsx export), the morning
report download, registration imports and the door-visit registration form.

Everything is computed in ``fanzha.ranking.services`` / ``fanzha.ranking.report``; a grid officer
sees the station-wide rank of their own grids only."""

from __future__ import annotations

from datetime import date, timedelta

from django import forms
from django.contrib import messages
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from fanzha.domain.query_args import parse_day
from fanzha.domain.ranking import coverage_definition
from fanzha.errors import UserFacingError
from fanzha.ranking import report as morning
from fanzha.ranking.models import RegistrationImport
from fanzha.ranking.services.export import chart_workbook
from fanzha.ranking.services.figures import (
    coverage_by_age_band,
    current_config,
    daily_ranking,
    latest_day,
    today,
)
from fanzha.ranking.services.imports import batch_of, import_registrations, record_door_visit
from fanzha.ranking.services.imports import summary as registration_summary
from fanzha.ranking.services.trends import chart_data
from fanzha.stations import audit, scope
from fanzha.stations.models import AuditLog, User
from fanzha.web.downloads import xlsx_response
from fanzha.web.forms import IsoDateInput
from fanzha.web.periods import DEFAULT_RULE_TEXT
from fanzha.web.permissions import current_user, require
from fanzha.web.validators import station_date

MAX_UPLOAD_BYTES = 20 * 1024 * 1024


def _day(request: HttpRequest) -> date:
    text = request.GET.get("date", "").strip()
    if not text:
        return latest_day()
    return parse_day(text)  # a bad or out-of-range date is a 400 with its message


def _visible_codes(user: User) -> set[str] | None:
    if not user.is_grid_scoped:
        return None
    return set(scope.visible_grids(user).values_list("code", flat=True))


@require("ranking.view")
def daily(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    day = _day(request)
    config = current_config()
    ranking = daily_ranking(day, config)
    codes = _visible_codes(user)
    rows = [r for r in ranking if codes is None or r.grid in codes]
    grid_ids = None if codes is None else scope.visible_grids(user).values_list("pk", flat=True)
    bands = coverage_by_age_band(day, grid_ids, config)
    names = {r.grid: r.figures.name for r in ranking}
    registered = sum(r.figures.registered for r in rows)
    base = sum(r.figures.base for r in rows)
    context = {
        "day": day,
        "previous_day": day - timedelta(days=1),
        "next_day": day + timedelta(days=1) if day < today() else None,
        "rows": rows,
        "total": len(ranking),
        "flagged": [r for r in rows if r.flagged],
        "registered": registered,
        "base": base,
        "coverage": registered / base if base else 0,
        "new_today": sum(r.figures.new_registrations for r in rows),
        "band_labels": [b.label for b in config.age_bands],
        "bands": [(code, names.get(code, code), values) for code, values in bands.items()],
        "weights": config.weights,
        "targets": config.targets,
        "coverage_definition": coverage_definition(config),
        "default_rule": DEFAULT_RULE_TEXT,
        "window": config.clue_window_days,
    }
    return render(request, "ranking/daily.html", context)


@require("ranking.report")
def report(request: HttpRequest) -> HttpResponse:
    day = _day(request)
    fmt = "docx" if request.GET.get("format") == "docx" else "pdf"
    data = morning.render(morning.morning_report(day), fmt)
    audit.record(
        request,
        AuditLog.Action.EXPORT,
        object_type="ranking.morning_report",
        object_id=day.isoformat(),
        reason="下载晨会点名通报",
        detail={"format": fmt, "bytes": len(data)},
    )
    content_type = (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
        if fmt == "docx"
        else "application/pdf"
    )
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="morning-{day.isoformat()}.{fmt}"'
    return response


def _chart_window(request: HttpRequest) -> tuple[date, int]:
    day = _day(request)
    try:
        days = int(request.GET.get("days", "30"))
    except ValueError:
        days = 30
    return day, max(7, min(days, 180))


@require("ranking.view")
def charts(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    day, days = _chart_window(request)
    data = chart_data(day, days, _visible_codes(user))
    return render(
        request,
        "ranking/charts.html",
        {
            "day": day,
            "days": days,
            "chart": data.as_json(),
            "coverage_definition": coverage_definition(current_config()),
        },
    )


@require("ranking.view")
def charts_xlsx(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    day, days = _chart_window(request)
    data = chart_data(day, days, _visible_codes(user))
    content = chart_workbook(data)
    audit.record(
        request,
        AuditLog.Action.EXPORT,
        object_type="ranking.chart_data",
        object_id=day.isoformat(),
        reason="导出排名图表数据",
        detail={"days": days, "grids": len(data.grids)},
    )
    return xlsx_response(content, f"ranking-{day.isoformat()}-{days}d.xlsx")


class ImportForm(forms.Form):
    file = forms.FileField(label="注册数据文件（xlsx 或 csv）")
    default_day = forms.DateField(
        label="缺少日期的行按此日期计", required=False, widget=IsoDateInput(), validators=[station_date]
    )


@require("ranking.import")
def imports(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    result = batch = None
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            form.add_error("file", "文件超过 20 MB")
        else:
            try:
                result = import_registrations(
                    upload.read(), upload.name, user=user, default_day=form.cleaned_data["default_day"]
                )
            except UserFacingError as exc:
                form.add_error("file", exc.zh)
            else:
                batch = batch_of(result)
                audit.record(
                    request,
                    AuditLog.Action.CREATE,
                    batch,
                    reason="导入反诈APP注册数据",
                    detail=registration_summary(result, batch.kind),
                )
    recent = RegistrationImport.objects.select_related("imported_by")[:20]
    return render(
        request, "ranking/imports.html", {"form": form, "result": result, "batch": batch, "recent": recent}
    )


class DoorVisitForm(forms.Form):
    who = forms.CharField(label="居民身份证号或手机号", max_length=20)
    day = forms.DateField(label="注册日期", widget=IsoDateInput(), validators=[station_date])


@require("ranking.register")
def door_visit(request: HttpRequest) -> HttpResponse:
    user = current_user(request)
    form = DoorVisitForm(request.POST or None, initial={"day": today()})
    if request.method == "POST" and form.is_valid():
        who = form.cleaned_data["who"].strip().upper()
        residents = scope.visible_residents(user).filter(Q(id_number=who) | Q(phone=who))
        resident = residents.first()
        if resident is None:
            form.add_error("who", "在您负责的警格中找不到该居民")
        elif residents.count() > 1:
            form.add_error("who", "该手机号对应多名居民，请改用身份证号")
        else:
            try:
                outcome = record_door_visit(user, resident, form.cleaned_data["day"])
            except UserFacingError as exc:
                form.add_error("day", exc.zh)
            else:
                if outcome.created:
                    audit.record(
                        request, AuditLog.Action.CREATE, outcome.registration, reason="入户登记反诈APP注册"
                    )
                    messages.success(
                        request, f"已登记：{resident.grid.name}，{form.cleaned_data['day']:%Y-%m-%d}"
                    )
                else:
                    messages.info(
                        request, f"该居民已于{outcome.registration.day:%Y-%m-%d}登记注册，未重复计入"
                    )
                return redirect("ranking:door_visit")
    return render(request, "ranking/door_visit.html", {"form": form})
