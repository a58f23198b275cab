"""Money as police narratives write it: "96108元", "200000余元", "20余万元", "两万多元", "约1.2万元".

Every amount is a range in integer fen, because a stated figure is often a bound, not a value:

* exact ("3.5万元"): lower == upper == the value;
* more ("200000余元", "20余万元", "两万多元"): lower is the value written; upper is one step of the
  last significant digit as written above it — "200000余" → 300000, "250000余" → 260000,
  "20余万" → 300000, "1.2万余" → 13000. This is the reading jionlp's ``parse_money`` gives too;
  the true amount lies in [lower, upper);
* approx ("约1.2万元", "近5万元"): lower == upper == the value; the qualifier says it is not exact;
* vague ("几万元", "数千元"): lower is one of the unit, upper ten of it; a spoken range
  ("两三千元", "七八十万") is itself: 2000–3000, 700000–800000.

Text is folded to half-width with :func:`to_halfwidth`, which keeps every character at its
place, so spans found in the folded text are spans in the original.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import lru_cache
from typing import Literal

from fanzha.domain.values.money import fen_of_yuan

Qualifier = Literal["exact", "more", "approx", "vague"]

_FULLWIDTH = "０１２３４５６７８９ＡＢＣＤＥＦＧＨＩＪＫＬＭＮＯＰＱＲＳＴＵＶＷＸＹＺａｂｃｄｅｆｇｈｉｊｋｌｍｎｏｐｑｒｓｔｕｖｗｘｙｚ"
_HALFWIDTH = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_PUNCT_FULL = "，．：；！？（）／－＿＠＋＃％＆＝　"
_PUNCT_HALF = ",.:;!?()/-_@+#%&= "
_WIDTH_TABLE = str.maketrans(_FULLWIDTH + _PUNCT_FULL, _HALFWIDTH + _PUNCT_HALF)


_NEEDS_FOLDING = re.compile(f"[{re.escape(_FULLWIDTH + _PUNCT_FULL)}]")


@lru_cache(maxsize=16)
def to_halfwidth(text: str) -> str:
    """Fold full-width digits, Latin letters and ASCII-like punctuation to half-width.

    One character in, one character out, so offsets into the result are offsets into ``text``.
    The Chinese full stop and enumeration comma are kept: they separate clauses. Cached because
    every finder of one narrative folds the same text.
    """
    if not _NEEDS_FOLDING.search(text):
        return text
    return text.translate(_WIDTH_TABLE)


_CN_DIGITS = "零〇一二两三四五六七八九壹贰叁肆伍陆柒捌玖"
_CN_UNITS = "十拾百佰千仟万亿"
# A Chinese numeral starts with a digit or 十/百/千 ("百万元"); a lone 万 ("上万元") is no amount.
_CN_NUMBER = f"[{_CN_DIGITS}十拾百佰千仟][{_CN_DIGITS}{_CN_UNITS}]*"
_ARABIC_NUMBER = r"\d+(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
_MULTIPLIERS = {"万": 10_000, "千": 1_000, "仟": 1_000, "百": 100, "佰": 100, "亿": 100_000_000}

_AMOUNT_START = f"(?=[大约近将接人R0-9几数{_CN_DIGITS}十拾百佰千仟])"
AMOUNT_PATTERN = re.compile(
    _AMOUNT_START + r"(?P<prefix>大约|大概|约合|约|近|将近|接近|人民币|RMB)?\s*"
    rf"(?P<num>{_ARABIC_NUMBER}|{_CN_NUMBER}|[几数])"
    r"\s*(?P<more1>余|多|几)?"
    r"(?P<mult>万|千|仟|百|佰|亿)?"
    r"(?P<more2>余|多)?"
    r"(?P<unit>元人民币|元钱|元|块钱|块|圆)"
)
# "损失20万" or "转了3万" omit the currency but the 万 still makes it money.
AMOUNT_WAN_PATTERN = re.compile(
    _AMOUNT_START + r"(?P<prefix>大约|大概|约合|约|近|将近|接近)?\s*"
    rf"(?P<num>{_ARABIC_NUMBER}|{_CN_NUMBER}|[几数])"
    r"\s*(?P<more1>余|多|几)?(?P<mult>万)(?P<more2>余|多)?(?=[,.。;、!?\s)）]|$|左右)"
)
# "两三千元", "七八十万", "一两万元": two neighbouring digits give the range itself.
RANGE_AMOUNT_PATTERN = re.compile(
    r"(?P<a>[一二两三四五六七八九])(?P<b>[二两三四五六七八九])(?P<u>十万|百万|千万|十|百|千|万)"
    r"(?P<mult>万)?(?P<unit>元人民币|元|块钱|块)?"
)
_MONEY_UNIT = re.compile("[元块圆万]")
# A bare number right after a payment verb ("转了5000,") is money with the unit left out.
BARE_AMOUNT_PATTERN = re.compile(
    r"(?:转账|转了|转给对方|转入|汇款|汇了|充值|充了|支付|付款|付了|投了|投入|交了|缴纳|损失|共计|合计)"
    r"(?:了)?\s*(?P<num>\d{2,9}(?:\.\d{1,2})?)(?![\d.%年月日号时点分秒个次天人户条名期单笔元块万余多])"
)


@dataclass(frozen=True)
class Amount:
    """A sum of money found in text. ``start``/``end`` are offsets into the original text."""

    text: str
    start: int
    end: int
    lower_fen: int
    upper_fen: int
    qualifier: Qualifier
    unit_missing: bool = False


class AmountUnreadable(ValueError):
    """The text looks like money but its number cannot be read."""


def parse_number(token: str) -> Decimal:
    """Read "96108", "1,299", "1.2", "两万", "一万二千", "壹万贰仟" as a Decimal.

    Chinese numerals go through cn2an, the field-made converter that knows colloquial forms
    ("一万二" = 12000, "两千五" = 2500) that a hand-written table gets wrong.
    """
    token = token.translate(_WIDTH_TABLE).strip()  # not the cached fold: tokens would evict texts
    if not token:
        raise AmountUnreadable("empty number")
    if token[0].isdigit():
        try:
            return Decimal(token.replace(",", ""))
        except InvalidOperation as exc:
            raise AmountUnreadable(token) from exc
    import cn2an  # imported here: only Chinese-numeral amounts need it

    if token[0] in "十拾百佰千仟":
        # "百万元", "千元": cn2an wants the leading 一 that speech drops (十 it reads itself).
        token = token if token[0] in "十拾" else "一" + token

    try:
        value = cn2an.cn2an(token, "smart")
    except (ValueError, KeyError, IndexError) as exc:
        raise AmountUnreadable(token) from exc
    return Decimal(str(value))


def _step(num_text: str, value: Decimal) -> Decimal:
    """The size of one unit of the last significant digit as written ("250000" → 10000)."""
    num_text = num_text.replace(",", "")
    if num_text and num_text[0].isdigit():
        if "." in num_text:
            return Decimal(1).scaleb(-len(num_text.split(".", 1)[1]))
        trailing = len(num_text) - len(num_text.rstrip("0"))
        return Decimal(1).scaleb(trailing) if value != 0 else Decimal(1)
    integer = int(value)
    if integer == 0:
        return Decimal(1)
    trailing = len(str(integer)) - len(str(integer).rstrip("0"))
    return Decimal(1).scaleb(trailing)


def amount_from_match(match: re.Match[str], offset: int = 0, unit_missing: bool = False) -> Amount:
    """Build an :class:`Amount` from a match of one of the amount patterns."""
    groups = match.groupdict()
    num_text: str = groups["num"]
    multiplier = Decimal(_MULTIPLIERS.get(groups.get("mult") or "", 1))
    prefix = groups.get("prefix") or ""
    more = bool(groups.get("more1") or groups.get("more2"))
    start = match.start("prefix") if prefix and prefix not in ("人民币", "RMB") else match.start("num")
    if num_text in ("几", "数"):
        lower = multiplier
        upper = multiplier * 10
        qualifier: Qualifier = "vague"
    else:
        value = parse_number(num_text)
        lower = value * multiplier
        if more:
            upper = (value + _step(num_text, value)) * multiplier
            qualifier = "more"
        else:
            upper = lower
            qualifier = "approx" if prefix and prefix not in ("人民币", "RMB") else "exact"
    end = match.end()
    return Amount(
        text=match.string[start:end],
        start=start + offset,
        end=end + offset,
        lower_fen=fen_of_yuan(lower),
        upper_fen=fen_of_yuan(upper),
        qualifier=qualifier,
        unit_missing=unit_missing,
    )


def find_amounts(text: str) -> tuple[list[Amount], list[tuple[int, int, str]]]:
    """Return the amounts in ``text`` in text order, and the spans that looked like money but
    could not be read (``(start, end, text)``)."""
    folded = to_halfwidth(text)
    found: list[Amount] = []
    unreadable: list[tuple[int, int, str]] = []
    taken: list[tuple[int, int]] = []

    def overlaps(start: int, end: int) -> bool:
        return any(start < t_end and t_start < end for t_start, t_end in taken)

    if not _MONEY_UNIT.search(folded):
        patterns: tuple[tuple[re.Pattern[str], bool], ...] = ()
    else:
        patterns = ((AMOUNT_PATTERN, False), (AMOUNT_WAN_PATTERN, False))
    for match in RANGE_AMOUNT_PATTERN.finditer(folded) if patterns else ():
        if not (match.group("unit") or "万" in match.group("u") or match.group("mult")):
            continue  # "两三百人" is no money
        amount = _range_amount(match)
        found.append(_with_original_text(amount, text))
        taken.append((match.start(), match.end()))
    for pattern, unit_missing in patterns:
        for match in pattern.finditer(folded):
            if overlaps(match.start(), match.end()):
                continue
            if _is_inside_longer_number(folded, match.start("num")):
                continue
            try:
                amount = amount_from_match(match, unit_missing=unit_missing)
            except AmountUnreadable:
                if re.search(f"[{_CN_DIGITS}0-9]", match.group("num")):
                    unreadable.append((match.start(), match.end(), text[match.start() : match.end()]))
                # without any digit ("千千万") it is a figure of speech, not a sum
                taken.append((match.start(), match.end()))
                continue
            found.append(_with_original_text(amount, text))
            taken.append((match.start(), match.end()))
    for match in BARE_AMOUNT_PATTERN.finditer(folded):
        if overlaps(match.start("num"), match.end("num")):
            continue
        amount = amount_from_match(match, unit_missing=True)
        found.append(_with_original_text(amount, text))
        taken.append((match.start("num"), match.end("num")))
    found.sort(key=lambda a: a.start)
    return found, unreadable


def _range_amount(match: re.Match[str]) -> Amount:
    unit = Decimal(int(parse_number("一" + match.group("u"))))
    if match.group("mult"):
        unit *= 10_000
    lower = parse_number(match.group("a")) * unit
    upper = parse_number(match.group("b")) * unit
    return Amount(match.group(), match.start(), match.end(), fen_of_yuan(lower), fen_of_yuan(upper), "vague")


def _is_inside_longer_number(folded: str, start: int) -> bool:
    # "2020年7月4日10时许" has no money in it, but "4日10" must not become the start of one;
    # a number glued to a Latin letter or digit before it is part of an identifier.
    return start > 0 and (folded[start - 1].isascii() and folded[start - 1].isalnum())


def _with_original_text(amount: Amount, text: str) -> Amount:
    return Amount(
        text=text[amount.start : amount.end],
        start=amount.start,
        end=amount.end,
        lower_fen=amount.lower_fen,
        upper_fen=amount.upper_fen,
        qualifier=amount.qualifier,
        unit_missing=amount.unit_missing,
    )


def parse_amount(text: str) -> Amount:
    """Parse one amount written alone ("20余万元"); raise :class:`AmountUnreadable` otherwise."""
    folded = to_halfwidth(text.strip())
    for pattern in (AMOUNT_PATTERN, AMOUNT_WAN_PATTERN):
        match = pattern.fullmatch(folded)
        if match:
            return _with_original_text(amount_from_match(match), text.strip())
    raise AmountUnreadable(text)


_CELL_JUNK = re.compile(r"[,，\s¥$元]|RMB|CNY|人民币", re.IGNORECASE)
_PLAIN_DECIMAL = re.compile(r"\d+(?:\.\d*)?|\.\d+")


def parse_money_cell_fen(text: str, *, with_units: bool = False) -> int:
    """Integer fen from a money cell of an imported table; raises :class:`AmountUnreadable`.

    The one parser of the imports (statements, clue and report spreadsheets): "1,234.50",
    "¥1234.5", "１２３４．５０", "(12.00)" (negative, as accountants write it), "-12", "3,500.50元";
    ``with_units`` also reads what a person types ("1.2万", "两千", "3千余元", at the lower bound),
    which a machine-written statement never holds.
    More than two decimals round half up to the fen. "1e3" is refused: no bank or person writes
    money that way, and a spreadsheet that did has mangled the number.
    """
    folded = _CELL_JUNK.sub("", unicodedata.normalize("NFKC", text).strip())
    negative = False
    if folded.startswith("(") and folded.endswith(")"):
        negative, folded = True, folded[1:-1]
    if folded.startswith("+"):
        folded = folded[1:]
    elif folded.startswith("-"):
        negative, folded = not negative, folded[1:]
    if _PLAIN_DECIMAL.fullmatch(folded):
        fen = int((Decimal(folded) * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    elif not with_units:
        raise AmountUnreadable(text)
    else:
        try:
            fen = parse_amount(folded + "元").lower_fen
        except AmountUnreadable:
            raise AmountUnreadable(text) from None
    return -fen if negative else fen
