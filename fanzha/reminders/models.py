"""Warning-reminder campaigns (防骗提醒): who was chosen, what they were told, what became of each
member of the audience, the numbers that asked for no more reminders, and the station's rules.

Every member of a campaign's audience has a row, the ones not reached too (held out, opted out,
over the monthly cap, without a mobile, failed): they are the comparison the effect is measured
against. Statuses are those of :mod:`fanzha.domain.reminder_audience`."""

from __future__ import annotations

from django.db import models

from fanzha.domain import reminder_audience as rules
from fanzha.stations.models import Grid, Resident
from fanzha.web.model_fields import SettingsOverrides, person_link

RECIPIENT_STATUSES = [(key, label) for key, label in rules.STATUS_LABELS.items()]


class ReminderCampaign(models.Model):
    class Status(models.TextChoices):
        RECORDED = "recorded", "已记录，待发送"
        EXPORTED = "exported", "已导出给短信平台"
        SENT = "sent", "已通过短信网关发送"

    created_at = models.DateTimeField("记录时间", auto_now_add=True)
    created_by = person_link("记录人", "+")
    # The day the reminder went out: its follow-up starts the day after. Set when recorded and
    # moved to the day of the first export or gateway send.
    day = models.DateField("提醒日期", db_index=True)
    category = models.CharField("提醒类别", max_length=40)
    criteria = models.JSONField("人群条件", default=dict)
    description = models.CharField("人群", max_length=300)
    grids = models.ManyToManyField(Grid, related_name="reminder_campaigns", verbose_name="警格")
    sms_text = models.TextField("短信内容")
    wechat_text = models.TextField("微信群消息", blank=True)
    script = models.JSONField("本地案件话术", default=dict, blank=True)
    seed = models.CharField("对照抽样种子", max_length=32)
    holdout_share = models.FloatField("随机对照比例", default=0.0)
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.RECORDED)
    audience = models.PositiveIntegerField("人群人数", default=0)
    with_mobile = models.PositiveIntegerField("有手机号", default=0)
    app_registered = models.PositiveIntegerField("已注册反诈APP", default=0)
    exported_at = models.DateTimeField("首次导出/发送时间", null=True, blank=True)
    exported_by = person_link("导出/发送人", "+")
    wechat_posted_at = models.DateTimeField("微信群发布时间", null=True, blank=True)
    wechat_posted_by = person_link("微信群发布人", "+")

    class Meta:
        verbose_name = verbose_name_plural = "防骗提醒活动"
        ordering = ["-day", "-pk"]

    def __str__(self) -> str:
        return f"{self.day} {self.description}"


class ReminderRecipient(models.Model):
    campaign = models.ForeignKey(
        ReminderCampaign, on_delete=models.CASCADE, related_name="recipients", verbose_name="活动"
    )
    resident = models.ForeignKey(
        Resident, on_delete=models.CASCADE, related_name="reminders", verbose_name="居民"
    )
    grid = models.ForeignKey(Grid, on_delete=models.PROTECT, related_name="+", verbose_name="警格")
    status = models.CharField("状态", max_length=10, choices=RECIPIENT_STATUSES)
    error = models.CharField("失败原因", max_length=200, blank=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = verbose_name_plural = "提醒对象"
        constraints = [
            models.UniqueConstraint(fields=["campaign", "resident"], name="reminder_recipient_unique")
        ]
        # (campaign, resident) is unique and serves a campaign's rows; (resident, status) the
        # monthly cap and the matching of later cases and clues.
        indexes = [models.Index(fields=["resident", "status"], name="reminder_resident_status")]

    def __str__(self) -> str:
        return f"{self.campaign_id}:{self.resident_id} {self.status}"


class ReminderOptOut(models.Model):
    """A mobile number that asked for no more reminders; it is never exported or sent to again."""

    phone = models.CharField("手机号", max_length=11, unique=True)
    created_at = models.DateTimeField("登记时间", auto_now_add=True)
    created_by = person_link("登记人", "+")
    source = models.CharField("途径", max_length=40, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "退订号码"
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.phone


class ReminderSettings(SettingsOverrides):
    """The station's overrides of ``fanzha/data/reminders/settings.json``; the newest row applies."""

    overrides = models.JSONField(
        "参数覆盖",
        default=dict,
        help_text='与 settings.json 同名的键，例如 {"max_per_month": 1, "holdout_share": 0}',
    )

    class Meta(SettingsOverrides.Meta):
        verbose_name = verbose_name_plural = "提醒参数"
