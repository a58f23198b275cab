"""Times as police narratives write them, read as windows of naive Asia/Shanghai local time.

"2020年7月4日10时许" is the window 2020-07-04 10:00 … 10:59; a bare date is the whole day; a
month ("同年5月") is the whole month. ``until`` is the last minute inside the window.

Relative expressions are resolved in text order against the previous readable expression
(the anchor): "同年5月", "次日", "当日", "当晚", "同月8日", a bare "8日", a bare "15时许". Words
about the day of telling ("今天", "昨日", "3天前", "今年") are resolved against ``reported_at``.
A month-day without a year takes the anchor's year, or the report's year (the year before when
that would fall after the report).
"""

from __future__ import annotations

import calendar
import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from typing import Any

from fanzha.domain.amounts import AmountUnreadable, parse_number, to_halfwidth
from fanzha.domain.data_files import load_data_json


@lru_cache(maxsize=1)
def _day_parts() -> dict[str, Any]:
    data: dict[str, Any] = load_data_json("extraction/day_parts.json")
    return data


_CN_Y = "[零〇一二三四五六七八九]{4}"
_CN_MONTH = "十[一二]?|[一二三四五六七八九]"
_CN_DAY = "[一二三]?十[一二三四五六七八九]?|[一二三四五六七八九]"
_NOISE = r"[\s,、]*"
_MONTH_PART = "上旬|中旬|下旬|初|底|末"


def _year(name: str) -> str:
    return rf"(?P<{name}>\d{{4}}|{_CN_Y}|\d{{2}}(?=年{_NOISE}(?:\d{{1,2}}|{_CN_MONTH})月))\s*年"


def _month(name: str) -> str:
    return rf"(?P<{name}>\d{{1,2}}|{_CN_MONTH})\s*月份?"


def _day(name: str) -> str:
    return rf"(?P<{name}>\d{{1,2}}|{_CN_DAY})\s*[日号]"


_DATE = re.compile(
    # Every alternative starts with one of these; the lookahead lets the scan skip other text fast.
    r"(?=[0-9零〇一二两三四五六七八九十同当今去上次本翌第隔昨前凌早清中下傍晚夜深])"
    r"(?P<iso>(?<!\d)(?P<iy>\d{4})[-/.](?P<im>\d{1,2})[-/.](?P<id>\d{1,2})(?!\d)日?)"
    rf"|(?P<ymd>(?P<pre1>同年|当年|今年|去年|上年|次年)?{_year('y1')}{_NOISE}"
    rf"(?:{_month('m1')}{_NOISE}(?:{_day('d1')})?(?P<part1>{_MONTH_PART})?)?)"
    rf"|(?P<md>(?P<pre2>同年|当年|今年|去年|上年|次年)?(?<![\d个]){_month('m2')}{_NOISE}"
    rf"(?:{_day('d2')})?(?P<part2>{_MONTH_PART})?)"
    rf"|(?P<pd>(?P<pre3>同月|当月|次月|本月|上月)(?:{_day('d3')})?)"
    r"|(?P<rel>次日|翌日|第二天|第二日|隔天|隔日|当日|当天|同日|同天|当晚|当夜|今天|今日|昨天|昨日|前天|前日"
    r"|(?P<ago>\d{1,2}|[一二两三四五六七八九十]{1,2})[天日]前)"
    rf"|(?P<bare>(?<![\d第数几每前近这那]){_day('d4')}(?![后内前以之起左]))"
    r"|(?P<tonly>(?P<ampm0>凌晨|早上|早晨|清晨|上午|中午|下午|傍晚|晚上|夜间|夜里|深夜)?"
    r"(?<![\d.])(?P<h0>\d{1,2}|[零一二两三四五六七八九十]{1,3})\s*(?P<hc0>[时点])"
    r"(?:\s*(?P<mi0>\d{1,2}|半|[零一二三四五六七八九十]{1,3})\s*分?)?\s*(?P<ap0>许|左右|多)?)"
)

# A weekday in brackets between the date and the time: "2026年5月3日（星期日）21时许".
_WEEKDAY = r"(?:[(（]\s*(?:星期|周|礼拜)[一二三四五六日天1-7]\s*[)）])?"

