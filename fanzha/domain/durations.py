"""How long ago, in the words a page or report uses: hours under a day, days after that."""

from __future__ import annotations

from datetime import timedelta


def elapsed_text(elapsed: timedelta) -> str:
    """``timedelta(hours=5)`` → "5小时"; ``timedelta(hours=795)`` → "33天3小时"; under an hour → "不到1小时"."""
    hours = int(elapsed.total_seconds() // 3600)
    if hours < 1:
        return "不到1小时"
    if hours < 24:
        return f"{hours}小时"
    days, rest = divmod(hours, 24)
    return f"{days}天" + (f"{rest}小时" if rest else "")


def elapsed_days(elapsed: timedelta) -> float:
    """Days with one decimal: ``timedelta(hours=6512.8)`` → 271.4."""
    return round(elapsed.total_seconds() / 86400, 1)
