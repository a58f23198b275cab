"""The station's statement store: one DuckDB file per data directory, opened per use.

DuckDB lets several connections of one process share a database file, but only one process may
write it. The web server (waitress, one process, many threads) opens a connection per request;
writes (imports, saved traces) are serialised by a process-wide lock so that two imports never
conflict. Another process holding the file (a CLI import running at the same time) becomes a
clear error, not a traceback.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path

from django.conf import settings

from fanzha.domain.statement_store import StatementStore
from fanzha.errors import UserFacingError

STORE_NAME = "statements.duckdb"
WRITE_LOCK = threading.RLock()


def store_path() -> Path:
    return Path(settings.DATA_DIR) / STORE_NAME


@contextmanager
def open_store(write: bool = False) -> Iterator[StatementStore]:
    """The station's store; with ``write`` the caller holds the write lock until it closes."""
    path = store_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    lock = WRITE_LOCK if write else None
    if lock is not None:
        lock.acquire()
    try:
        try:
            store = StatementStore(path)
        except Exception as exc:  # duckdb.IOException: the file is locked by another process
            raise UserFacingError(
                f"流水库 {path} 正被其他程序占用，请稍后再试：{exc}",
                f"statement store {path} is in use by another process: {exc}",
            ) from exc
        try:
            yield store
        finally:
            store.close()
    finally:
        if lock is not None:
            lock.release()


def store_summary() -> dict[str, int]:
    """Rows, accounts, files and rejects in the store (zeros when there is no store yet)."""
    if not store_path().exists():
        return {"rows": 0, "accounts": 0, "files": 0, "rejects": 0}
    with open_store() as store:
        return asdict(store.summary())
