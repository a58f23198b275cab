"""Bank statements of the mule accounts behind some cases (资金流向 test data).

Mule cards (一级卡, 二级卡…) behave as real ones do: near empty before the fraud, a little
background activity of their own, mostly in the weeks before; the victim's money lands on
first-layer cards and each card passes it on minutes to hours later, split over cards of the
next layer (several cards may feed the same next card, so chains merge), keeping only a small
residue; the last layer empties into sinks (cash withdrawals, 财付通/支付宝, USDT purchases).
Each (case, bank) pair becomes one statement file in that bank's layout: GBK or UTF-8 CSV, or
xlsx, with different header synonyms and date formats.

Balances are consistent per card (each balance is the previous one plus or minus the amount,
never negative): background debits are only paid out of the card's own money, so victim money is
never spent twice. Because the cards are near empty, the lowest-intermediate-balance rule follows
the victim's money down the chain; :func:`libr_attribution` computes, from the rows written,
how much of it reaches every account under that rule (the truth a tracer must reproduce).
"""

from __future__ import annotations

import csv
import io
import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from fanzha.domain.values.money import format_yuan
from fanzha.generator.catalog import load_generator_data
from fanzha.generator.fraud_identifiers import Bank, FraudIdentifierMaker
from fanzha.generator.names import name_table
from fanzha.generator.records import CaseRecord

TRACED_SHARE = 1 / 3
BANK_MEANS = ("银行卡转账", "手机银行转账", "云闪付转账")
ATM_LIMIT_FEN = 2_000_000
# A mule card holds a few hundred yuan of its own at most before the victim's money arrives,
# and at most a twentieth of its first inflow (but always up to 20 yuan).
MULE_OWN_MAX_FEN = 30_000
MULE_OWN_MIN_CAP_FEN = 2_000
# Background rows per card, and the share of them dated before the card's first chain row.
NOISE_ROWS = (2, 9)
NOISE_BEFORE_SHARE = 0.85
NOISE_DAYS_BEFORE = 45
NOISE_DAYS_AFTER = 10


@dataclass(slots=True)
class Txn:
    """One statement row. ``link`` pairs the payer's and the payee's rows of one chain transfer
    (and numbers sink rows), so the truth can follow the money row by row."""

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
    link: int | None = None


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
    libr_fen_in: int = 0
    libr_fen_held: int = 0


