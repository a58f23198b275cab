"""The trace page says how much of the loss it followed and lists every transfer it could not
follow with a printable 调证 request; the freeze list counts days since arrival when shown or
exported; end accounts are grouped by kind in the graph; the case page links to its money trail;
a case made from a narrative keeps each transfer's receiving account and time."""

from __future__ import annotations

import io
import re
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from fanzha.cases import drafting, intake
from fanzha.cases.models import Case, Transfer
from fanzha.funds import exports, tracing
from fanzha.funds.models import TraceRun
from fanzha.funds.trace_result import StoredTrace
from fanzha.stations.models import AuditLog, Grid, Role
from tests.domain.test_trace import ALIPAY, M1, M3
from tests.funds.conftest import make_chain_case, user_of
from tests.funds.test_funds_pages import import_chain

pytestmark = pytest.mark.django_db
BEIJING = ZoneInfo("Asia/Shanghai")


def traced_case_with_platform_and_cash(client: Client, chain_files: dict[str, Path]) -> tuple[Case, TraceRun]:
    case = make_chain_case()
    case.loss_fen = 2_000_000
    case.save()
    at = datetime(2024, 3, 5, 11, 0, tzinfo=BEIJING)
    Transfer.objects.create(
        case=case, seq=3, at=at, amount_fen=900_000, means="支付宝转账", to_account="13912345678"
    )
    Transfer.objects.create(
        case=case, seq=4, at=at, amount_fen=150_000, means="扫码支付", to_account="收款码"
    )
    Transfer.objects.create(case=case, seq=5, at=None, amount_fen=50_000, means="现金", to_account="")
    Transfer.objects.create(case=case, seq=6, at=at, amount_fen=100_000, means="银行卡转账", to_account="")
    import_chain(client, case, chain_files)
    client.post(reverse("funds:case_trace", args=[case.pk]), {"rule": "libr", "max_depth": "6"})
    return case, TraceRun.objects.get(case=case)


def test_the_trace_states_traced_against_total_loss_and_lists_every_transfer_it_could_not_follow(
    investigator_client: Client, data_dir: Path, chain_files: dict[str, Path]
) -> None:
    _case, run = traced_case_with_platform_and_cash(investigator_client, chain_files)
    page = investigator_client.get(reverse("funds:run", args=[run.pk])).content.decode()
    summary = re.sub(r"<[^>]+>", "", re.search(r'id="trace-coverage">(.*?)</section>', page, re.S).group(1))
    assert "本案损失 20,000.00 元" in summary and "追踪了 2 笔转账 8,000.00 元" in summary
    assert "40%" in summary and "未能追踪 4 笔 12,000.00 元" in summary
    table = re.search(r'id="untraced-table">(.*?)</table>', page, re.S).group(1)
    assert table.count("<tr>") == 5  # header + 4 transfers
    for words in ("支付宝（中国）网络技术有限公司", "收款码所属的支付机构", "现金交付", "未写明收款账户"):
        assert words in table
    assert "13912345678" not in page  # masked on screen
    before = AuditLog.objects.filter(action=AuditLog.Action.EXPORT).count()
    letters = investigator_client.get(reverse("funds:requests", args=[run.pk])).content.decode()
    # One request per holder; cash has nobody to ask.
    assert letters.count('class="letter evidence-request"') == 3
    assert "支付宝（中国）网络技术有限公司：" in letters and "13912345678" in letters
    assert "受害人付款账户的开户银行：" in letters
    assert AuditLog.objects.filter(action=AuditLog.Action.EXPORT).count() == before + 1


def test_days_since_arrival_are_counted_when_the_list_is_shown_or_exported(
    investigator_client: Client, data_dir: Path, chain_files: dict[str, Path]
) -> None:
    from openpyxl import load_workbook

    case = make_chain_case()
    import_chain(investigator_client, case, chain_files)
    investigator_client.post(reverse("funds:case_trace", args=[case.pk]), {"rule": "libr", "max_depth": "6"})
    run = TraceRun.objects.get()
    arrived = {a["account"]: datetime.fromisoformat(a["first_at"]) for a in run.result["accounts"]}
    later = arrived[M3] + timedelta(days=10, hours=12)
    rows = {r.account: r for r in run.trace.freeze_rows(now=later)}
    assert rows[M3].days_since_arrival == 10.5 and rows[M3].hours_since_arrival == 252.0
    sheet = load_workbook(io.BytesIO(exports.freeze_workbook(run.trace, now=later))).active
    header = [c.value for c in sheet[1]]
    assert "到账至今（天）" in header and "到账至今（小时）" not in header
    by_account = {
        r[1]: r[header.index("到账至今（天）")] for r in sheet.iter_rows(min_row=2, values_only=True)
    }
    assert by_account[M3] == 10.5
    # On the page, today: days, not thousands of hours frozen at trace time.
    page = investigator_client.get(reverse("funds:run", args=[run.pk])).content.decode()
    expected = run.trace.freeze_rows()[0].days_since_arrival
    assert "到账至今（天）" in page and f">{expected}<" in page


