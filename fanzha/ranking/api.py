"""HTTP API of the ranking app (``/api/v1/ranking/``): the day's ranking, coverage by age band,
and registration imports. Session authentication; a grid officer gets their own grids only."""

from __future__ import annotations

from datetime import date

from django.http import HttpRequest
from ninja import File, Router, Schema
from ninja.errors import HttpError
from ninja.files import UploadedFile

from fanzha.domain.query_args import check_day
from fanzha.domain.tabular import check_table_size
from fanzha.errors import UserFacingError
from fanzha.ranking.services.figures import coverage_by_age_band, current_config, daily_ranking
from fanzha.ranking.services.imports import batch_of, import_registrations
from fanzha.ranking.services.imports import summary as registration_summary
from fanzha.stations import audit, scope
from fanzha.stations.models import AuditLog, User
from fanzha.web.permissions import PolicyAuth, current_user

router = Router(tags=["ranking"], auth=PolicyAuth("ranking.view"))


class RankingRow(Schema):
    grid: str
    name: str
    rank: int
    rank_change: int | None
    score: float
    coverage: float
    registered: int
    base: int
    new_registrations: int
    clues_due: int
    clues_in_time: int
    dissuasion_success_rate: float | None
    cases_this_month: int
    cases_last_month_same_period: int
    flagged: bool
    reasons: list[str]


class BandRow(Schema):
    grid: str
    band: str
    registered: int
    base: int
    coverage: float


class ImportSummary(Schema):
    file: str
    kind: str
    already_imported: bool
    rows: int
    added: int
    updated: int
    unchanged: int
    rejected: int
    rejects: list[tuple[int, str]]


def _codes(user: User) -> set[str] | None:
    if not user.is_grid_scoped:
        return None
    return set(scope.visible_grids(user).values_list("code", flat=True))


@router.get("/daily", response=list[RankingRow], summary="某日警格排名（每日一对比）")
def daily(request: HttpRequest, date: date) -> list[RankingRow]:
    check_day(date)
    codes = _codes(current_user(request))
    rows = []
    for r in daily_ranking(date):
        if codes is not None and r.grid not in codes:
            continue
        f = r.figures
        rows.append(
            RankingRow(
                **r.as_json() | {"score": round(r.score, 2), "coverage": round(f.coverage, 4)},
                name=f.name,
                rank_change=r.rank_change,
                registered=f.registered,
                base=f.base,
                clues_due=f.clues_due,
                clues_in_time=f.clues_in_time,
                dissuasion_success_rate=(
                    round(f.clues_stopped / f.dissuasion_attempts, 4) if f.dissuasion_attempts else None
                ),
                cases_this_month=f.cases_this_month,
                cases_last_month_same_period=f.cases_last_month_same_period,
            )
        )
    return rows


@router.get("/coverage", response=list[BandRow], summary="分年龄段注册覆盖率")
def coverage(request: HttpRequest, date: date) -> list[BandRow]:
    check_day(date)
    user = current_user(request)
    grid_ids = None if _codes(user) is None else list(scope.visible_grids(user).values_list("pk", flat=True))
    out: list[BandRow] = []
    for code, bands in coverage_by_age_band(date, grid_ids, current_config()).items():
        out.extend(
            BandRow(
                grid=code, band=b.label, registered=b.registered, base=b.base, coverage=round(b.coverage, 4)
            )
            for b in bands
        )
    return out


@router.post(
    "/imports",
    response=ImportSummary,
    summary="导入反诈APP注册数据（xlsx/csv）",
    auth=PolicyAuth("ranking.import"),
)
def create_import(
    request: HttpRequest,
    file: UploadedFile = File(...),  # noqa: B008 - django-ninja declares uploads this way
    default_day: date | None = None,
) -> ImportSummary:
    user = current_user(request)
    if default_day is not None:
        check_day(default_day, "默认日期")
    try:
        check_table_size(file.size or 0, file.name or "upload")
    except UserFacingError as exc:
        raise HttpError(413, exc.zh) from exc
    try:
        result = import_registrations(file.read(), file.name or "upload", user=user, default_day=default_day)
    except UserFacingError as exc:
        raise HttpError(400, exc.zh) from exc
    batch = batch_of(result)
    summary = registration_summary(result, batch.kind)
    audit.record(request, AuditLog.Action.CREATE, batch, reason="API导入反诈APP注册数据", detail=summary)
    return ImportSummary.model_validate({**summary, "rejects": [(r.line, r.reason) for r in result.rejected]})
