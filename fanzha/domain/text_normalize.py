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
* ``NAME`` and ``PLACE`` are dropped, and so are the real person names that can be found
  without eating ordinary words (:func:`strip_person_names`): a surname with a title
  (张经理, 王女士, 欧阳娜娜小姐) anywhere, and a bare name used as a speaker label or chat
  title at the start of a line (张伟：…). Otherwise names in the other sources (mostly
  ordinary SMS) teach the model that a name means "ordinary", and a screenshot whose chat
  title puts 张经理 in front of a fraud message can score lower than the message alone.
  Other real places and names stay: they cannot be found cheaply;
* punctuation and whitespace are dropped, full-width forms folded (NFKC), Latin lower-cased.

Tokens are single private-use characters so that character n-grams see each as one symbol.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from fanzha.domain.data_files import load_data_json

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

# What the NAME placeholder becomes until names are stripped: a surname, so that NAME先生 and
# 张先生 both lose their title; whatever is left of it is dropped with the punctuation.
_NAME_MARK = "\ue010"

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
    ("NAME", _NAME_MARK),
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

# What a stripped name leaves in raw text: a name between two digit runs (1380013张经理8000)
# must not join them into a phone number that was not there. Dropped with the punctuation.
_NAME_GAP = "\ue011"
# 王总 but not 金总额, 响应总理 or 直通车总店: single-character titles must not start a longer word.
_NOT_AFTER_SHORT_TITLE = "额计共部体结数量价值监裁理之台站店行局公司会线包事分金"
# A character of a given name: CJK, but not one that ends a name candidate instead (公司的李先生
# and 祝所有女士 must not lose 司的 or 祝所有).
_GIVEN_NAME_CHAR = (
    "(?:(?![的了是在和与及我你他她您们这那有为说谢所各位给请向对把被让叫找问由从也都就还又跟同])"
    "[\u3400-\u4dbf\u4e00-\u9fff])"
)


@dataclass(frozen=True)
class _NamePatterns:
    titled: re.Pattern[str]
    label: re.Pattern[str]
    not_names: frozenset[str]


@lru_cache(maxsize=1)
def _name_patterns() -> _NamePatterns:
    data = load_data_json("risk/surnames.json")
    # Compound surnames first so that 欧阳 is not read as 欧 + given name 阳.
    surname = "(?:" + "|".join([*data["compound"], f"[{data['single']}]"]) + ")"

    def titles(names: list[str]) -> str:
        ordered = sorted(names, key=len, reverse=True)
        return "|".join(
            f"{re.escape(title)}(?![{_NOT_AFTER_SHORT_TITLE}])" if len(title) == 1 else re.escape(title)
            for title in ordered
        )

    # Office titles follow the surname directly (张经理): with a given name allowed in between,
    # 高级经理, 全体老师 and 项目经理 would be names. Personal titles only follow a person, so a
    # one- or two-character given name may stand between (张伟先生, 欧阳娜娜女士).
    titled = re.compile(
        f"(?:{surname}|{_NAME_MARK})(?:{titles(data['office_titles'])}"
        f"|{_GIVEN_NAME_CHAR}{{0,2}}?(?:{titles(data['personal_titles'])}))"
    )
    # A bare name as a speaker label or chat title: at a line start, followed by a colon, by a
    # space and more text, or alone on its line. Brackets are left alone: 【万达】 is a brand.
    label = re.compile(
        f"^[^\\S\\n]*({surname}{_GIVEN_NAME_CHAR}{{1,2}}?)[^\\S\\n]*(?:[:：]|(?=\\n)|[^\\S\\n]+(?=\\S))",
        re.MULTILINE,
    )
    return _NamePatterns(titled=titled, label=label, not_names=frozenset(data["not_names"]))


def _is_ordinary_word(text: str, start: int) -> bool:
    """Whether the candidate name at ``start`` is really a word (高级…, or 语文 before 老师)."""
    words = _name_patterns().not_names
    return text[start : start + 2] in words or (start > 0 and text[start - 1 : start + 1] in words)


