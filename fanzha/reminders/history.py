"""Loading the generator's reminder campaigns (``fanzha.generator.reminders``) into the tables, as
the command room would have recorded them: sent through the gateway, with delivery results."""

from __future__ import annotations

from datetime import datetime, time
from zoneinfo import ZoneInfo

from fanzha.domain import reminder_audience as rules
from fanzha.domain.reminder_audience import AudienceCriteria
from fanzha.generator.reminders import GeneratedReminders
from fanzha.reminders.models import ReminderCampaign, ReminderOptOut, ReminderRecipient
from fanzha.stations.models import Grid, Resident, User

LOCAL = ZoneInfo("Asia/Shanghai")
SENT_AT = time(10, 0)
BATCH = 5000


def load_generated(
    reminders: GeneratedReminders, user_by_name: dict[str, User], grid_by_code: dict[str, Grid]
) -> dict[str, int]:
    """Insert the campaigns, every audience member's status and the opt-outs; return row counts."""
    ReminderOptOut.objects.bulk_create(
        (
            ReminderOptOut(phone=o.phone, source="居民来电退订")
            for o in reminders.opt_outs
            if rules.mobile_number(o.phone)
        ),
        batch_size=BATCH,
        ignore_conflicts=True,
    )
    recipients = 0
    # Registered on or before the campaign's day counts, as when a campaign is recorded.
    app_day = dict(
        Resident.objects.filter(app_registration__isnull=False).values_list("pk", "app_registration__day")
    )
    for record in reminders.campaigns:
        criteria = AudienceCriteria(record.category, record.grid_codes, record.age_bands, record.sex)
        sent = datetime.combine(record.day, SENT_AT, tzinfo=LOCAL)
        by = user_by_name.get(record.created_by_username)
        campaign = ReminderCampaign.objects.create(
            created_by=by,
            day=record.day,
            category=record.category,
            criteria=criteria.as_dict(),
            description=criteria.describe()[:300],
            sms_text=record.text,
            wechat_text=record.wechat_text,
            seed="generated",
            holdout_share=record.holdout_share,
            status=ReminderCampaign.Status.SENT,
            audience=len(record.recipients),
            with_mobile=len(record.recipients),
            exported_at=sent,
            exported_by=by,
        )
        ReminderCampaign.objects.filter(pk=campaign.pk).update(created_at=sent)
        grids = [grid_by_code[c] for c in record.grid_codes]
        campaign.grids.set(grids)
        grid_of = dict(Resident.objects.filter(grid__in=grids).values_list("pk", "grid_id").order_by())
        ReminderRecipient.objects.bulk_create(
            (
                ReminderRecipient(
                    campaign=campaign, resident_id=resident_id, grid_id=grid_of[resident_id], status=status
                )
                for resident_id, status in record.recipients
            ),
            batch_size=BATCH,
        )
        recipients += len(record.recipients)
        registered = sum(
            1
            for resident_id, _ in record.recipients
            if resident_id in app_day and app_day[resident_id] <= record.day
        )
        ReminderCampaign.objects.filter(pk=campaign.pk).update(app_registered=registered)
    return {
        "reminder_campaigns": len(reminders.campaigns),
        "reminder_recipients": recipients,
        "reminder_opt_outs": len(reminders.opt_outs),
    }
