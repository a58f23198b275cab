"""串并案, first step: cases that name the same account, phone, WeChat/QQ, URL, app or platform.

A case's identifiers are rows of ``Identifier`` (one per distinct kind and value) joined through
``CaseIdentifier``; two cases are linked when they share one. Every query here is set-based —
the links of a case are one join, the clusters are one query for all shared identifiers plus a
union-find over the pairs it returns — and every result is limited to the cases the user may see.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Count

from fanzha.cases.drafting import identifier_rules, split_list
from fanzha.cases.models import Case, CaseIdentifier, Identifier
from fanzha.domain.values.registry import kind_noun, normalise_identifier
from fanzha.domain.values.url import url_host
from fanzha.stations import scope
from fanzha.stations.models import User

KindValue = tuple[str, str]
MAX_VALUE_CHARS = 200  # Identifier.value's length
CHUNK = 900  # below SQLite's oldest limit of 999 bound parameters per statement
identifier_noun = kind_noun  # the pages and the API name a kind with it


def _url_values(value: str) -> list[str]:
    """A URL links by itself and by its host, so two paths on one fraud site still meet."""
    values = [value]
    host = url_host(value, strip_www=False)
    if host and host != value:
        values.append(host)
    return values


def identifiers_from_fields(fields: dict[str, str]) -> list[KindValue]:
    """The link identifiers named in a case's confirmed fields (see ``drafting.FIELDS``)."""
    found: list[KindValue] = []
    for field_name, kind in (
        ("bank_accounts", "bank_account"),
        ("phones", "phone"),
        ("qq", "qq"),
        ("wechat", "wechat"),
    ):
        found += [(kind, v) for v in split_list(fields.get(field_name, ""))]
    for url in split_list(fields.get("urls", "")):
        found += [("url", v) for v in _url_values(url)]
    suffixes = tuple(identifier_rules()["app_suffixes"])
    for name in split_list(fields.get("platforms", "")):
        stripped = name
        for suffix in suffixes:
            if name.endswith(suffix) and len(name) > len(suffix):
                stripped = name[: -len(suffix)]
                break
        found.append(("app" if stripped != name else "platform", stripped))
    return [(k, v[:MAX_VALUE_CHARS]) for k, v in dict.fromkeys(found)]


def identifier_ids(pairs: Iterable[KindValue], batch_size: int | None = None) -> dict[KindValue, int]:
    """The ``Identifier`` row of each (kind, value), created where new: the one writer of that table.

    Values are stored in their kind's normal form (phones as bare digits, card numbers without
    spaces…, ``fanzha.domain.values.registry.normalise_identifier``), so one identifier written two
    ways is one row and links the cases that name it. The keys are the pairs as given; a value that
    normalises to nothing is left out. A kind outside the vocabulary raises KeyError.
    """
    stored_as = {
        (kind, value): (kind, normalise_identifier(kind, value)[:MAX_VALUE_CHARS])
        for kind, value in dict.fromkeys(pairs)
    }
    wanted = sorted({pair for pair in stored_as.values() if pair[1]})
    if not wanted:
        return {}
    Identifier.objects.bulk_create(
        [Identifier(kind=k, value=v) for k, v in wanted], batch_size=batch_size, ignore_conflicts=True
    )
    values_of_kind: dict[str, list[str]] = defaultdict(list)
    for kind, value in wanted:
        values_of_kind[kind].append(value)
    pk_of: dict[KindValue, int] = {}
    for kind, values in values_of_kind.items():
        for start in range(0, len(values), CHUNK):
            rows = Identifier.objects.filter(kind=kind, value__in=values[start : start + CHUNK])
            pk_of.update(((kind, value), pk) for pk, value in rows.values_list("pk", "value"))
    return {given: pk_of[pair] for given, pair in stored_as.items() if pair in pk_of}


def link_identifiers(case: Case, pairs: Iterable[KindValue], source: str = "narrative") -> int:
    """Attach identifiers to a case, creating the distinct rows that are new. Returns how many links."""
    ids = set(identifier_ids(pairs).values())
    CaseIdentifier.objects.bulk_create(
        [CaseIdentifier(case=case, identifier_id=i, source=source) for i in sorted(ids)],
        ignore_conflicts=True,
    )
    return len(ids)


