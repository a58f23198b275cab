"""Cutting a narrative into pieces for display, each piece carrying the kinds of span that cover it.

Spans may overlap (an evidence phrase over an amount), so the text is cut at every span boundary
and each piece lists all the spans over it. Works on the masked text too: masking keeps lengths.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Piece:
    text: str
    kinds: tuple[str, ...]  # e.g. ("transfer", "evidence"); empty for plain text
    labels: tuple[str, ...]  # what a reader sees on hover: "转账 1,299元"

    @property
    def css(self) -> str:
        return " ".join(f"hl-{k}" for k in self.kinds)

    @property
    def title(self) -> str:
        return "；".join(dict.fromkeys(self.labels))


def highlight(text: str, spans: Iterable[Mapping[str, Any]]) -> list[Piece]:
    """``spans`` are mappings with ``start``, ``end``, ``kind`` and ``label``; out-of-range or
    empty spans are ignored (a draft made from another version of the text must not crash)."""
    usable = [
        (int(s["start"]), int(s["end"]), str(s["kind"]), str(s.get("label", "")))
        for s in spans
        if 0 <= int(s["start"]) < int(s["end"]) <= len(text)
    ]
    cuts = sorted({0, len(text), *(s for s, _, _, _ in usable), *(e for _, e, _, _ in usable)})
    pieces: list[Piece] = []
    for left, right in itertools.pairwise(cuts):
        over = [(k, label) for s, e, k, label in usable if s <= left and right <= e]
        kinds = tuple(dict.fromkeys(k for k, _ in over))
        labels = tuple(label for _, label in over if label)
        pieces.append(Piece(text[left:right], kinds, labels))
    return pieces
