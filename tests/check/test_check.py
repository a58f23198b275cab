"""The public risk check: the page (no login), the API contract, nothing stored unless reported,
reports becoming queued clues, rate limits, and identifiers from the station's own cases."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.db.models import Count, Q
from django.test import Client

from fanzha.cases.models import CaseIdentifier, Identifier
from fanzha.check import known
from fanzha.check.service import MAX_CHARS
from fanzha.clues.models import Clue
from fanzha.stations.models import AuditLog

pytestmark = pytest.mark.django_db

FRAUD_SMS = (
    "【工商银行】您的账户存在异常已被冻结，请立即点击 http://icbc-verify.top/login 验证身份，否则将影响使用"
)
SAFE_SMS = "妈，我今天晚上加班，晚饭不回来吃了，你们先吃。"
API = "/api/v1/check"


def post_json(client: Client, url: str, body: Any) -> Any:
    return client.post(url, data=json.dumps(body), content_type="application/json")


def case_identifier(kind: str) -> tuple[str, int]:
    """A (value, number of confirmed cases) of the test county's case identifiers of ``kind``."""
    from fanzha.cases.models import Case

    confirmed = Q(caseidentifier__case__status=Case.Status.CONFIRMED)
    row = (
        Identifier.objects.filter(kind=kind)
        .annotate(n=Count("caseidentifier__case", distinct=True, filter=confirmed))
        .filter(n__gt=0)
        .order_by("-n", "value")
        .values_list("value", "n")
        .first()
    )
    assert row is not None, f"the test county has no case identifier of kind {kind}"
    return row[0], row[1]


# --- the page -------------------------------------------------------------------------------------


