"""Running a reminder campaign: record it, hand it over (export files for an SMS platform, a
WeChat group post, or the configured HTTP gateway), register opt-outs. Pages, the API and the
CLI call these functions; each writes the audit log.

Masking rules of the hand-over: the SMS platform file carries the full mobile number and the
text and nothing else (no name, ID number or address leaves the station); the roster for the
officer's own check is masked; the WeChat post carries no personal data. A file with full
numbers needs a stated reason and the right to unmask, and writes an audit row. Opt-outs and the
monthly cap are checked again at every hand-over, so a number that opted out after the campaign
was recorded is still never exported.
"""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.conf import settings as django_settings
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone

from fanzha.domain import reminder_audience as rules
from fanzha.domain import reminder_text, sms_gateway
from fanzha.domain.masking import mask_name, mask_phone
from fanzha.domain.reminder_audience import AudienceCriteria
from fanzha.reminders.models import ReminderCampaign, ReminderOptOut, ReminderRecipient
from fanzha.reminders.planning import (
    ReminderRefused,
    check_grids,
    current_settings,
    draft_texts,
    may_remind,
    plan_audience,
    reached_in_month,
)
from fanzha.stations import audit, scope
from fanzha.stations.models import AuditLog, Grid, Resident, User
from fanzha.stations.policy import can
from fanzha.web.downloads import CSV_CONTENT_TYPE, XLSX_CONTENT_TYPE, csv_bytes, xlsx_workbook

logger = logging.getLogger(__name__)

EXPORT_KINDS = {
    "xlsx": "短信平台导入表（xlsx，完整手机号）",
    "csv": "短信平台导入表（CSV，完整手机号）",
    "roster": "核对名单（xlsx，脱敏）",
}
Actor = HttpRequest | User


def _user(actor: Actor | None) -> User | None:
    if isinstance(actor, HttpRequest):
        return actor.user if isinstance(actor.user, User) else None
    return actor


def visible_campaigns(user: User) -> Any:
    """Campaigns a user may see: station-wide roles all; a grid-scoped officer those whose every
    grid is one of theirs (a county-wide campaign shows people outside their grids)."""
    campaigns = ReminderCampaign.objects.select_related("created_by", "exported_by")
    if not may_remind(user):
        return campaigns.none()
    if user.is_grid_scoped:
        others = Grid.objects.exclude(pk__in=scope.grid_ids_of(user))
        return campaigns.exclude(grids__in=others).filter(grids__isnull=False).distinct()
    return campaigns


def _require(user: User | None, *, hand_over: bool = False) -> None:
    if user is not None and not may_remind(user):
        raise ReminderRefused("您的角色不能发送防骗提醒")
    if hand_over and user is not None and not can(user, "reminders.hand_over"):
        raise ReminderRefused("您的角色不能导出或发送完整手机号")


# ---------------------------------------------------------------------------------------------
# Recording


