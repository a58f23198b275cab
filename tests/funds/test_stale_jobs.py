"""A background import orphaned by a server restart: shown as failed once its progress has stood
still for FUNDS_IMPORT_STALE_SECONDS, and re-runnable without writing any file twice."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from fanzha.funds import imports
from fanzha.funds.models import ImportJob
from fanzha.funds.store import open_store
from tests.domain.test_trace import M1, M2
from tests.funds.conftest import upload, user_of

pytestmark = pytest.mark.django_db


def interrupted_job(chain_files: dict[str, Path], minutes_ago: float) -> ImportJob:
    """A job over M1 and M2 whose thread died after M1 was written and committed."""
    job = imports.create_upload_job(
        [upload(chain_files[M1]), upload(chain_files[M2])], None, user_of("investigator")
    )
    first = job.files.order_by("pk").first()
    assert first is not None
    with open_store(write=True) as store:
        report = store.import_files([first.path])
    imports._record_file(first, report.files[0])
    moment = timezone.now() - timedelta(minutes=minutes_ago)
    ImportJob.objects.filter(pk=job.pk).update(
        status=ImportJob.Status.RUNNING, phase="写入 m2", started_at=moment, progress_at=moment
    )
    job.refresh_from_db()
    return job


def test_stalled_job_shows_as_failed_and_reruns_without_duplicates(
    investigator_client: Client, data_dir: Path, chain_files: dict[str, Path], settings: Any
) -> None:
    settings.FUNDS_IMPORT_STALE_SECONDS = 300
    job = interrupted_job(chain_files, minutes_ago=6)
    with open_store() as store:
        before = store.count()
    assert before == 5

    page = investigator_client.get(reverse("funds:job", args=[job.pk])).content.decode()
    assert imports.STALE_ERROR in page and "重新导入</button>" in page
    assert 'class="job-status">失败<' in page
    job.refresh_from_db()
    assert job.status == ImportJob.Status.FAILED

    response = investigator_client.post(reverse("funds:job_rerun", args=[job.pk]), follow=True)
    assert response.status_code == 200
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE, job.error
    assert job.error == ""
    first, second = job.files.order_by("pk")
    assert (first.created, second.created, job.created) == (5, 2, 7)
    assert second.imported
    with open_store() as store:
        assert store.count() == before + second.created
        assert sum(1 for r in store.rows() if r["account"] == M1) == 5


def test_moving_job_stays_running_and_the_index_fails_only_stalled_ones(
    investigator_client: Client, data_dir: Path, chain_files: dict[str, Path], settings: Any
) -> None:
    settings.FUNDS_IMPORT_STALE_SECONDS = 600
    fresh = interrupted_job(chain_files, minutes_ago=9)
    stalled = interrupted_job(chain_files, minutes_ago=11)
    index = investigator_client.get(reverse("funds:index"))
    assert index.status_code == 200
    fresh.refresh_from_db()
    stalled.refresh_from_db()
    assert fresh.status == ImportJob.Status.RUNNING
    assert (stalled.status, stalled.error) == (ImportJob.Status.FAILED, imports.STALE_ERROR)
    page = investigator_client.get(reverse("funds:job", args=[fresh.pk])).content.decode()
    assert 'class="job-status">导入中<' in page and "重新导入</button>" not in page
    # A running job cannot be started a second time.
    investigator_client.post(reverse("funds:job_rerun", args=[fresh.pk]))
    fresh.refresh_from_db()
    assert fresh.status == ImportJob.Status.RUNNING


def test_queued_job_never_picked_up_goes_stale(data_dir: Path, settings: Any) -> None:
    settings.FUNDS_IMPORT_STALE_SECONDS = 60
    old = timezone.now() - timedelta(minutes=2)
    queued = ImportJob.objects.create(status=ImportJob.Status.PENDING, phase="排队中", progress_at=old)
    waiting = ImportJob.objects.create(status=ImportJob.Status.PENDING)
    ImportJob.objects.filter(pk=waiting.pk).update(created_at=old)
    assert imports.fail_stale_jobs() == 1
    queued.refresh_from_db()
    waiting.refresh_from_db()
    assert queued.status == ImportJob.Status.FAILED
    assert waiting.status == ImportJob.Status.PENDING


def test_a_crash_part_way_keeps_the_files_already_written(
    data_dir: Path, chain_files: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The process dies while the second file is read: the first file is already recorded as
    imported with its counts, so a re-run reads only the second and reports nothing twice."""
    from fanzha.domain.statement_store import StatementStore

    job = imports.create_upload_job(
        [upload(chain_files[M1]), upload(chain_files[M2])], None, user_of("investigator")
    )
    real_stage = StatementStore._stage_file

    def dies_on_the_second(self: StatementStore, path: Path, *args: Any, **kwargs: Any) -> Any:
        if Path(path).name == chain_files[M2].name:
            raise SystemExit("kill -9")  # nothing after this line runs in a killed process
        return real_stage(self, path, *args, **kwargs)

    monkeypatch.setattr(StatementStore, "_stage_file", dies_on_the_second)
    with pytest.raises(SystemExit):
        imports.run_job(job.pk)
    first, second = job.files.order_by("pk")
    assert (first.imported, first.created, first.rows) == (True, 5, 5)
    assert not second.imported
    job.refresh_from_db()
    assert job.status == ImportJob.Status.RUNNING  # as the dead process left it

    monkeypatch.setattr(StatementStore, "_stage_file", real_stage)
    assert imports.fail_stale_jobs() == 1  # its process (this one, earlier) no longer runs it
    imports.rerun_job(ImportJob.objects.get(pk=job.pk), background=False)
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE
    first, second = job.files.order_by("pk")
    assert (first.created, second.created, job.created, job.duplicates) == (5, 2, 7, 0)


