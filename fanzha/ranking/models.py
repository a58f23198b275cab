"""Registrations of the national anti-fraud app, the basis of the daily grid ranking."""

from __future__ import annotations

from django.db import models

from fanzha.stations.models import Grid, Resident


class AppRegistration(models.Model):
    class Source(models.TextChoices):
        EXPORT = "export", "每日导出"
        DOOR_VISIT = "door_visit", "入户登记"

    day = models.DateField("注册日期", db_index=True)
    resident = models.OneToOneField(
        Resident, null=True, blank=True, on_delete=models.CASCADE, related_name="app_registration"
    )
    grid = models.ForeignKey(
        Grid, on_delete=models.PROTECT, related_name="registrations", verbose_name="警格"
    )
    source = models.CharField("来源", max_length=12, choices=Source.choices, default=Source.EXPORT)

    class Meta:
        verbose_name = verbose_name_plural = "反诈APP注册"
        indexes = [models.Index(fields=["grid", "day"])]

    def __str__(self) -> str:
        return f"{self.grid_id} {self.day}"
