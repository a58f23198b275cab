"""A row an import could not read stays listed until a person closes it with a note, audit-logged."""

from __future__ import annotations

import pytest
from django.test import Client

from fanzha.clues.models import ClueBatch, ClueReject
from fanzha.stations.models import AuditLog, Role, User

pytestmark = pytest.mark.django_db


def test_command_room_closes_a_reject_with_a_note(client: Client) -> None:
    batch = ClueBatch.objects.create(channel="file", name="上级下发.csv")
    reject = ClueReject.objects.create(batch=batch, line=7, raw="张三,,,", reason="缺少手机号和身份证号")
    client.force_login(User.objects.filter(role=Role.COMMAND_ROOM).first())  # type: ignore[arg-type]
    assert "缺少手机号和身份证号" in client.get("/clues/rejects/").content.decode()
    response = client.post("/clues/rejects/", {"reject": reject.pk, "note": "已电话核实，人工补录"})
    assert response.status_code == 302
    reject.refresh_from_db()
    assert reject.resolved and reject.resolved_note == "已电话核实，人工补录"
    entry = AuditLog.objects.get(action=AuditLog.Action.CHANGE, object_id=str(reject.pk))
    assert entry.detail == {"note": "已电话核实，人工补录"}
    assert "缺少手机号和身份证号" not in client.get("/clues/rejects/").content.decode()


def test_closing_an_unknown_reject_is_a_404(client: Client) -> None:
    client.force_login(User.objects.filter(role=Role.COMMAND_ROOM).first())  # type: ignore[arg-type]
    assert client.post("/clues/rejects/", {"reject": 999999, "note": "x"}).status_code == 404
