"""Warning clues (预警线索) and the dissuasion actions recorded on them."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from fanzha.stations.models import Grid, Resident


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

    source = models.CharField("来源", max_length=30)
    source_id = models.CharField("来源编号", max_length=64)
    received_at = models.DateTimeField("接收时间", db_index=True)
    target_name = models.CharField("对象姓名", max_length=50, blank=True)
    target_phone = models.CharField("对象电话", max_length=20, blank=True)
    target_id_number = models.CharField("对象身份证号", max_length=18, blank=True)
    target_address = models.CharField("对象地址", max_length=200, blank=True)
    kind = models.CharField("线索类型", max_length=30)
    fraud_identifier = models.CharField("涉诈标识", max_length=200, blank=True)
    suspected_category = models.CharField("疑似类别", max_length=40, blank=True)
    amount_fen = models.BigIntegerField("涉及金额（分）", null=True, blank=True)
    resident = models.ForeignKey(
        Resident,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="clues",
        verbose_name="匹配居民",
    )
    grid = models.ForeignKey(
        Grid, null=True, blank=True, on_delete=models.SET_NULL, related_name="clues", verbose_name="警格"
    )
    match_method = models.CharField("匹配方式", max_length=20, blank=True)
    match_confidence = models.FloatField("匹配置信度", null=True, blank=True)
    queue_reason = models.CharField("待人工原因", max_length=200, blank=True)
    grade = models.CharField("等级", max_length=10, choices=Grade.choices, blank=True)
    grade_reasons = models.JSONField("定级理由", default=list, blank=True)
    deadline = models.DateTimeField("处置时限", null=True, blank=True, db_index=True)
    status = models.CharField(
        "状态", max_length=12, choices=Status.choices, default=Status.QUEUED, db_index=True
    )
    outcome = models.CharField("处置结果", max_length=12, choices=Outcome.choices, blank=True)
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="clues",
        verbose_name="责任民警",
    )
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="merged", verbose_name="合并至"
    )
    first_contact_at = models.DateTimeField("首次联系时间", null=True, blank=True)
    closed_at = models.DateTimeField("办结时间", null=True, blank=True)
    raw = models.JSONField("原始记录", default=dict, blank=True)
    created_at = models.DateTimeField("入库时间", auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "预警线索"
        ordering = ["deadline", "received_at"]
        constraints = [models.UniqueConstraint(fields=["source", "source_id"], name="clue_source_unique")]
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

    class Meta:
        verbose_name = verbose_name_plural = "劝阻记录"
        ordering = ["at"]

    def __str__(self) -> str:
        return f"{self.clue_id} {self.get_kind_display()}"
