"""``fanzha remind plan|export|effect`` on a generated county: the effect's interval holds the
generator's reminder_true_ratio, the export writes what an SMS platform imports, and bad input
is a short Chinese message."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from openpyxl import load_workbook

from tests.cli.test_runtime_cli import run_fanzha

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def county_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("remind") / "county"
    result = run_fanzha(
        "generate", "--data-dir", str(target), "--seed", "2026", "--scale", "1", env={"DATABASE_URL": ""}
    )
    assert result.returncode == 0, result.stderr
    return target


def _json(*args: str) -> dict:
    result = run_fanzha("remind", *args, env={"DATABASE_URL": ""})
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    assert len(lines) == 1, "one JSON object"
    return json.loads(lines[0])


def test_remind_effect_holds_the_generators_truth(county_dir: Path) -> None:
    truth = json.loads((county_dir / "county.json").read_text(encoding="utf-8"))
    effect = _json("effect", "--data-dir", str(county_dir))
    for key in ("campaigns", "reached", "ratio", "ci_low", "ci_high", "method"):
        assert key in effect
    assert effect["campaigns"] == len(truth["reminder_campaigns"])
    assert effect["ci_low"] <= truth["reminder_true_ratio"] <= effect["ci_high"]
    assert "倍" in effect["summary"]


def test_remind_plan_suggests_and_fills_the_texts(county_dir: Path) -> None:
    suggestions = _json("plan", "--data-dir", str(county_dir), "--date", "2026-10-31")["suggestions"]
    assert suggestions and all(s["audience"] >= s["app_registered"] for s in suggestions)
    first = suggestions[0]["criteria"]
    args = ["plan", "--data-dir", str(county_dir), "--date", "2026-10-31", "--category", first["category"]]
    args += [a for g in first["grid_codes"] for a in ("--grid", g)]
    args += [a for b in first["age_bands"] for a in ("--age-band", b)]
    if first["sex"]:
        args += ["--sex", first["sex"]]
    plan = _json(*args)
    assert plan["audience"] == suggestions[0]["audience"]
    assert plan["sms"].startswith("【城关派出所】") and plan["sms_length"] <= 70
    assert "96110" in plan["wechat"]


def test_remind_export_records_and_writes_the_platform_file(county_dir: Path, tmp_path: Path) -> None:
    out, post = tmp_path / "sms.xlsx", tmp_path / "wechat.txt"
    result = _json(
        "export", "--data-dir", str(county_dir), "--category", "刷单返利类", "--grid", "G01", "--grid", "G02",
        "--sex", "女", "--age-band", "18-25岁", "--out", str(out), "--wechat-out", str(post), "--reason", "交短信平台发送",
    )  # fmt: skip
    assert result["status"] == "exported" and result["rows"] == result["recipients"]["exported"]
    rows = list(load_workbook(out)["短信发送"].iter_rows(values_only=True))
    assert rows[0] == ("手机号码", "短信内容") and len(rows) - 1 == result["rows"]
    assert post.read_text(encoding="utf-8").startswith("【")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["plan", "--category", "不存在的类别", "--grid", "G01"], "未知的诈骗类别"),
        (["plan", "--category", "刷单返利类", "--grid", "G99"], "没有这些警格"),
        (["plan", "--category", "刷单返利类", "--grid", "G01", "--age-band", "20-30岁"], "人群条件有误"),
        (
            ["export", "--category", "刷单返利类", "--grid", "G01", "--out", "x.pdf", "--reason", "r"],
            ".xlsx 或 .csv",
        ),
        (
            [
                "export",
                "--category",
                "刷单返利类",
                "--grid",
                "G01",
                "--out",
                "x.csv",
                "--reason",
                "r",
                "--text",
                "刷单是诈骗",
            ],
            "签名",
        ),
        (["effect", "--as-of", "2026/10/31"], "YYYY-MM-DD"),
    ],
)
def test_bad_input_is_a_short_chinese_message(
    county_dir: Path, tmp_path: Path, args: list[str], message: str
) -> None:
    args = [a if a not in ("x.pdf", "x.csv") else str(tmp_path / a) for a in args]
    result = run_fanzha("remind", *args, "--data-dir", str(county_dir), env={"DATABASE_URL": ""})
    assert result.returncode == 2, result.stderr
    assert message in result.stderr and "Traceback" not in result.stderr
