"""Case analytics over the shared test county: the pre-aggregated cube agrees with the cases, it
follows every save and delete, the dashboard is scoped per role, exports are logged, and the
CLI keeps its JSON contract."""

from __future__ import annotations

import io
import json
from collections import Counter
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.db.models import Sum
from django.test import Client
from django.utils import timezone

from fanzha.analytics import effect, refresh, segments, series, summary
from fanzha.analytics.models import CaseCube, CaseFact
from fanzha.cases.models import Case, MonthlyCrimeTotal, Victim
from fanzha.domain import stats
from fanzha.stations.models import AuditLog, Grid, Resident, Role, User

pytestmark = pytest.mark.django_db
LOCAL = ZoneInfo("Asia/Shanghai")


def county_cube_month(month: date) -> int:
    return (
        CaseCube.objects.filter(period="M", grid__isnull=True, dimension="", start=month).aggregate(
            n=Sum("cases")
        )["n"]
        or 0
    )


def user_of(role: str) -> User:
    user = User.objects.filter(role=role).order_by("username").first()
    assert user is not None
    return user


def test_cube_counts_every_case_in_the_month_it_happened(test_county: Any) -> None:
    refresh.sync()
    assert CaseFact.objects.count() == Case.objects.count() == len(test_county.cases)
    assert refresh.cube_totals_match_facts()
    truth = {date.fromisoformat(s["month"]): s["cases"] for s in test_county.truth()["monthly_rate_schedule"]}
    for month, expected in truth.items():
        assert county_cube_month(month) == expected, month
    # Every dimension sums to the same total as the plain county rows.
    total = sum(truth.values())
    for dimension in refresh.DIMENSIONS:
        cells = CaseCube.objects.filter(period="M", grid__isnull=True, dimension=dimension)
        assert cells.aggregate(n=Sum("cases"))["n"] == total, dimension
    weeks = CaseCube.objects.filter(period="W", grid__isnull=True).aggregate(n=Sum("cases"))["n"]
    assert weeks == total
    with_grid = Case.objects.filter(grid__isnull=False).count()
    assert CaseCube.objects.filter(period="M", grid__isnull=False).aggregate(n=Sum("cases"))["n"] == with_grid


def test_saving_editing_and_deleting_a_case_moves_the_cube() -> None:
    refresh.sync()
    grid = Grid.objects.order_by("pk").first()
    assert grid is not None
    month = date(2021, 5, 1)  # before the generated window: starts empty
    assert county_cube_month(month) == 0
    case = Case.objects.create(
        case_no="T-ANALYTICS-1",
        reported_at=datetime(2021, 5, 3, 9, tzinfo=LOCAL),
        occurred_at=datetime(2021, 5, 2, 23, 30, tzinfo=LOCAL),
        narrative="测试",
        category="刷单返利类",
        channel="QQ",
        grid=grid,
        loss_fen=123_400,
    )
    Victim.objects.create(case=case, name="测试", age=19, sex="女", occupation="学生")
    assert county_cube_month(month) == 1
    fact = CaseFact.objects.get(pk=case.pk)
    assert (fact.age_band, fact.sex, fact.occupation, fact.loss_fen) == ("18-25岁", "女", "学生", 123_400)
    assert CaseCube.objects.get(period="M", start=month, grid=grid, dimension="").cases == 1
    assert (
        CaseCube.objects.get(period="M", start=month, grid__isnull=True, dimension="age_band").value
        == "18-25岁"
    )

    case.occurred_at = datetime(2021, 6, 1, 0, 10, tzinfo=LOCAL)  # just after midnight local time
    case.category = "虚假征信类"
    case.save()
    assert county_cube_month(month) == 0
    assert county_cube_month(date(2021, 6, 1)) == 1
    assert CaseCube.objects.get(
        period="M", start=date(2021, 6, 1), grid__isnull=True, dimension=""
    ).category == ("虚假征信类")
    assert refresh.cube_totals_match_facts()

    case.delete()
    assert county_cube_month(date(2021, 6, 1)) == 0
    assert not CaseCube.objects.filter(start__lt=date(2021, 7, 1), start__gte=date(2021, 4, 1)).exists()
    assert refresh.cube_totals_match_facts()