@transaction.atomic
def record_campaign(
    actor: Actor | None,
    criteria: AudienceCriteria,
    *,
    sms_text: str | None = None,
    wechat_text: str | None = None,
    holdout_share: float | None = None,
    today: date | None = None,
    script_as_of: date | None = None,
) -> ReminderCampaign:
    """Record who the campaign is for and what it says, with every audience member's status.
    ``sms_text`` None takes the filled template; an edited text must fit one SMS."""
    user = _user(actor)
    _require(user)
    if user is not None:
        check_grids(user, criteria)
    elif Grid.objects.filter(code__in=criteria.grid_codes).count() != len(criteria.grid_codes):
        raise ReminderRefused("有警格编码不存在：" + "、".join(criteria.grid_codes))
    settings = current_settings()
    today = today or timezone.localdate()
    draft = draft_texts(criteria.category, script_as_of or today, settings)
    try:
        text = reminder_text.check_sms(
            draft.sms.text if sms_text is None else sms_text, draft.signature, settings.sms_limit
        )
    except reminder_text.TextRefused as exc:
        raise ReminderRefused(str(exc)) from exc
    share = settings.holdout_share if holdout_share is None else holdout_share
    if not 0 <= share < 1:
        raise ReminderRefused("随机对照比例应在 0 到 1 之间（例如 0.1 表示 10%）")
    seed = secrets.token_hex(8)
    statuses, summary, people = plan_audience(
        criteria, today, seed=seed, holdout_share=share, settings=settings
    )
    if summary.to_send == 0:
        raise ReminderRefused("按这些条件没有可以发送的居民（人群为空，或都已退订、无手机号、本月已达上限）")
    campaign = ReminderCampaign.objects.create(
        created_by=user,
        day=today,
        category=criteria.category,
        criteria=criteria.as_dict(),
        description=criteria.describe()[:300],
        sms_text=text,
        wechat_text=(draft.wechat if wechat_text is None else wechat_text.strip()),
        script=draft.script.as_dict(),
        seed=seed,
        holdout_share=share,
        audience=summary.audience,
        with_mobile=summary.with_mobile,
        app_registered=summary.app_registered,
    )
    campaign.grids.set(Grid.objects.filter(code__in=criteria.grid_codes))
    grid_ids = dict(Grid.objects.filter(code__in=criteria.grid_codes).values_list("code", "pk"))
    ReminderRecipient.objects.bulk_create(
        (
            ReminderRecipient(
                campaign=campaign,
                resident_id=p.resident_id,
                grid_id=grid_ids[p.grid_code],
                status=statuses[p.resident_id],
            )
            for p in people
        ),
        batch_size=2000,
    )
    audit.record(
        actor,
        AuditLog.Action.CREATE,
        campaign,
        reason="记录防骗提醒活动",
        detail={"criteria": criteria.as_dict(), **summary.as_dict()},
        username="" if user else "命令行",
    )
    return campaign


def status_counts(campaign: ReminderCampaign) -> dict[str, int]:
    rows = campaign.recipients.values_list("status").order_by()
    counts: dict[str, int] = {}
    for (status,) in rows:
        counts[status] = counts.get(status, 0) + 1
    return counts


# ---------------------------------------------------------------------------------------------
# Hand-over


def _refresh_statuses(campaign: ReminderCampaign, day: date) -> None:
    """Before a hand-over: numbers that opted out since, and residents who reached the monthly
    cap since (in the hand-over's month), leave the list."""
    blocked = set(ReminderOptOut.objects.values_list("phone", flat=True))
    open_rows = campaign.recipients.filter(status__in=(rules.PENDING, rules.EXPORTED)).select_related(
        "resident"
    )
    opted = [r.pk for r in open_rows if (rules.mobile_number(r.resident.phone) or "") in blocked]
    if opted:
        ReminderRecipient.objects.filter(pk__in=opted).update(status=rules.OPTED_OUT)
    settings = current_settings()
    pending = campaign.recipients.filter(status=rules.PENDING)
    already = reached_in_month(
        Resident.objects.filter(pk__in=pending.values("resident_id")), day, exclude_campaign=campaign.pk
    )
    capped = [rid for rid, n in already.items() if n >= settings.max_per_month]
    if capped:
        pending.filter(resident_id__in=capped).update(status=rules.CAPPED)


def _mark_handed_over(campaign: ReminderCampaign, user: User | None, status: str) -> None:
    if campaign.exported_at is None:
        campaign.exported_at = timezone.now()
        campaign.exported_by = user
        campaign.day = timezone.localdate()
    campaign.status = status
    campaign.save(update_fields=["exported_at", "exported_by", "day", "status"])


@dataclass(frozen=True)
class ExportFile:
    content: bytes
    filename: str
    content_type: str
    rows: int


def _check_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if len(reason) < 2:
        raise ReminderRefused("请填写导出事由（例如“交短信平台发送”）")
    return reason


