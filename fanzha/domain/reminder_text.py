"""What a reminder says: per-category templates (``fanzha/data/reminders/templates.json``) filled
with the script fraudsters are using locally right now, read off the station's recent confirmed
cases — the platform or app named most often, how victims were first contacted, the amount
usually asked for first.

An SMS must fit one message: 70 characters for Chinese text, the signature counted, a character
outside the Basic Multilingual Plane (an emoji) counted twice because UCS-2 spends two units on
it. Templates are tried in order and the first whose placeholders are all known and whose text
fits is used; the last template of every category has no placeholder, so something always fits.
A WeChat group post has no such limit: its lines are kept when their placeholders are known.

Pure Python; money is integer fen.
"""

from __future__ import annotations

import math
import re
import string
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from statistics import median
from typing import Any

from fanzha.domain.data_files import load_data_json

DEFAULT_KEY = "default"
# A multi-part SMS carries a header in each part and leaves 67 characters per part.
CHARACTERS_PER_PART = 67


@dataclass(frozen=True)
class Templates:
    sms: Mapping[str, tuple[str, ...]]
    wechat: Mapping[str, tuple[str, ...]]

    def sms_for(self, category: str) -> tuple[str, ...]:
        return self.sms.get(category) or self.sms[DEFAULT_KEY]

    def wechat_for(self, category: str) -> tuple[str, ...]:
        return self.wechat.get(category) or self.wechat[DEFAULT_KEY]


def parse_templates(raw: Mapping[str, Any]) -> Templates:
    sms: dict[str, tuple[str, ...]] = {}
    wechat: dict[str, tuple[str, ...]] = {}
    for key, entry in raw["categories"].items():
        sms[key] = tuple(entry["sms"])
        wechat[key] = tuple(entry["wechat"])
        if not sms[key] or placeholders(sms[key][-1]) - {"signature"}:
            raise ValueError(f"the last SMS template of {key} must need nothing but the signature")
    if DEFAULT_KEY not in sms:
        raise ValueError("templates need a default entry")
    return Templates(sms, wechat)


@cache
def load_templates() -> Templates:
    return parse_templates(load_data_json("reminders/templates.json"))


def placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


# ---------------------------------------------------------------------------------------------
# The local script


@dataclass(frozen=True)
class CaseFacts:
    """What a confirmed case tells about the script: its lure (the hook), the channel of first
    contact, the platforms and apps it names, and its payments in order."""

    category: str
    at: datetime
    lure: str = ""
    channel: str = ""
    platforms: tuple[str, ...] = ()
    transfers_fen: tuple[int, ...] = ()


@dataclass(frozen=True)
class LocalScript:
    """The script of one category in the station's recent cases (all optional but ``cases``)."""

    category: str
    cases: int
    days: int
    platform: str = ""
    lure: str = ""
    channel: str = ""
    first_amount_fen: int | None = None

    def values(self) -> dict[str, str]:
        """Placeholder values that are known; unknown ones are left out, not blank."""
        out = {
            "cases": str(self.cases),
            "days": str(self.days),
            "category": short_category(self.category),
            "people": "多人" if self.cases >= 2 else "有人",
        }
        if self.platform:
            out["platform"] = self.platform
        if self.lure:
            out["lure"] = self.lure
        if self.channel:
            out["channel"] = self.channel
        if self.first_amount_fen:
            out["amount"] = amount_phrase(self.first_amount_fen)
        if not self.cases:
            del out["cases"]
        return out

    def as_dict(self) -> dict[str, Any]:
        return {
            "category": self.category,
            "cases": self.cases,
            "days": self.days,
            "platform": self.platform,
            "lure": self.lure,
            "channel": self.channel,
            "first_amount_fen": self.first_amount_fen,
        }


def short_category(category: str) -> str:
    """刷单返利类 → 刷单返利; the part in brackets goes too."""
    name = re.sub(r"（.*?）|\(.*?\)", "", category)
    return name.removesuffix("类诈骗").removesuffix("诈骗").removesuffix("类") or category


def _most_common(values: Sequence[str]) -> str:
    """The value named most often; a tie goes to the one named most recently (values are in time order)."""
    counts = Counter(v for v in values if v)
    if not counts:
        return ""
    top = max(counts.values())
    return next(v for v in reversed(values) if counts.get(v) == top)


