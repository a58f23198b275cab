"""Forward tracing on a small hand-built case whose answers are worked out by hand below.

Victim V pays M1 5000 and M2 3000 on 2024-03-05 (and M1 1000 the evening before, which --after
excludes). M1 already held 3000 of other money, sends 6000 to M3 and 1500 to Alipay (a sink).
M2 passes its 3000 to M3. M3 merges both and sends 4000 to M4, which has no statement.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

V = "6222020000000001"
M1 = "6228480000000002"
M2 = "6217000000000003"
M3 = "6225880000000004"
M4 = "6214830000000005"
ALIPAY = "2088000000000001"

VICTIM_CSV = f"""交易卡号,交易对手账卡号,交易金额,借贷标志,交易时间,交易余额,对手户名,对手开户行,摘要,交易网点
{V},{M1},1000.00,借,2024-03-04 20:00:00,20000.00,李四,农业银行广州天河支行,转账,
{V},{M1},5000.00,借,2024-03-05 09:00:00,15000.00,李四,农业银行广州天河支行,转账,
{V},{M2},3000.00,借,2024-03-05 09:30:00,12000.00,王五,建设银行深圳福田支行,转账,
"""

# GBK, title lines above the header, Chinese dates, yuan signs and thousands separators.
M1_CSV = f"""中国农业银行 账户交易明细
查询账号：{M1}
交易卡号,交易对手账卡号,交易金额,借贷标志,交易时间,交易余额,对手户名,对手开户行,摘要,交易网点
{M1},6222029999999999,"2,000.00",贷,2024年3月4日 08时00分,"2,000.00",赵六,,工资,广州天河支行
{M1},{V},1000,贷,20240304200000,3000,张三,,转账,广州天河支行
{M1},{V},"￥５，０００.00",贷,2024/3/5 9:00,8000,张三,,转账,广州天河支行
{M1},{M3},6000,借,2024-03-05 10:00:00,2000,孙七,招商银行杭州西湖支行,转账,广州天河支行
{M1},{ALIPAY},1500,借,2024-03-05 11:00:00,500,支付宝（中国）网络技术有限公司,,支付宝提现,广州天河支行
"""

M2_CSV = f"""本方账号,对方账号,收付标志,金额,交易日期,余额
{M2},{V},进,3000,2024-03-05 09:30:00,3000
{M2},{M3},出,3000,2024-03-05 10:30:00,0
"""

# Written as xlsx by the tests, with the header on row 3 and the time in its own column.
M3_ROWS = [
    ["招商银行 交易流水", None, None, None, None, None, None],
    ["打印日期：2024-04-01", None, None, None, None, None, None],
    ["本方账号", "对方账号", "收入金额", "支出金额", "交易日期", "交易时间", "余额"],
    [M3, M1, "6,000.00", None, "2024-03-05", "10:00:00", "6000"],
    [M3, M2, "3000", None, "20240305", "103000", "9000"],
    [M3, M4, None, "4000", "2024-03-05", "12:00:00", "5000"],
]


def write_case(folder: Path) -> dict[str, Path]:
    """Write the four statements; returns their paths by account."""
    from openpyxl import Workbook

    paths = {
        V: folder / "victim.csv",
        M1: folder / "m1_gbk.csv",
        M2: folder / "m2.csv",
        M3: folder / "m3.xlsx",
    }
    paths[V].write_text(VICTIM_CSV, encoding="utf-8")
    paths[M1].write_bytes(M1_CSV.encode("gbk"))
    paths[M2].write_text(M2_CSV, encoding="utf-8-sig")
    workbook = Workbook()
    sheet = workbook.active
    for row in M3_ROWS:
        sheet.append(row)
    workbook.save(paths[M3])
    return paths


# --- tests -------------------------------------------------------------------------------------

from datetime import datetime, timedelta  # noqa: E402

import pytest  # noqa: E402

from fanzha.domain.statement_store import StatementStore  # noqa: E402
from fanzha.domain.trace import (  # noqa: E402
    TraceResult,
    TraceSpec,
    freeze_list,
    totals_by_region,
    trace_forward,
)

AFTER = datetime(2024, 3, 5, 0, 0)


@pytest.fixture
def store(tmp_path: Path) -> StatementStore:
    paths = write_case(tmp_path)
    s = StatementStore()
    report = s.import_files(paths.values())
    assert report.failed == []
    assert report.rejects == []
    assert report.created == 3 + 5 + 2 + 3
    return s


def amounts(result: TraceResult) -> list[tuple[str, int, int]]:
    return [(a.account, a.depth, a.amount_fen) for a in result.accounts]


def test_libr_follows_splits_merges_and_stops_at_the_sink(store: StatementStore) -> None:
    result = trace_forward(store, TraceSpec(V, after=AFTER, rule="libr"))
    # M1: 3000 clean + 5000 victim; out 6000 leaves balance 2000 → 3000 of victim money to M3;
    # out 1500 to Alipay leaves 500 → 1500 to the sink, 500 held. M2 passes all 3000 on.
    # M3: 6000 (3000 victim) + 3000 (victim) = 9000 with 6000 victim; out 4000 leaves 5000 → 1000.
    assert amounts(result) == [
        (M1, 1, 500_000),
        (M2, 1, 300_000),
        (M3, 2, 600_000),
        (ALIPAY, 2, 150_000),
        (M4, 3, 100_000),
    ]
    by_account = {a.account: a for a in result.accounts}
    assert by_account[M1].held_fen == 50_000
    assert by_account[M1].balance_fen == 50_000
    assert by_account[M3].held_fen == 500_000
    assert by_account[ALIPAY].is_sink and by_account[ALIPAY].sink_kind == "payment_platform"
    assert by_account[M4].has_statement is False and by_account[M4].held_fen is None
    assert by_account[M1].first_at == datetime(2024, 3, 5, 9, 0)
    assert by_account[M3].first_at == datetime(2024, 3, 5, 10, 0)
    assert by_account[M1].bank == "中国农业银行"
    assert by_account[M1].region is not None and by_account[M1].region.city == "广州市"
    assert by_account[M3].region is not None and by_account[M3].region.city == "杭州市"


def test_proportional_rule_carries_the_victims_share_of_each_balance(store: StatementStore) -> None:
    result = trace_forward(store, TraceSpec(V, after=AFTER, rule="proportional"))
    # M1: victim share 5000/8000; out 6000 carries 3750; then 1250 of 2000, out 1500 carries 937.50.
    # M3: 3750 + 3000 = 6750 of 9000; out 4000 carries 3000.
    assert amounts(result) == [
        (M1, 1, 500_000),
        (M2, 1, 300_000),
        (M3, 2, 675_000),
        (ALIPAY, 2, 93_750),
        (M4, 3, 300_000),
    ]
    by_account = {a.account: a for a in result.accounts}
    assert by_account[M1].held_fen == 31_250


def test_rows_before_after_are_not_the_victims_transfer(store: StatementStore) -> None:
    without_after = trace_forward(store, TraceSpec(V, rule="libr"))
    # Without --after the 1000 of 2024-03-04 is victim money too: M1 received 6000.
    assert dict((a, m) for a, _, m in amounts(without_after))[M1] == 600_000
    with_after = trace_forward(store, TraceSpec(V, after=AFTER, rule="libr"))
    assert dict((a, m) for a, _, m in amounts(with_after))[M1] == 500_000


def test_depth_limit_stops_expansion(store: StatementStore) -> None:
    result = trace_forward(store, TraceSpec(V, after=AFTER, rule="libr", max_depth=2))
    assert [a for a, *_ in amounts(result)] == [M1, M2, M3, ALIPAY]
    assert max(a.depth for a in result.accounts) == 2
    one = trace_forward(store, TraceSpec(V, after=AFTER, rule="libr", max_depth=1))
    assert amounts(one) == [(M1, 1, 500_000), (M2, 1, 300_000)]


def test_amount_limit_takes_victim_transfers_in_time_order(store: StatementStore) -> None:
    result = trace_forward(store, TraceSpec(V, after=AFTER, amount_fen=600_000, rule="libr"))
    # 5000 to M1 in full, then only 1000 of the 3000 to M2. M3 holds 3000 + 1000 = 4000 victim
    # money in 9000 and keeps 5000 after paying M4 4000: nothing of the victim's reaches M4.
    assert amounts(result) == [
        (M1, 1, 500_000),
        (M2, 1, 100_000),
        (M3, 2, 400_000),
        (ALIPAY, 2, 150_000),
    ]
    assert result.start_fen == 600_000


def test_victim_without_own_statement_is_found_as_counterparty(tmp_path: Path) -> None:
    paths = write_case(tmp_path)
    with StatementStore() as s:
        s.import_files([paths[M1], paths[M2], paths[M3]])
        result = trace_forward(s, TraceSpec(V, after=AFTER, rule="libr"))
    assert result.start_kind == "victim"
    assert amounts(result)[:3] == [(M1, 1, 500_000), (M2, 1, 300_000), (M3, 2, 600_000)]


def test_receiving_account_as_start(tmp_path: Path) -> None:
    paths = write_case(tmp_path)
    with StatementStore() as s:
        s.import_files([paths[M3]])
        # M3 has outgoing rows, so it counts as the victim side: its 4000 out goes to M4.
        result = trace_forward(s, TraceSpec(M3, after=datetime(2024, 3, 5, 11, 0), rule="libr"))
    assert amounts(result) == [(M4, 1, 400_000)]


def test_time_window_bounds_what_is_followed(store: StatementStore) -> None:
    result = trace_forward(
        store, TraceSpec(V, after=AFTER, rule="libr", window=timedelta(hours=10, minutes=45))
    )
    # Rows after 10:45 are outside the window: no Alipay sink, no M4.
    assert [a for a, *_ in amounts(result)] == [M1, M2, M3]


def test_freeze_list_and_region_totals(store: StatementStore) -> None:
    result = trace_forward(store, TraceSpec(V, after=AFTER, rule="libr"))
    items = freeze_list(result, now=datetime(2024, 3, 5, 13, 0))
    assert [(i.account, i.amount_fen) for i in items] == [(M3, 500_000), (M4, 100_000), (M1, 50_000)]
    assert items[0].hours_since_arrival == 3.0
    regions = {r.region: r for r in totals_by_region(result)}
    assert regions["浙江省杭州市"].held_fen == 500_000
    assert regions["广东省广州市"].received_fen == 500_000


def test_cycle_returning_money_terminates(tmp_path: Path) -> None:
    a, b = "6222021000000001", "6222021000000002"
    path = tmp_path / "cycle.csv"
    rows = ["交易卡号,交易对手账卡号,交易金额,借贷标志,交易时间,交易余额"]
    rows.append(f"{a},{V},1000,贷,2024-03-05 09:00:00,1000")
    for i in range(5):
        rows.append(f"{a},{b},1000,借,2024-03-05 1{i}:00:00,0")
        rows.append(f"{b},{a},1000,贷,2024-03-05 1{i}:00:00,1000")
        rows.append(f"{b},{a},1000,借,2024-03-05 1{i}:30:00,0")
        rows.append(f"{a},{b},1000,贷,2024-03-05 1{i}:30:00,1000")
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    with StatementStore() as s:
        s.import_files([path])
        result = trace_forward(s, TraceSpec(V, rule="libr", max_depth=6))
    assert result.hops <= 6
    depths = {x.account: x.depth for x in result.accounts}
    assert depths == {a: 1, b: 2}


def test_mule_candidates_fed_by_two_cases(store: StatementStore) -> None:
    from fanzha.domain.mules import mule_candidates

    store.save_trace("case-1", trace_forward(store, TraceSpec(V, after=AFTER)))
    store.save_trace("case-2", trace_forward(store, TraceSpec(M2, after=AFTER)))
    candidates = {c.account: c for c in mule_candidates(store)}
    assert candidates[M3].reasons == ["2 起案件的资金流入该账户：case-1、case-2"]
    # M2 passes all it gets on, but 3000 yuan is under the pass-through threshold of 10000.
    assert M2 not in candidates


def test_each_hop_reads_only_its_accounts_through_the_index(store: StatementStore) -> None:
    from fanzha.domain.trace import _HOP_MANY_INPUTS, hop_many_sql

    store.ensure_trace_index(min_rows=0)
    frontier = [(0, M1, None, 1, 100), (0, M2, None, 1, 100)]
    values = [[M1, M2], frontier, [], [(0, M1, None, 0, 1.0)], []]
    rows = store.engine.fetch_bound(
        lambda ph: "EXPLAIN ANALYZE " + hop_many_sql("libr", ph), _HOP_MANY_INPUTS, values
    )
    plan = "\n".join(str(row[1]) for row in rows)
    # A regression to a table scan costs seconds per trace on a store of millions of rows.
    assert "Index Scan" in plan
    assert "Sequential Scan" not in plan


def test_the_starts_of_a_batch_are_one_statement_through_the_index(store: StatementStore) -> None:
    from fanzha.domain.trace import _START_INPUTS, start_sql, trace_many

    store.ensure_trace_index(min_rows=0)
    values = ([V, M2], [(0, V, None, None), (1, M2, None, None)])
    rows = store.engine.fetch_bound(lambda ph: "EXPLAIN ANALYZE " + start_sql(ph), _START_INPUTS, values)
    plan = "\n".join(str(row[1]) for row in rows)
    assert "Index Scan" in plan
    assert "Sequential Scan" not in plan

    sent: list[str] = []
    engine = store.engine
    fetch_bound = engine.fetch_bound

    def counting(template: Any, inputs: Any, values: Any) -> list[tuple[Any, ...]]:
        sent.append(getattr(template, "__name__", "hop"))
        return fetch_bound(template, inputs, values)

    engine.fetch_bound = counting  # type: ignore[method-assign]
    try:
        trace_many(store, [TraceSpec(V, after=AFTER), TraceSpec(M2, after=AFTER), TraceSpec(V)])
    finally:
        engine.fetch_bound = fetch_bound  # type: ignore[method-assign]
    # Every start has 出账 rows, so the counterparty scan is not needed.
    assert sent.count("start_sql") == 1 and "start_counterparty_sql" not in sent


def test_sql_literals_with_quotes_and_backslashes_round_trip() -> None:
    from fanzha.domain.sql_engine import sql_string

    with StatementStore() as s:
        for text in ["6222", "O'Brien", "a\\b", "''", "中文'\\"]:
            assert s.con.execute("SELECT " + sql_string(text)).fetchone() == (text,)


# --- many traces in one set of hop statements --------------------------------------------------


def comparable(result: TraceResult) -> tuple[object, ...]:
    return (result.spec, result.start_kind, result.start_fen, result.accounts, result.edges, result.hops)


def test_trace_many_gives_each_trace_its_single_answer_on_the_hand_computed_case(
    store: StatementStore,
) -> None:
    from fanzha.domain.trace import trace_many

    specs = [
        TraceSpec(V, after=AFTER, rule="libr"),
        TraceSpec(V, after=AFTER, rule="proportional"),
        TraceSpec(V, rule="libr"),
        TraceSpec(V, after=AFTER, rule="libr", max_depth=1),
        TraceSpec(V, after=AFTER, amount_fen=600_000, rule="libr"),
        TraceSpec(M2, after=AFTER),
        TraceSpec(V, after=AFTER, window=timedelta(hours=1, minutes=30)),
        TraceSpec("6200000000000000", after=AFTER),
    ]
    many = trace_many(store, specs)
    assert [comparable(r) for r in many] == [comparable(trace_forward(store, s)) for s in specs]
    # The hand-computed LIBR answer again, from inside the batch.
    assert amounts(many[0]) == [
        (M1, 1, 500_000),
        (M2, 1, 300_000),
        (M3, 2, 600_000),
        (ALIPAY, 2, 150_000),
        (M4, 3, 100_000),
    ]
    assert many[-1].start_kind == "none" and many[-1].accounts == []


def write_random_statements(path: Path, seed: int, accounts: int = 40, transfers: int = 400) -> list[str]:
    """A random county of transfers as one CSV (payer and payee rows, running balances, cash
    withdrawals as sinks); returns the account numbers."""
    import random

    rng = random.Random(seed)
    names = [f"6222{n:012d}" for n in range(1, accounts + 1)]
    rows: list[tuple[str, str, int, str, int]] = []  # account, counterparty, fen, 借/贷, ts
    t0 = 1_709_600_000
    for _ in range(transfers):
        src = rng.choice(names)
        ts = t0 + rng.randrange(0, 5 * 86_400)
        fen = rng.randrange(1, 5_000) * 100
        if rng.random() < 0.1:
            rows.append((src, "", fen, "借", ts))
            continue
        dst = rng.choice([n for n in names if n != src])
        rows.append((src, dst, fen, "借", ts))
        # Some payee rows are missing (no statement row) or land a minute later.
        if rng.random() < 0.9:
            rows.append((dst, src, fen, "贷", ts + rng.choice([0, 0, 60])))
    rows.sort(key=lambda r: (r[0], r[4], r[3] == "贷"))
    lines = ["交易卡号,交易对手账卡号,交易金额,借贷标志,交易时间,交易余额,对手户名,对手开户行,摘要,交易网点"]
    balance: dict[str, int] = {}
    opening = {n: rng.randrange(0, 3) * 1_000_000 for n in names}
    for account, counterparty, fen, flag, ts in rows:
        now = balance.get(account, opening[account]) + (fen if flag == "贷" else -fen)
        balance[account] = now
        when = (datetime(1970, 1, 1) + timedelta(seconds=ts)).strftime("%Y-%m-%d %H:%M:%S")
        summary = "ATM取款" if not counterparty else "转账"
        # Negative balances are left out (as if the bank did not print them) to exercise both paths.
        shown = f"{now / 100:.2f}" if now >= 0 else ""
        lines.append(f"{account},{counterparty},{fen / 100:.2f},{flag},{when},{shown},某某,,{summary},网点")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return names


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_trace_many_equals_single_traces_on_random_statements(tmp_path: Path, seed: int) -> None:
    import random

    from fanzha.domain.trace import trace_many

    names = write_random_statements(tmp_path / "county.csv", seed)
    rng = random.Random(seed * 7)
    with StatementStore() as s:
        report = s.import_files([tmp_path / "county.csv"])
        assert report.failed == [] and report.rejects == []
        specs = [
            TraceSpec(
                rng.choice(names),
                after=datetime(2024, 3, 5) + timedelta(hours=rng.randrange(0, 72)),
                rule=rng.choice(["libr", "proportional"]),
                max_depth=rng.randrange(1, 7),
                amount_fen=rng.choice([None, 300_000]),
                window=rng.choice([None, timedelta(hours=12)]),
            )
            for _ in range(12)
        ]
        singles = [trace_forward(s, spec) for spec in specs]
        many = trace_many(s, specs)
    assert sum(len(r.accounts) for r in singles) > 20  # the random county does reach accounts
    assert [comparable(r) for r in many] == [comparable(r) for r in singles]


# --- a very busy account -----------------------------------------------------------------------


def test_a_busy_account_with_thousands_of_transfers_is_traced_through_tables_not_statement_text(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """6,000 transfers out of one account to 3,000 accounts: the hop's inputs go through temporary
    tables, so the statement text (which DuckDB must parse whole) stays small, and the answer is the
    one the inline form gives."""
    from fanzha.domain import sql_engine

    busy, victim = "6222000000000000001", "6222999999999999999"
    header = "交易卡号,交易对手账卡号,交易金额,借贷标志,交易时间,交易余额,对手户名,对手开户行,摘要,交易网点"
    lines = [header, f"{busy},{victim},900000.00,贷,2024-03-05 08:00:00,950000.00,受害人,银行,转入,网点"]
    balance = 95_000_000
    for i in range(6000):
        payee = f"6333{i % 3000:015d}"
        balance -= 10_000
        lines.append(
            f"{busy},{payee},100.00,借,2024-03-05 {9 + i // 3600:02d}:{i // 60 % 60:02d}:{i % 60:02d},{balance / 100:.2f},户名,银行,转出,网点"
        )
    path = tmp_path / "busy.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    spec = TraceSpec(busy, after=datetime(2024, 3, 5, 8, 30), max_depth=2)

    def traced(max_inline: int) -> tuple[TraceResult, int]:
        monkeypatch.setattr(sql_engine, "MAX_INLINE_ROWS", max_inline)
        longest = [0]
        real_inline = sql_engine.inline_input

        def measuring(spec: Any, value: Any) -> str:
            text = real_inline(spec, value)
            longest[0] = max(longest[0], len(text))
            return text

        monkeypatch.setattr(sql_engine, "inline_input", measuring)
        with StatementStore() as s:
            s.import_files([path])
            return trace_forward(s, spec), longest[0]

    bounded, longest = traced(sql_engine.MAX_INLINE_ROWS)
    assert len(bounded.edges) == 6000 and len(bounded.accounts) == 3000
    assert longest < 200_000, longest  # inline, the pending transfers alone are about 600 KB
    inline, inline_longest = traced(10**9)
    assert inline_longest > 200_000  # what the statement carried before
    assert comparable(bounded) == comparable(inline)