@transaction.atomic
def export_campaign(actor: Actor | None, campaign_id: int, kind: str, reason: str) -> ExportFile:
    """The file for an SMS platform (full numbers; pending become exported) or the masked roster."""
    if kind not in EXPORT_KINDS:
        raise ReminderRefused(f"不支持的导出格式：{kind}")
    user = _user(actor)
    _require(user, hand_over=kind != "roster")
    reason = _check_reason(reason)
    campaign = ReminderCampaign.objects.select_for_update().get(pk=campaign_id)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    if kind == "roster":
        content = _roster(campaign)
        audit.record(
            actor,
            AuditLog.Action.EXPORT,
            campaign,
            reason=reason,
            detail={"kind": kind, "rows": campaign.audience, "masked": True},
            username="" if user else "命令行",
        )
        return ExportFile(
            content, f"提醒名单-脱敏-{campaign.pk}-{stamp}.xlsx", XLSX_CONTENT_TYPE, campaign.audience
        )
    if campaign.status == ReminderCampaign.Status.SENT:
        raise ReminderRefused("该活动已通过短信网关发送，不能再导出给其他平台重复发送")
    _refresh_statuses(campaign, timezone.localdate())
    campaign.recipients.filter(status=rules.PENDING).update(status=rules.EXPORTED)
    rows = [
        [number, campaign.sms_text]
        for phone in campaign.recipients.filter(status=rules.EXPORTED)
        .order_by("grid__code", "resident_id")
        .values_list("resident__phone", flat=True)
        if (number := rules.mobile_number(phone)) is not None
    ]
    if not rows:
        raise ReminderRefused("没有可以导出的号码（都已退订或本月已达上限）")
    _mark_handed_over(campaign, user, ReminderCampaign.Status.EXPORTED)
    header = ["手机号码", "短信内容"]
    if kind == "csv":
        content = csv_bytes(header, rows)
        filename, content_type = f"防骗提醒-{campaign.pk}-{stamp}.csv", CSV_CONTENT_TYPE
    else:
        about = [
            ["活动编号", str(campaign.pk)],
            ["人群", campaign.description],
            ["号码数", str(len(rows))],
            ["导出时间", timezone.localtime().strftime("%Y-%m-%d %H:%M")],
            ["导出人", (user.full_name or user.username) if user else "命令行"],
            [
                "注意",
                "本表含完整手机号，仅供短信平台发送使用，发送后请删除；已退订和本月已达上限的号码不在表中。",
            ],
        ]
        content = xlsx_workbook(
            [("短信发送", header, rows, {1: 16, 2: 90}), ("说明", ["项目", "内容"], about, {2: 80})]
        )
        filename, content_type = f"防骗提醒-{campaign.pk}-{stamp}.xlsx", XLSX_CONTENT_TYPE
    audit.record(
        actor,
        AuditLog.Action.EXPORT,
        campaign,
        reason=reason,
        detail={"kind": kind, "rows": len(rows), "masked": False},
        username="" if user else "命令行",
    )
    return ExportFile(content, filename, content_type, len(rows))


def _roster(campaign: ReminderCampaign) -> bytes:
    rows = [
        [
            grid,
            mask_name(name),
            mask_phone(phone) if phone else "",
            rules.STATUS_LABELS.get(status, status),
            error,
        ]
        for grid, name, phone, status, error in campaign.recipients.order_by(
            "grid__code", "resident_id"
        ).values_list("grid__code", "resident__name", "resident__phone", "status", "error")
    ]
    return xlsx_workbook([("提醒对象", ["警格", "姓名", "手机号", "状态", "失败原因"], rows, {4: 18, 5: 24})])


def gateway_config() -> sms_gateway.GatewayConfig | None:
    url = getattr(django_settings, "FANZHA_SMS_GATEWAY_URL", "")
    if not url:
        return None
    return sms_gateway.GatewayConfig(url=url, key=getattr(django_settings, "FANZHA_SMS_GATEWAY_KEY", ""))


@dataclass(frozen=True)
class SendReport:
    delivered: int
    failed: int
    left_pending: int
    error: str = ""