def _name_matches(pattern: re.Pattern[str], text: str, group: int) -> list[re.Match[str]]:
    """The matches of ``pattern`` whose surname (at ``group``) does not start a word.

    A rejected candidate is retried one character later rather than skipped whole, so that
    谢谢李先生 keeps 谢谢 and still yields 李先生.
    """
    found: list[re.Match[str]] = []
    search_from = 0
    while (match := pattern.search(text, search_from)) is not None:
        if _is_ordinary_word(text, match.start(group)):
            search_from = match.start() + 1
        else:
            found.append(match)
            search_from = match.end()
    return found


def _drop(text: str, matches: list[re.Match[str]], filler: str) -> str:
    kept: list[str] = []
    copied = 0
    for match in matches:
        kept.append(text[copied : match.start()] + filler)
        copied = match.end()
    kept.append(text[copied:])
    return "".join(kept)


def person_names(text: str) -> list[str]:
    """The titled names and speaker labels :func:`strip_person_names` would drop (one pass)."""
    patterns = _name_patterns()
    labels = [match.group(1) for match in _name_matches(patterns.label, text, 1)]
    return labels + [match.group(0) for match in _name_matches(patterns.titled, text, 0)]


def strip_person_names(text: str, filler: str = "") -> str:
    """Drop titled names anywhere and bare-name speaker labels at line starts.

    Works on raw text (labels need their colons and line breaks) and on normalised text
    (titled names only); :func:`normalize_for_model` uses both. Each name is replaced by
    ``filler``.
    """
    patterns = _name_patterns()
    text = _drop(text, _name_matches(patterns.label, text, 1), filler)
    # Until nothing changes: removing 张经理 from 王张经理先生 can leave a new name behind, and
    # normalisation must be idempotent.
    while True:
        stripped = _drop(text, _name_matches(patterns.titled, text, 0), filler)
        if stripped == text:
            return stripped
        text = stripped


def _replace_placeholders(text: str) -> str:
    text = _URL_PLACEHOLDER.sub(URL_TOKEN, text)
    return _PLACEHOLDER.sub(lambda match: _PLACEHOLDER_TOKEN[match.group(0)], text)


@lru_cache(maxsize=1)
def _lookalike_table() -> dict[int, str]:
    return str.maketrans(load_data_json("risk/ocr_lookalikes.json")["fold"])


def fold_lookalikes(text: str) -> str:
    """NFKC, then OCR look-alikes folded (己→已, 帐→账…); one character for one, so offsets hold."""
    return unicodedata.normalize("NFKC", text).translate(_lookalike_table())


def normalize_for_model(text: str, *, keep_names: bool = False) -> str:
    """Return ``text`` as the model sees it: identifiers as tokens, no punctuation or spaces.

    ``keep_names`` leaves real person names in (the NAME placeholder is still dropped): the
    training script keys its held-out split on that form, so that the split did not move when
    name stripping was added and no message held out before is trained on now.
    """
    text = unicodedata.normalize("NFKC", text)
    if not keep_names:
        # OCR slips (己/已, 帐/账) read as the same word; not in the split key, which must not move.
        text = text.translate(_lookalike_table())
    # Placeholders first: they are upper-case words that lower-casing would destroy.
    text = _replace_placeholders(text)
    if not keep_names:
        text = strip_person_names(text, _NAME_GAP)
    text = URL_PATTERN.sub(URL_TOKEN, text)
    text = PHONE_PATTERN.sub(PHONE_TOKEN, text)
    text = CARD_PATTERN.sub(CARD_TOKEN, text)
    text = _NUMBER.sub(DIGIT_TOKEN, text)
    # Drops what is left of the NAME mark and the name gaps too.
    text = _DROP.sub("", text.lower())
    if not keep_names:
        # Again once punctuation is gone, so that 张，经理 cannot survive one pass and be dropped
        # by the next (normalising twice must change nothing).
        text = strip_person_names(text)
    return _REPEATS.sub(r"\1", text)


def readable(normalized: str) -> str:
    """Spell the private-use tokens of a normalised text as ⟨URL⟩, ⟨PHONE⟩… for people and logs."""
    for token, name in TOKEN_NAMES.items():
        normalized = normalized.replace(token, f"⟨{name}⟩")
    return normalized


def content_length(normalized: str) -> int:
    """Count the characters of a normalised text that are words rather than identifier tokens."""
    return sum(1 for char in normalized if char not in TOKEN_NAMES)
