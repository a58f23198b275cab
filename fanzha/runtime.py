"""Starting Django from the ``fanzha`` command: the data directory, the database and the port,
each checked first so that a mistake ends in a short message instead of a traceback."""

from __future__ import annotations

import logging
import os
import secrets
import socket
from pathlib import Path
from typing import Any

from fanzha.errors import UserFacingError


def prepare_data_dir(path: str | Path, *, must_be_empty: bool = False) -> Path:
    """Create the data directory if needed and check it is writable (and empty when asked)."""
    data_dir = Path(path).expanduser().resolve()
    if data_dir.exists() and not data_dir.is_dir():
        raise UserFacingError(
            f"数据目录 {data_dir} 不是目录", f"data directory {data_dir} is not a directory"
        )
    if must_be_empty and data_dir.is_dir() and any(data_dir.iterdir()):
        raise UserFacingError(
            f"数据目录 {data_dir} 不是空的；为避免覆盖已有数据，请换一个目录或先手动清空",
            f"data directory {data_dir} is not empty; choose another directory or empty it first (nothing was changed)",
        )
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
        probe = data_dir / ".write-test"
        probe.write_text("ok", encoding="ascii")
        probe.unlink()
    except OSError as exc:
        raise UserFacingError(
            f"数据目录 {data_dir} 不可写：{exc.strerror}", f"data directory {data_dir} is not writable: {exc}"
        ) from exc
    key_file = data_dir / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(50), encoding="ascii")
        key_file.chmod(0o600)
    return data_dir


def setup_django(data_dir: Path) -> None:
    os.environ["FANZHA_DATA_DIR"] = str(data_dir)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fanzha.settings")
    import django
    from django.core.exceptions import ImproperlyConfigured

    try:
        django.setup()
    except ImproperlyConfigured as exc:
        raise UserFacingError(f"配置错误：{exc}", f"configuration error: {exc}") from exc


def show_info_on_console() -> None:
    """Let the console handler (settings.LOGGING) print fanzha's INFO records too: a server's
    operator watches its jobs and failures there; a one-shot command keeps its output clean."""
    for handler in logging.getLogger().handlers:
        if handler.get_name() == "console":
            handler.setLevel(logging.INFO)


def check_database() -> str:
    """Connect once; return a printable description of the database in use."""
    from django.db import connection
    from django.db.utils import Error as DatabaseError

    settings = connection.settings_dict
    where = (
        settings["NAME"] if connection.vendor == "sqlite" else f"{settings.get('HOST')}/{settings['NAME']}"
    )
    try:
        connection.ensure_connection()
    except (DatabaseError, OSError) as exc:
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise UserFacingError(
            f"无法连接数据库（{connection.vendor} {where}），请检查 DATABASE_URL：{first_line}",
            f"cannot connect to the database ({connection.vendor} {where}); check DATABASE_URL: {first_line}",
        ) from exc
    return f"{connection.vendor} {where}"


def migrate() -> None:
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)


def check_port_free(host: str, port: int) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            raise UserFacingError(
                f"端口 {host}:{port} 已被占用，请用 --port 换一个端口",
                f"port {host}:{port} is already in use; choose another with --port",
            ) from exc


def add_data_dir_argument(parser: Any, *, required: bool = False) -> None:
    """``--data-dir D`` for every sub-command that touches a station (default: $FANZHA_DATA_DIR or ./fanzha-demo)."""
    default = os.environ.get("FANZHA_DATA_DIR", "fanzha-demo")
    parser.add_argument(
        "--data-dir",
        required=required,
        default=None if required else default,
        help=f"数据目录 / data directory (default {default})",
    )


def open_station(data_dir: str | Path) -> Path:
    """Everything a Django-backed sub-command needs first: the directory, Django, the database, migrations."""
    path = prepare_data_dir(data_dir)
    setup_django(path)
    check_database()
    migrate()
    return path
