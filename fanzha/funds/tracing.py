"""Tracing a case's money (or any account, time and amount) through the station's statement store.

From a case, each victim transfer (``Case.transfers``: to_account, at, amount) is first matched to
the receiving card's 入账 row in the store; the row's counterparty is the victim's own account,
and the trace starts there, so every card the victim paid is followed in one pass with one
attribution. A transfer whose 入账 row is not in the store is traced from the receiving card
itself (its money after the transfer, up to the amount), one level down; a card with no statement
at all is still listed at level 1, marked as needing its statement.

Times: ``Transfer.at`` is an aware datetime; statements hold naive Beijing wall-clock time, so
transfers are converted to Asia/Shanghai and made naive before they meet the store. Money is in
integer fen throughout.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from fanzha.cases.linking import link_identifiers
from fanzha.cases.models import Case, Identifier
from fanzha.domain.banks import bank_from_card
from fanzha.domain.durations import elapsed_days
from fanzha.domain.masking import mask_card
from fanzha.domain.statement_store import StatementStore, sink_kinds, to_epoch
from fanzha.domain.trace import (
    ReachedAccount,
    TraceEdge,
    TraceResult,
    TraceSpec,
    freeze_list,
    totals_by_region,
    trace_forward,
)
from fanzha.errors import UserFacingError
from fanzha.funds.models import TraceRun
from fanzha.funds.store import open_store
from fanzha.stations.models import User

#: How far apart a case's transfer time and the bank's 入账 row may be (narratives are rough).
MATCH_TOLERANCE = timedelta(hours=24)
_NUMERALS = "一二三四五六七八九十"


def depth_label(depth: int) -> str:
    """1 → 一级卡, 2 → 二级卡 … (the investigators' names for the layers)."""
    if depth <= 0:
        return "起点"
    if depth <= 10:
        return f"{_NUMERALS[depth - 1]}级卡"
    return f"{depth}级卡"


def local_naive(at: datetime) -> datetime:
    """An aware datetime as naive Beijing wall-clock time, the statements' clock."""
    if timezone.is_aware(at):
        at = timezone.localtime(at)
    return at.replace(tzinfo=None, microsecond=0)


@dataclass(frozen=True)
class TraceStart:
    """One starting point: ``kind`` is victim (the victim's account), card (a receiving card's
    money after a transfer, traced one level down) or missing (a card with no statement)."""

    kind: str
    account: str
    after: datetime | None
    amount_fen: int | None
    transfer_seqs: tuple[int, ...] = ()


@dataclass(frozen=True)
class TraceOptions:
    rule: str = "libr"
    max_depth: int = 6
    window_hours: int | None = None


def _looks_like_card(value: str) -> bool:
    digits = value.strip()
    return digits.isdigit() and 12 <= len(digits) <= 30


def case_starts(store: StatementStore, case: Case) -> list[TraceStart]:
    """Where the case's money enters the store (see the module docstring)."""
    victims: dict[str, list[tuple[int, int, int]]] = {}  # victim account → (ts, amount, seq)
    starts: list[TraceStart] = []
    tolerance = int(MATCH_TOLERANCE.total_seconds())
    for transfer in case.transfers.all().order_by("seq"):
        account = (transfer.to_account or "").strip()
        if not account or transfer.at is None or transfer.amount_fen <= 0:
            continue
        at = local_naive(transfer.at)
        ts = to_epoch(at)
        row = store.con.execute(
            "SELECT counterparty, ts FROM txn WHERE account = ? AND direction = 'in' AND amount_fen = ? "
            "AND ts BETWEEN ? AND ? AND counterparty IS NOT NULL ORDER BY abs(ts - ?), id LIMIT 1",
            [account, transfer.amount_fen, ts - tolerance, ts + tolerance, ts],
        ).fetchone()
        if row is not None:
            victims.setdefault(str(row[0]), []).append((int(row[1]), transfer.amount_fen, transfer.seq))
            continue
        has_rows = store.con.execute("SELECT count(*) FROM txn WHERE account = ?", [account]).fetchone()
        if has_rows and has_rows[0]:
            starts.append(TraceStart("card", account, at, transfer.amount_fen, (transfer.seq,)))
        elif _looks_like_card(account):
            starts.append(TraceStart("missing", account, at, transfer.amount_fen, (transfer.seq,)))
    for victim, matched in victims.items():
        first = min(ts for ts, _, _ in matched)
        after = datetime(1970, 1, 1) + timedelta(seconds=first)
        amount = sum(a for _, a, _ in matched)
        starts.insert(0, TraceStart("victim", victim, after, amount, tuple(s for _, _, s in matched)))
    return starts


def _shift(result: TraceResult, by: int) -> tuple[list[ReachedAccount], list[TraceEdge]]:
    accounts = [replace(a, depth=a.depth + by) for a in result.accounts]
    edges = [replace(e, depth=e.depth + by) for e in result.edges]
    return accounts, edges


def _merge_accounts(groups: Iterable[Sequence[ReachedAccount]]) -> list[ReachedAccount]:
    """One row per account over several traces: shallowest depth, amounts summed, first arrival."""
    merged: dict[str, ReachedAccount] = {}
    for accounts in groups:
        for a in accounts:
            seen = merged.get(a.account)
            if seen is None:
                merged[a.account] = a
                continue
            held = (
                None
                if seen.held_fen is None and a.held_fen is None
                else (seen.held_fen or 0) + (a.held_fen or 0)
            )
            merged[a.account] = replace(
                seen,
                depth=min(seen.depth, a.depth),
                amount_fen=seen.amount_fen + a.amount_fen,
                first_at=min(seen.first_at, a.first_at),
                held_fen=held,
            )
    out = list(merged.values())
    out.sort(key=lambda a: (a.depth, -a.amount_fen, a.account))
    return out


def _missing_card(start: TraceStart) -> ReachedAccount:
    assert start.after is not None and start.amount_fen is not None
    return ReachedAccount(
        account=start.account,
        depth=1,
        amount_fen=start.amount_fen,
        first_at=start.after,
        held_fen=None,
        balance_fen=None,
        last_at=None,
        bank=bank_from_card(start.account),
        region=None,
        is_sink=False,
        sink_kind=None,
        has_statement=False,
    )


def trace_starts(
    store: StatementStore, starts: Sequence[TraceStart], options: TraceOptions, origin: str = ""
) -> TraceResult:
    """Trace every start and merge them into one result (depths as seen from the victim)."""
    window = timedelta(hours=options.window_hours) if options.window_hours else None
    account_groups: list[Sequence[ReachedAccount]] = []
    edges: list[TraceEdge] = []
    hops = 0
    elapsed = 0.0
    start_fen = 0
    for start in starts:
        if start.kind == "missing":
            account_groups.append([_missing_card(start)])
            if origin:
                edges.append(
                    TraceEdge(
                        origin, start.account, 1, start.amount_fen or 0, start.after or datetime.min, None
                    )
                )
            start_fen += start.amount_fen or 0
            continue
        depth = options.max_depth - (1 if start.kind == "card" else 0)
        if depth < 1:
            continue
        spec = TraceSpec(
            start=start.account,
            after=start.after,
            amount_fen=start.amount_fen,
            rule=options.rule,  # type: ignore[arg-type]
            max_depth=depth,
            window=window,
        )
        result = trace_forward(store, spec)
        hops = max(hops, result.hops)
        elapsed += result.elapsed_ms
        if start.kind == "card":
            accounts, shifted = _shift(result, 1)
            accounts = [a for a in accounts if a.account != start.account]
            card = _missing_card(start)
            facts = _last_facts(store, start.account)
            if facts is not None:
                card = replace(card, has_statement=True, balance_fen=facts[0], last_at=facts[1])
            account_groups += [[card], accounts]
            if origin:
                edges.append(
                    TraceEdge(
                        origin, start.account, 1, start.amount_fen or 0, start.after or datetime.min, None
                    )
                )
            edges += shifted
            start_fen += start.amount_fen or 0
        else:
            account_groups.append(result.accounts)
            edges += result.edges
            start_fen += result.start_fen
    accounts = _merge_accounts(account_groups)
    first = starts[0] if starts else None
    spec = TraceSpec(
        start=first.account if first else "",
        after=first.after if first else None,
        rule=options.rule,  # type: ignore[arg-type]
        max_depth=options.max_depth,
        window=window,
    )
    return TraceResult(spec, "victim" if starts else "none", start_fen, accounts, edges, hops, elapsed)


def _last_facts(store: StatementStore, account: str) -> tuple[int | None, datetime] | None:
    """Last balance and last row time of an account, if it has rows."""
    row = store.con.execute(
        "SELECT balance_fen, ts FROM txn WHERE account = ? ORDER BY ts DESC, source_line DESC LIMIT 1",
        [account],
    ).fetchone()
    if row is None:
        return None
    return (None if row[0] is None else int(row[0]), datetime(1970, 1, 1) + timedelta(seconds=int(row[1])))


# --- what is kept and shown ---------------------------------------------------------------------


def _when(at: datetime | None) -> str | None:
    return at.strftime("%Y-%m-%d %H:%M:%S") if at else None


def result_payload(
    result: TraceResult, starts: Sequence[TraceStart], now: datetime | None = None
) -> dict[str, Any]:
    """Everything the run page, the exports and the API show, as JSON-ready data (fen, Beijing time)."""
    now = now or local_naive(timezone.now())
    return {
        "start_fen": result.start_fen,
        "hops": result.hops,
        "elapsed_ms": round(result.elapsed_ms, 1),
        "starts": [
            {
                "kind": s.kind,
                "account": s.account,
                "after": _when(s.after),
                "amount_fen": s.amount_fen,
                "transfers": list(s.transfer_seqs),
            }
            for s in starts
        ],
        "accounts": [
            {
                "account": a.account,
                "depth": a.depth,
                "amount_fen": a.amount_fen,
                "first_at": _when(a.first_at),
                "held_fen": a.held_fen,
                "balance_fen": a.balance_fen,
                "last_at": _when(a.last_at),
                "bank": a.bank,
                "region": a.region.label if a.region else None,
                "is_sink": a.is_sink,
                "sink_kind": a.sink_kind,
                "has_statement": a.has_statement,
            }
            for a in result.accounts
        ],
        "edges": [
            {
                "src": e.src,
                "dst": e.dst,
                "depth": e.depth,
                "amount_fen": e.amount_fen,
                "at": _when(e.at),
                "sink_kind": e.sink_kind,
            }
            for e in result.edges
            if e.amount_fen > 0
        ],
        "freeze": [
            {
                "account": i.account,
                "depth": i.depth,
                "amount_fen": i.amount_fen,
                "hours_since_arrival": i.hours_since_arrival,
                "bank": i.bank,
                "region": i.region,
                "reason": i.reason,
            }
            for i in freeze_list(result, now=now)
        ],
        "regions": [
            {
                "region": r.region,
                "accounts": r.accounts,
                "received_fen": r.received_fen,
                "held_fen": r.held_fen,
                "sink_fen": r.sink_fen,
            }
            for r in totals_by_region(result)
        ],
    }


def freeze_rows(payload: dict[str, Any], now: datetime | None = None) -> list[dict[str, Any]]:
    """The freeze list as shown or exported at ``now`` (Beijing wall clock, default the present):
    "到账至今" is counted from each account's first arrival to now, in days, not frozen at the
    time of the trace. Each row keeps the stored keys (hours_since_arrival recounted at ``now``)
    and adds depth_label, first_at and days_since_arrival."""
    now = now or local_naive(timezone.now())
    arrivals = {a["account"]: a.get("first_at") for a in payload.get("accounts", [])}
    rows = []
    for item in payload.get("freeze", []):
        arrived = arrivals.get(item["account"])
        row = dict(item, depth_label=depth_label(item["depth"]), first_at=arrived, days_since_arrival=None)
        if arrived:
            since = now - datetime.fromisoformat(arrived)
            row["days_since_arrival"] = elapsed_days(since)
            row["hours_since_arrival"] = round(since.total_seconds() / 3600, 1)
        rows.append(row)
    return rows


def identifier_accounts(payload: dict[str, Any]) -> list[str]:
    """Reached accounts worth linking cases by: real account numbers, not sinks."""
    return [
        a["account"]
        for a in payload["accounts"]
        if not a["is_sink"] and "@" not in a["account"] and len(a["account"]) <= 200
    ]


def link_traced_accounts(case: Case, accounts: Sequence[str]) -> int:
    """Record reached accounts as the case's bank-account identifiers (source "trace").

    Existing links (e.g. from the narrative) are left as they are. Returns how many accounts the
    case is now linked to through this trace.
    """
    return link_identifiers(case, [(Identifier.Kind.BANK_ACCOUNT, a) for a in accounts], source="trace")


def run_trace(
    *,
    user: User | None,
    case: Case | None,
    options: TraceOptions,
    account: str = "",
    after: datetime | None = None,
    amount_fen: int | None = None,
) -> TraceRun:
    """Run a trace (from the case's transfers, or from ``account`` when given) and keep it.

    A case's trace also records the reached accounts as identifiers of the case (串并案) and in
    the store's ``traced`` table (断卡: accounts fed by several cases).
    """
    if options.rule not in TraceRun.Rule.values:
        raise UserFacingError(f"未知的归属规则：{options.rule}", f"unknown rule {options.rule}")
    if not 1 <= options.max_depth <= 12:
        raise UserFacingError("最大层级应在 1 到 12 之间", "max depth must be between 1 and 12")
    with open_store() as store:
        if account:
            naive_after = local_naive(after) if after else None
            starts = [TraceStart("victim", account.strip(), naive_after, amount_fen)]
            mode = "manual"
        else:
            if case is None:
                raise UserFacingError("请填写起始账户", "a start account is required")
            starts = case_starts(store, case)
            mode = "case"
            if not starts:
                raise UserFacingError(
                    "该案件没有可追踪的银行卡转账（需有收款账户、时间和金额），可手工输入起始账户",
                    "the case has no traceable transfers",
                )
        origin = "受害人" if mode == "case" and any(s.kind != "victim" for s in starts) else ""
        result = trace_starts(store, starts, options, origin=origin)
    payload = result_payload(result, starts)
    with transaction.atomic():
        run = TraceRun.objects.create(
            case=case,
            start_mode=mode,
            start_account=starts[0].account if starts else account,
            after=timezone.make_aware(starts[0].after) if starts and starts[0].after else None,
            amount_fen=amount_fen if mode == "manual" else sum(s.amount_fen or 0 for s in starts),
            rule=options.rule,
            max_depth=options.max_depth,
            window_hours=options.window_hours,
            result=payload,
            accounts_reached=len(payload["accounts"]),
            elapsed_ms=result.elapsed_ms,
            created_by=user,
        )
        if case is not None:
            link_traced_accounts(case, identifier_accounts(payload))
    if case is not None:
        with open_store(write=True) as store:
            store.save_trace(case.case_no, result)
    return run


# --- graph ------------------------------------------------------------------------------------


def display_account(account: str) -> str:
    """Masked for the screen; a sink label like "支付宝提现@6222…" keeps its label."""
    label, at, rest = account.partition("@")
    if at:
        return f"{label}@{mask_card(rest)}"
    if not any(c.isdigit() for c in account):
        return account  # a label such as 受害人, not an account number
    return mask_card(account)


def _sink_group_label(kind: str | None) -> str:
    for sink in sink_kinds():
        if sink.kind == kind:
            return sink.label
    return "其他出口"


def graph_data(payload: dict[str, Any]) -> dict[str, Any]:
    """ECharts graph option parts: accounts placed by depth (columns), edges sized by amount.

    End accounts (资金出口: cash, payment platforms, merchants, virtual currency) can be dozens;
    stacked in their columns they made a 2,000-px column of overlapping labels. They are drawn in
    one column on the right, grouped by kind: a group node per kind with its count and amount
    (``groups``, with ``links`` from each account into the group), and its members with their own
    links (``member_links``) for the page to show when a group is expanded."""
    by_account = {a["account"]: a for a in payload["accounts"]}
    depth_of: dict[str, int] = {a: info["depth"] for a, info in by_account.items()}
    for edge in payload["edges"]:
        depth_of.setdefault(edge["src"], 0)
    is_sink = {a: bool(by_account.get(a, {}).get("is_sink")) for a in depth_of}
    max_depth = max((d for a, d in depth_of.items() if not is_sink[a]), default=0)
    categories = [{"name": "起点"}] + [{"name": depth_label(d)} for d in range(1, max_depth + 1)]
    categories.append({"name": "资金出口"})
    sink_category = len(categories) - 1
    sink_column = max_depth + 1
    columns: dict[int, list[str]] = {}
    for account, depth in sorted(
        depth_of.items(), key=lambda kv: (kv[1], -(by_account.get(kv[0], {}).get("amount_fen") or 0), kv[0])
    ):
        if not is_sink[account]:
            columns.setdefault(depth, []).append(account)
    top = max((a["amount_fen"] for a in payload["accounts"]), default=1) or 1

    def size(amount: int | None) -> float:
        return round(14 + 26 * math.sqrt(amount / top), 1) if amount else 18

    # Node ids are positions, not account numbers: the page must not carry unmasked cards.
    ids: dict[str, str] = {}
    nodes = []
    for depth, accounts in columns.items():
        for row, account in enumerate(accounts):
            ids[account] = f"n{len(ids)}"
            info = by_account.get(account)
            amount = info["amount_fen"] if info else None
            nodes.append(
                {
                    "id": ids[account],
                    "name": display_account(account),
                    "x": depth * 260,
                    "y": (row - (len(accounts) - 1) / 2) * 70,
                    "category": depth,
                    "symbol": "roundRect" if depth == 0 else "circle",
                    "symbolSize": size(amount),
                    "amount": amount,
                    "depth": depth,
                    "sink": False,
                    "noStatement": bool(info and not info["has_statement"]),
                }
            )
    kinds: dict[str, list[str]] = {}
    for account in sorted(
        (a for a in depth_of if is_sink[a]), key=lambda a: (-(by_account[a]["amount_fen"] or 0), a)
    ):
        kinds.setdefault(_sink_group_label(by_account[account].get("sink_kind")), []).append(account)
    group_of: dict[str, str] = {}
    groups = []
    for row, (label, members) in enumerate(sorted(kinds.items(), key=lambda kv: (-len(kv[1]), kv[0]))):
        group_id = f"g{row}"
        amount = sum(by_account[a]["amount_fen"] or 0 for a in members)
        member_nodes = []
        for index, account in enumerate(members):
            ids[account] = f"n{len(ids)}"
            group_of[ids[account]] = group_id
            member_nodes.append(
                {
                    "id": ids[account],
                    "name": display_account(account),
                    "x": sink_column * 260,
                    "y": (index - (len(members) - 1) / 2) * 50,
                    "category": sink_category,
                    "symbol": "diamond",
                    "symbolSize": size(by_account[account]["amount_fen"]),
                    "amount": by_account[account]["amount_fen"],
                    "depth": sink_column,
                    "sink": True,
                    "noStatement": False,
                }
            )
        groups.append(
            {
                "id": group_id,
                "name": f"{label} ×{len(members)}",
                "kind": label,
                "count": len(members),
                "x": sink_column * 260,
                "y": (row - (len(kinds) - 1) / 2) * 90,
                "category": sink_category,
                "symbol": "diamond",
                "symbolSize": size(amount),
                "amount": amount,
                "depth": sink_column,
                "members": member_nodes,
            }
        )

    def summed_links(target_of: dict[str, str]) -> list[dict[str, Any]]:
        # Several transfers between the same two nodes are drawn as one edge with their sum.
        summed: dict[tuple[str, str], dict[str, Any]] = {}
        for e in payload["edges"]:
            if e["src"] not in ids or e["dst"] not in ids:
                continue
            src, dst = ids[e["src"]], ids[e["dst"]]
            key = (target_of.get(src, src), target_of.get(dst, dst))
            link = summed.setdefault(
                key, {"source": key[0], "target": key[1], "amount": 0, "at": e["at"], "count": 0}
            )
            link["amount"] += e["amount_fen"]
            link["count"] += 1
            link["at"] = min(link["at"] or "", e["at"] or "") or e["at"]
        top_edge = max((link["amount"] for link in summed.values()), default=1) or 1
        return [
            dict(link, width=round(1 + 9 * math.sqrt(link["amount"] / top_edge), 2))
            for link in summed.values()
        ]

    return {
        "nodes": nodes,
        "groups": groups,
        "links": summed_links(group_of),
        "member_links": summed_links({}),
        "categories": categories,
    }
