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
from typing import Any

from fanzha.domain.query_args import check_year, parse_day, parse_int


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


def run_effect(args: argparse.Namespace) -> int:
    start = parse_day(args.start, "--start")
    before = parse_int(str(args.months_before), "--months-before", 1, 120)
    after = parse_int(str(args.months_after), "--months-after", 1, 120)
    from fanzha.runtime import open_station

    open_station(args.data_dir)
    from fanzha.analytics.effect import campaign_effect

    result = campaign_effect(start, months_before=before, months_after=after)
    print(json.dumps(result.contract(), ensure_ascii=False))
    return 0


def run_summary(args: argparse.Namespace) -> int:
    check_year(args.year, "--year")
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