def test_bulk_inserted_cases_are_picked_up_by_sync() -> None:
    refresh.sync()
    before = CaseFact.objects.count()
    Case.objects.bulk_create(
        [
            Case(
                case_no=f"T-BULK-{i}",
                reported_at=datetime(2021, 1, 5, tzinfo=LOCAL),
                narrative="x",
                category="其他",
            )
            for i in range(3)
        ]
    )
    assert refresh.sync() == 3
    assert CaseFact.objects.count() == before + 3
    assert county_cube_month(date(2021, 1, 1)) == 3
    assert refresh.sync() == 0


def test_monthly_series_year_on_year_and_weekly_agree_with_cases(test_county: Any) -> None:
    refresh.sync()
    end = date.fromisoformat(test_county.truth()["end_date"])
    f = series.Filters(stats.add_months(stats.month_start(end), -11), stats.month_start(end))
    table = series.monthly_series(f)
    counts = Counter(stats.month_start(c.occurred_at.date()) for c in test_county.cases)
    assert [row[1] for row in table.rows] == [counts.get(m, 0) for m in f.months]
    for row, m in zip(table.rows, f.months, strict=True):
        change = stats.relative_change(counts.get(m, 0), counts.get(stats.add_months(m, -12), 0))
        assert row[5] == (None if change is None else round(change * 100, 1))
    weekly = series.weekly_series(f)
    in_range = sum(n for m, n in counts.items() if f.first_month <= m <= f.last_month)
    assert sum(row[1] for row in weekly.rows) == in_range
    by_category = series.breakdown(f, "category")
    assert sum(row[1] for row in by_category.rows) == in_range


def test_year_summary_share_of_criminal_cases(test_county: Any) -> None:
    year = date.fromisoformat(test_county.truth()["end_date"]).year - 1
    result = summary.year_summary(year)
    in_year = [c for c in test_county.cases if c.occurred_at.year == year]
    assert result["cases"] == len(in_year)
    totals = MonthlyCrimeTotal.objects.filter(month__year=year)
    criminal = sum(t.criminal_cases for t in totals)
    fraud = sum(1 for c in in_year if date(year, c.occurred_at.month, 1) in {t.month for t in totals})
    assert result["share_of_criminal_cases"] == round(fraud / criminal, 4)
    assert abs(sum(result["share_by_category"].values()) - 1) < 1e-3
    previous = sum(1 for c in test_county.cases if c.occurred_at.year == year - 1)
    expected = stats.relative_change(len(in_year), previous)
    assert result["change_on_previous_year"] == (None if expected is None else round(expected, 4))


def test_effect_on_the_test_county_warns_it_is_too_small(test_county: Any) -> None:
    start = date.fromisoformat(test_county.truth()["campaign_start"])
    result = effect.campaign_effect(start)
    assert result.warning is not None and "数据太少" in result.warning
    counts = effect.monthly_counts()
    assert sum(counts.values()) == len(test_county.cases)


def test_grid_segment_lift_is_the_per_resident_rate_ratio() -> None:
    refresh.sync()
    f = series.Filters(date(2000, 1, 1), date(2100, 1, 1))
    table = segments.grid_segments(f)
    population = {g.name: g.population for g in Grid.objects.all()}
    county_population = sum(population.values())
    for name, category, n, grid_population, lift in table.rows:
        assert grid_population == population[name]
        all_of_category = Case.objects.filter(category=category, grid__isnull=False).count()
        assert lift == round((n / grid_population) / (all_of_category / county_population), 2)
        assert n >= segments.MIN_CASES


def test_people_segments_count_residents_by_age_band() -> None:
    refresh.sync()
    f = series.Filters(date(2025, 1, 1), date(2025, 12, 1))
    population = segments._population_by_value(f, "age_band", f.end_day)
    assert sum(population.values()) == Resident.objects.count()
    on = f.end_day
    adults = sum(
        1
        for r in Resident.objects.exclude(birth_date=None).only("birth_date")
        if 18 <= (r.age_on(on) or -1) <= 25
    )
    assert population.get("18-25岁", 0) == adults