# A year alone followed by these words is a birth year or a school class, never a date of events.
_BIRTH_YEAR = re.compile(r"\s*(?:出生|生人|生|届|级|毕业)")

_TIME = re.compile(
    rf"{_NOISE}{_WEEKDAY}{_NOISE}(?P<ampm>凌晨|早上|早晨|清晨|上午|中午|下午|傍晚|晚上|夜间|夜里|深夜|晚)?\s*"
    r"(?:(?P<h>\d{1,2}|[零一二两三四五六七八九十]{1,3})\s*[时点]"
    r"(?:\s*(?P<mi>\d{1,2}|半|[零一二三四五六七八九十]{1,3})\s*分?)?"
    r"|(?P<h2>\d{1,2}):(?P<mi2>\d{2})(?::\d{2})?)?"
    r"\s*(?P<approx>许|左右|多)?"
)


@dataclass(frozen=True)
class TimeExpression:
    """One time expression: its text and span in the original, and its window (or an error)."""

    text: str
    start: int
    end: int
    begin: datetime | None
    until: datetime | None
    relative: bool
    error: str | None = None


class DateUnreadable(ValueError):
    """The text is a time expression whose value is impossible or cannot be resolved."""


def _int(token: str) -> int:
    try:
        return int(parse_number(token))
    except AmountUnreadable as exc:
        raise DateUnreadable(token) from exc


def _year_value(token: str) -> int:
    if token[0] in "零〇一二三四五六七八九":
        digits = "".join(str("〇一二三四五六七八九".index(c) if c != "零" else 0) for c in token)
        return int(digits)
    value = int(token)
    return 2000 + value if value < 100 else value


def _day_window(year: int, month: int, day: int) -> tuple[datetime, datetime]:
    if not 1 <= month <= 12:
        raise DateUnreadable(f"月份{month}不存在")
    last = calendar.monthrange(year, month)[1]
    if not 1 <= day <= last:
        raise DateUnreadable(f"{year}年{month}月没有{day}日")
    begin = datetime(year, month, day)
    return begin, begin.replace(hour=23, minute=59)


def _month_window(year: int, month: int, part: str | None) -> tuple[datetime, datetime]:
    if not 1 <= month <= 12:
        raise DateUnreadable(f"月份{month}不存在")
    last = calendar.monthrange(year, month)[1]
    first_day, last_day = 1, last
    if part:
        first_day, last_day = _day_parts()["month_parts"][part]
        last_day = min(last_day, last)
    return datetime(year, month, first_day), datetime(year, month, last_day, 23, 59)


def _window(year: int, month: int, day: str | None, part: str | None) -> tuple[datetime, datetime]:
    """The day's window when the text names a day, else the month's (or its 上/中/下旬 part)."""
    return _day_window(year, month, _int(day)) if day else _month_window(year, month, part)


def _apply_time(
    day: datetime, ampm: str | None, hour: str | None, minute: str | None
) -> tuple[datetime, datetime]:
    parts = _day_parts()
    if hour is None:
        if ampm is None:
            return day, day.replace(hour=23, minute=59)
        first, last = parts["parts"][ampm]
        return day.replace(hour=first, minute=0), day.replace(hour=last, minute=59)
    h = _int(hour)
    if (ampm in parts["pm_words"] and h < 12) or (ampm in parts["noon_words"] and h < 5):
        h += 12
    if h == 24:
        h = 0
        day = day + timedelta(days=1)
    if not 0 <= h <= 23:
        raise DateUnreadable(f"{h}时不存在")
    if minute is None:
        return day.replace(hour=h, minute=0), day.replace(hour=h, minute=59)
    m = 30 if minute == "半" else _int(minute)
    if not 0 <= m <= 59:
        raise DateUnreadable(f"{m}分不存在")
    moment = day.replace(hour=h, minute=m)
    return moment, moment


