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

import logging
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
from fanzha.domain.masking import mask_card
from fanzha.domain.statement_store import StatementStore, sink_kinds
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
from fanzha.funds.trace_result import (
    StartKind,
    StartMode,
    StoredAccount,
    StoredEdge,
    StoredTrace,
    TraceStart,
    depth_label,
    local_naive,
    wall_clock_text,
)
from fanzha.stations.models import User

logger = logging.getLogger(__name__)

#: How far apart a case's transfer time and the bank's 入账 row may be (narratives are rough).
MATCH_TOLERANCE = timedelta(hours=24)


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
    victims: dict[str, list[tuple[datetime, int, int]]] = {}  # victim account → (booked, amount, seq)
    starts: list[TraceStart] = []
    for transfer in case.transfers.all().order_by("seq"):
        account = (transfer.to_account or "").strip()
        if not account or transfer.at is None or transfer.amount_fen <= 0:
            continue
        at = local_naive(transfer.at)
        payer = store.payer_of_arrival(account, transfer.amount_fen, at, MATCH_TOLERANCE)
        if payer is not None:
            victim, booked = payer
            victims.setdefault(victim, []).append((booked, transfer.amount_fen, transfer.seq))
            continue
        if store.has_account(account):
            starts.append(TraceStart(StartKind.CARD, account, at, transfer.amount_fen, (transfer.seq,)))
        elif _looks_like_card(account):
            starts.append(TraceStart(StartKind.MISSING, account, at, transfer.amount_fen, (transfer.seq,)))
    for victim, matched in victims.items():
        after = min(booked for booked, _, _ in matched)
        amount = sum(a for _, a, _ in matched)
        starts.insert(0, TraceStart(StartKind.VICTIM, victim, after, amount, tuple(s for _, _, s in matched)))
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
        if start.kind == StartKind.MISSING:
            account_groups.append([_missing_card(start)])
            if origin:
                edges.append(
                    TraceEdge(
                        origin, start.account, 1, start.amount_fen or 0, start.after or datetime.min, None
                    )
                )
            start_fen += start.amount_fen or 0
            continue
        depth = options.max_depth - (1 if start.kind == StartKind.CARD else 0)
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
        if start.kind == StartKind.CARD:
            accounts, shifted = _shift(result, 1)
            accounts = [a for a in accounts if a.account != start.account]
            card = _missing_card(start)
            facts = store.last_row(start.account)
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


# --- what is kept and shown ---------------------------------------------------------------------


def stored_trace(
    result: TraceResult, starts: Sequence[TraceStart], now: datetime | None = None
) -> StoredTrace:
    """Everything the run page, the exports and the API show, as kept in ``TraceRun.result``
    (fen, Beijing time); the freeze list's hours are counted at ``now`` (default the present)."""
    now = now or local_naive(timezone.now())
    return StoredTrace(
        start_fen=result.start_fen,
        hops=result.hops,
        elapsed_ms=round(result.elapsed_ms, 1),
        starts=tuple(starts),
        accounts=tuple(
            StoredAccount(
                account=a.account,
                depth=a.depth,
                amount_fen=a.amount_fen,
                first_at=wall_clock_text(a.first_at),
                held_fen=a.held_fen,
                balance_fen=a.balance_fen,
                last_at=wall_clock_text(a.last_at),
                bank=a.bank,
                region=a.region.label if a.region else None,
                is_sink=a.is_sink,
                sink_kind=a.sink_kind,
                has_statement=a.has_statement,
            )
            for a in result.accounts
        ),
        edges=tuple(
            StoredEdge(e.src, e.dst, e.depth, e.amount_fen, wall_clock_text(e.at), e.sink_kind)
            for e in result.edges
            if e.amount_fen > 0
        ),
        freeze=tuple(freeze_list(result, now=now)),
        regions=tuple(totals_by_region(result)),
    )


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
            starts = [TraceStart(StartKind.VICTIM, account.strip(), naive_after, amount_fen)]
            mode = StartMode.MANUAL
        else:
            if case is None:
                raise UserFacingError("请填写起始账户", "a start account is required")
            starts = case_starts(store, case)
            mode = StartMode.CASE
            if not starts:
                logger.info("case %s has no transfer the store can trace", case.case_no)
                raise UserFacingError(
                    "该案件没有可追踪的银行卡转账（需有收款账户、时间和金额），可手工输入起始账户",
                    "the case has no traceable transfers",
                )
        origin = (
            "受害人" if mode == StartMode.CASE and any(s.kind != StartKind.VICTIM for s in starts) else ""
        )
        result = trace_starts(store, starts, options, origin=origin)
    trace = stored_trace(result, starts)
    with transaction.atomic():
        run = TraceRun.objects.create(
            case=case,
            start_mode=mode,
            start_account=starts[0].account if starts else account,
            after=timezone.make_aware(starts[0].after) if starts and starts[0].after else None,
            amount_fen=amount_fen if mode == StartMode.MANUAL else sum(s.amount_fen or 0 for s in starts),
            rule=options.rule,
            max_depth=options.max_depth,
            window_hours=options.window_hours,
            result=trace.to_json(),
            accounts_reached=len(trace.accounts),
            elapsed_ms=result.elapsed_ms,
            created_by=user,
        )
        if case is not None:
            link_traced_accounts(case, trace.linkable_accounts())
    if case is not None:
        with open_store(write=True) as store:
            store.save_trace(case.case_no, result)
    logger.info(
        "trace run %s (%s, case %s, rule %s, depth %d): %d starts, %d accounts reached, %d to freeze, %.0f ms",
        run.pk,
        mode,
        case.case_no if case else "-",
        options.rule,
        options.max_depth,
        len(starts),
        len(trace.accounts),
        len(trace.freeze),
        result.elapsed_ms,
    )
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


