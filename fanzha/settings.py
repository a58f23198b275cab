"""Django settings for fanzha.

Everything that varies between a laptop demo and a station deployment comes from the
environment: ``FANZHA_DATA_DIR`` (SQLite file, uploads, the DuckDB statement store, the secret
key), ``DATABASE_URL`` (PostgreSQL for a real deployment) and ``FANZHA_DEBUG``.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

import dj_database_url

PACKAGE_DIR = Path(__file__).resolve().parent
DATA_DIR = Path(os.environ.get("FANZHA_DATA_DIR", "fanzha-data")).resolve()


def _secret_key() -> str:
    if key := os.environ.get("FANZHA_SECRET_KEY"):
        return key
    # `fanzha serve` writes this file before Django starts; reading must not create files,
    # because importing settings happens in tests and tools too.
    key_file = DATA_DIR / "secret_key"
    if key_file.is_file():
        return key_file.read_text(encoding="ascii").strip()
    return secrets.token_urlsafe(50)


SECRET_KEY = _secret_key()
DEBUG = os.environ.get("FANZHA_DEBUG", "") == "1"
ALLOWED_HOSTS = [
    h for h in os.environ.get("FANZHA_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",") if h
]

# An HTTP SMS gateway for warning reminders (fanzha/domain/sms_gateway.py); unset: export files only.
FANZHA_SMS_GATEWAY_URL = os.environ.get("FANZHA_SMS_GATEWAY_URL", "")
FANZHA_SMS_GATEWAY_KEY = os.environ.get("FANZHA_SMS_GATEWAY_KEY", "")

# Reverse proxies whose X-Forwarded-For is believed (fanzha/web/client_address.py), e.g. "127.0.0.1".
FANZHA_TRUSTED_PROXIES = [
    p.strip() for p in os.environ.get("FANZHA_TRUSTED_PROXIES", "").split(",") if p.strip()
]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_htmx",
    "ninja",  # serves Swagger UI for /api/v1/docs from its own static files, not a CDN
    "fanzha.stations",
    "fanzha.cases",
    "fanzha.clues",
    "fanzha.ranking",
    "fanzha.outreach",
    "fanzha.reminders",
    "fanzha.analytics",
    "fanzha.check",
    "fanzha.funds",
    "fanzha.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "fanzha.web.security_headers.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "fanzha.stations.audit.AuditAddressMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "fanzha.web.errors.UserFacingErrorMiddleware",
]

ROOT_URLCONF = "fanzha.urls"
# One form style across the product (label above a full-width control, help and errors below).
FORM_RENDERER = "fanzha.web.forms.FormRenderer"
WSGI_APPLICATION = "fanzha.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "fanzha.web.navigation.navigation",
            ],
        },
    },
]

try:
    DATABASES = {
        "default": dj_database_url.parse(
            os.environ.get("DATABASE_URL") or f"sqlite:///{DATA_DIR / 'fanzha.sqlite3'}",
            conn_max_age=60,
        )
    }
except ValueError as exc:  # an unparseable DATABASE_URL must not become a traceback
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured(f"DATABASE_URL 无法解析 / cannot be parsed: {exc}") from exc
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the officers' pages read while an import writes.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "stations.User"

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "web:login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "web:login"
# Lock an account after this many failed logins in a row, for this many minutes.
FANZHA_LOGIN_MAX_FAILURES = 5
FANZHA_LOGIN_LOCK_MINUTES = 15

LANGUAGE_CODE = "zh-hans"
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
# Static files are served from the app directories through the finders: no STATIC_ROOT and no
# collectstatic step on a station's machine.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG
MEDIA_ROOT = DATA_DIR / "uploads"
MEDIA_URL = "/media/"
DATA_UPLOAD_MAX_MEMORY_SIZE = 20 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = 8 * 3600
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"
# Error pages in Chinese with the navigation (fanzha/web/errors.py; 403 and 404 are the templates).
CSRF_FAILURE_VIEW = "fanzha.web.errors.csrf_failure"

# fanzha's own modules log at INFO (jobs, traces, imports, failures): to fanzha.log in a data
# directory the `fanzha` command has prepared (it holds the secret key), opened at the first record,
# and to the console (stderr). The console shows WARNING and up, except under `fanzha serve`, which
# lowers it to INFO (fanzha.runtime.show_info_on_console): a one-shot command's output stays as it
# was. Other libraries log from WARNING. Records propagate to the root, whose console handler
# prints them (and where pytest's caplog sees them).
FANZHA_LOG_LEVEL = os.environ.get("FANZHA_LOG_LEVEL", "INFO").upper()
LOG_FILE = DATA_DIR / "fanzha.log" if (DATA_DIR / "secret_key").is_file() else None
LOGGING: dict[str, Any] = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain", "level": "WARNING"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {"fanzha": {"level": FANZHA_LOG_LEVEL, "handlers": [], "propagate": True}},
}
if LOG_FILE is not None:
    LOGGING["handlers"]["file"] = {
        "class": "logging.handlers.RotatingFileHandler",
        "filename": str(LOG_FILE),
        "maxBytes": 10 * 1024 * 1024,
        "backupCount": 5,
        "encoding": "utf-8",
        "delay": True,
        "formatter": "plain",
    }
    LOGGING["loggers"]["fanzha"]["handlers"] = ["file"]
