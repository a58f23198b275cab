"""Outreach events (宣传活动) per grid and the anti-fraud quiz question bank."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from fanzha.stations.models import Grid


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
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, verbose_name="记录人"
    )

    class Meta:
        verbose_name = verbose_name_plural = "宣传活动"
        ordering = ["-day"]

    def __str__(self) -> str:
        return f"{self.day} {self.title}"


class QuizQuestion(models.Model):
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
