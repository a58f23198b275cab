"""Scam moves: what the other side asks a resident to do, and who they claim to be.

A fraud message is recognised by its moves more than by its words: someone claiming to be the
police, a boss, customer service or an investment "teacher" asks the resident to move or
advance money, give a card number or a code, install an app or share a screen. The moves are
data (``data/risk/moves.json``): an *ask* alone makes a text at least 可疑, and a *claim* with a
matching ask names a known *script* with the one action that protects against it.

Matching runs on NFKC text with OCR look-alikes folded (己→已, 帐→账…), so a chat read off a
screenshot matches as typed (``text_normalize.fold_lookalikes``). A negation just before a match (不要转账, 千万别告诉验证码) cancels
it: warnings about fraud are not fraud. Every move keeps the words it matched, quoted back to the
resident as the reason.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from fanzha.domain.data_files import load_data_json
from fanzha.domain.text_normalize import fold_lookalikes

_ALNUM_RUN = re.compile(r"[0-9A-Za-z]+(?:[ -][0-9A-Za-z]+)*")
# A quote runs to the clause around the matched words, at most this many characters each side.
QUOTE_CONTEXT = 14
_CLAUSE_BREAK = re.compile(r"[，,；;。！？!?\n]")
# NFKC turns full-width punctuation into ASCII; a quote is shown to residents as Chinese.
_WIDE_PUNCT = str.maketrans({",": "，", "!": "！", "?": "？", ";": "；", ":": "："})


@dataclass(frozen=True)
class Move:
    """One ask or claim found in a text; ``quote`` is the matched words with a little context."""

    kind: str  # "ask" or "claim"
    key: str
    label: str
    quote: str
    weight: float = 0.0


@dataclass(frozen=True)
class Script:
    """A known scam script: a claim (or none) together with an ask."""

    name: str
    category: str | None
    weight: float
    protect: str
    claim: Move | None
    ask: Move


@dataclass(frozen=True)
class Moves:
    asks: tuple[Move, ...]
    claims: tuple[Move, ...]
    scripts: tuple[Script, ...]

    @property
    def ask_keys(self) -> list[str]:
        return [move.key for move in self.asks]

    @property
    def claim_keys(self) -> list[str]:
        return [move.key for move in self.claims]


@dataclass(frozen=True)
class _Rule:
    key: str
    label: str
    weight: float
    patterns: tuple[re.Pattern[str], ...]
    exempt: re.Pattern[str] | None = None
    # Characters each side of a match the exempt pattern is looked for in; 0: the quoted clause.
    exempt_window: int = 0


@dataclass(frozen=True)
class _ScriptRule:
    claims: frozenset[str]
    asks: tuple[str, ...]
    name: str
    category: str | None
    weight: float
    protect: str


@dataclass(frozen=True)
class MoveData:
    asks: tuple[_Rule, ...]
    claims: tuple[_Rule, ...]
    scripts: tuple[_ScriptRule, ...]
    negations: tuple[str, ...]
    negation_window: int
    protect_by_ask: dict[str, str]
    advice_covered: dict[str, tuple[str, ...]]
    warning_markers: tuple[re.Pattern[str], ...]
    warning_min_markers: int
    warning_model_cap: float
    warning_phrase_factor: float


def _rules(items: list[dict]) -> tuple[_Rule, ...]:
    return tuple(
        _Rule(
            key=item["key"],
            label=item["label"],
            weight=float(item.get("weight", 0.0)),
            patterns=tuple(re.compile(pattern, re.IGNORECASE) for pattern in item["patterns"]),
            exempt=re.compile(item["exempt"], re.IGNORECASE) if item.get("exempt") else None,
            exempt_window=int(item.get("exempt_window", 0)),
        )
        for item in items
    )


@lru_cache(maxsize=1)
def load_move_data() -> MoveData:
    raw = load_data_json("risk/moves.json")
    return MoveData(
        asks=_rules(raw["asks"]),
        claims=_rules(raw["claims"]),
        scripts=tuple(
            _ScriptRule(
                claims=frozenset(item["claims"]),
                asks=tuple(item["asks"]),
                name=item["name"],
                category=item.get("category"),
                weight=float(item["weight"]),
                protect=item["protect"],
            )
            for item in raw["scripts"]
        ),
        negations=tuple(raw["negations"]),
        negation_window=int(raw["negation_window"]),
        protect_by_ask=dict(raw["protect_by_ask"]),
        advice_covered={key: tuple(value) for key, value in raw["advice_covered"].items()},
        warning_markers=tuple(re.compile(marker) for marker in raw["warning_talk"]["markers"]),
        warning_min_markers=int(raw["warning_talk"]["min_markers"]),
        warning_model_cap=float(raw["warning_talk"]["model_cap"]),
        warning_phrase_factor=float(raw["warning_talk"]["phrase_factor"]),
    )


def _negated(text: str, start: int, data: MoveData) -> bool:
    before = text[max(0, start - data.negation_window) : start]
    # A clause break ends a negation's reach: "别担心，把钱转到这个账户" is an ask.
    before = _CLAUSE_BREAK.split(before)[-1]
    return any(_negates(before, negation) for negation in data.negations)


def _negates(before: str, negation: str) -> bool:
    """Whether ``negation`` stands in ``before`` as a negation, not inside an A-not-A question
    ("你要不要再投一点" asks; "不要转账" forbids)."""
    start = before.find(negation)
    while start != -1:
        question = negation.startswith("不") and start > 0 and before[start - 1] == negation[1:2]
        # "只要不要转账" is a condition with a real negation, not the question "要不要".
        if not question or (start > 1 and before[start - 2] == "只"):
            return True
        start = before.find(negation, start + 1)
    return False


def _quote(text: str, start: int, end: int) -> str:
    """The matched words with the rest of their clause (up to QUOTE_CONTEXT characters each side)."""
    left = max(0, start - QUOTE_CONTEXT)
    right = min(len(text), end + QUOTE_CONTEXT)
    # A card number or account written in groups ("6222 0212 3456 …") is quoted whole, never cut
    # to a fragment that looks like a different number.
    for run in _ALNUM_RUN.finditer(text, max(0, right - 40), min(len(text), right + 40)):
        if run.start() < right < run.end():
            right = run.end()
    left_part = _CLAUSE_BREAK.split(text[left:start])[-1]
    right_part = _CLAUSE_BREAK.split(text[end:right])[0]
    return chinese_punctuation((left_part + text[start:end] + right_part).strip())


def chinese_punctuation(quote: str) -> str:
    """A quote from NFKC text with its commas and stops full-width again, as residents wrote them."""
    return quote.translate(_WIDE_PUNCT) if re.search(r"[\u4e00-\u9fff]", quote) else quote


def _first_quote(text: str, rule: _Rule, pattern: re.Pattern[str], data: MoveData) -> str | None:
    """The quote of the first match that is neither negated nor exempt."""
    for match in pattern.finditer(text):
        if _negated(text, match.start(), data):
            continue
        quote = _quote(text, match.start(), match.end())
        context = (
            text[max(0, match.start() - rule.exempt_window) : match.end() + rule.exempt_window]
            if rule.exempt_window
            else quote
        )
        if rule.exempt is not None and rule.exempt.search(context):
            continue
        return quote
    return None


def _find(text: str, rules: tuple[_Rule, ...], kind: str, data: MoveData) -> list[Move]:
    found: list[Move] = []
    for rule in rules:
        for pattern in rule.patterns:
            quote = _first_quote(text, rule, pattern, data)
            if quote is not None:
                found.append(Move(kind, rule.key, rule.label, quote, rule.weight))
                break
    return found


def _distinct(asks: list[Move]) -> list[Move]:
    """One ask per quoted passage: "你先帮我垫付一下5万" is an advance, not also a transfer."""
    kept: list[Move] = []
    for move in sorted(asks, key=lambda m: -m.weight):
        if not any(move.quote == other.quote for other in kept):
            kept.append(move)
    order = {id(move): index for index, move in enumerate(asks)}
    return sorted(kept, key=lambda m: order[id(m)])


def find_moves(text: str) -> Moves:
    """The asks, claims and known scripts in ``text`` (any form: SMS, chat, OCR output)."""
    data = load_move_data()
    folded = fold_lookalikes(text or "")
    asks = _distinct(_find(folded, data.asks, "ask", data))
    claims = _find(folded, data.claims, "claim", data)
    by_ask = {move.key: move for move in asks}
    by_claim = {move.key: move for move in claims}
    scripts: list[Script] = []
    for rule in data.scripts:
        ask = next((by_ask[key] for key in rule.asks if key in by_ask), None)
        if ask is None:
            continue
        if rule.claims:
            claim = next((by_claim[key] for key in sorted(rule.claims) if key in by_claim), None)
            if claim is None:
                continue
        else:
            claim = None
        scripts.append(Script(rule.name, rule.category, rule.weight, rule.protect, claim, ask))
    scripts.sort(key=lambda script: -script.weight)
    return Moves(tuple(asks), tuple(claims), tuple(scripts))


def is_warning_talk(text: str) -> bool:
    """Whether ``text`` names fraud as its topic: people warning each other, not a scammer's pitch.

    A scammer does not call himself 骗子 or tell you to report him to 110; a family group passing
    on the station's warning, or a friend telling how they nearly got cheated, does.
    """
    data = load_move_data()
    folded = fold_lookalikes(text or "")
    found = sum(1 for marker in data.warning_markers if marker.search(folded))
    return found >= data.warning_min_markers


def protective_action(ask_key: str) -> str:
    """The one action that protects a resident against an ask of this kind."""
    return load_move_data().protect_by_ask[ask_key]


def covered_advice(ask_keys: list[str]) -> set[str]:
    """General advice keys that the protective actions of these asks already say."""
    covered = load_move_data().advice_covered
    return {key for ask in ask_keys for key in covered.get(ask, ())}
