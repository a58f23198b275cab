"""Pre-aggregated case statistics, so that dashboard queries read hundreds of rows, not millions.

``CaseFact`` is one row per case with everything the series group by, already resolved (the
local date of the case, the first victim's age band, sex and occupation). ``CaseCube`` sums the
facts per month (and per week) — per grid, and for the whole county per category and per
victim/contact dimension. Both are kept up to date by :mod:`fanzha.analytics.refresh`."""

from __future__ import annotations

from django.db import models

from fanzha.cases.models import Case
from fanzha.stations.models import Grid


class CaseFact(models.Model):
    case = models.OneToOneField(
        Case, primary_key=True, on_delete=models.CASCADE, related_name="analytics_fact", verbose_name="案件"
    )
    day = models.DateField("发案日期（本地）")
    month = models.DateField("月份")
    week = models.DateField("周（周一）")
    grid = models.ForeignKey(Grid, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    category = models.CharField("案件类别", max_length=40, blank=True)
    channel = models.CharField("接触方式", max_length=40, blank=True)
    age_band = models.CharField("年龄段", max_length=20, blank=True)
    sex = models.CharField("性别", max_length=4, blank=True)
    occupation = models.CharField("职业", max_length=50, blank=True)
    loss_fen = models.BigIntegerField("损失（分）", default=0)
    solved = models.BooleanField("已破案", default=False)
    recovered_fen = models.BigIntegerField("挽回（分）", default=0)

    class Meta:
        verbose_name = verbose_name_plural = "案件统计事实"
        indexes = [
            models.Index(fields=["grid", "day"], name="fact_grid_day"),
            models.Index(fields=["day"], name="fact_day"),
        ]

    def __str__(self) -> str:
        return f"{self.case_id} {self.day} {self.category}"


class CaseCube(models.Model):
    class Period(models.TextChoices):
        MONTH = "M", "月"
        WEEK = "W", "周"

    period = models.CharField("周期", max_length=1, choices=Period.choices)
    start = models.DateField("周期起始日")
    # NULL grid: the whole county. Grid rows exist only for dimension "" (category only).
    grid = models.ForeignKey(Grid, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    category = models.CharField("案件类别", max_length=40, blank=True)
    dimension = models.CharField("维度", max_length=12, blank=True)
    value = models.CharField("维度取值", max_length=50, blank=True)
    cases = models.IntegerField("案件数", default=0)
    solved = models.IntegerField("破案数", default=0)
    loss_fen = models.BigIntegerField("损失（分）", default=0)
    recovered_fen = models.BigIntegerField("挽回（分）", default=0)

    class Meta:
        verbose_name = verbose_name_plural = "案件统计汇总"
        indexes = [
            models.Index(fields=["period", "dimension", "grid", "start"], name="cube_lookup"),
            models.Index(fields=["grid", "period", "start"], name="cube_grid"),
        ]

    def __str__(self) -> str:
        return f"{self.period}{self.start} {self.grid_id or '全县'} {self.category} {self.dimension}={self.value}: {self.cases}"


class RefreshState(models.Model):
    """The highest case id already turned into a fact; cases inserted in bulk (imports, the
    county loader) bypass signals and are picked up by comparing against it."""

    last_case_id = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = verbose_name_plural = "统计刷新状态"

    def __str__(self) -> str:
        return f"last case {self.last_case_id}"


class GridRunningTotal(models.Model):
    """Cumulative sums per grid and category up to the end of each month, dense over the months
    from the first to the last month that has grid rows: any period's per-grid totals are then
    two rows per (grid, category) — the end month's minus the month before the start — instead
    of one cube row per month (a year of 1,000 grids × 13 categories: 26,000 rows, not 156,000).
    Kept by :mod:`fanzha.analytics.running`."""

    grid = models.ForeignKey(Grid, on_delete=models.CASCADE, related_name="+")
    category = models.CharField("案件类别", max_length=40, blank=True)
    month = models.DateField("截至月份（含）")
    cases = models.IntegerField("累计案件数", default=0)
    solved = models.IntegerField("累计破案数", default=0)
    loss_fen = models.BigIntegerField("累计损失（分）", default=0)
    recovered_fen = models.BigIntegerField("累计挽回（分）", default=0)

    class Meta:
        verbose_name = verbose_name_plural = "警格累计汇总"
        constraints = [
            models.UniqueConstraint(fields=["month", "grid", "category"], name="running_month_grid_category")
        ]
        indexes = [models.Index(fields=["grid", "category", "month"], name="running_pair_month")]

    def __str__(self) -> str:
        return f"{self.grid_id} {self.category} ≤{self.month}: {self.cases}"
