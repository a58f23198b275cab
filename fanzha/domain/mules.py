"""断卡 candidates: accounts fed by several traced cases or showing mule patterns, with reasons.

Features are computed in SQL by the statement store (``StatementStore.account_activity``), so
they scale with it: pass-through ratio (money out / money in), lifetime (first to last row), fan-in and fan-out
(distinct counterparties), night activity (share of rows between the configured hours).
Thresholds and reason texts are data: ``fanzha/data/funds/mule_rules.json``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from fanzha.domain.data_files import load_data_json
from fanzha.domain.statement_store import AccountActivity, StatementStore
from fanzha.domain.values.money import format_yuan

#: An account's features are its summed activity in the store (see ``StatementStore.account_activity``).
AccountFeatures = AccountActivity


@dataclass(frozen=True)
class MuleCandidate:
    account: str
    reasons: list[str] = field(default_factory=list)
    features: AccountFeatures | None = None


@lru_cache(maxsize=1)
def mule_rules() -> dict[str, Any]:
    rules: dict[str, Any] = load_data_json("funds/mule_rules.json")
    return rules


def account_features(store: StatementStore, accounts: Sequence[str] | None = None) -> list[AccountFeatures]:
    """Mule features per account that has a statement (optionally only ``accounts``)."""
    rules = mule_rules()["night"]
    return store.account_activity((int(rules["start_hour"]), int(rules["end_hour"])), accounts)


def reasons_for(features: AccountFeatures) -> list[str]:
    """Every rule the account meets, as Chinese sentences an investigator can put in a request."""
    rules = mule_rules()
    reasons = []
    if len(features.cases) >= int(rules["min_cases"]):
        reasons.append(rules["cases_reason"].format(n=len(features.cases), cases="、".join(features.cases)))
    rule = rules["pass_through"]
    if features.in_fen >= rule["min_in_fen"] and features.pass_through >= rule["min_ratio"]:
        reasons.append(
            rule["reason"].format(
                in_yuan=format_yuan(features.in_fen, decimals="always"),
                out_yuan=format_yuan(features.out_fen, decimals="always"),
                ratio=f"{features.pass_through:.2f}",
            )
        )
    rule = rules["short_lifetime"]
    if features.rows >= rule["min_rows"] and features.lifetime_days <= rule["max_days"]:
        reasons.append(rule["reason"].format(rows=features.rows, days=f"{features.lifetime_days:.1f}"))
    if features.fan_in >= rules["fan_in"]["min_counterparties"]:
        reasons.append(rules["fan_in"]["reason"].format(n=features.fan_in))
    if features.fan_out >= rules["fan_out"]["min_counterparties"]:
        reasons.append(rules["fan_out"]["reason"].format(n=features.fan_out))
    rule = rules["night"]
    share = features.night_rows / features.rows if features.rows else 0.0
    if features.rows >= rule["min_rows"] and share >= rule["min_share"]:
        reasons.append(rule["reason"].format(share=round(share * 100)))
    return reasons


def mule_candidates(store: StatementStore, accounts: Sequence[str] | None = None) -> list[MuleCandidate]:
    """Accounts meeting at least one rule, most reasons first."""
    candidates = []
    for features in account_features(store, accounts):
        reasons = reasons_for(features)
        if reasons:
            candidates.append(MuleCandidate(features.account, reasons, features))
    candidates.sort(key=lambda c: (-len(c.reasons), c.account))
    return candidates
