"""The weekly plan from the station's data and the exposure effect with its uncertainty."""

from __future__ import annotations

import math
import random
import re
from datetime import date, timedelta
from typing import Any

import pytest
from django.urls import reverse

from fanzha.domain import stats
from fanzha.outreach import effect, targeting
from fanzha.outreach.exposure import PanelRow, estimate_exposure_effect
from fanzha.outreach.models import OutreachEvent
from fanzha.stations import scope
from fanzha.stations.models import User


def simulated_panel(
    effect_per_event: float, seed: int = 1, grids: int = 20, months: int = 36
) -> list[PanelRow]:
    """Cases ~ Poisson(base_g × season_m × effect^events_prev): the truth is known."""
    rng = random.Random(seed)
    import numpy as np

    nrng = np.random.default_rng(seed)
    rows = []
    first = date(2023, 1, 1)
    for g in range(grids):
        base = rng.uniform(0.5, 3.0)
        for i in range(months):
            m = stats.add_months(first, i)
            events = int(nrng.poisson(1.0 + (1.5 if g % 2 and i > 18 else 0)))
            mean = base * (1 + 0.3 * math.sin(i / 2)) * effect_per_event**events
            rows.append(
                PanelRow(
                    f"G{g:02d}",
                    m,
                    1000,
                    int(nrng.poisson(mean)),
                    int(nrng.poisson(2 * mean)),
                    events,
                    events * 80,
                )
            )
    return rows


def test_exposure_effect_recovers_a_known_effect_with_a_ci() -> None:
    result = estimate_exposure_effect(simulated_panel(0.8), "cases", "events")
    assert result.ratio is not None and result.ci_low is not None and result.ci_high is not None
    assert result.ci_low < 0.8 < result.ci_high
    assert result.ci_high < 1.0 and result.p_value is not None and result.p_value < 0.01
    assert result.warning is None and result.grids == 20 and result.months == 36
    null = estimate_exposure_effect(simulated_panel(1.0, seed=2), "clues", "events")
    assert null.ci_low is not None and null.ci_high is not None and null.ci_low < 1.0 < null.ci_high


def test_exposure_effect_warns_plainly_on_thin_data() -> None:
    thin = simulated_panel(0.8, grids=3, months=6)
    result = estimate_exposure_effect(thin, "cases", "events")
    assert result.warning is not None and "数据太少" in result.warning and "只有 3 个警格" in result.warning
    nothing = estimate_exposure_effect([], "cases", "events")
    assert nothing.ratio is None and nothing.warning is not None


@pytest.mark.django_db
def test_effect_on_the_test_county_returns_an_interval_or_says_why() -> None:
    results = effect.exposure_effects()
    assert [(r.outcome, r.exposure) for r in results] == list(effect.ESTIMATES)
    cases = results[0]
    assert cases.observations > 0 and cases.events_total > 0
    assert (
        cases.ci_low is not None and cases.ci_high is not None and cases.ci_low < cases.ratio < cases.ci_high
    )  # type: ignore[operator]
    assert cases.p_value is not None and 0 <= cases.p_value <= 1
    # The panel's cases are the analytics cube's grid rows over the same months.
    from fanzha.analytics.models import CaseCube

    panel = effect.exposure_panel()
    months = {r.month for r in panel}
    cube = CaseCube.objects.filter(period="M", dimension="", grid__isnull=False, start__in=months)
    assert sum(r.cases for r in panel) == sum(cube.values_list("cases", flat=True)) > 0
    assert sum(r.cases for r in panel) == cases.outcome_total  # grids or months with none are left out


@pytest.mark.django_db
def test_weekly_plan_reminds_quiet_grids_with_the_figures(client: Any) -> None:
    from fanzha.county_loader import DEMO_PASSWORD

    leader = User.objects.filter(role="leader").first()
    assert leader is not None
    last_event = OutreachEvent.objects.order_by("-day").values_list("day", flat=True).first()
    assert last_event is not None
    as_of = last_event + timedelta(weeks=10)  # ten weeks later every grid has gone quiet
    result = targeting.weekly_plan(leader, as_of)
    assert len(result.plans) == scope.visible_grids(leader).count()
    for plan in result.plans:
        stale = plan.recommendations[0]
        assert stale.kind == "stale"
        weeks = stale.figures["weeks_without_event"]
        assert weeks is None or weeks >= 10
        if weeks is not None:
            assert f"已 {weeks} 周没有宣传活动（最近一次 {stale.figures['last_event_day']}" in stale.text
    client.login(username=leader.username, password=DEMO_PASSWORD)
    page = client.get(reverse("outreach:plan"), {"date": as_of.isoformat()})
    assert page.status_code == 200
    html = page.content.decode()
    assert "周没有宣传活动" in html and "全县各类案件走势" in html
    api = client.get("/api/v1/outreach/plan", {"as_of": as_of.isoformat()}).json()
    assert api["plans"][0]["recommendations"][0]["figures"]["stale_weeks"] == 4


@pytest.mark.django_db
def test_officer_plan_covers_only_their_grids(client: Any) -> None:
    officer = next(u for u in User.objects.filter(role="officer") if scope.grid_ids_of(u))
    result = targeting.weekly_plan(officer)
    assert {p.grid_code for p in result.plans} == set(
        scope.visible_grids(officer).values_list("code", flat=True)
    )


@pytest.mark.django_db
def test_outreach_pages_render(client: Any) -> None:
    from fanzha.county_loader import DEMO_PASSWORD

    leader = User.objects.filter(role="leader").first()
    assert leader is not None
    client.login(username=leader.username, password=DEMO_PASSWORD)
    for name in ("outreach:index", "outreach:effect", "outreach:event_new"):
        response = client.get(reverse(name))
        assert response.status_code == 200, name
    page = client.get(reverse("outreach:effect")).content.decode()
    assert "95% 可信区间" in page and "怎么算的" in page
    outside_details = re.sub(r"<details.*?</details>", "", page, flags=re.S)
    assert "Poisson" not in outside_details and "p 值" not in outside_details
    assert "每多每百名" not in page and "每百名居民每多 10 人次" in page
    plan = client.get(reverse("outreach:plan")).content.decode()
    assert "p 值" not in re.sub(r"<details.*?</details>", "", plan, flags=re.S)
