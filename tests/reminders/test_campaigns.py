"""A reminder campaign end to end without a browser: choose who (only within one's grids), record,
hand over (files with only what the SMS platform needs, audited; opted-out numbers never; the
monthly cap), the gateway with delivery results, and the effect with matched cases."""

from __future__ import annotations

import csv
import io
from datetime import datetime, time, timedelta
from typing import Any

import pytest
from django.test import override_settings
from django.utils import timezone
from openpyxl import load_workbook

from fanzha.cases.models import Case, Victim
from fanzha.domain import reminder_audience as rules
from fanzha.domain.reminder_audience import AudienceCriteria
from fanzha.reminders import campaigns, effect, planning
from fanzha.reminders.models import ReminderCampaign, ReminderOptOut, ReminderRecipient, ReminderSettings
from fanzha.stations import scope
from fanzha.stations.models import AuditLog, Grid, Resident, User

pytestmark = pytest.mark.django_db


def _criteria(grids: list[str], **kw: Any) -> AudienceCriteria:
    return AudienceCriteria(kw.pop("category", "刷单返利类"), tuple(sorted(grids)), **kw)


def _own_grids(user: User) -> list[str]:
    return sorted(scope.visible_grids(user).values_list("code", flat=True))


def test_the_audience_query_selects_exactly_the_domain_rules_members() -> None:
    grids = sorted(Grid.objects.values_list("code", flat=True))[:3]
    criteria = _criteria(grids, age_bands=("18-25岁", "26-35岁"), sex="女")
    on = timezone.localdate()
    expected = {
        r.pk
        for r in Resident.objects.select_related("grid")
        if rules.matches(
            criteria,
            grid_code=r.grid.code,
            birth_date=r.birth_date,
            sex=r.sex,
            occupation=r.occupation,
            on=on,
        )
    }
    assert expected
    assert set(planning.audience_queryset(criteria, on).values_list("pk", flat=True)) == expected


def test_an_officer_chooses_only_within_their_grids(officer_client: Any, officer: User) -> None:
    own = _own_grids(officer)
    other = Grid.objects.exclude(code__in=own).order_by("code").first()
    assert other is not None
    page = officer_client.get("/reminders/new/").content.decode()
    assert f'value="{own[0]}"' in page and f'value="{other.code}"' not in page
    for suggestion in planning.suggestions(officer):
        assert set(suggestion.criteria.grid_codes) <= set(own)
    before = ReminderCampaign.objects.count()
    response = officer_client.post(
        "/reminders/new/",
        {
            "category": "刷单返利类",
            "grids": [other.code],
            "holdout_percent": 10,
            "sms_text": "【城关派出所】刷单都是诈骗",
        },
    )
    assert response.status_code == 400
    assert ReminderCampaign.objects.count() == before
    with pytest.raises(planning.ReminderRefused, match="自己负责的警格"):
        campaigns.record_campaign(officer, _criteria([other.code]))


def test_a_preview_shows_the_numbers_and_exactly_the_sms(officer_client: Any, officer: User) -> None:
    own = _own_grids(officer)
    page = officer_client.get(
        "/reminders/new/", {"category": "刷单返利类", "grids": own, "sex": "女", "holdout_percent": 10}
    )
    html = page.content.decode()
    assert page.status_code == 200
    criteria = _criteria(own, sex="女")
    audience, app = planning.audience_counts(criteria, timezone.localdate())
    assert f'id="audience-count">{audience}<' in html and f'id="app-count">{app}<' in html
    draft = planning.draft_texts("刷单返利类", timezone.localdate())
    assert draft.sms.text in html and draft.sms.fits


