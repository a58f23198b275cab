"""The daily stream of warning clues (预警线索) over the last months of the window.

Most clues target a resident, copied with the imperfections real batches have: a missing
phone, a typo in the name or address. Some target nobody in the county; some repeat an
earlier clue (same person, same fraud identifier, a few days later) from the same or another
source. A share of the fraud identifiers are those of the station's own cases, so clues can
be linked to cases.
"""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import date, datetime, timedelta
from typing import Any

import numpy as np

from fanzha.generator.catalog import load_generator_data
from fanzha.generator.fraud_identifiers import FraudIdentifierMaker
from fanzha.generator.names import name_table
from fanzha.generator.numbers import make_id_number, resident_phone_suffix
from fanzha.generator.people import ResidentFactory
from fanzha.generator.records import CaseRecord, ClueRecord

CLUES_PER_DAY = 4.0
CLUE_WINDOW_DAYS = 183
OUTSIDER_SHARE = 0.07
MISSING_PHONE_SHARE = 0.12
TYPO_SHARE = 0.08
DUPLICATE_SHARE = 0.06
CASE_IDENTIFIER_SHARE = 0.25
# Share of the cases in the clue window whose victim was warned while it happened (the warning
# came too late or went unheeded: these clues end as "already cheated").
VICTIM_CLUE_SHARE = 0.3
VICTIM_CLUE_SOURCE = {"bank_account": "银行", "phone": "运营商", "app": "上级下发", "url": "上级下发"}


def _typo(text: str, rng: random.Random, pool: str) -> str:
    chars = list(text)
    positions = [i for i, c in enumerate(chars) if "\u4e00" <= c <= "\u9fff"]
    if not positions:
        return text
    i = rng.choice(positions[1:] or positions)
    r = rng.random()
    if r < 0.5:
        chars[i] = rng.choice(pool)
    elif r < 0.8 and len(positions) > 3:
        del chars[i]
    else:
        chars.insert(i, chars[i])
    return "".join(chars)


def generate_clues(
    seed: int, scale: float, end_date: date, factory: ResidentFactory, cases: list[CaseRecord]
) -> list[ClueRecord]:
    streams: dict[str, Any] = load_generator_data("streams")
    county: dict[str, Any] = load_generator_data("county")
    cat: dict[str, Any] = load_generator_data("categories")
    categories = list(cat["categories"])
    cat_w = [max(0.04, cat["categories"][c]["share"]) for c in categories]
    cat_w[categories.index(cat["investment_category"])] = 0.3
    sources = [s for s, _ in streams["clue_sources"]]
    source_w = [w for _, w in streams["clue_sources"]]
    kinds = streams["clue_kinds"]
    kind_w = [k["weight"] for k in kinds]
    prefix = streams["clue_source_prefix"]
    rng = random.Random(f"{seed}:clues")
    counts = np.random.default_rng([seed, 202]).poisson(CLUES_PER_DAY * scale, CLUE_WINDOW_DAYS)
    makers = FraudIdentifierMaker()
    names = name_table()
    typo_pool = names.given_male + names.given_female
    case_ids: dict[str, list[str]] = {}
    for c in cases:
        for ident in c.identifiers:
            case_ids.setdefault(ident.kind, []).append(ident.value)
    first_day = end_date - timedelta(days=CLUE_WINDOW_DAYS - 1)
    seq: dict[tuple[str, date], int] = {}
    pending: list[tuple[date, ClueRecord]] = []
    out: list[ClueRecord] = []
    outsider_serial = factory.size

    def source_id(source: str, day: date) -> str:
        key = (source, day)
        seq[key] = seq.get(key, 0) + 1
        return f"{prefix[source]}{day:%Y%m%d}{seq[key]:05d}"

    def at_on(day: date) -> datetime:
        return datetime(
            day.year, day.month, day.day, rng.randrange(7, 23), rng.randrange(60), rng.randrange(60)
        )

    for offset, count in enumerate(counts):
        day = first_day + timedelta(days=offset)
        for _due, clue in [p for p in pending if p[0] == day]:
            out.append(clue)
        pending = [p for p in pending if p[0] != day]
        for _ in range(int(count)):
            kind = rng.choices(kinds, kind_w)[0]
            ident_kind = kind["identifier"]
            pool = case_ids.get(ident_kind)
            if pool and rng.random() < CASE_IDENTIFIER_SHARE:
                fraud_identifier = rng.choice(pool)
            else:
                fraud_identifier = makers.make(ident_kind, rng)
            source = rng.choices(sources, source_w)[0]
            has_typo = False
            if rng.random() < OUTSIDER_SHARE:
                outsider_serial += 1
                male = rng.random() < 0.5
                name = names.full_name(rng.getrandbits(64), male)
                born = date(rng.randrange(1950, 2006), rng.randrange(1, 13), rng.randrange(1, 29))
                area = rng.choice(county["outsider_area_codes"])
                id_number = make_id_number(area, born, rng.randrange(500) * 2 + (1 if male else 0))
                # Indexes past the last resident give suffixes no resident has.
                phone = (
                    rng.choice(county["mobile_prefixes"]) + f"{resident_phone_suffix(outsider_serial):08d}"
                )
                town = rng.choice(county["outsider_places"])
                address = f"{town}{rng.randrange(1, 300)}号"
                resident_id: int | None = None
            else:
                i = rng.randrange(factory.size)
                if (day.toordinal() - int(factory.demo.birth_ord[i])) < 14 * 365:
                    i = rng.randrange(factory.size)
                res = factory.resident(i)
                name, id_number, phone, address = res.name, res.id_number, res.phone, res.address
                resident_id = res.id
                if rng.random() < TYPO_SHARE:
                    has_typo = True
                    if rng.random() < 0.5:
                        name = _typo(name, rng, typo_pool)
                    else:
                        address = _typo(address, rng, "东西南北新城关路街村组")
            if rng.random() < MISSING_PHONE_SHARE:
                phone = ""
            amount = rng.randrange(100, 50_000) * 100 if ident_kind == "bank_account" else None
            clue = ClueRecord(
                source=source,
                source_id=source_id(source, day),
                received_at=at_on(day),
                target_name=name,
                target_phone=phone,
                target_id_number=id_number,
                target_address=address,
                kind=kind["kind"],
                fraud_identifier=fraud_identifier,
                suspected_category=rng.choices(categories, cat_w)[0],
                amount_fen=amount,
                true_resident_id=resident_id,
                has_typo=has_typo,
            )
            out.append(clue)
            if rng.random() < DUPLICATE_SHARE:
                due = day + timedelta(days=rng.randrange(0, 4))
                if due <= end_date:
                    dup_source = source if rng.random() < 0.5 else rng.choices(sources, source_w)[0]
                    # The same report again from another system (keyword order keeps the draws' order).
                    dup = replace(
                        clue,
                        source=dup_source,
                        source_id=source_id(dup_source, due),
                        received_at=at_on(due),
                        target_phone=clue.target_phone if rng.random() < 0.7 else "",
                        duplicate_of=clue.source_id,
                    )
                    if due == day:
                        out.append(dup)
                    else:
                        pending.append((due, dup))
    out.extend(_victim_clues(seed, cases, factory, kinds, first_day, end_date, source_id))
    out.sort(key=lambda c: c.received_at)
    return out


