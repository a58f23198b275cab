"""Statement import jobs: uploaded files (or the data directory's ``statements/`` folder) into the
station's DuckDB store, with per-file counts, rejected rows kept for a person, and progress.

Small jobs run inline in the request; bigger ones run on a background thread of the web process
and the job page polls :class:`~fanzha.funds.models.ImportJob` for progress (htmx). The import
itself is :meth:`fanzha.domain.statement_store.StatementStore.import_files`: idempotent and transactional
per file, so re-importing a file adds nothing.
"""

from __future__ import annotations

import hashlib
import logging
import os
import socket
import threading
import time
from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import close_old_connections, connections
from django.db.models import BooleanField, Q, QuerySet, Value, When
from django.db.models import Case as SqlCase
from django.utils import timezone

from fanzha.cases.models import Case
from fanzha.domain.statement_store import FileDoneCallback, ImportProgress
from fanzha.domain.tabular import ImportReport
from fanzha.errors import UserFacingError
from fanzha.funds import layouts
from fanzha.funds.models import ImportJob, StatementFile, StatementReject
from fanzha.funds.store import open_store
from fanzha.stations.models import User

logger = logging.getLogger(__name__)

ALLOWED_SUFFIXES = (".csv", ".txt", ".xlsx", ".xls")
#: Default size limits; a deployment may set FUNDS_MAX_UPLOAD_BYTES / FUNDS_INLINE_IMPORT_BYTES.
MAX_UPLOAD_BYTES = 200 * 1024 * 1024
INLINE_IMPORT_BYTES = 2 * 1024 * 1024
#: A queued or running job whose progress has not moved for this long (FUNDS_IMPORT_STALE_SECONDS)
#: is taken as interrupted: its thread died with the web process.
IMPORT_STALE_SECONDS = 10 * 60
STALE_ERROR = "导入中断，可重新导入；已导入的文件不会重复写入"
PHASE_LABELS = {
    "start": "开始",
    "transcode": "转换编码",
    "load": "读取",
    "insert": "写入",
    "done": "完成",
}
# Progress rows are written at most this often (seconds): a large file reports many chunks.
_PROGRESS_INTERVAL = 0.5


def max_upload_bytes() -> int:
    return int(getattr(settings, "FUNDS_MAX_UPLOAD_BYTES", MAX_UPLOAD_BYTES))


def inline_import_bytes() -> int:
    return int(getattr(settings, "FUNDS_INLINE_IMPORT_BYTES", INLINE_IMPORT_BYTES))


def import_stale_seconds() -> int:
    return int(getattr(settings, "FUNDS_IMPORT_STALE_SECONDS", IMPORT_STALE_SECONDS))


def upload_dir() -> Path:
    return Path(settings.DATA_DIR) / "uploads" / "statements"


def data_dir_statements() -> Path:
    return Path(settings.DATA_DIR) / "statements"


def check_uploads(files: Sequence[UploadedFile]) -> None:
    """Refuse empty selections, unknown kinds and files over the size limit, with a clear message."""
    if not files:
        raise UserFacingError("请选择要上传的流水文件", "no file selected")
    limit = max_upload_bytes()
    for upload in files:
        name = upload.name or ""
        if not name.lower().endswith(ALLOWED_SUFFIXES):
            raise UserFacingError(
                f"{name}：只接受 xlsx、xls、csv 格式的流水文件", f"{name}: only xlsx, xls or csv files"
            )
        if (upload.size or 0) > limit:
            raise UserFacingError(
                f"{name} 大小 {(upload.size or 0) / 1048576:.1f} MB，超过上限 {limit / 1048576:.0f} MB；"
                "请拆分文件后上传，或由管理员放入数据目录的 statements 文件夹导入",
                f"{name} is larger than the {limit // 1048576} MB limit",
            )
        if not upload.size:
            raise UserFacingError(f"{name} 是空文件", f"{name} is empty")


def _store_upload(upload: UploadedFile) -> tuple[Path, str, int]:
    """Keep the file by content: the same statement uploaded twice lands on the same path."""
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    sha = digest.hexdigest()
    name = Path(upload.name or "statement.csv").name
    folder = upload_dir() / sha[:2] / sha
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / name
    if not target.exists():
        with target.open("wb") as out:
            for chunk in upload.chunks():
                out.write(chunk)
    return target, sha, int(upload.size or 0)


