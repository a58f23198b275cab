"""Resident risk check: a message, link, phone number, account or app name in; a verdict out.

:func:`check_text` is the one entry point; ``fanzha check``, the public page and
``POST /api/v1/check`` all call it. Signals, each explained in Chinese when it fires:

* identifiers already seen in the station's cases or clues (:class:`KnownIdentifiers`);
* the text model (``message_model.py``), only on texts with enough words to judge;
* suspicious phrasing (``data/risk/phrases.json``);
* link heuristics (``links.py``);
* scam moves (``scam_moves.py``): what the sender asks the resident to do and who they claim to
  be; any ask makes the text at least 可疑, a claim with its ask names a known script;
* phone-number shape: foreign numbers, spoofed-looking service numbers, virtual operators.

Every signal carries a weight on one final scale; weights combine as independent evidence
(``1 - Π(1 - w)``). The model's probability is first mapped onto that scale piecewise-linearly
so that its own thresholds, chosen on the training split, land on the verdict thresholds.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from fanzha.domain.data_files import load_data_json
from fanzha.domain.identifiers import ACCOUNT_KINDS, PHONE_KINDS, URL_KINDS, Identifier, find_identifiers
from fanzha.domain.links import find_urls, inspect_links, official_links_only
from fanzha.domain.message_model import load_model
from fanzha.domain.scam_moves import (
    Moves,
    chinese_punctuation,
    covered_advice,
    find_moves,
    is_warning_talk,
    load_move_data,
    protective_action,
)
from fanzha.domain.text_normalize import CARD_TOKEN, content_length, normalize_for_model
from fanzha.domain.values.phone import normalise_phone
from fanzha.domain.values.url import url_host

if TYPE_CHECKING:
    from fanzha.domain.classify import Classification

logger = logging.getLogger(__name__)


FRAUD_THRESHOLD = 0.8
SUSPICIOUS_THRESHOLD = 0.5


class Verdict(StrEnum):
    """The check's answer; the values are the JSON strings of the CLI and the API."""

    FRAUD = "fraud"
    SUSPICIOUS = "suspicious"
    SAFE = "safe"  # the lowest verdict is no clearance: a text can be fraud without any sign we know


VERDICT_LABELS = {Verdict.FRAUD: "高风险", Verdict.SUSPICIOUS: "可疑", Verdict.SAFE: "未发现明显诈骗特征"}
KNOWN_WEIGHT = 0.97
MODEL_EVIDENCE_LIMIT = 4
# A phrase hit this strong names the category even when the classifier would say otherwise.
STRONG_CATEGORY_WEIGHT = 0.5
# The model and the classifier read at most this much of a long pasted chat (cost grows with
# length; the opening of a chat carries the pitch). Regex signals always read everything.
MODEL_MAX_CHARS = 4000
# The signal kinds other than the text model and the station's identifiers.
RULE_KINDS = ("phrase", "link", "phone", "account", "script", "ask", "claim")
MOVE_KINDS = ("script", "ask", "claim")
MAX_ADVICE = 6
# A claim alone (我是客服, 我是你领导) is context, not evidence: it weighs little until it asks.
CLAIM_WEIGHT = 0.1
# The most the text model may weigh when every link in the text goes to an official site.
OFFICIAL_LINK_MODEL_CAP = 0.6


