"""Reading a day from a command line or a query string. Imports nothing from Django, so the CLI
can reject a bad date before it opens the database."""

from __future__ import annotations

from datetime import date, datetime

from fanzha.errors import UserFacingError


def parse_day_argument(text: str) -> date:
    """A YYYY-MM-DD date, or a UserFacingError saying what was expected."""
    try:
        return datetime.strptime(text.strip(), "%Y-%m-%d").date()
    except ValueError as exc:
        raise UserFacingError(
            f"日期“{text}”无效，应为 YYYY-MM-DD 格式的真实日期，例如 2026-11-20",
            f"invalid date {text!r}: expected a real calendar date as YYYY-MM-DD, e.g. 2026-11-20",
        ) from exc