@dataclass
class SharedIdentifier:
    identifier: Identifier
    cases: list[Case] = field(default_factory=list)  # other cases the user may see
    hidden: int = 0  # other cases outside the user's scope (counted, not shown)

    @property
    def noun(self) -> str:
        return identifier_noun(self.identifier.kind)

    @property
    def total(self) -> int:
        return len(self.cases) + self.hidden


@dataclass
class LinkedCase:
    case: Case
    identifiers: list[Identifier]


@dataclass
class CaseLinks:
    shared: list[SharedIdentifier]  # only identifiers that appear in at least one other case
    linked: list[LinkedCase]


def links_of(case: Case, user: User) -> CaseLinks:
    """Every other case sharing an identifier with ``case``, and why; one join for all of them."""
    pairs = list(
        CaseIdentifier.objects.filter(
            identifier__in=CaseIdentifier.objects.filter(case=case).values("identifier")
        )
        .exclude(case=case)
        .values_list("case_id", "identifier_id")
    )
    if not pairs:
        return CaseLinks([], [])
    other_ids = {c for c, _ in pairs}
    visible = {c.pk: c for c in scope.visible_cases(user).filter(pk__in=other_ids)}
    identifiers = Identifier.objects.in_bulk({i for _, i in pairs})
    shared: dict[int, SharedIdentifier] = {}
    by_case: dict[int, list[Identifier]] = defaultdict(list)
    for case_id, identifier_id in sorted(pairs):
        entry = shared.setdefault(identifier_id, SharedIdentifier(identifiers[identifier_id]))
        if case_id in visible:
            entry.cases.append(visible[case_id])
            by_case[case_id].append(identifiers[identifier_id])
        else:
            entry.hidden += 1
    linked = [LinkedCase(visible[c], ids) for c, ids in by_case.items()]
    linked.sort(key=lambda lc: (-len(lc.identifiers), -lc.case.reported_at.timestamp()))
    for entry in shared.values():
        entry.cases.sort(key=lambda c: c.reported_at)
    return CaseLinks(sorted(shared.values(), key=lambda s: -s.total), linked)


@dataclass
class Cluster:
    cases: list[Case]
    identifiers: list[tuple[Identifier, int]]  # shared identifier and how many of the cases name it

    @property
    def loss_fen(self) -> int:
        return sum(c.loss_fen or 0 for c in self.cases)

    @property
    def categories(self) -> list[str]:
        return sorted({c.category for c in self.cases if c.category})


def clusters(user: User, min_cases: int = 2) -> list[Cluster]:
    """Series of cases connected through shared identifiers (connected components).

    One query returns every (case, identifier) pair whose identifier is named by two or more of
    the cases the user may see; the components are then a union-find over those pairs.
    """
    visible = scope.visible_cases(user).values("pk")
    shared = (
        CaseIdentifier.objects.filter(case__in=visible)
        .values("identifier")
        .annotate(n=Count("case", distinct=True))
        .filter(n__gte=2)
        .values("identifier")
    )
    pairs = list(
        CaseIdentifier.objects.filter(case__in=visible, identifier__in=shared).values_list(
            "case_id", "identifier_id"
        )
    )
    parent: dict[int, int] = {}

    def find(x: int) -> int:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    first_case: dict[int, int] = {}
    for case_id, identifier_id in pairs:
        find(case_id)
        if identifier_id in first_case:
            a, b = find(case_id), find(first_case[identifier_id])
            if a != b:
                parent[max(a, b)] = min(a, b)
        else:
            first_case[identifier_id] = case_id
    members: dict[int, set[int]] = defaultdict(set)
    for case_id in parent:
        members[find(case_id)].add(case_id)
    count: dict[int, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    for case_id, identifier_id in pairs:
        count[find(case_id)][identifier_id] += 1
    cases = Case.objects.select_related("grid").in_bulk(list(parent))
    identifiers = Identifier.objects.in_bulk(list(first_case))
    result: list[Cluster] = []
    for root, ids in members.items():
        if len(ids) < min_cases:
            continue
        shared_here = sorted(
            ((identifiers[i], n) for i, n in count[root].items()), key=lambda x: (-x[1], x[0].kind)
        )
        result.append(Cluster(sorted((cases[c] for c in ids), key=lambda c: c.reported_at), shared_here))
    result.sort(key=lambda cl: (-len(cl.cases), -cl.loss_fen))
    return result
