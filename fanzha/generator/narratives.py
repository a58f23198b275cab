"""Case narratives in the style of a station's 接处警 records, with their ground truth.

The text imitates the field report's seed cases: "2020年7月4日10时许,辖区居民张某芹通过…",
amounts in the many ways officers write them, transfers listed (or summarised), the loss
stated (sometimes not equal to the sum), and the noise real records carry: a stray comma
after the year, a doubled character, mixed half/full-width punctuation, homophone slips.
Noise never touches digits, so every amount and identifier stays recoverable.
"""

from __future__ import annotations

import random
from bisect import bisect_right
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import accumulate
from typing import Any

from fanzha.generator.catalog import load_generator_data
from fanzha.generator.fraud_identifiers import FraudIdentifierMaker
from fanzha.generator.names import name_table, victim_alias
from fanzha.generator.records import IdentifierRecord, TransferRecord

_CN_DIGITS = "零一二三四五六七八九"
_FULLWIDTH = str.maketrans("0123456789.", "０１２３４５６７８９．")


def _cn_below_10000(n: int) -> str:
    out: list[str] = []
    zero = False
    for value, unit in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
        d = n // value % 10
        if d:
            if zero and out:
                out.append("零")
            out.append(_CN_DIGITS[d] + unit)
            zero = False
        else:
            zero = True
    return "".join(out)


def chinese_numeral(n: int) -> str:
    """Integer below 10**8 in Chinese numerals, as officers write it (九万六千一百零八)."""
    if n == 0:
        return "零"
    high, low = divmod(n, 10_000)
    text = ""
    if high:
        text = _cn_below_10000(high) + "万"
        if low and low < 1000:
            text += "零"
    if low:
        text += _cn_below_10000(low)
    if text.startswith("一十"):
        text = text[1:]
    return text


def _yuan_exact(yuan: int) -> str:
    return str(yuan)


