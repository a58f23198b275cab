"""Checking a chat screenshot: the page (upload → recognised text and verdict, nothing stored),
the report carrying the recognised text and never the image, the API ``/api/v1/check/image``
and ``fanzha check --image``; all with the real tesseract."""

from __future__ import annotations

import io
import json
import os
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image

from fanzha.cli import main
from fanzha.clues.models import Clue
from fanzha.domain.screenshot_text import tesseract_available
from fanzha.stations.models import AuditLog
from tests.domain.test_screenshot_text import FRAUD_CHAT, NORMAL_CHAT, render

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        # CI installs tesseract (.ci/run), so there a missing engine fails the tests instead.
        not tesseract_available() and os.environ.get("CI") != "true",
        reason="tesseract is not installed (apt-get install tesseract-ocr tesseract-ocr-chi-sim)",
    ),
]

API = "/api/v1/check/image"


def upload(data: bytes, name: str = "chat.png", content_type: str = "image/png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=content_type)


# --- the page -------------------------------------------------------------------------------------


def test_page_offers_an_image_upload_for_phones(client: Client) -> None:
    page = client.get("/public/check/").content.decode()
    assert 'enctype="multipart/form-data"' in page
    assert 'type="file"' in page and 'accept="image/*"' in page
    # No capture attribute: it would force the camera instead of the gallery of screenshots.
    assert "capture" not in page


def test_uploaded_screenshot_shows_recognised_text_and_verdict_and_stores_nothing(client: Client) -> None:
    clues, audits = Clue.objects.count(), AuditLog.objects.count()
    response = client.post(
        "/public/check/", {"action": "check", "text": "", "image": upload(render(FRAUD_CHAT))}
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "高风险" in page and "96110" in page
    assert "从截图识别出的文字（可修改）" in page
    # The recognised text is in the editable box, ready to be corrected and checked again.
    textarea = page.split('name="text"')[-1].split("</textarea>")[0]
    assert "刷单" in textarea and "垫付" in textarea
    assert Clue.objects.count() == clues and AuditLog.objects.count() == audits


def test_report_after_a_screenshot_files_the_text_not_the_image(client: Client) -> None:
    checked = client.post("/public/check/", {"action": "check", "image": upload(render(FRAUD_CHAT))})
    assert checked.status_code == 200
    page = checked.content.decode()
    hidden = page.split('<textarea name="text" hidden>')[1].split("</textarea>")[0]
    assert "刷单" in hidden
    before = Clue.objects.count()
    reported = client.post(
        "/public/check/",
        {"action": "report", "text": hidden, "from_image": "True", "situation": "", "consent": "on"},
    )
    assert reported.status_code == 200 and "已提交给派出所" in reported.content.decode()
    assert Clue.objects.count() == before + 1
    clue = Clue.objects.latest("created_at")
    assert "刷单" in clue.raw["text"] and clue.raw["from_screenshot"] is True
    assert not any(isinstance(value, bytes) for value in clue.raw.values())


def test_typed_text_and_a_screenshot_are_judged_together(client: Client) -> None:
    response = client.post(
        "/public/check/", {"action": "check", "text": "对方发来的：", "image": upload(render(NORMAL_CHAT))}
    )
    assert response.status_code == 200
    textarea = response.content.decode().split('name="text"')[-1].split("</textarea>")[0]
    assert "对方发来的" in textarea and "晚上加班" in textarea


def test_a_file_that_is_not_an_image_gets_a_chinese_message(client: Client) -> None:
    response = client.post(
        "/public/check/", {"action": "check", "image": upload("只是一段文字".encode(), "fake.png")}
    )
    assert response.status_code == 400
    assert "无法识别的图片" in response.content.decode()


def test_upload_size_limit_comes_from_the_setting(client: Client, settings: Any) -> None:
    png = render(NORMAL_CHAT)
    settings.FANZHA_CHECK_IMAGE_MAX_BYTES = len(png) - 1
    response = client.post("/public/check/", {"action": "check", "image": upload(png)})
    assert response.status_code == 400 and "图片太大" in response.content.decode()


def test_screenshot_checks_have_their_own_lower_rate_limit(client: Client, settings: Any) -> None:
    settings.FANZHA_CHECK_RATE_LIMITS = {"page": 30, "report": 5, "api": 60, "image": 1}
    blank = io.BytesIO()
    Image.new("RGB", (64, 64), "white").save(blank, format="PNG")
    first = client.post("/public/check/", {"action": "check", "image": upload(blank.getvalue())})
    assert first.status_code == 400  # no text in a blank picture, but it counted
    second = client.post("/public/check/", {"action": "check", "image": upload(blank.getvalue())})
    assert second.status_code == 429 and "查询太频繁" in second.content.decode()
    # Typed checks are not held back by the screenshot limit.
    assert client.post("/public/check/", {"action": "check", "text": "你好"}).status_code == 200


# --- the API --------------------------------------------------------------------------------------


def test_api_image_answers_the_check_fields_plus_text(client: Client) -> None:
    response = client.post(API, {"image": upload(render(FRAUD_CHAT, "wechat-dark"))})
    assert response.status_code == 200
    body = response.json()
    text_answer = client.post(
        "/api/v1/check", data=json.dumps({"text": body["text"]}), content_type="application/json"
    ).json()
    assert set(text_answer) | {"text"} == set(body)
    assert body["verdict"] == "fraud" and "刷单" in body["text"]
    assert body["score"] == text_answer["score"]


@pytest.mark.parametrize(
    ("data", "status"),
    [
        ("文字".encode(), 415),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 40, 415),
    ],
)
def test_api_image_refuses_what_is_not_an_image(client: Client, data: bytes, status: int) -> None:
    response = client.post(API, {"image": upload(data)})
    assert response.status_code == status and response.json()["detail"]


def test_api_image_status_codes_for_damaged_huge_and_blank(client: Client) -> None:
    noise = io.BytesIO()
    Image.effect_noise((300, 200), 60).convert("RGB").save(noise, format="PNG")
    assert client.post(API, {"image": upload(noise.getvalue()[:2000])}).status_code == 400
    huge = io.BytesIO()
    Image.new("1", (6000, 6000), 1).save(huge, format="PNG")
    assert client.post(API, {"image": upload(huge.getvalue())}).status_code == 413
    blank = io.BytesIO()
    Image.new("RGB", (400, 300), "white").save(blank, format="PNG")
    assert client.post(API, {"image": upload(blank.getvalue())}).status_code == 422
    assert client.post(API, {}).status_code == 422  # no file at all


def test_api_image_is_documented_and_text_api_unchanged(client: Client) -> None:
    schema = client.get("/api/v1/openapi.json").json()
    operation = schema["paths"]["/api/v1/check/image"]["post"]
    assert "multipart/form-data" in operation["requestBody"]["content"]
    answer = operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].split("/")[-1]
    assert "text" in schema["components"]["schemas"][answer]["properties"]
    assert "application/json" in schema["paths"]["/api/v1/check"]["post"]["requestBody"]["content"]