@dataclass(frozen=True)
class KnownIdentifiers:
    """Identifiers from the station's own cases and clues, each with the number of cases it is in.

    A count of 0 means the identifier is known from clues only. Keys may be given in any
    written form; :meth:`build` normalises them (phones and accounts to digits, domains to
    lower-case hosts without ``www.``, apps case-folded).
    """

    phones: Mapping[str, int] = field(default_factory=dict)
    accounts: Mapping[str, int] = field(default_factory=dict)
    domains: Mapping[str, int] = field(default_factory=dict)
    apps: Mapping[str, int] = field(default_factory=dict)

    @classmethod
    def build(
        cls,
        phones: Mapping[str, int] | Iterable[str] = (),
        accounts: Mapping[str, int] | Iterable[str] = (),
        domains: Mapping[str, int] | Iterable[str] = (),
        apps: Mapping[str, int] | Iterable[str] = (),
    ) -> KnownIdentifiers:
        """Normalise keys; a plain iterable counts each identifier as seen in one case."""
        return cls(
            phones=_normalised(phones, normalise_phone),
            accounts=_normalised(accounts, _digits_or_text),
            domains=_normalised(domains, lambda value: url_host(value) or value.strip().lower()),
            apps=_normalised(apps, lambda value: unicodedata.normalize("NFKC", value).strip().casefold()),
        )


def _normalised(values: Mapping[str, int] | Iterable[str], key: Any) -> dict[str, int]:
    pairs = values.items() if isinstance(values, Mapping) else ((value, 1) for value in values)
    result: dict[str, int] = {}
    for raw, count in pairs:
        normal = key(raw)
        if normal:
            result[normal] = max(result.get(normal, 0), int(count))
    return result


@dataclass(frozen=True)
class RiskReason:
    """One signal that fired. ``kind``: known, model, phrase, link, phone, account, script, ask, claim."""

    kind: str
    text: str
    weight: float
    evidence: str = ""


