"""Bank statements of the mule accounts behind some cases (资金流向 test data).

For a traced case the victim's bank transfers land on first-layer cards; each card passes
the money on minutes to hours later, split over cards of the next layer (several cards may
feed the same next card, so chains merge), keeping a small balance; the last layer empties
into sinks (cash withdrawals, 财付通/支付宝, USDT purchases). Every card also has background
transactions of its own. Each (case, bank) pair becomes one statement file in that bank's
layout: GBK or UTF-8 CSV, or xlsx, with different header synonyms and date formats.

Balances are consistent per card: background debits are only paid out of the card's own
money, so victim money is never spent twice and no balance goes negative.
"""

from __future__ import annotations

import csv
import io
import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from fanzha.generator.catalog import load_generator_data
from fanzha.generator.fraud_identifiers import Bank, FraudIdentifierMaker
from fanzha.generator.names import name_table
from fanzha.generator.records import CaseRecord

TRACED_SHARE = 1 / 3
BANK_MEANS = ("银行卡转账", "手机银行转账", "云闪付转账")
ATM_LIMIT_FEN = 2_000_000


@dataclass(slots=True)
class Txn:
    at: datetime
    account: str
    counter_account: str
    amount_fen: int
    credit: bool
    counter_name: str
    counter_bank: str
    summary: str
    place: str
    victim: bool
    balance_fen: int = 0


@dataclass(slots=True)
class MuleAccount:
    card: str
    bank: Bank
    holder: str
    province: str
    city: str
    branch: str
    layer: int
    opening_fen: int
    victim_fen_in: int = 0
    txns: list[Txn] = field(default_factory=list)


@dataclass(slots=True)
class MuleChain:
    case_no: str
    victim_name: str
    victim_account: str
    accounts: dict[str, MuleAccount]
    sinks: list[dict[str, Any]]

    def truth(self) -> dict[str, Any]:
        layers: dict[int, list[dict[str, Any]]] = {}
        for acc in self.accounts.values():
            layers.setdefault(acc.layer, []).append(
                {
                    "account": acc.card,
                    "bank": acc.bank.name,
                    "holder": acc.holder,
                    "region": f"{acc.province}{acc.city}",
                    "victim_fen_in": acc.victim_fen_in,
                }
            )
        return {
            "case_no": self.case_no,
            "victim_account": self.victim_account,
            "layers": [layers[k] for k in sorted(layers)],
            "sinks": self.sinks,
        }


