"""The admin shows and takes money in yuan, not raw fen."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from fanzha.cases.models import Case
from fanzha.stations.models import User
from fanzha.web.money_admin import YuanField

pytestmark = pytest.mark.django_db


def test_the_case_admin_shows_losses_in_yuan(client: Client) -> None:
    client.force_login(User.objects.get(username="admin"))
    case = Case.objects.filter(loss_fen__gt=100_000).order_by("pk").first()
    assert case is not None
    listing = client.get("/admin/cases/case/").content.decode()
    assert "损失（元）" in listing
    whole, cents = divmod(case.loss_fen, 100)
    assert f"{whole:,}.{cents:02d}" in listing
    form = client.get(f"/admin/cases/case/{case.pk}/change/").content.decode()
    assert "损失（元，下限）" in form and "（分" not in form
    field = re.search(r'<input[^>]*name="loss_fen"[^>]*>', form)
    assert field is not None and f'value="{whole}.{cents:02d}"' in field.group()


def test_a_yuan_field_stores_fen() -> None:
    field = YuanField(required=False)
    assert field.clean("96,108.50") == 9610850
    assert field.clean("") is None
    assert str(field.prepare_value(9610850)) == "96108.50"
