"""Content-Security-Policy on every page, error pages in Chinese with the navigation, API docs offline."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.test import Client

from fanzha.stations.models import Role, User

pytestmark = pytest.mark.django_db

PACKAGE = Path(__file__).resolve().parents[2] / "fanzha"


def _officer() -> User:
    user = User.objects.filter(role=Role.OFFICER).order_by("username").first()
    assert user is not None
    return user


@pytest.mark.parametrize(
    "path", ["/login/", "/", "/public/check/", "/public/quiz/", "/api/v1/docs", "/no-such-page/"]
)
def test_every_response_carries_the_content_security_policy(client: Client, path: str) -> None:
    if path == "/":
        client.force_login(_officer())
    policy = client.get(path)["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "style-src 'self'" in policy
    assert "unsafe-eval" not in policy and "script-src 'self' 'unsafe-inline'" not in policy


def test_no_template_has_an_inline_script_style_element_or_handler() -> None:
    """What the policy would refuse to run: it must not be in any page to begin with."""
    offenders = []
    for path in PACKAGE.rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        for tag in re.findall(r"<script\b[^>]*>", text):
            if "src=" not in tag and "application/json" not in tag:
                offenders.append(f"{path.relative_to(PACKAGE)}: {tag}")
        if re.search(r"<style\b", text):
            offenders.append(f"{path.relative_to(PACKAGE)}: <style>")
        offenders += [f"{path.relative_to(PACKAGE)}: {m}" for m in re.findall(r"\son[a-z]+=\"", text)]
    assert offenders == []


def test_404_is_chinese_with_the_navigation(client: Client) -> None:
    client.force_login(_officer())
    response = client.get("/no-such-page/")
    page = response.content.decode()
    assert response.status_code == 404
    assert 'lang="zh-Hans"' in page and "页面不存在" in page
    assert 'class="nav"' in page and "预警线索" in page  # the officer's navigation
    assert "Not Found" not in page


def test_403_is_chinese_with_the_navigation(client: Client) -> None:
    client.force_login(_officer())
    response = client.get("/audit/")
    page = response.content.decode()
    assert response.status_code == 403
    assert 'lang="zh-Hans"' in page and "无权访问" in page and 'class="nav"' in page


def test_csrf_failure_is_chinese(client: Client) -> None:
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(_officer())
    response = strict.post("/logout/")
    page = response.content.decode()
    assert response.status_code == 403
    assert 'lang="zh-Hans"' in page and "页面已过期" in page and 'class="nav"' in page
    assert "CSRF verification failed" not in page


def test_500_is_chinese_with_the_navigation(client: Client, monkeypatch: pytest.MonkeyPatch) -> None:
    from fanzha.web import views

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(views, "work_queue", broken)
    client.force_login(_officer())
    client.raise_request_exception = False
    response = client.get("/")
    page = response.content.decode()
    assert response.status_code == 500
    assert 'lang="zh-Hans"' in page and "系统出错" in page and 'class="nav"' in page
    assert "Server Error" not in page


def test_500_still_answers_when_the_page_itself_cannot_render(monkeypatch: pytest.MonkeyPatch) -> None:
    from django.test import RequestFactory

    from fanzha.web import errors

    def broken(*args: object, **kwargs: object) -> str:
        raise RuntimeError("template broken")

    monkeypatch.setattr(errors.loader, "render_to_string", broken)
    response = errors.server_error(RequestFactory().get("/"))
    assert response.status_code == 500 and "系统出错" in response.content.decode()


def test_api_docs_load_swagger_ui_from_the_application(client: Client) -> None:
    page = client.get("/api/v1/docs").content.decode()
    assets = re.findall(r"""(?:src|href)=["']([^"']+)["']""", page)
    assert any("swagger-ui-bundle" in a for a in assets)
    assert not [a for a in assets if a.startswith(("http:", "https:", "//"))]
    for asset in assets:
        if asset.startswith("/static/"):
            response = client.get(asset)
            assert response.status_code == 200, asset
            b"".join(response.streaming_content)  # type: ignore[attr-defined]
