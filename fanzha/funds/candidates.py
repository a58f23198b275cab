"""断卡 candidates for the investigators: accounts fed by two or more cases or showing mule
patterns (from the statement store), and phone numbers named by two or more cases.

Account features and reasons are :mod:`fanzha.domain.mules`; this module adds what the station's
case database knows (identifiers shared by cases, including accounts recorded by traces) and
limits everything case-related to the cases the user may see.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count

from fanzha.cases.models import CaseIdentifier, Identifier
from fanzha.domain.banks import bank_from_card
from fanzha.domain.mules import mule_candidates
from fanzha.funds.store import open_store, store_path
from fanzha.stations import scope
from fanzha.stations.models import User

MIN_SHARED_CASES = 2


@dataclass
class Candidate:
    value: str
    kind: str
    reasons: list[str] = field(default_factory=list)
    cases: list[str] = field(default_factory=list)
    bank: str | None = None


def shared_identifiers(user: User, kind: str, min_cases: int = MIN_SHARED_CASES) -> dict[str, list[str]]:
    """Identifier value → case numbers (visible to ``user``) for values named by ≥ ``min_cases``."""
    visible = scope.visible_cases(user).values("pk")
    shared = (
        CaseIdentifier.objects.filter(identifier__kind=kind, case__in=visible)
        .values("identifier")
        .annotate(n=Count("case", distinct=True))
        .filter(n__gte=min_cases)
        .values("identifier")
    )
    out: dict[str, list[str]] = {}
    rows = (
        CaseIdentifier.objects.filter(identifier__in=shared, case__in=visible)
        .values_list("identifier__value", "case__case_no")
        .order_by("identifier__value", "case__case_no")
    )
    for value, case_no in rows:
        cases = out.setdefault(value, [])
        if case_no not in cases:
            cases.append(case_no)
    return out


def account_candidates(user: User) -> list[Candidate]:
    """Accounts to consider for 断卡, most reasons first."""
    found: dict[str, Candidate] = {}
    if store_path().exists():
        with open_store() as store:
            for mule in mule_candidates(store):
                found[mule.account] = Candidate(
                    mule.account,
                    Identifier.Kind.BANK_ACCOUNT,
                    list(mule.reasons),
                    list(mule.features.cases) if mule.features else [],
                    bank_from_card(mule.account),
                )
    for value, cases in shared_identifiers(user, Identifier.Kind.BANK_ACCOUNT).items():
        candidate = found.setdefault(
            value, Candidate(value, Identifier.Kind.BANK_ACCOUNT, bank=bank_from_card(value))
        )
        new_cases = [c for c in cases if c not in candidate.cases]
        if new_cases or not candidate.reasons:
            candidate.reasons.append(f"{len(cases)} 起案件涉及该账户（报案或资金追踪）：{'、'.join(cases)}")
        candidate.cases = sorted(set(candidate.cases) | set(cases))
    out = list(found.values())
    out.sort(key=lambda c: (-len(c.cases), -len(c.reasons), c.value))
    return out


def phone_candidates(user: User) -> list[Candidate]:
    """Phone numbers named by two or more visible cases (断卡: the phone cards behind them)."""
    out = [
        Candidate(value, Identifier.Kind.PHONE, [f"{len(cases)} 起案件涉及该号码：{'、'.join(cases)}"], cases)
        for value, cases in shared_identifiers(user, Identifier.Kind.PHONE).items()
    ]
    out.sort(key=lambda c: (-len(c.cases), c.value))
    return out
