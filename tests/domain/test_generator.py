"""The synthetic county: deterministic, valid identities, and the field report's patterns."""

from __future__ import annotations

import csv
import itertools
import re
from collections import Counter, defaultdict
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from openpyxl import load_workbook
from stdnum import luhn
from stdnum.cn import ric

from fanzha.generator.cases import add_months, window_start
from fanzha.generator.county import County, generate_county
from fanzha.generator.fraud_identifiers import banks
from fanzha.generator.handling import dispatched_clues, grading_rules
from fanzha.generator.narratives import (
    chinese_numeral,
    generate_narratives,
    generate_stories,
    loss_amount_text,
)
from fanzha.generator.statements import BANK_MEANS, statement_columns

SEED = 20261031


@pytest.fixture(scope="module")
def county() -> County:
    return generate_county(SEED)


def _first_residents(c: County, n: int) -> list:
    return next(c.iter_residents(batch_size=n))


def test_same_seed_gives_same_county_and_other_seed_differs(county: County) -> None:
    again = generate_county(SEED)
    assert again.truth() == county.truth()
    assert _first_residents(again, 500) == _first_residents(county, 500)
    assert again.cases == county.cases
    assert again.clues == county.clues
    assert again.clue_handling == county.clue_handling
    other = generate_county(SEED + 1)
    assert other.truth() != county.truth()
    assert _first_residents(other, 500) != _first_residents(county, 500)
    assert [c.narrative for c in other.cases[:20]] != [c.narrative for c in county.cases[:20]]


def test_resident_stream_does_not_depend_on_batch_size(county: County) -> None:
    batches = itertools.islice(county.iter_residents(batch_size=777), 4)
    small = [r for batch in batches for r in batch]
    assert [len(b) for b in itertools.islice(county.iter_residents(batch_size=777), 3)] == [777, 777, 777]
    large = _first_residents(county, 3000)
    assert small[:3000] == large
    assert county.resident(1234) == large[1233]


def test_counts_are_near_the_targets_at_scale_one(county: County) -> None:
    truth = county.truth()
    rows = truth["rows"]
    assert rows["residents"] == 60_000
    assert rows["grids"] == 24
    assert rows["communities"] == 6
    assert 110 <= rows["cases"] <= 220, rows["cases"]
    assert 600 <= rows["clues"] <= 950, rows["clues"]
    assert sum(g.population for g in county.grids) == 60_000
    roles = Counter(u.role for u in county.users)
    assert roles["grid_worker"] == 24
    assert (roles["investigator"], roles["command_room"], roles["leader"], roles["admin"]) == (2, 2, 1, 1)
    officers = [u for u in county.users if u.role == "officer"]
    assert all(2 <= len(u.grid_codes) <= 4 for u in officers)
    assert sorted(c for u in officers for c in u.grid_codes) == sorted(g.code for g in county.grids)
    for g in county.grids:
        assert len(g.worker_usernames) == 1
    assert rows["households"] == len(county.households)
    assert 15_000 < rows["households"] < 30_000


def test_every_id_number_and_phone_is_valid_and_unique(county: County) -> None:
    ids: set[str] = set()
    phones: set[str] = set()
    households = {h.code for h in county.households}
    phone_re = re.compile(r"^1[3-9]\d{9}$")
    for batch in county.iter_residents():
        for r in batch:
            # Full stdnum validation (area code lookup) is slow; check digit and birth date on all,
            # the complete check on a sample.
            if r.id % 37 == 0:
                assert ric.is_valid(r.id_number), r.id_number
            assert ric.calc_check_digit(r.id_number) == r.id_number[17], r.id_number
            assert r.id_number[6:14] == f"{r.birth_date:%Y%m%d}"
            assert (int(r.id_number[16]) % 2 == 1) == (r.sex == "男")
            assert phone_re.match(r.phone), r.phone
            assert r.household_code in households
            ids.add(r.id_number)
            phones.add(r.phone)
    assert len(ids) == 60_000
    assert len(phones) == 60_000


def test_case_cards_pass_luhn_and_use_known_bins(county: County) -> None:
    bins = tuple(b.bin for b in banks())
    cards = [i.value for c in county.cases for i in c.identifiers if i.kind == "bank_account"]
    assert len(cards) > 50
    for card in cards:
        assert luhn.is_valid(card), card
        assert card.startswith(bins)