def test_page_renders_without_login_in_chinese(client: Client) -> None:
    response = client.get("/public/check/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "防骗查一查" in page and "查一查" in page
    assert "csrfmiddlewaretoken" in page


def test_page_form_is_csrf_protected() -> None:
    strict = Client(enforce_csrf_checks=True)
    response = strict.post("/public/check/", {"action": "check", "text": FRAUD_SMS})
    assert response.status_code == 403


def test_plain_check_shows_verdict_and_stores_nothing(client: Client) -> None:
    clues, audits = Clue.objects.count(), AuditLog.objects.count()
    response = client.post("/public/check/", {"action": "check", "text": FRAUD_SMS})
    assert response.status_code == 200
    page = response.content.decode()
    assert "高风险" in page
    assert "96110" in page
    assert "举报给派出所" in page
    assert Clue.objects.count() == clues
    assert AuditLog.objects.count() == audits


def test_safe_message_is_shown_as_no_risk_found(client: Client) -> None:
    response = client.post("/public/check/", {"action": "check", "text": SAFE_SMS})
    page = response.content.decode()
    assert "未发现明显诈骗特征" in page and "不等于安全" in page and "高风险" not in page


def test_the_api_answers_400_to_an_empty_text_not_safe(client: Client) -> None:
    for text in ("", "   \n "):
        response = post_json(client, API, {"text": text})
        assert response.status_code == 400
        assert "请先输入要查询的内容" in response.json()["detail"]


def test_empty_and_overlong_input_are_refused_with_a_message(client: Client) -> None:
    empty = client.post("/public/check/", {"action": "check", "text": "  "})
    assert empty.status_code == 400 and "请先粘贴" in empty.content.decode()
    long = client.post("/public/check/", {"action": "check", "text": "转账" * MAX_CHARS})
    assert long.status_code == 400 and "内容过长" in long.content.decode()


def test_report_creates_a_queued_clue_from_residents(client: Client) -> None:
    before, audits = Clue.objects.count(), AuditLog.objects.count()
    response = client.post(
        "/public/check/",
        {"action": "report", "text": FRAUD_SMS, "situation": "link", "phone": "", "consent": "on"},
    )
    assert response.status_code == 200
    assert "已提交给派出所" in response.content.decode()
    assert Clue.objects.count() == before + 1
    clue = Clue.objects.latest("created_at")
    assert clue.source == "群众举报"
    assert clue.status == Clue.Status.QUEUED
    assert clue.kind == "访问涉诈网址"
    assert "icbc-verify.top" in clue.fraud_identifier
    assert clue.raw["text"] == FRAUD_SMS
    assert clue.grade in {"orange", "red"}
    assert AuditLog.objects.count() == audits + 1
    entry = AuditLog.objects.latest("at")
    assert (entry.action, entry.object_id, entry.user) == (AuditLog.Action.CREATE, str(clue.pk), None)


def test_report_with_the_residents_phone_reaches_their_grid(client: Client) -> None:
    from fanzha.stations.models import Resident

    unique_phones = (
        Resident.objects.exclude(phone="").values("phone").annotate(n=Count("id")).filter(n=1).values("phone")
    )
    resident = Resident.objects.filter(phone__in=unique_phones).exclude(grid=None).order_by("pk").first()
    assert resident is not None
    response = client.post(
        "/public/check/",
        {"action": "report", "text": FRAUD_SMS, "situation": "", "phone": resident.phone, "consent": "on"},
    )
    assert response.status_code == 200
    clue = Clue.objects.latest("created_at")
    assert clue.source == "群众举报" and clue.target_phone == resident.phone
    assert clue.resident_id == resident.pk and clue.grid_id == resident.grid_id
    assert clue.status != Clue.Status.QUEUED


def test_report_needs_consent_and_stores_nothing_without_it(client: Client) -> None:
    before = Clue.objects.count()
    response = client.post("/public/check/", {"action": "report", "text": FRAUD_SMS, "situation": "sms"})
    assert response.status_code == 400
    assert "请勾选同意" in response.content.decode()
    assert Clue.objects.count() == before


def test_page_rate_limit_answers_429_in_chinese(client: Client, settings: Any) -> None:
    settings.FANZHA_CHECK_RATE_LIMITS = {"page": 3, "report": 1, "api": 3}
    codes = [
        client.post("/public/check/", {"action": "check", "text": SAFE_SMS}).status_code for _ in range(4)
    ]
    assert codes == [200, 200, 200, 429]
    last = client.post("/public/check/", {"action": "check", "text": SAFE_SMS})
    assert "查询太频繁" in last.content.decode()
    assert int(last["Retry-After"]) >= 1


# --- the API --------------------------------------------------------------------------------------


@pytest.mark.parametrize("url", [API, API + "/"])
def test_api_answers_the_cli_contract_fields(client: Client, url: str) -> None:
    response = post_json(client, url, {"text": FRAUD_SMS})
    assert response.status_code == 200
    body = response.json()
    assert {"verdict", "score", "category", "reasons", "label", "advice"} <= set(body)
    assert body["verdict"] == "fraud" and body["label"] == "高风险"
    assert 0.8 <= body["score"] <= 1.0
    assert any("icbc-verify.top" in reason for reason in body["reasons"])
    assert any("96110" in line for line in body["advice"])


def test_api_safe_message(client: Client) -> None:
    body = post_json(client, API, {"text": SAFE_SMS}).json()
    assert body["verdict"] == "safe" and body["category"] is None and body["score"] < 0.5


def test_api_matches_the_cli_verdict(client: Client) -> None:
    from fanzha.commands.check import verdict_to_record
    from fanzha.domain.risk import check_text

    cli = verdict_to_record("1", check_text(FRAUD_SMS))
    body = post_json(client, API, {"text": FRAUD_SMS}).json()
    assert (body["verdict"], body["score"], body["category"]) == (
        cli["verdict"],
        cli["score"],
        cli["category"],
    )


def test_api_refuses_overlong_and_missing_text(client: Client) -> None:
    too_long = post_json(client, API, {"text": "x" * (MAX_CHARS + 1)})
    assert too_long.status_code == 413
    assert "内容过长" in too_long.json()["detail"]
    assert post_json(client, API, {}).status_code == 422


def test_api_check_stores_nothing(client: Client) -> None:
    clues, audits = Clue.objects.count(), AuditLog.objects.count()
    assert post_json(client, API, {"text": FRAUD_SMS}).status_code == 200
    assert (Clue.objects.count(), AuditLog.objects.count()) == (clues, audits)


def test_api_rate_limit_trips_with_429(client: Client, settings: Any) -> None:
    settings.FANZHA_CHECK_RATE_LIMITS = {"page": 3, "report": 1, "api": 2}
    codes = [post_json(client, API, {"text": SAFE_SMS}).status_code for _ in range(3)]
    assert codes == [200, 200, 429]
    limited = post_json(client, API, {"text": SAFE_SMS})
    assert "查询太频繁" in limited.json()["detail"]
    assert "Retry-After" in limited


def test_api_is_documented_in_openapi(client: Client) -> None:
    schema = client.get("/api/v1/openapi.json").json()
    operation = schema["paths"]["/api/v1/check"]["post"]
    assert operation["requestBody"]
    assert {"200", "413", "429"} <= set(operation["responses"])


# --- the station's own identifiers ----------------------------------------------------------------


def test_phone_from_the_station_cases_is_high_risk_with_its_case_count(client: Client) -> None:
    phone, n_cases = case_identifier("phone")
    body = post_json(client, API, {"text": f"你好，我是客服，有事请回电 {phone}"}).json()
    assert body["verdict"] == "fraud"
    assert any(f"本所{n_cases}起案件中" in reason for reason in body["reasons"]), body["reasons"]


def test_bank_account_from_the_station_cases_is_high_risk(client: Client) -> None:
    account, n_cases = case_identifier("bank_account")
    body = post_json(client, API, {"text": account}).json()
    assert body["verdict"] == "fraud"
    assert any(f"该账户出现在本所{n_cases}起案件中" in reason for reason in body["reasons"]), body["reasons"]


def test_same_number_without_the_station_cases_is_not_high_risk() -> None:
    from fanzha.domain.risk import check_text

    account, _ = case_identifier("bank_account")
    assert check_text(account).verdict != "fraud"


def test_a_new_case_identifier_is_known_after_the_case_is_saved(client: Client) -> None:
    from fanzha.cases.models import Case

    url = "http://new-scam-platform-example.top/reg"
    assert post_json(client, API, {"text": url}).json()["verdict"] != "fraud"
    case = Case.objects.filter(status=Case.Status.CONFIRMED).first()
    assert case is not None
    identifier = Identifier.objects.create(kind="url", value=url)
    CaseIdentifier.objects.create(case=case, identifier=identifier)
    body = post_json(client, API, {"text": f"注册地址 {url}"}).json()
    assert body["verdict"] == "fraud"
    assert any("本所1起案件中" in reason for reason in body["reasons"]), body["reasons"]


def test_fraud_app_from_the_station_cases_is_matched_but_mainstream_apps_are_not(client: Client) -> None:
    from fanzha.cases.models import Case

    case = Case.objects.filter(status=Case.Status.CONFIRMED).first()
    assert case is not None
    for kind, value in (("app", "鑫盛国际APP"), ("platform", "支付宝")):
        identifier, _ = Identifier.objects.get_or_create(kind=kind, value=value)
        CaseIdentifier.objects.get_or_create(case=case, identifier=identifier)
    flagged = post_json(client, API, {"text": "老师让我下载鑫盛国际APP充值"}).json()
    assert flagged["verdict"] == "fraud"
    assert any("鑫盛国际app" in reason.casefold() for reason in flagged["reasons"]), flagged["reasons"]
    ordinary = post_json(client, API, {"text": "晚上用支付宝把饭钱转给你"}).json()
    assert not any("本所" in reason for reason in ordinary["reasons"]), ordinary["reasons"]


LEGITIMATE_SITE = "https://www.lotus-bakery-example.cn/menu"


def _station_reasons(client: Client, text: str) -> list[str]:
    known.invalidate()
    body = post_json(client, API, {"text": text}).json()
    return [reason for reason in body["reasons"] if "本所" in reason]


def test_an_anonymous_report_does_not_make_a_website_known_fraud(client: Client) -> None:
    text = f"面包店的菜单在这里 {LEGITIMATE_SITE}"
    assert _station_reasons(client, text) == []
    response = client.post(
        "/public/check/",
        {"action": "report", "text": text, "situation": "link", "phone": "", "consent": "on"},
    )
    assert response.status_code == 200
    clue = Clue.objects.latest("created_at")
    assert "lotus-bakery-example.cn" in clue.fraud_identifier
    assert _station_reasons(client, text) == []
    # an officer closes it as a false alarm: still not known fraud
    Clue.objects.filter(pk=clue.pk).update(status=Clue.Status.CLOSED, outcome=Clue.Outcome.FALSE_ALARM)
    assert _station_reasons(client, text) == []
    # closed as real fraud (the resident was dissuaded): now it counts
    Clue.objects.filter(pk=clue.pk).update(status=Clue.Status.CLOSED, outcome=Clue.Outcome.STOPPED)
    assert _station_reasons(client, text) != []


def test_only_confirmed_cases_lend_their_identifiers_to_the_check(client: Client) -> None:
    from fanzha.cases.models import Case

    case = Case.objects.filter(status=Case.Status.CONFIRMED).first()
    assert case is not None
    identifier = Identifier.objects.create(kind="url", value=LEGITIMATE_SITE)
    CaseIdentifier.objects.create(case=case, identifier=identifier)
    Case.objects.filter(pk=case.pk).update(status=Case.Status.DRAFT)
    assert _station_reasons(client, LEGITIMATE_SITE) == []
    Case.objects.filter(pk=case.pk).update(status=Case.Status.CONFIRMED)
    assert _station_reasons(client, LEGITIMATE_SITE) != []
