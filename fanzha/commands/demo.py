"""``fanzha demo``: generate the synthetic county into an empty data directory, then serve it.

Run again on the same directory, it serves what is there instead of generating anew."""

from __future__ import annotations

import argparse
import json
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from fanzha.commands.serve import add_serve_arguments, serve


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "demo", help="生成演示县区并启动服务 / generate the demo county and serve it"
    )
    add_serve_arguments(parser)
    parser.add_argument(
        "--data-dir", default="fanzha-demo", help="数据目录 / data directory (default fanzha-demo)"
    )
    parser.add_argument("--seed", type=int, default=2026, help="随机种子 / random seed (default 2026)")
    parser.add_argument("--scale", type=float, default=1.0, help="规模倍数 / scale factor (default 1)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from fanzha.runtime import check_port_free, prepare_data_dir

    data_dir = Path(args.data_dir).expanduser().resolve()
    check_port_free(args.host, args.port)  # fail before minutes of generation, not after
    if (data_dir / "county.json").is_file():
        print(f"数据目录中已有演示县区，直接启动 / serving the county already in {data_dir}", flush=True)
    else:
        from fanzha.commands.generate import generate_into

        prepare_data_dir(data_dir, must_be_empty=True)
        print(
            f"正在生成演示县区（种子 {args.seed}，规模 {args.scale}）… / generating the demo county…",
            flush=True,
        )
        # The demo's data runs up to yesterday so that today's queues, deadlines and ranking are live.
        yesterday = date.today() - timedelta(days=1)
        summary = generate_into(data_dir, seed=args.seed, scale=args.scale, end_date=yesterday)
        print(json.dumps(summary, ensure_ascii=False), flush=True)
    serve(data_dir, host=args.host, port=args.port, threads=args.threads)
    return 0