@dataclass
class RiskVerdict:
    verdict: Verdict
    score: float
    category: str | None
    reasons: list[RiskReason]
    advice: list[str]
    identifiers: list[Identifier] = field(default_factory=list)
    model_score: float | None = None
    moves: Moves = field(default_factory=lambda: Moves((), (), ()))

    @property
    def other_reasons(self) -> list[RiskReason]:
        """Reasons other than the scam moves, which pages show apart with the sender's words."""
        quoted = [move.quote for move in self.moves.asks + self.moves.claims]
        return [
            reason
            for reason in self.reasons
            if reason.kind not in MOVE_KINDS
            # A phrase whose words are already quoted as an ask or a claim says nothing new.
            and not (reason.kind == "phrase" and any(reason.evidence in quote for quote in quoted))
        ]

    @property
    def label(self) -> str:
        """The verdict as residents read it: 高风险, 可疑 or 未发现明显诈骗特征."""
        return VERDICT_LABELS[self.verdict]

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form shared by the CLI and the HTTP API (reasons as plain sentences)."""
        return {
            "verdict": self.verdict.value,
            "label": self.label,
            "score": round(self.score, 4),
            "category": self.category,
            "reasons": [reason.text for reason in self.reasons],
            "advice": list(self.advice),
            "signals": [asdict(reason) for reason in self.reasons],
            "identifiers": [
                {"kind": item.kind, "value": item.value, "valid": item.valid} for item in self.identifiers
            ],
            "model_score": None if self.model_score is None else round(self.model_score, 4),
            # What the sender asks the resident to do and who they claim to be, with their words.
            "asks": [{"key": m.key, "label": m.label, "quote": m.quote} for m in self.moves.asks],
            "claims": [{"key": m.key, "label": m.label, "quote": m.quote} for m in self.moves.claims],
            "script": self.moves.scripts[0].name if self.moves.scripts else None,
        }


# --- identifiers -----------------------------------------------------------------------------
# Extraction is fanzha.domain.identifiers (phones, cards, QQ, WeChat, URLs); only the shapes
# that matter for a warning and not for a case record (spoofed service numbers, foreign
# numbers) are recognised here.


def _digits_or_text(value: str) -> str:
    digits = re.sub(r"[\s-]", "", value)
    return digits if digits.isdigit() else unicodedata.normalize("NFKC", value).strip().casefold()


# Letters before the number too: "CA005577362903" is an airline member number. Shorter numbers are
# stock codes (002718) or order numbers: after "+" at least 8 digits, after "00" at least 10.
_FOREIGN_PHONE = re.compile(r"(?<![\dA-Za-z+\-])(\+|00)(?!86)([1-9]\d{0,2})[- ]?\d{3,12}(?!\d)")
_FOREIGN_MIN_DIGITS = {"+": 8, "00": 10}
_LABEL_WINDOW = 6
_PREFIXED_SERVICE = re.compile(r"(?<![\d\-])(?:\+|00)\d{0,3}[- ]?(9[56]\d{3}|100\d{2}|96110)(?!\d)")
_PADDED_SERVICE = re.compile(r"(?<![\d+])(9[56]\d{3})(\d{1,6})(?!\d)")


# --- data ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Phrase:
    pattern: re.Pattern[str]
    weight: float
    reason: str
    category: str | None
    advice: tuple[str, ...]


@dataclass(frozen=True)
class RiskData:
    phrases: tuple[Phrase, ...]
    negations: tuple[str, ...]
    negation_window: int
    advice_signals: dict[str, str]
    advice_categories: dict[str, list[str]]
    advice_verdicts: dict[str, list[str]]
    category_cues: dict[str, list[str]]
    service_numbers: dict[str, str]
    virtual_prefixes: tuple[str, ...]
    not_phone_labels: tuple[str, ...]
    bare_account_banks: re.Pattern[str]
    bare_account_max_chars: int
    bare_account_unnamed_max_chars: int
    bare_account_weight: float
    bare_account_reason: str


def _read(name: str) -> Any:
    return load_data_json(f"risk/{name}")


@lru_cache(maxsize=1)
def load_risk_data() -> RiskData:
    phrases = _read("phrases.json")
    advice = _read("advice.json")
    services = _read("service_numbers.json")
    return RiskData(
        phrases=tuple(
            Phrase(
                pattern=re.compile(item["pattern"], re.IGNORECASE),
                weight=float(item["weight"]),
                reason=item["reason"],
                category=item.get("category"),
                advice=tuple(item.get("advice", [])),
            )
            for item in phrases["phrases"]
        ),
        negations=tuple(phrases["negations"]),
        negation_window=int(phrases["negation_window"]),
        advice_signals=advice["signals"],
        advice_categories=advice["categories"],
        advice_verdicts=advice["by_verdict"],
        category_cues=_read("category_cues.json")["cues"],
        service_numbers=services["numbers"],
        virtual_prefixes=tuple(services["virtual_operator_prefixes"]),
        not_phone_labels=tuple(services.get("not_phone_labels", ())),
        bare_account_banks=re.compile(phrases["bare_account"]["bank_pattern"]),
        bare_account_max_chars=int(phrases["bare_account"]["max_content_chars"]),
        bare_account_unnamed_max_chars=int(phrases["bare_account"]["unnamed_max_content_chars"]),
        bare_account_weight=float(phrases["bare_account"]["weight"]),
        bare_account_reason=phrases["bare_account"]["reason"],
    )


# --- signals ---------------------------------------------------------------------------------


@dataclass
class _Signals:
    reasons: list[RiskReason] = field(default_factory=list)
    advice_keys: list[str] = field(default_factory=list)
    categories: dict[str, float] = field(default_factory=dict)

    def add(self, reason: RiskReason, advice: Iterable[str] = (), category: str | None = None) -> None:
        self.reasons.append(reason)
        for key in advice:
            if key not in self.advice_keys:
                self.advice_keys.append(key)
        if category:
            self.categories[category] = self.categories.get(category, 0.0) + reason.weight


def _known_signals(text: str, found: list[Identifier], known: KnownIdentifiers, out: _Signals) -> None:
    def seen(kind: str, value: str, count: int) -> None:
        where = f"本所{count}起案件中" if count > 0 else "本所预警线索中"
        out.add(
            RiskReason("known", f"该{kind}出现在{where}：{value}", KNOWN_WEIGHT, value),
            advice=["known_identifier", "no_transfer"],
        )

    reported: set[tuple[str, str]] = set()

    def report(kind: str, value: str, count: int) -> None:
        if (kind, value) not in reported:
            reported.add((kind, value))
            seen(kind, value, count)

    for item in found:
        if item.kind in PHONE_KINDS and normalise_phone(item.value) in known.phones:
            report("号码", item.value, known.phones[normalise_phone(item.value)])
        elif item.kind in ACCOUNT_KINDS and _digits_or_text(item.value) in known.accounts:
            report("账户", item.value, known.accounts[_digits_or_text(item.value)])
    # A pasted bare number may have been classified as a phone; accounts are checked too.
    for run in re.findall(r"\d{8,}", re.sub(r"[\s-]", "", text)):
        if run in known.accounts:
            report("账户", run, known.accounts[run])
        elif normalise_phone(run) in known.phones:
            report("号码", run, known.phones[normalise_phone(run)])
    folded = unicodedata.normalize("NFKC", text).casefold()
    for key, count in known.accounts.items():
        if not key.isdigit() and len(key) >= 4 and key in folded:
            report("账户", key, count)
    hosts = {url_host(url) for url in find_urls(text)} | {
        url_host(item.value) for item in found if item.kind in URL_KINDS
    }
    for host in sorted(h for h in hosts if h):
        for domain, count in known.domains.items():
            if host == domain or host.endswith("." + domain):
                report("网址", host, count)
    for app, count in known.apps.items():
        if len(app) >= 2 and app in folded:
            report("APP", app, count)


def _phone_signals(text: str, phones: list[str], data: RiskData, out: _Signals) -> None:
    """Spoofed-looking service numbers, foreign numbers and virtual-operator mobiles."""
    for match in _PREFIXED_SERVICE.finditer(text):
        number = match.group(1)
        name = data.service_numbers.get(number)
        if name:
            out.add(
                RiskReason(
                    "phone",
                    f"号码 {match.group(0).strip()} 形似{name}官方号码 {number}，但带有前缀，可能是改号软件伪装",
                    0.6,
                    match.group(0).strip(),
                ),
                advice=["phone_spoofed"],
            )
    for match in _PADDED_SERVICE.finditer(text):
        number, extra = match.group(1), match.group(2)
        name = data.service_numbers.get(number)
        if name and len(extra) >= 2:
            out.add(
                RiskReason(
                    "phone",
                    f"号码 {match.group(0)} 以{name}官方号码 {number} 开头却多出几位，正规客服号码不会这样",
                    0.5,
                    match.group(0),
                ),
                advice=["phone_spoofed"],
            )
    for match in _FOREIGN_PHONE.finditer(text):
        digits = re.sub(r"\D", "", match.group(0))
        if data.service_numbers.get(digits[-5:]) and match.group(2) == "95":
            continue  # already reported as a spoofed service number
        if len(digits) - (2 if match.group(1) == "00" else 0) < _FOREIGN_MIN_DIGITS[match.group(1)]:
            continue
        before = text[max(0, match.start() - _LABEL_WINDOW) : match.start()]
        if any(label in before for label in data.not_phone_labels):
            continue
        out.add(
            RiskReason("phone", f"境外号码 {match.group(0)}：境外来电、短信冒充客服或公检法的情况很多", 0.4),
            advice=["phone_foreign"],
        )
        break  # several foreign numbers in one message are one piece of evidence, not several
    for phone in phones:
        if len(phone) == 11 and phone.startswith(data.virtual_prefixes):
            out.add(
                RiskReason("phone", f"号码 {phone} 属于虚拟运营商号段，常被诈骗团伙使用", 0.15, phone),
            )


def _phrase_signals(text: str, data: RiskData, out: _Signals, factor: float = 1.0) -> None:
    """Phrase rules; ``factor`` scales their weight (below 1 where the text is talk about fraud)."""
    for phrase in data.phrases:
        for match in phrase.pattern.finditer(text):
            before = text[max(0, match.start() - data.negation_window) : match.start()]
            if any(negation in before for negation in data.negations):
                continue
            out.add(
                RiskReason(
                    "phrase",
                    f"{phrase.reason}（“{chinese_punctuation(match.group(0))}”）",
                    phrase.weight * factor,
                    match.group(0),
                ),
                advice=phrase.advice,
                category=phrase.category,
            )
            break


def _move_signals(moves: Moves, out: _Signals) -> None:
    """A known script (claim + ask) as one reason; other asks each as a reason; claims as context.

    An ask weighs at least SUSPICIOUS_THRESHOLD, so that a request for money, a card number, a
    code, an app install or a screen share is never judged below 可疑.
    """
    used: set[str] = set()
    for script in moves.scripts:
        if script.ask.key in used:
            continue
        used.add(script.ask.key)
        said = f"自称{script.claim.label}（“{script.claim.quote}”），" if script.claim else ""
        out.add(
            RiskReason(
                "script",
                f"符合“{script.name}”骗局：{said}{script.ask.label}（“{script.ask.quote}”）",
                script.weight,
                script.ask.quote,
            ),
            category=script.category,
        )
        if script.claim:
            used.add("claim:" + script.claim.key)
    for ask in moves.asks:
        if ask.key not in used:
            out.add(
                RiskReason(
                    "ask",
                    f"对方{ask.label}（“{ask.quote}”）",
                    max(ask.weight, SUSPICIOUS_THRESHOLD),
                    ask.quote,
                )
            )
    for claim in moves.claims:
        if "claim:" + claim.key not in used:
            out.add(
                RiskReason("claim", f"对方自称{claim.label}（“{claim.quote}”）", CLAIM_WEIGHT, claim.quote)
            )


def _model_scale(probability: float, fraud_at: float, suspicious_at: float) -> float:
    """Map the model's probability so that its own thresholds land on the verdict thresholds."""
    if probability >= fraud_at:
        return FRAUD_THRESHOLD + (1 - FRAUD_THRESHOLD) * (probability - fraud_at) / max(1 - fraud_at, 1e-9)
    if probability >= suspicious_at:
        span = max(fraud_at - suspicious_at, 1e-9)
        return (
            SUSPICIOUS_THRESHOLD
            + (FRAUD_THRESHOLD - SUSPICIOUS_THRESHOLD) * (probability - suspicious_at) / span
        )
    return SUSPICIOUS_THRESHOLD * probability / max(suspicious_at, 1e-9)