def test_recording_gives_every_member_a_status(command: User) -> None:
    ReminderSettings.objects.create(overrides={"holdout_share": 0.2})
    grids = sorted(Grid.objects.values_list("code", flat=True))[:4]
    campaign = campaigns.record_campaign(command, _criteria(grids, age_bands=("26-35岁", "36-45岁")))
    counts = campaigns.status_counts(campaign)
    assert sum(counts.values()) == campaign.audience > 0
    eligible = counts.get(rules.PENDING, 0) + counts.get(rules.HELD_OUT, 0)
    assert counts[rules.HELD_OUT] == round(0.2 * eligible)
    assert (
        campaign.app_registered
        == ReminderRecipient.objects.filter(
            campaign=campaign, resident__app_registration__day__lte=campaign.day
        ).count()
    )
    assert campaign.status == ReminderCampaign.Status.RECORDED
    assert AuditLog.objects.filter(action=AuditLog.Action.CREATE, object_id=str(campaign.pk)).exists()


def test_the_sms_platform_file_holds_only_numbers_and_text_and_is_audited(
    command_client: Any, command: User
) -> None:
    grids = sorted(Grid.objects.values_list("code", flat=True))[:2]
    campaign = campaigns.record_campaign(command, _criteria(grids, sex="女"))
    pending = campaign.recipients.filter(status=rules.PENDING)
    phones = {rules.mobile_number(p) for p in pending.values_list("resident__phone", flat=True)}
    names = set(pending.values_list("resident__name", flat=True))
    response = command_client.post(
        f"/reminders/{campaign.pk}/export/", {"kind": "xlsx", "reason": "交短信平台发送"}
    )
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    book = load_workbook(io.BytesIO(response.content))
    rows = list(book["短信发送"].iter_rows(values_only=True))
    assert rows[0] == ("手机号码", "短信内容")
    assert {r[0] for r in rows[1:]} == phones
    assert all(isinstance(r[0], str) and len(r[0]) == 11 for r in rows[1:])
    assert {r[1] for r in rows[1:]} == {campaign.sms_text}
    cells = {str(c) for sheet in book for row in sheet.iter_rows(values_only=True) for c in row if c}
    assert not cells & names, "no resident's name may leave the station"
    log = AuditLog.objects.get(action=AuditLog.Action.EXPORT, object_id=str(campaign.pk))
    assert log.reason == "交短信平台发送" and log.detail["rows"] == len(phones) and log.user == command
    campaign.refresh_from_db()
    assert campaign.status == ReminderCampaign.Status.EXPORTED and campaign.exported_by == command
    assert not campaign.recipients.filter(status=rules.PENDING).exists()


def test_a_number_that_opts_out_after_recording_is_never_exported(command_client: Any, command: User) -> None:
    grids = sorted(Grid.objects.values_list("code", flat=True))[:2]
    campaign = campaigns.record_campaign(command, _criteria(grids))
    first, second = campaign.recipients.filter(status=rules.PENDING).select_related("resident")[:2]
    # One asks at the station (the page), one is already on the list from before but with +86.
    response = command_client.post(
        "/reminders/opt-outs/", {"phone": first.resident.phone, "source": "居民来电"}
    )
    assert response.status_code == 302
    ReminderOptOut.objects.create(phone=rules.mobile_number(second.resident.phone))
    content = command_client.post(
        f"/reminders/{campaign.pk}/export/", {"kind": "csv", "reason": "交短信平台发送"}
    ).content
    text = content.decode("utf-8-sig")
    numbers = {row[0] for row in csv.reader(io.StringIO(text))}
    assert "手机号码" in numbers
    assert rules.mobile_number(first.resident.phone) not in numbers
    assert rules.mobile_number(second.resident.phone) not in numbers
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == second.status == rules.OPTED_OUT
    assert "****" in command_client.get("/reminders/opt-outs/").content.decode()


