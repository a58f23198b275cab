"""Fixtures of the money-trail tests: a private statement store per test, users by role, and a case
whose transfers are the hand-built chain of tests/domain/test_trace.py."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from fanzha.cases.models import Case, Transfer
from fanzha.county_loader import DEMO_PASSWORD
from fanzha.stations.models import Grid, Role, User
from tests.domain.test_trace import M1, M2, write_case

BEIJING = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def data_dir(settings: Any, tmp_path: Path) -> Path:
    """Each test gets its own data directory, so its own statements.duckdb."""
    folder = tmp_path / "data"
    folder.mkdir()
    settings.DATA_DIR = folder
    settings.FUNDS_INLINE_IMPORT_BYTES = 50 * 1024 * 1024
    return folder


@pytest.fixture
def chain_files(tmp_path: Path) -> dict[str, Path]:
    folder = tmp_path / "chain"
    folder.mkdir()
    return write_case(folder)


def user_of(role: str) -> User:
    user = User.objects.filter(role=role).order_by("username").first()
    assert user is not None, role
    return user


@pytest.fixture
def investigator_client(client: Client) -> Client:
    assert client.login(username=user_of(Role.INVESTIGATOR).username, password=DEMO_PASSWORD)
    return client


def upload(path: Path, name: str | None = None) -> SimpleUploadedFile:
    return SimpleUploadedFile(name or path.name, path.read_bytes())


def make_chain_case(case_no: str = "FUNDS-T-0001") -> Case:
    """A case of the test county's first grid whose victim paid M1 5000 and M2 3000 on 2024-03-05."""
    case = Case.objects.create(
        case_no=case_no,
        reported_at=datetime(2024, 3, 5, 15, 0, tzinfo=BEIJING),
        narrative="测试案情：受害人向两张银行卡转账。",
        grid=Grid.objects.order_by("code").first(),
        category="虚假网络投资理财",
        loss_fen=800_000,
    )
    Transfer.objects.create(
        case=case, seq=1, at=datetime(2024, 3, 5, 9, 0, tzinfo=BEIJING), amount_fen=500_000, to_account=M1,
        means="银行卡转账",
    )  # fmt: skip
    Transfer.objects.create(
        case=case, seq=2, at=datetime(2024, 3, 5, 9, 30, tzinfo=BEIJING), amount_fen=300_000, to_account=M2,
        means="手机银行转账",
    )  # fmt: skip
    return case