def send_campaign(
    actor: Actor | None, campaign_id: int, reason: str, config: sms_gateway.GatewayConfig | None = None
) -> SendReport:
    """Send the pending messages through the gateway, one batch per transaction, recording each
    result; a batch the gateway could not take stays pending and the error is reported."""
    user = _user(actor)
    _require(user, hand_over=True)
    reason = _check_reason(reason)
    config = config or gateway_config()
    if config is None:
        raise ReminderRefused("没有配置短信网关（FANZHA_SMS_GATEWAY_URL），请导出文件交短信平台发送")
    with transaction.atomic():
        campaign = ReminderCampaign.objects.select_for_update().get(pk=campaign_id)
        if campaign.status == ReminderCampaign.Status.EXPORTED:
            raise ReminderRefused("该活动已导出给短信平台，不能再通过网关重复发送")
        _refresh_statuses(campaign, timezone.localdate())
        pending = list(
            campaign.recipients.filter(status=rules.PENDING)
            .order_by("pk")
            .values_list("pk", "resident__phone")
        )
    messages = [
        sms_gateway.OutgoingSms(str(pk), number, campaign.sms_text)
        for pk, phone in pending
        if (number := rules.mobile_number(phone)) is not None
    ]
    delivered = failed = 0
    error = ""
    for batch in sms_gateway.batches(messages, config.batch_size):
        try:
            results = sms_gateway.send_batch(config, batch)
        except sms_gateway.GatewayError as exc:
            error = str(exc)
            logger.warning("reminder campaign %s: gateway send stopped: %s", campaign.pk, error)
            break
        with transaction.atomic():
            ok = [int(r.id) for r in results if r.delivered]
            ReminderRecipient.objects.filter(pk__in=ok, status=rules.PENDING).update(status=rules.DELIVERED)
            for result in results:
                if not result.delivered:
                    ReminderRecipient.objects.filter(pk=int(result.id), status=rules.PENDING).update(
                        status=rules.FAILED, error=result.error
                    )
            delivered += len(ok)
            failed += len(results) - len(ok)
            campaign.refresh_from_db()
            _mark_handed_over(campaign, user, ReminderCampaign.Status.SENT)
    left = campaign.recipients.filter(status=rules.PENDING).count()
    logger.info(
        "reminder campaign %s sent through the gateway: %d delivered, %d failed, %d left pending",
        campaign.pk,
        delivered,
        failed,
        left,
    )
    audit.record(
        actor,
        AuditLog.Action.EXPORT,
        campaign,
        reason=reason,
        detail={"kind": "gateway", "delivered": delivered, "failed": failed, "pending": left, "error": error},
        username="" if user else "命令行",
    )
    return SendReport(delivered, failed, left, error)


def mark_wechat_posted(actor: Actor, campaign_id: int) -> ReminderCampaign:
    user = _user(actor)
    _require(user)
    campaign = ReminderCampaign.objects.get(pk=campaign_id)
    campaign.wechat_posted_at = timezone.now()
    campaign.wechat_posted_by = user
    campaign.save(update_fields=["wechat_posted_at", "wechat_posted_by"])
    audit.record(actor, AuditLog.Action.CHANGE, campaign, reason="防骗提醒已发到警务微信群")
    return campaign


# ---------------------------------------------------------------------------------------------
# Opt-outs


@transaction.atomic
def add_opt_out(actor: Actor, phone: str, source: str = "") -> ReminderOptOut:
    """Register a number that wants no more reminders; recorded campaigns drop it at once."""
    user = _user(actor)
    _require(user)
    number = rules.mobile_number(phone)
    if number is None:
        raise ReminderRefused("请输入正确的 11 位手机号码")
    opt_out, created = ReminderOptOut.objects.get_or_create(
        phone=number, defaults={"created_by": user, "source": source.strip()[:40]}
    )
    ReminderRecipient.objects.filter(status=rules.PENDING, resident__phone__endswith=number).update(
        status=rules.OPTED_OUT
    )
    if created:
        audit.record(
            actor,
            AuditLog.Action.CREATE,
            opt_out,
            reason="登记退订防骗提醒",
            detail={"phone": mask_phone(number), "source": opt_out.source},
        )
    return opt_out