def summarise_script(category: str, cases: Sequence[CaseFacts], days: int) -> LocalScript:
    """The script of ``category`` in ``cases`` (the caller picks the recent confirmed ones)."""
    own = sorted((c for c in cases if c.category == category), key=lambda c: c.at)
    platforms = [p for c in own for p in c.platforms]
    firsts = [c.transfers_fen[0] for c in own if c.transfers_fen and c.transfers_fen[0] > 0]
    return LocalScript(
        category=category,
        cases=len(own),
        days=days,
        platform=_most_common(platforms),
        lure=_most_common([c.lure for c in own]),
        channel=_most_common([c.channel for c in own]),
        first_amount_fen=int(median(firsts)) if firsts else None,
    )


def amount_phrase(fen: int) -> str:
    """An amount as people say it, to two significant figures: 1,980 元 → 2000元, 15,400 → 1.5万元."""
    yuan = fen / 100
    if yuan < 100:
        return f"{max(1, round(yuan))}元"
    digits = math.floor(math.log10(yuan))
    rounded = round(yuan, 1 - digits)
    if rounded >= 10_000:
        return f"{rounded / 10_000:g}万元"
    return f"{int(rounded)}元"


# ---------------------------------------------------------------------------------------------
# Filling


def sms_length(text: str) -> int:
    """Characters as an SMS counts them (UCS-2 units)."""
    return sum(2 if ord(c) > 0xFFFF else 1 for c in text)


def sms_parts(text: str, limit: int = 70) -> int:
    length = sms_length(text)
    if length <= limit:
        return 1
    return math.ceil(length / CHARACTERS_PER_PART)


def signature_for(pattern: str, station_name: str) -> str:
    """The SMS signature: ``pattern`` with {station} as the station's short name
    (青禾县公安局城关派出所 → 城关派出所)."""
    short = station_name.rsplit("公安局", 1)[-1] or station_name
    return pattern.format(station=short)


@dataclass(frozen=True)
class FilledText:
    text: str
    length: int
    limit: int
    template_index: int
    values: dict[str, str]

    @property
    def fits(self) -> bool:
        return self.length <= self.limit


def fill_sms(
    script: LocalScript, signature: str, *, limit: int = 70, templates: Templates | None = None
) -> FilledText:
    """The first template of the category that can be filled and fits ``limit``."""
    chosen = templates or load_templates()
    values = {**script.values(), "signature": signature}
    variants = chosen.sms_for(script.category)
    for index, template in enumerate(variants):
        if not placeholders(template) <= set(values):
            continue
        text = template.format(**values)
        if sms_length(text) <= limit:
            return FilledText(text, sms_length(text), limit, index, values)
    # Only a signature too long for any template ends here; say so rather than cut the text.
    text = variants[-1].format(signature=signature)
    return FilledText(text, sms_length(text), limit, len(variants) - 1, values)


def wechat_post(script: LocalScript, station_name: str, *, templates: Templates | None = None) -> str:
    """The group message: every line of the category's template whose placeholders are known."""
    chosen = templates or load_templates()
    values = {**script.values(), "station": station_name}
    lines = [
        line.format(**values)
        for line in chosen.wechat_for(script.category)
        if placeholders(line) <= set(values)
    ]
    return "\n".join(lines)


class TextRefused(ValueError):
    """An officer's own text that cannot go out; the message is plain Chinese."""


def check_sms(text: str, signature: str, limit: int = 70) -> str:
    """An edited SMS, stripped and checked: it starts with the signature, has no unfilled
    placeholder and fits one message."""
    text = text.strip().replace("\r\n", "\n")
    if not text:
        raise TextRefused("短信内容不能为空")
    if signature and not text.startswith(signature):
        raise TextRefused(f"短信须以签名“{signature}”开头")
    if re.search(r"\{[a-z_]+\}", text):
        raise TextRefused("短信中还有未填写的占位符（如 {platform}），请改成具体内容")
    length = sms_length(text)
    if length > limit:
        raise TextRefused(f"短信共 {length} 字，超过一条短信的 {limit} 字，请删减 {length - limit} 字")
    return text
