"""Screenshot text for the risk check, with the real tesseract: chat screenshots drawn with Pillow
in a CJK font are read back, cleaned and judged; broken, huge and blank images are refused with
a message a resident can act on."""

from __future__ import annotations

import importlib.util
import io
import os
import sys
from functools import cache
from pathlib import Path
from types import ModuleType

import pytest
from PIL import Image

from fanzha.domain.risk import check_text
from fanzha.domain.screenshot_text import (
    OcrOptions,
    ScreenshotError,
    clean_ocr_text,
    prepare,
    screenshot_title,
    screenshot_to_text,
    tesseract_available,
)
from fanzha.errors import UserFacingError

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "evaluate_screenshots.py"

FRAUD_CHAT = [
    ("in", "你好，我们招聘兼职刷单，每单佣金20元，先垫付后返款，一天能赚300元，加我QQ了解。"),
    ("out", "真的吗？怎么做"),
]
NORMAL_CHAT = [
    ("in", "妈，我今天晚上加班，晚饭不回来吃了，你们先吃。"),
    ("out", "好的，路上注意安全"),
]


@cache
def renderer() -> ModuleType:
    """The screenshot renderer of scripts/evaluate_screenshots.py: one drawing code for tests and figures."""
    spec = importlib.util.spec_from_file_location("evaluate_screenshots_under_test", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is built
    spec.loader.exec_module(module)
    return module


def render(messages: list[tuple[str, str]], style: str = "wechat-light") -> bytes:
    if renderer().cjk_font_path() is None:
        pytest.skip("no CJK font to draw screenshots (install fonts-wqy-microhei or fonts-noto-cjk)")
    png: bytes = renderer().render_chat(messages, style)
    return png


needs_tesseract = pytest.mark.skipif(
    # CI installs tesseract (.ci/run), so there a missing engine fails the tests instead.
    not tesseract_available() and os.environ.get("CI") != "true",
    reason="tesseract is not installed (apt-get install tesseract-ocr tesseract-ocr-chi-sim)",
)


def png_bytes(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


# --- reading screenshots --------------------------------------------------------------------------


@needs_tesseract
@pytest.mark.parametrize("style", ["wechat-light", "wechat-dark", "sms-light", "wechat-small", "photo-light"])
def test_fraud_chat_screenshot_is_read_and_judged_fraud(style: str) -> None:
    result = screenshot_to_text(render(FRAUD_CHAT, style))
    for phrase in ("刷单", "佣金", "垫付"):
        assert phrase in result.text, (phrase, result.text)
    assert check_text(result.text).verdict == "fraud", result.text
    # The phone's chrome is gone: clock, timestamp and the input bar.
    assert "14:32" not in result.text and "昨天" not in result.text
    assert "按住" not in result.text and "说话" not in result.text


@needs_tesseract
def test_the_contact_name_in_the_title_bar_is_read_apart() -> None:
    result = screenshot_to_text(render(FRAUD_CHAT))
    assert result.title == "张经理"
    assert "张经理" not in result.text and result.text.startswith("你好")


@needs_tesseract
def test_normal_chat_screenshot_is_read_and_not_flagged() -> None:
    result = screenshot_to_text(render(NORMAL_CHAT))
    assert "晚上加班" in result.text and "不回来吃" in result.text, result.text
    assert check_text(result.text).verdict == "safe", result.text


@needs_tesseract
def test_bubble_lines_broken_by_the_screen_width_are_joined() -> None:
    long = "您的账户存在异常已被冻结，请立即联系客服办理解冻手续，否则账户内资金将被清零，客服电话请查收下一条短信。"
    raw_lines = screenshot_to_text(render([("in", long)])).raw
    assert raw_lines.count("\n") > 4  # the bubble wraps on screen
    text = screenshot_to_text(render([("in", long)])).text
    assert "已被冻结" in text and "资金将被清零" in text
    assert any("冻结" in line and "清零" in line for line in text.splitlines()), text


@needs_tesseract
def test_dark_mode_is_read_as_dark_ink_on_white_paper() -> None:
    png = render(FRAUD_CHAT, "wechat-dark")
    original = Image.open(io.BytesIO(png)).convert("L")
    assert original.getpixel((5, original.height // 2)) == 0x11  # the dark chat background
    prepared = prepare(original.convert("RGB"))
    assert prepared.getpixel((5, prepared.height // 2)) == 255
    # Only ink and paper are left: avatars and bubbles are gone.
    histogram = prepared.histogram()
    assert histogram[255] > 0 and not any(histogram[110:255])
    assert "刷单" in screenshot_to_text(png).text


# --- cleaning -------------------------------------------------------------------------------------


def test_spaces_between_chinese_characters_go_and_latin_spaces_stay() -> None:
    assert clean_ocr_text("请 立 即 点 击 链 接 ， 验 证 身 份 。") == "请立即点击链接，验证身份。"
    assert clean_ocr_text("加 QQ 12345 了 解") == "加 QQ 12345 了解"
    assert clean_ocr_text("Hello world") == "Hello world"
    assert clean_ocr_text("真的吗 ? 怎么做") == "真的吗?怎么做"
    assert clean_ocr_text("Hello, world. 你好") == "Hello, world. 你好"


def test_chrome_lines_are_dropped() -> None:
    raw = "14:32          5G 87%\n< 张经理\n昨天 14:30\n先垫付后返款。\n下午 3:05\n好的\n按住 说话   +\n"
    assert clean_ocr_text(raw) == "张经理\n先垫付后返款。\n好的"
    assert clean_ocr_text("2024年5月3日 09:12\n短信\n您好") == "您好"
    # Small screenshots: the colon and the per cent sign misread, "昨天" garbled.
    assert clean_ocr_text("1432 5G 87败\n张经理\n征天1430\n农行卡号") == "张经理\n农行卡号"
    # A message that starts with a time and mentions a percentage is not a status bar.
    assert clean_ocr_text("10:30 利率5%，请回复") == "10:30 利率5%，请回复"


def test_a_leading_contact_name_is_dropped_but_a_sender_number_kept() -> None:
    raw = "14:32 5G 87%\n< 张经理\n昨天 14:30\n尊敬的用户您的\n信用卡已冻结"
    assert screenshot_title(raw) == "张经理"
    assert clean_ocr_text(raw, drop_title=True) == "尊敬的用户您的信用卡已冻结"
    assert clean_ocr_text("95588\n您的账户异常", drop_title=True) == "95588您的账户异常"
    assert clean_ocr_text("只有一行", drop_title=True) == "只有一行"


def test_wrapped_lines_join_but_sentences_and_blank_lines_separate() -> None:
    assert clean_ocr_text("您的账户存在异常已被\n冻结，请立即点击\n链接验证。\n好的") == (
        "您的账户存在异常已被冻结，请立即点击链接验证。\n好的"
    )
    assert clean_ocr_text("第一条消息\n\n第二条消息") == "第一条消息\n第二条消息"
    # A link broken by the bubble edge is one link again; Latin words keep their space.
    assert (
        clean_ocr_text("点击 http://icbc-ver\nify.top/login 验证") == "点击 http://icbc-verify.top/login 验证"
    )
    assert clean_ocr_text("call me\nback") == "call me back"


# --- refusing what cannot be read -----------------------------------------------------------------


def reason_of(data: bytes, **limits: int) -> str:
    with pytest.raises(ScreenshotError) as caught:
        screenshot_to_text(data, **limits)  # type: ignore[arg-type]
    error = caught.value
    assert isinstance(error, UserFacingError) and error.zh and error.en
    return error.reason


def test_a_text_file_named_png_is_not_an_image(tmp_path: Path) -> None:
    fake = tmp_path / "聊天.png"
    fake.write_text("这不是图片，只是一段文字", encoding="utf-8")
    assert reason_of(fake.read_bytes()) == "not_image"
    assert reason_of(b"") == "not_image"


def test_an_unsupported_format_is_refused() -> None:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 64), "white").save(buffer, format="TIFF")
    with pytest.raises(ScreenshotError) as caught:
        screenshot_to_text(buffer.getvalue())
    assert caught.value.reason == "not_image" and "TIFF" in caught.value.zh


def test_a_truncated_png_is_damaged() -> None:
    png = png_bytes(Image.effect_noise((400, 300), 60).convert("RGB"))
    assert reason_of(png[: len(png) // 2]) == "damaged"


def test_a_huge_image_is_refused_before_decoding() -> None:
    # A tiny file (a few kB) that would decode to 36 million pixels.
    huge = png_bytes(Image.new("1", (6000, 6000), 1))
    assert len(huge) < 200_000
    assert reason_of(huge) == "too_large"


def test_too_many_bytes_are_refused() -> None:
    png = png_bytes(Image.effect_noise((300, 300), 60).convert("RGB"))
    assert reason_of(png, max_bytes=len(png) - 1) == "too_large"


@needs_tesseract
def test_a_picture_without_text_says_so() -> None:
    assert reason_of(png_bytes(Image.new("RGB", (720, 1280), "#EDEDED"))) == "no_text"


@needs_tesseract
def test_ocr_timeout_is_reported() -> None:
    with pytest.raises(ScreenshotError) as caught:
        screenshot_to_text(render(FRAUD_CHAT), timeout=0.001)
    assert caught.value.reason == "timeout" and "超时" in caught.value.zh


def test_missing_engine_is_reported(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    # No tesseract on an empty PATH: the same as a server where it was never installed.
    monkeypatch.setenv("PATH", str(tmp_path))
    assert not tesseract_available()
    with pytest.raises(ScreenshotError) as caught:
        screenshot_to_text(png_bytes(Image.new("RGB", (200, 100), "white")))
    assert caught.value.reason == "engine" and "tesseract" in caught.value.en


@needs_tesseract
def test_missing_language_data_is_reported() -> None:
    with pytest.raises(ScreenshotError) as caught:
        screenshot_to_text(render(NORMAL_CHAT), options=OcrOptions(languages="xyz_absent"))
    assert caught.value.reason == "engine" and "语言包" in caught.value.zh
    assert os.environ.get("PATH")  # the environment of the caller is left alone
