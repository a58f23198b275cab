"""Login uses argon2 hashes and locks an account after repeated failures, all audit-logged."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

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
    assert "暂时锁定" in response.content.decode()
    assert "_auth_user_id" not in client.session
    assert AuditLog.objects.filter(action=AuditLog.Action.LOCKED, username=user.username).count() == 1
    # five wrong passwords, then the right one refused because of the lock
    assert AuditLog.objects.filter(action=AuditLog.Action.LOGIN_FAILED, username=user.username).count() == 6


def _error_text(response: Any) -> str:
    match = re.search(r'role="alert">(.*?)</div>', response.content.decode(), re.S)
    assert match, "no login error shown"
    return match.group(1)


def test_a_locked_account_answers_like_an_unknown_user(client: Client) -> None:
    user = User.objects.filter(role=Role.OFFICER).order_by("username").first()
    assert user is not None
    for _ in range(5):
        client.post("/login/", {"username": user.username, "password": "wrong-password"})
    locked = _error_text(client.post("/login/", {"username": user.username, "password": DEMO_PASSWORD}))
    unknown = _error_text(client.post("/login/", {"username": "no-such-user", "password": DEMO_PASSWORD}))
    assert locked == unknown
    assert "已锁定" not in locked


def test_admin_login_is_the_same_login_with_its_lock_out(client: Client) -> None:
    assert client.get("/admin/login/?next=/admin/")["Location"] == "/login/?next=%2Fadmin%2F"
    for _ in range(5):
        client.post("/login/", {"username": "admin", "password": "wrong-password"})
    response = client.post("/admin/login/?next=/admin/", {"username": "admin", "password": DEMO_PASSWORD})
    assert "_auth_user_id" not in client.session
    assert response.status_code == 302 and response["Location"].startswith("/login/")
    assert client.get("/admin/")["Location"].startswith("/admin/login/")


def test_the_admin_site_is_reached_through_the_workbench_login(client: Client) -> None:
    response = client.post(
        "/login/", {"username": "admin", "password": DEMO_PASSWORD, "next": "/admin/"}, follow=True
    )
    assert response.status_code == 200
    assert response.redirect_chain[-1][0] == "/admin/"
    assert AuditLog.objects.filter(action=AuditLog.Action.LOGIN, username="admin").exists()


def test_an_officer_on_the_admin_site_gets_403_not_a_redirect_loop(client: Client) -> None:
    officer = User.objects.filter(role=Role.OFFICER).order_by("username").first()
    assert officer is not None
    client.force_login(officer)
    assert client.get("/admin/login/?next=/admin/").status_code == 403


def test_a_burst_of_guesses_is_counted_while_each_is_being_checked(monkeypatch: pytest.MonkeyPatch) -> None:
    """Sixteen guesses arrive while the first passwords are still being hashed: only the limit of
    them is ever checked, the right password at the end is refused and one lock is written."""
    from django.contrib.auth import forms as auth_forms

    from fanzha.web.login import LockingAuthenticationForm

    user = User.objects.filter(role=Role.OFFICER).order_by("username").first()
    assert user is not None
    real_authenticate = auth_forms.authenticate
    burst = ["wrong-password"] * 15 + [DEMO_PASSWORD]
    checked: list[str] = []
    accepted: list[str] = []

    def attempt(password: str) -> None:
        form = LockingAuthenticationForm(data={"username": user.username, "password": password})
        if form.is_valid():
            accepted.append(password)

    def slow_authenticate(request: Any, **credentials: Any) -> Any:
        checked.append(credentials["password"])
        while burst:  # the rest of the burst arrives while this hash is being computed
            attempt(burst.pop(0))
        return real_authenticate(request, **credentials)

    monkeypatch.setattr(auth_forms, "authenticate", slow_authenticate)
    attempt(burst.pop(0))
    assert accepted == []
    assert len(checked) == 5
    user.refresh_from_db()
    assert user.locked_until is not None
    assert AuditLog.objects.filter(action=AuditLog.Action.LOCKED, username=user.username).count() == 1


def test_a_failure_that_ends_late_does_not_lift_a_lock(monkeypatch: pytest.MonkeyPatch) -> None:
    from django.contrib.auth import forms as auth_forms

    from fanzha.web.login import LockingAuthenticationForm

    user = User.objects.filter(role=Role.OFFICER).order_by("username").first()
    assert user is not None
    real_authenticate = auth_forms.authenticate
    state = {"nested": False}

    def slow_authenticate(request: Any, **credentials: Any) -> Any:
        if not state["nested"]:
            state["nested"] = True
            User.objects.filter(pk=user.pk).update(locked_until=timezone.now() + timedelta(minutes=15))
        return real_authenticate(request, **credentials)

    monkeypatch.setattr(auth_forms, "authenticate", slow_authenticate)
    form = LockingAuthenticationForm(data={"username": user.username, "password": "wrong-password"})
    assert not form.is_valid()
    user.refresh_from_db()
    assert user.locked_until is not None and user.locked_until > timezone.now()
    # and the right password checked while the lock was set is refused too
    state["nested"] = False
    User.objects.filter(pk=user.pk).update(locked_until=None, failed_logins=0)
    form = LockingAuthenticationForm(data={"username": user.username, "password": DEMO_PASSWORD})
    assert not form.is_valid()


def test_pages_require_login(client: Client) -> None:
    for path in ("/", "/residents/", "/clues/", "/cases/", "/audit/"):
        response = client.get(path)
        assert response.status_code == 302
        assert response["Location"].startswith("/login/")
