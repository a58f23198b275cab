"""The package as a station installs it: build the wheel, install it (not editable) into a fresh venv,
generate a small county, serve it, log in as every role and fetch every ``/static/`` file the pages
reference: all must answer 200, the vendored htmx and ECharts among them."""

from __future__ import annotations

import http.cookiejar
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
UV = Path(sys.executable).with_name("uv")
PASSWORD = "Fanzha@2026"
ROLES = ["officer", "grid_worker", "investigator", "command_room", "leader", "admin"]
PAGES_PER_ROLE = 45


def _run(*command: str | Path, cwd: Path, env: dict[str, str], timeout: int = 600) -> str:
    done = subprocess.run(
        [str(c) for c in command], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout
    )
    assert done.returncode == 0, f"{command}\n{done.stdout[-2000:]}\n{done.stderr[-3000:]}"
    return done.stdout


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if not UV.exists():
        pytest.fail("uv is needed to build and install the wheel (scripts/setup.sh installs it)")
    work = tmp_path_factory.mktemp("wheel")
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DATABASE_URL", "DJANGO_SETTINGS_MODULE", "PYTHONPATH", "FANZHA_DATA_DIR", "VIRTUAL_ENV")
    }
    source = work / "source"  # a clean copy of the tracked files, as a clone would have them
    files = _run("git", "ls-files", "-z", cwd=ROOT, env=env).split("\0")
    for name in filter(None, files):
        target = source / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if (ROOT / name).is_file():
            shutil.copy2(ROOT / name, target)
    _run(UV, "build", "--wheel", "--out-dir", work / "dist", source, cwd=work, env=env)
    (wheel,) = (work / "dist").glob("fanzha-*.whl")
    venv = work / "venv"
    _run(sys.executable, "-m", "venv", "--without-pip", venv, cwd=work, env=env)
    python = venv / "bin" / "python"
    _run(
        UV,
        "pip",
        "install",
        "--quiet",
        "--python",
        python,
        "-r",
        ROOT / "requirements.lock",
        cwd=work,
        env=env,
    )
    _run(UV, "pip", "install", "--quiet", "--python", python, "--no-deps", wheel, cwd=work, env=env)
    where = _run(python, "-c", "import fanzha; print(fanzha.__file__)", cwd=work, env=env)
    assert str(venv) in where, f"fanzha must come from the installed wheel, not the source tree: {where}"
    data = work / "station"
    fanzha = venv / "bin" / "fanzha"
    _run(fanzha, "generate", "--data-dir", data, "--seed", "7", "--scale", "0.05", cwd=work, env=env)
    port = _free_port()
    server = subprocess.Popen(
        [str(fanzha), "serve", "--data-dir", str(data), "--port", str(port)],
        cwd=work,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(120):
            try:
                urllib.request.urlopen(f"{base}/login/", timeout=2).read()
                break
            except (urllib.error.URLError, ConnectionError):
                if server.poll() is not None:
                    break
                time.sleep(0.5)
        else:
            pytest.fail("the installed fanzha did not start serving")
        assert server.poll() is None, server.stdout.read().decode() if server.stdout else ""
        yield base
    finally:
        server.terminate()
        server.wait(timeout=30)


def _opener() -> urllib.request.OpenerDirector:
    return urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))


def _get(opener: urllib.request.OpenerDirector, url: str) -> tuple[int, str, bytes]:
    try:
        with opener.open(url, timeout=60) as response:
            return response.status, response.headers.get("Content-Type", ""), response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers.get("Content-Type", ""), error.read()


def _login(opener: urllib.request.OpenerDirector, base: str, username: str) -> None:
    _, _, page = _get(opener, f"{base}/login/")
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    assert token, "no CSRF token on the login page"
    form = urllib.parse.urlencode(
        {"username": username, "password": PASSWORD, "csrfmiddlewaretoken": token.group(1).decode()}
    ).encode()
    request = urllib.request.Request(f"{base}/login/", data=form, headers={"Referer": f"{base}/login/"})
    with opener.open(request, timeout=60) as response:
        assert "/login/" not in response.url, f"{username} could not log in"


def _links(html: str) -> tuple[set[str], set[str]]:
    """(static files, same-site pages) a page references."""
    refs = set(re.findall(r"""(?:src|href)=["'](/[^"'#]*)""", html))
    static = {r for r in refs if r.startswith("/static/")}
    pages = {
        r
        for r in refs - static
        if not r.startswith(("/logout/", "/admin/", "/media/"))
        and not re.search(r"\.(xlsx|svg|pdf|docx)$|export=|format=|download=", r)
    }
    return static, pages


def _crawl(opener: urllib.request.OpenerDirector, base: str, start: list[str]) -> set[str]:
    seen: set[str] = set()
    queue = list(start)
    static: set[str] = set()
    while queue and len(seen) < PAGES_PER_ROLE:
        path = queue.pop(0)
        if path in seen:
            continue
        seen.add(path)
        status, kind, body = _get(opener, base + path)
        if "html" not in kind:
            continue
        assert status < 500, f"{path} answered {status}"
        found, pages = _links(body.decode("utf-8", "replace"))
        static |= found
        queue += sorted(pages - seen)
    return static


def test_the_installed_wheel_serves_every_static_file_the_pages_reference(served: str) -> None:
    static: set[str] = set()
    public = _opener()
    static |= _crawl(public, served, ["/login/", "/public/check/", "/public/quiz/", "/api/v1/docs", "/nope/"])
    usernames = {}
    for role in ROLES:
        opener = _opener()
        username = {"officer": "officer01", "grid_worker": "worker01", "investigator": "investigator01"}.get(
            role, {"command_room": "command01", "leader": "leader", "admin": "admin"}.get(role, role)
        )
        usernames[role] = username
        _login(opener, served, username)
        static |= _crawl(opener, served, ["/"])
    missing = []
    for path in sorted(static):
        status, _, body = _get(public, served + path)
        if status != 200 or not body:
            missing.append(f"{path}: {status}")
    assert missing == []
    for needed in (
        "/static/vendor/htmx/htmx.min.js",
        "/static/vendor/echarts/echarts.min.js",
        "/static/check/check.css",
        "/static/analytics/dashboard.js",
        "/static/funds/funds.css",
        "/static/fanzha/app.css",
    ):
        assert any(p.split("?")[0] == needed or p.startswith(needed) for p in static), needed
    for licence in (
        "/static/vendor/htmx/LICENSE",
        "/static/vendor/echarts/LICENSE",
        "/static/vendor/echarts/NOTICE",
    ):
        assert _get(public, served + licence)[0] == 200, licence
