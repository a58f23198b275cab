"""Phone numbers: mainland mobiles, landlines with area code, 400/800 service numbers, foreign
numbers. Stored and compared as bare digits without the +86 / 0086 country code.

Reading what a person typed (country codes, a foreign number, a landline's area code) is
``phonenumbers``' job (its "lite" build: the numbering plan without geocoding or carrier data).
The mobile number ranges come from ``fanzha/data/extraction/mobile_prefixes.json`` (the numbering
plan's prefixes): whether a number is in an allocated range is a separate, stricter question
(:func:`is_valid_mobile`) than whether it has a mobile's shape (:func:`looks_like_mobile`), which is
what a form asks of a number a resident types about themselves.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache

import phonenumbers
from phonenumbers import PhoneNumberType

from fanzha.domain.data_files import load_data_json

_MOBILE_SHAPE = re.compile(r"1[3-9][0-9]{9}")
# What may stand between the digits of a number typed into a form: spaces, dashes, brackets, a plus.
_TYPED_PHONE = re.compile(r"[0-9\s\-()+]+")


@cache
def _mobile_prefixes() -> frozenset[str]:
    return frozenset(load_data_json("extraction/mobile_prefixes.json")["prefixes"])


def country_code_length(digits: str) -> int:
    """How many leading digits of ``digits`` are the mainland country code (0086 or 86), else 0.

    "0086" always is (no national number starts with it); "86" only in front of 11 digits, since
    a bare 86… can be a landline number of its own.
    """
    if digits.startswith("0086") and len(digits) > 4:
        return 4
    if digits.startswith("86") and len(digits) == 13:
        return 2
    return 0


def normalise_phone(text: str) -> str:
    """Digits only (full-width folded), without the country code: "+86 138-0013-8000" → "13800138000".

    Idempotent; "" for a text without digits. Anything that is no phone still gives its digits, so
    callers that need a real number ask :func:`parse_mobile` or :func:`is_valid_mobile`.
    """
    # Any script's decimal digit counts as its ASCII digit (NFKC folds only the full-width ones).
    folded = unicodedata.normalize("NFKC", text or "")
    digits = "".join(str(unicodedata.decimal(char)) for char in folded if char.isdecimal())
    while prefix := country_code_length(digits):  # "0086 86…" as some exports write it
        digits = digits[prefix:]
    return digits


def looks_like_mobile(digits: str) -> bool:
    """11 digits starting 13–19: the shape of a mainland mobile number."""
    return bool(_MOBILE_SHAPE.fullmatch(digits))


def is_valid_mobile(digits: str) -> bool:
    """True when ``digits`` (11 digits, no country code) lies in an allocated mobile number range."""
    return len(digits) == 11 and digits.isdigit() and digits[:3] in _mobile_prefixes()


def is_landline(digits: str) -> bool:
    """A mainland fixed line with a real area code (``phonenumbers``' numbering plan): "057188886666"."""
    if not (digits.startswith("0") and digits.isdigit()):
        return False
    number = _parsed(digits)
    return (
        number is not None
        and phonenumbers.is_valid_number(number)
        and phonenumbers.number_type(number) == PhoneNumberType.FIXED_LINE
    )


def _parsed(text: str) -> phonenumbers.PhoneNumber | None:
    """``text`` read as dialled in mainland China ("0086…", "+1…" and a bare national number)."""
    try:
        return phonenumbers.parse(text, "CN")
    except phonenumbers.NumberParseException:
        return None


def parse_mobile(text: str) -> str | None:
    """The mobile number typed in ``text`` as 11 digits, or None.

    Only digits and the separators people type (spaces, dashes, brackets, +86 or 0086) may be
    there: "138a0013800" is refused, not read as a number; another country's number is refused
    however much it looks like a mainland one (``phonenumbers`` reads the country code).
    """
    folded = unicodedata.normalize("NFKC", text or "").strip()
    if not _TYPED_PHONE.fullmatch(folded) or "+" in folded[1:]:
        return None
    number = _parsed(folded)
    if number is None or number.country_code != 86:
        return None
    digits = str(number.national_number)
    return digits if looks_like_mobile(digits) else None


def validate_phone(text: str) -> bool:
    """A mobile in an allocated range or a landline with area code."""
    digits = normalise_phone(text)
    return is_valid_mobile(digits) or is_landline(digits)


def format_phone(text: str) -> str:
    """The stored form: bare digits without the country code."""
    return normalise_phone(text)
