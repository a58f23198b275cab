"""Identifiers named in free text: bank cards, phones, QQ and WeChat accounts, URLs, ID numbers.

Each comes with its span in the original text and a ``valid`` flag from the field's own check:
bank cards by the Luhn check (python-stdnum ``luhn``), resident ID numbers by the GB 11643
check digit and birth date (python-stdnum ``cn.ric``), mobiles by the numbering plan's prefixes
(``fanzha/data/extraction/mobile_prefixes.json``). A long digit run is classified by the words
just before it (身份证, 卡号, QQ, 微信号…) first and by which check it passes second.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Literal

from stdnum import luhn

from fanzha.domain.amounts import to_halfwidth
from fanzha.domain.data_files import load_data_json
from fanzha.domain.values.id_number import has_plausible_birth_date, is_valid_id_number
from fanzha.domain.values.phone import country_code_length, is_valid_mobile

Kind = Literal[
    "bank_card",
    "mobile",
    "landline",
    "international",
    "service_number",
    "qq",
    "wechat",
    "email",
    "url",
    "domain",
    "id_number",
]
ACCOUNT_KINDS: frozenset[str] = frozenset({"bank_card", "qq", "wechat", "email"})
PHONE_KINDS: frozenset[str] = frozenset({"mobile", "landline", "international", "service_number"})
URL_KINDS: frozenset[str] = frozenset({"url", "domain"})


@dataclass(frozen=True)
class Identifier:
    """One identifier: ``value`` is normalised (digits only for numbers), ``text`` as written."""

    kind: Kind
    value: str
    text: str
    start: int
    end: int
    valid: bool


def _load(name: str) -> dict[str, Any]:
    data: dict[str, Any] = load_data_json(f"extraction/{name}")
    return data


def _cues() -> dict[str, Any]:
    return _load("narrative_cues.json")


@lru_cache(maxsize=1)
def _domain_pattern() -> re.Pattern[str]:
    tlds = sorted(_load("tlds.json")["tlds"], key=len, reverse=True)
    return re.compile(
        r"(?<![A-Za-z0-9@._-])(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+"
        rf"(?:{'|'.join(tlds)})(?![A-Za-z0-9-])(?:/[A-Za-z0-9\-._~/?#=&%+]*)?"
    )


_URL = re.compile(r"(?:https?://|www\.)[A-Za-z0-9\-._~:/?#\[\]@!$&'*+,;=%]+", re.IGNORECASE)
_EMAIL = re.compile(r"(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
_DIGIT_RUN = re.compile(
    r"(?<![0-9.])(?:\+?86[- ]?)?\d(?:\d|[ -](?=\d)){3,22}[\dXx]?(?![0-9A-Za-z])|(?<![0-9])\d{17}[Xx]"
)
_WECHAT_ID = re.compile(
    r"(?:微信号|微信ID|微信id|微信账号|vx号|VX号|wx号)\s*(?:[:：为是]|叫)?\s*(?P<id>[A-Za-z][A-Za-z0-9_-]{5,19})"
    r"|(?P<wxid>wxid_[A-Za-z0-9]{4,24})"
)
_PARENTHESISED_ID = re.compile(r"\((?P<id>[A-Za-z][A-Za-z0-9_-]{4,19})\)")
_TRAILING_URL_PUNCT = ".,;:!?)]}'"


@lru_cache(maxsize=1)
def _context_words() -> tuple[re.Pattern[str], dict[str, str]]:
    cues = _cues()
    kind_by_word: dict[str, str] = {}
    # Earlier kinds win for a word listed twice: the specific ones come first.
    for kind, key in (
        ("phone", "phone_context"),
        ("bank_card", "card_context"),
        ("wechat", "wechat_context"),
        ("qq", "qq_context"),
        ("id_number", "id_context"),
    ):
        for word in cues[key]:
            kind_by_word[word] = kind
    words = sorted(kind_by_word, key=len, reverse=True)
    return re.compile("|".join(re.escape(w) for w in words)), kind_by_word


# "号码" says only that a number follows: right after QQ, 微信 or 卡 ("QQ（号码：1234567）") the
# specific word names the kind.
_GENERIC_CONTEXT = frozenset({"号码"})
_GENERIC_REACH = 6


def _context_kind(before: str) -> str | None:
    """The kind named by the context word that ends closest to the number."""
    pattern, kind_by_word = _context_words()
    matches = list(pattern.finditer(before))
    if not matches:
        return None
    last = matches[-1]
    if last.group() in _GENERIC_CONTEXT and len(matches) > 1:
        previous = matches[-2]
        if last.start() - previous.end() <= _GENERIC_REACH:
            return kind_by_word[previous.group()]
    return kind_by_word[last.group()]


def _classify_digits(raw: str, before: str) -> tuple[Kind, str, bool] | None:
    digits = re.sub(r"[^0-9Xx]", "", raw)
    if raw.startswith(("+86", "86")) and country_code_length(digits) == 2:
        digits = digits[2:]
    context = _context_kind(before)
    n = len(digits)
    if context == "id_number" and n in (15, 18):
        return "id_number", digits.upper(), is_valid_id_number(digits)
    if digits[-1] in "Xx":
        return ("id_number", digits.upper(), is_valid_id_number(digits)) if n == 18 else None
    if context == "qq" and 5 <= n <= 11:
        return "qq", digits, digits[0] != "0"
    if context == "wechat" and 5 <= n <= 20:
        return "wechat", digits, True
    if n == 11 and digits[0] == "1":
        if context == "bank_card":
            return "bank_card", digits, False
        return "mobile", digits, is_valid_mobile(digits)
    if digits.startswith("00") and 11 <= n <= 17:
        return "international", digits, True  # 00852…: calls from abroad are a fraud marker
    if digits[0] == "0" and 10 <= n <= 12 and ("-" in raw or context == "phone"):
        return "landline", digits, True
    if digits.startswith(("400", "800")) and n == 10:
        return "service_number", digits, True
    if n == 18 and is_valid_id_number(digits):
        return "id_number", digits, True
    if 15 <= n <= 19:
        if luhn.is_valid(digits):
            return "bank_card", digits, True
        if n == 18 and has_plausible_birth_date(digits) and context != "bank_card":
            return "id_number", digits, False
        return "bank_card", digits, False
    if context == "bank_card" and 12 <= n <= 21:
        return "bank_card", digits, False
    if context == "phone" and 7 <= n <= 12:
        return "mobile" if digits[0] == "1" else "landline", digits, False
    return None


def find_identifiers(text: str) -> list[Identifier]:
    """Every identifier in ``text``, in text order, with spans into the original text."""
    folded = to_halfwidth(text)
    found: list[Identifier] = []
    taken: list[tuple[int, int]] = []

    def free(start: int, end: int) -> bool:
        return not any(start < t_end and t_start < end for t_start, t_end in taken)

    def add(kind: Kind, value: str, start: int, end: int, valid: bool) -> None:
        found.append(Identifier(kind, value, text[start:end], start, end, valid))
        taken.append((start, end))

    for match in _URL.finditer(folded):
        end = match.end()
        while end > match.start() and folded[end - 1] in _TRAILING_URL_PUNCT:
            end -= 1
        add("url", folded[match.start() : end], match.start(), end, True)
    for match in _EMAIL.finditer(folded):
        if free(match.start(), match.end()):
            add("email", match.group(), match.start(), match.end(), True)
    for match in _domain_pattern().finditer(folded):
        if free(match.start(), match.end()):
            add("domain", match.group().lower(), match.start(), match.end(), True)
    for match in _WECHAT_ID.finditer(folded):
        group = "id" if match.group("id") else "wxid"
        if free(match.start(group), match.end(group)):
            add("wechat", match.group(group), match.start(group), match.end(group), True)
    for match in _PARENTHESISED_ID.finditer(folded):
        # "添加为微信好友(wulwdv985)", "陌生人(nqqxo952)": the account is the app named just before.
        if not free(match.start("id"), match.end("id")):
            continue
        before = folded[max(0, match.start() - 20) : match.start()]
        wechat_at, qq_at = before.rfind("微信"), max(before.rfind("QQ"), before.rfind("qq"))
        if wechat_at > qq_at:
            add("wechat", match.group("id"), match.start("id"), match.end("id"), True)
        elif qq_at >= 0 and match.group("id").isdigit():
            add("qq", match.group("id"), match.start("id"), match.end("id"), True)
    for match in _DIGIT_RUN.finditer(folded):
        raw = match.group()
        start, end = match.start(), match.end()
        if not free(start, end):
            continue
        before = folded[max(0, start - 12) : start]
        classified = _classify_digits(raw, before)
        if classified is None:
            continue
        kind, value, valid = classified
        add(kind, value, start, end, valid)
    found.sort(key=lambda item: item.start)
    return found