def test_end_accounts_are_grouped_by_kind_with_counts() -> None:
    payload = {
        "accounts": [
            {"account": M1, "depth": 1, "amount_fen": 900, "is_sink": False, "has_statement": True},
            *(
                {
                    "account": f"取现@{i:04d}",
                    "depth": 2,
                    "amount_fen": 10,
                    "is_sink": True,
                    "sink_kind": "cash",
                    "has_statement": True,
                }
                for i in range(30)
            ),
            {
                "account": ALIPAY,
                "depth": 2,
                "amount_fen": 500,
                "is_sink": True,
                "sink_kind": "payment_platform",
                "has_statement": True,
            },
        ],
        "edges": [
            {"src": "V", "dst": M1, "amount_fen": 900, "at": "2024-03-05 09:00:00"},
            *(
                {"src": M1, "dst": f"取现@{i:04d}", "amount_fen": 10, "at": "2024-03-06 09:00:00"}
                for i in range(30)
            ),
            {"src": M1, "dst": ALIPAY, "amount_fen": 500, "at": "2024-03-06 10:00:00"},
        ],
    }
    graph = tracing.graph_data(StoredTrace.from_json(payload))
    groups = {g["kind"]: g for g in graph["groups"]}
    assert (
        groups["取现"]["count"] == 30
        and groups["取现"]["amount"] == 300
        and groups["取现"]["name"] == "取现 ×30"
    )
    assert groups["第三方支付"]["count"] == 1
    assert all(not n["sink"] for n in graph["nodes"])  # only the layered accounts stand alone
    # Collapsed, all 30 cash withdrawals reach their group as one edge.
    into_cash = [link for link in graph["links"] if link["target"] == groups["取现"]["id"]]
    assert len(into_cash) == 1 and into_cash[0]["amount"] == 300 and into_cash[0]["count"] == 30
    assert len(graph["member_links"]) == 32
    assert len({n["x"] for g in graph["groups"] for n in g["members"]}) == 1  # one column on the right


def test_the_case_page_links_to_its_money_trail(client: Client) -> None:
    case = Case.objects.order_by("pk").first()
    assert case is not None
    client.force_login(user_of(Role.INVESTIGATOR))
    assert f'href="/funds/case/{case.pk}/"' in client.get(f"/cases/{case.pk}/").content.decode()
    client.force_login(user_of(Role.OFFICER))
    mine = Case.objects.filter(grid__officer=user_of(Role.OFFICER)).first()
    if mine is not None:  # officers do not work the money trail: no link to a page they cannot open
        assert "/funds/case/" not in client.get(f"/cases/{mine.pk}/").content.decode()


def test_a_case_from_a_narrative_keeps_each_transfers_account_and_time() -> None:
    card = "6222021234567890128"
    text = (
        f"2024年3月5日9时许，辖区居民李某通过手机银行向对方提供的银行卡{card}转账50000元，"
        "3月6日又通过支付宝转账9000元，后发现被骗，损失59000元。"
    )
    reported = timezone.make_aware(datetime(2024, 3, 7, 10, 0))
    draft = drafting.make_draft(text, reported)
    assert draft["fields"]["transfers"].splitlines() == [
        f"50000 银行卡 {card} 2024-03-05 09:00",
        "9000 支付宝 2024-03-06 00:00",
    ]
    case = intake.create_case(
        narrative=text,
        reported_at=reported,
        draft=draft,
        fields=draft["fields"],
        grid=Grid.objects.order_by("code").first(),
        actor=user_of(Role.INVESTIGATOR),
    )
    stored = [
        (t.amount_fen, t.means, t.to_account, timezone.localtime(t.at).strftime("%m-%d %H:%M"))
        for t in case.transfers.order_by("seq")
    ]
    assert stored == [(5_000_000, "银行卡", card, "03-05 09:00"), (900_000, "支付宝", "", "03-06 00:00")]