def _victim_clues(
    seed: int,
    cases: list[CaseRecord],
    factory: ResidentFactory,
    kinds: list[dict[str, Any]],
    first_day: date,
    end_date: date,
    source_id: Any,
) -> list[ClueRecord]:
    """Warnings about residents who were being cheated: the fraudster's number, app, site or card
    from the case, shortly before the first payment (a card only after it)."""
    # Own stream, drawn after the daily stream, so the other clues stay as they were.
    rng = random.Random(f"{seed}:victim-clues")
    out: list[ClueRecord] = []
    for case in cases:
        if not first_day <= case.occurred_at.date() <= end_date or rng.random() >= VICTIM_CLUE_SHARE:
            continue
        options = [
            (kind, ident)
            for ident in case.identifiers
            for kind in kinds
            if kind["identifier"] == ident.kind and ident.kind in VICTIM_CLUE_SOURCE
        ]
        if not options:
            continue
        kind, ident = rng.choice(options)
        first_payment = case.transfers[0].at if case.transfers else case.occurred_at
        amount = None
        if ident.kind == "bank_account":
            received = first_payment + timedelta(minutes=rng.randrange(5, 120))
            amount = sum(t.amount_fen for t in case.transfers if t.to_account == ident.value) or None
        else:
            received = first_payment - timedelta(minutes=rng.randrange(5, 180))
        if not first_day <= received.date() <= end_date:
            continue
        res = factory.resident(case.victim_resident_id - 1)
        source = VICTIM_CLUE_SOURCE[ident.kind]
        out.append(
            ClueRecord(
                source=source,
                source_id=source_id(source, received.date()),
                received_at=received.replace(second=rng.randrange(60)),
                target_name=res.name,
                target_phone=res.phone,
                target_id_number=res.id_number,
                target_address=res.address,
                kind=kind["kind"],
                fraud_identifier=ident.value,
                suspected_category=case.category,
                amount_fen=amount,
                true_resident_id=res.id,
                case_no=case.case_no,
            )
        )
    return out
