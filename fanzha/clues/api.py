"""Clue intake over HTTP for source systems (96110 platform, banks, operators, the county bureau).

Each system has its own bearer token (admin: 线索来源系统); the token decides the clue's
source, so one system cannot write clues in another's name. Posting is idempotent by
(system, source_id): sending a clue again returns the clue already stored. Clues are keyed on the
system itself, not on its source label, so two systems that both write 银行 neither swallow each
other's clue "0001" as a duplicate nor read each other's status.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Router, Schema, Status
from ninja.security import HttpBearer

from fanzha.clues.intake import ClueInput, IntakeState, receive_clues
from fanzha.clues.models import Clue, ClueBatch, SourceSystem
from fanzha.domain.clue_rules import reported_fields
from fanzha.domain.query_args import check_moment
from fanzha.domain.values.money import fen_of_yuan
from fanzha.stations import audit
from fanzha.stations.models import AuditLog

PREFIX = "/clues/"
MAX_CLUES_PER_CALL = 5000


class SourceToken(HttpBearer):
    openapi_description = (
        "每个来源系统一个令牌（系统管理 → 线索来源系统 → 生成新令牌）。Authorization: Bearer <token>"
    )

    def authenticate(self, request: HttpRequest, token: str) -> SourceSystem | None:
        return SourceSystem.authenticate(token)


router = Router(tags=["预警线索"], auth=SourceToken())


class ClueIn(Schema):
    source_id: str = Field(..., min_length=1, max_length=64, description="来源系统内的线索编号（幂等键）")
    received_at: datetime = Field(..., description="下发/接收时间；无时区时按北京时间")
    target_name: str = Field("", max_length=50, description="对象姓名")
    target_phone: str = Field("", max_length=20, description="对象手机号")
    target_id_number: str = Field("", max_length=18, description="对象身份证号")
    target_address: str = Field("", max_length=200, description="对象地址")
    kind: str = Field(
        ...,
        max_length=30,
        description="线索类型，如 被涉诈电话呼叫、安装涉诈APP、访问涉诈网址、向涉案账户转账",
    )
    fraud_identifier: str = Field("", max_length=200, description="涉诈号码/账户/网址/APP")
    suspected_category: str = Field("", max_length=40, description="疑似诈骗类别")
    amount_yuan: Decimal | None = Field(
        None, ge=0, max_digits=14, decimal_places=2, description="涉及金额（元）"
    )


class ClueBatchIn(Schema):
    clues: list[ClueIn] = Field(..., min_length=1, max_length=MAX_CLUES_PER_CALL)


class ClueResultOut(Schema):
    source_id: str
    clue_id: int | None
    state: str = Field(
        ..., description="matched 已匹配下发 / queued 待人工匹配 / merged 已合并 / duplicate 重复（已收到过）"
    )
    reason: str


class IntakeOut(Schema):
    created: int
    duplicates: int
    matched: int
    queued: int
    merged: int
    results: list[ClueResultOut]


class ClueStatusOut(Schema):
    source_id: str
    clue_id: int
    status: str
    grade: str
    deadline: datetime | None
    outcome: str
    first_contact_at: datetime | None
    closed_at: datetime | None


class ErrorOut(Schema):
    detail: str


def _aware(moment: datetime) -> datetime:
    return moment if timezone.is_aware(moment) else timezone.make_aware(moment)


@router.post("", response={200: IntakeOut, 401: ErrorOut}, summary="推送预警线索（幂等）")
def post_clues(request: HttpRequest, payload: ClueBatchIn) -> IntakeOut:
    """Store, match and dispatch clues. A clue whose source_id this system already sent is
    reported as ``duplicate`` with the id of the stored clue; nothing is created twice."""
    system: SourceSystem = request.auth  # type: ignore[attr-defined]
    for c in payload.clues:
        check_moment(c.received_at, f"线索 {c.source_id} 的接收时间")
    inputs = [
        ClueInput(
            source=system.source,
            source_id=c.source_id,
            received_at=_aware(c.received_at),
            **reported_fields(c),
            amount_fen=fen_of_yuan(c.amount_yuan) if c.amount_yuan is not None else None,
            raw={"api": system.name},
            source_system_id=system.pk,
        )
        for c in payload.clues
    ]
    with transaction.atomic():
        result = receive_clues(inputs)
        new_ids = [o.clue_id for o in result.outcomes if o.state != IntakeState.DUPLICATE and o.clue_id]
        if new_ids:
            batch = ClueBatch.objects.create(
                channel=ClueBatch.Channel.API,
                name=system.name,
                source_system=system,
                summary=result.summary(),
                rows=len(inputs),
                created=result.created,
                duplicates=result.duplicates,
            )
            Clue.objects.filter(pk__in=new_ids).update(batch=batch)
            audit.record(
                None,
                AuditLog.Action.CREATE,
                batch,
                reason=f"接口推送预警线索（{system.name}）",
                detail=result.summary(),
                username=f"api:{system.name}",
            )
    return IntakeOut(
        **result.summary(),
        results=[
            ClueResultOut(source_id=o.source_id, clue_id=o.clue_id, state=o.state.value, reason=o.reason)
            for o in result.outcomes
        ],
    )


@router.get(
    "{source_id}", response={200: ClueStatusOut, 401: ErrorOut, 404: ErrorOut}, summary="查询线索处置状态"
)
def clue_status(request: HttpRequest, source_id: str) -> Status[ClueStatusOut | ErrorOut]:
    """The handling status of a clue this system sent (no personal data returned)."""
    system: SourceSystem = request.auth  # type: ignore[attr-defined]
    clue = Clue.objects.filter(source_system=system, source_id=source_id).first()
    if clue is None:
        return Status(404, ErrorOut(detail="未找到该线索 / no such clue from this source"))
    return Status(
        200,
        ClueStatusOut(
            source_id=clue.source_id,
            clue_id=clue.pk,
            status=clue.status,
            grade=clue.grade,
            deadline=clue.deadline,
            outcome=clue.outcome,
            first_contact_at=clue.first_contact_at,
            closed_at=clue.closed_at,
        ),
    )