class _Resolver:
    def __init__(self, reported_at: datetime | None) -> None:
        self.reported_at = reported_at.replace(tzinfo=None) if reported_at else None
        self.anchor: datetime | None = None

    def _need_anchor(self) -> datetime:
        if self.anchor is None:
            if self.reported_at is None:
                raise DateUnreadable("没有可参照的前文日期或报警时间")
            return self.reported_at
        return self.anchor

    def _need_report(self) -> datetime:
        if self.reported_at is None:
            raise DateUnreadable("没有报警时间，无法推算")
        return self.reported_at

    def _year_for(self, prefix: str | None, month: int) -> int:
        if prefix in ("今年",):
            return self._need_report().year
        if prefix in ("去年", "上年"):
            return self._need_report().year - 1
        if prefix == "次年":
            return self._need_anchor().year + 1
        if prefix in ("同年", "当年") or self.anchor is not None:
            anchor = self._need_anchor()
            # Narratives move forward: "12月20日 … 1月3日" crosses into the next year.
            if prefix is None and self.anchor is not None and anchor.month - month > 6:
                return anchor.year + 1
            return anchor.year
        report = self._need_report()
        return report.year - 1 if month > report.month else report.year

    def resolve(self, match: re.Match[str]) -> tuple[datetime, datetime, bool] | None:
        g = match.groupdict()
        if g["iso"]:
            begin, until = _day_window(int(g["iy"]), int(g["im"]), int(g["id"]))
            return begin, until, False
        if g["ymd"]:
            year = _year_value(g["y1"])
            if g["m1"] is None:
                return datetime(year, 1, 1), datetime(year, 12, 31, 23, 59), False
            month = _int(g["m1"])
            begin, until = _window(year, month, g["d1"], g["part1"])
            return begin, until, False
        if g["md"]:
            month = _int(g["m2"])
            year = self._year_for(g["pre2"], month)
            begin, until = _window(year, month, g["d2"], g["part2"])
            return begin, until, True
        if g["pd"]:
            anchor = self._need_anchor() if g["pre3"] != "本月" else self._need_report()
            year, month = anchor.year, anchor.month
            if g["pre3"] == "次月":
                year, month = (year + 1, 1) if month == 12 else (year, month + 1)
            elif g["pre3"] == "上月":
                year, month = (year - 1, 12) if month == 1 else (year, month - 1)
            begin, until = _window(year, month, g["d3"], None)
            return begin, until, True
        if g["rel"]:
            word = g["rel"]
            if g["ago"]:
                base = self._need_report() - timedelta(days=_int(g["ago"]))
            elif word in ("今天", "今日"):
                base = self._need_report()
            elif word in ("昨天", "昨日"):
                base = self._need_report() - timedelta(days=1)
            elif word in ("前天", "前日"):
                base = self._need_report() - timedelta(days=2)
            elif word in ("次日", "翌日", "第二天", "第二日", "隔天", "隔日"):
                base = self._need_anchor() + timedelta(days=1)
            else:
                base = self._need_anchor()
            day = base.replace(hour=0, minute=0, second=0, microsecond=0)
            if word in ("当晚", "当夜"):
                begin, until = _apply_time(day, word, None, None)
                return begin, until, True
            return day, day.replace(hour=23, minute=59), True
        if g["bare"]:
            if self.anchor is None:
                return None
            anchor = self.anchor
            day_number = _int(g["d4"])
            year, month = anchor.year, anchor.month
            if day_number < anchor.day:
                year, month = (year + 1, 1) if month == 12 else (year, month + 1)
            begin, until = _day_window(year, month, day_number)
            return begin, until, True
        if g["tonly"]:
            if self.anchor is None:
                return None
            if g["hc0"] == "点" and not (g["ampm0"] or g["ap0"]):
                return None  # "一点" is as often "a little" as "one o'clock"
            day = self.anchor.replace(hour=0, minute=0)
            begin, until = _apply_time(day, g["ampm0"], g["h0"], g["mi0"])
            return begin, until, True
        return None


