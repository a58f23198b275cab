"""Warning clues (预警线索), the batches they arrive in, the rows that could not be read, the
source systems allowed to push clues over the API, and the dissuasion actions recorded on them."""

from __future__ import annotations

import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone

from fanzha.stations.models import Grid, Resident
from fanzha.web.import_records import ImportBatch, RejectedRow
from fanzha.web.model_fields import optional_link, person_link

TOKEN_PREFIX = "fz_"


def hash_token(token: str) -> str:
    # Tokens are 256-bit random strings, so a fast hash is enough: there is nothing to brute-force.
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class SourceSystem(models.Model):
    """A system allowed to push clues (96110 platform, a bank, an operator…), one token each.
    Only the token's hash is stored; the token itself is shown once when issued."""

    name = models.CharField("系统名称", max_length=100, unique=True)
    source = models.CharField(
        "线索来源", max_length=30, help_text="写入线索“来源”字段，如 96110、银行、运营商"
    )
    token_hash = models.CharField("令牌摘要", max_length=64, unique=True, editable=False)
    token_hint = models.CharField("令牌前缀", max_length=12, blank=True, editable=False)
    is_active = models.BooleanField("启用", default=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    last_used_at = models.DateTimeField("最近使用", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "线索来源系统"
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name}（{self.source}）"

    def issue_token(self) -> str:
        """Set a new token (the old one stops working) and return it; save() is the caller's."""
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)
        self.token_hash = hash_token(token)
        self.token_hint = token[:8]
        return token

    @classmethod
    def authenticate(cls, token: str) -> SourceSystem | None:
        if not token:
            return None
        system = cls.objects.filter(token_hash=hash_token(token), is_active=True).first()
        if system is not None:
            cls.objects.filter(pk=system.pk).update(last_used_at=timezone.now())
        return system


