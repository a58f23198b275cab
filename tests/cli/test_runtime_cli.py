"""Bad input to the server commands ends in a short bilingual message and a non-zero exit, never a
traceback, and nothing already in the data directory is damaged."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from fanzha.cli import main


def run_fanzha(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "fanzha", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **(env or {})},
    )


def test_generate_refuses_a_non_empty_directory_and_leaves_it_alone(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    precious = tmp_path / "notes.txt"
    precious.write_text("不要删", encoding="utf-8")
    assert main(["generate", "--data-dir", str(tmp_path), "--seed", "1", "--scale", "0.01"]) == 2
    err = capsys.readouterr().err
    assert "不是空的" in err and "not empty" in err
    assert [p.name for p in tmp_path.iterdir()] == ["notes.txt"]
    assert precious.read_text(encoding="utf-8") == "不要删"


def test_generate_rejects_a_zero_scale(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["generate", "--data-dir", str(tmp_path / "d"), "--scale", "0"]) == 2
    assert "--scale" in capsys.readouterr().err


def test_unwritable_data_directory_is_a_clear_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["generate", "--data-dir", "/proc/fanzha-cannot-be-here", "--scale", "0.01"]) == 2
    err = capsys.readouterr().err
    assert "不可写" in err and "not writable" in err


def test_serve_on_a_port_in_use_is_a_clear_error(tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = run_fanzha("serve", "--data-dir", str(tmp_path), "--port", str(port))
    assert result.returncode == 2
    assert "已被占用" in result.stderr and "already in use" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    "url", ["postgres://nobody@127.0.0.1:1/nothing", "not-a-url://???"], ids=["unreachable", "unparseable"]
)
def test_broken_database_url_is_a_clear_error(tmp_path: Path, url: str) -> None:
    result = run_fanzha(
        "generate", "--data-dir", str(tmp_path / "d"), "--scale", "0.01", env={"DATABASE_URL": url}
    )
    assert result.returncode == 2, result.stderr
    assert "DATABASE_URL" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "d").exists(), "a failed generate must not leave a half-made directory"


@pytest.mark.slow
def test_generate_writes_the_county_and_its_truth(tmp_path: Path) -> None:
    import json

    target = tmp_path / "county"
    result = run_fanzha(
        "generate", "--data-dir", str(target), "--seed", "3", "--scale", "0.02", env={"DATABASE_URL": ""}
    )
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout)
    assert summary["rows"]["residents"] > 0
    truth = json.loads((target / "county.json").read_text(encoding="utf-8"))
    assert truth["seed"] == 3 and truth["scale"] == 0.02
    for key in ("campaign_start", "monthly_rate_before", "monthly_rate_after"):
        assert key in truth
    assert (target / "fanzha.sqlite3").stat().st_size > 0
    again = run_fanzha("generate", "--data-dir", str(target), "--seed", "3", "--scale", "0.02")
    assert again.returncode == 2 and "not empty" in again.stderr


def test_running_out_of_memory_is_a_message_not_a_traceback(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from fanzha.commands import check

    def exhausted(args: object) -> int:
        raise MemoryError

    monkeypatch.setattr(check, "handle", exhausted)
    from fanzha.cli import main

    assert main(["check", "--input", "-"]) == 3
    assert "内存不足" in capsys.readouterr().err
