"""A 1,000-row clue file with the faults real batches have, imported end to end: every row ends
matched, queued with a reason, merged/duplicate, or rejected with its line."""

from __future__ import annotations

import csv
import io
import random
from datetime import datetime, timedelta

import pytest

from fanzha.clues.models import Clue, ClueBatch, ClueReject
from fanzha.clues.spreadsheet import import_clue_file
from fanzha.stations.models import Resident

pytestmark = pytest.mark.django_db

HEADER = [
    "线索编号",
    "下发时间",
    "对象姓名",
    "联系电话",
    "证件号码",
    "住址",
    "预警类型",
    "涉诈号码",
    "来源",
    "金额",
]
KINDS = ["被涉诈电话呼叫", "涉诈短信", "安装涉诈APP", "访问涉诈网址", "向涉案账户转账"]


def _gbk_safe(*texts: str) -> bool:
    try:
        for text in texts:
            text.encode("gbk")
    except UnicodeEncodeError:
        return False
    return True


def build_faulty_file() -> tuple[bytes, dict[str, list[int]]]:
    rng = random.Random(6)
    residents = [
        r for r in Resident.objects.order_by("id")[:2000] if r.phone and _gbk_safe(r.name, r.address)
    ]
    assert len(residents) >= 1000
    start = datetime(2026, 11, 1, 8, 0)
    rows: list[list[str]] = []
    lines: dict[str, list[int]] = {
        k: [] for k in ("plain", "no_phone", "fuzzy", "unknown", "dup", "merge", "bad")
    }

    def add(kind: str, row: list[str]) -> None:
        rows.append(row)
        lines[kind].append(len(rows) + 1)  # line 1 is the header

    def clue_row(i: int, r: Resident, *, phone: bool = True, id_number: bool = True) -> list[str]:
        at = start + timedelta(minutes=7 * i)
        return [
            f"E2E{i:05d}",
            at.strftime("%Y/%m/%d %H:%M"),
            r.name,
            r.phone if phone else "",
            r.id_number if id_number else "",
            r.address,
            rng.choice(KINDS),
            f"170{rng.randrange(10**8):08d}",
            "上级下发",
            str(rng.choice(["", "500", "20000"])),
        ]

    pool = iter(residents)
    for i in range(880):
        add("plain", clue_row(i, next(pool)))
    for i in range(880, 920):
        add("no_phone", clue_row(i, next(pool), phone=False))
    for i in range(920, 940):
        add("fuzzy", clue_row(i, next(pool), phone=False, id_number=False))
    for i in range(940, 955):
        row = clue_row(i, next(pool), phone=False, id_number=False)
        row[2], row[5] = "欧阳无名", f"广东省深圳市宝安区无此路{i}号"
        add("unknown", row)
    for i in range(10):  # the same row twice in the file
        add("dup", list(rows[i]))
    for i in range(20, 25):  # same person and fraud identifier a day later, another number
        row = list(rows[i])
        row[0] = f"E2E-M{i}"
        row[1] = (datetime.strptime(row[1], "%Y/%m/%d %H:%M") + timedelta(days=1)).strftime("%Y/%m/%d %H:%M")
        add("merge", row)
    for i in range(5):  # an unquoted comma splits the address into an extra column
        r = next(pool)
        row = clue_row(960 + i, r)
        row[5] = row[5] + ",附近"
        add("bad", row)
    for i in range(2):
        row = clue_row(970 + i, next(pool))
        row[1] = "昨天下午"
        add("bad", row)
    while len(rows) < 1000:
        add("plain", clue_row(1000 + len(rows), next(pool)))
    out = io.StringIO()
    out.write(",".join(HEADER) + "\r\n")
    for row in rows:
        if "," in row[5]:
            out.write(",".join(row) + "\r\n")  # deliberately malformed
        else:
            csv.writer(out, lineterminator="\r\n").writerow(row)
    return out.getvalue().encode("gbk"), lines


def test_thousand_clue_gbk_file_every_row_is_accounted_for() -> None:
    data, lines = build_faulty_file()
    report = import_clue_file(data, filename="faulty.csv")

    assert report.encoding == "gb18030"
    assert report.rows == 1000
    assert report.created + report.duplicates + len(report.rejected) == 1000
    assert report.created == report.matched + report.queued
    assert sorted(r.line for r in report.rejected) == sorted(lines["bad"])
    assert all(r.reason for r in report.rejected)
    assert report.duplicates == len(lines["dup"]) + len(lines["merge"])

    batch = ClueBatch.objects.get(pk=report.batch_id)
    clues = {c.source_line: c for c in Clue.objects.filter(batch=batch)}
    assert len(clues) == report.created + len(lines["merge"])
    for line in lines["plain"] + lines["no_phone"]:
        clue = clues[line]
        assert clue.status == Clue.Status.DISPATCHED, (line, clue.queue_reason)
        assert clue.match_method == "身份证号" and clue.match_confidence == 1.0
        assert clue.grid_id == clue.resident.grid_id and clue.deadline is not None
    for line in lines["fuzzy"]:
        clue = clues[line]
        assert clue.status in (Clue.Status.DISPATCHED, Clue.Status.QUEUED)
        if clue.status == Clue.Status.QUEUED:
            assert clue.queue_reason
        else:
            assert clue.match_method == "姓名+地址" and 0.8 <= clue.match_confidence <= 1.0
    fuzzy_matched = sum(clues[line].status == Clue.Status.DISPATCHED for line in lines["fuzzy"])
    assert fuzzy_matched >= 15, fuzzy_matched
    for line in lines["unknown"]:
        assert clues[line].status == Clue.Status.QUEUED
        assert "无身份证号" in clues[line].queue_reason and "无手机号" in clues[line].queue_reason
    for line in lines["merge"]:
        clue = clues[line]
        assert clue.status == Clue.Status.MERGED and clue.merged_into is not None
        assert clue.merged_into.fraud_identifier == clue.fraud_identifier
    assert set(ClueReject.objects.filter(batch=batch).values_list("line", flat=True)) == set(lines["bad"])

    again = import_clue_file(data, filename="faulty.csv")
    assert again.created == 0 and again.matched == 0 and again.queued == 0
    assert again.duplicates == 1000 - len(lines["bad"])
    assert Clue.objects.filter(batch=batch).count() == len(clues)
    assert ClueReject.objects.filter(batch=batch).count() == len(lines["bad"])


def test_the_upload_page_refuses_a_file_over_the_limit_without_reading_it(
    client: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from fanzha.domain import tabular
    from fanzha.stations.models import Role, User

    monkeypatch.setattr(tabular, "MAX_TABLE_BYTES", 1 << 20)
    client.force_login(User.objects.filter(role=Role.COMMAND_ROOM).first())  # type: ignore[attr-defined]
    content = ("线索编号,下发时间,对象姓名\n" + "A1,2026-11-20 09:00,张三\n" * 50_000).encode("gbk")
    batches = ClueBatch.objects.count()
    response = client.post(  # type: ignore[attr-defined]
        "/clues/import/", {"file": SimpleUploadedFile("big.csv", content), "source": "96110"}
    )
    assert response.status_code == 200
    assert "超过 1 MB 上限" in response.content.decode() and "拆分" in response.content.decode()
    assert ClueBatch.objects.count() == batches
