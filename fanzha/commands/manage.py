"""``fanzha manage``: Django's management commands on a data directory (createsuperuser, migrate…)."""

from __future__ import annotations

import argparse
from typing import Any


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("manage", help="Django 管理命令 / run a Django management command")
    parser.add_argument("--data-dir", required=True, help="数据目录 / data directory")
    parser.add_argument("arguments", nargs=argparse.REMAINDER, help="e.g. createsuperuser")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from django.core.management import execute_from_command_line

    from fanzha.runtime import prepare_data_dir, setup_django

    setup_django(prepare_data_dir(args.data_dir))
    execute_from_command_line(["fanzha manage", *args.arguments])
    return 0
