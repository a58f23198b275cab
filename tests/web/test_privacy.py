"""Personal data is masked on every page; the full record needs a reason and is audit-logged."""

from __future__ import annotations

import pytest
from django.test import Client

from fanzha.stations import scope
from fanzha.stations.models import AuditLog, Role, User

pytestmark = pytest.mark.django_db


def test_resident_list_shows_masked_values_only(client: Client) -> None:
    officer = User.objects.filter(role=Role.OFFICER).first()
    assert officer is not None
    client.force_login(officer)
    resident = scope.visible_residents(officer).order_by("grid__code", "id").first()
    assert resident is not None
    page = client.get("/residents/").content.decode()
    assert resident.phone not in page
    assert resident.id_number not in page
    assert resident.phone[:3] + "****" + resident.phone[-4:] in page


def test_unmask_needs_a_reason_and_writes_the_audit_log(client: Client) -> None:
    officer = User.objects.filter(role=Role.OFFICER).first()
    assert officer is not None
    client.force_login(officer)
    resident = scope.visible_residents(officer).first()
    assert resident is not None
    refused = client.post(f"/unmask/resident/{resident.pk}/", {"reason": ""})
    assert refused.status_code == 400
    assert not AuditLog.objects.filter(action=AuditLog.Action.VIEW_UNMASKED).exists()
    shown = client.post(f"/unmask/resident/{resident.pk}/", {"reason": "核实预警线索"})
    assert shown.status_code == 200
    assert resident.id_number in shown.content.decode()
    entry = AuditLog.objects.get(action=AuditLog.Action.VIEW_UNMASKED)
    assert (entry.username, entry.object_id, entry.reason) == (
        officer.username,
        str(resident.pk),
        "核实预警线索",
    )


def test_officer_cannot_unmask_a_resident_outside_their_grids(client: Client) -> None:
    officer = User.objects.filter(role=Role.OFFICER).first()
    assert officer is not None
    client.force_login(officer)
    from fanzha.stations.models import Resident

    foreign = Resident.objects.exclude(grid_id__in=scope.grid_ids_of(officer)).first()
    assert foreign is not None
    assert client.post(f"/unmask/resident/{foreign.pk}/", {"reason": "试图越权"}).status_code == 404
    assert not AuditLog.objects.filter(action=AuditLog.Action.VIEW_UNMASKED).exists()


def test_the_admin_browses_the_audit_log_in_the_workbench_and_the_admin_site(client: Client) -> None:
    client.force_login(User.objects.get(username="admin"))
    assert client.get("/audit/").status_code == 200
    assert client.get("/admin/stations/auditlog/").status_code == 200
