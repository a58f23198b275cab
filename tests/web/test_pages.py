"""Every role's home page shows its work queue; every page is served without internet."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.test import Client

from fanzha.stations.models import Role, User

pytestmark = pytest.mark.django_db

HOME_TITLES = {
    Role.OFFICER: "社区民警工作台",
    Role.GRID_WORKER: "网格员工作台",
    Role.INVESTIGATOR: "打击专业队工作台",
    Role.COMMAND_ROOM: "综合指挥室工作台",
    Role.LEADER: "所领导工作台",
    Role.ADMIN: "系统管理员工作台",
}


@pytest.mark.parametrize("role", list(Role))
def test_each_role_home_shows_its_queue(client: Client, role: Role) -> None:
    user = User.objects.filter(role=role).order_by("username").first()
    assert user is not None
    client.force_login(user)
    page = client.get("/").content.decode()
    assert HOME_TITLES[role] in page
    for path in ("/residents/", "/clues/", "/grids/"):
        assert client.get(path).status_code == 200


def test_command_room_sees_the_unmatched_queue(client: Client) -> None:
    from fanzha.clues.models import Clue

    client.force_login(User.objects.filter(role=Role.COMMAND_ROOM).first())  # type: ignore[arg-type]
    page = client.get("/").content.decode()
    queued = Clue.objects.filter(status=Clue.Status.QUEUED).count()
    assert queued > 0, "the generated county should contain clues that match nobody"
    assert f'<div class="stat-value">{queued}</div>' in page


def test_templates_load_nothing_from_the_internet() -> None:
    package = Path(__file__).resolve().parents[2] / "fanzha"
    offenders = [
        str(path)
        for path in package.rglob("*.html")
        if re.search(r"""(src|href)=["']https?://""", path.read_text(encoding="utf-8"))
    ]
    assert offenders == []


def test_vendored_assets_are_served(client: Client) -> None:
    for path in (
        "/static/vendor/htmx/htmx.min.js",
        "/static/vendor/echarts/echarts.min.js",
        "/static/fanzha/app.css",
        "/static/fanzha/favicon.svg",
    ):
        response = client.get(path)
        assert response.status_code == 200, path


def test_the_icon_browsers_ask_for_is_there(client: Client) -> None:
    """Browsers fetch /favicon.ico on every page (the admin's too): no 404 in the log each time."""
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    assert response["Location"].endswith(".svg")
    assert client.get(response["Location"]).status_code == 200
    assert 'rel="icon"' in client.get("/public/check/").content.decode()


def test_officer_summary_counts_the_whole_queue_not_the_first_page(client: Client) -> None:
    from django.db.models import Q
    from django.utils import timezone

    from fanzha.clues.models import Clue

    officer = User.objects.filter(role=Role.OFFICER).order_by("username").first()
    assert officer is not None
    grid = officer.officer_of.first()
    assert grid is not None
    now = timezone.now()
    Clue.objects.bulk_create(
        Clue(
            source="测试",
            source_id=f"q{i}",
            received_at=now,
            kind="被涉诈短信",
            grid=grid,
            officer=officer,
            status=Clue.Status.DISPATCHED,
            deadline=now - timezone.timedelta(minutes=1 + i),
        )
        for i in range(25)
    )
    mine = Clue.objects.filter(status__in=("dispatched", "in_progress", "escalated")).filter(
        Q(officer=officer) | Q(officer__isnull=True), grid__in=officer.officer_of.all()
    )
    client.force_login(officer)
    page = client.get("/").content.decode()
    assert f'<div class="stat-title">待办线索</div><div class="stat-value">{mine.count()}</div>' in page
    assert mine.count() > 20


@pytest.mark.parametrize("role", [Role.OFFICER, Role.GRID_WORKER, Role.LEADER, Role.COMMAND_ROOM])
def test_coverage_has_one_definition_stated_on_home_and_ranking(client: Client, role: Role) -> None:
    """The home page once divided by all residents (78 %) while the ranking divided by residents
    aged 14+ (87.8 %): both now show the ranking's figure for the same day, with the definition."""
    from fanzha.domain.ranking import coverage_definition
    from fanzha.ranking.services.figures import current_config, latest_day

    user = User.objects.filter(role=role).order_by("username").first()
    assert user is not None
    client.force_login(user)
    definition = coverage_definition(current_config())
    assert "14周岁及以上" in definition
    home = client.get("/")
    ranking = client.get(f"/ranking/?date={latest_day().isoformat()}")
    assert definition in home.content.decode() and definition in ranking.content.decode()
    on_home = {r.grid: (r.registered, r.base) for r in home.context["coverage_rows"]}
    on_ranking = {r.figures.grid: (r.figures.registered, r.figures.base) for r in ranking.context["rows"]}
    assert on_home and on_home == on_ranking
    html = home.content.decode()
    for registered, base in on_home.values():
        assert f"{registered}/{base}" in html


@pytest.mark.parametrize("url", ["/public/check/", "/public/quiz/"])
def test_public_pages_show_the_stations_face_and_nothing_of_the_internal_system(url: str) -> None:
    from fanzha.stations.models import Station

    Station.objects.update(duty_phone="0731-12345678")
    station = Station.objects.get()
    page = Client().get(url).content.decode()
    assert station.name in page and "<title>" in page and f"· {station.name}</title>" in page
    for call in ('href="tel:96110"', 'href="tel:110"', 'href="tel:0731-12345678"'):
        assert call in page
    for internal in ("反诈工作台", "/login/", "审计", "脱敏", "/admin/", 'class="topbar"'):
        assert internal not in page, internal


def test_vendored_libraries_are_committed_at_the_pinned_versions_with_their_licences() -> None:
    import json

    root = Path(__file__).resolve().parents[2]
    vendor = root / "fanzha" / "web" / "static" / "vendor"
    lock = json.loads((root / "assets" / "package-lock.json").read_text(encoding="utf-8"))["packages"]
    htmx = (vendor / "htmx" / "htmx.min.js").read_text(encoding="utf-8")
    echarts = (vendor / "echarts" / "echarts.min.js").read_text(encoding="utf-8")
    assert f'version:"{lock["node_modules/htmx.org"]["version"]}"' in htmx
    assert f'"{lock["node_modules/echarts"]["version"]}"' in echarts
    for licence in ("htmx/LICENSE", "echarts/LICENSE", "echarts/NOTICE"):
        assert (vendor / licence).stat().st_size > 100, licence
    assert (vendor / ".stamp").read_bytes() == (root / "assets" / "package-lock.json").read_bytes()
