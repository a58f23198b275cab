"""Masking of personal data for display, as public-security systems usually show it.

* names: the first and last characters stay, the middle becomes ``*`` (张某芹 → 张*芹,
  欧阳娜娜 → 欧**娜); a two-character name keeps its surname (张三 → 张*);
* resident ID numbers: first 6 (the region code) and last 4 stay — 110101********1234;
* mobiles: first 3 and last 4 — 138****5678; landlines keep the area code and last 4;
* bank cards: first 6 (the issuer BIN, which investigators need) and last 4 —
  622202*********0123;
* QQ / WeChat / e-mail accounts: first 2 and last 2 characters (of the local part).

URLs and domains are not masked: they are fraud infrastructure, not personal data. Every mask
keeps the length, so a masked text keeps the spans of the original.
"""

from __future__ import annotations

from fanzha.domain.identifiers import PHONE_KINDS, Identifier, find_identifiers
from fanzha.domain.values.phone import country_code_length


def mask_name(name: str) -> str:
    """张某芹 → 张*芹, 张三 → 张*, 欧阳娜娜 → 欧**娜; a one-character name is left alone."""
    if len(name) <= 1:
        return name
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


def _keep_ends(value: str, head: int, tail: int) -> str:
    if len(value) <= head + tail:
        return value[0] + "*" * (len(value) - 1) if value else value
    return value[:head] + "*" * (len(value) - head - tail) + value[-tail:]


def mask_id_number(value: str) -> str:
    """110101199003071234 → 110101********1234 (15-digit old IDs: 110101*****1234)."""
    return _keep_ends(value, 6, 4)


def mask_phone(value: str) -> str:
    """13812345678 → 138****5678; separators and a +86 prefix are kept in place."""
    digit_positions = [i for i, c in enumerate(value) if c.isdigit()]
    if len(digit_positions) < 8:
        return _keep_ends(value, 1, 1)
    digits = "".join(value[i] for i in digit_positions)
    country = country_code_length(digits)
    head = country + (3 if digits[country] == "1" else 4 if digits[country] == "0" else 3)
    hide = set(digit_positions[head : len(digit_positions) - 4])
    return "".join("*" if i in hide else c for i, c in enumerate(value))


def mask_card(value: str) -> str:
    """6222021234567890123 → 622202*********0123; spaces between groups are kept."""
    digit_positions = [i for i, c in enumerate(value) if c.isdigit()]
    if len(digit_positions) <= 10:
        return _keep_ends(value, 2, 2)
    hide = set(digit_positions[6:-4])
    return "".join("*" if i in hide else c for i, c in enumerate(value))


def mask_account(value: str) -> str:
    """QQ, WeChat ID or e-mail: first 2 and last 2 characters (of the part before ``@``)."""
    if "@" in value:
        local, _, domain = value.partition("@")
        return (
            _keep_ends(local, 2, 2) if len(local) > 4 else local[:1] + "*" * (len(local) - 1) + "@" + domain
        )
    return _keep_ends(value, 2, 2)


def mask_identifier(identifier: Identifier) -> str:
    """The masked form of an identifier's text as written (URLs and domains unchanged)."""
    text = identifier.text
    if identifier.kind == "id_number":
        return mask_id_number(text)
    if identifier.kind in PHONE_KINDS:
        return mask_phone(text) if identifier.kind != "service_number" else text
    if identifier.kind == "bank_card":
        return mask_card(text)
    if identifier.kind in ("qq", "wechat"):
        return mask_account(text)
    if identifier.kind == "email":
        local, _, domain = text.partition("@")
        return mask_account(local) + "@" + domain
    return text


def mask_text(text: str, names: list[tuple[int, int]] | None = None) -> str:
    """``text`` with every identifier found in it masked, and the names masked.

    ``names`` are ``(start, end)`` spans of person names; when None, the victim's name found
    after 辖区居民/受害人/报警人… is masked. Lengths are kept, so spans computed on the original
    still point at the same words.
    """
    if names is None:
        from fanzha.domain.extraction import find_victim  # extraction imports this module

        victim = find_victim(text)
        names = [(victim.start, victim.end)] if victim else []
    pieces = list(text)
    for identifier in find_identifiers(text):
        masked = mask_identifier(identifier)
        pieces[identifier.start : identifier.end] = list(masked)
    for start, end in names:
        pieces[start:end] = list(mask_name(text[start:end]))
    return "".join(pieces)