def test_investment_share_rises_from_year_one_to_year_three(county: County) -> None:
    years = county.truth()["investment_share_by_year"]
    assert [y["target_share"] for y in years] == [0.15, 0.235, 0.32]
    start = window_start(county.end_date)
    shares = []
    for y in range(3):
        lo, hi = add_months(start, 12 * y), add_months(start, 12 * (y + 1))
        cats = [c.category for c in county.cases if lo <= c.occurred_at.date() < hi]
        shares.append(cats.count("虚假网络投资理财类") / len(cats))
    assert shares[2] > shares[0] + 0.08
    assert 0.05 < shares[0] < 0.27
    assert 0.22 < shares[2] < 0.45


def test_campaign_drop_is_visible_in_the_generated_cases(county: County) -> None:
    truth = county.truth()
    assert truth["campaign_start"] == "2026-03-01"
    assert (truth["monthly_rate_before"], truth["monthly_rate_after"]) == (10.0, 4.0)
    campaign = county.campaign_start
    before_from = add_months(campaign, -4)
    before = sum(1 for c in county.cases if before_from <= c.occurred_at.date() < campaign) / 4
    after = sum(1 for c in county.cases if c.occurred_at.date() >= campaign) / 8
    assert 7 <= before <= 13, before
    assert 2 <= after <= 6, after


def test_categories_are_the_exact_statistics_strings(county: County) -> None:
    expected = {
        "刷单返利类", "虚假网络投资理财类", "贷款、代办信用卡类", "虚假征信类", "冒充电商物流客服类",
        "虚假购物、服务类", "冒充公检法及政府机关类", "冒充领导、熟人类", "网络游戏产品虚假交易类",
        "网络婚恋、交友类（非虚假网络投资理财类）", "冒充军警购物类诈骗", "网黑案件", "其他",
    }  # fmt: skip
    assert {c.category for c in county.cases} <= expected
    assert set(county.truth()["category_base_shares"]) == expected


def test_victims_follow_the_category_profiles(county: County) -> None:
    big = generate_county(SEED, scale=3)
    ages: dict[str, list[float]] = defaultdict(list)
    for c in big.cases:
        r = big.resident(c.victim_resident_id)
        ages[c.category].append((c.occurred_at.date() - r.birth_date).days / 365.25)
        assert r.grid_code == c.grid_code
    mean = {k: sum(v) / len(v) for k, v in ages.items()}
    assert mean["刷单返利类"] < mean["虚假网络投资理财类"] < mean["冒充公检法及政府机关类"]


def test_linked_groups_share_an_identifier_written_in_each_case(county: County) -> None:
    groups = county.truth()["linked_case_groups"]
    assert len(groups) >= 3
    by_no = {c.case_no: c for c in county.cases}
    for g in groups:
        assert 2 <= len(g["case_nos"]) <= 4
        for no in g["case_nos"]:
            case = by_no[no]
            assert (g["kind"], g["value"]) in {(i.kind, i.value) for i in case.identifiers}
            assert g["value"] in case.narrative


def test_narratives_read_like_the_seed_cases() -> None:
    texts = generate_narratives(300, 5)
    assert texts == generate_narratives(300, 5)
    assert texts != generate_narratives(300, 6)
    assert all("辖区居民" in t and re.match(r"^\d{4}年", t) for t in texts)
    assert any("某某" in t for t in texts)
    assert any(re.search(r"\d+余元|余万元", t) for t in texts)
    assert any("多元" in t for t in texts)
    assert any(re.search("[０-９]", t) for t in texts)
    assert any("，" in t for t in texts) and any("," in t for t in texts)
    assert any("年," in t or "年，" in t for t in texts)


def test_story_truth_matches_its_text() -> None:
    for s in generate_stories(400, 9):
        assert s.loss_text in s.narrative
        for ident in s.narrative_identifiers:
            assert ident.value in s.narrative
            if ident.kind == "bank_account":
                assert luhn.is_valid(ident.value)
        total = sum(t.amount_fen for t in s.transfers)
        if s.loss_is_approximate:
            assert s.loss_fen <= total or not s.loss_matches_transfers
        assert s.loss_matches_transfers == (s.loss_fen == total)
        assert all(t.at >= s.occurred_at for t in s.transfers)