def find_time_expressions(text: str, reported_at: datetime | None = None) -> list[TimeExpression]:
    """Every time expression in ``text``, in text order, with its resolved window.

    An expression that looks like a date but is impossible ("2月30日") or cannot be resolved
    ("次日" with nothing before it) is returned with ``error`` set (Chinese) and no window.
    """
    folded = to_halfwidth(text)
    resolver = _Resolver(reported_at)
    found: list[TimeExpression] = []
    position = 0
    while True:
        match = _DATE.search(folded, position)
        if match is None:
            break
        end = match.end()
        position = max(end, match.start() + 1)
        while end > match.start() and folded[end - 1] in " ,、":
            end -= 1  # "今年3月，" — the separator the pattern allows is no part of the date
        if match.group("ymd") and match.group("m1") is None and _BIRTH_YEAR.match(folded, end):
            continue  # "（女，2001年出生）" is an age, not when anything happened
        try:
            resolved = resolver.resolve(match)
        except DateUnreadable as exc:
            found.append(
                TimeExpression(text[match.start() : end], match.start(), end, None, None, True, str(exc))
            )
            continue
        if resolved is None:
            continue
        begin, until, relative = resolved
        if not match.group("tonly"):
            time_match = _TIME.match(folded, end)
            if time_match and (time_match.group("ampm") or time_match.group("h") or time_match.group("h2")):
                day = begin.replace(hour=0, minute=0)
                try:
                    if time_match.group("h2"):
                        begin, until = _apply_time(
                            day, time_match.group("ampm"), time_match.group("h2"), time_match.group("mi2")
                        )
                    else:
                        begin, until = _apply_time(
                            day, time_match.group("ampm"), time_match.group("h"), time_match.group("mi")
                        )
                except DateUnreadable as exc:
                    found.append(
                        TimeExpression(
                            text[match.start() : time_match.end()],
                            match.start(),
                            time_match.end(),
                            None,
                            None,
                            relative,
                            str(exc),
                        )
                    )
                    position = time_match.end()
                    continue
                end = time_match.end()
                position = end
        resolver.anchor = begin
        found.append(TimeExpression(text[match.start() : end], match.start(), end, begin, until, relative))
    return found


def parse_police_datetime(text: str, reported_at: datetime | None = None) -> tuple[datetime, datetime]:
    """Read one expression written alone ("2020年7月4日10时许") as its ``(begin, until)`` window."""
    expressions = find_time_expressions(text, reported_at)
    if not expressions:
        raise DateUnreadable(text)
    first = expressions[0]
    if first.error or first.begin is None or first.until is None:
        raise DateUnreadable(first.error or text)
    last = expressions[-1]
    if last.until is not None and last.until > first.until:
        return first.begin, last.until
    return first.begin, first.until


# --- times in imported tables ------------------------------------------------------------------
#
# One reader of the time cells of every import (statements, clue, report and registration
# spreadsheets). Times are naive local (Beijing) wall-clock values, truncated to the second.

#: The strptime spellings the statement store's SQL fast path tries (DuckDB ``try_strptime``);
#: :func:`parse_table_datetime` reads every one of them the same way (a property test holds the
#: two paths to it), and more besides (Chinese dates, Excel day serials, fractions of a second).
TABLE_TIME_FORMATS: tuple[str, ...] = (
    "%Y-%m-%d %H:%M:%S",
    "%Y/%m/%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y/%m/%d %H:%M",
    "%Y%m%d%H%M%S",
    "%Y%m%d %H:%M:%S",
    "%Y%m%d %H%M%S",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%d %H:%M:%S.%f",
    "%Y-%m-%d",
    "%Y/%m/%d",
    "%Y%m%d",
)

_TABLE_DATE_SEPARATORS = str.maketrans({"年": "-", "月": "-", "日": " ", "号": " "})
_TABLE_TIME_SEPARATORS = str.maketrans({"时": ":", "点": ":", "分": ":", "秒": " "})
_TABLE_DATE_PART = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]+(.*))?$")
_TABLE_TIME_PART = re.compile(r"^(\d{1,2})(?::(\d{1,2}))?(?::(\d{1,2}))?(?:[.,]\d+)?$")
_TABLE_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})(?:[ T]*(\d{2})(\d{2})(\d{2})?)?$")
_TABLE_COMPACT_TIME = re.compile(r"^(\d{2})(\d{2})(\d{2})?$")
# Excel's day zero; calamine hands back floats for date cells in some xls files.
_EXCEL_EPOCH = datetime(1899, 12, 30)