def _amount_of(account: StoredAccount | None) -> int:
    return account.amount_fen if account else 0


def graph_data(trace: StoredTrace) -> dict[str, Any]:
    """ECharts graph option parts: accounts placed by depth (columns), edges sized by amount.

    End accounts (资金出口: cash, payment platforms, merchants, virtual currency) can be dozens;
    stacked in their columns they made a 2,000-px column of overlapping labels. They are drawn in
    one column on the right, grouped by kind: a group node per kind with its count and amount
    (``groups``, with ``links`` from each account into the group), and its members with their own
    links (``member_links``) for the page to show when a group is expanded."""
    by_account: dict[str, StoredAccount] = {a.account: a for a in trace.accounts}
    depth_of: dict[str, int] = {a: info.depth for a, info in by_account.items()}
    for edge in trace.edges:
        depth_of.setdefault(edge.src, 0)
    is_sink = {a: a in by_account and by_account[a].is_sink for a in depth_of}
    max_depth = max((d for a, d in depth_of.items() if not is_sink[a]), default=0)
    categories = [{"name": "起点"}] + [{"name": depth_label(d)} for d in range(1, max_depth + 1)]
    categories.append({"name": "资金出口"})
    sink_category = len(categories) - 1
    sink_column = max_depth + 1
    columns: dict[int, list[str]] = {}
    for account, depth in sorted(
        depth_of.items(), key=lambda kv: (kv[1], -_amount_of(by_account.get(kv[0])), kv[0])
    ):
        if not is_sink[account]:
            columns.setdefault(depth, []).append(account)
    top = max((a.amount_fen for a in trace.accounts), default=1) or 1

    def size(amount: int | None) -> float:
        return round(14 + 26 * math.sqrt(amount / top), 1) if amount else 18

    # Node ids are positions, not account numbers: the page must not carry unmasked cards.
    ids: dict[str, str] = {}
    nodes = []
    for depth, accounts in columns.items():
        for row, account in enumerate(accounts):
            ids[account] = f"n{len(ids)}"
            info = by_account.get(account)
            amount = info.amount_fen if info else None
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
                    "noStatement": bool(info and not info.has_statement),
                }
            )
    kinds: dict[str, list[str]] = {}
    for account in sorted((a for a in depth_of if is_sink[a]), key=lambda a: (-_amount_of(by_account[a]), a)):
        kinds.setdefault(_sink_group_label(by_account[account].sink_kind), []).append(account)
    group_of: dict[str, str] = {}
    groups = []
    for row, (label, members) in enumerate(sorted(kinds.items(), key=lambda kv: (-len(kv[1]), kv[0]))):
        group_id = f"g{row}"
        amount = sum(_amount_of(by_account[a]) for a in members)
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
                    "symbolSize": size(by_account[account].amount_fen),
                    "amount": by_account[account].amount_fen,
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
        for e in trace.edges:
            if e.src not in ids or e.dst not in ids:
                continue
            src, dst = ids[e.src], ids[e.dst]
            key = (target_of.get(src, src), target_of.get(dst, dst))
            link = summed.setdefault(
                key, {"source": key[0], "target": key[1], "amount": 0, "at": e.at, "count": 0}
            )
            link["amount"] += e.amount_fen
            link["count"] += 1
            link["at"] = min(link["at"] or "", e.at or "") or e.at
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
