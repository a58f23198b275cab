"""Outreach events (宣传活动) per grid with their photos, the anti-fraud quiz question bank, quiz
attempts and the prize draw."""

from __future__ import annotations

from django.db import models

from fanzha.stations.models import Grid
from fanzha.web.model_fields import optional_link, person_link


class OutreachEvent(models.Model):
    day = models.DateField("日期", db_index=True)
    grid = models.ForeignKey(
        Grid, on_delete=models.PROTECT, related_name="outreach_events", verbose_name="警格"
    )
    title = models.CharField("活动名称", max_length=100)
    venue_type = models.CharField("场所类型", max_length=20)
    method = models.CharField("宣传方式", max_length=40, blank=True)
    audience = models.PositiveIntegerField("受众人数", default=0)
    categories = models.JSONField("涉及类别", default=list, blank=True)
    materials = models.CharField("宣传材料", max_length=200, blank=True)
    created_by = person_link("记录人")
    created_at = models.DateTimeField("录入时间", auto_now_add=True, null=True)

    class Meta:
        verbose_name = verbose_name_plural = "宣传活动"
        ordering = ["-day"]
        indexes = [models.Index(fields=["grid", "day"], name="outreach_grid_day")]

    def __str__(self) -> str:
        return f"{self.day} {self.title}"


def photo_path(instance: EventPhoto, filename: str) -> str:
    # The stored name never comes from the uploader: it is chosen by the upload service.
    return f"outreach/{instance.event.day:%Y/%m}/{filename}"


class EventPhoto(models.Model):
    """A photo of an event, re-encoded on upload (so no EXIF/GPS or other metadata survives)
    and served only to logged-in users who may see the event's grid."""

    event = models.ForeignKey(
        OutreachEvent, on_delete=models.CASCADE, related_name="photos", verbose_name="活动"
    )
    image = models.FileField("照片", upload_to=photo_path, max_length=200)
    content_type = models.CharField("类型", max_length=20)
    width = models.PositiveIntegerField("宽")
    height = models.PositiveIntegerField("高")
    size = models.PositiveIntegerField("字节数")
    uploaded_by = person_link("上传人")
    uploaded_at = models.DateTimeField("上传时间", auto_now_add=True)

    class Meta:
        verbose_name = verbose_name_plural = "活动照片"
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"{self.event_id} {self.image.name}"


class QuizQuestion(models.Model):
    # Stable key from fanzha/data/outreach/quiz_questions.json, so reloading the bank updates
    # questions instead of duplicating them; blank for questions written in the admin.
    key = models.CharField("编号", max_length=32, blank=True, db_index=True)
    category = models.CharField("类别", max_length=40)
    question = models.TextField("题目")
    choices = models.JSONField("选项")
    answer = models.PositiveSmallIntegerField("正确选项序号")
    explanation = models.TextField("解析", blank=True)
    active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = verbose_name_plural = "反诈问答题目"

    def __str__(self) -> str:
        return self.question[:30]


class QuizAttempt(models.Model):
    """One submitted quiz. Only hashes of the network address are kept (for rate limiting)."""

    grid = optional_link(Grid, "警格", "quiz_attempts")
    event = optional_link(OutreachEvent, "活动", "quiz_attempts")
    submitted_at = models.DateTimeField("提交时间", auto_now_add=True, db_index=True)
    questions = models.JSONField("题目", default=list)
    answers = models.JSONField("作答", default=list)
    correct = models.PositiveSmallIntegerField("答对题数")
    total = models.PositiveSmallIntegerField("题数")
    categories_wrong = models.JSONField("答错类别", default=list, blank=True)
    ip_hash = models.CharField("来源地址摘要", max_length=64, db_index=True)
    # The random id carried by the signed paper: unique, so one paper is scored (and drawn on) once.
    paper_nonce = models.CharField("问卷编号", max_length=32, blank=True, default="")

    class Meta:
        verbose_name = verbose_name_plural = "问答记录"
        ordering = ["-submitted_at"]
        indexes = [models.Index(fields=["grid", "submitted_at"], name="quiz_grid_time")]
        constraints = [
            models.UniqueConstraint(
                fields=["paper_nonce"], condition=~models.Q(paper_nonce=""), name="quiz_paper_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.submitted_at:%Y-%m-%d %H:%M} {self.correct}/{self.total}"


class PrizeDraw(models.Model):
    """One draw per phone number, ever: the unique hash is what refuses a second prize. The
    number itself is kept only masked (for handing over the prize)."""

    attempt = models.OneToOneField(
        QuizAttempt, on_delete=models.CASCADE, related_name="draw", verbose_name="问答记录"
    )
    phone_hash = models.CharField("手机号摘要", max_length=64, unique=True)
    phone_masked = models.CharField("手机号（脱敏）", max_length=20)
    won = models.BooleanField("中奖", default=False)
    prize = models.CharField("奖品", max_length=50, blank=True)
    ip_hash = models.CharField("来源地址摘要", max_length=64, db_index=True)
    drawn_at = models.DateTimeField("抽奖时间", auto_now_add=True, db_index=True)
    redeemed_at = models.DateTimeField("兑奖时间", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "抽奖记录"
        ordering = ["-drawn_at"]

    def __str__(self) -> str:
        return f"{self.phone_masked} {'中奖' if self.won else '未中奖'}"
