"""The money-trail workflow over HTTP: statement upload with its report, idempotent re-upload,
rejected rows with their lines, per-bank column mapping, the trace of a case, exports with their
audit rows, 断卡 candidates, cross-case links, and who may see what."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse
from django.utils.html import escape

from fanzha.cases.models import Case, CaseIdentifier, Identifier
from fanzha.domain.masking import mask_card
from fanzha.funds import imports
from fanzha.funds.models import BankColumnMapping, ImportJob, StatementFile, StatementReject, TraceRun
from fanzha.funds.store import open_store
from fanzha.stations.models import AuditLog, Role
from tests.domain.test_trace import ALIPAY, M1, M1_CSV, M2, M3, M4, V
from tests.funds.conftest import make_chain_case, upload, user_of

pytestmark = pytest.mark.django_db


def county_case() -> Case:
    case = Case.objects.order_by("pk").first()
    assert case is not None, "the test county has cases"
    return case


def post_files(client: Client, url: str, *files: object) -> object:
    return client.post(url, {"statements": list(files)}, follow=True)


def test_gbk_csv_upload_for_a_case_shows_the_import_report(
    investigator_client: Client, data_dir: Path, chain_files: dict[str, Path]
) -> None:
    case = county_case()
    response = post_files(
        investigator_client, reverse("funds:case_upload", args=[case.pk]), upload(chain_files[M1])
    )
    assert response.status_code == 200
    job = ImportJob.objects.get()
    assert job.status == ImportJob.Status.DONE
    assert (job.rows, job.created, job.duplicates, job.rejected) == (5, 5, 0, 0)
    record = StatementFile.objects.get()
    assert record.case == case and record.encoding == "gb18030"
    page = response.content.decode()
    assert 'id="job-inserted">5<' in page and "m1_gbk.csv" in page
    with open_store() as store:
        assert store.count() == 5
        assert {r["account"] for r in store.rows()} == {M1}
    # The case's funds page lists the file.
    assert "m1_gbk.csv" in investigator_client.get(reverse("funds:case", args=[case.pk])).content.decode()


def test_re_upload_adds_nothing(
    investigator_client: Client, data_dir: Path, chain_files: dict[str, Path]
) -> None:
    url = reverse("funds:case_upload", args=[county_case().pk])
    post_files(investigator_client, url, upload(chain_files[M1]))
    response = post_files(investigator_client, url, upload(chain_files[M1], "again.csv"))
    second = ImportJob.objects.order_by("-pk").first()
    assert second is not None
    assert (second.created, second.duplicates) == (0, 5)
    assert 'id="job-duplicates">5<' in response.content.decode()
    with open_store() as store:
        assert store.count() == 5


def test_bad_row_is_listed_with_its_file_and_line(
    investigator_client: Client, data_dir: Path, tmp_path: Path
) -> None:
    lines = M1_CSV.splitlines()
    # Line 7 of the file (M1 → M3 6000) gets an unreadable amount; the other rows still import.
    assert ",6000," in lines[6]
    lines[6] = lines[6].replace(",6000,", ",六千块,")
    bad = tmp_path / "bad.csv"
    bad.write_bytes(("\n".join(lines) + "\n").encode("gbk"))
    response = post_files(
        investigator_client, reverse("funds:case_upload", args=[county_case().pk]), upload(bad)
    )
    job = ImportJob.objects.get()
    assert (job.created, job.rejected) == (4, 1)
    reject = StatementReject.objects.get()
    assert (reject.file.name, reject.line) == ("bad.csv", 7)
    assert "金额" in reject.reason
    page = response.content.decode()
    assert "bad.csv" in page and '<td class="num">7</td>' in page
    queue = investigator_client.get(reverse("funds:rejects")).content.decode()
    assert "bad.csv" in queue and escape(reject.reason) in queue
    # Re-uploading the same file does not list the same row twice.
    post_files(investigator_client, reverse("funds:case_upload", args=[county_case().pk]), upload(bad))
    assert StatementReject.objects.count() == 1


ODD_HEADER = "流水号,卡片,对手,发生额,方向,记账日,结余\n"


def odd_bank_file(path: Path, account: str, rows: list[tuple[str, str, str, str, str]]) -> Path:
    body = "".join(
        f"{i},{account},{cp},{amount},{flag},{when},{balance}\n"
        for i, (cp, amount, flag, when, balance) in enumerate(rows, start=1)
    )
    path.write_bytes(("某农商银行对账单\n" + ODD_HEADER + body).encode("gbk"))
    return path


def test_unknown_header_is_mapped_once_then_imported_automatically(
    investigator_client: Client, data_dir: Path, tmp_path: Path
) -> None:
    first = odd_bank_file(
        tmp_path / "rcb_1.csv",
        "6230000000000001",
        [
            (V, "1000.00", "贷", "2024-03-05 09:00:00", "1000.00"),
            (M3, "800.00", "借", "2024-03-05 10:00:00", "200.00"),
        ],
    )
    response = post_files(investigator_client, reverse("funds:upload"), upload(first))
    job = ImportJob.objects.get()
    assert job.status == ImportJob.Status.NEEDS_MAPPING
    record = StatementFile.objects.get()
    mapping_url = reverse("funds:mapping", args=[job.pk, record.pk])
    assert response.redirect_chain[-1][0] == mapping_url
    page = response.content.decode()
    assert "发生额" in page and 'value="2"' in page  # header guessed on line 2, under the title
    response = investigator_client.post(
        mapping_url,
        {
            "bank": "某农商银行",
            "header_line": "2",
            "f_account": "卡片",
            "f_counterparty": "对手",
            "f_amount": "发生额",
            "f_direction": "方向",
            "f_datetime": "记账日",
            "f_balance": "结余",
        },
        follow=True,
    )
    saved = BankColumnMapping.objects.get()
    assert saved.bank == "某农商银行" and saved.columns["amount"] == "发生额"
    job.refresh_from_db()
    assert (job.status, job.created) == (ImportJob.Status.DONE, 2)
    assert AuditLog.objects.filter(
        action=AuditLog.Action.CHANGE, object_type="funds.BankColumnMapping"
    ).exists()

    second = odd_bank_file(
        tmp_path / "rcb_2.csv", "6230000000000002", [(M3, "500.00", "贷", "2024/03/06 08:00", "500.00")]
    )
    post_files(investigator_client, reverse("funds:upload"), upload(second))
    job2 = ImportJob.objects.order_by("-pk").first()
    assert job2 is not None
    assert (job2.status, job2.created) == (ImportJob.Status.DONE, 1)
    assert job2.files.get().mapping == saved
    saved.refresh_from_db()
    assert saved.used_count == 2


def test_incomplete_mapping_is_refused_with_the_reason(
    investigator_client: Client, data_dir: Path, tmp_path: Path
) -> None:
    first = odd_bank_file(
        tmp_path / "rcb.csv", "6230000000000001", [(V, "1000.00", "贷", "2024-03-05 09:00:00", "1000.00")]
    )
    post_files(investigator_client, reverse("funds:upload"), upload(first))
    job = ImportJob.objects.get()
    url = reverse("funds:mapping", args=[job.pk, job.files.get().pk])
    response = investigator_client.post(url, {"bank": "某农商银行", "header_line": "2", "f_account": "卡片"})
    assert response.status_code == 200
    assert "请指定“交易金额”列" in response.content.decode()
    assert not BankColumnMapping.objects.exists()


def test_upload_over_the_size_limit_is_refused_clearly(
    investigator_client: Client, data_dir: Path, chain_files: dict[str, Path], settings: object
) -> None:
    settings.FUNDS_MAX_UPLOAD_BYTES = 100  # type: ignore[attr-defined]
    response = post_files(investigator_client, reverse("funds:upload"), upload(chain_files[M1]))
    assert "超过上限" in response.content.decode()
    assert not ImportJob.objects.exists()


def test_an_empty_statement_file_is_named_as_empty_not_as_missing(
    investigator_client: Client, data_dir: Path, chain_files: dict[str, Path]
) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = post_files(
        investigator_client,
        reverse("funds:upload"),
        upload(chain_files[M1]),
        SimpleUploadedFile("空.csv", b""),
    )
    page = response.content.decode()
    assert "空.csv 是空文件" in page and "请选择要上传的流水文件" not in page
    assert not ImportJob.objects.exists()
    nothing = investigator_client.post(reverse("funds:upload"), {}, follow=True)
    assert "请选择要上传的流水文件" in nothing.content.decode()


def import_chain(client: Client, case: Case, chain_files: dict[str, Path]) -> None:
    post_files(
        client, reverse("funds:case_upload", args=[case.pk]), *(upload(p) for p in chain_files.values())
    )
    job = ImportJob.objects.order_by("-pk").first()
    assert job is not None and job.created == 13, job.error


def test_trace_page_follows_the_case_transfers_through_the_chain(
    investigator_client: Client, data_dir: Path, chain_files: dict[str, Path]
) -> None:
    case = make_chain_case()
    import_chain(investigator_client, case, chain_files)
    response = investigator_client.post(
        reverse("funds:case_trace", args=[case.pk]), {"rule": "libr", "max_depth": "6"}, follow=True
    )
    run = TraceRun.objects.get()
    assert response.redirect_chain[-1][0] == reverse("funds:run", args=[run.pk])
    # The transfers were matched to M1's and M2's 入账 rows, whose counterparty is the victim V.
    assert [(s["kind"], s["account"]) for s in run.result["starts"]] == [("victim", V)]
    reached = [(a["account"], a["depth"], a["amount_fen"]) for a in run.result["accounts"]]
    assert reached == [
        (M1, 1, 500_000),
        (M2, 1, 300_000),
        (M3, 2, 600_000),
        (ALIPAY, 2, 150_000),
        (M4, 3, 100_000),
    ]
    page = response.content.decode()
    assert mask_card(M3) in page and M3 not in page  # masked on screen
    assert "二级卡" in page and "6,000.00" in page and "资金出口" in page
    assert [i["account"] for i in run.result["freeze"]] == [M3, M4, M1]
    regions = {r["region"]: r for r in run.result["regions"]}
    assert regions["浙江省杭州市"]["held_fen"] == 500_000
    # Cross-case linking: the reached accounts are now identifiers of the case, from the trace.
    traced = set(
        CaseIdentifier.objects.filter(
            case=case, source="trace", identifier__kind=Identifier.Kind.BANK_ACCOUNT
        ).values_list("identifier__value", flat=True)
    )
    assert traced == {M1, M2, M3, M4}


def test_hand_entered_account_time_and_amount(
    investigator_client: Client, data_dir: Path, chain_files: dict[str, Path]
) -> None:
    import_chain(investigator_client, make_chain_case(), chain_files)
    response = investigator_client.post(
        reverse("funds:trace"),
        {"account": V, "after": "2024-03-05T00:00", "amount_yuan": "6000", "rule": "libr", "max_depth": "6"},
        follow=True,
    )
    assert response.status_code == 200
    run = TraceRun.objects.get()
    assert run.case is None and run.start_mode == "manual"
    reached = [(a["account"], a["amount_fen"]) for a in run.result["accounts"]]
    assert reached == [(M1, 500_000), (M2, 100_000), (M3, 400_000), (ALIPAY, 150_000)]


def test_freeze_list_export_is_audit_logged(
    investigator_client: Client, data_dir: Path, chain_files: dict[str, Path]
) -> None:
    from openpyxl import load_workbook

    case = make_chain_case()
    import_chain(investigator_client, case, chain_files)
    investigator_client.post(reverse("funds:case_trace", args=[case.pk]), {"rule": "libr", "max_depth": "6"})
    run = TraceRun.objects.get()
    before = AuditLog.objects.filter(action=AuditLog.Action.EXPORT).count()
    response = investigator_client.get(reverse("funds:freeze_xlsx", args=[run.pk]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    log = AuditLog.objects.filter(action=AuditLog.Action.EXPORT).order_by("-pk").first()
    assert AuditLog.objects.filter(action=AuditLog.Action.EXPORT).count() == before + 1
    assert log is not None and log.object_type == "funds.TraceRun" and log.object_id == str(run.pk)
    assert log.user == user_of(Role.INVESTIGATOR)
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet is not None
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert [(r[1], r[3]) for r in rows] == [(M3, 5000.0), (M4, 1000.0), (M1, 500.0)]

    regions = investigator_client.get(reverse("funds:regions_xlsx", args=[run.pk]))
    assert regions.status_code == 200
    letters = investigator_client.get(reverse("funds:letters", args=[run.pk]))
    page = letters.content.decode()
    # 杭州 (M3), 广州 (M1) and 深圳 (M2, from the victim's 对手开户行); 未知 (Alipay, M4) gets no letter.
    assert page.count('class="letter"') == 3
    assert "广东省深圳市公安机关" in page and "未知公安机关" not in page
    assert "浙江省杭州市公安机关" in page and M3 in page
    assert AuditLog.objects.filter(action=AuditLog.Action.EXPORT).count() == before + 3


def test_account_fed_by_two_cases_and_shared_phone_are_duanka_candidates(
    investigator_client: Client, data_dir: Path, chain_files: dict[str, Path]
) -> None:
    first = make_chain_case("FUNDS-T-0001")
    second = make_chain_case("FUNDS-T-0002")
    import_chain(investigator_client, first, chain_files)
    for case in (first, second):
        investigator_client.post(
            reverse("funds:case_trace", args=[case.pk]), {"rule": "libr", "max_depth": "6"}
        )
    phone = Identifier.objects.create(kind=Identifier.Kind.PHONE, value="13900001111")
    for case in (first, second):
        CaseIdentifier.objects.create(case=case, identifier=phone, source="narrative")
    page = investigator_client.get(reverse("funds:candidates")).content.decode()
    assert mask_card(M3) in page
    assert "2 起案件的资金流入该账户：FUNDS-T-0001、FUNDS-T-0002" in page
    assert "139****1111" in page and "13900001111" not in page


def test_data_dir_statements_folder_import_links_files_to_cases(
    investigator_client: Client, data_dir: Path, chain_files: dict[str, Path]
) -> None:
    case = make_chain_case("FUNDS-T-0009")
    folder = data_dir / "statements"
    folder.mkdir()
    for path in chain_files.values():
        (folder / f"{case.case_no}_{path.name}").write_bytes(path.read_bytes())
    index = investigator_client.get(reverse("funds:index")).content.decode()
    assert "导入数据目录中的流水（4 个文件）" in index
    investigator_client.post(reverse("funds:import_data_dir"))
    job = ImportJob.objects.get()
    assert (job.source, job.status, job.created) == ("data_dir", ImportJob.Status.DONE, 13)
    assert set(job.files.values_list("case__case_no", flat=True)) == {case.case_no}


def test_progress_is_written_to_the_job_row(data_dir: Path, chain_files: dict[str, Path]) -> None:
    from fanzha.domain.statement_store import ImportProgress

    job = ImportJob.objects.create(file_count=4, status=ImportJob.Status.RUNNING)
    writer = imports._ProgressWriter(job, offset=1)
    writer(ImportProgress(1, 3, "/x/big.csv", "load", 50, 100))
    job.refresh_from_db()
    assert (job.file_index, job.done_bytes, job.total_bytes) == (2, 50, 100)
    assert job.phase == "读取 big.csv" and job.percent == 62


def test_api_trace_returns_masked_accounts_and_freeze_list_is_audited(
    investigator_client: Client, data_dir: Path, chain_files: dict[str, Path]
) -> None:
    case = make_chain_case()
    import_chain(investigator_client, case, chain_files)
    response = investigator_client.post(
        "/api/v1/funds/trace", {"case_id": case.pk, "rule": "proportional"}, content_type="application/json"
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert [(a["account"], a["amount_yuan"]) for a in body["accounts"]][:3] == [
        (mask_card(M1), "5000"),
        (mask_card(M2), "3000"),
        (mask_card(M3), "6750"),
    ]
    freeze = investigator_client.get(f"/api/v1/funds/runs/{body['id']}/freeze").json()
    assert freeze[0]["account"] == M3
    assert AuditLog.objects.filter(action=AuditLog.Action.EXPORT, detail__kind="freeze_api").exists()
