"""Valid-format identity numbers: resident ID numbers, mobile phones, bank cards.

Uniqueness comes from construction, not from a set of used values, so that any resident can
be rebuilt from its index alone and streaming needs no memory.
"""

from __future__ import annotations

from datetime import date
from operator import mul

_RIC_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_RIC_CHECK = "10X98765432"
_MASK64 = (1 << 64) - 1


def ric_check_digit(first17: str) -> str:
    """GB 11643 check character for the first 17 digits of a resident ID number."""
    return _RIC_CHECK[sum(map(mul, map(int, first17), _RIC_WEIGHTS)) % 11]


def make_id_number(area_code: str, birth: date, sequence: int) -> str:
    """18-character ID; ``sequence`` 0..999 whose last digit is odd for men, even for women."""
    first17 = f"{area_code}{birth.year:04d}{birth.month:02d}{birth.day:02d}{sequence:03d}"
    return first17 + ric_check_digit(first17)


def luhn_check_digit(partial: str) -> str:
    """Luhn digit to append to ``partial`` (bank card numbers)."""
    total = 0
    for i, ch in enumerate(reversed(partial)):
        d = int(ch)
        if i % 2 == 0:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return str((10 - total % 10) % 10)


def luhn_is_valid(number: str) -> bool:
    return number.isdigit() and luhn_check_digit(number[:-1]) == number[-1]


def make_card_number(bin_prefix: str, length: int, serial: int) -> str:
    """Card number of ``length`` digits: BIN, zero-padded serial, Luhn digit."""
    body_len = length - len(bin_prefix) - 1
    body = f"{serial % (10**body_len):0{body_len}d}"
    partial = bin_prefix + body
    return partial + luhn_check_digit(partial)


# Odd multiplier coprime with 10 makes index -> suffix a bijection modulo 10**8.
_PHONE_A = 48271 * 2 + 1
_PHONE_B = 27_182_818


def resident_phone_suffix(index: int) -> int:
    """Distinct 8-digit suffix for every resident index below 10**8."""
    return (index * _PHONE_A + _PHONE_B) % 100_000_000


def mix64(*parts: int) -> int:
    """SplitMix64-style hash of integers: fast per-record randomness with no shared state."""
    x = 0x9E3779B97F4A7C15
    for p in parts:
        x = (x ^ (p & _MASK64)) * 0xBF58476D1CE4E5B9 & _MASK64
        x ^= x >> 31
        x = (x * 0x94D049BB133111EB) & _MASK64
        x ^= x >> 29
    return x


def mix3(a: int, b: int, c: int) -> int:
    """:func:`mix64` specialised to three parts for the per-resident hot path."""
    x = (a * 0x9E3779B97F4A7C15 + b * 0xD1B54A32D192ED03 + c * 0xC2B2AE3D27D4EB4F) & _MASK64
    x ^= x >> 30
    x = (x * 0xBF58476D1CE4E5B9) & _MASK64
    x ^= x >> 27
    x = (x * 0x94D049BB133111EB) & _MASK64
    return x ^ (x >> 31)