def _classify_or_none(text: str) -> Classification | None:
    """The case classifier's answer, or None where it cannot give one.

    Imported lazily so that the check works, with keyword cues, where an optional dependency of
    the classifier is not installed; that alone is tolerated (and said once in the log). Anything
    else that goes wrong, such as a missing or broken model file, is logged as an error with its
    traceback: the resident still gets a verdict, but the station must learn of it.
    """
    try:
        from fanzha.domain.classify import classify
    except ImportError as exc:
        if (exc.name or "").split(".")[0] == "fanzha":
            raise  # fanzha's own module is broken: not an optional dependency
        _warn_classifier_unavailable(str(exc))
        return None
    try:
        return classify(text)
    except Exception:
        logger.exception("case classifier failed; the risk check falls back to keyword cues")
        return None


@lru_cache(maxsize=1)
def _warn_classifier_unavailable(reason: str) -> None:
    logger.warning("case classifier unavailable (%s); the risk check uses keyword cues only", reason)


def _likely_category(text: str, signals: _Signals, data: RiskData) -> str | None:
    """Explicit phrasing first (it is evidence a resident can see), then the case classifier.

    The classifier is fanzha.domain.classify, trained on case narratives (see
    :func:`_classify_or_none` for when it gives no answer).
    """
    if signals.categories:
        category, weight = max(signals.categories.items(), key=lambda item: item[1])
        if weight >= STRONG_CATEGORY_WEIGHT:
            return category
    classified: str | None = None
    result = _classify_or_none(text)
    if result is not None and result.category:
        if not result.needs_review:
            return str(result.category)
        classified = str(result.category)
    if signals.categories:
        return max(signals.categories.items(), key=lambda item: item[1])[0]
    hits = Counter({name: sum(cue in text for cue in cues) for name, cues in data.category_cues.items()})
    best, count = hits.most_common(1)[0] if hits else ("", 0)
    return best if count else classified


