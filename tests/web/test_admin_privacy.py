"""The admin site masks personal data like every page; the full record needs a reason and is audit-logged."""

from __future__ import annotations

import re

import pytest
from django.contrib import admin
from django.test import Client
from django.urls import reverse

from fanzha.cases.models import Case, Victim
from fanzha.clues.models import Clue
from fanzha.stations.models import AuditLog, Resident, User

pytestmark = pytest.mark.django_db

# An unmasked mobile or resident ID number anywhere in a page's text.
MOBILE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")
ID_NUMBER = re.compile(r"(?<!\d)\d{17}[\dX](?!\d)")


@pytest.fixture
def admin_client(client: Client) -> Client:
    client.force_login(User.objects.get(username="admin"))
    return client


def _change_url(obj: object, view: str = "change") -> str:
    meta = obj._meta  # type: ignore[attr-defined]
    return reverse(f"admin:{meta.app_label}_{meta.model_name}_{view}", args=[obj.pk])  # type: ignore[attr-defined]


def _personal_numbers() -> set[str]:
    """Residents', victims' and clue targets' phones and ID numbers (fraud numbers are not personal)."""
    numbers: set[str] = set()
    for phone, id_number in Resident.objects.values_list("phone", "id_number"):
        numbers |= {phone, id_number}
    for phone, id_number in Victim.objects.values_list("phone", "id_number"):
        numbers |= {phone, id_number}
    for phone, id_number in Clue.objects.values_list("target_phone", "target_id_number"):
        numbers |= {phone, id_number}
    return numbers - {""}


def test_every_admin_list_and_change_page_shows_no_full_phone_or_id_number(admin_client: Client) -> None:
    personal = _personal_numbers()
    for model, _model_admin in admin.site._registry.items():
        meta = model._meta
        listing = admin_client.get(reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist"))
        assert listing.status_code == 200, meta.label
        pages = [listing.content.decode()]
        obj = model._default_manager.order_by("pk").first()
        if obj is not None:
            change = admin_client.get(_change_url(obj))
            assert change.status_code == 200, meta.label
            pages.append(change.content.decode())
        for page in pages:
            for pattern in (MOBILE, ID_NUMBER):
                for found in pattern.finditer(page):
                    context = page[max(found.start() - 150, 0) : found.end() + 20]
                    assert found.group() not in personal, (meta.label, context)


def test_a_resident_in_admin_is_masked_until_a_reason_is_given(admin_client: Client) -> None:
    resident = Resident.objects.exclude(phone="").order_by("pk").first()
    assert resident is not None
    url = _change_url(resident)
    page = admin_client.get(url).content.decode()
    for value in (resident.name, resident.id_number, resident.phone):
        assert value not in page
    assert "查看完整信息" in page
    # the masked form cannot overwrite the personal fields either
    assert 'name="id_number"' not in page

    full_url = _change_url(resident, "full")
    assert admin_client.post(full_url, {"reason": ""}).status_code == 400
    assert not AuditLog.objects.filter(action=AuditLog.Action.VIEW_UNMASKED).exists()
    response = admin_client.post(full_url, {"reason": "更正户籍信息"})
    assert response.status_code == 302 and response["Location"] == url
    entry = AuditLog.objects.get(action=AuditLog.Action.VIEW_UNMASKED)
    assert (entry.username, entry.object_type, entry.object_id, entry.reason) == (
        "admin",
        "stations.Resident",
        str(resident.pk),
        "更正户籍信息",
    )
    assert entry.detail["via"] == "admin" and entry.ip
    page = admin_client.get(url).content.decode()
    assert resident.id_number in page and 'name="id_number"' in page
    # the grant is for that one record only
    other = Resident.objects.exclude(pk=resident.pk).order_by("pk").first()
    assert other is not None
    assert other.id_number not in admin_client.get(_change_url(other)).content.decode()


def test_case_narrative_and_victims_are_masked_in_admin(admin_client: Client) -> None:
    victim = Victim.objects.exclude(phone="").select_related("case").order_by("pk").first()
    assert victim is not None
    page = admin_client.get(_change_url(victim.case)).content.decode()
    assert victim.name not in page
    assert victim.phone not in page
    assert victim.case.narrative not in page
    admin_client.post(_change_url(victim.case, "full"), {"reason": "核对受害人电话"})
    page = admin_client.get(_change_url(victim.case)).content.decode()
    assert victim.phone in page
    assert AuditLog.objects.filter(
        action=AuditLog.Action.VIEW_UNMASKED, object_type="cases.Case", object_id=str(victim.case.pk)
    ).exists()


def test_clue_targets_are_masked_in_admin(admin_client: Client) -> None:
    clue = Clue.objects.exclude(target_phone="").exclude(target_name="").order_by("pk").first()
    assert clue is not None
    page = admin_client.get(_change_url(clue)).content.decode()
    assert clue.target_phone not in page
    assert clue.target_name not in page


def test_a_case_without_a_grant_has_no_editable_narrative(admin_client: Client) -> None:
    case = Case.objects.order_by("pk").first()
    assert case is not None
    page = admin_client.get(_change_url(case)).content.decode()
    assert 'name="narrative"' not in page