def _sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def resolve_pending(job: ImportJob) -> None:
    """Attach a remembered mapping to each file, or flag it for the mapping page."""
    needs = False
    for record in job.files.filter(imported=False):
        try:
            resolution = layouts.resolve(Path(record.path))
        except UserFacingError as exc:
            record.error = exc.zh
            record.needs_mapping = False
            record.save(update_fields=["error", "needs_mapping"])
            continue
        record.mapping = resolution.mapping
        record.needs_mapping = not resolution.readable
        needs = needs or record.needs_mapping
        record.save(update_fields=["mapping", "needs_mapping"])
    job.status = ImportJob.Status.NEEDS_MAPPING if needs else ImportJob.Status.PENDING
    job.save(update_fields=["status"])


def create_upload_job(files: Sequence[UploadedFile], case: Case | None, user: User | None) -> ImportJob:
    check_uploads(files)
    job = ImportJob.objects.create(case=case, created_by=user, file_count=len(files))
    for upload in files:
        path, sha, size = _store_upload(upload)
        StatementFile.objects.create(
            job=job, case=case, name=path.name, path=str(path), sha256=sha, size=size
        )
    job.total_bytes = sum(f.size for f in job.files.all())
    job.save(update_fields=["total_bytes"])
    resolve_pending(job)
    return job


def case_for_file(name: str, cases_by_no: dict[str, Case]) -> Case | None:
    """The case a generated or exported statement belongs to, from a ``<case_no>_<bank>`` name."""
    stem = Path(name).stem
    for cut in range(len(stem), 0, -1):
        if stem[:cut] in cases_by_no and (cut == len(stem) or stem[cut] in "_-. "):
            return cases_by_no[stem[:cut]]
    return None


def data_dir_files() -> list[Path]:
    folder = data_dir_statements()
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in ALLOWED_SUFFIXES)


def create_data_dir_job(user: User | None) -> ImportJob:
    """A job over every statement file in ``DATA_DIR/statements`` (files are read in place)."""
    paths = data_dir_files()
    if not paths:
        raise UserFacingError(
            f"数据目录中没有流水文件：{data_dir_statements()}",
            f"no statement files in {data_dir_statements()}",
        )
    prefixes = {Path(p.name).stem.split("_")[0] for p in paths}
    cases_by_no = {c.case_no: c for c in Case.objects.filter(case_no__in=prefixes)}
    job = ImportJob.objects.create(source=ImportJob.Source.DATA_DIR, created_by=user, file_count=len(paths))
    StatementFile.objects.bulk_create(
        [
            StatementFile(
                job=job,
                case=case_for_file(p.name, cases_by_no),
                name=p.name,
                path=str(p),
                sha256=_sha256_of(p),
                size=p.stat().st_size,
            )
            for p in paths
        ]
    )
    job.total_bytes = sum(p.stat().st_size for p in paths)
    job.save(update_fields=["total_bytes"])
    resolve_pending(job)
    return job


# This process, as recorded on the jobs it runs: host, pid, and when it started (a pid is reused).
_PROCESS_STARTED = f"{time.time():.0f}"


def this_worker() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{_PROCESS_STARTED}"


