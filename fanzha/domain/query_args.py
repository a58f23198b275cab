"""Days, months, years and ids typed by someone (a query string, a form, a command line, an API
body) checked against what the station's data can hold, with a Chinese message when they are not.

Python's ``date`` runs from year 1 to 9999 and a database integer to 2**63-1, but a day of year 1
or 9999 overflows the moment a page adds a month or a week to it, and an id of 23 digits overflows
the database driver. Every such value is therefore read here and refused as bad input (a
``UserFacingError``: 400 on a page or the API, exit code 2 on the command line) before any code
computes with it. Imports nothing from Django.
"""

from __future__ import annotations

from datetime import date, datetime

from fanzha.errors import UserFacingError

#: The days a station's records, reports and plans can be about.
EARLIEST_DAY = date(1990, 1, 1)
LATEST_DAY = date(2099, 12, 31)
#: The largest id any table can hold (a signed 64-bit integer).
MAX_ID = 2**63 - 1


def _range_error(what: str, text: object) -> UserFacingError:
    return UserFacingError(
        f"{what}“{text}”超出范围：应在 {EARLIEST_DAY.isoformat()} 至 {LATEST_DAY.isoformat()} 之间",
        f"{what} {text!s} is out of range: expected {EARLIEST_DAY.isoformat()} to {LATEST_DAY.isoformat()}",
    )


def check_day(day: date, what: str = "日期") -> date:
    """``day`` itself when it lies between EARLIEST_DAY and LATEST_DAY, else a UserFacingError."""
    plain = day.date() if isinstance(day, datetime) else day
    if not EARLIEST_DAY <= plain <= LATEST_DAY:
        raise _range_error(what, day.isoformat())
    return day


def check_moment(moment: datetime, what: str = "时间") -> datetime:
    """A date-time whose day lies in the station's range (its time zone does not matter)."""
    check_day(moment.date(), what)
    return moment


def parse_day(text: str, what: str = "日期") -> date:
    """A YYYY-MM-DD calendar date in the station's range, or a UserFacingError saying what was expected."""
    try:
        day = datetime.strptime(text.strip(), "%Y-%m-%d").date()
    except ValueError as exc:
        raise UserFacingError(
            f"{what}“{text}”无效，应为 YYYY-MM-DD 格式的真实日期，例如 2026-11-20",
            f"invalid date {text!r}: expected a real calendar date as YYYY-MM-DD, e.g. 2026-11-20",
        ) from exc
    return check_day(day, what)


def optional_day(text: str | None, what: str = "日期") -> date | None:
    """``parse_day`` for an optional field: empty means None."""
    return parse_day(text, what) if text and text.strip() else None


def parse_month(text: str, what: str = "月份") -> date:
    """YYYY-MM (or a full date) as the first day of that month, in the station's range."""
    cleaned = text.strip()
    try:
        year, month = cleaned[:7].split("-")
        first = date(int(year), int(month), 1)
    except ValueError as exc:
        raise UserFacingError(
            f"{what}“{text}”无效，应为 YYYY-MM 格式，例如 2026-11",
            f"invalid month {text!r}: expected YYYY-MM, e.g. 2026-11",
        ) from exc
    return check_day(first, what)


def optional_month(text: str | None, what: str = "月份") -> date | None:
    return parse_month(text, what) if text and text.strip() else None


def check_year(year: int, what: str = "年份") -> int:
    if not EARLIEST_DAY.year <= year <= LATEST_DAY.year:
        raise UserFacingError(
            f"{what}“{year}”超出范围：应在 {EARLIEST_DAY.year} 至 {LATEST_DAY.year} 之间",
            f"{what} {year} is out of range: expected {EARLIEST_DAY.year} to {LATEST_DAY.year}",
        )
    return year


def parse_int(text: str, what: str, low: int, high: int) -> int:
    """A whole number between ``low`` and ``high``, or a UserFacingError naming the field."""
    cleaned = text.strip()
    if not cleaned.lstrip("-").isdigit() or len(cleaned) > 19 or not low <= int(cleaned) <= high:
        raise UserFacingError(
            f"{what}“{text}”无效，应为 {low} 至 {high} 之间的整数",
            f"invalid {what} {text!r}: expected a whole number from {low} to {high}",
        )
    return int(cleaned)


def optional_int(text: str | None, what: str, low: int, high: int) -> int | None:
    return parse_int(text, what, low, high) if text and text.strip() else None


def optional_id(text: str | None, what: str = "编号") -> int | None:
    """A record id (1 to MAX_ID) from a query string; empty means None."""
    return optional_int(text, what, 1, MAX_ID)
