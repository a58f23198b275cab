"""``fanzha clues import FILE --data-dir D``: the JSON contract, idempotence, clear errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

CSV = (
    "编号,接收时间,姓名,手机号,身份证,地址,线索类型,涉诈标识\n"
    "A1,2026-11-20 09:00,张三,13800000001,,青禾县城关镇东风路1号,涉诈短信,16500000001\n"
    "A1,2026-11-20 09:00,张三,13800000001,,青禾县城关镇东风路1号,涉诈短信,16500000001\n"
    "A2,2026-11-20 09:05,李四,13800000002,,青禾县城关镇东风路2号,涉诈APP,某某理财,多余\n"
    "A3,明天,王五,13800000003,,,涉诈短信,16500000003\n"
)


def fanzha(*args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE")}
    return subprocess.run(
        [sys.executable, "-m", "fanzha", *args], capture_output=True, text=True, env=env, timeout=300
    )


def test_import_prints_the_contract_and_a_second_import_creates_nothing(tmp_path: Path) -> None:
    clue_file = tmp_path / "clues.csv"
    clue_file.write_bytes(CSV.encode("gb18030"))
    data_dir = tmp_path / "station"
    first = fanzha("clues", "import", str(clue_file), "--data-dir", str(data_dir))
    assert first.returncode == 0, first.stderr
    report = json.loads(first.stdout)
    assert set(report) == {"rows", "created", "duplicates", "matched", "queued", "rejected"}
    assert report["rows"] == 4 and report["created"] == 1 and report["duplicates"] == 1
    assert report["queued"] == 1 and report["matched"] == 0  # an empty station has no residents
    assert [r["line"] for r in report["rejected"]] == [4, 5]
    assert report["rows"] == report["created"] + report["duplicates"] + len(report["rejected"])

    second = json.loads(fanzha("clues", "import", str(clue_file), "--data-dir", str(data_dir)).stdout)
    assert second["created"] == 0 and second["duplicates"] == 2 and len(second["rejected"]) == 2


def test_a_bad_file_is_a_bilingual_error_with_a_non_zero_exit(tmp_path: Path) -> None:
    missing = fanzha("clues", "import", str(tmp_path / "nope.csv"), "--data-dir", str(tmp_path / "d"))
    assert missing.returncode != 0 and "找不到文件" in missing.stderr and "file not found" in missing.stderr
    bad = tmp_path / "bad.xlsx"
    bad.write_text("not excel")
    result = fanzha("clues", "import", str(bad), "--data-dir", str(tmp_path / "d"))
    assert result.returncode != 0 and "错误" in result.stderr and "Error" in result.stderr
    assert "Traceback" not in result.stderr


def test_an_xlsx_bomb_is_refused_with_a_message_not_a_memory_error(tmp_path: Path) -> None:
    """A 0.3 MB workbook whose sheet unpacks past the 256 MB limit: refused before calamine reads it."""
    from fanzha.domain.tabular import MAX_WORKBOOK_UNPACKED_BYTES
    from tests.domain.test_tabular import xlsx_bomb

    bomb = tmp_path / "线索.xlsx"
    bomb.write_bytes(xlsx_bomb(MAX_WORKBOOK_UNPACKED_BYTES + (1 << 20)))
    assert bomb.stat().st_size < 32 * 1024 * 1024  # under the upload limit: only unpacking shows it
    result = fanzha("clues", "import", str(bomb), "--data-dir", str(tmp_path / "d"))
    assert result.returncode == 2, result.stderr
    assert "解压后超过 256 MB" in result.stderr and "Traceback" not in result.stderr
