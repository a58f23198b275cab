"""The station's own fraud identifiers for the risk check: phones, accounts, domains and apps named
in its cases (with the number of cases each is in) and in its warning clues.

Only what an officer confirmed counts, because the public check answers anyone: identifiers of
confirmed cases (a draft is the machine's reading of a report) and of clues an officer closed as real
fraud (劝阻成功 or 已被骗). A resident's report, a queued or dispatched clue and a clue closed as 误报 or
无法联系 do not, or one anonymous report could make any website "fraud" for everyone within a minute.

Building them costs a few grouped queries over every case identifier and clue, far more than a
check itself, so each process keeps the last build for ``FANZHA_CHECK_KNOWN_CACHE_SECONDS``
(default 60 s). Saving a case, a case identifier or a clue bumps a version in Django's cache so
that the next check in this process rebuilds at once; bulk imports do not send signals, and for
them the short lifetime is the bound on staleness.
"""

from __future__ import annotations

import os
import threading
import time
import unicodedata
from collections import Counter
from functools import lru_cache
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, Q

from fanzha.domain.data_files import load_data_json
from fanzha.domain.risk import KnownIdentifiers
from fanzha.domain.values.registry import check_group, kind_by_shape

VERSION_KEY = "check:known-identifiers:version"
DEFAULT_CACHE_SECONDS = 60.0

# App or platform names shorter than this would match ordinary words in any message.
MIN_APP_CHARS = 3


_lock = threading.Lock()
_memo: dict[str, Any] = {"value": None, "built": 0.0, "version": None}


def cache_seconds() -> float:
    """Lifetime of a build: the Django setting, else the environment, else 60 s (0 turns caching off)."""
    value: Any = getattr(settings, "FANZHA_CHECK_KNOWN_CACHE_SECONDS", None)
    if value is None:
        value = os.environ.get("FANZHA_CHECK_KNOWN_CACHE_SECONDS", DEFAULT_CACHE_SECONDS)
    return float(value)


@lru_cache(maxsize=1)
def mainstream_apps() -> frozenset[str]:
    names = load_data_json("check/mainstream_apps.json")["names"]
    return frozenset(_folded(name) for name in names)


def _folded(value: str) -> str:
    return unicodedata.normalize("NFKC", value).strip().casefold()


def _usable_app(value: str) -> bool:
    """An app or platform name specific enough to flag a message that names it."""
    return len(value.strip()) >= MIN_APP_CHARS and _folded(value) not in mainstream_apps()


def build_known_identifiers() -> KnownIdentifiers:
    """Read every confirmed case's identifiers (counted by distinct cases) and the fraud identifier of
    every clue closed as fraud."""
    from fanzha.cases.models import Case, Identifier
    from fanzha.clues.models import Clue
    from fanzha.domain.clue_rules import identifier_kind

    groups: dict[str, dict[str, int]] = {name: {} for name in ("phones", "accounts", "domains", "apps")}
    confirmed = Q(caseidentifier__case__status=Case.Status.CONFIRMED)
    rows = (
        Identifier.objects.annotate(n_cases=Count("caseidentifier__case", distinct=True, filter=confirmed))
        .filter(n_cases__gt=0)
        .values_list("kind", "value", "n_cases")
    )
    for kind, value, n_cases in rows:
        group = check_group(kind)
        if group == "apps" and not _usable_app(value):
            continue
        if group:
            groups[group][value] = max(groups[group].get(value, 0), int(n_cases))
    clue_rows: Counter[tuple[str, str]] = Counter(
        # Outcomes by which an officer confirmed the fraud: dissuaded in time, or too late.
        Clue.objects.filter(
            status=Clue.Status.CLOSED, outcome__in=(Clue.Outcome.STOPPED, Clue.Outcome.CHEATED)
        )
        .exclude(fraud_identifier="")
        .values_list("kind", "fraud_identifier")
        .distinct()
    )
    for kind, value in clue_rows:
        group = check_group(identifier_kind(kind) or kind_by_shape(value))
        if group is None or (group == "apps" and not _usable_app(value)):
            continue
        # Known from clues only: count 0 ("出现在本所预警线索中") unless a case names it too.
        groups[group].setdefault(value, 0)
    return KnownIdentifiers.build(**groups)


def known_identifiers() -> KnownIdentifiers:
    """The station's identifiers, rebuilt when older than the cache lifetime or after a change."""
    lifetime = cache_seconds()
    if lifetime <= 0:
        return build_known_identifiers()
    version = cache.get(VERSION_KEY)
    now = time.monotonic()
    memo = _memo
    if memo["value"] is not None and memo["version"] == version and now - memo["built"] < lifetime:
        return memo["value"]
    with _lock:
        if memo["value"] is not None and memo["version"] == version and now - memo["built"] < lifetime:
            return memo["value"]
        value = build_known_identifiers()
        memo.update(value=value, built=time.monotonic(), version=version)
        return value


def invalidate(**_: Any) -> None:
    """Make every process that shares the cache rebuild on its next check."""
    cache.set(VERSION_KEY, time.time_ns(), None)
    _memo["value"] = None


def connect_invalidation() -> None:
    from django.db.models.signals import post_delete, post_save

    from fanzha.cases.models import Case, CaseIdentifier, Identifier
    from fanzha.clues.models import Clue

    for model in (Case, CaseIdentifier, Identifier, Clue):
        for signal in (post_save, post_delete):
            signal.connect(invalidate, sender=model, dispatch_uid=f"check-known-{model.__name__}-{signal}")
