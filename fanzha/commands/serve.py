"""``fanzha serve``: run the workbench on a data directory with a production WSGI server."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

DEFAULT_HOST = "127.0.0.1"


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("serve", help="启动工作台网页服务 / serve the web workbench")
    add_serve_arguments(parser)
    parser.add_argument("--data-dir", required=True, help="数据目录 / data directory")
    parser.set_defaults(func=run)


def add_serve_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--port", type=int, default=8000, help="端口 / port (default 8000)")
    parser.add_argument("--host", default=DEFAULT_HOST, help="监听地址 / listen address (default 127.0.0.1)")
    parser.add_argument("--threads", type=int, default=8, help="工作线程数 / worker threads (default 8)")


def run(args: argparse.Namespace) -> int:
    from fanzha.runtime import prepare_data_dir

    data_dir = prepare_data_dir(args.data_dir)
    serve(data_dir, host=args.host, port=args.port, threads=args.threads)
    return 0


def serve(data_dir: Path, *, host: str, port: int, threads: int) -> None:
    from fanzha.runtime import check_database, check_port_free, migrate, setup_django, show_info_on_console

    check_port_free(host, port)
    setup_django(data_dir)
    show_info_on_console()
    database = check_database()
    migrate()
    fail_interrupted_imports()
    from waitress import serve as waitress_serve

    from fanzha.wsgi import application

    print(
        f"反诈工作台已启动 / fanzha is serving: http://{host}:{port}/  (数据库 database: {database})",
        flush=True,
    )
    print_demo_accounts()
    print("按 Ctrl+C 停止 / press Ctrl+C to stop", flush=True)
    waitress_serve(application, host=host, port=port, threads=threads, ident="fanzha", _quiet=True)


def fail_interrupted_imports() -> int:
    """Statement imports whose process died with the last server are marked failed, so the page
    offers a re-run at once instead of showing "导入中 99%" until the stale timeout."""
    from django.apps import apps

    if not apps.is_installed("fanzha.funds"):
        return 0
    from fanzha.funds.imports import fail_stale_jobs

    failed = fail_stale_jobs()
    if failed:
        print(
            f"{failed} 个因服务停止而中断的流水导入任务已标记为失败，可在页面上重新导入 / "
            f"{failed} interrupted statement import(s) marked failed; re-run them from the page",
            flush=True,
        )
    return failed


def print_demo_accounts() -> None:
    """One account per role, when the database holds the generated demo county."""
    from fanzha.county_loader import DEMO_PASSWORD
    from fanzha.stations.models import Role, User

    shown = False
    for role in Role:
        user = User.objects.filter(role=role).order_by("username").first()
        if user is None or not user.check_password(DEMO_PASSWORD):
            continue
        if not shown:
            print(
                f"演示账号（密码均为 {DEMO_PASSWORD}） / demo accounts (password {DEMO_PASSWORD}):",
                flush=True,
            )
            shown = True
        print(f"  {role.label:<8} {user.username}", flush=True)
