"""`fanzha trace` on hand-built statements: the JSON Lines contract and clear errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from fanzha.cli import main
from tests.domain.test_trace import ALIPAY, M1, M2, M3, M4, V, write_case


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, list[dict], str]:
    code = main(["trace", *args])
    captured = capsys.readouterr()
    lines = [json.loads(line) for line in captured.out.splitlines() if line.strip()]
    return code, lines, captured.err


def test_trace_writes_one_sorted_line_per_account(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    paths = [str(p) for p in write_case(tmp_path).values()]
    code, lines, _ = run(capsys, "--statements", *paths, "--from", V, "--after", "2024-03-05 00:00")
    assert code == 0
    assert [(x["account"], x["depth"], x["amount_yuan"], x["first_at"]) for x in lines] == [
        (M1, 1, 5000, "2024-03-05T09:00:00"),
        (M2, 1, 3000, "2024-03-05T09:30:00"),
        (M3, 2, 6000, "2024-03-05T10:00:00"),
        (ALIPAY, 2, 1500, "2024-03-05T11:00:00"),
        (M4, 3, 1000, "2024-03-05T12:00:00"),
    ]
    assert lines[3]["is_sink"] is True


def test_trace_proportional_amount_and_depth(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    paths = [str(p) for p in write_case(tmp_path).values()]
    code, lines, _ = run(
        capsys,
        "--statements",
        *paths,
        "--from",
        V,
        "--after",
        "2024-03-05 00:00",
        "--rule",
        "proportional",
        "--max-depth",
        "2",
        "--data-dir",
        str(tmp_path),
    )
    assert code == 0
    assert [(x["account"], x["amount_yuan"]) for x in lines] == [
        (M1, 5000),
        (M2, 3000),
        (M3, 6750),
        (ALIPAY, 937.5),
    ]
    code, lines, _ = run(
        capsys, "--statements", *paths, "--from", V, "--after", "2024-03-05 00:00", "--amount", "6000"
    )
    assert [(x["account"], x["amount_yuan"]) for x in lines][:2] == [(M1, 5000), (M2, 1000)]


def test_bad_file_is_a_clear_error_and_rejects_are_reported(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    paths = write_case(tmp_path)
    broken = tmp_path / "broken.xlsx"
    broken.write_bytes(paths[M3].read_bytes()[:200])
    code, lines, err = run(capsys, "--statements", str(paths[V]), str(broken), "--from", V)
    assert code != 0 and lines == []
    assert "错误" in err and "Error" in err and "broken.xlsx" in err
    bad = tmp_path / "bad.csv"
    bad.write_text(
        paths[M2].read_text(encoding="utf-8-sig") + f"{M2},{M3},很多,出,2024-03-05 11:00:00,0\n",
        encoding="utf-8",
    )
    code, lines, err = run(
        capsys, "--statements", str(paths[V]), str(bad), "--from", V, "--after", "2024-03-05 00:00"
    )
    assert code == 0 and "bad.csv:4" in err
    assert (M2, 3000) in [(x["account"], x["amount_yuan"]) for x in lines]


def test_missing_file_and_bad_after(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "--statements", str(tmp_path / "nope.csv"), "--from", V)
    assert code != 0 and "nope.csv" in err
    paths = write_case(tmp_path)
    code, _, err = run(capsys, "--statements", str(paths[V]), "--from", V, "--after", "昨天")
    assert code != 0 and "--after" in err


def test_an_xlsx_bomb_among_the_statements_is_refused_not_unpacked(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from fanzha.domain import tabular
    from tests.domain.test_tabular import xlsx_bomb

    monkeypatch.setattr(tabular, "MAX_WORKBOOK_UNPACKED_BYTES", 1 << 20)
    bomb = tmp_path / "流水.xlsx"
    bomb.write_bytes(xlsx_bomb(4 << 20, header="卡号,交易金额,交易时间,借贷标志,对方账号"))
    paths = write_case(tmp_path)
    code, lines, err = run(capsys, "--statements", str(paths[V]), str(bomb), "--from", V)
    assert code == 2 and lines == []
    assert "流水.xlsx" in err and "解压后超过" in err and "Traceback" not in err