class ChainBuilder:
    def __init__(self, seed: int) -> None:
        self.seed = seed
        self.data: dict[str, Any] = load_generator_data("banks")
        self.ids = FraudIdentifierMaker()
        self.names = name_table()
        self.county_name: str = load_generator_data("county")["county_name"]

    def _account(self, rng: random.Random, layer: int, card: str | None = None) -> MuleAccount:
        bank = self.ids.bank_of(card) if card else rng.choice(self.ids.banks)
        card = card or self.ids.card(rng, bank)
        province, city = rng.choice(self.data["regions"])
        branch = f"{bank.name}{province}{city}{rng.choice(self.data['branch_words'])}支行"
        holder = self.names.random_name(rng)
        return MuleAccount(card, bank, holder, province, city, branch, layer, rng.randrange(50, 5000) * 100)

    def build(self, case: CaseRecord, victim_name: str) -> MuleChain:
        rng = random.Random(f"{self.seed}:chain:{case.case_no}")
        victim_bank = rng.choice(self.ids.banks)
        victim_account = self.ids.card(rng, victim_bank)
        victim_branch = f"{victim_bank.name}{self.county_name}支行"
        accounts: dict[str, MuleAccount] = {}
        inflows: list[tuple[datetime, str, int]] = []
        for tr in case.transfers:
            if tr.means in BANK_MEANS and tr.to_account.isdigit():
                acc = accounts.get(tr.to_account) or self._account(rng, 1, tr.to_account)
                accounts[acc.card] = acc
                acc.victim_fen_in += tr.amount_fen
                acc.txns.append(
                    Txn(tr.at, acc.card, victim_account, tr.amount_fen, True, victim_name, victim_branch,
                        rng.choice(self.data["mule_summaries"]), acc.branch, True)
                )  # fmt: skip
                inflows.append((tr.at, acc.card, tr.amount_fen))
        n_layers = rng.randrange(2, 6)
        sinks: list[dict[str, Any]] = []
        for layer in range(1, n_layers + 1):
            current = [a for a in accounts.values() if a.layer == layer]
            nxt: list[MuleAccount] = []
            if layer < n_layers:
                width = max(1, min(6, rng.randrange(1, 2 * len(current) + 2)))
                nxt = [self._account(rng, layer + 1) for _ in range(width)]
            new_inflows: list[tuple[datetime, str, int]] = []
            for at, card, amount in sorted(inflows):
                acc = accounts[card]
                # Mules forward round sums and leave the odd remainder behind.
                unit = 10_000 if amount > 1_000_000 else 100
                keep = min(amount // 20, rng.randrange(0, 300) * 100) if amount > 20_000 else 0
                out_total = (amount - keep) // unit * unit
                if out_total <= 0:
                    continue
                pieces = self._split(rng, out_total, rng.choice((1, 1, 2, 2, 3)))
                t = at
                for piece in pieces:
                    t = t + timedelta(
                        minutes=max(1, int(rng.expovariate(1 / 45))) + rng.choice((0, 0, 0, 120, 300))
                    )
                    if nxt:
                        dst = rng.choice(nxt)
                        accounts.setdefault(dst.card, dst)
                        dst.victim_fen_in += piece
                        summary = rng.choice(self.data["mule_summaries"])
                        acc.txns.append(
                            Txn(
                                t,
                                card,
                                dst.card,
                                piece,
                                False,
                                dst.holder,
                                dst.branch,
                                summary,
                                acc.branch,
                                True,
                            )
                        )
                        dst.txns.append(
                            Txn(
                                t,
                                dst.card,
                                card,
                                piece,
                                True,
                                acc.holder,
                                acc.branch,
                                summary,
                                dst.branch,
                                True,
                            )
                        )
                        new_inflows.append((t, dst.card, piece))
                    else:
                        self._sink(rng, acc, piece, t, sinks)
            inflows = new_inflows
        for acc in accounts.values():
            self._noise(rng, acc)
            self._balances(acc)
        return MuleChain(case.case_no, victim_name, victim_account, accounts, sinks)

    @staticmethod
    def _split(rng: random.Random, total: int, n: int) -> list[int]:
        if n <= 1 or total < 1000 * n:
            return [total]
        step = 10_000 if total >= 1_000_000 * n else 100
        cuts = sorted({rng.randrange(1, total // step) * step for _ in range(n - 1)})
        parts = [b - a for a, b in zip([0, *cuts], [*cuts, total], strict=True)]
        return [p for p in parts if p > 0]

    def _sink(
        self, rng: random.Random, acc: MuleAccount, amount: int, at: datetime, sinks: list[dict[str, Any]]
    ) -> None:
        sink = rng.choice(self.data["sinks"])
        kind = sink["kind"]
        chunks = [amount]
        if kind == "cash":
            chunks = []
            left = amount
            while left > 0:
                c = min(left, ATM_LIMIT_FEN)
                chunks.append(c)
                left -= c
        for c in chunks:
            at = at + timedelta(minutes=rng.randrange(1, 15))
            summary = rng.choice(sink["summary"])
            counter = sink["counterparty"]
            counter_account = "" if kind == "cash" else f"{rng.randrange(10**11, 10**12)}"
            acc.txns.append(
                Txn(at, acc.card, counter_account, c, False, counter, "", summary, acc.branch, True)
            )
            sinks.append({"account": acc.card, "kind": kind, "amount_fen": c, "at": at.isoformat(sep=" ")})

    def _noise(self, rng: random.Random, acc: MuleAccount) -> None:
        if not acc.txns:
            return
        first = min(t.at for t in acc.txns)
        for _ in range(rng.randrange(3, 16)):
            summary, sign = rng.choice(self.data["noise_summaries"])
            at = first + timedelta(minutes=rng.randrange(-7 * 24 * 60, 7 * 24 * 60))
            amount = rng.randrange(5, 3000) * 100 + rng.choice((0, rng.randrange(100)))
            acc.txns.append(
                Txn(at, acc.card, self.ids.card(rng), amount, sign > 0, self.names.random_name(rng),
                    rng.choice(self.ids.banks).name, summary, acc.branch, False)
            )  # fmt: skip

    @staticmethod
    def _balances(acc: MuleAccount) -> None:
        acc.txns.sort(key=lambda t: (t.at, not t.credit))
        own = acc.opening_fen
        balance = acc.opening_fen
        kept: list[Txn] = []
        for t in acc.txns:
            if not t.victim:
                if t.credit:
                    own += t.amount_fen
                elif own >= t.amount_fen:
                    own -= t.amount_fen
                else:
                    continue
            balance += t.amount_fen if t.credit else -t.amount_fen
            t.balance_fen = balance
            kept.append(t)
        acc.txns = kept


def select_traced_cases(seed: int, cases: list[CaseRecord], shared_values: set[str]) -> list[CaseRecord]:
    """About a third of the cases with bank transfers; cases sharing a card are left out so
    that no card has two inconsistent statements."""
    rng = random.Random(f"{seed}:traced")
    out = []
    for c in cases:
        cards = [t.to_account for t in c.transfers if t.means in BANK_MEANS and t.to_account.isdigit()]
        if cards and not any(card in shared_values for card in cards) and rng.random() < TRACED_SHARE:
            out.append(c)
    return out


def _yuan(fen: int) -> str:
    return f"{fen // 100}.{fen % 100:02d}"


def _format_time(at: datetime, fmt: str) -> str:
    # %-m is not portable (Windows); build the unpadded form by hand.
    if fmt == "unpadded_slash":
        return f"{at.year}/{at.month}/{at.day} {at.hour:02d}:{at.minute:02d}"
    return at.strftime(fmt)


def _rows(txns: list[Txn], layout: dict[str, Any]) -> list[list[Any]]:
    debit_flag, credit_flag = layout["flags"]
    rows: list[list[Any]] = []
    for t in txns:
        amount = _yuan(t.amount_fen)
        if layout["signed"] and not t.credit:
            amount = "-" + amount
        when: Any = t.at if layout["time"] is None else _format_time(t.at, layout["time"])
        rows.append(
            [t.account, t.counter_account, amount, credit_flag if t.credit else debit_flag, when,
             _yuan(t.balance_fen), t.counter_name, t.counter_bank, t.summary, t.place]
        )  # fmt: skip
    return rows


def describe_chain_files(chain: MuleChain) -> list[dict[str, Any]]:
    """What :func:`write_chain_files` writes for ``chain``, without writing (for the manifest)."""
    by_bank: dict[str, list[MuleAccount]] = {}
    for acc in chain.accounts.values():
        by_bank.setdefault(acc.bank.short, []).append(acc)
    layouts = load_generator_data("banks")["layouts"]
    out: list[dict[str, Any]] = []
    for short, accs in sorted(by_bank.items()):
        layout = layouts[accs[0].bank.layout]
        out.append(
            {
                "path": f"{chain.case_no}_{short}.{layout['ext']}",
                "case_no": chain.case_no,
                "bank": accs[0].bank.name,
                "layout": accs[0].bank.layout,
                "header_row": 2 if layout.get("title") else 1,
                "accounts": sorted(a.card for a in accs),
                "rows": sum(len(a.txns) for a in accs),
            }
        )
    return out


def write_chain_files(chain: MuleChain, directory: Path) -> list[dict[str, Any]]:
    """Write one file per bank of the chain; returns descriptions for the truth manifest."""
    by_bank: dict[str, list[MuleAccount]] = {}
    for acc in chain.accounts.values():
        by_bank.setdefault(acc.bank.short, []).append(acc)
    written: list[dict[str, Any]] = []
    for short, accs in sorted(by_bank.items()):
        layout_name = accs[0].bank.layout
        layout = load_generator_data("banks")["layouts"][layout_name]
        txns = [t for acc in sorted(accs, key=lambda a: a.card) for t in acc.txns]
        rows = _rows(txns, layout)
        path = directory / f"{chain.case_no}_{short}.{layout['ext']}"
        header_row = 1
        if layout["ext"] == "csv":
            buf = io.StringIO()
            writer = csv.writer(buf, lineterminator="\r\n")
            writer.writerow(layout["headers"])
            writer.writerows(rows)
            path.write_bytes(buf.getvalue().encode(layout["encoding"]))
        else:
            from openpyxl import Workbook

            # Write-only mode streams rows and saves several times faster.
            wb = Workbook(write_only=True)
            ws = wb.create_sheet("交易明细")
            if layout.get("title"):
                ws.append([f"{accs[0].bank.name}{layout['title']}"])
                header_row = 2
            ws.append(layout["headers"])
            for r in rows:
                ws.append([*r[:2], float(r[2]), r[3], r[4], float(r[5]), *r[6:]])
            wb.save(path)
        written.append(
            {
                "path": path.name,
                "bank": accs[0].bank.name,
                "layout": layout_name,
                "header_row": header_row,
                "accounts": sorted(a.card for a in accs),
                "rows": len(rows),
            }
        )
    return written
