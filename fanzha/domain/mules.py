"""断卡 candidates: accounts fed by several traced cases or showing mule patterns, with reasons.

Features are computed in SQL over the statement store (``txn``), so they scale with it:
pass-through ratio (money out / money in), lifetime (first to last row), fan-in and fan-out
(distinct counterparties), night activity (share of rows between the configured hours).
Thresholds and reason texts are data: ``fanzha/data/funds/mule_rules.json``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from fanzha.domain.data_files import load_data_json
from fanzha.domain.statement_store import StatementStore
from fanzha.domain.values.money import format_yuan


@dataclass(frozen=True)
class AccountFeatures:
    account: str
    rows: int
    in_fen: int
    out_fen: int
    first_ts: int
    last_ts: int
    fan_in: int
    fan_out: int
    night_rows: int
    cases: tuple[str, ...]

    @property
    def pass_through(self) -> float:
        return min(self.in_fen, self.out_fen) / max(self.in_fen, self.out_fen) if self.in_fen else 0.0

    @property
    def lifetime_days(self) -> float:
        return (self.last_ts - self.first_ts) / 86_400


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
    start, end = int(rules["start_hour"]), int(rules["end_hour"])
    filter_sql = ""
    params: list[Any] = []
    if accounts is not None:
        store.con.execute("CREATE OR REPLACE TEMP TABLE t_feature_accounts (account VARCHAR)")
        store.con.executemany("INSERT INTO t_feature_accounts VALUES (?)", [(a,) for a in accounts])
        filter_sql = "WHERE account IN (SELECT account FROM t_feature_accounts)"
    # Hour of day from integer seconds keeps this portable (no engine-specific date functions).
    sql = f"""
        WITH f AS (
            SELECT account, count(*) AS n,
                   SUM(CASE WHEN direction = 'in' THEN amount_fen ELSE 0 END) AS in_fen,
                   SUM(CASE WHEN direction = 'out' THEN amount_fen ELSE 0 END) AS out_fen,
                   MIN(ts) AS first_ts, MAX(ts) AS last_ts,
                   COUNT(DISTINCT CASE WHEN direction = 'in' THEN counterparty END) AS fan_in,
                   COUNT(DISTINCT CASE WHEN direction = 'out' THEN counterparty END) AS fan_out,
                   SUM(CASE WHEN ((ts % 86400) / 3600) >= {start} AND ((ts % 86400) / 3600) < {end}
                            THEN 1 ELSE 0 END) AS night
            FROM txn {filter_sql} GROUP BY account
        ),
        c AS (SELECT account, list(DISTINCT case_id ORDER BY case_id) AS cases FROM traced GROUP BY account)
        SELECT f.*, c.cases FROM f LEFT JOIN c USING (account) ORDER BY f.account
    """
    return [
        AccountFeatures(
            account=r[0],
            rows=int(r[1]),
            in_fen=int(r[2] or 0),
            out_fen=int(r[3] or 0),
            first_ts=int(r[4]),
            last_ts=int(r[5]),
            fan_in=int(r[6]),
            fan_out=int(r[7]),
            night_rows=int(r[8]),
            cases=tuple(r[9] or ()),
        )
        for r in store.con.execute(sql, params).fetchall()
    ]


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
