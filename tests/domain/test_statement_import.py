"""The CSV bulk path of StatementStore.import_files: physical line numbers, fallbacks, dedupe.

The bulk path reads with DuckDB's parallel CSV reader and takes line numbers from record order; the
Python reader (``read_statement``) is the reference for what every row must become.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from fanzha.domain.statement_store import ImportProgress, StatementStore, _LineCounter, to_epoch
from fanzha.domain.statements import read_statement

HEADER = "交易卡号,交易对手账卡号,交易金额,借贷标志,交易时间,交易余额,对手户名,对手开户行,摘要,交易网点"


def _row(i: int, amount: str | None = None, counterparty: str | None = None) -> str:
    return (
        f"6222{i % 97:012d},{counterparty if counterparty is not None else f'6333{i % 89:012d}'},"
        f"{amount or f'{i % 500 + 1}.00'},{'借' if i % 3 else '贷'},"
        f"2024-03-{1 + i % 28:02d} {i % 24:02d}:{i % 60:02d}:{i % 59:02d},{i}.50,户名,银行,L{i},网点"
    )


def _stored(store: StatementStore) -> list[tuple]:
    return sorted(
        (
            r["source_line"],
            r["account"],
            r["counterparty"],
            r["ts"],
            r["amount_fen"],
            r["direction"],
            r["summary"],
        )
        for r in store.rows()
    )


def _python(path: Path) -> tuple[list[tuple], list[tuple[int, str]]]:
    read = read_statement(path)
    rows = sorted(
        (r.source_line, r.account, r.counterparty, to_epoch(r.at), r.amount_fen, r.direction, r.summary)
        for r in read.rows
    )
    return rows, [(r.line, r.reason) for r in read.rejects]


def test_empty_lines_keep_physical_line_numbers(tmp_path: Path) -> None:
    # DuckDB's reader drops empty lines; rows after them must keep the line they are on.
    lines = [
        "流水明细",
        HEADER,
        _row(1),
        "",
        _row(2),
        "   ",
        _row(3, amount="一百"),
        "",
        "",
        _row(4),
        ",,,,,,,,,",
    ]
    lines += [_row(5), "", ""]
    for newline in ("\n", "\r\n"):
        path = tmp_path / f"gaps{len(newline)}.csv"
        path.write_bytes(newline.join(lines).encode("utf-8"))
        rows, rejects = _python(path)
        assert [r[0] for r in rows] == [3, 5, 10, 12]
        with StatementStore() as store:
            report = store.import_files([path])
            assert report.files[0].fast_path is True
            assert _stored(store) == rows
            assert [(r.line, r.reason) for r in report.rejects] == rejects == [(7, rejects[0][1])]
            assert store.con.execute("SELECT line FROM rejects").fetchall() == [(7,)]


def test_line_numbers_of_a_file_read_in_parallel_chunks(tmp_path: Path) -> None:
    # Big enough for DuckDB to split the read between threads; every 摘要 names its own line.
    lines = [HEADER]
    bad = {5_000, 77_777, 150_001}
    for i in range(2, 180_002):
        if i % 40_000 == 0:
            lines.append("")  # an empty line shifts every later record
        elif i in bad:
            lines.append(_row(i, amount="坏").replace(f"L{i},", f"L{len(lines) + 1},"))
        else:
            lines.append(_row(i).replace(f"L{i},", f"L{len(lines) + 1},"))
    path = tmp_path / "big.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with StatementStore(threads=2) as store:
        report = store.import_files([path])
        assert report.files[0].fast_path is True
        mismatched = store.con.execute(
            "SELECT count(*) FROM txn WHERE summary <> 'L' || CAST(source_line AS VARCHAR)"
        ).fetchone()
        assert mismatched == (0,)
        assert store.count() == len(lines) - 1 - len(bad) - 4
    expected = sorted(n + 1 for n, text in enumerate(lines) if "坏" in text)
    assert [r.line for r in report.rejects] == expected
    assert all(f"L{r.line}," in r.raw for r in report.rejects)


def test_quoted_line_break_falls_back_to_the_python_reader(tmp_path: Path) -> None:
    path = tmp_path / "quoted.csv"
    path.write_text(
        "\n".join([HEADER, _row(1), _row(2).replace("户名", '"户\n名"'), _row(3), _row(4, amount="x")])
        + "\n",
        encoding="utf-8",
    )
    rows, rejects = _python(path)
    with StatementStore() as store:
        report = store.import_files([path])
        assert report.failed == []
        assert report.files[0].fast_path is False
        assert _stored(store) == rows
        assert [(r.line, r.reason) for r in report.rejects] == rejects
        assert [r.line for r in report.rejects] == [6]


def test_placeholder_counterparties_mean_none_on_the_bulk_path(tmp_path: Path) -> None:
    path = tmp_path / "dash.csv"
    lines = [HEADER, _row(1, counterparty="-"), _row(2, counterparty=" NULL "), _row(3, counterparty="nan")]
    lines += [_row(4, counterparty=""), _row(5, counterparty="--x"), _row(6).replace("6222", "-", 1)]
    lines += ["-" + _row(7)[_row(7).index(",") :]]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    rows, rejects = _python(path)
    with StatementStore() as store:
        report = store.import_files([path])
        assert report.files[0].fast_path is True
        assert _stored(store) == rows
        assert [r[2] for r in rows[:4]] == [None, None, None, None]
        assert rows[4][2] == "--x"
        assert [(r.line, r.reason) for r in report.rejects] == rejects
        assert [line for line, _ in rejects] == [8]


def test_overlapping_files_dedupe_by_key_and_occurrence(tmp_path: Path) -> None:
    first = tmp_path / "first.csv"
    first.write_text("\n".join([HEADER, _row(1), _row(2), _row(2), _row(3)]) + "\n", encoding="utf-8")
    # Shares row 1 and both copies of row 2, adds a third copy of row 2 and row 4.
    second = tmp_path / "second.csv"
    second.write_text(
        "\n".join(["标题", HEADER, _row(4), _row(2), _row(1), _row(2), _row(2)]) + "\n", encoding="utf-8"
    )
    # A later month: no stored row can share a key, new rows all go in.
    later = tmp_path / "later.csv"
    later.write_text(
        "\n".join([HEADER, _row(1).replace("2024-03", "2024-05"), _row(1).replace("2024-03", "2024-05")])
        + "\n",
        encoding="utf-8",
    )
    with StatementStore() as store:
        report = store.import_files([first, second, later])
        assert [(f.rows, f.created, f.duplicates) for f in report.files] == [
            (4, 4, 0),
            (5, 2, 3),
            (2, 2, 0),
        ]
        assert store.count() == 8
        again = store.import_files([later, second, first])
        assert again.created == 0 and again.duplicates == 11
        ids = store.con.execute("SELECT count(DISTINCT id), count(DISTINCT nkey) FROM txn").fetchone()
        assert ids == (8, 8)


def test_progress_phases_and_a_failed_file_leaves_nothing(tmp_path: Path) -> None:
    good = tmp_path / "good.csv"
    good.write_text("\n".join([HEADER, _row(1), _row(2)]) + "\n", encoding="utf-8")
    missing = tmp_path / "missing.csv"
    seen: list[ImportProgress] = []
    with StatementStore() as store:
        report = store.import_files([good, missing], progress=seen.append)
        assert store.count() == 2
        assert report.files[1].error is not None and store.con.execute(
            "SELECT count(*) FROM imports"
        ).fetchone() == (1,)
    phases = [(p.index, p.phase) for p in seen]
    assert phases == [(0, "start"), (0, "load"), (0, "insert"), (0, "done"), (1, "start"), (1, "done")]
    load = next(p for p in seen if p.phase == "load")
    assert load.total_bytes == good.stat().st_size


def test_many_rejects_are_stored_once(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    lines = [HEADER] + [_row(i, amount="坏" if i % 2 else None) for i in range(3_000)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with StatementStore() as store:
        first = store.import_files([path])
        again = store.import_files([path])
        stored = store.con.execute(
            "SELECT count(*), min(line), max(line), count(DISTINCT line) FROM rejects"
        ).fetchone()
        assert (first.created, len(first.rejects), again.created, len(again.rejects)) == (
            1_500,
            1_500,
            0,
            1_500,
        )
        assert stored == (1_500, 3, 3_001, 1_500)
        reasons = store.con.execute("SELECT DISTINCT reason FROM rejects").fetchall()
        assert len(reasons) == 1 and "金额" in reasons[0][0]


def test_the_bulk_path_refuses_the_amounts_the_python_reader_refuses(tmp_path: Path) -> None:
    path = tmp_path / "amounts.csv"
    amounts = ["1e3", "2E2", '"1,234.50"', "12.345", "abc", "3.00"]
    lines = [HEADER] + [_row(i, amount=a) for i, a in enumerate(amounts, start=1)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    rows, rejects = _python(path)
    with StatementStore() as store:
        report = store.import_files([path])
        assert report.files[0].fast_path is True
        assert _stored(store) == rows
        assert [(r.line, r.reason) for r in report.rejects] == rejects
        assert [line for line, _ in rejects] == [2, 3, 6]


def _lines_reference(data: bytes, skip: int) -> int:
    """Lines after the first ``skip``, trailing empty lines not counted (only LF ends a line)."""
    parts = data.split(b"\n")
    while parts and not parts[-1].strip(b"\r"):
        parts.pop()
    return max(0, len(parts) - skip)


def test_line_counter_counts_lines_across_read_boundaries(tmp_path: Path) -> None:
    samples = [
        b"",
        b"\n\n\r\n",
        b"a",
        b"a\nb",
        b"a\nb\n",
        b"a\r\nb\r\n\r\n\r\n",
        b"head\n\nx\n\n\ny\n\n",
        b"a\rb\nc\n\r",
        # Trailing empty lines are looked for in the last 4 KB; more of them only make the count
        # disagree, which sends the file to the exact count of _line_numbers.
        b"".join(b"row %d\n" % i + (b"\n" if i % 7 == 0 else b"") for i in range(2_000)) + b"\n" * 3_000,
        b"x" * 10_000 + b"\n" + b"y" * 9_000,
    ]
    path = tmp_path / "lines.csv"
    for data in samples:
        path.write_bytes(data)
        for skip in (0, 1, 2):
            expected = _lines_reference(data, skip)
            for chunk in (1, 3, 4096, 1 << 22):
                counter = _LineCounter(path, skip)
                counter.chunk = chunk
                counter.run()
                assert counter.lines == expected, (data[:40], skip, chunk)


def test_repeated_keys_are_the_keys_that_occur_more_than_once() -> None:
    keys = [1, 2, 2, 3, 1 << 63, (1 << 63) + 5, (1 << 63) + 5, (1 << 63) + 5, (1 << 64) - 1, (1 << 64) - 1, 9]
    expected = sorted(k for k, n in Counter(keys).items() if n > 1)
    with StatementStore() as store:
        store.con.execute("CREATE TEMP TABLE k AS SELECT unnest($1::UBIGINT[]) AS k0", [keys])
        assert store._repeated_keys("SELECT k0 FROM k") == len(expected)
        found = store.con.execute("SELECT k0 FROM repeated_keys ORDER BY k0").fetchall()
        assert [int(k) for (k,) in found] == expected


def test_many_trailing_line_breaks_import(tmp_path: Path) -> None:
    # More trailing line breaks than the line counter looks back over (4 KB): its count is off,
    # and the exact count from the file must still number the rows, with or without an empty
    # line between records.
    for name, body in (("plain", [_row(1), _row(2)]), ("gap", [_row(1), "", _row(2)])):
        path = tmp_path / f"{name}.csv"
        path.write_text("\n".join([HEADER, *body]) + "\n" * 5_000, encoding="utf-8")
        rows, rejects = _python(path)
        with StatementStore() as store:
            report = store.import_files([path])
            assert report.files[0].error is None
            assert report.files[0].fast_path is True
            assert _stored(store) == rows and len(rows) == 2
            assert not rejects and not report.rejects


@pytest.mark.parametrize("pad_accounts", [False, True])
def test_padded_cells_read_on_the_bulk_path_as_the_python_reader_reads_them(
    tmp_path: Path, pad_accounts: bool
) -> None:
    # Bank exports put a tab before card numbers (so that Excel keeps them as text); staff add
    # full-width spaces. Both paths must store the same trimmed values.
    path = tmp_path / "padded.csv"
    lines = [HEADER]
    for i in range(1, 7):
        cells = _row(i).split(",")
        if pad_accounts:
            cells[0] = "\t" + cells[0]
            cells[4] = cells[4] + "\t"
        cells[8] = ("\u3000" if i % 2 else "\t") + cells[8] + (" " if i % 3 else "\t")
        lines.append(",".join(cells))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    rows, rejects = _python(path)
    assert rejects == []
    with StatementStore() as store:
        report = store.import_files([path])
        assert report.files[0].fast_path is True
        assert _stored(store) == rows
        assert all(not r[6].startswith(("\t", "\u3000")) and not r[6].endswith(("\t", " ")) for r in rows)


@pytest.mark.parametrize("encoding", ["gbk", "utf-8"])
def test_one_bad_byte_rejects_only_its_row_with_its_line(tmp_path: Path, encoding: str) -> None:
    """A GBK (or UTF-8) statement with one corrupted byte: 29 rows, one rejected, 28 kept, on both paths."""
    lines = [HEADER.encode(encoding)] + [
        _row(i).replace("户名", "张三").encode(encoding) for i in range(1, 30)
    ]
    lines[8] = lines[8].replace("张三".encode(encoding), b"\xff\xfe\xff")  # line 9 of the file
    path = tmp_path / f"流水-{encoding}.csv"
    path.write_bytes(b"\r\n".join(lines) + b"\r\n")
    rows, rejects = _python(path)
    assert len(rows) == 28 and [line for line, _ in rejects] == [9]
    assert "编码" in rejects[0][1]
    with StatementStore() as store:
        report = store.import_files([path])
        assert report.failed == []
        assert [(r.line, r.reason) for r in report.rejects] == rejects
        assert len(_stored(store)) == 28 and _stored(store) == rows
