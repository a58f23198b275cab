"""The fraud taxonomy: categories, form tags and lure channels, read from ``fanzha/data/taxonomy.json``.

The data file is the single source of truth: code never spells a category name. Cues are literal
substrings; :func:`find_cues` reports where they occur so that callers can highlight them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import Any, Literal

from fanzha.domain.data_files import load_data_json

TagKind = Literal["form", "lure"]


@dataclass(frozen=True)
class Category:
    name: str
    code: str
    description: str
    cues: tuple[str, ...]


@dataclass(frozen=True)
class Tag:
    name: str
    kind: TagKind
    cues: tuple[str, ...]


@dataclass(frozen=True)
class DerivedTag:
    """A tag implied by the category together with another tag (e.g. dating lure + investment)."""

    tag: str
    when_category: tuple[str, ...]
    when_any_tag: tuple[str, ...]


@dataclass(frozen=True)
class CueHit:
    """One cue found in a text; ``start``/``end`` are character offsets (end exclusive)."""

    cue: str
    start: int
    end: int
    owner: str  # the category or tag name the cue belongs to


@dataclass(frozen=True)
class Taxonomy:
    categories: tuple[Category, ...]
    tags: tuple[Tag, ...]
    review_threshold: float
    review_label: str
    non_fraud_label: str = "非诈骗"
    derived_tags: tuple[DerivedTag, ...] = ()
    # Words of every police narrative (某某, 其, 对方…): an n-gram made only of them explains nothing.
    evidence_stopwords: tuple[str, ...] = ()

    @property
    def category_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.categories)

    def category(self, name: str) -> Category:
        for c in self.categories:
            if c.name == name:
                return c
        raise KeyError(name)

    def tag(self, name: str) -> Tag:
        for t in self.tags:
            if t.name == name:
                return t
        raise KeyError(name)


def parse_taxonomy(data: dict[str, Any]) -> Taxonomy:
    """Build a :class:`Taxonomy` from the decoded JSON, refusing duplicates and unknown tag kinds."""
    categories = tuple(
        Category(name=c["name"], code=c["code"], description=c["description"], cues=tuple(c["cues"]))
        for c in data["categories"]
    )
    tags = []
    for t in data["tags"]:
        if t["kind"] not in ("form", "lure"):
            raise ValueError(f"tag {t['name']}: unknown kind {t['kind']!r}")
        tags.append(Tag(name=t["name"], kind=t["kind"], cues=tuple(t["cues"])))
    names = [c.name for c in categories]
    if len(set(names)) != len(names):
        raise ValueError("duplicate category names in taxonomy")
    tag_names = [t.name for t in tags]
    if len(set(tag_names)) != len(tag_names):
        raise ValueError("duplicate tag names in taxonomy")
    derived = tuple(
        DerivedTag(
            tag=d["tag"], when_category=tuple(d["when_category"]), when_any_tag=tuple(d["when_any_tag"])
        )
        for d in data.get("derived_tags", [])
    )
    for d in derived:
        if d.tag not in tag_names or not set(d.when_any_tag) <= set(tag_names):
            raise ValueError(f"derived tag {d.tag}: refers to an unknown tag")
        if not set(d.when_category) <= set(names):
            raise ValueError(f"derived tag {d.tag}: refers to an unknown category")
    threshold = float(data["review_threshold"])
    if not 0.0 < threshold < 1.0:
        raise ValueError("review_threshold must lie strictly between 0 and 1")
    return Taxonomy(
        categories=categories,
        tags=tuple(tags),
        review_threshold=threshold,
        review_label=str(data["review_label"]),
        non_fraud_label=str(data["non_fraud_label"]),
        derived_tags=derived,
        evidence_stopwords=tuple(data.get("evidence_stopwords", ())),
    )


@cache
def load_taxonomy() -> Taxonomy:
    """The taxonomy shipped with the package (read once per process)."""
    return parse_taxonomy(load_data_json("taxonomy.json"))


@cache
def _cue_pattern(cues: tuple[str, ...]) -> re.Pattern[str]:
    # Longest first, so that at one position "微信群" wins over "微信".
    return re.compile("|".join(re.escape(c) for c in sorted(set(cues), key=len, reverse=True)))


def find_cues(text: str, cues: tuple[str, ...], owner: str) -> list[CueHit]:
    """Every occurrence of the cues, scanning left to right, longest cue first, without overlaps.

    Overlaps are dropped so that "微信群" does not also count as "微信" at the same place.
    """
    if not cues:
        return []
    return [
        CueHit(cue=m.group(), start=m.start(), end=m.end(), owner=owner)
        for m in _cue_pattern(cues).finditer(text)
    ]


def detect_tags(text: str, taxonomy: Taxonomy | None = None) -> list[tuple[Tag, list[CueHit]]]:
    """Tags whose cues occur in ``text``, in taxonomy order, with the hits that justify them.

    A lure that is only a generic form of a more specific lure found in the same place is still
    reported: "微信群" and "微信" are different channels for the officer.
    """
    tax = taxonomy or load_taxonomy()
    found = []
    for tag in tax.tags:
        hits = find_cues(text, tag.cues, tag.name)
        if hits:
            found.append((tag, hits))
    return found


def derive_tags(category: str, tag_names: list[str], taxonomy: Taxonomy | None = None) -> list[str]:
    """Tags implied by ``category`` plus the tags already found, not already in ``tag_names``."""
    tax = taxonomy or load_taxonomy()
    extra = []
    for rule in tax.derived_tags:
        applies = category in rule.when_category and set(rule.when_any_tag) & set(tag_names)
        if applies and rule.tag not in tag_names and rule.tag not in extra:
            extra.append(rule.tag)
    return extra
