"""README's test command sets up a fresh Debian machine for every test, and CI uses the same setup.

The setup script runs against a PATH of stubs where nothing is installed: the packages it asks
apt-get for are what a fresh machine would get."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TOOLS = ["bash", "grep", "id", "cat", "ls", "sort", "tail", "seq", "sleep", "cmp", "cp", "dirname"]


def packages_asked_for(tmp_path: Path, *args: str) -> list[str]:
    copy = tmp_path / "repo"
    (copy / "scripts").mkdir(parents=True)
    shutil.copy(ROOT / "scripts" / "setup.sh", copy / "scripts" / "setup.sh")
    stubs = tmp_path / "bin"
    stubs.mkdir()
    for tool in TOOLS:
        found = shutil.which(tool)
        assert found, tool
        (stubs / tool).symlink_to(found)
    asked = tmp_path / "apt-args"
    (stubs / "apt-get").write_text(f'#!{shutil.which("bash")}\necho "$@" >> {asked}\n')
    (stubs / "sudo").write_text(f'#!{shutil.which("bash")}\n"$@"\n')
    for stub in ("apt-get", "sudo"):
        (stubs / stub).chmod(0o755)
    env = {"PATH": str(stubs), "HOME": str(tmp_path), "PYTHON": "no-python-here"}
    subprocess.run(
        [str(stubs / "bash"), str(copy / "scripts" / "setup.sh"), *args],
        env=env,
        capture_output=True,
        timeout=60,
        check=False,
    )
    lines = asked.read_text().splitlines() if asked.exists() else []
    return [word for line in lines if line.startswith("install") for word in line.split()]


def test_the_test_setup_installs_what_every_test_needs(tmp_path: Path) -> None:
    asked = packages_asked_for(tmp_path, "--tests")
    for package in (
        "chromium",  # browser tests
        "poppler-utils",  # the PDF report test renders pages
        "postgresql",  # the whole suite runs again on PostgreSQL
        "openjdk-17-jre-headless",  # the Spark engine's test
        "fonts-noto-cjk",
        "fonts-wqy-microhei",
        "tesseract-ocr-chi-sim",
    ):
        assert package in asked, (package, asked)


def test_the_demo_setup_installs_only_what_the_workbench_needs(tmp_path: Path) -> None:
    asked = packages_asked_for(tmp_path)
    assert "fonts-wqy-microhei" in asked and "tesseract-ocr" in asked
    assert not {"chromium", "postgresql", "openjdk-17-jre-headless", "nodejs", "npm"} & set(asked)


def test_readme_test_command_and_ci_use_the_same_setup() -> None:
    test_sh = (ROOT / "scripts" / "test.sh").read_text()
    ci = (ROOT / ".ci" / "run").read_text()
    assert "bash scripts/setup.sh --tests" in test_sh
    assert "bash scripts/test.sh" in ci
    assert "apt-get" not in ci  # nothing installed behind the test command's back
    assert os.access(ROOT / ".ci" / "run", os.X_OK) or ci.startswith("#!")
