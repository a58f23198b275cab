"""Background work leaves its story in the log, not only a string in the database."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest

from fanzha.domain.statement_store import StatementStore
from fanzha.funds import imports
from fanzha.funds.models import ImportJob
from tests.domain.test_trace import M1
from tests.funds.conftest import upload, user_of
from tests.funds.test_stale_jobs import interrupted_job

pytestmark = pytest.mark.django_db


def test_a_failing_import_job_logs_the_error_with_its_traceback(
    data_dir: Path, chain_files: dict[str, Path], monkeypatch: pytest.MonkeyPatch, caplog: Any
) -> None:
    job = imports.create_upload_job([upload(chain_files[M1])], None, user_of("investigator"))

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(StatementStore, "import_files", broken)
    with caplog.at_level(logging.INFO, logger="fanzha"):
        imports.run_job(job.pk)
    job.refresh_from_db()
    assert job.status == ImportJob.Status.FAILED and "disk on fire" in job.error
    (failure,) = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert failure.name == "fanzha.funds.imports" and f"job {job.pk} failed" in failure.getMessage()
    assert failure.exc_info is not None and "disk on fire" in str(failure.exc_info[1])
    summary = [r for r in caplog.records if r.levelno == logging.WARNING and "rows read" in r.getMessage()]
    assert len(summary) == 1 and "failed" in summary[0].getMessage()


def test_a_successful_import_job_logs_its_counts(
    data_dir: Path, chain_files: dict[str, Path], caplog: Any
) -> None:
    job = imports.create_upload_job([upload(chain_files[M1])], None, user_of("investigator"))
    with caplog.at_level(logging.INFO, logger="fanzha"):
        imports.run_job(job.pk)
    messages = [r.getMessage() for r in caplog.records if r.name == "fanzha.funds.imports"]
    assert any(f"job {job.pk} done" in m and "inserted" in m for m in messages), messages


def test_an_orphaned_job_marked_failed_is_logged(
    data_dir: Path, chain_files: dict[str, Path], settings: Any, caplog: Any
) -> None:
    settings.FUNDS_IMPORT_STALE_SECONDS = 300
    job = interrupted_job(chain_files, minutes_ago=6)
    with caplog.at_level(logging.INFO, logger="fanzha"):
        assert imports.fail_stale_jobs() == 1
    (record,) = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert f"job {job.pk} marked failed" in record.getMessage()


def test_fanzha_logs_info_and_the_server_console_shows_it() -> None:
    from django.conf import settings

    from fanzha.runtime import show_info_on_console

    config = settings.LOGGING
    assert config["loggers"]["fanzha"]["level"] == "INFO" and config["loggers"]["fanzha"]["propagate"]
    assert config["root"]["handlers"] == ["console"]
    (console,) = [h for h in logging.getLogger().handlers if h.get_name() == "console"]
    level = console.level
    try:
        assert level == logging.WARNING  # a one-shot command's stderr stays as it was
        show_info_on_console()  # what `fanzha serve` does after setting Django up
        assert console.level == logging.INFO
    finally:
        console.setLevel(level)
