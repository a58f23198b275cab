import json

from fanzha.cli import main


def run(capsys, tmp_path, lines: list[str]) -> tuple[int, list[dict], str]:
    path = tmp_path / "in.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    code = main(["classify", "--input", str(path)])
    captured = capsys.readouterr()
    return code, [json.loads(line) for line in captured.out.splitlines()], captured.err


def test_classify_writes_the_contract_fields(capsys, tmp_path):
    text = "2021年辖区居民通过微信群添加陌生人，对方称可以刷单赚佣金，垫付后审核失败本金及佣金无法返还"
    code, out, _ = run(capsys, tmp_path, [json.dumps({"id": "a1", "text": text}, ensure_ascii=False)])
    assert code == 0
    assert len(out) == 1
    row = out[0]
    assert {"id", "category", "confidence", "second", "tags", "evidence"} <= set(row)
    assert row["id"] == "a1"
    assert row["category"] == "刷单返利类"
    assert 0 < row["confidence"] <= 1
    assert isinstance(row["tags"], list) and "微信群" in row["tags"]
    assert all(isinstance(e, str) for e in row["evidence"]) and row["evidence"]


def test_bad_lines_are_reported_and_processing_goes_on(capsys, tmp_path):
    lines = [
        "{not json",
        json.dumps({"id": "no-text"}),
        "[1, 2]",
        json.dumps(
            {"id": "ok", "text": "对方冒充公安局警官称其涉嫌洗钱，要求把钱转入安全账户"}, ensure_ascii=False
        ),
    ]
    code, out, _ = run(capsys, tmp_path, lines)
    assert code == 0
    assert [r.get("line") for r in out[:3]] == [1, 2, 3]
    assert all("error" in r for r in out[:3])
    assert out[3]["id"] == "ok"
    assert out[3]["category"] == "冒充公检法及政府机关类"
    assert "安全账户" in out[3]["tags"]


def test_unreadable_input_exits_non_zero(capsys, tmp_path):
    code = main(["classify", "--input", str(tmp_path / "missing.jsonl")])
    assert code != 0
    assert "找不到输入文件" in capsys.readouterr().err
