"""What a case's trace could not follow, and the 调证 (evidence) requests to print for it.

The tracer follows money through bank statements only. A transfer paid through a payment platform
(支付宝, 微信, 扫码…), in cash, or to an account the narrative does not name cannot be followed
there; the trace page lists each such transfer with why, and who holds its records
(``fanzha/data/funds/evidence_holders.json``), so the investigator can ask them. Computed when the
page is shown, from the case's transfers and the run's starting points, so older runs show it too.
Money in integer fen.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

from fanzha.cases.models import Case
from fanzha.domain.data_files import load_data_json
from fanzha.funds.trace_result import StoredTrace
from fanzha.funds.tracing import display_account


@cache
def holders() -> dict[str, Any]:
    data: dict[str, Any] = load_data_json("funds/evidence_holders.json")
    return data


@dataclass(frozen=True)
class UntracedTransfer:
    seq: int
    amount_fen: int
    means: str
    to_account: str
    at: Any  # aware datetime or None
    reason: str
    holder: str | None
    ask: str

    @property
    def shown_account(self) -> str:
        """The receiving account masked for the screen ("收款码" and other labels kept)."""
        return display_account(self.to_account) if self.to_account else ""


def _why(means: str, to_account: str, has_time: bool, account_known: bool) -> tuple[str, dict[str, Any]]:
    data = holders()
    platform = next((name for name in data["by_means"] if name and name in means), None)
    if platform == "现金":
        return "现金交付，没有流水可追踪", data["by_means"][platform]
    if platform is not None:
        return f"经{platform}支付，资金进入支付平台，银行流水中看不到去向", data["by_means"][platform]
    if not to_account:
        return "未写明收款账户，无法在流水中找到这笔钱", data["unknown_account"]
    if not has_time:
        return "未写明转账时间，无法在流水中定位这笔钱", data["unknown_account"]
    if not account_known:
        return f"收款账户{to_account}不是已导入流水的银行卡", data["no_statement"]
    return "流水中未找到该笔入账", data["unknown_account"]


def untraced_transfers(case: Case, trace: StoredTrace) -> list[UntracedTransfer]:
    """The case's transfers that no starting point of the run covers, each with why and whom to ask."""
    covered = trace.covered_transfers()
    started = {start.account for start in trace.starts}
    out = []
    for t in case.transfers.all().order_by("seq"):
        if t.seq in covered:
            continue
        reason, holder = _why(
            t.means or "", (t.to_account or "").strip(), t.at is not None, t.to_account in started
        )
        out.append(
            UntracedTransfer(
                t.seq, t.amount_fen, t.means, t.to_account, t.at, reason, holder["holder"], holder["ask"]
            )
        )
    return out


@dataclass(frozen=True)
class TraceCoverage:
    """How much of the case's loss the run follows: traced against the total."""

    total_fen: int
    traced_fen: int
    traced_count: int
    untraced_fen: int
    untraced_count: int

    @property
    def share(self) -> float | None:
        return self.traced_fen / self.total_fen if self.total_fen else None


def trace_coverage(case: Case, untraced: list[UntracedTransfer]) -> TraceCoverage:
    """Total is the stated loss (or the transfers' sum when larger or no loss is stated)."""
    transfers = list(case.transfers.values_list("seq", "amount_fen"))
    untraced_seqs = {u.seq for u in untraced}
    traced = [fen for seq, fen in transfers if seq not in untraced_seqs]
    untraced_fen = sum(u.amount_fen for u in untraced)
    total = max(case.loss_fen or 0, sum(fen for _, fen in transfers))
    return TraceCoverage(total, sum(traced), len(traced), untraced_fen, len(untraced))


def requests_by_holder(untraced: list[UntracedTransfer]) -> list[tuple[str, str, list[UntracedTransfer]]]:
    """One 调证 request per holder of records (holder, what to ask, its transfers); cash has none."""
    grouped: dict[str, tuple[str, list[UntracedTransfer]]] = {}
    for u in untraced:
        if u.holder is None:
            continue
        grouped.setdefault(u.holder, (u.ask, []))[1].append(u)
    return [(holder, ask, items) for holder, (ask, items) in grouped.items()]
