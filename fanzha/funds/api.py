"""Money-trail endpoints (``/api/v1/funds/``): the store's summary, a trace run (started here or
read back), the freeze list of a run, and 断卡 candidates.

Signed-in session (django_auth); only investigators, the command room, leaders and admins.
Account numbers are masked except in the freeze list, which banks need in full and which is
audit-logged as an export. Money in yuan (strings, exact); times Asia/Shanghai.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field, Router, Schema
from ninja.errors import HttpError

from fanzha.domain.masking import mask_card, mask_phone
from fanzha.domain.query_args import check_moment
from fanzha.domain.values.money import fen_of_yuan, format_yuan
from fanzha.errors import UserFacingError
from fanzha.funds import candidates, tracing
from fanzha.funds.models import TraceRun
from fanzha.funds.store import store_summary
from fanzha.stations import audit, scope
from fanzha.stations.models import AuditLog, User
from fanzha.web.permissions import PolicyAuth, current_user

router = Router(tags=["资金查控"], auth=PolicyAuth("funds.trace"))


def _yuan(fen: int | None) -> str | None:
    return None if fen is None else format_yuan(fen, decimals="trimmed")


def _run_out(run: TraceRun) -> dict[str, Any]:
    trace = run.trace
    return {
        "id": run.pk,
        "case_no": run.case.case_no if run.case else None,
        "rule": run.rule,
        "max_depth": run.max_depth,
        "start_yuan": _yuan(trace.start_fen),
        "accounts": [
            {
                "account": tracing.display_account(a.account),
                "depth": a.depth,
                "depth_label": a.depth_label,
                "amount_yuan": _yuan(a.amount_fen),
                "held_yuan": _yuan(a.held_fen),
                "balance_yuan": _yuan(a.balance_fen),
                "first_at": a.first_at,
                "bank": a.bank,
                "region": a.region,
                "is_sink": a.is_sink,
                "has_statement": a.has_statement,
            }
            for a in trace.accounts
        ],
        "regions": [
            {
                "region": r.region,
                "accounts": r.accounts,
                "received_yuan": _yuan(r.received_fen),
                "held_yuan": _yuan(r.held_fen),
            }
            for r in trace.regions
        ],
    }


def _visible_run(user: User, pk: int) -> TraceRun:
    run = get_object_or_404(TraceRun.objects.select_related("case"), pk=pk)
    if run.case_id is not None and not scope.visible_cases(user).filter(pk=run.case_id).exists():
        raise HttpError(404, "找不到该追踪记录")
    return run


@router.get("/store", summary="流水库概况")
def summary(request: HttpRequest) -> dict[str, int]:
    current_user(request)
    return store_summary()


class TraceIn(Schema):
    case_id: int | None = Field(None, description="案件 ID；不填 account 时从案件的转账记录追踪")
    account: str = Field("", max_length=60, description="起始账户（受害人账户或一级卡）")
    after: datetime | None = Field(None, description="起算时间")
    amount_yuan: Decimal | None = Field(
        None, gt=0, max_digits=14, decimal_places=2, description="金额上限（元）"
    )
    rule: str = Field("libr", pattern="^(libr|proportional)$")
    max_depth: int = Field(6, ge=1, le=12)
    window_hours: int | None = Field(None, ge=1, le=24 * 366, description="每跳时间窗（小时，最长一年）")


@router.post("/trace", summary="追踪资金流向（保存为追踪记录）")
def trace(request: HttpRequest, payload: TraceIn) -> dict[str, Any]:
    user = current_user(request)
    if payload.after is not None:
        check_moment(payload.after, "起算时间")
    case = None
    if payload.case_id is not None:
        case = scope.visible_cases(user).filter(pk=payload.case_id).first()
        if case is None:
            raise HttpError(404, "找不到该案件")
    if case is None and not payload.account:
        raise HttpError(422, "请提供 case_id 或 account")
    try:
        run = tracing.run_trace(
            user=user,
            case=case,
            options=tracing.TraceOptions(payload.rule, payload.max_depth, payload.window_hours),
            account=payload.account,
            after=payload.after,
            amount_fen=fen_of_yuan(payload.amount_yuan) if payload.amount_yuan is not None else None,
        )
    except UserFacingError as exc:
        raise HttpError(422, exc.zh) from exc
    return _run_out(run)


@router.get("/runs/{pk}", summary="追踪记录（账号脱敏）")
def run_detail(request: HttpRequest, pk: int) -> dict[str, Any]:
    return _run_out(_visible_run(current_user(request), pk))


@router.get("/runs/{pk}/freeze", summary="止付冻结清单（完整账号，记录审计日志）")
def freeze(request: HttpRequest, pk: int) -> list[dict[str, Any]]:
    run = _visible_run(current_user(request), pk)
    audit.record(
        request, AuditLog.Action.EXPORT, run, reason="API 止付冻结清单", detail={"kind": "freeze_api"}
    )
    return [
        {
            "rank": rank,
            "account": item.account,
            "depth": item.depth,
            "amount_yuan": _yuan(item.amount_fen),
            "hours_since_arrival": item.hours_since_arrival,
            "bank": item.bank,
            "region": item.region,
            "reason": item.reason,
            # Counted when asked, from the first arrival (the stored figure was the trace's).
            "first_at": item.first_at,
            "days_since_arrival": item.days_since_arrival,
        }
        for rank, item in enumerate(run.trace.freeze_rows(), start=1)
    ]


@router.get("/candidates", summary="断卡线索（脱敏）")
def candidate_list(request: HttpRequest) -> dict[str, Any]:
    user = current_user(request)
    return {
        "accounts": [
            {"account": mask_card(c.value), "bank": c.bank, "cases": len(c.cases), "reasons": c.reasons}
            for c in candidates.account_candidates(user)
        ],
        "phones": [
            {"phone": mask_phone(c.value), "cases": len(c.cases), "reasons": c.reasons}
            for c in candidates.phone_candidates(user)
        ],
    }
