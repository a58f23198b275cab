"""POST /api/v1/clues/: one token per source system, idempotent by (source, source_id)."""

from __future__ import annotations

import json

import pytest

from fanzha.clues.models import Clue, SourceSystem
from fanzha.stations.models import Resident

pytestmark = pytest.mark.django_db
URL = "/api/v1/clues/"


@pytest.fixture
def token() -> str:
    system = SourceSystem(name="96110 平台", source="96110")
    value = system.issue_token()
    system.save()
    return value


def payload(resident: Resident, source_id: str = "HX-API-1") -> dict:
    return {
        "clues": [
            {
                "source_id": source_id,
                "received_at": "2026-11-20T10:00:00+08:00",
                "target_name": resident.name,
                "target_id_number": resident.id_number,
                "kind": "被涉诈电话呼叫",
                "fraud_identifier": "17012345678",
                "amount_yuan": "20000.50",
            }
        ]
    }


def post(client, body: dict, token: str | None):  # type: ignore[no-untyped-def]
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token is not None else {}
    return client.post(URL, data=json.dumps(body), content_type="application/json", **headers)


def test_without_token_or_with_a_wrong_one_nothing_is_stored(client, token) -> None:  # type: ignore[no-untyped-def]
    resident = Resident.objects.order_by("id").first()
    assert post(client, payload(resident), None).status_code == 401
    assert post(client, payload(resident), "fz_wrong").status_code == 401
    assert post(client, payload(resident), token[:-1]).status_code == 401
    assert not Clue.objects.filter(source_id="HX-API-1").exists()


def test_a_deactivated_system_is_refused(client, token) -> None:  # type: ignore[no-untyped-def]
    SourceSystem.objects.update(is_active=False)
    assert post(client, payload(Resident.objects.first()), token).status_code == 401


def test_posting_twice_creates_one_clue_matched_to_the_resident(client, token) -> None:  # type: ignore[no-untyped-def]
    resident = Resident.objects.order_by("id")[5]
    first = post(client, payload(resident), token)
    assert first.status_code == 200, first.content
    body = first.json()
    assert body["created"] == 1 and body["matched"] == 1 and body["duplicates"] == 0
    clue = Clue.objects.get(source="96110", source_id="HX-API-1")
    assert clue.resident_id == resident.pk and clue.amount_fen == 2000050 and clue.grade == "red"
    assert clue.batch is not None and clue.batch.source_system is not None
    assert body["results"] == [
        {"source_id": "HX-API-1", "clue_id": clue.pk, "state": "matched", "reason": ""}
    ]

    second = post(client, payload(resident), token).json()
    assert second["created"] == 0 and second["duplicates"] == 1
    assert second["results"][0]["state"] == "duplicate" and second["results"][0]["clue_id"] == clue.pk
    assert Clue.objects.filter(source_id="HX-API-1").count() == 1

    status = client.get(URL + "HX-API-1", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert status.status_code == 200 and status.json()["status"] == "dispatched"


def test_the_token_not_the_body_decides_the_source(client, token) -> None:  # type: ignore[no-untyped-def]
    other = SourceSystem(name="某银行", source="银行")
    other_token = other.issue_token()
    other.save()
    resident = Resident.objects.order_by("id")[6]
    post(client, payload(resident, "SAME-1"), token)
    post(client, payload(resident, "SAME-1"), other_token)
    assert set(Clue.objects.filter(source_id="SAME-1").values_list("source", flat=True)) == {"96110", "银行"}
    # The bank cannot read the 96110 platform's clue status.
    assert client.get(URL + "HX-API-1", HTTP_AUTHORIZATION=f"Bearer {other_token}").status_code == 404


def test_two_systems_with_the_same_source_label_keep_their_clues_apart(client, token) -> None:  # type: ignore[no-untyped-def]
    """Two banks both write 来源 96110-style labels; the key is the system, not the label."""
    twin = SourceSystem(name="另一家银行", source="96110")
    twin_token = twin.issue_token()
    twin.save()
    resident = Resident.objects.order_by("id")[3]
    first = post(client, payload(resident, "0001"), token).json()
    second = post(client, payload(resident, "0001"), twin_token).json()
    assert first["created"] == 1 and second["created"] + second["merged"] == 1
    assert second["results"][0]["state"] != "duplicate"
    assert Clue.objects.filter(source_id="0001", source="96110").count() == 2
    post(client, payload(resident, "ONLY-FIRST"), token)
    assert client.get(URL + "ONLY-FIRST", HTTP_AUTHORIZATION=f"Bearer {twin_token}").status_code == 404
    assert client.get(URL + "ONLY-FIRST", HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 200
    # and each resend is still a duplicate of that system's own clue
    again = post(client, payload(resident, "0001"), twin_token).json()
    assert again["results"][0] == {**second["results"][0], "state": "duplicate", "reason": "来源编号重复"}


def test_a_file_clue_with_the_same_label_is_not_the_systems_clue(client, token) -> None:  # type: ignore[no-untyped-def]
    from datetime import UTC, datetime

    from fanzha.clues.intake import ClueInput, receive_clues

    receive_clues(
        [ClueInput(source="96110", source_id="FILE-7", received_at=datetime(2026, 11, 1, tzinfo=UTC))]
    )
    assert client.get(URL + "FILE-7", HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 404


def test_openapi_documents_the_endpoint(client) -> None:  # type: ignore[no-untyped-def]
    schema = client.get("/api/v1/openapi.json").json()
    assert "/api/v1/clues/" in schema["paths"]
    assert "post" in schema["paths"]["/api/v1/clues/"]


def test_a_formula_sent_in_a_clue_is_inert_text_in_the_analysis_export(client, token) -> None:  # type: ignore[no-untyped-def]
    from django.contrib.auth import get_user_model

    from fanzha.stations.models import Role
    from tests.domain.test_xlsx_export import formulas_in

    hostile = payload(Resident.objects.order_by("id")[7], "FORMULA-1")
    hostile["clues"][0].update(
        kind="=cmd|' /C calc'!A0", fraud_identifier='=HYPERLINK("http://evil.example","点此")'
    )
    assert post(client, hostile, token).status_code == 200
    client.force_login(get_user_model().objects.filter(role=Role.COMMAND_ROOM).first())
    export = client.get("/clues/analysis/?from=2020-01-01&to=2030-01-01&export=xlsx")
    assert export.status_code == 200
    assert b"=cmd|' /C calc'!A0" in _sheet_text(export.content)
    assert formulas_in(export.content) == []


def _sheet_text(content: bytes) -> bytes:
    import io
    import zipfile

    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return b"".join(archive.read(n) for n in archive.namelist() if n.startswith("xl/"))
