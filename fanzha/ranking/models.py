"""Registrations of the national anti-fraud app, the basis of the daily grid ranking: per-person
registrations, per-grid daily counts (when the export only gives counts), the import batches with
the rows that could not be counted, and the station's overrides of the ranking weights."""

from __future__ import annotations

from django.db import models

from fanzha.stations.models import Grid, Resident
from fanzha.web.import_records import ImportBatch, RejectedRow
from fanzha.web.model_fields import SettingsOverrides, optional_link, person_link


class RegistrationImport(ImportBatch):
    """One imported export file. The same file content (sha256) is never imported twice."""

    class Kind(models.TextChoices):
        PERSONS = "persons", "逐人注册明细"
        GRID_COUNTS = "grid_counts", "分警格注册数"

    imported_at = models.DateTimeField("导入时间", auto_now_add=True)
    imported_by = person_link("导入人")
    file_name = models.CharField("文件名", max_length=200)
    sha256 = models.CharField("文件摘要", max_length=64, unique=True)
    kind = models.CharField("类型", max_length=12, choices=Kind.choices)
    updated = models.PositiveIntegerField("更新", default=0)

    class Meta:
        verbose_name = verbose_name_plural = "注册数据导入"
        ordering = ["-imported_at"]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.imported_at:%Y-%m-%d %H:%M})"


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
    batch = optional_link(RegistrationImport, "导入批次", "registrations")
    recorded_by = person_link("登记人")

    class Meta:
        verbose_name = verbose_name_plural = "反诈APP注册"
        indexes = [models.Index(fields=["grid", "day"])]

    def __str__(self) -> str:
        return f"{self.grid_id} {self.day}"


class GridDailyCount(models.Model):
    """New registrations of a grid on a day, when the export gives counts instead of persons.

    One row per (grid, day, source): importing the day again replaces the figure, never adds to it."""

    grid = models.ForeignKey(
        Grid, on_delete=models.PROTECT, related_name="registration_counts", verbose_name="警格"
    )
    day = models.DateField("日期")
    source = models.CharField(
        "来源", max_length=12, choices=AppRegistration.Source.choices, default=AppRegistration.Source.EXPORT
    )
    count = models.PositiveIntegerField("新增注册数")
    batch = optional_link(RegistrationImport, "导入批次")

    class Meta:
        verbose_name = verbose_name_plural = "分警格注册数"
        constraints = [
            models.UniqueConstraint(fields=["grid", "day", "source"], name="grid_daily_count_unique")
        ]

    def __str__(self) -> str:
        return f"{self.grid_id} {self.day} {self.count}"


class RejectedRegistrationRow(RejectedRow):
    """A row that named an unknown grid or person, or could not be read: kept, reported, not counted."""

    batch = models.ForeignKey(
        RegistrationImport, on_delete=models.CASCADE, related_name="rejected_rows", verbose_name="导入批次"
    )

    class Meta:
        verbose_name = verbose_name_plural = "未计入的注册行"
        ordering = ["batch", "line"]
        constraints = [models.UniqueConstraint(fields=["batch", "line"], name="rejected_row_unique")]

    def __str__(self) -> str:
        return f"{self.batch_id}:{self.line} {self.reason}"


class RankingSettings(SettingsOverrides):
    """The station's overrides of ``fanzha/data/ranking/ranking.json``; the newest row applies."""

    overrides = models.JSONField(
        "参数覆盖",
        default=dict,
        help_text='与 ranking.json 同结构的部分键，例如 {"weights": {"coverage": 0.5}, "flag": {"bottom_count": 2}}',
    )

    class Meta(SettingsOverrides.Meta):
        verbose_name = verbose_name_plural = "排名参数"


class RegistrationDayTotal(models.Model):
    """Per-person registrations counted per grid and day: the ranking reads this, not the
    millions of rows behind it. Kept up to date by ``fanzha.ranking.services.rollup``."""

    grid = models.ForeignKey(Grid, on_delete=models.CASCADE, related_name="+", verbose_name="警格")
    day = models.DateField("日期")
    count = models.PositiveIntegerField("注册数")

    class Meta:
        verbose_name = verbose_name_plural = "每日注册汇总"
        constraints = [models.UniqueConstraint(fields=["grid", "day"], name="registration_day_total_unique")]
        indexes = [models.Index(fields=["day", "grid"])]

    def __str__(self) -> str:
        return f"{self.grid_id} {self.day} {self.count}"


class RegistrationRollupState(models.Model):
    """One row: registrations with an id up to ``through_id`` are in the day totals; ``dirty``
    asks for a full rebuild (set when a counted registration is changed or deleted)."""

    through_id = models.BigIntegerField("已汇总至编号", default=0)
    dirty = models.BooleanField("需重建", default=False)

    class Meta:
        verbose_name = verbose_name_plural = "注册汇总状态"

    def __str__(self) -> str:
        return f"through {self.through_id}{' (dirty)' if self.dirty else ''}"