class ClueBatch(ImportBatch):
    """One delivery of clues: a file, an API call, the demo loader."""

    class Channel(models.TextChoices):
        FILE = "file", "文件导入"
        API = "api", "接口推送"
        LOADER = "loader", "演示数据"

    channel = models.CharField("渠道", max_length=10, choices=Channel.choices)
    name = models.CharField("名称", max_length=200, blank=True)
    file_sha256 = models.CharField("文件摘要", max_length=64, blank=True, db_index=True)
    source_system = optional_link(SourceSystem, "来源系统")
    created_by = person_link("导入人")
    received_at = models.DateTimeField("接收时间", default=timezone.now, db_index=True)
    summary = models.JSONField("导入结果", default=dict, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "线索批次"
        ordering = ["-received_at"]

    def __str__(self) -> str:
        return f"{self.received_at:%Y-%m-%d %H:%M} {self.get_channel_display()} {self.name}"


class ClueReject(RejectedRow):
    """A row that could not be read, kept verbatim for a person to look at."""

    batch = models.ForeignKey(
        ClueBatch, on_delete=models.CASCADE, related_name="rejects", verbose_name="批次"
    )
    file_name = models.CharField("文件", max_length=200, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "无法读取的线索行"
        ordering = ["batch", "line"]
        constraints = [models.UniqueConstraint(fields=["batch", "line"], name="clue_reject_line_unique")]

    def __str__(self) -> str:
        return f"{self.file_name}:{self.line}"


class Clue(models.Model):
    class Grade(models.TextChoices):
        RED = "red", "红色"
        ORANGE = "orange", "橙色"
        YELLOW = "yellow", "黄色"

    class Status(models.TextChoices):
        QUEUED = "queued", "待人工匹配"
        DISPATCHED = "dispatched", "已下发"
        IN_PROGRESS = "in_progress", "劝阻中"
        ESCALATED = "escalated", "已升级"
        CLOSED = "closed", "已办结"
        MERGED = "merged", "已合并"

    class Outcome(models.TextChoices):
        STOPPED = "stopped", "劝阻成功"
        CHEATED = "cheated", "已被骗"
        UNREACHABLE = "unreachable", "无法联系"
        FALSE_ALARM = "false_alarm", "误报"
        # Not a resident of this station's area: the clue goes to the station (or unit) responsible.
        HANDED_OVER = "handed_over", "非本辖区，已移交"

    source = models.CharField("来源", max_length=30)
    source_id = models.CharField("来源编号", max_length=64)
    # The system that pushed the clue over the API. Its clues are keyed on the system itself, not on
    # the source label it writes (two systems may both say 银行), so neither can swallow or read the
    # other's clues; clues from files and the public report page have none and are keyed on the label.
    source_system = models.ForeignKey(
        SourceSystem,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="clues",
        verbose_name="来源系统",
    )
    received_at = models.DateTimeField("接收时间", db_index=True)
    target_name = models.CharField("对象姓名", max_length=50, blank=True)
    target_phone = models.CharField("对象电话", max_length=20, blank=True)
    target_id_number = models.CharField("对象身份证号", max_length=18, blank=True)
    target_address = models.CharField("对象地址", max_length=200, blank=True)
    kind = models.CharField("线索类型", max_length=30)
    fraud_identifier = models.CharField("涉诈标识", max_length=200, blank=True)
    suspected_category = models.CharField("疑似类别", max_length=40, blank=True)
    amount_fen = models.BigIntegerField("涉及金额（分）", null=True, blank=True)
    resident = optional_link(Resident, "匹配居民", "clues")
    grid = optional_link(Grid, "警格", "clues")
    match_method = models.CharField("匹配方式", max_length=20, blank=True)
    match_confidence = models.FloatField("匹配置信度", null=True, blank=True)
    queue_reason = models.CharField("待人工原因", max_length=200, blank=True)
    grade = models.CharField("等级", max_length=10, choices=Grade.choices, blank=True)
    grade_reasons = models.JSONField("定级理由", default=list, blank=True)
    # What looks wrong in the data as received (a phone too short, an ID number with month 13): the
    # clue is kept and worked, and the officer is told to check those values.
    data_warnings = models.JSONField("数据核对提示", default=list, blank=True)
    deadline = models.DateTimeField("处置时限", null=True, blank=True, db_index=True)
    status = models.CharField(
        "状态", max_length=12, choices=Status.choices, default=Status.QUEUED, db_index=True
    )
    outcome = models.CharField("处置结果", max_length=12, choices=Outcome.choices, blank=True)
    officer = person_link("责任民警", "clues")
    merged_into = optional_link("self", "合并至", "merged")
    first_contact_at = models.DateTimeField("首次联系时间", null=True, blank=True)
    closed_at = models.DateTimeField("办结时间", null=True, blank=True)
    handed_to = models.CharField(
        "接收单位", max_length=100, blank=True, help_text="移交时：接收线索的派出所或单位"
    )
    batch = optional_link(ClueBatch, "批次", "clues")
    source_line = models.PositiveIntegerField("文件行号", null=True, blank=True)
    escalated_at = models.DateTimeField("升级时间", null=True, blank=True)
    escalation_reason = models.CharField("升级原因", max_length=200, blank=True)
    case = optional_link("cases.Case", "转立案件", "from_clues")
    raw = models.JSONField("原始记录", default=dict, blank=True)
    created_at = models.DateTimeField("入库时间", auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "预警线索"
        ordering = ["deadline", "received_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "source_id"],
                condition=models.Q(source_system__isnull=True),
                name="clue_source_unique",
            ),
            models.UniqueConstraint(
                fields=["source_system", "source_id"],
                condition=models.Q(source_system__isnull=False),
                name="clue_system_source_unique",
            ),
        ]
        indexes = [models.Index(fields=["grid", "status"])]

    def __str__(self) -> str:
        return f"{self.source}/{self.source_id}"


class DissuasionAction(models.Model):
    class Kind(models.TextChoices):
        SMS = "sms", "短信提醒"
        CALL = "call", "电话劝阻"
        VISIT = "visit", "上门劝阻"
        WECHAT_GROUP = "wechat_group", "微信群通知"

    clue = models.ForeignKey(Clue, on_delete=models.CASCADE, related_name="actions", verbose_name="线索")
    at = models.DateTimeField("时间")
    kind = models.CharField("方式", max_length=20, choices=Kind.choices)
    reached = models.BooleanField("是否联系上", null=True, blank=True)
    note = models.TextField("备注", blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, verbose_name="处置人"
    )
    sms_text = models.TextField("短信内容", blank=True)
    recorded_at = models.DateTimeField("录入时间", auto_now_add=True, null=True)

    class Meta:
        verbose_name = verbose_name_plural = "劝阻记录"
        ordering = ["at"]

    def __str__(self) -> str:
        return f"{self.clue_id} {self.get_kind_display()}"
