"""``fanzha stats``: case statistics from a station's database.

- ``stats effect --start YYYY-MM-DD``: the campaign's effect on the monthly case rate, one JSON
  object {rate_before, rate_after, ratio, ci_low, ci_high, p_value, method, warning};
- ``stats summary --year YYYY``: the year's cases, change on the previous year, share of all
  criminal cases and share by category, one JSON object;
- ``stats refresh``: rebuild the pre-aggregated statistics (after bulk edits made outside fanzha).
"""

from __future__ import annotations

import argparse
import json
from datetime import date
from typing import Any

from fanzha.errors import UserFacingError


def register(subparsers: Any) -> None:
    from fanzha.runtime import add_data_dir_argument

    parser = subparsers.add_parser("stats", help="案情统计与活动效果 / case statistics and campaign effect")
    commands = parser.add_subparsers(dest="stats_command", required=True)

    effect = commands.add_parser(
        "effect", help="宣传活动效果 / effect of a campaign on the monthly case rate"
    )
    effect.add_argument("--start", required=True, help="活动开始日期 YYYY-MM-DD / campaign start date")
    effect.add_argument("--months-before", type=int, default=12, help="活动前月数 (default 12)")
    effect.add_argument("--months-after", type=int, default=12, help="活动后月数 (default 12)")
    add_data_dir_argument(effect)
    effect.set_defaults(func=run_effect)

    summary = commands.add_parser("summary", help="年度汇总 / a year's summary")
    summary.add_argument("--year", type=int, required=True, help="年份 YYYY")
    add_data_dir_argument(summary)
    summary.set_defaults(func=run_summary)

    refresh = commands.add_parser("refresh", help="重建统计汇总 / rebuild the pre-aggregated statistics")
    add_data_dir_argument(refresh)
    refresh.set_defaults(func=run_refresh)


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise UserFacingError(f"日期格式应为 YYYY-MM-DD：{text}", f"date must be YYYY-MM-DD: {text}") from exc


def _positive(value: int, name: str) -> int:
    if value < 1:
        raise UserFacingError(f"{name} 必须至少为 1", f"{name} must be at least 1")
    return value


def run_effect(args: argparse.Namespace) -> int:
    start = _date(args.start)
    before = _positive(args.months_before, "--months-before")
    after = _positive(args.months_after, "--months-after")
    from fanzha.runtime import open_station

    open_station(args.data_dir)
    from fanzha.analytics.effect import campaign_effect

    result = campaign_effect(start, months_before=before, months_after=after)
    print(json.dumps(result.contract(), ensure_ascii=False))
    return 0


def run_summary(args: argparse.Namespace) -> int:
    if not 1900 <= args.year <= 2999:
        raise UserFacingError(f"年份不合理：{args.year}", f"implausible year: {args.year}")
    from fanzha.runtime import open_station

    open_station(args.data_dir)
    from fanzha.analytics.summary import year_summary

    print(json.dumps(year_summary(args.year), ensure_ascii=False))
    return 0


def run_refresh(args: argparse.Namespace) -> int:
    from fanzha.runtime import open_station

    open_station(args.data_dir)
    from fanzha.analytics import refresh

    cases = refresh.rebuild()
    print(json.dumps({"cases": cases, "consistent": refresh.cube_totals_match_facts()}, ensure_ascii=False))
    return 0
