"""Placeholder normalisation: make identifiers look the same whatever the source did to them.

One training source (the fake-base-station SMS set) replaced digits, phone numbers, names,
places and links with ``DIGIT``, ``PHONE``, ``NAME``, ``URL``… and stripped all punctuation;
the other source kept real numbers and punctuation. A model fed the raw text would learn
"contains the word DIGIT" or "has no commas" instead of fraud. So every text — training and
run time alike — goes through :func:`normalize_for_model`:

* real URLs and the ``URL`` placeholder (with the link residue that follows it) → one URL token;
* real phone numbers (mobile, landline, +86, 400/800, 95xxx) and ``PHONE``/``CELLPHONE``/
  ``HOTLINE`` → one PHONE token;
* bank-card-length digit runs and ``BANK`` → one CARD token; ``WECHAT`` → one WECHAT token;
* every other digit run (decimals and times included) and ``DIGIT`` → one DIGIT token;
* ``NAME`` and ``PLACE`` are dropped, because real names and places cannot be found cheaply
  in the other source, so the only fair treatment is that neither leaves a mark;
* punctuation and whitespace are dropped, full-width forms folded (NFKC), Latin lower-cased.

Tokens are single private-use characters so that character n-grams see each as one symbol.
"""

from __future__ import annotations

import re
import unicodedata

URL_TOKEN = "\ue001"
PHONE_TOKEN = "\ue002"
CARD_TOKEN = "\ue003"
DIGIT_TOKEN = "\ue004"
WECHAT_TOKEN = "\ue005"

TOKEN_NAMES = {
    URL_TOKEN: "URL",
    PHONE_TOKEN: "PHONE",
    CARD_TOKEN: "CARD",
    DIGIT_TOKEN: "DIGIT",
    WECHAT_TOKEN: "WECHAT",
}

# Placeholders written by the fake-base-station source; longest first so that CELLPHONE wins
# over PHONE. "CELLPHON" occurs truncated in the data.
_PLACEHOLDERS: tuple[tuple[str, str], ...] = (
    ("CELLPHONE", PHONE_TOKEN),
    ("CELLPHON", PHONE_TOKEN),
    ("HOTLINE", PHONE_TOKEN),
    ("PHONE", PHONE_TOKEN),
    ("WECHAT", WECHAT_TOKEN),
    ("DIGIT", DIGIT_TOKEN),
    ("BANK", CARD_TOKEN),
    ("NAME", ""),
    ("PLACE", ""),
)
# The source cut links to "URL" followed by a few characters of the path ("URLso9hmy").
_URL_PLACEHOLDER = re.compile(r"URL[A-Za-z0-9]{0,12}")
_PLACEHOLDER = re.compile("|".join(name for name, _ in _PLACEHOLDERS))
_PLACEHOLDER_TOKEN = dict(_PLACEHOLDERS)

# A link as residents paste it: with a scheme, starting with www., or a bare host with a
# known-looking TLD followed by an optional path. Only ASCII URL characters: Chinese text
# written right after a link is not part of it.
URL_PATTERN = re.compile(
    r"(?:https?://|hxxps?://|www\.)[A-Za-z0-9\-._~:/?#\[\]@!$&*+=%]+"
    r"|(?<![A-Za-z0-9.@-])(?:[A-Za-z0-9-]+\.)+(?:com|cn|net|org|top|xyz|vip|cc|io|co|info|me|app|"
    r"shop|site|online|club|ltd|work|icu|tk|ml|ga|cf|gq|pw|ru|biz|asia|wang|live|fun|link|hk|tw)"
    r"(?::\d+)?(?:/[A-Za-z0-9\-._~:/?#\[\]@!$&*+=%]*)?",
    re.IGNORECASE,
)
# Mobile (+86 optional), landline with area code, 400/800 and 95xxx/96xxx service numbers,
# 106xxx SMS gateways. Separators inside numbers are common in pasted text.
PHONE_PATTERN = re.compile(
    r"(?<!\d)(?:(?:\+|00)?86[- ]?)?1[3-9]\d[- ]?\d{4}[- ]?\d{4}(?!\d)"
    r"|(?<!\d)0\d{2,3}[- ]?\d{7,8}(?!\d)"
    r"|(?<!\d)[48]00[- ]?\d{3}[- ]?\d{4}(?!\d)"
    r"|(?<!\d)9[56]\d{3,6}(?!\d)"
    r"|(?<!\d)106\d{5,17}(?!\d)"
)
CARD_PATTERN = re.compile(r"(?<!\d)(?:\d[ -]?){15,18}\d(?!\d)")
_NUMBER = re.compile(r"\d+(?:[.,:：/-]\d+)*")
# Everything that is not a letter, a digit, a CJK character or one of our tokens.
_DROP = re.compile(r"[^0-9a-z\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\ue001-\ue005]+")
_REPEATS = re.compile(r"([\ue001-\ue005])\1+")


def _replace_placeholders(text: str) -> str:
    text = _URL_PLACEHOLDER.sub(URL_TOKEN, text)
    return _PLACEHOLDER.sub(lambda match: _PLACEHOLDER_TOKEN[match.group(0)], text)


def normalize_for_model(text: str) -> str:
    """Return ``text`` as the model sees it: identifiers as tokens, no punctuation or spaces."""
    text = unicodedata.normalize("NFKC", text)
    # Placeholders first: they are upper-case words that lower-casing would destroy.
    text = _replace_placeholders(text)
    text = URL_PATTERN.sub(URL_TOKEN, text)
    text = PHONE_PATTERN.sub(PHONE_TOKEN, text)
    text = CARD_PATTERN.sub(CARD_TOKEN, text)
    text = _NUMBER.sub(DIGIT_TOKEN, text)
    text = _DROP.sub("", text.lower())
    return _REPEATS.sub(r"\1", text)


def readable(normalized: str) -> str:
    """Spell the private-use tokens of a normalised text as ⟨URL⟩, ⟨PHONE⟩… for people and logs."""
    for token, name in TOKEN_NAMES.items():
        normalized = normalized.replace(token, f"⟨{name}⟩")
    return normalized


def content_length(normalized: str) -> int:
    """Count the characters of a normalised text that are words rather than identifier tokens."""
    return sum(1 for char in normalized if char not in TOKEN_NAMES)
