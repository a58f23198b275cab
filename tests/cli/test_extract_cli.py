"""`fanzha extract`: JSON Lines in, one answer per line out, bad lines reported and skipped."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from fanzha.cli import main

SEED_1 = "2020年7月4日10时许,辖区居民张某芹通过微信群(上海泛微科技有限公司)添加了一个陌生人微信,对方称可以刷单赚钱,转账的方式向对方卡里转了1299元、3588元、8888元、14352元、17776元、7176元、7176元、15880元、20000元,后意识到被被骗了,损失价值96108元。"
CONTRACT = [
    "id",
    "occurred_at",
    "occurred_until",
    "loss_yuan",
    "loss_max_yuan",
    "transfers_yuan",
    "transfer_total_yuan",
    "channels",
    "platforms",
    "accounts",
    "phones",
    "urls",
    "warnings",
]


def _run(tmp_path: Path, capsys: pytest.CaptureFixture[str], lines: list[str]) -> tuple[int, list[dict]]:
    source = tmp_path / "in.jsonl"
    source.write_text("\n".join(lines) + "\n", encoding="utf-8")
    code = main(["extract", "--input", str(source)])
    out = capsys.readouterr().out
    return code, [json.loads(line) for line in out.splitlines()]


def test_seed_line_answers_with_exactly_the_contract_fields_first(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, (answer,) = _run(
        tmp_path, capsys, [json.dumps({"id": "seed-1", "text": SEED_1}, ensure_ascii=False)]
    )
    assert code == 0
    assert list(answer)[: len(CONTRACT)] == CONTRACT
    assert answer["occurred_at"] == "2020-07-04T10:00"
    assert answer["occurred_until"] == "2020-07-04T10:59"
    assert answer["transfers_yuan"] == [1299, 3588, 8888, 14352, 17776, 7176, 7176, 15880, 20000]
    assert answer["transfer_total_yuan"] == 96135
    assert answer["loss_yuan"] == 96108 and isinstance(answer["loss_yuan"], int)
    assert answer["warnings"][0]["code"] == "transfer_sum_mismatch"
    assert answer["victim"]["name_masked"] == "张*芹"


def test_bad_lines_are_answered_and_processing_goes_on(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    lines = [
        "not json",
        json.dumps(
            {
                "id": "a",
                "text": "昨天下午3点，李某转了5000，损失5000.5元。",
                "reported_at": "2024-05-02T09:00",
            },
            ensure_ascii=False,
        ),
        json.dumps({"id": "b"}),
    ]
    code, answers = _run(tmp_path, capsys, lines)
    assert code == 0
    assert answers[0]["line"] == 1 and "error" in answers[0]
    assert answers[1]["occurred_at"] == "2024-05-01T15:00"
    assert answers[1]["loss_yuan"] == 5000.5
    assert answers[1]["transfers_yuan"] == [5000]
    assert answers[2]["line"] == 3 and "error" in answers[2]


def test_bad_reported_at_is_an_error_line_not_a_crash(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, (answer,) = _run(
        tmp_path, capsys, [json.dumps({"id": "x", "text": "损失5元", "reported_at": "yesterday"})]
    )
    assert code == 0
    assert answer["id"] == "x" and "error" in answer


def test_aware_reported_at_is_read_in_shanghai_time(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    line = json.dumps(
        {"id": "z", "text": "今天上午被骗，损失5元", "reported_at": "2024-05-01T20:00:00Z"},
        ensure_ascii=False,
    )
    _, (answer,) = _run(tmp_path, capsys, [line])
    assert answer["occurred_at"] == "2024-05-02T06:00"  # 20:00 UTC is already 2 May in Shanghai


def test_reads_stdin(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    payload = json.dumps({"id": 7, "text": "2020年7月4日，损失100元"}, ensure_ascii=False).encode("utf-8")
    monkeypatch.setattr("sys.stdin", io.TextIOWrapper(io.BytesIO(payload)))
    assert main(["extract"]) == 0
    answer = json.loads(capsys.readouterr().out)
    assert answer["id"] == 7 and answer["loss_yuan"] == 100


def test_missing_file_exits_non_zero(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["extract", "--input", "/nonexistent/file.jsonl"]) != 0
    assert "找不到输入文件" in capsys.readouterr().err
