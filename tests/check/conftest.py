"""Every check test starts with empty rate-limit counters and re-reads the station's identifiers."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.core.cache import cache

from fanzha.check import known


@pytest.fixture(autouse=True)
def fresh_cache() -> Iterator[None]:
    cache.clear()
    known.invalidate()
    yield
    cache.clear()
