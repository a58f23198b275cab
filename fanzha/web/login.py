"""Login with lock-out: after repeated failures an account is locked for a while, and both the
failures and the lock are audit-logged. This is the only login of the application: the admin
site's login page sends people here (``fanzha/urls.py``).

Counting must hold when an attacker fires many guesses at once. Checking an argon2 hash takes tens of
milliseconds, so a count read before the check and saved after it loses updates: a burst of guesses
would all pass the "is it locked?" test before any of them is counted. Each attempt therefore
*reserves* a slot before its password is checked, in a row-locked transaction on the user
(``select_for_update``; on SQLite the transaction itself takes the write lock): ``failed_logins``
counts failures plus attempts still in flight, and once it reaches the limit no further attempt is
checked until the counter is reset by a success or the lock runs out. A correct password is only
accepted if the account is still unlocked when its check ends.

Every refusal shows one message, whether the user name is unknown, the password wrong or the account
locked, and a refused attempt still spends one hash computation, so neither the text nor the timing of
the answer tells an attacker which accounts exist.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from fanzha.stations import audit
from fanzha.stations.models import AuditLog, User


def reserve_attempt(user_id: int) -> bool:
    """Count one login attempt against the account before its password is checked; False when the
    account is locked or the attempts in flight already use up its budget."""
    with transaction.atomic():
        user = User.objects.select_for_update().only("failed_logins", "locked_until").get(pk=user_id)
        if user.locked_until and user.locked_until > timezone.now():
            return False
        if user.failed_logins >= settings.FANZHA_LOGIN_MAX_FAILURES:
            return False
        User.objects.filter(pk=user_id).update(failed_logins=user.failed_logins + 1)
        return True


def record_failure(user_id: int) -> bool:
    """A reserved attempt failed: lock the account once failures reach the limit. True when this call
    set the lock (so that exactly one ``locked`` audit row is written)."""
    with transaction.atomic():
        user = User.objects.select_for_update().only("failed_logins", "locked_until").get(pk=user_id)
        now = timezone.now()
        already_locked = bool(user.locked_until and user.locked_until > now)
        if already_locked or user.failed_logins < settings.FANZHA_LOGIN_MAX_FAILURES:
            return False
        User.objects.filter(pk=user_id).update(
            failed_logins=0, locked_until=now + timedelta(minutes=settings.FANZHA_LOGIN_LOCK_MINUTES)
        )
        return True


def confirm_success(user_id: int) -> bool:
    """A reserved attempt had the right password: accept it only if no lock was set meanwhile."""
    with transaction.atomic():
        user = User.objects.select_for_update().only("locked_until").get(pk=user_id)
        if user.locked_until and user.locked_until > timezone.now():
            return False
        User.objects.filter(pk=user_id).update(failed_logins=0, locked_until=None)
        return True


def spend_one_hash(password: str) -> None:
    """Run the password hasher once, so that a refusal takes as long as a real check."""
    User().set_password(password)


class LockingAuthenticationForm(AuthenticationForm):
    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": (
            "用户名或密码错误，或账户因连续登录失败已被暂时锁定。"
            "连续失败%(limit)s次将锁定%(minutes)s分钟，如需解锁请联系管理员。"
        ),
    }

    def clean(self) -> dict[str, object]:
        username = self.cleaned_data.get("username") or ""
        password = self.cleaned_data.get("password")
        if password is None:  # the field itself is missing; its own error is shown
            return self.cleaned_data
        user = User.objects.filter(username=username).only("pk").first()
        if user is not None and not reserve_attempt(user.pk):
            spend_one_hash(password)
            self._audit(AuditLog.Action.LOGIN_FAILED, username, detail={"refused": "locked"})
            raise self.get_invalid_login_error()
        try:
            cleaned = super().clean()
        except ValidationError:
            self._audit(AuditLog.Action.LOGIN_FAILED, username)
            if user is not None and record_failure(user.pk):
                self._audit(AuditLog.Action.LOCKED, username, user=user)
            raise
        if user is not None and not confirm_success(user.pk):
            self.user_cache = None
            self._audit(AuditLog.Action.LOGIN_FAILED, username, detail={"refused": "locked"})
            raise self.get_invalid_login_error()
        return cleaned

    def _audit(
        self, action: str, username: str, *, user: User | None = None, detail: dict[str, str] | None = None
    ) -> None:
        request = self.request if isinstance(self.request, HttpRequest) else None
        audit.record(request, action, user, username=username, object_type="stations.User", detail=detail)

    def get_invalid_login_error(self) -> ValidationError:
        return ValidationError(
            self.error_messages["invalid_login"],
            code="invalid_login",
            params={
                "limit": settings.FANZHA_LOGIN_MAX_FAILURES,
                "minutes": settings.FANZHA_LOGIN_LOCK_MINUTES,
            },
        )


class LoginView(auth_views.LoginView):
    form_class = LockingAuthenticationForm
    template_name = "web/login.html"
    redirect_authenticated_user = True

    def form_valid(self, form: AuthenticationForm) -> HttpResponse:
        response = super().form_valid(form)
        audit.record(self.request, AuditLog.Action.LOGIN, self.request.user)  # type: ignore[arg-type]
        return response
