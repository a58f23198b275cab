"""Events per grid: logging with photos (checked by content, metadata stripped), grid scope and
photos served only to those who may see the grid."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from fanzha.outreach import photos
from fanzha.outreach.models import EventPhoto, OutreachEvent
from fanzha.stations import scope
from fanzha.stations.models import AuditLog, Grid, User
from tests.outreach.conftest import jpeg_with_exif

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media_root(settings: Any, tmp_path: Any) -> Any:
    settings.MEDIA_ROOT = tmp_path / "uploads"
    return settings.MEDIA_ROOT


def form_data(grid: Grid, **extra: Any) -> dict[str, Any]:
    return {
        "day": "2026-10-01",
        "grid": grid.pk,
        "title": "快递站点防范冒充客服宣传",
        "venue_type": "快递站点",
        "method": "张贴海报",
        "audience": "45",
        "categories": ["冒充电商物流客服类", "虚假购物、服务类"],
        "materials": "海报 20 张",
        **extra,
    }


def test_officer_logs_event_with_photo_and_metadata_is_stripped(officer_client: Any, officer: User) -> None:
    from PIL import Image

    grid = scope.visible_grids(officer).first()
    assert grid is not None
    raw = jpeg_with_exif()
    assert b"SecretPhone" in raw and Image.open(io.BytesIO(raw)).getexif()  # the fixture really has EXIF
    upload = SimpleUploadedFile("现场.jpg", raw, content_type="image/jpeg")
    response = officer_client.post(reverse("outreach:event_new"), {**form_data(grid), "photos": [upload]})
    assert response.status_code == 302, response.content.decode()[:500]
    event = OutreachEvent.objects.get(title="快递站点防范冒充客服宣传", grid=grid)
    assert event.audience == 45 and event.categories == ["冒充电商物流客服类", "虚假购物、服务类"]
    assert event.created_by == officer
    assert AuditLog.objects.filter(action="create", object_id=str(event.pk)).exists()
    photo = event.photos.get()
    stored = photo.image.read()
    assert b"SecretPhone" not in stored and b"hidden comment" not in stored
    with Image.open(io.BytesIO(stored)) as image:
        assert image.format == "JPEG"
        assert len(image.getexif()) == 0
        assert "comment" not in image.info and "exif" not in image.info
        assert image.size == (640, 480)
    # The stored name is chosen by the server, never the uploader's.
    assert "现场" not in photo.image.name and photo.image.name.endswith(".jpg")
    shown = officer_client.get(reverse("outreach:photo", args=[photo.pk]))
    assert shown.status_code == 200 and shown["Content-Type"] == "image/jpeg"
    assert b"".join(shown.streaming_content) == stored


def test_file_that_is_not_an_image_is_refused_whatever_its_name(officer_client: Any, officer: User) -> None:
    grid = scope.visible_grids(officer).first()
    fake = SimpleUploadedFile("photo.jpg", b"<?php system($_GET['c']); ?>" * 10, content_type="image/jpeg")
    before = OutreachEvent.objects.count()
    response = officer_client.post(reverse("outreach:event_new"), {**form_data(grid), "photos": [fake]})
    assert response.status_code == 400
    assert "不是可识别的图片" in response.content.decode()
    assert OutreachEvent.objects.count() == before  # nothing half-saved
    assert EventPhoto.objects.count() == 0


def test_other_image_formats_and_size_limits() -> None:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGBA", (50, 40), (0, 0, 255, 128)).save(out, format="PNG")
    clean = photos.clean_photo(out.getvalue())
    assert (clean.width, clean.height) == (50, 40) and clean.data[:3] == b"\xff\xd8\xff"
    with pytest.raises(photos.PhotoRejected, match="不能超过"):
        photos.clean_photo(b"\xff\xd8" + b"0" * photos.MAX_BYTES)
    svg = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    with pytest.raises(photos.PhotoRejected):
        photos.clean_photo(svg)
    truncated = jpeg_with_exif()[:300]
    with pytest.raises(photos.PhotoRejected):
        photos.clean_photo(truncated)
    big = io.BytesIO()
    Image.new("RGB", (4000, 1000)).save(big, format="JPEG")
    assert max(photos.clean_photo(big.getvalue()).width, 0) == photos.MAX_SIDE


def test_officer_cannot_log_or_see_events_of_other_grids(officer_client: Any, officer: User) -> None:
    own = scope.grid_ids_of(officer)
    other = Grid.objects.exclude(pk__in=own).first()
    assert other is not None
    response = officer_client.post(reverse("outreach:event_new"), form_data(other, title="越权登记"))
    assert response.status_code == 400
    assert not OutreachEvent.objects.filter(title="越权登记").exists()
    foreign = OutreachEvent.objects.filter(grid=other).first()
    assert foreign is not None
    assert officer_client.get(reverse("outreach:event", args=[foreign.pk])).status_code == 404
    page = officer_client.get(reverse("outreach:index")).content.decode()
    assert other.name not in page
    assert officer_client.get(reverse("outreach:grid_qr", args=[other.code])).status_code == 404
    api = officer_client.get("/api/v1/outreach/events?limit=1000").json()
    assert api and {e["grid"] for e in api} <= set(
        Grid.objects.filter(pk__in=own).values_list("code", flat=True)
    )


def test_photos_are_not_public_and_not_across_grids(client: Any, officer: User) -> None:
    from fanzha.county_loader import DEMO_PASSWORD

    other = Grid.objects.exclude(pk__in=scope.grid_ids_of(officer)).first()
    event = OutreachEvent.objects.filter(grid=other).first()
    assert event is not None
    item = photos.store_photo(event, jpeg_with_exif((32, 32)), None)
    url = reverse("outreach:photo", args=[item.pk])
    anonymous = client.get(url)
    assert anonymous.status_code == 302 and "/login" in anonymous["Location"]
    client.login(username=officer.username, password=DEMO_PASSWORD)
    assert client.get(url).status_code == 404
    assert not url.startswith("/media/")


def test_event_page_shows_quiz_qr_code(officer_client: Any, officer: User) -> None:
    event = OutreachEvent.objects.filter(grid__in=scope.visible_grids(officer)).first()
    assert event is not None
    page = officer_client.get(reverse("outreach:event", args=[event.pk])).content.decode()
    assert "<svg" in page and f"/public/quiz/?grid={event.grid.code}&amp;event={event.pk}" in page
    svg = officer_client.get(reverse("outreach:grid_qr", args=[event.grid.code]))
    assert svg["Content-Type"].startswith("image/svg+xml") and svg.content.startswith(b"<svg")