def test_amount_wordings() -> None:
    assert chinese_numeral(96108) == "九万六千一百零八"
    assert chinese_numeral(100500) == "十万零五百"
    assert chinese_numeral(15) == "十五"
    import random

    rng = random.Random(1)
    seen = set()
    for _ in range(3000):
        fen = int(10 ** rng.uniform(3, 6.5)) * 100
        a = loss_amount_text(fen, rng)
        seen.add(re.sub(r"[\d０-９.一二三四五六七八九十百千零两]+", "N", a.text))
        if a.approximate and "约" not in a.text:
            assert a.stated_fen <= fen
        if not a.approximate:
            assert a.stated_fen == fen
    assert {"N元", "N余元", "N余万元", "N万多元", "N多元", "约N万元", "N万N元"} <= seen
    round_sum = {loss_amount_text(3_500_000, random.Random(k)).text for k in range(200)}
    assert {"3.5万元", "35000元", "３５０００元", "三万五千元"} <= round_sum


def test_clues_carry_realistic_imperfections(county: County) -> None:
    clues = county.clues
    assert all(clues[i].received_at <= clues[i + 1].received_at for i in range(len(clues) - 1))
    first = county.end_date - timedelta(days=182)
    assert all(first <= c.received_at.date() <= county.end_date for c in clues)
    assert any(c.true_resident_id is None for c in clues)
    assert any(c.target_phone == "" for c in clues)
    assert any(c.has_typo for c in clues)
    by_id = {c.source_id: c for c in clues}
    dups = [c for c in clues if c.duplicate_of]
    assert dups
    for d in dups:
        orig = by_id[d.duplicate_of]
        assert (orig.target_id_number, orig.fraud_identifier) == (d.target_id_number, d.fraud_identifier)
        assert 0 <= (d.received_at.date() - orig.received_at.date()).days <= 4
    for c in clues:
        if c.true_resident_id is not None and not c.has_typo:
            r = county.resident(c.true_resident_id)
            assert (c.target_name, c.target_id_number, c.target_address) == (r.name, r.id_number, r.address)
            assert c.target_phone in ("", r.phone)
    case_values = {i.value for cs in county.cases for i in cs.identifiers}
    assert any(c.fraud_identifier in case_values for c in clues)


