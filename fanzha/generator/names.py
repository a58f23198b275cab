"""Synthetic Chinese personal names and the "张某芹" aliases officers write in reports."""

from __future__ import annotations

import random
from bisect import bisect_right
from functools import cache
from itertools import accumulate

from fanzha.generator.catalog import load_generator_data
from fanzha.generator.numbers import mix64


class NameTable:
    """Draws names from integer hashes so that a person's name is a pure function of an index."""

    def __init__(self) -> None:
        data = load_generator_data("names")
        self.surnames: list[str] = [s for s, _ in data["surnames"]]
        self._cum: list[int] = list(accumulate(w for _, w in data["surnames"]))
        self.given_male: str = data["given_male"]
        self.given_female: str = data["given_female"]
        self.blocked: frozenset[str] = frozenset(data["blocked_full_names"])

    def surname(self, x: int) -> str:
        return self.surnames[bisect_right(self._cum, x % self._cum[-1])]

    def given(self, x: int, male: bool) -> str:
        pool = self.given_male if male else self.given_female
        n = len(pool)
        if x % 4 == 0:
            return pool[(x >> 2) % n]
        return pool[(x >> 2) % n] + pool[(x >> 20) % n]

    def full_name(self, x: int, male: bool, surname: str | None = None) -> str:
        """A full name from hash ``x``; redrawn while it matches a well-known person."""
        sur = surname if surname is not None else self.surname(x >> 40)
        attempt = 0
        name = sur + self.given(x, male)
        while name in self.blocked:
            attempt += 1
            name = sur + self.given(mix64(x, attempt), male)
        return name

    def random_name(self, rng: random.Random) -> str:
        return self.full_name(rng.getrandbits(64), rng.random() < 0.5)


@cache
def name_table() -> NameTable:
    return NameTable()


def surname_of(name: str) -> str:
    table = name_table()
    if len(name) >= 3 and name[:2] in table.surnames:
        return name[:2]
    return name[:1]


def victim_alias(name: str, rng: random.Random) -> str:
    """The masked form used in narratives: 张某芹, 朱某某 or 惠某."""
    sur = surname_of(name)
    given = name[len(sur) :]
    r = rng.random()
    if r < 0.45 and given:
        return f"{sur}某{given[-1]}"
    if r < 0.9:
        return f"{sur}某某"
    return f"{sur}某"
