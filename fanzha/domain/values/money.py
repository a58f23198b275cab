"""Money: stored everywhere as integer fen; shown, exported and typed as yuan.

One formatter serves every page, export, letter and message; its few variants are parameters:

* ``decimals="cents_when_needed"`` (default): "96135", "12.50" — as officers write an amount;
* ``decimals="always"``: "96135.00" — tables, where the figures line up;
* ``decimals="trimmed"``: "96135", "12.5", "0.05" — a form field or an API string, no zeros added;
* ``decimals="whole"``: "96135" — rounded to the yuan (half to even), for a headline figure;
* ``grouping=True``: thousands separators, "96,135.00";
* ``unit="元"``: the unit after the figure.

Parsing what people write ("20余万元") is :mod:`fanzha.domain.amounts`; parsing spreadsheet cells
belongs to the table reader.
"""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal
from typing import Literal

Decimals = Literal["cents_when_needed", "always", "trimmed", "whole"]
FEN_PER_YUAN = 100


def yuan_decimal(fen: int) -> Decimal:
    """The exact amount in yuan with two decimal places: 129900 → Decimal("1299.00")."""
    return Decimal(int(fen)).scaleb(-2)


def yuan_number(fen: int) -> int | float:
    """Yuan as a JSON or spreadsheet number: an int when whole, else a float rounded to the fen."""
    if fen % FEN_PER_YUAN == 0:
        return fen // FEN_PER_YUAN
    return round(fen / FEN_PER_YUAN, 2)


def fen_of_yuan(yuan: Decimal | int) -> int:
    """Integer fen of an amount in yuan that has at most two decimals (Decimal("12.5") → 1250)."""
    return int((Decimal(yuan) * FEN_PER_YUAN).to_integral_value())


def format_yuan(
    fen: int | None,
    *,
    decimals: Decimals = "cents_when_needed",
    grouping: bool = False,
    unit: str = "",
    missing: str = "—",
) -> str:
    """``fen`` as a yuan figure (see the module for the variants); ``missing`` when it is None."""
    if fen is None:
        return missing
    amount = yuan_decimal(fen)
    separator = "," if grouping else ""
    if decimals == "always" or (decimals == "cents_when_needed" and fen % FEN_PER_YUAN):
        text = format(amount, f"{separator}.2f")
    elif decimals == "trimmed":
        text = format(amount.normalize(), f"{separator}f")
    elif decimals == "whole":
        text = format(amount.quantize(Decimal(1), rounding=ROUND_HALF_EVEN), f"{separator}f")
    else:
        text = format(fen // FEN_PER_YUAN, separator)
    return text + unit