def _advice(
    verdict: Verdict, category: str | None, signals: _Signals, data: RiskData, moves: Moves
) -> list[str]:
    """The one action that protects against the script (or the ask) first, then the rest."""
    advice: list[str] = []
    if verdict != Verdict.SAFE:
        if moves.scripts:
            advice.append(moves.scripts[0].protect)
        for ask in moves.asks:
            advice.append(protective_action(ask.key))
        covered = covered_advice(moves.ask_keys)
        for key in signals.advice_keys:
            if key not in covered:
                advice.append(data.advice_signals[key])
        if category and not moves.scripts:
            advice.extend(data.advice_categories.get(category, []))
    # A resident reads a few lines, not a leaflet: the closing lines of the verdict always stay.
    closing = data.advice_verdicts[verdict]
    specific = [line for line in dict.fromkeys(advice) if line not in closing][: MAX_ADVICE - len(closing)]
    return specific + list(closing)


def _rule_signals(
    text: str, known_identifiers: KnownIdentifiers | None, data: RiskData
) -> tuple[_Signals, list[Identifier], Moves, bool]:
    """Every signal except the text model, on NFKC-normalised ``text``."""
    signals = _Signals()
    moves = find_moves(text)
    _move_signals(moves, signals)
    warning = is_warning_talk(text)
    found = find_identifiers(text)
    phones = [item.value for item in found if item.kind == "mobile"]
    cards = [item.value for item in found if item.kind == "bank_card" and item.valid]

    if known_identifiers is not None:
        _known_signals(text, found, known_identifiers, signals)
    _phone_signals(text, phones, data, signals)
    for finding in inspect_links(text):
        advice = ["no_link", "no_app"] if finding.kind == "apk" else ["no_link"]
        # Look-alike bank sites are phishing, which the taxonomy files under 其他 (see phrases.json).
        category = "其他" if finding.kind.startswith("lookalike") else None
        signals.add(RiskReason("link", finding.explanation, finding.weight, finding.url), advice, category)
    _phrase_signals(text, data, signals, load_move_data().warning_phrase_factor if warning else 1.0)
    # Words as the resident wrote them: a payee's name (张先生 6222…) is one of the few words
    # that make a bare card number a "pay into this card" message.
    normalized = normalize_for_model(text, keep_names=True)
    words = content_length(normalized)
    if CARD_TOKEN in normalized and (
        (words <= data.bare_account_max_chars and data.bare_account_banks.search(text))
        or 0 < words <= data.bare_account_unnamed_max_chars
    ):
        signals.add(
            RiskReason("account", data.bare_account_reason, data.bare_account_weight), ["verify_identity"]
        )
    elif cards and any(reason.kind == "phrase" and "转" in reason.evidence for reason in signals.reasons):
        signals.add(RiskReason("account", "要求向消息中的银行卡号转账，请先核实收款人身份", 0.2, cards[0]))
    return signals, found, moves, warning