def test_leader_dashboard_shows_county_charts_and_drill_down(client: Client) -> None:
    client.force_login(user_of(Role.LEADER))
    response = client.get("/analytics/?from=2023-11&to=2026-10")
    assert response.status_code == 200
    page = response.content.decode()
    assert "案情分析" in page and "vendor/echarts/echarts.min.js" in page
    assert "/analytics/export/monthly.xlsx" in page and "电信网络诈骗占刑事案件比例" in page
    assert "/cases/?category=" in page
    assert "cdn" not in page.lower()


def test_officer_dashboard_is_limited_to_own_grids(client: Client) -> None:
    officer = user_of(Role.OFFICER)
    client.force_login(officer)
    other = Grid.objects.exclude(officer=officer).first()
    assert other is not None
    page = client.get(f"/analytics/?grid={other.pk}").content.decode()
    assert "本人负责警格" in page
    assert "电信网络诈骗占刑事案件比例" not in page  # county-wide only
    f = series.filters_for(officer, date(2025, 1, 1), date(2025, 12, 1), grid_id=other.pk)
    assert f.grid_ids == frozenset()  # someone else's grid: nothing


def test_campaign_form_shows_rates_interval_and_warning(client: Client, test_county: Any) -> None:
    client.force_login(user_of(Role.LEADER))
    start = test_county.truth()["campaign_start"]
    page = client.get(f"/analytics/?start={start}&months_before=4&months_after=8").content.decode()
    assert "95% 可信区间" in page or "无法估计" in page
    assert "数据太少" in page


def test_campaign_effect_reads_in_plain_chinese_with_the_method_one_click_away(
    client: Client, test_county: Any
) -> None:
    """No "interrupted time series, trend (Poisson)" on the page: what the figure means for a
    station leader, a before/after chart with the start marked, and the method behind a click."""
    import json
    import re

    client.force_login(user_of(Role.LEADER))
    start = test_county.truth()["campaign_start"]
    response = client.get(f"/analytics/?start={start}&months_before=12&months_after=12")
    page = response.content.decode()
    sentence = re.search(r'<p class="effect" id="effect-sentence"><strong>(.*?)</strong>', page)
    assert sentence is not None
    assert re.fullmatch(r"发案(下降|上升)约\d+%.*95% 可信区间.*", sentence.group(1)), sentence.group(1)
    outside_details = re.sub(r"<details.*?</details>", "", page, flags=re.S)
    for term in ("interrupted time series", "Poisson", "p = "):
        assert term not in outside_details
    details = re.search(r'<details class="method"><summary>怎么算的</summary>(.*?)</details>', page, re.S)
    assert details is not None and "中断时间序列" in details.group(1)
    chart = json.loads(
        re.search(r'<script id="effect-data" type="application/json">(.*?)</script>', page).group(1)
    )
    assert chart["start"] == str(start) and chart["start_month"] == str(start)[:7]
    assert set(chart["sides"]) >= {"before", "after"} and len(chart["months"]) == len(chart["counts"])
    assert 'id="effect-chart"' in page


def test_the_age_band_by_category_risk_table_is_a_heatmap_with_every_cell(client: Client) -> None:
    client.force_login(user_of(Role.LEADER))
    response = client.get("/analytics/?from=2023-11&to=2026-10")
    tables = {t["key"]: t for t in response.context["tables"]}
    heat = tables["age_category_risk"]
    assert heat["chart"] == "heatmap"
    categories = {r[0] for r in heat["rows"]}
    bands = {r[1] for r in heat["rows"]}
    assert len(heat["rows"]) == len(categories) * len(bands)  # a full grid, small cells included
    assert all(r[4] is None for r in heat["rows"] if r[2] < 3)


def test_analytics_and_clue_analysis_default_to_the_datas_last_day(client: Client) -> None:
    """One rule: a page opened without dates ends on the last day with data, never after today."""
    from fanzha.clues.models import Clue
    from fanzha.web.periods import DEFAULT_RULE_TEXT, default_end

    client.force_login(user_of(Role.COMMAND_ROOM))
    last_case = Case.objects.order_by("-reported_at").first()
    last_clue = Clue.objects.order_by("-received_at").first()
    assert last_case is not None and last_clue is not None
    analytics = client.get("/analytics/")
    expected_month = default_end(timezone.localdate(last_case.reported_at)).replace(day=1)
    assert analytics.context["filters"].last_month == expected_month
    analysis = client.get("/clues/analysis/")
    assert analysis.context["end"] == default_end(timezone.localdate(last_clue.received_at))
    assert DEFAULT_RULE_TEXT in analytics.content.decode() and DEFAULT_RULE_TEXT in analysis.content.decode()
    assert DEFAULT_RULE_TEXT in client.get("/ranking/").content.decode()