def transfer_amount_text(fen: int, rng: random.Random) -> str:
    """An exact amount as listed among transfers ("1299元", "１２９９元", "1.2万元", "1299.50元")."""
    if fen % 100:
        return f"{fen // 100}.{fen % 100:02d}元"
    yuan = fen // 100
    r = rng.random()
    if r < 0.06:
        return str(yuan).translate(_FULLWIDTH) + "元"
    if r < 0.12 and yuan >= 10_000 and yuan % 1000 == 0:
        wan = yuan / 10_000
        return (f"{wan:.1f}" if yuan % 10_000 else str(yuan // 10_000)) + "万元"
    if r < 0.15 and yuan < 100_000:
        return chinese_numeral(yuan) + "元"
    return f"{yuan}元"


@dataclass(frozen=True, slots=True)
class AmountText:
    text: str
    stated_fen: int
    approximate: bool


def loss_amount_text(fen: int, rng: random.Random) -> AmountText:
    """The loss as officers state it; ``stated_fen`` is the figure the words give (a lower bound for 余/多)."""
    yuan = fen // 100
    r = rng.random()
    digits = len(str(yuan))
    if yuan >= 1000 and r < 0.18:
        k = 10 ** max(0, digits - 2)
        base = yuan // k * k
        if base != yuan:
            return AmountText(f"{base}余元", base * 100, True)
    if yuan >= 100_000 and r < 0.30:
        wan = yuan // 10_000
        return AmountText(f"{wan}余万元", wan * 1_000_000, True)
    if 1000 <= yuan < 100_000 and r < 0.38:
        k = 10 ** (digits - 1)
        lead = yuan // k
        if lead * k != yuan:
            unit = "万" if k == 10_000 else "千"
            word = "两" if lead == 2 else _CN_DIGITS[lead]
            return AmountText(f"{word}{unit}多元", lead * k * 100, True)
    if yuan >= 10_000 and r < 0.45:
        approx = round(yuan / 1000) * 1000
        if approx != yuan:
            return AmountText(f"约{approx / 10_000:g}万元", approx * 100, True)
    if yuan >= 10_000 and yuan % 1000 == 0 and fen % 100 == 0 and r < 0.6:
        return AmountText(f"{yuan / 10_000:g}万元", fen, False)
    if fen % 100 == 0 and r < 0.66 and yuan < 100_000_000:
        return AmountText(chinese_numeral(yuan) + "元", fen, False)
    if r < 0.72:
        return AmountText(str(yuan).translate(_FULLWIDTH) + "元", fen, False)
    if fen % 100:
        return AmountText(f"{yuan}.{fen % 100:02d}元", fen, False)
    return AmountText(f"{yuan}元", fen, False)


def when_text(at: datetime, rng: random.Random) -> str:
    day = f"{at.year}年{at.month}月{at.day}日"
    r = rng.random()
    if r < 0.55:
        return f"{day}{at.hour}时许"
    if r < 0.8:
        return f"{day}{at.hour}时{at.minute}分许"
    if r < 0.92:
        part = "凌晨" if at.hour < 6 else "上午" if at.hour < 12 else "下午" if at.hour < 18 else "晚上"
        return f"{day}{part}"
    return f"{day}"


@dataclass(frozen=True, slots=True)
class Story:
    """A narrative and everything true about it."""

    narrative: str
    category: str
    lure: str | None
    channel: str
    victim_alias: str
    occurred_at: datetime
    transfers: tuple[TransferRecord, ...]
    loss_fen: int
    loss_text: str
    loss_is_approximate: bool
    loss_matches_transfers: bool
    transfers_listed: bool
    identifiers: tuple[IdentifierRecord, ...]
    narrative_identifiers: tuple[IdentifierRecord, ...]


def _weighted(rng: random.Random, pairs: list[list[Any]]) -> Any:
    cum = list(accumulate(float(w) for _, w in pairs))
    return pairs[bisect_right(cum, rng.random() * cum[-1])][0]


class StoryComposer:
    """Composes one case's story; the same code feeds ``CaseRecord`` and ``generate_narratives``."""

    def __init__(self) -> None:
        self.cat: dict[str, Any] = load_generator_data("categories")
        self.ids = FraudIdentifierMaker()
        self.means: list[list[Any]] = [[k, v] for k, v in self.cat["means"].items()]

    def _amounts(self, rng: random.Random, total_yuan: int) -> list[int]:
        n = 1 if total_yuan < 800 else min(9, max(1 + int(rng.expovariate(0.45)), -(-total_yuan // 60_000)))
        parts: list[int] = []
        left = total_yuan
        for k in range(n):
            if k == n - 1:
                a = left
            else:
                share = left * rng.uniform(0.08, 0.5)
                r = rng.random()
                if r < 0.35:
                    a = max(100, int(share // 1000 * 1000))
                elif r < 0.5:
                    a = int(
                        rng.choice((888, 1288, 1888, 2888, 3588, 5888, 8888, 6666))
                        * max(1, int(share // 9000))
                    )
                else:
                    a = max(50, int(share))
            if a <= 0 or (a >= left and k < n - 1):
                break
            parts.append(a)
            left -= a
        if left > 0 and (not parts or sum(parts) < total_yuan):
            parts.append(total_yuan - sum(parts))
        return [p for p in parts if p > 0]

    def compose(
        self,
        rng: random.Random,
        category: str,
        victim_name: str,
        occurred_at: datetime,
        forced: dict[str, str] | None = None,
    ) -> Story:
        """Build a story; ``forced`` pins identifiers shared with other cases (kind -> value)."""
        forced = dict(forced or {})
        spec = self.cat["categories"][category]
        intro = rng.choice(spec["intro"])
        channel = intro["channel"]
        lure = intro.get("lure") or _weighted(rng, spec["lures"])
        ids = self.ids
        slots: dict[str, str] = {
            "platform": forced.get("platform") or ids.platform(rng),
            "app": forced.get("app") or ids.app(rng),
            "url": forced.get("url") or ids.url(rng),
            "qq": forced.get("qq") or ids.qq(rng),
            "wechat": forced.get("wechat") or ids.wechat(rng),
            "phone": forced.get("phone") or ids.phone(rng),
            "company": ids.company(rng),
            "person": name_table().random_name(rng),
            "dating": ids.dating(rng),
            "item": rng.choice(self.cat["items"]),
            "game": rng.choice(self.cat["games"]),
            "role": rng.choice(self.cat["roles"]),
        }
        alias = victim_alias(victim_name, rng)
        median, sigma = spec["loss"]
        total_yuan = max(50, int(rng.lognormvariate(0.0, sigma) * median))
        if total_yuan > 2000:
            total_yuan = total_yuan // 10 * 10 + rng.choice((0, 0, 0, rng.randrange(10)))
        amounts = self._amounts(rng, total_yuan)
        force_bank = "bank_account" in forced
        transfers: list[TransferRecord] = []
        t = occurred_at + timedelta(minutes=rng.randrange(10, 240))
        bank_cards: list[str] = [forced["bank_account"]] if force_bank else []
        for k, a in enumerate(amounts):
            means = "银行卡转账" if force_bank and k == 0 else _weighted(rng, self.means)
            if means in ("银行卡转账", "手机银行转账", "云闪付转账"):
                if bank_cards and (rng.random() < 0.6 or (force_bank and k == 0)):
                    to = bank_cards[0] if k == 0 and force_bank else rng.choice(bank_cards)
                else:
                    to = ids.card(rng)
                    bank_cards.append(to)
            elif means == "微信转账":
                to = slots["wechat"]
            elif means == "支付宝转账":
                to = f"{rng.choice(self.ids.county['fraud_phone_prefixes'])}{rng.randrange(10**8):08d}"
            else:
                to = "收款码"
            transfers.append(TransferRecord(t, a * 100, means, to))
            t += timedelta(minutes=rng.randrange(3, 60 * 30))
        sum_fen = sum(tr.amount_fen for tr in transfers)
        loss_fen = sum_fen
        slip = rng.random() < 0.08 and len(transfers) > 1
        if slip:
            loss_fen = max(100, sum_fen - rng.randrange(1, 100) * 100)
        listed = rng.random() < 0.72 or len(transfers) == 1
        if listed:
            amount_list = "、".join(transfer_amount_text(tr.amount_fen, rng) for tr in transfers)
            all_bank = all(tr.means in ("银行卡转账", "手机银行转账") for tr in transfers)
            if all_bank:
                pay = rng.choice(
                    (
                        f"转账的方式向对方卡里转了{amount_list}",
                        f"先后{len(transfers)}次通过手机银行向对方提供的银行卡转账{amount_list}",
                        f"通过银行卡转账的方式给对方转了{amount_list}",
                    )
                )
            else:
                pay = "其" + ",".join(
                    f"通过{tr.means}{transfer_amount_text(tr.amount_fen, rng)}" for tr in transfers
                )
            if not all_bank and len(transfers) > 1 and rng.random() < 0.5:
                pay = f"先后向对方转账{amount_list}"
            loss = loss_amount_text(loss_fen, rng)
        else:
            summary = loss_amount_text(sum_fen, rng)
            pay = rng.choice(self.cat["summary_pay_leads"]) + summary.text
            loss = (
                AmountText(summary.text, summary.stated_fen, summary.approximate)
                if not slip
                else (loss_amount_text(loss_fen, rng))
            )
        if bank_cards and (force_bank or rng.random() < 0.55):
            pay += "(对方卡号:" + "、".join(bank_cards[:3]) + ")"
        text_parts = [
            when_text(occurred_at, rng),
            f",辖区居民{alias}" + intro["text"].format_map(slots),
            rng.choice(spec["story"]).format_map(slots),
            pay,
            rng.choice(spec["after"]).format_map(slots),
            rng.choice(self.cat["realize"]),
            rng.choice(self.cat["loss_leads"]) + loss.text + "。",
        ]
        text = text_parts[0] + text_parts[1] + "," + ",".join(text_parts[2:6]) + "," + text_parts[6]
        for kind in ("phone", "qq", "wechat", "url", "app", "platform"):
            value = forced.get(kind)
            if value and value not in text:
                label = {"phone": "对方电话", "qq": "对方QQ", "wechat": "对方微信号", "url": "网址",
                         "app": "APP名称", "platform": "平台名称"}[kind]  # fmt: skip
                shown = f"“{value}”" if kind in ("app", "platform") else value
                text = text[:-1] + f"({label}:{shown})。"
        text = self._noise(rng, text)
        identifiers = self._identifiers(slots, transfers, text, forced)
        in_text = tuple(i for i in identifiers if i.value in text)
        return Story(
            narrative=text,
            category=category,
            lure=lure,
            channel=channel,
            victim_alias=alias,
            occurred_at=occurred_at,
            transfers=tuple(transfers),
            loss_fen=loss.stated_fen,
            loss_text=loss.text,
            loss_is_approximate=loss.approximate,
            loss_matches_transfers=loss.stated_fen == sum_fen,
            transfers_listed=listed,
            identifiers=identifiers,
            narrative_identifiers=in_text,
        )

    @staticmethod
    def _identifiers(
        slots: dict[str, str], transfers: list[TransferRecord], text: str, forced: dict[str, str]
    ) -> tuple[IdentifierRecord, ...]:
        seen: set[tuple[str, str]] = set()
        out: list[IdentifierRecord] = []

        def add(kind: str, value: str) -> None:
            if (kind, value) not in seen:
                seen.add((kind, value))
                out.append(IdentifierRecord(kind, value))

        for tr in transfers:
            if tr.to_account.isdigit() and len(tr.to_account) >= 16:
                add("bank_account", tr.to_account)
            elif tr.means == "微信转账":
                add("wechat", tr.to_account)
        for kind in ("phone", "qq", "wechat", "url", "app", "platform"):
            if slots[kind] in text or kind in forced:
                add(kind, slots[kind])
        return tuple(out)

    def _noise(self, rng: random.Random, text: str) -> str:
        if rng.random() < 0.07:
            text = text.replace("年", "年,", 1)
        if rng.random() < 0.05 and "被骗" in text:
            text = text.replace("被骗", "被被骗", 1)
        if rng.random() < 0.1:
            old, new = rng.choice(self.cat["typos"])
            text = text.replace(old, new, 1)
        r = rng.random()
        if r < 0.25:
            text = text.replace(",", "，")
        elif r < 0.35:
            text = "".join("，" if ch == "," and rng.random() < 0.5 else ch for ch in text)
        if rng.random() < 0.08:
            text = text.replace("(", "（").replace(")", "）").replace(":", "：")
        if rng.random() < 0.03:
            text = text[:-1] + "."
        return text


def generate_narratives(n: int, seed: int) -> list[str]:
    """``n`` narratives in the seed cases' style, deterministic for ``seed`` (no county needed)."""
    return [s.narrative for s in generate_stories(n, seed)]


def generate_stories(n: int, seed: int) -> list[Story]:
    """Like :func:`generate_narratives` but with the ground truth of each text."""
    composer = StoryComposer()
    rng = random.Random(f"{seed}:narratives")
    categories = list(composer.cat["categories"])
    weights = [max(0.1, composer.cat["categories"][c]["share"]) for c in categories]
    investment = composer.cat["investment_category"]
    weights[categories.index(investment)] = 0.25
    table = name_table()
    start = datetime(2019, 1, 1)
    out: list[Story] = []
    for _ in range(n):
        category = rng.choices(categories, weights)[0]
        at = start + timedelta(
            days=rng.randrange(8 * 365), hours=rng.randrange(7, 24), minutes=rng.randrange(60)
        )
        out.append(composer.compose(rng, category, table.random_name(rng), at))
    return out
