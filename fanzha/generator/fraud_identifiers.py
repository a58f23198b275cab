"""Identifiers the fraudsters use: mule cards, phones, QQ, WeChat IDs, URLs, apps, platforms."""

from __future__ import annotations

import random
import string
from dataclasses import dataclass
from typing import Any

from fanzha.generator.catalog import load_generator_data
from fanzha.generator.numbers import make_card_number


@dataclass(frozen=True, slots=True)
class Bank:
    bin: str
    name: str
    short: str
    length: int
    layout: str


def banks() -> list[Bank]:
    return [
        Bank(b["bin"], b["name"], b["short"], b["length"], b["layout"])
        for b in load_generator_data("banks")["banks"]
    ]


class FraudIdentifierMaker:
    """Draws fraud-side identifiers from a caller's RNG (keeps each table's stream independent)."""

    def __init__(self) -> None:
        self.cat: dict[str, Any] = load_generator_data("categories")
        self.county: dict[str, Any] = load_generator_data("county")
        self.banks = banks()

    def card(self, rng: random.Random, bank: Bank | None = None) -> str:
        b = bank or rng.choice(self.banks)
        return make_card_number(b.bin, b.length, rng.getrandbits(48))

    def bank_of(self, card: str) -> Bank:
        for b in self.banks:
            if card.startswith(b.bin):
                return b
        raise ValueError(card)

    def phone(self, rng: random.Random) -> str:
        r = rng.random()
        if r < 0.7:
            return rng.choice(self.county["fraud_phone_prefixes"]) + f"{rng.randrange(10**8):08d}"
        if r < 0.85:
            return f"00852{rng.randrange(10**8):08d}"
        return (
            rng.choice(self.county["fraud_landline_prefixes"])
            + "-"
            + f"{rng.randrange(2 * 10**7, 9 * 10**7)}"
        )

    def qq(self, rng: random.Random) -> str:
        return str(rng.randrange(10**7, 4 * 10**9))

    def wechat(self, rng: random.Random) -> str:
        if rng.random() < 0.4:
            return "wxid_" + "".join(rng.choices(string.ascii_lowercase + string.digits, k=14))
        head = "".join(rng.choices(string.ascii_lowercase, k=rng.randrange(3, 7)))
        return head + "".join(rng.choices(string.digits, k=rng.randrange(3, 7)))

    def url(self, rng: random.Random) -> str:
        host = "".join(rng.choices(string.ascii_lowercase, k=rng.randrange(3, 6))) + str(
            rng.randrange(10, 999)
        )
        tld = rng.choice(self.cat["tlds"])
        path = rng.choice(
            ["", "/#/login", "/h5/index.html", "/reg?code=" + str(rng.randrange(1000, 99999)), "/app"]
        )
        scheme = rng.choice(["http://", "https://", "https://www.", "http://m."])
        return f"{scheme}{host}.{tld}{path}"

    def platform(self, rng: random.Random) -> str:
        return (
            rng.choice(self.cat["platform_heads"])
            + rng.choice(self.cat["platform_heads"])
            + rng.choice(self.cat["platform_tails"])
        )

    def app(self, rng: random.Random) -> str:
        return self.platform(rng) + rng.choice(["APP", "", "app"])

    def dating(self, rng: random.Random) -> str:
        return str(rng.choice(self.cat["dating_platforms"]))

    def company(self, rng: random.Random) -> str:
        c = self.cat
        return (
            rng.choice(c["company_cities"]) + rng.choice(c["company_heads"]) + rng.choice(c["company_tails"])
        )

    def make(self, kind: str, rng: random.Random) -> str:
        maker = {
            "bank_account": self.card,
            "phone": self.phone,
            "qq": self.qq,
            "wechat": self.wechat,
            "url": self.url,
            "app": self.app,
            "platform": self.platform,
        }[kind]
        return maker(rng)