def _fold_cell(text: str) -> str:
    """NFKC folds full-width digits, letters and spaces to their ASCII forms."""
    return unicodedata.normalize("NFKC", text).strip()


def parse_time_of_day(text: str) -> time:
    """ "10:22:01", "10:22", "102201", "10时22分01秒", "10时" → ``time``; raises ``ValueError``.

    A bare hour counts only when written with 时/点 ("10时"), never as "10" alone.
    """
    folded = _fold_cell(text)
    hour_only = bool(re.fullmatch(r"\d{1,2}\s*[时点]", folded))
    folded = folded.translate(_TABLE_TIME_SEPARATORS).strip().rstrip(":").strip()
    match = _TABLE_TIME_PART.match(folded)
    if match and (match[2] is not None or hour_only):
        hour, minute, second = int(match[1]), int(match[2] or 0), int(match[3] or 0)
    else:
        compact = _TABLE_COMPACT_TIME.match(folded)
        if not compact:
            raise ValueError(f"时间无法识别 / unreadable time: {text!r}")
        hour, minute, second = int(compact[1]), int(compact[2]), int(compact[3] or 0)
    if hour > 23 or minute > 59 or second > 59:
        raise ValueError(f"时间超出范围 / time out of range: {text!r}")
    return time(hour, minute, second)


def parse_table_datetime(text: str, time_text: str | None = None) -> datetime:
    """A time cell of an imported table, as a naive wall-clock ``datetime``; raises ``ValueError``.

    Accepts every spelling of :data:`TABLE_TIME_FORMATS` and "2024/3/5 10:22", "2024年3月5日
    10时22分", "2024.03.05", "2024-03-05T10:22:01.123" (the fraction is dropped) and an Excel day
    serial ("45356.43"). When the table keeps the clock in a separate column, pass it as
    ``time_text``; a date-only value without one means midnight.
    """
    folded = _fold_cell(text)
    if not folded:
        raise ValueError("交易时间为空 / empty date")
    if re.fullmatch(r"\d{5}(?:\.\d+)?", folded):
        moment = _EXCEL_EPOCH + timedelta(days=float(folded))
        parsed = moment.replace(microsecond=0) + timedelta(seconds=round(moment.microsecond / 1e6))
    else:
        parsed = _table_date_and_time(folded, text)
    if time_text is not None and _fold_cell(time_text) and parsed.time() == time(0):
        return datetime.combine(parsed.date(), parse_time_of_day(time_text))
    return parsed


def _table_date_and_time(folded: str, original: str) -> datetime:
    compact = _TABLE_COMPACT.match(folded)
    if compact:
        try:
            day = date(int(compact[1]), int(compact[2]), int(compact[3]))
            clock = time(int(compact[4]), int(compact[5]), int(compact[6] or 0)) if compact[4] else time(0)
        except ValueError as exc:
            raise ValueError(f"日期超出范围 / date out of range: {original!r}") from exc
        return datetime.combine(day, clock)
    spaced = re.sub(r"\s+", " ", folded.translate(_TABLE_DATE_SEPARATORS)).strip()
    # "/" and "." separate the date's parts only; in the clock "." starts the fraction.
    day_part, sep, clock_part = re.sub(r"(?<=\d)T(?=\d)", " ", spaced).partition(" ")
    spaced = day_part.replace("/", "-").replace(".", "-") + sep + clock_part
    # "2024-3-5 10:22:01" but also "20240305 10:22:01" (compact date, separated time).
    head = re.match(r"^(\d{4})(\d{2})(\d{2})\s+(.+)$", spaced)
    if head:
        spaced = f"{head[1]}-{head[2]}-{head[3]} {head[4]}"
    match = _TABLE_DATE_PART.match(spaced)
    if not match:
        raise ValueError(f"日期无法识别 / unreadable date: {original!r}")
    try:
        day = date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError as exc:
        raise ValueError(f"日期超出范围 / date out of range: {original!r}") from exc
    rest = (match[4] or "").strip()
    clock = parse_time_of_day(rest) if rest else time(0)
    return datetime.combine(day, clock)
