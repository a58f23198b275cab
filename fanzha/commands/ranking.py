"""``fanzha ranking --date YYYY-MM-DD [--data-dir D]``: the day's grid ranking as JSON Lines.

One line per grid, best first: ``{"grid", "rank", "score", "coverage", "new_registrations",
"flagged", "reasons"}`` — a stable contract for scripts."""

from __future__ import annotations

import argparse
import json
from typing import Any

from fanzha.runtime import add_data_dir_argument


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "ranking", help="警格每日排名（JSON Lines） / the day's grid ranking as JSON Lines"
    )
    parser.add_argument("--date", required=True, help="日期 YYYY-MM-DD / the day to rank")
    add_data_dir_argument(parser)
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from fanzha.domain.query_args import parse_day
    from fanzha.runtime import open_station

    # The date is checked before the database is opened, so a typo answers at once.
    day = parse_day(args.date)
    open_station(args.data_dir)
    from fanzha.ranking.services.figures import daily_ranking

    for row in daily_ranking(day):
        print(json.dumps(row.as_json(), ensure_ascii=False))
    return 0