@dataclass(slots=True)
class MuleChain:
    case_no: str
    victim_name: str
    victim_account: str
    accounts: dict[str, MuleAccount]
    sinks: list[dict[str, Any]]
    # Victim money that LIBR books onto background debits (counterparty -> fen).
    libr_to_background: dict[str, int] = field(default_factory=dict)

    def truth(self) -> dict[str, Any]:
        """``victim_fen_in`` is what the fraudsters moved on (the pieces forwarded, whole);
        ``libr_fen_in`` is the victim's money arriving under the lowest-intermediate-balance rule
        computed from the statement rows, ``libr_fen_held`` what LIBR leaves on the card after its
        last row. Sinks carry ``libr_fen`` likewise."""
        layers: dict[int, list[dict[str, Any]]] = {}
        for acc in self.accounts.values():
            layers.setdefault(acc.layer, []).append(
                {
                    "account": acc.card,
                    "bank": acc.bank.name,
                    "holder": acc.holder,
                    "region": f"{acc.province}{acc.city}",
                    "victim_fen_in": acc.victim_fen_in,
                    "opening_fen": acc.opening_fen,
                    "libr_fen_in": acc.libr_fen_in,
                    "libr_fen_held": acc.libr_fen_held,
                }
            )
        return {
            "case_no": self.case_no,
            "victim_account": self.victim_account,
            "first_transfer_at": min(
                t.at for a in self.accounts.values() for t in a.txns if t.victim and t.credit and a.layer == 1
            ).isoformat(sep=" "),
            "layers": [layers[k] for k in sorted(layers)],
            "sinks": self.sinks,
            "libr_to_background_fen": sum(self.libr_to_background.values()),
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
        # The opening balance is set with the card's own activity, once its first inflow is known.
        return MuleAccount(card, bank, holder, province, city, branch, layer, 0)

    def build(self, case: CaseRecord, victim_name: str) -> MuleChain:
        rng = random.Random(f"{self.seed}:chain:{case.case_no}")
        victim_bank = rng.choice(self.ids.banks)
        victim_account = self.ids.card(rng, victim_bank)
        victim_branch = f"{victim_bank.name}{self.county_name}支行"
        accounts: dict[str, MuleAccount] = {}
        inflows: list[tuple[datetime, str, int]] = []
        links = iter(range(1, 1_000_000))
        for tr in case.transfers:
            if tr.means in BANK_MEANS and tr.to_account.isdigit():
                acc = accounts.get(tr.to_account) or self._account(rng, 1, tr.to_account)
                accounts[acc.card] = acc
                acc.victim_fen_in += tr.amount_fen
                acc.txns.append(
                    Txn(tr.at, acc.card, victim_account, tr.amount_fen, True, victim_name, victim_branch,
                        rng.choice(self.data["mule_summaries"]), acc.branch, True, link=next(links))
                )  # fmt: skip
                inflows.append((tr.at, acc.card, tr.amount_fen))
        n_layers = rng.randrange(2, 6)
        sinks: list[dict[str, Any]] = []
        sink_txns: list[Txn] = []
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
                        link = next(links)
                        acc.txns.append(
                            Txn(t, card, dst.card, piece, False, dst.holder, dst.branch, summary, acc.branch,
                                True, link=link)
                        )  # fmt: skip
                        dst.txns.append(
                            Txn(t, dst.card, card, piece, True, acc.holder, acc.branch, summary, dst.branch,
                                True, link=link)
                        )  # fmt: skip
                        new_inflows.append((t, dst.card, piece))
                    else:
                        self._sink(rng, acc, piece, t, sinks, sink_txns, links)
            inflows = new_inflows
        for acc in accounts.values():
            self._noise(rng, acc)
            self._balances(acc)
        chain = MuleChain(case.case_no, victim_name, victim_account, accounts, sinks)
        carried = libr_attribution(chain)
        for sink, txn in zip(sinks, sink_txns, strict=True):
            sink["libr_fen"] = carried.get(txn.link or 0, 0)
        return chain

    @staticmethod
    def _split(rng: random.Random, total: int, n: int) -> list[int]:
        if n <= 1 or total < 1000 * n:
            return [total]
        step = 10_000 if total >= 1_000_000 * n else 100
        cuts = sorted({rng.randrange(1, total // step) * step for _ in range(n - 1)})
        parts = [b - a for a, b in zip([0, *cuts], [*cuts, total], strict=True)]
        return [p for p in parts if p > 0]

    def _sink(
        self,
        rng: random.Random,
        acc: MuleAccount,
        amount: int,
        at: datetime,
        sinks: list[dict[str, Any]],
        sink_txns: list[Txn],
        links: Any,
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
            txn = Txn(
                at,
                acc.card,
                counter_account,
                c,
                False,
                counter,
                "",
                summary,
                acc.branch,
                True,
                link=next(links),
            )
            acc.txns.append(txn)
            sink_txns.append(txn)
            sinks.append({"account": acc.card, "kind": kind, "amount_fen": c, "at": at.isoformat(sep=" ")})

    def _noise(self, rng: random.Random, acc: MuleAccount) -> None:
        """The card's own activity: a near-empty card with a few small rows in the weeks before it
        was used, which never lift its own money above a few hundred yuan (less for a small first
        inflow), and a row or two after."""
        if not acc.txns:
            return
        first = min(t.at for t in acc.txns)
        last = max(t.at for t in acc.txns)
        first_in = min((t for t in acc.txns if t.credit), key=lambda t: t.at).amount_fen
        cap = max(MULE_OWN_MIN_CAP_FEN, min(MULE_OWN_MAX_FEN, first_in // 20))
        acc.opening_fen = rng.randrange(cap // 2 + 1)
        n = rng.randrange(*NOISE_ROWS)
        before = sorted(
            first - timedelta(minutes=rng.randrange(60, NOISE_DAYS_BEFORE * 24 * 60))
            for _ in range(n)
            if rng.random() < NOISE_BEFORE_SHARE
        )
        after = [
            last + timedelta(minutes=rng.randrange(60, NOISE_DAYS_AFTER * 24 * 60))
            for _ in range(n - len(before))
        ]
        credits = [s for s, sign in self.data["noise_summaries"] if sign > 0]
        debits = [s for s, sign in self.data["noise_summaries"] if sign < 0]
        own = acc.opening_fen
        for k, at in enumerate([*before, *after]):
            room = cap - own if k < len(before) else MULE_OWN_MAX_FEN
            credit = own < 100 or (room >= 100 and rng.random() < 0.5)
            if credit:
                amount = rng.randrange(1, max(2, room // 100)) * 100 + rng.choice((0, rng.randrange(100)))
                amount = min(amount, max(room, 100))
            else:
                amount = max(1, min(own, rng.randrange(1, own // 100 + 2) * 100 - rng.randrange(100)))
            own += amount if credit else -amount
            acc.txns.append(
                Txn(at, acc.card, self.ids.card(rng), amount, credit, self.names.random_name(rng),
                    rng.choice(self.ids.banks).name, rng.choice(credits if credit else debits),
                    acc.branch, False)
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


def libr_attribution(chain: MuleChain) -> dict[int, int]:
    """Apply the lowest-intermediate-balance rule to the rows written, layer by layer.

    For each card in row order: the victim's money held is ``min(balance, held + arriving)``; an
    outflow carries what the held amount drops by. The victim's transfers into the first layer
    arrive whole; a chain transfer arrives with what its payer's row carried. Sets
    ``libr_fen_in``/``libr_fen_held`` on every account and ``libr_to_background`` on the chain;
    returns the fen carried per ``link`` (chain transfers and sink rows). Integer fen throughout,
    so a tracer computing the same rule must agree to the fen (up to its own rounding).
    """
    carried: dict[int, int] = {}
    chain.libr_to_background.clear()
    for acc in sorted(chain.accounts.values(), key=lambda a: (a.layer, a.card)):
        held = 0
        received = 0
        for t in acc.txns:
            if t.credit:
                arriving = 0
                if t.victim and t.link is not None:
                    arriving = (
                        t.amount_fen if t.counter_account == chain.victim_account else carried.get(t.link, 0)
                    )
                received += arriving
                held = min(t.balance_fen, held + arriving)
            else:
                after = min(t.balance_fen, held)
                out = held - after
                held = after
                if t.link is not None:
                    carried[t.link] = out
                elif out:
                    chain.libr_to_background[t.counter_account] = (
                        chain.libr_to_background.get(t.counter_account, 0) + out
                    )
        acc.libr_fen_in = received
        acc.libr_fen_held = held
    return carried


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
    return format_yuan(fen, decimals="always")


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


def statement_columns(layout_name: str) -> dict[str, str]:
    """Field → header text of a layout: the explicit column mapping for
    ``StatementStore.import_files(..., mapping=...)``, as a station remembers it per bank."""
    data = load_generator_data("banks")
    headers: list[str] = data["layouts"][layout_name]["headers"]
    return dict(zip(data["layout_fields"], headers, strict=True))


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
