"""Case intake over HTTP: the machine draft of a narrative, and a case with its links.

Signed-in session (django_auth); grid workers are refused, and a case is only returned when the
user's scope covers it. Money is in yuan (strings, exact), times ISO 8601 in Asia/Shanghai.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Field, Router, Schema

from fanzha.cases import drafting, linking
from fanzha.domain.masking import mask_name, mask_text
from fanzha.stations import scope
from fanzha.web.permissions import PolicyAuth, current_user

router = Router(tags=["案件"], auth=PolicyAuth("cases.view"))


class ExtractIn(Schema):
    text: str = Field(..., min_length=1, max_length=8000, description="简要案情原文")
    reported_at: datetime | None = Field(None, description="报案时间；用于推算“次日”“今年5月”等")


@router.post("/extract", summary="识别简要案情（不保存）", auth=PolicyAuth("cases.create"))
def extract_draft(request: HttpRequest, payload: ExtractIn) -> dict[str, Any]:
    """The draft the new-case page shows: fields, spans to highlight, warnings, classification."""
    return drafting.make_draft(payload.text, payload.reported_at)


@router.get("/{pk}", summary="案件（脱敏）及串并关联")
def case_detail(request: HttpRequest, pk: int) -> dict[str, Any]:
    user = current_user(request)
    case = get_object_or_404(scope.visible_cases(user).prefetch_related("transfers", "victims"), pk=pk)
    links = linking.links_of(case, user)
    return {
        "id": case.pk,
        "case_no": case.case_no,
        "status": case.status,
        "reported_at": case.reported_at.isoformat(),
        "occurred_at": case.occurred_at.isoformat() if case.occurred_at else None,
        "occurred_until": case.occurred_until.isoformat() if case.occurred_until else None,
        "category": case.category,
        "tags": case.tags,
        "grid": case.grid.code if case.grid else None,
        "loss_yuan": drafting.yuan_text(case.loss_fen) or None,
        "loss_max_yuan": drafting.yuan_text(case.loss_max_fen) or None,
        "narrative_masked": mask_text(case.narrative),
        "victims": [mask_name(v.name) for v in case.victims.all()],
        "transfers": [
            {"seq": t.seq, "amount_yuan": drafting.yuan_text(t.amount_fen), "means": t.means}
            for t in case.transfers.all()
        ],
        "corrections": sorted((case.corrections or {}).keys()),
        "linked_cases": [
            {
                "id": lc.case.pk,
                "case_no": lc.case.case_no,
                "shared": [{"kind": i.kind, "noun": linking.identifier_noun(i.kind)} for i in lc.identifiers],
            }
            for lc in links.linked
        ],
    }
