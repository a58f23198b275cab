"""Form validators shared by the apps' forms."""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError

from fanzha.domain.query_args import check_day
from fanzha.errors import UserFacingError


def station_date(value: date) -> None:
    """A date or date-time a station's records can be about (see ``fanzha.domain.query_args``): a
    year-1 or year-9999 date is refused with a message instead of overflowing later."""
    try:
        check_day(value, "日期")
    except UserFacingError as exc:
        raise ValidationError(exc.zh) from exc
