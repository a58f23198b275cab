"""The station's geography and people: station → communities → police grids → households → residents,
the users who work there with their roles and grid scope, and the audit log."""

from __future__ import annotations

from datetime import date

from django.contrib.auth.models import AbstractUser
from django.db import models

from fanzha.domain.masking import mask_name
from fanzha.stations import policy
from fanzha.stations.policy import ROLE_CHOICES, Role  # Role is the policy's; many modules import it here
from fanzha.web.model_fields import optional_link


class Station(models.Model):
    code = models.CharField("编码", max_length=32, unique=True)
    name = models.CharField("名称", max_length=100)
    duty_phone = models.CharField(
        "值班电话", max_length=30, blank=True, help_text="公开页面（防骗查一查、有奖问答）上给群众的联系电话"
    )

    class Meta:
        verbose_name = verbose_name_plural = "派出所"

    def __str__(self) -> str:
        return self.name


class Community(models.Model):
    station = models.ForeignKey(
        Station, on_delete=models.PROTECT, related_name="communities", verbose_name="派出所"
    )
    code = models.CharField("编码", max_length=32, unique=True)
    name = models.CharField("名称", max_length=100)

    class Meta:
        verbose_name = verbose_name_plural = "社区"
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class Grid(models.Model):
    community = models.ForeignKey(
        Community, on_delete=models.PROTECT, related_name="grids", verbose_name="社区"
    )
    code = models.CharField("警格编码", max_length=32, unique=True)
    name = models.CharField("警格名称", max_length=100)
    officer = optional_link("User", "责任民警", "officer_of")
    workers: models.ManyToManyField[User, User] = models.ManyToManyField(
        "User", blank=True, related_name="worker_of", verbose_name="网格员"
    )
    population = models.PositiveIntegerField("户籍/常住人口", default=0)

    class Meta:
        verbose_name = verbose_name_plural = "警格"
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class User(AbstractUser):
    full_name = models.CharField("姓名", max_length=50, blank=True)
    role = models.CharField("角色", max_length=20, choices=ROLE_CHOICES, default=Role.OFFICER.value)
    grids = models.ManyToManyField(Grid, blank=True, related_name="scoped_users", verbose_name="负责警格")
    failed_logins = models.PositiveSmallIntegerField("连续登录失败次数", default=0)
    locked_until = models.DateTimeField("锁定至", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "用户"

    @property
    def is_grid_scoped(self) -> bool:
        return policy.is_grid_scoped(self)

    def __str__(self) -> str:
        return self.full_name or self.username


class Household(models.Model):
    code = models.CharField("户编码", max_length=40, unique=True)
    address = models.CharField("住址", max_length=200)
    grid = models.ForeignKey(Grid, on_delete=models.PROTECT, related_name="households", verbose_name="警格")

    class Meta:
        verbose_name = verbose_name_plural = "户"

    def __str__(self) -> str:
        return self.code


class Resident(models.Model):
    name = models.CharField("姓名", max_length=50)
    id_number = models.CharField("身份证号", max_length=18, unique=True)
    phone = models.CharField("手机号", max_length=20, db_index=True, blank=True)
    address = models.CharField("住址", max_length=200, blank=True)
    household = optional_link(Household, "户", "members")
    grid = models.ForeignKey(Grid, on_delete=models.PROTECT, related_name="residents", verbose_name="警格")
    birth_date = models.DateField("出生日期", null=True, blank=True)
    sex = models.CharField("性别", max_length=2, blank=True)
    occupation = models.CharField("职业", max_length=50, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "居民"
        indexes = [
            models.Index(fields=["grid", "birth_date"]),
            models.Index(fields=["name"]),
            # Clue intake looks residents up by exact address (fanzha.clues.intake.ResidentIndex).
            models.Index(fields=["address"]),
        ]

    def __str__(self) -> str:
        # Masked: a record's name shows up in choice lists, admin links, messages and history.
        return mask_name(self.name)

    def age_on(self, day: date) -> int | None:
        if self.birth_date is None:
            return None
        before_birthday = (day.month, day.day) < (self.birth_date.month, self.birth_date.day)
        return day.year - self.birth_date.year - int(before_birthday)


class AuditLog(models.Model):
    """Who saw or changed what, when and why. Rows are only ever added."""

    class Action(models.TextChoices):
        VIEW_UNMASKED = "view_unmasked", "查看完整信息"
        EXPORT = "export", "导出"
        CHANGE = "change", "修改"
        CREATE = "create", "新建"
        DELETE = "delete", "删除"
        LOGIN = "login", "登录"
        LOGIN_FAILED = "login_failed", "登录失败"
        LOCKED = "locked", "账户锁定"

    at = models.DateTimeField("时间", auto_now_add=True, db_index=True)
    user = optional_link(User, "用户")
    username = models.CharField("用户名", max_length=150, blank=True)
    action = models.CharField("操作", max_length=20, choices=Action.choices)
    object_type = models.CharField("对象类型", max_length=50, blank=True)
    object_id = models.CharField("对象编号", max_length=64, blank=True)
    reason = models.CharField("事由", max_length=200, blank=True)
    detail = models.JSONField("详情", default=dict, blank=True)
    ip = models.GenericIPAddressField("IP", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "审计日志"
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.username} {self.get_action_display()} {self.object_type}#{self.object_id}"