def worker_alive(worker: str) -> bool | None:
    """Whether the process that took a job may still run it: False when it is gone, True when a
    process of that pid runs on this host, None for another host (only the stale timeout can tell).
    This process itself counts as gone: ask ``job_running_here`` first."""
    host, _, rest = worker.partition(":")
    pid_text, _, _started = rest.partition(":")
    if host != socket.gethostname() or not pid_text.isdigit():
        return None
    if int(pid_text) == os.getpid():
        return False
    try:
        os.kill(int(pid_text), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process: alive
    except OSError:
        return None
    return True


def start_job(job: ImportJob, background: bool | None = None) -> None:
    """Run a ready job: inline when small, else on a daemon thread (the page polls its progress)."""
    if job.status != ImportJob.Status.PENDING:
        return
    if background is None:
        background = job.total_bytes > inline_import_bytes()
    if not background:
        run_job(job.pk)
        return
    job.phase = "排队中"
    job.progress_at = timezone.now()
    job.worker = this_worker()
    job.save(update_fields=["phase", "progress_at", "worker"])
    thread = threading.Thread(target=_run_in_thread, args=(job.pk,), name=_thread_name(job.pk), daemon=True)
    thread.start()
    logger.info(
        "statement import job %s: %d files, %d bytes, started in the background",
        job.pk,
        job.file_count,
        job.total_bytes,
    )


def _thread_name(job_id: int) -> str:
    return f"funds-import-{job_id}"


# Jobs this process is running now, in a background thread or inline in a request.
_running_here: set[int] = set()
_running_lock = threading.Lock()


def job_thread_alive(job_id: int) -> bool:
    """Whether this process still runs the job (another process's thread is invisible)."""
    with _running_lock:
        if job_id in _running_here:
            return True
    name = _thread_name(job_id)
    return any(t.name == name and t.is_alive() for t in threading.enumerate())


def fail_stale_jobs(jobs: QuerySet[ImportJob] | None = None) -> int:
    """Mark queued/running jobs that nobody runs any more as failed; returns how many.

    A job whose process is known to be gone (``worker_alive`` is False: a restart, a crash, kill -9)
    fails at once; one run on another host fails when its progress has not moved for the stale
    timeout. Called at start-up (``fanzha serve``) and when a job page or the funds index is viewed,
    so a job orphaned by a crash does not stay "导入中" nor refuse a re-run. A thread of this process
    still alive is left alone.
    """
    cutoff = timezone.now() - timedelta(seconds=import_stale_seconds())
    queryset = ImportJob.objects.all() if jobs is None else jobs
    # A pending job without a phase was never handed to a thread (e.g. waits for its mapping).
    active = queryset.filter(
        Q(status=ImportJob.Status.RUNNING) | Q(status=ImportJob.Status.PENDING, phase__gt="")
    )
    still = (
        Q(progress_at__lt=cutoff)
        | Q(progress_at__isnull=True, started_at__lt=cutoff)
        | Q(progress_at__isnull=True, started_at__isnull=True, created_at__lt=cutoff)
    )
    failed = 0
    for job_id, worker, stalled in active.annotate(
        stalled=SqlCase(When(still, then=Value(True)), default=Value(False), output_field=BooleanField())
    ).values_list("pk", "worker", "stalled"):
        if job_thread_alive(job_id):
            continue
        alive = worker_alive(worker) if worker else None
        if alive or (alive is None and not stalled):
            continue
        # The status condition again: the job may have finished between the query and now.
        marked = ImportJob.objects.filter(
            pk=job_id, status__in=[ImportJob.Status.RUNNING, ImportJob.Status.PENDING]
        ).update(status=ImportJob.Status.FAILED, error=STALE_ERROR, phase="中断")
        if marked:
            why = "its process is gone" if alive is False else "no progress within the stale timeout"
            logger.warning(
                "statement import job %s marked failed (worker %s): %s", job_id, worker or "-", why
            )
        failed += marked
    return failed


def can_rerun(job: ImportJob) -> bool:
    return job.status == ImportJob.Status.FAILED and not job_thread_alive(job.pk)


def rerun_job(job: ImportJob, background: bool | None = None) -> None:
    """Run a failed job again: only files not yet imported are read, and each file's import is
    idempotent and transactional, so a file cut off mid-way is written once, not twice."""
    if not can_rerun(job):
        raise UserFacingError("只有失败的导入任务可以重新导入", "only a failed import job can be re-run")
    job.status = ImportJob.Status.PENDING
    job.error = ""
    job.phase = ""
    job.finished_at = None
    job.progress_at = timezone.now()
    job.save(update_fields=["status", "error", "phase", "finished_at", "progress_at"])
    resolve_pending(job)
    job.refresh_from_db()
    start_job(job, background=background)


def _run_in_thread(job_id: int) -> None:
    close_old_connections()
    try:
        run_job(job_id)
    except Exception:  # the thread ends here; the stale-job check will mark the job failed
        logger.exception("statement import job %s: the background thread crashed", job_id)
    finally:
        connections.close_all()


class _ProgressWriter:
    """Turns the store's progress callbacks into throttled updates of the job row."""

    def __init__(self, job: ImportJob, offset: int) -> None:
        self.job_id = job.pk
        self.offset = offset
        self.last = 0.0
        self.last_phase = ""

    def __call__(self, progress: ImportProgress) -> None:
        now = time.monotonic()
        if progress.phase == self.last_phase and now - self.last < _PROGRESS_INTERVAL:
            return
        self.last, self.last_phase = now, progress.phase
        ImportJob.objects.filter(pk=self.job_id).update(
            file_index=self.offset + progress.index + (1 if progress.phase == "done" else 0),
            phase=f"{PHASE_LABELS.get(progress.phase, progress.phase)} {Path(progress.path).name}",
            done_bytes=progress.done_bytes,
            total_bytes=progress.total_bytes or 0,
            progress_at=timezone.now(),
        )


def run_job(job_id: int) -> ImportJob:
    """Import every not-yet-imported file of the job, grouped by the column mapping each needs.

    Each file is recorded (counts, rejects, imported) as soon as the store has committed it, so a
    crash part-way leaves the finished files marked and a re-run reads only the others. A job with a
    file that could not be imported ends failed, naming the file; the files that were imported stay.
    """
    with _running_lock:
        _running_here.add(job_id)
    try:
        return _run_job(job_id)
    finally:
        with _running_lock:
            _running_here.discard(job_id)


def _run_job(job_id: int) -> ImportJob:
    job = ImportJob.objects.get(pk=job_id)
    job.status = ImportJob.Status.RUNNING
    job.started_at = job.progress_at = timezone.now()
    job.error = ""
    job.worker = this_worker()
    job.save(update_fields=["status", "started_at", "progress_at", "error", "worker"])
    records = list(job.files.filter(imported=False, needs_mapping=False, error="").select_related("mapping"))
    logger.info(
        "statement import job %s started by worker %s: %d files to read (%s)",
        job.pk,
        job.worker,
        len(records),
        ", ".join(r.name for r in records),
    )
    groups: dict[int | None, list[StatementFile]] = {}
    for record in records:
        groups.setdefault(record.mapping_id, []).append(record)
    try:
        with open_store(write=True) as store:
            offset = 0
            for records_of_group in groups.values():
                mapping = records_of_group[0].mapping
                store.import_files(
                    [r.path for r in records_of_group],
                    mapping=mapping.columns if mapping else None,
                    progress=_ProgressWriter(job, offset),
                    on_file_done=_file_recorder(records_of_group),
                )
                if mapping is not None:
                    layouts.note_used(mapping)
                offset += len(records_of_group)
    except UserFacingError as exc:
        logger.warning("statement import job %s failed: %s", job.pk, exc.en)
        job.status = ImportJob.Status.FAILED
        job.error = exc.zh
    except Exception as exc:  # a background thread must leave a reason behind, not die silently
        logger.exception("statement import job %s failed", job.pk)
        job.status = ImportJob.Status.FAILED
        job.error = f"导入失败：{type(exc).__name__}: {exc}"
    else:
        job.status = ImportJob.Status.DONE
    files = list(job.files.all())
    unreadable = [f.name for f in files if f.error and not f.imported]
    if unreadable and job.status == ImportJob.Status.DONE:
        job.status = ImportJob.Status.FAILED
        job.error = f"{len(unreadable)} 个文件无法导入（未写入任何行）：{'、'.join(unreadable)}"
    job.rows = sum(f.rows for f in files)
    job.created = sum(f.created for f in files)
    job.duplicates = sum(f.duplicates for f in files)
    job.rejected = sum(f.rejected for f in files)
    job.file_index = job.file_count
    job.phase = "完成" if job.status == ImportJob.Status.DONE else "失败"
    job.finished_at = job.progress_at = timezone.now()
    job.save()
    logger.log(
        logging.INFO if job.status == ImportJob.Status.DONE else logging.WARNING,
        "statement import job %s %s: %d files, %d rows read, %d inserted, %d duplicates, %d rejected%s",
        job.pk,
        job.status,
        job.file_count,
        job.rows,
        job.created,
        job.duplicates,
        job.rejected,
        f"; {job.error}" if job.error else "",
    )
    return job


def _file_recorder(records: list[StatementFile]) -> FileDoneCallback:
    by_path = {r.path: r for r in records}

    def record(result: ImportReport) -> None:
        if (statement_file := by_path.get(result.file)) is not None:
            _record_file(statement_file, result)

    return record


def _record_file(record: StatementFile, result: ImportReport) -> None:
    record.rows = result.rows
    record.created = result.created
    record.duplicates = result.duplicates
    record.rejected = len(result.rejected)
    record.encoding = result.encoding
    record.error = result.error or ""
    record.imported = not result.error
    record.save()
    # A re-upload of a file whose rejects are already listed adds no second copy to the queue.
    listed = set(
        StatementReject.objects.filter(file__sha256=record.sha256)
        .exclude(file=record)
        .values_list("line", flat=True)
    )
    StatementReject.objects.bulk_create(
        (
            StatementReject(file=record, line=r.line, raw=r.raw[:4000], reason=r.reason[:300])
            for r in result.rejected
            if r.line not in listed
        ),
        ignore_conflicts=True,
    )


def rejects_of_job(job: ImportJob) -> list[StatementReject]:
    """The rejected rows of the job's files, including those first listed by an earlier upload."""
    shas = list(job.files.values_list("sha256", flat=True))
    return list(
        StatementReject.objects.filter(file__sha256__in=shas)
        .select_related("file")
        .order_by("file__name", "line")
    )