def test_xlsx_export_matches_the_table_and_is_audit_logged(client: Client) -> None:
    from openpyxl import load_workbook

    client.force_login(user_of(Role.LEADER))
    before = AuditLog.objects.filter(action=AuditLog.Action.EXPORT).count()
    response = client.get("/analytics/export/by_category.xlsx?from=2023-11&to=2026-10")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet is not None
    rows = list(sheet.iter_rows(values_only=True))
    expected = series.breakdown(series.Filters(date(2023, 11, 1), date(2026, 10, 1)), "category")
    assert list(rows[1]) == expected.columns
    assert [list(r) for r in rows[2 : 2 + len(expected.rows)]] == expected.rows
    log = AuditLog.objects.filter(action=AuditLog.Action.EXPORT).order_by("-pk").first()
    assert AuditLog.objects.filter(action=AuditLog.Action.EXPORT).count() == before + 1
    assert log is not None and log.detail["table"] == "by_category"
    assert client.get("/analytics/export/nope.xlsx").status_code == 404


def test_grid_worker_cannot_export_county_only_tables(client: Client) -> None:
    client.force_login(user_of(Role.GRID_WORKER))
    assert client.get("/analytics/export/crime_share.xlsx").status_code == 404
    assert client.get("/analytics/export/monthly.xlsx").status_code == 200


def test_api_summary_and_effect(client: Client, test_county: Any) -> None:
    assert client.get("/api/v1/analytics/summary?year=2025").status_code == 401
    client.force_login(user_of(Role.LEADER))
    data = client.get("/api/v1/analytics/summary?year=2025").json()
    assert data["cases"] == sum(1 for c in test_county.cases if c.occurred_at.year == 2025)
    start = test_county.truth()["campaign_start"]
    result = client.get(f"/api/v1/analytics/effect?start={start}").json()
    assert {"rate_before", "ratio", "ci_low", "ci_high", "warning"} <= set(result)


def test_cli_contract(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], test_county: Any
) -> None:
    from fanzha import cli, runtime

    monkeypatch.setattr(runtime, "open_station", lambda data_dir: data_dir)
    start = test_county.truth()["campaign_start"]
    assert (
        cli.main(["stats", "effect", "--start", start, "--months-before", "6", "--data-dir", "/tmp/x"]) == 0
    )
    out = json.loads(capsys.readouterr().out)
    assert list(out) == [
        "rate_before",
        "rate_after",
        "ratio",
        "ci_low",
        "ci_high",
        "p_value",
        "method",
        "warning",
    ]
    assert isinstance(out["warning"], str)
    assert cli.main(["stats", "summary", "--year", "2025", "--data-dir", "/tmp/x"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert {"cases", "change_on_previous_year", "share_of_criminal_cases", "share_by_category"} <= set(out)
    assert cli.main(["stats", "effect", "--start", "2026-13-01", "--data-dir", "/tmp/x"]) != 0
    assert "YYYY-MM-DD" in capsys.readouterr().err


def test_full_rebuild_gives_the_same_facts_as_case_by_case() -> None:
    """On PostgreSQL the rebuild is one INSERT ... SELECT; it must agree with the Python path."""
    fields = (
        "day",
        "month",
        "week",
        "grid_id",
        "category",
        "channel",
        "age_band",
        "sex",
        "occupation",
        "loss_fen",
    )
    expected = sorted(
        tuple(getattr(f, k) for k in ("case_id", *fields)) for f in refresh.facts_for(Case.objects.all())
    )
    assert refresh.rebuild() == len(expected)
    got = sorted(CaseFact.objects.values_list("case_id", *fields))
    assert got == expected
    assert refresh.cube_totals_match_facts()
