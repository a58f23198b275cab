import json
import subprocess
import sys

from fanzha.cli import main


def run(capsys, tmp_path, lines: list[str]) -> tuple[int, list[dict], str]:
    path = tmp_path / "in.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    code = main(["check", "--input", str(path)])
    captured = capsys.readouterr()
    return code, [json.loads(line) for line in captured.out.splitlines()], captured.err


def test_check_writes_the_contract_fields(capsys, tmp_path):
    lines = [
        json.dumps(
            {"id": "f1", "text": "您好，我是公安局的，你涉嫌洗钱，请把资金转到安全账户"}, ensure_ascii=False
        ),
        json.dumps({"id": "n1", "text": "快递到了，放在驿站了，记得去拿"}, ensure_ascii=False),
    ]
    code, out, _ = run(capsys, tmp_path, lines)
    assert code == 0
    assert [row["id"] for row in out] == ["f1", "n1"]
    for row in out:
        assert {"id", "verdict", "score", "category", "reasons"} <= set(row)
        assert row["verdict"] in {"fraud", "suspicious", "safe"}
        assert 0 <= row["score"] <= 1
        assert all(isinstance(reason, str) for reason in row["reasons"])
    assert out[0]["verdict"] == "fraud" and out[0]["category"] == "冒充公检法及政府机关类"
    assert out[0]["advice"] and out[0]["label"] == "高风险"
    assert out[1]["verdict"] == "safe" and out[1]["category"] is None and out[1]["reasons"] == []
    # What the sender asks and who they claim to be, with their words.
    assert "safe_account" in {ask["key"] for ask in out[0]["asks"]}
    assert out[0]["claims"][0]["key"] == "police" and "公安局" in out[0]["claims"][0]["quote"]
    assert out[0]["script"] == "冒充公检法"
    assert out[1]["asks"] == [] and out[1]["claims"] == [] and out[1]["script"] is None


def test_bad_lines_are_reported_and_processing_goes_on(capsys, tmp_path):
    lines = [
        "{not json",
        json.dumps({"id": "no-text"}),
        "[1, 2]",
        json.dumps({"id": "ok", "text": "t.cn/abc"}),
    ]
    code, out, _ = run(capsys, tmp_path, lines)
    assert code == 0
    assert [row.get("line") for row in out[:3]] == [1, 2, 3]
    assert all("error" in row for row in out[:3])
    assert out[3]["id"] == "ok" and any("短网址" in reason for reason in out[3]["reasons"])


def test_missing_input_file_exits_non_zero(capsys, tmp_path):
    code = main(["check", "--input", str(tmp_path / "absent.jsonl")])
    assert code != 0
    assert "找不到输入文件" in capsys.readouterr().err


def test_check_reads_stdin_gbk():
    line = json.dumps({"id": 7, "text": "明天开会"}, ensure_ascii=False) + "\n"
    result = subprocess.run(
        [sys.executable, "-m", "fanzha", "check"],
        input=line.encode("gb18030"),
        capture_output=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr.decode()
    row = json.loads(result.stdout.decode())
    assert row["id"] == 7 and row["verdict"] == "safe"


def test_an_empty_text_is_an_error_line_not_a_safe_verdict(capsys, tmp_path):
    lines = [
        json.dumps({"id": "blank", "text": "  "}),
        json.dumps({"id": "ok", "text": "明天开会"}, ensure_ascii=False),
    ]
    code, out, _ = run(capsys, tmp_path, lines)
    assert code == 0
    assert out[0]["id"] == "blank" and "verdict" not in out[0] and "empty text" in out[0]["error"]
    assert out[1]["verdict"] == "safe"
