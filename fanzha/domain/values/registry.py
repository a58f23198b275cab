"""The identifier kinds of ``fanzha/data/identifier_kinds.json`` and the value type of each.

Everything that records, matches or names a fraud identifier asks here: the case models' choices,
the link writer (:func:`normalise_identifier` before every ``Identifier`` row), the clue grading
rules (which kind a clue kind's identifier is), the public risk check (which group a kind is
matched in) and the case drafting (which found kinds are recorded as which).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

from fanzha.domain.data_files import load_data_json
from fanzha.domain.values import account, id_number, phone, url


def _normalise_text(value: str) -> str:
    return unicodedata.normalize("NFKC", value or "").strip()


@dataclass(frozen=True)
class ValueType:
    """How values of one type are cleaned (the stored form), validated, shown and compared.

    Comparing is the same for every type: two writings are one value when they clean alike."""

    name: str
    clean: Callable[[str], str]
    validate: Callable[[str], bool]
    format: Callable[[str], str]

    def compare(self, a: str, b: str) -> bool:
        """The same value in two writings; two empty values are not the same identifier."""
        cleaned = self.clean(a)
        return bool(cleaned) and cleaned == self.clean(b)


VALUE_TYPES: dict[str, ValueType] = {
    "phone": ValueType("phone", phone.normalise_phone, phone.validate_phone, phone.format_phone),
    "account": ValueType(
        "account",
        account.normalise_account,
        lambda v: account.is_valid_bank_card(account.normalise_account(v)),
        account.normalise_account,
    ),
    "id_number": ValueType(
        "id_number",
        id_number.normalise_id_number,
        id_number.is_valid_id_number,
        id_number.normalise_id_number,
    ),
    "url": ValueType("url", url.normalise_url, lambda v: bool(url.url_host(v)), url.normalise_url),
    "text": ValueType("text", _normalise_text, lambda v: bool(_normalise_text(v)), _normalise_text),
}


@dataclass(frozen=True)
class IdentifierKind:
    name: str
    label: str
    noun: str
    value_type: ValueType
    check_group: str
    found_as: tuple[str, ...]


@cache
def identifier_kinds() -> dict[str, IdentifierKind]:
    """Every kind by name, in the order of the data file (the order of the choices)."""
    raw = load_data_json("identifier_kinds.json")["kinds"]
    return {
        name: IdentifierKind(
            name,
            spec["label"],
            spec["noun"],
            VALUE_TYPES[spec["type"]],
            spec["check_group"],
            tuple(spec["found_as"]),
        )
        for name, spec in raw.items()
    }


def kind_label(kind: str) -> str:
    """The kind's label for choices ("银行账户")."""
    return identifier_kinds()[kind].label


def kind_noun(kind: str) -> str:
    """The kind as a sentence names it ("银行卡"); an unknown kind as it is."""
    spec = identifier_kinds().get(kind)
    return spec.noun if spec else kind


def check_group(kind: str) -> str | None:
    """The group (phones, accounts, domains, apps) the risk check matches the kind in."""
    spec = identifier_kinds().get(kind)
    return spec.check_group if spec else None


@cache
def recorded_kind_of_found() -> dict[str, str]:
    """Kinds found in free text (mobile, bank_card, domain…) → the kind recorded (phone, bank_account, url)."""
    return {found: spec.name for spec in identifier_kinds().values() for found in spec.found_as}


def normalise_identifier(kind: str, value: str) -> str:
    """The stored form of ``value`` as an identifier of ``kind`` (phones as bare digits…); '' if empty.

    Raises KeyError for a kind outside the vocabulary, so a typo cannot create a new kind.
    """
    return identifier_kinds()[kind].value_type.clean(value)


def same_identifier(kind: str, a: str, b: str) -> bool:
    return identifier_kinds()[kind].value_type.compare(a, b)


_SEPARATORS = re.compile(r"[\s+-]")


def kind_by_shape(value: str) -> str:
    """A best guess at the kind of an identifier recorded without one: digits of a phone's length
    are a phone, longer digits an account, a dotted or slashed text a URL, anything else an app."""
    digits = _SEPARATORS.sub("", value)
    if digits.isdigit():
        return "phone" if len(digits) <= 13 else "bank_account"
    if "." in value or "/" in value:
        return "url"
    return "app"