def test_no_resident_gets_more_reminders_a_month_than_the_setting(command: User) -> None:
    ReminderSettings.objects.create(overrides={"max_per_month": 1, "holdout_share": 0})
    grids = sorted(Grid.objects.values_list("code", flat=True))[:2]
    first = campaigns.record_campaign(command, _criteria(grids, sex="男"))
    campaigns.export_campaign(command, first.pk, "csv", "交短信平台发送")
    reached = set(first.recipients.filter(status=rules.EXPORTED).values_list("resident_id", flat=True))
    second = campaigns.record_campaign(command, _criteria(grids, category="虚假网络投资理财类"))
    capped = set(second.recipients.filter(status=rules.CAPPED).values_list("resident_id", flat=True))
    assert reached and reached <= set(second.recipients.values_list("resident_id", flat=True)) | set()
    assert reached & set(second.recipients.values_list("resident_id", flat=True)) == capped


def test_the_roster_is_masked(command_client: Any, command: User) -> None:
    campaign = campaigns.record_campaign(
        command, _criteria(sorted(Grid.objects.values_list("code", flat=True))[:1])
    )
    response = command_client.post(
        f"/reminders/{campaign.pk}/export/", {"kind": "roster", "reason": "核对名单"}
    )
    rows = list(load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert rows[0][:3] == ("警格", "姓名", "手机号")
    assert all("*" in r[1] and "****" in r[2] for r in rows[1:])
    assert campaign.recipients.filter(status=rules.PENDING).exists(), "a masked roster sends nothing"


def test_export_needs_a_reason(command_client: Any, command: User) -> None:
    campaign = campaigns.record_campaign(
        command, _criteria(sorted(Grid.objects.values_list("code", flat=True))[:1])
    )
    response = command_client.post(f"/reminders/{campaign.pk}/export/", {"kind": "xlsx", "reason": " "})
    assert response.status_code == 302
    assert not AuditLog.objects.filter(action=AuditLog.Action.EXPORT, object_id=str(campaign.pk)).exists()
    assert not campaign.recipients.filter(status=rules.EXPORTED).exists()


def test_an_officer_does_not_see_a_campaign_reaching_other_grids(officer_client: Any, officer: User) -> None:
    generated = ReminderCampaign.objects.exclude(grids__in=scope.visible_grids(officer)).first()
    assert generated is not None
    assert officer_client.get(f"/reminders/{generated.pk}/").status_code == 404
    assert str(generated.description) not in officer_client.get("/reminders/").content.decode()
    own = campaigns.record_campaign(officer, _criteria(_own_grids(officer)))
    assert officer_client.get(f"/reminders/{own.pk}/").status_code == 200


def test_the_gateway_records_delivery_results(command_client: Any, command: User, stub_gateway: Any) -> None:
    campaign = campaigns.record_campaign(
        command, _criteria(sorted(Grid.objects.values_list("code", flat=True))[:2])
    )
    pending = campaign.recipients.filter(status=rules.PENDING).count()
    with override_settings(FANZHA_SMS_GATEWAY_URL=stub_gateway.url, FANZHA_SMS_GATEWAY_KEY="k"):
        assert "通过短信网关发送" in command_client.get(f"/reminders/{campaign.pk}/").content.decode()
        response = command_client.post(f"/reminders/{campaign.pk}/send/", {"reason": "网关发送"}, follow=True)
    assert "短信网关：送达" in response.content.decode()
    counts = campaigns.status_counts(campaign)
    assert counts.get(rules.DELIVERED, 0) + counts.get(rules.FAILED, 0) == pending
    assert counts.get(rules.PENDING, 0) == 0
    # The stub fails numbers ending in 0 ("空号") and forgets those ending in 9.
    for row in campaign.recipients.filter(status=rules.FAILED).select_related("resident"):
        assert row.resident.phone[-1] in "09"
        assert row.error in ("空号", "网关未返回结果")
    sent = sum(len(body["messages"]) for body in stub_gateway.received)
    assert sent == pending
    campaign.refresh_from_db()
    assert campaign.status == ReminderCampaign.Status.SENT
    log = AuditLog.objects.get(action=AuditLog.Action.EXPORT, object_id=str(campaign.pk))
    assert log.detail["kind"] == "gateway" and log.detail["delivered"] == counts[rules.DELIVERED]
    with pytest.raises(planning.ReminderRefused, match="不能再导出"):
        campaigns.export_campaign(command, campaign.pk, "xlsx", "再导一次")


def test_a_gateway_failure_leaves_the_messages_waiting(
    command_client: Any, command: User, stub_gateway: Any
) -> None:
    stub_gateway.behaviour = "error"
    campaign = campaigns.record_campaign(
        command, _criteria(sorted(Grid.objects.values_list("code", flat=True))[:1])
    )
    pending = campaign.recipients.filter(status=rules.PENDING).count()
    with override_settings(FANZHA_SMS_GATEWAY_URL=stub_gateway.url):
        page = command_client.post(f"/reminders/{campaign.pk}/send/", {"reason": "网关发送"}, follow=True)
    assert "短信网关拒绝了请求" in page.content.decode()
    assert campaign.recipients.filter(status=rules.PENDING).count() == pending


def test_a_case_after_the_reminder_is_matched_to_the_campaign(command_client: Any, command: User) -> None:
    campaign = campaigns.record_campaign(
        command, _criteria(sorted(Grid.objects.values_list("code", flat=True))[:2])
    )
    campaigns.export_campaign(command, campaign.pk, "xlsx", "交短信平台发送")
    ReminderCampaign.objects.filter(pk=campaign.pk).update(day=timezone.localdate() - timedelta(days=30))
    reached = campaign.recipients.filter(status=rules.EXPORTED).select_related("resident").first()
    assert reached is not None
    when = timezone.make_aware(datetime.combine(timezone.localdate() - timedelta(days=10), time(15)))
    case = Case.objects.create(
        case_no="A-REMIND-1",
        reported_at=when,
        occurred_at=when,
        narrative="刷单被骗",
        status=Case.Status.CONFIRMED,
    )
    Victim.objects.create(case=case, resident=reached.resident, name=reached.resident.name)
    campaign.refresh_from_db()
    report = effect.measure([campaign], with_matches=True)
    figures = report.campaigns[0]
    assert figures.cases is not None and figures.cases.events_reached == 1
    assert [(m.kind, m.label, m.reached) for m in figures.matches if m.kind == "case"] == [
        ("case", "A-REMIND-1", True)
    ]
    page = command_client.get(f"/reminders/{campaign.pk}/").content.decode()
    assert "A-REMIND-1" in page and reached.resident.name not in page


def test_the_effect_page_and_api_show_the_generated_campaigns(command_client: Any) -> None:
    page = command_client.get("/reminders/effect/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "报案被骗" in html and "出现在预警线索中" in html
    data = command_client.get("/api/v1/reminders/effect").json()
    for key in ("campaigns", "reached", "ratio", "ci_low", "ci_high", "method", "summary"):
        assert key in data
    assert (
        data["campaigns"]
        == ReminderCampaign.objects.exclude(status=ReminderCampaign.Status.RECORDED).count()
        > 0
    )
    generated = ReminderCampaign.objects.first()
    assert generated is not None
    detail = command_client.get(f"/reminders/{generated.pk}/").content.decode()
    assert "效果：提醒之后" in detail


def test_the_api_plans_only_within_ones_grids(officer_client: Any, officer: User) -> None:
    own = _own_grids(officer)
    other = Grid.objects.exclude(code__in=own).order_by("code").first()
    assert other is not None
    ok = officer_client.get("/api/v1/reminders/plan", {"category": "刷单返利类", "grids": own, "sex": "女"})
    assert ok.status_code == 200
    body = ok.json()
    assert body["audience"] >= body["to_send"] and len(body["sms"]) <= body["sms_limit"]
    refused = officer_client.get("/api/v1/reminders/plan", {"category": "刷单返利类", "grids": [other.code]})
    assert refused.status_code == 403
    bad = officer_client.get(
        "/api/v1/reminders/plan", {"category": "刷单返利类", "grids": own, "age_bands": ["99岁"]}
    )
    assert bad.status_code == 400
