"""Bank card and account numbers. A card number is 15–19 digits passing the Luhn check
(python-stdnum ``luhn``); an account a statement or a report names may be longer, shorter or
carry letters (a wallet id), so only digit groups are joined, never letters dropped.
"""

from __future__ import annotations

import re
import unicodedata

from stdnum import luhn

_GROUP_SEPARATORS = re.compile(r"[\s\-]")


def normalise_account(value: str) -> str:
    """Full-width folded and trimmed; "6222 0212 3456 7890 123" → "6222021234567890123".

    Spaces and dashes between digit groups go; a value with letters keeps its inner spaces.
    """
    text = unicodedata.normalize("NFKC", value or "").strip()
    joined = _GROUP_SEPARATORS.sub("", text)
    return joined if joined.isdigit() else text


def is_valid_bank_card(digits: str) -> bool:
    """True for 15–19 digits passing the Luhn check (UnionPay and international cards)."""
    return 15 <= len(digits) <= 19 and digits.isdigit() and luhn.is_valid(digits)


def format_card(value: str) -> str:
    """A card number in groups of four as printed on the card: "6222 0212 3456 7890 123"."""
    number = normalise_account(value)
    if not number.isdigit():
        return number
    return " ".join(number[i : i + 4] for i in range(0, len(number), 4))
