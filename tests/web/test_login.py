"""Login uses argon2 hashes and locks an account after repeated failures, all audit-logged."""

from __future__ import annotations

import pytest
from django.test import Client

from fanzha.county_loader import DEMO_PASSWORD
from fanzha.stations.models import AuditLog, Role, User

pytestmark = pytest.mark.django_db


def test_passwords_are_argon2_hashes() -> None:
    assert User.objects.get(username="leader").password.startswith("argon2")


def test_login_success_is_audited_and_lands_on_the_role_home(client: Client) -> None:
    response = client.post("/login/", {"username": "leader", "password": DEMO_PASSWORD}, follow=True)
    assert response.status_code == 200
    assert "所领导工作台" in response.content.decode()
    assert AuditLog.objects.filter(action=AuditLog.Action.LOGIN, username="leader").exists()


def test_account_locks_after_five_failures_even_with_the_right_password(client: Client) -> None:
    user = User.objects.filter(role=Role.OFFICER).first()
    assert user is not None
    for _ in range(5):
        response = client.post("/login/", {"username": user.username, "password": "wrong-password"})
        assert response.status_code == 200
    user.refresh_from_db()
    assert user.locked_until is not None
    response = client.post("/login/", {"username": user.username, "password": DEMO_PASSWORD})
    assert "账户已锁定" in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert AuditLog.objects.filter(action=AuditLog.Action.LOCKED, username=user.username).count() == 1
    assert AuditLog.objects.filter(action=AuditLog.Action.LOGIN_FAILED, username=user.username).count() == 5


def test_pages_require_login(client: Client) -> None:
    for path in ("/", "/residents/", "/clues/", "/cases/", "/audit/"):
        response = client.get(path)
        assert response.status_code == 302
        assert response["Location"].startswith("/login/")
