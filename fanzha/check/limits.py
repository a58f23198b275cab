"""Per-IP rate limits for the public check (page, report and API), counted in Django's cache.

Limits are requests per minute per client address and scope. They come from the Django setting
``FANZHA_CHECK_RATE_LIMITS`` (a dict such as ``{"page": 30, "report": 5, "api": 60, "image": 10}``) or, for a
single process such as a load benchmark, the environment variable ``FANZHA_CHECK_RATE_PER_MINUTE``,
which sets every scope at once (``bench/bench_check_api.py`` raises it so that the limiter does
not distort the figures). The address is the one :func:`fanzha.web.client_address.client_address` finds: ``REMOTE_ADDR``,
or behind a proxy listed in ``FANZHA_TRUSTED_PROXIES`` the address that proxy forwarded.

With the default local-memory cache every server process counts on its own; a deployment with
several processes should configure a shared cache (e.g. Redis or the database cache).
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest

from fanzha.web.client_address import client_address

# Screenshots ("image", page and API together) cost about half a second of OCR each, far more
# than a text check: a lower limit.
DEFAULT_LIMITS = {"page": 30, "report": 5, "api": 60, "image": 10}
WINDOW_SECONDS = 60


@dataclass(frozen=True)
class RateDecision:
    allowed: bool
    limit: int
    retry_after: int  # seconds until the current window ends

    @property
    def message(self) -> str:
        return f"查询太频繁：每个网络地址每分钟最多 {self.limit} 次，请 {self.retry_after} 秒后再试。"


def limit_for(scope: str) -> int:
    configured = getattr(settings, "FANZHA_CHECK_RATE_LIMITS", None) or {}
    if scope in configured:
        return int(configured[scope])
    if value := os.environ.get("FANZHA_CHECK_RATE_PER_MINUTE"):
        return int(value)
    return DEFAULT_LIMITS[scope]


def take(request: HttpRequest, scope: str) -> RateDecision:
    """Count one request of ``scope`` from this client; say whether it is within the limit."""
    limit = limit_for(scope)
    now = time.time()
    window = int(now // WINDOW_SECONDS)
    retry_after = max(1, int((window + 1) * WINDOW_SECONDS - now))
    key = f"check:rate:{scope}:{client_address(request) or 'unknown'}:{window}"
    # add() is atomic: only the first request of a window creates the counter.
    cache.add(key, 0, WINDOW_SECONDS + 5)
    try:
        count = cache.incr(key)
    except ValueError:  # evicted between add and incr
        cache.set(key, 1, WINDOW_SECONDS + 5)
        count = 1
    return RateDecision(allowed=count <= limit, limit=limit, retry_after=retry_after)
