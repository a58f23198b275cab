"""The one default-date rule of the pages: a page opened without dates shows the period that ends
on the last day that has data, never after today (Asia/Shanghai). The daily ranking, the clue
batch analysis and the case analytics all follow it, and say so on the page."""

from __future__ import annotations

from datetime import date

from django.utils import timezone

DEFAULT_RULE_TEXT = "未选日期时，默认截至数据的最后一天（不晚于今天）"


def default_end(last_data_day: date | None) -> date:
    """The end of a page's default period: the last day with data, capped at today."""
    today = timezone.localdate()
    return min(last_data_day, today) if last_data_day else today
