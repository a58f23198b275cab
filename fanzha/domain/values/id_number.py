"""Resident ID numbers (居民身份证号码, GB 11643): 18 characters, the last a check digit or X; the
old 15-digit numbers still turn up in records. Stored upper-case without spaces.
"""

from __future__ import annotations

import re
import unicodedata

from stdnum.cn import ric

_ID_SHAPE = re.compile(r"\d{17}[\dX]|\d{15}")


def normalise_id_number(value: str) -> str:
    """Upper case, no spaces, full-width folded; a trailing lower-case x is the check digit X."""
    return re.sub(r"\s", "", unicodedata.normalize("NFKC", value or "")).upper()


def looks_like_id_number(value: str) -> bool:
    """18 characters (17 digits + digit or X) or the old 15 digits; no check digit required,
    because a record with a mistyped check digit still names the person."""
    return bool(_ID_SHAPE.fullmatch(value))


def is_valid_id_number(value: str) -> bool:
    """True for an 18-character resident ID with a real birth date and a correct GB 11643 check digit.

    The region code is not checked against python-stdnum's list of places: people keep the code
    of a county that has since been merged or renamed, so an unknown code is no sign of a typo.
    """
    value = value.upper()
    if len(value) != 18 or not value[:17].isdigit():
        return False
    if value[-1] != ric.calc_check_digit(value):
        return False
    try:
        ric.get_birth_date(value)
    except ValueError:
        return False
    return True


def has_plausible_birth_date(value: str) -> bool:
    """18 digits whose birth-date part could be one: a mistyped check digit still reads as an ID."""
    if len(value) != 18 or not value[:17].isdigit():
        return False
    year, month, day = int(value[6:10]), int(value[10:12]), int(value[12:14])
    return 1900 <= year <= 2030 and 1 <= month <= 12 and 1 <= day <= 31
