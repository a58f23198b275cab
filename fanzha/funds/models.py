"""Money-trail records kept in the station's database: remembered per-bank column mappings, import
jobs with their files and rejected rows, and trace runs with their results.

The statements themselves live in the DuckDB store (``settings.DATA_DIR / "statements.duckdb"``);
these tables say which file came from which case, how its import went and what a trace found.
"""

from __future__ import annotations

from django.db import models

from fanzha.cases.models import Case
from fanzha.domain.masking import mask_card
from fanzha.funds.trace_result import StoredTrace
from fanzha.web.import_records import ImportBatch, RejectedRow
from fanzha.web.model_fields import optional_link, person_link


class BankColumnMapping(models.Model):
    """How one bank's statement layout maps to the normalised fields, set once by an investigator.

    ``signature`` identifies the header row (see :func:`fanzha.funds.layouts.header_signature`);
    ``columns`` maps a field of ``fanzha.domain.statements.FIELDS`` to the header text as written.
    """

    bank = models.CharField("银行/机构", max_length=60)
    signature = models.CharField("表头特征", max_length=64, unique=True)
    header = models.JSONField("表头", default=list)
    columns = models.JSONField("列映射", default=dict)
    created_by = person_link("设置人")
    created_at = models.DateTimeField("设置时间", auto_now_add=True)
    used_count = models.PositiveIntegerField("使用次数", default=0)
    last_used_at = models.DateTimeField("最近使用", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "银行流水列映射"
        ordering = ["bank", "-created_at"]

    def __str__(self) -> str:
        return f"{self.bank} ({self.signature[:8]})"


class ImportJob(ImportBatch):
    """One upload (or one import of the data directory's ``statements/`` folder)."""

    class Status(models.TextChoices):
        NEEDS_MAPPING = "needs_mapping", "待设置列映射"
        PENDING = "pending", "排队中"
        RUNNING = "running", "导入中"
        DONE = "done", "已完成"
        FAILED = "failed", "失败"

    class Source(models.TextChoices):
        UPLOAD = "upload", "上传"
        DATA_DIR = "data_dir", "数据目录"

    case = optional_link(Case, "案件", "+")
    source = models.CharField("来源", max_length=10, choices=Source.choices, default=Source.UPLOAD)
    status = models.CharField("状态", max_length=16, choices=Status.choices, default=Status.PENDING)
    phase = models.CharField("阶段", max_length=40, blank=True)
    file_index = models.PositiveIntegerField("当前文件序号", default=0)
    file_count = models.PositiveIntegerField("文件数", default=0)
    done_bytes = models.BigIntegerField("已处理字节", default=0)
    total_bytes = models.BigIntegerField("总字节", default=0)
    error = models.TextField("错误", blank=True)
    created_by = person_link("导入人")
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    started_at = models.DateTimeField("开始时间", null=True, blank=True)
    finished_at = models.DateTimeField("结束时间", null=True, blank=True)
    # Last time the job showed a sign of life (queued, started, progress): a background import whose
    # server died stops moving, and that is the only trace it leaves.
    progress_at = models.DateTimeField("最近进展时间", null=True, blank=True)
    # The process running the job (host:pid:start), so that a job whose process is gone can be
    # marked failed at once instead of after the stale timeout (fanzha.funds.imports.worker_alive).
    worker = models.CharField("执行进程", max_length=120, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "流水导入任务"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"导入#{self.pk} {self.get_status_display()}"

    @property
    def finished(self) -> bool:
        return self.status in {self.Status.DONE, self.Status.FAILED}

    @property
    def percent(self) -> int:
        """Overall progress: whole files done plus the byte share of the current one."""
        if self.finished:
            return 100
        if not self.file_count:
            return 0
        current = self.done_bytes / self.total_bytes if self.total_bytes else 0.0
        return min(99, int(100 * (self.file_index + current) / self.file_count))


class StatementFile(ImportBatch):
    """A statement file of an import job: where it is kept, which case it belongs to, how it went."""

    job = models.ForeignKey(
        ImportJob, on_delete=models.CASCADE, related_name="files", verbose_name="导入任务"
    )
    case = optional_link(Case, "案件", "statement_files")
    name = models.CharField("文件名", max_length=200)
    path = models.CharField("存放路径", max_length=500)
    sha256 = models.CharField("文件摘要", max_length=64, db_index=True)
    size = models.BigIntegerField("大小（字节）", default=0)
    mapping = optional_link(BankColumnMapping, "使用的列映射", "files")
    needs_mapping = models.BooleanField("需设置列映射", default=False)
    encoding = models.CharField("编码", max_length=20, blank=True)
    error = models.TextField("错误", blank=True)
    imported = models.BooleanField("已导入", default=False)

    class Meta:
        verbose_name = verbose_name_plural = "流水文件"
        ordering = ["job", "pk"]

    def __str__(self) -> str:
        return self.name


class StatementReject(RejectedRow):
    """A statement row that could not be read, kept with its file and line for a person."""

    file = models.ForeignKey(
        StatementFile, on_delete=models.CASCADE, related_name="rejects", verbose_name="文件"
    )

    class Meta:
        verbose_name = verbose_name_plural = "无法读取的流水行"
        ordering = ["file", "line"]
        constraints = [models.UniqueConstraint(fields=["file", "line"], name="statement_reject_line_unique")]

    def __str__(self) -> str:
        return f"{self.file.name}:{self.line}"


class TraceRun(models.Model):
    """One forward trace as run by an investigator: what was asked and what it found.

    ``result`` holds the reached accounts, edges, freeze list and region totals as built by
    :func:`fanzha.funds.tracing.stored_trace`; read it typed through :attr:`trace` (money in
    integer fen, times naive Beijing time).
    """

    class Rule(models.TextChoices):
        LIBR = "libr", "最低中间余额法（LIBR）"
        PROPORTIONAL = "proportional", "按比例分摊法"

    case = models.ForeignKey(
        Case, null=True, blank=True, on_delete=models.CASCADE, related_name="trace_runs", verbose_name="案件"
    )
    start_mode = models.CharField("起点", max_length=10, default="case")
    start_account = models.CharField("起始账户", max_length=60, blank=True)
    after = models.DateTimeField("起算时间", null=True, blank=True)
    amount_fen = models.BigIntegerField("金额上限（分）", null=True, blank=True)
    rule = models.CharField("归属规则", max_length=12, choices=Rule.choices, default=Rule.LIBR)
    max_depth = models.PositiveSmallIntegerField("最大层级", default=6)
    window_hours = models.PositiveIntegerField("时间窗（小时）", null=True, blank=True)
    result = models.JSONField("结果", default=dict)
    accounts_reached = models.PositiveIntegerField("到达账户数", default=0)
    elapsed_ms = models.FloatField("耗时（毫秒）", default=0)
    created_by = person_link("追踪人")
    created_at = models.DateTimeField("时间", auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "资金追踪记录"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"追踪#{self.pk} {self.case or mask_card(self.start_account)}"

    @property
    def trace(self) -> StoredTrace:
        """``result`` as typed records (every stored shape reads)."""
        return StoredTrace.from_json(self.result)
