from __future__ import annotations

import io
from typing import Any

import pytest

from fanzha.county_loader import DEMO_PASSWORD
from fanzha.stations import scope
from fanzha.stations.models import Grid, User


@pytest.fixture
def officer() -> User:
    """A community officer who answers for some grids but not all."""
    for user in User.objects.filter(role="officer").order_by("username"):
        ids = scope.grid_ids_of(user)
        if ids and len(ids) < Grid.objects.count():
            return user
    raise AssertionError("the test county has no grid-scoped officer")


@pytest.fixture
def officer_client(client: Any, officer: User) -> Any:
    assert client.login(username=officer.username, password=DEMO_PASSWORD)
    return client


def jpeg_with_exif(size: tuple[int, int] = (640, 480)) -> bytes:
    """A real JPEG carrying EXIF with a GPS position and a camera model."""
    from PIL import Image

    image = Image.new("RGB", size, (200, 30, 30))
    exif = Image.Exif()
    exif[0x0110] = "SecretPhone 9"  # Model
    exif[0x9286] = "用户备注"  # UserComment (in the IFD0 for simplicity)
    gps = exif.get_ifd(0x8825)
    gps[1] = "N"
    gps[2] = (30.0, 15.0, 0.0)
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif, comment=b"hidden comment")
    return out.getvalue()