def test_registrations_reach_each_grids_target(county: County) -> None:
    regs = [r for batch in county.iter_registrations(batch_size=4096) for r in batch]
    assert len(regs) == county.truth()["rows"]["registrations"]
    assert len({r.resident_id for r in regs}) == len(regs)
    assert all(regs[i].day <= regs[i + 1].day for i in range(len(regs) - 1))
    per_grid = Counter(r.grid_code for r in regs)
    coverage = county.truth()["grid_target_coverage"]
    pop = {g.code: g.population for g in county.grids}
    for code, info in coverage.items():
        assert abs(per_grid[code] - info["registrations"]) <= 1
        assert abs(per_grid[code] / pop[code] - info["target"]) < 0.02
    assert any(v["laggard"] for v in coverage.values())
    sample = regs[:: max(1, len(regs) // 300)]
    for r in sample:
        res = county.resident(r.resident_id)
        assert res.grid_code == r.grid_code
        assert (r.day - res.birth_date).days >= 12 * 365


def test_outreach_peaks_around_the_campaign_and_fraud_is_forty_percent_of_crime(county: County) -> None:
    per_month = Counter(date(e.day.year, e.day.month, 1) for e in county.outreach_events)
    campaign = county.campaign_start
    peak = per_month[campaign] + per_month[add_months(campaign, -1)]
    typical = sum(per_month.values()) / len(per_month)
    assert peak / 2 > 2 * typical
    fraud = sum(m.telecom_fraud_cases for m in county.monthly_crime_totals)
    total = sum(m.criminal_cases for m in county.monthly_crime_totals)
    assert fraud == len(county.cases)
    assert 0.33 < fraud / total < 0.48


def _parse_statement(path: Path, layout: str) -> list[tuple[str, int, bool, datetime, int]]:
    """(account, amount_fen, credit, time, balance_fen) rows of one statement file."""

    def fen(text: object) -> int:
        s = str(text)
        neg = s.startswith("-")
        whole, _, frac = s.lstrip("-").partition(".")
        v = int(whole) * 100 + int((frac + "00")[:2])
        return -v if neg else v

    def when(v: object) -> datetime:
        if isinstance(v, datetime):
            return v
        s = str(v)
        for fmt in ("%Y-%m-%d %H:%M:%S", "%Y%m%d%H%M%S", "%Y/%m/%d %H:%M"):
            try:
                return datetime.strptime(s, fmt)
            except ValueError:
                pass
        raise AssertionError(s)

    if path.suffix == ".csv":
        encoding = "gbk" if layout.startswith("gbk") else "utf-8-sig"
        with path.open(encoding=encoding, newline="") as fh:
            rows = list(csv.reader(fh))
        header, body = rows[0], rows[1:]
    else:
        ws = load_workbook(path).active
        all_rows = [list(r) for r in ws.iter_rows(values_only=True)]
        start = 1 if len([v for v in all_rows[0] if v is not None]) == 1 else 0
        header, body = [str(v) for v in all_rows[start]], all_rows[start + 1 :]
    assert len(header) == 10
    out = []
    for r in body:
        amount = fen(r[2] if not isinstance(r[2], float) else f"{r[2]:.2f}")
        credit = r[3] in ("贷", "收", "进")
        balance = fen(r[5] if not isinstance(r[5], float) else f"{r[5]:.2f}")
        out.append((str(r[0]), abs(amount), credit, when(r[4]), balance))
    return out


def test_statements_parse_back_with_consistent_balances(county: County, tmp_path: Path) -> None:
    truth = county.truth()
    files = truth["statement_files"]
    paths = county.write_statements(tmp_path)
    assert sorted(p.name for p in paths) == sorted(f["path"] for f in files)
    assert len(files) > 20
    assert {f["layout"] for f in files} >= {"gbk_csv_a", "utf8_csv_b", "xlsx_c"}
    cases_with_bank = [c for c in county.cases if any(t.means in BANK_MEANS for t in c.transfers)]
    assert 0.2 < len(truth["mule_chains"]) / len(cases_with_bank) < 0.5
    chain_accounts = {a["account"] for ch in truth["mule_chains"] for layer in ch["layers"] for a in layer}
    seen_accounts: set[str] = set()
    for f in files:
        rows = _parse_statement(tmp_path / f["path"], f["layout"])
        assert len(rows) == f["rows"]
        per_account: dict[str, list] = defaultdict(list)
        for r in rows:
            per_account[r[0]].append(r)
        assert sorted(per_account) == f["accounts"]
        for acct, acct_rows in per_account.items():
            seen_accounts.add(acct)
            assert all(acct_rows[i][3] <= acct_rows[i + 1][3] for i in range(len(acct_rows) - 1))
            for prev, cur in itertools.pairwise(acct_rows):
                delta = cur[1] if cur[2] else -cur[1]
                assert prev[4] + delta == cur[4], (f["path"], acct)
            assert all(r[4] >= 0 for r in acct_rows)
    assert seen_accounts == chain_accounts
    by_no = {c.case_no: c for c in county.cases}
    for ch in truth["mule_chains"]:
        assert 2 <= len(ch["layers"]) <= 5
        case = by_no[ch["case_no"]]
        paid: Counter[str] = Counter()
        for t in case.transfers:
            if t.means in BANK_MEANS:
                paid[t.to_account] += t.amount_fen
        assert {a["account"]: a["victim_fen_in"] for a in ch["layers"][0]} == dict(paid)
        for deeper in ch["layers"][1:]:
            assert sum(a["victim_fen_in"] for a in deeper) <= sum(a["victim_fen_in"] for a in ch["layers"][0])
        assert ch["sinks"]


def test_scale_multiplies_people_and_grids() -> None:
    small = generate_county(3, scale=0.1)
    assert small.resident_count == 6000
    assert len(small.grids) == 24
    big = generate_county(3, scale=2)
    assert big.resident_count == 120_000
    assert len(big.grids) == 48
    assert 1.5 < len(big.cases) / len(generate_county(3).cases) < 2.6


def test_mule_cards_are_near_empty_pass_through_accounts(county: County) -> None:
    before = after = 0
    for chain in county.mule_chains():
        for acc in chain.accounts.values():
            chain_rows = [t for t in acc.txns if t.victim]
            first = chain_rows[0]
            assert first.credit, "a mule card's first chain row is money arriving"
            own_before = first.balance_fen - first.amount_fen
            assert own_before <= max(2_000, min(30_000, first.amount_fen // 20)), (chain.case_no, acc.card)
            background = [t for t in acc.txns if not t.victim]
            before += sum(1 for t in background if t.at < first.at)
            after += sum(1 for t in background if t.at > chain_rows[-1].at)
            assert all(t.amount_fen <= 50_000 for t in background)
            # Forwarded within minutes to hours: every chain outflow follows a chain inflow by
            # less than a day.
            last_in = first.at
            for t in chain_rows:
                if t.credit:
                    last_in = t.at
                else:
                    assert t.at - last_in < timedelta(days=1), (chain.case_no, acc.card)
    assert before > 4 * after > 0


def test_libr_truth_follows_the_chain_and_conserves_the_victims_money(county: County) -> None:
    truth = county.truth()
    accounts = [a for ch in truth["mule_chains"] for layer in ch["layers"] for a in layer]
    assert all(0 <= a["libr_fen_in"] <= a["victim_fen_in"] for a in accounts)
    reached = sum(1 for a in accounts if a["libr_fen_in"] >= 100)
    assert reached / len(accounts) >= 0.95, (reached, len(accounts))
    paid_total = sunk_total = background_total = 0
    for ch in truth["mule_chains"]:
        paid = sum(a["libr_fen_in"] for a in ch["layers"][0])
        assert paid == sum(a["victim_fen_in"] for a in ch["layers"][0])
        held = sum(a["libr_fen_held"] for layer in ch["layers"] for a in layer)
        sunk = sum(s["libr_fen"] for s in ch["sinks"])
        assert held + sunk + ch["libr_to_background_fen"] == paid, ch["case_no"]
        # Each mule keeps a small residue, so even five layers pass most of the money on.
        assert sunk >= 0.6 * paid, ch["case_no"]
        paid_total += paid
        sunk_total += sunk
        background_total += ch["libr_to_background_fen"]
    assert sunk_total > 0.9 * paid_total
    assert background_total < 0.01 * paid_total


def test_tracing_generated_statements_with_libr_finds_the_chain_and_its_amounts(tmp_path: Path) -> None:
    from fanzha.domain.statement_store import StatementStore
    from fanzha.domain.trace import TraceSpec, trace_forward

    small = generate_county(SEED, scale=0.3)
    truth = small.truth()
    small.write_statements(tmp_path)
    found = total = amount_ok = 0
    with StatementStore() as store:
        for f in truth["statement_files"]:
            # The column mapping a station remembers per bank, so that this test is about the
            # money and not about header detection.
            report = store.import_files([tmp_path / f["path"]], mapping=statement_columns(f["layout"]))
            assert not report.failed and report.created == f["rows"], f["path"]
        for ch in truth["mule_chains"]:
            after = datetime.fromisoformat(ch["first_transfer_at"]) - timedelta(minutes=1)
            result = trace_forward(store, TraceSpec(ch["victim_account"], after=after, rule="libr"))
            got = {a.account: a.amount_fen for a in result.accounts}
            for layer in ch["layers"]:
                for a in layer:
                    total += 1
                    found += a["account"] in got
                    amount_ok += abs(got.get(a["account"], 0) - a["libr_fen_in"]) <= 100
    assert total >= 80
    assert found / total >= 0.9, (found, total)
    assert amount_ok / total >= 0.9, (amount_ok, total)


def test_old_clues_were_handled_mostly_in_time_and_recent_ones_stay_open(county: County) -> None:
    records = county.clue_handling
    by_key = {(c.source, c.source_id): c for c in county.clues}
    dispatched = dispatched_clues(county.clues, county.cases, county._factory)
    assert [(d.clue.source, d.clue.source_id) for d in dispatched] == [
        (r.source, r.source_id) for r in records
    ]
    horizon = datetime.combine(county.end_date + timedelta(days=1), datetime.min.time())
    grids = {g.code: g for g in county.grids}
    command_room = {u.username for u in county.users if u.role == "command_room"}
    deadline = grading_rules()["deadline_minutes"]
    cases = {c.case_no: c for c in county.cases}
    for r in records:
        clue = by_key[(r.source, r.source_id)]
        assert r.deadline == clue.received_at + timedelta(minutes=deadline[r.grade])
        assert all(clue.received_at < a.at < horizon for a in r.actions)
        assert [a.at for a in r.actions] == sorted(a.at for a in r.actions)
        assert {a.kind for a in r.actions} <= {"sms", "call", "visit", "wechat_group"}
        grid = grids[r.grid_code]
        assert {a.by_username for a in r.actions} <= {grid.officer_username, *grid.worker_usernames}
        if not r.outcome:
            # Open: received in the last two days, or a slow clue still being chased.
            assert r.closed_at is None and clue.received_at >= horizon - timedelta(days=5), r.source_id
            continue
        assert r.actions and r.actions[-1].at <= r.closed_at <= horizon
        if r.outcome in ("stopped", "cheated"):
            assert any(a.reached for a in r.actions)
        if r.outcome == "unreachable":
            assert r.escalated_at and r.closed_by_username in command_room
            assert not any(a.reached for a in r.actions)
        assert (r.outcome == "cheated") == bool(r.case_no) == bool(clue.case_no)
        if r.case_no:
            assert cases[r.case_no].victim_resident_id == clue.true_resident_id
    closed = [r for r in records if r.outcome]
    recent = [
        r for r in records if by_key[(r.source, r.source_id)].received_at >= horizon - timedelta(days=2)
    ]
    assert len(records) - len(closed) <= len(recent) + 2
    assert all(not r.outcome for r in recent)
    outcomes = Counter(r.outcome for r in closed)
    assert set(outcomes) == {"stopped", "cheated", "unreachable", "false_alarm"}
    assert outcomes["stopped"] / len(closed) > 0.65
    in_time = sum(1 for r in closed if r.in_time) / len(closed)
    assert 0.75 < in_time < 0.95, in_time
    red = [r for r in closed if r.grade == "red"]
    assert sum(1 for r in red if r.in_time) / len(red) > in_time
    per_grid: dict[str, list[bool]] = defaultdict(list)
    for r in closed:
        per_grid[r.grid_code].append(bool(r.in_time))
    shares = [sum(v) / len(v) for v in per_grid.values() if len(v) >= 15]
    assert len(shares) >= 10 and max(shares) - min(shares) > 0.2, shares
    laggards = {c.grid_code for c in county.coverage if c.laggard}
    lag = [s for g, v in per_grid.items() if g in laggards for s in v]
    rest = [s for g, v in per_grid.items() if g not in laggards for s in v]
    assert sum(lag) / len(lag) < sum(rest) / len(rest)


def test_reminder_campaigns_are_deterministic_and_respect_the_rules(county: County) -> None:
    from fanzha.domain import reminder_audience as rules
    from fanzha.domain.reminder_audience import AudienceCriteria

    assert county.reminders is not None
    again = generate_county(SEED)
    assert again.reminders is not None and again.reminders.campaigns == county.reminders.campaigns
    truth = county.truth()
    assert 0 < truth["reminder_true_ratio"] < 1
    assert truth["rows"]["reminder_campaigns"] == len(county.reminders.campaigns) > 20
    settings = rules.load_settings()
    opted = {o.phone: o.day for o in county.reminders.opt_outs}
    per_month: Counter[tuple[int, date]] = Counter()
    for campaign in county.reminders.campaigns:
        assert campaign.text.startswith("【") and len(campaign.text) <= settings.sms_limit
        criteria = AudienceCriteria(campaign.category, campaign.grid_codes, campaign.age_bands, campaign.sex)
        for resident_id, status in campaign.recipients[:200]:
            r = county.resident(resident_id)
            assert rules.matches(
                criteria,
                grid_code=r.grid_code,
                birth_date=r.birth_date,
                sex=r.sex,
                occupation=r.occupation,
                on=campaign.day,
            )
            if r.phone in opted and opted[r.phone] <= campaign.day:
                assert status == rules.OPTED_OUT
        for resident_id, status in campaign.recipients:
            if status in rules.REACHED:
                per_month[(resident_id, rules.month_key(campaign.day))] += 1
    assert max(per_month.values()) <= settings.max_per_month
    # The audience is complete: everyone in the segment on the day has a row.
    first = county.reminders.campaigns[0]
    criteria = AudienceCriteria(first.category, first.grid_codes, first.age_bands, first.sex)
    members = {
        r.id
        for batch in county.iter_residents()
        for r in batch
        if rules.matches(
            criteria,
            grid_code=r.grid_code,
            birth_date=r.birth_date,
            sex=r.sex,
            occupation=r.occupation,
            on=first.day,
        )
    }
    assert members == {resident_id for resident_id, _ in first.recipients}
