"""Login with lock-out: after repeated failures an account is locked for a while, and both the
failures and the lock are audit-logged."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.utils import timezone

from fanzha.stations import audit
from fanzha.stations.models import AuditLog, User


class LockingAuthenticationForm(AuthenticationForm):
    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": "用户名或密码错误。连续失败%(limit)s次将锁定账户。",
        "locked": "账户已锁定，请于 %(until)s 后再试，或联系管理员解锁。",
    }

    def clean(self) -> dict[str, object]:
        username = self.cleaned_data.get("username") or ""
        user = User.objects.filter(username=username).first()
        now = timezone.now()
        if user and user.locked_until and user.locked_until > now:
            raise ValidationError(
                self.error_messages["locked"],
                code="locked",
                params={"until": timezone.localtime(user.locked_until).strftime("%H:%M")},
            )
        try:
            cleaned = super().clean()
        except ValidationError:
            self._count_failure(user, username)
            raise
        if user:
            User.objects.filter(pk=user.pk).update(failed_logins=0, locked_until=None)
        return cleaned

    def _count_failure(self, user: User | None, username: str) -> None:
        request = self.request if isinstance(self.request, HttpRequest) else None
        audit.record(request, AuditLog.Action.LOGIN_FAILED, username=username, object_type="stations.User")
        if user is None:
            return
        user.failed_logins += 1
        if user.failed_logins >= settings.FANZHA_LOGIN_MAX_FAILURES:
            user.locked_until = timezone.now() + timedelta(minutes=settings.FANZHA_LOGIN_LOCK_MINUTES)
            user.failed_logins = 0
            audit.record(request, AuditLog.Action.LOCKED, user, username=username)
        user.save(update_fields=["failed_logins", "locked_until"])

    def get_invalid_login_error(self) -> ValidationError:
        return ValidationError(
            self.error_messages["invalid_login"],
            code="invalid_login",
            params={"limit": settings.FANZHA_LOGIN_MAX_FAILURES},
        )


class LoginView(auth_views.LoginView):
    form_class = LockingAuthenticationForm
    template_name = "web/login.html"
    redirect_authenticated_user = True

    def form_valid(self, form: AuthenticationForm) -> HttpResponse:
        response = super().form_valid(form)
        audit.record(self.request, AuditLog.Action.LOGIN, self.request.user)  # type: ignore[arg-type]
        return response