# --- the command line -----------------------------------------------------------------------------


def test_cli_image_writes_one_line_per_image_and_an_error_line_for_a_bad_one(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    fraud, normal, fake = tmp_path / "fraud.png", tmp_path / "normal.png", tmp_path / "fake.png"
    fraud.write_bytes(render(FRAUD_CHAT))
    normal.write_bytes(render(NORMAL_CHAT, "sms-light"))
    fake.write_text("not an image", encoding="utf-8")
    code = main(["check", "--image", str(fraud), str(fake), str(normal)])
    assert code == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [line["id"] for line in lines] == [str(fraud), str(fake), str(normal)]
    assert lines[0]["verdict"] == "fraud" and "刷单" in lines[0]["text"]
    assert {"id", "text", "verdict", "score", "category", "reasons"} <= set(lines[0])
    assert (
        "error" in lines[1]
        and "无法识别的图片" in lines[1]["error"]
        and "not a supported image" in lines[1]["error"]
    )
    assert lines[2]["verdict"] == "safe" and "晚上加班" in lines[2]["text"]


def png_declaring(width: int, height: int) -> bytes:
    """A PNG of a few hundred bytes whose header declares ``width`` x ``height`` pixels."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)  # 1-bit grey
    rows = zlib.compress(b"\0" * 64)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", rows) + chunk(b"IEND", b"")


def test_a_decompression_bomb_is_413_not_415(client: Client) -> None:
    bomb = png_declaring(40_000, 40_000)  # 1.6 gigapixels in 100 bytes
    assert len(bomb) < 200
    response = client.post(API, {"image": upload(bomb)})
    assert response.status_code == 413
    assert "图片尺寸太大" in response.json()["detail"]


def test_a_huge_screenshot_is_scaled_down_before_ocr(monkeypatch: pytest.MonkeyPatch) -> None:
    from fanzha.domain import screenshot_text

    seen: list[tuple[int, int]] = []

    def fake_tesseract(image: Image.Image, *args: Any, **kwargs: Any) -> str:
        seen.append(image.size)
        return "您好，这是一条测试消息"

    monkeypatch.setattr(screenshot_text, "run_tesseract", fake_tesseract)
    big = Image.new("RGB", (4000, 5000), "white")  # 20 MP: accepted, but not read at full size
    buffer = io.BytesIO()
    big.save(buffer, format="PNG")
    result = screenshot_text.screenshot_to_text(buffer.getvalue(), max_bytes=50 << 20)
    assert seen and all(w * h <= screenshot_text.OCR_MAX_PIXELS for w, h in seen)
    assert result.text


def test_only_so_many_screenshots_are_read_at_once(
    client: Client, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every OCR slot taken: the next screenshot is told to come back (503), not queued on a
    server thread that officers' pages need."""
    import threading

    from fanzha.check import service

    settings.FANZHA_CHECK_OCR_CONCURRENCY = 1
    settings.FANZHA_CHECK_OCR_WAIT_SECONDS = 0.2
    release = threading.Event()
    started = threading.Event()

    def slow_ocr(data: bytes, **kwargs: Any) -> Any:
        started.set()
        release.wait(10)
        return type("Read", (), {"text": "您好"})()

    monkeypatch.setattr(service, "screenshot_to_text", slow_ocr)
    worker = threading.Thread(target=service.read_screenshot, args=(b"x",))
    worker.start()
    try:
        assert started.wait(5)
        response = client.post(API, {"image": upload(render(NORMAL_CHAT))})
        assert response.status_code == 503 and response["Retry-After"]
        assert "稍后再试" in response.json()["detail"]
    finally:
        release.set()
        worker.join()
    assert service.ocr_slots().acquire(timeout=1)  # the slot came back
    service.ocr_slots().release()