def _remaining(weights: Iterable[float]) -> float:
    """Π(1 - w): the share of doubt that independent pieces of evidence leave."""
    remaining = 1.0
    for weight in weights:
        remaining *= 1.0 - min(max(weight, 0.0), 1.0)
    return remaining


def rule_doubt(text: str) -> float:
    """Π(1 - w) over the signals other than the text model (1.0 when none fires).

    For ``scripts/train_message_model.py``, which chooses the model's thresholds on the combined
    score: ``combined_score(rule_doubt(t), p, fraud_at, suspicious_at)`` is what :func:`check_text`
    returns for ``t`` when the model gives ``p`` (without station identifiers).
    """
    signals, _, _, _ = _rule_signals(unicodedata.normalize("NFKC", text or ""), None, load_risk_data())
    return _remaining(reason.weight for reason in signals.reasons)


def rule_evidence_by_kind(text: str) -> dict[str, float]:
    """``1 - Π(1 - w)`` of the non-model signals of each kind (phrase, link, phone, account).

    For the stacking comparison in ``scripts/train_message_model.py``: a fitted combination
    needs the rules split by kind, not only their joint doubt.
    """
    signals, _, _, _ = _rule_signals(unicodedata.normalize("NFKC", text or ""), None, load_risk_data())
    return {
        kind: 1.0 - _remaining(reason.weight for reason in signals.reasons if reason.kind == kind)
        for kind in RULE_KINDS
    }