def test_a_job_whose_process_is_gone_fails_at_once_and_can_be_rerun(data_dir: Path) -> None:
    import socket
    import subprocess
    import sys

    finished = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True)
    dead_pid = int(finished.stdout)
    moving = timezone.now()
    job = ImportJob.objects.create(
        status=ImportJob.Status.RUNNING,
        phase="写入 m2",
        started_at=moving,
        progress_at=moving,  # it moved a moment ago: the stale timeout alone would wait 10 minutes
        worker=f"{socket.gethostname()}:{dead_pid}:1",
    )
    live = ImportJob.objects.create(
        status=ImportJob.Status.RUNNING, progress_at=moving, worker=imports.this_worker()
    )
    elsewhere = ImportJob.objects.create(
        status=ImportJob.Status.RUNNING, progress_at=moving, worker="another-host:123:1"
    )
    assert imports.fail_stale_jobs() == 2  # the dead one, and "live": no thread of ours runs it
    job.refresh_from_db()
    live.refresh_from_db()
    elsewhere.refresh_from_db()
    assert job.status == ImportJob.Status.FAILED and imports.can_rerun(job)
    assert elsewhere.status == ImportJob.Status.RUNNING


def test_serve_marks_interrupted_imports_failed_at_start_up(data_dir: Path) -> None:
    from fanzha.commands.serve import fail_interrupted_imports

    job = ImportJob.objects.create(
        status=ImportJob.Status.RUNNING, progress_at=timezone.now(), worker="x:1:1"
    )
    ImportJob.objects.filter(pk=job.pk).update(worker=f"{imports.this_worker().split(':')[0]}:999999999:1")
    assert fail_interrupted_imports() == 1


def test_a_garbage_statement_leaves_its_job_failed_not_done(
    investigator_client: Client, data_dir: Path, tmp_path: Path
) -> None:
    garbage = tmp_path / "乱码.csv"
    garbage.write_bytes(bytes(range(256)) * 40)
    job = imports.create_upload_job([upload(garbage)], None, user_of("investigator"))
    imports.start_job(job, background=False)
    job.refresh_from_db()
    assert job.status == ImportJob.Status.FAILED
    assert "乱码.csv" in job.error