def combined_score(doubt: float, probability: float | None, fraud_at: float, suspicious_at: float) -> float:
    """The final score from the rules' remaining doubt and the model's probability (None: not applied)."""
    if probability is None:
        return 1.0 - doubt
    scaled = min(max(_model_scale(probability, fraud_at, suspicious_at), 0.0), 1.0)
    return 1.0 - doubt * (1.0 - scaled)


def verdict_of(score: float) -> Verdict:
    """The verdict for a combined score in [0, 1]."""
    if score >= FRAUD_THRESHOLD:
        return Verdict.FRAUD
    return Verdict.SUSPICIOUS if score >= SUSPICIOUS_THRESHOLD else Verdict.SAFE


def check_text(text: str, known_identifiers: KnownIdentifiers | None = None) -> RiskVerdict:
    """Judge one pasted message, chat, link, phone number, account number or app name."""
    data = load_risk_data()
    text = unicodedata.normalize("NFKC", text or "")
    signals, found, moves, warning = _rule_signals(text, known_identifiers, data)

    model = load_model()
    model_probability: float | None = None
    head = text[:MODEL_MAX_CHARS]
    if model is not None and model.applies_to(head):
        model_probability = model.score(head)
        scaled = _model_scale(model_probability, model.fraud_threshold, model.suspicious_threshold)
        if official_links_only(head) and not moves.asks:
            # Wording alone cannot make 高风险 a message whose every link is the real site.
            scaled = min(scaled, OFFICIAL_LINK_MODEL_CAP)
        if warning:
            # People warning each other use a scam's words; the words alone are no pitch then.
            scaled = min(scaled, load_move_data().warning_model_cap)
        if scaled >= SUSPICIOUS_THRESHOLD:
            # Residents read the sentence; the n-gram fragments stay in the signal for officers.
            fragments = "、".join(item.fragment for item in model.evidence(head, MODEL_EVIDENCE_LIMIT))
            explanation = "整段话的说法和大量已知诈骗信息很像"
            signals.add(RiskReason("model", explanation, scaled, fragments))
        else:
            # Below the suspicious line the model still counts, silently, as weak evidence.
            signals.reasons.append(RiskReason("model_quiet", "", scaled))

    score = 1.0 - _remaining(reason.weight for reason in signals.reasons)
    verdict = verdict_of(score)
    shown = sorted((r for r in signals.reasons if r.kind != "model_quiet"), key=lambda r: -r.weight)
    category = _likely_category(head, signals, data) if verdict != Verdict.SAFE else None
    return RiskVerdict(
        verdict=verdict,
        score=score,
        category=category,
        reasons=shown,
        advice=_advice(verdict, category, signals, data, moves),
        identifiers=found,
        model_score=model_probability,
        moves=moves,
    )
