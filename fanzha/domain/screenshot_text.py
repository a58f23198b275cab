"""Text from a chat or SMS screenshot, for the resident risk check: image bytes in, clean text out.

The OCR engine is Debian's ``tesseract`` (packages tesseract-ocr and tesseract-ocr-chi-sim), run
as a subprocess with a timeout: it works offline, needs no Python dependency, and a crash or a
hang in it cannot take the web process down. The image is checked before anything decodes it
(bytes, format, pixel count), prepared with Pillow (see :class:`OcrOptions`; each step was
measured by scripts/evaluate_screenshots.py) and piped to tesseract on stdin, so nothing touches
the disk. The OCR text is then cleaned for the risk check (:func:`clean_ocr_text`): spaces
between Chinese characters go, lines broken by the bubble width are joined, and the phone's own
chrome (clock, timestamps, 按住说话 bar) is dropped where it is easy to recognise.

Every failure a resident can meet is a :class:`fanzha.errors.UserFacingError` in Chinese and
English. Nothing here imports Django.
"""

from __future__ import annotations

import io
import logging
import os
import re
import shutil
import subprocess
import time
import warnings
from dataclasses import dataclass, replace

from PIL import Image, ImageOps, UnidentifiedImageError

from fanzha.errors import UserFacingError

logger = logging.getLogger(__name__)

MAX_BYTES = 10 * 1024 * 1024
# A long scrolling screenshot of a 1080-wide phone is about 1080 x 20,000; beyond that OCR time
# grows past what a resident waits for.
MAX_PIXELS = 25_000_000
# Larger images are scaled down (by a whole factor) before they are prepared and read: the ink
# filter's arrays and tesseract's time grow with the pixels, and 8 MP keeps a 1080-wide scrolling
# screenshot's characters above 12 px, where tesseract still reads them.
OCR_MAX_PIXELS = 8_000_000
TIMEOUT_SECONDS = 30.0
# What phones save screenshots and forwarded pictures as. HEIC (iPhone photos) needs a plugin
# Pillow does not ship; the error message tells the resident to send a screenshot instead.
FORMATS = frozenset({"PNG", "JPEG", "WEBP", "GIF", "BMP"})
FORMAT_NAMES = "PNG、JPG、WEBP、GIF、BMP"


class ScreenshotError(UserFacingError):
    """A screenshot that cannot be read; ``reason`` says why, for callers that map it to a status.

    Reasons: ``not_image`` (not a picture or an unsupported format), ``too_large`` (bytes or
    pixels, including a decompression bomb), ``damaged`` (truncated file), ``engine`` (tesseract or
    its Chinese data missing or failing), ``timeout``, ``no_text`` and ``busy`` (every OCR slot of
    the server taken; raised by the web layer, which caps concurrent OCR).
    """

    def __init__(self, reason: str, zh: str, en: str, exit_code: int = 2) -> None:
        super().__init__(zh, en, exit_code)
        self.reason = reason


@dataclass(frozen=True)
class OcrOptions:
    """How the image is prepared and read.

    The defaults are the best measured by scripts/evaluate_screenshots.py (40 fraud + 40 normal
    held-out SMS in six styles; character error rate on fraud / normal): as set 5.1 / 4.6 %;
    --psm 4 9.5 / 8.4 %, --psm 3 11.7 / 11.9 %; chi_sim+eng 8.5 / 8.3 %; without the ink filter
    15.1 / 18.4 %; without inverting dark mode 6.8 / 7.7 %; upscaling below 1000 px 7.4 / 5.1 %.
    """

    languages: str = "chi_sim"  # +eng read Chinese after Latin letters as Latin garbage
    psm: int = 6  # one uniform block of text: a chat column
    grayscale: bool = True
    invert_dark: bool = True  # dark-mode chats: light text on dark grey
    # Narrower images are scaled up to about this width; off, as it made things worse (above).
    upscale_below: int = 0
    max_scale: int = 3
    # Keep only dark ink on white: avatars, coloured bubbles and grey chrome (clock, timestamps,
    # 按住说话) otherwise sit on the text lines and turn the characters next to them into garbage.
    ink_only: bool = True
    ink_below: int = 110  # message text is near black; chrome greys are 120-150


DEFAULT_OPTIONS = OcrOptions()


@dataclass(frozen=True)
class ScreenshotText:
    text: str  # cleaned for the risk check, without the title bar
    raw: str  # what tesseract printed
    title: str  # the contact's name from the title bar, or ""
    width: int
    height: int
    seconds: float


def _too_large_bytes(size: int, limit: int) -> ScreenshotError:
    return ScreenshotError(
        "too_large",
        f"图片太大（{size / 1024 / 1024:.1f} MB），最大 {limit / 1024 / 1024:.0f} MB，请只截取可疑的那几条消息",
        f"image too large ({size} bytes); the limit is {limit} bytes",
    )


def _too_many_pixels(max_pixels: int, size: str) -> ScreenshotError:
    return ScreenshotError(
        "too_large",
        f"图片尺寸太大（{size}），最多 {max_pixels // 1_000_000} 百万像素，请截取较短的一段",
        f"image too large ({size} pixels); the limit is {max_pixels} pixels",
    )


def ocr_reduction(width: int, height: int, limit: int = OCR_MAX_PIXELS) -> int:
    """The whole factor an image is scaled down by so that it has at most ``limit`` pixels."""
    factor = 1
    while (width // factor) * (height // factor) > limit:
        factor += 1
    return factor


def open_image(data: bytes, *, max_bytes: int = MAX_BYTES, max_pixels: int = MAX_PIXELS) -> Image.Image:
    """Decode ``data`` into an RGB image, refusing what is not a supported, sane-sized picture."""
    if not data:
        raise ScreenshotError("not_image", "没有收到图片", "no image received")
    if len(data) > max_bytes:
        raise _too_large_bytes(len(data), max_bytes)
    try:
        with warnings.catch_warnings():
            # The pixel limit below is ours; Pillow's own bomb warning would only add noise.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
    except Image.DecompressionBombError as exc:  # a few bytes declaring hundreds of megapixels
        raise _too_many_pixels(max_pixels, str(exc)) from exc
    except (UnidentifiedImageError, OSError, ValueError) as exc:
        raise ScreenshotError(
            "not_image",
            f"无法识别的图片：请上传 {FORMAT_NAMES} 格式的截图",
            f"not a supported image ({FORMAT_NAMES}): {type(exc).__name__}",
        ) from exc
    if image.format not in FORMATS:
        raise ScreenshotError(
            "not_image",
            f"不支持 {image.format or '该'} 格式：请上传 {FORMAT_NAMES} 格式的截图",
            f"unsupported image format {image.format}; use {FORMAT_NAMES}",
        )
    # The header gives the size before any pixel is decoded: a small file can hold a huge image.
    width, height = image.size
    if width * height > max_pixels:
        raise _too_many_pixels(max_pixels, f"{width}x{height}")
    factor = ocr_reduction(width, height)
    if factor > 1 and image.format == "JPEG":
        image.draft("RGB", (width // factor, height // factor))  # decode at the reduced size
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image.load()
    except Image.DecompressionBombError as exc:
        raise _too_many_pixels(max_pixels, str(exc)) from exc
    except (OSError, ValueError, SyntaxError) as exc:
        raise ScreenshotError(
            "damaged",
            "图片文件不完整或已损坏，请重新截图后上传",
            f"the image file is truncated or damaged: {exc}",
        ) from exc
    # Photos taken of a phone screen carry their rotation in EXIF.
    upright: Image.Image = ImageOps.exif_transpose(image)
    factor = ocr_reduction(*upright.size)
    if factor > 1:
        upright = upright.reduce(factor)
    if upright.mode in ("RGBA", "LA", "PA") or (upright.mode == "P" and "transparency" in upright.info):
        # Transparent pixels of a PNG count as white paper, not as black.
        rgba = upright.convert("RGBA")
        background = Image.new("RGB", rgba.size, "white")
        background.paste(rgba, mask=rgba.getchannel("A"))
        return background
    return upright.convert("RGB")


def prepare(image: Image.Image, options: OcrOptions = DEFAULT_OPTIONS) -> Image.Image:
    """The image as tesseract reads it best: grey, dark text on white, nothing but the text."""
    prepared = image.convert("L") if options.grayscale or options.invert_dark else image
    if options.invert_dark:
        gray = prepared if prepared.mode == "L" else prepared.convert("L")
        # Mean brightness of a downsized copy: dark-mode chats sit far below the middle grey.
        if _mean(gray.resize((64, 64))) < 110:
            prepared = ImageOps.invert(prepared.convert("L") if prepared.mode != "L" else prepared)
    if options.upscale_below and prepared.width < options.upscale_below:
        scale = min(options.max_scale, -(-options.upscale_below // max(prepared.width, 1)))
        # A narrow but very long screenshot stays within the pixel budget OCR time was sized for.
        while scale > 1 and prepared.width * prepared.height * scale * scale > MAX_PIXELS:
            scale -= 1
        if scale > 1:
            prepared = prepared.resize(
                (prepared.width * scale, prepared.height * scale), Image.Resampling.LANCZOS
            )
    if options.ink_only:
        # Stretch first: a photo of a screen is grey on grey, and its text must still count as ink.
        prepared = keep_ink(ImageOps.autocontrast(prepared.convert("L"), cutoff=1), options.ink_below)
    return prepared


def keep_ink(gray: Image.Image, ink_below: int = 110) -> Image.Image:
    """Only glyph-sized dark marks stay; everything else becomes white paper.

    Dark blobs (darker than middle grey) much taller than a text line are not characters: an
    avatar photo is erased, and a dark plate with light characters cut out of it (a blue or green
    bubble with white text) is inverted, so that its text becomes dark ink like the rest. Then
    whatever is lighter than ``ink_below`` (bubbles, grey chrome, mid-tone pictures) turns white.
    """
    import numpy as np
    from scipy import ndimage

    pixels = np.asarray(gray, dtype=np.uint8).copy()
    labels, _ = ndimage.label(pixels < 128)
    boxes = ndimage.find_objects(labels)
    heights = np.array([box[0].stop - box[0].start for box in boxes if box is not None])
    glyphs = heights[(heights >= 4) & (heights < pixels.shape[0] / 8)]
    if len(glyphs):
        # Strokes and dots outnumber whole characters: a high percentile is the character height.
        line = float(np.percentile(glyphs, 90))
        for index, box in enumerate(boxes, start=1):
            if box is None or box[0].stop - box[0].start <= 1.6 * line:
                continue
            region = labels[box] == index
            window = pixels[box]
            filled = ndimage.binary_fill_holes(region)
            _, holes = ndimage.label(filled & ~region)
            if holes >= 3:  # characters cut out of a plate
                window[filled] = 255 - window[filled]
            else:
                window[region] = 255
    pixels[pixels >= ink_below] = 255
    return Image.fromarray(pixels)


def _mean(image: Image.Image) -> float:
    histogram = image.histogram()
    total = sum(histogram)
    return sum(value * count for value, count in enumerate(histogram)) / max(total, 1)


def tesseract_available() -> bool:
    return shutil.which("tesseract") is not None


def run_tesseract(
    image: Image.Image, options: OcrOptions = DEFAULT_OPTIONS, timeout: float = TIMEOUT_SECONDS
) -> str:
    """The text tesseract reads in ``image`` (piped as PNG on stdin; nothing is written to disk)."""
    try:
        return _tesseract_text(image, options, timeout)
    except ScreenshotError as exc:
        # The resident only sees "paste the text instead"; the server's keeper must learn that OCR
        # is missing, crashing or too slow.
        logger.error("OCR failed (%s): %s", exc.reason, exc.en)
        raise


def _tesseract_text(image: Image.Image, options: OcrOptions, timeout: float) -> str:
    executable = shutil.which("tesseract")
    if executable is None:
        raise ScreenshotError(
            "engine",
            "服务器未安装文字识别引擎，暂时无法识别截图，请直接粘贴文字",
            "the OCR engine is missing: install tesseract-ocr and tesseract-ocr-chi-sim",
            exit_code=3,
        )
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", compress_level=1)
    command = [executable, "stdin", "stdout", "-l", options.languages, "--psm", str(options.psm)]
    if nice := shutil.which("nice"):
        # Below the web server's own threads: officers' pages stay quick while residents' OCR runs.
        command = [nice, "-n", "10", *command]
    try:
        completed = subprocess.run(
            command,
            input=buffer.getvalue(),
            capture_output=True,
            timeout=timeout,
            check=False,
            # One thread per OCR: the web server runs several requests side by side on few cores.
            env={**os.environ, "OMP_THREAD_LIMIT": "1"},
        )
    except subprocess.TimeoutExpired as exc:
        raise ScreenshotError(
            "timeout",
            "截图识别超时，请截取较短的一段或直接粘贴文字",
            f"OCR timed out after {timeout:.0f} s",
            exit_code=3,
        ) from exc
    if completed.returncode != 0:
        message = completed.stderr.decode("utf-8", "replace").strip()
        if "Failed loading language" in message or "Error opening data file" in message:
            raise ScreenshotError(
                "engine",
                "服务器缺少中文识别语言包，暂时无法识别截图，请直接粘贴文字",
                f"tesseract language data missing ({options.languages}): install tesseract-ocr-chi-sim",
                exit_code=3,
            )
        raise ScreenshotError(
            "engine",
            "截图识别失败，请换一张截图或直接粘贴文字",
            f"tesseract failed: {message[-300:]}",
            exit_code=3,
        )
    return completed.stdout.decode("utf-8", "replace")


# --- cleaning -----------------------------------------------------------------------------------

_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
# Full-width punctuation and the CJK symbols block: tesseract spaces them like characters.
_CJK_PUNCT = "\u3000-\u303f\uff00-\uffef\u2018-\u201d\u2026"
_WIDE = f"[{_CJK}{_CJK_PUNCT}]"
_SPACE_BETWEEN_WIDE = re.compile(rf"(?<={_WIDE})[ \t]+(?={_WIDE})")
_SPACE_BEFORE_WIDE_PUNCT = re.compile(rf"[ \t]+(?=[{_CJK_PUNCT}])")
_SPACE_AFTER_WIDE_PUNCT = re.compile(rf"(?<=[{_CJK_PUNCT}])[ \t]+")
# Tesseract reads a full-width ？ or ， as the ASCII sign with a space in front or behind.
_SPACE_AROUND_ASCII_PUNCT = re.compile(rf"(?<={_WIDE})[ \t]+(?=[?!,.;:])|(?<=[?!,;:])[ \t]+(?={_WIDE})")
_CLOCK = r"(?:[01]?\d|2[0-3])\s*[:：]\s*[0-5]\d"
_DAY = (
    r"(?:昨天|前天|今天|星期[一二三四五六日天]|周[一二三四五六日天]|"
    r"(?:\d{2,4}\s*[年/\-.]\s*)?\d{1,2}\s*[月/\-.]\s*\d{1,2}\s*日?)"
)
_HALF_DAY = r"(?:上午|下午|中午|晚上|凌晨|早上|AM|PM|am|pm)"
_TIMESTAMP = re.compile(rf"^(?:{_DAY}\s*)?(?:{_HALF_DAY}\s*)?{_CLOCK}(?:\s*{_HALF_DAY})?$|^{_DAY}$")
# Status bar: a clock with battery, network and signal bits around it. OCR of small screenshots
# drops the colon ("1432 5G 87%") and misreads the per cent sign, so a short line is enough.
_STATUS_BAR = re.compile(r"^\W*\S?\d{1,2}\s*[:：.]?\s*\d{1,2}\b.{0,16}(?:%|[45]G|LTE|Wi-?Fi|HD)", re.I)
# A timestamp read badly: "昨天 14:30" as "征天1430", at most two characters before a clock.
_GARBLED_TIMESTAMP = re.compile(r"^.{0,2}\s*(?:[01]?\d|2[0-3])\s*[:：.]?\s*[0-5]\d$")
# Input bars and buttons of WeChat and SMS apps.
_CHROME = re.compile(
    r"^[\W_]*(?:按住\s*说话|按\s*住\s*说\s*话|发\s*送|短信|信息|iMessage|文本信息|短信/彩信|输入消息|"
    r"发消息|Text Message|Send)[\W_]*$",
    re.I,
)
_END_OF_SENTENCE = re.compile(r"[。！？!?…~；;」』”\"）)】]$")
# Lines with no letter, digit or Chinese character: bubble edges, avatars, the + button.
_NO_CONTENT = re.compile(rf"^[^0-9A-Za-z{_CJK}]*$")
_URLISH_END = re.compile(r"(?:https?://|www\.|[\w-]+\.[a-z]{2,}/?)[\w\-./?=&%#]*$", re.I)


def _tidy_line(line: str) -> str:
    line = line.strip()
    line = _SPACE_BETWEEN_WIDE.sub("", line)
    line = _SPACE_BEFORE_WIDE_PUNCT.sub("", line)
    line = _SPACE_AFTER_WIDE_PUNCT.sub("", line)
    line = _SPACE_AROUND_ASCII_PUNCT.sub("", line)
    # The back arrow of the title bar.
    line = re.sub(r"^[<‹«〈《]\s+", "", line)
    return re.sub(r"[ \t]{2,}", " ", line)


def is_chrome(line: str) -> bool:
    """Whether a line is the phone's own display (clock, timestamp, input bar) rather than a message."""
    return bool(
        _NO_CONTENT.match(line)
        or _TIMESTAMP.match(line)
        # Short, and no Chinese sentence in it (a carrier name at most): "10:30 利率5%，请回复" stays.
        or (len(line) <= 24 and len(re.findall(_WIDE, line)) <= 4 and _STATUS_BAR.match(line) is not None)
        or _GARBLED_TIMESTAMP.match(line)
        or _CHROME.match(line)
        # The voice button with the + or emoji icon next to it read as a stray character or two.
        or bool(re.fullmatch(r".{0,2}按\s*住\s*说\s*话.{0,2}", line))
    )


def _joiner(previous: str, line: str) -> str:
    """How a line continues the one before it: directly after Chinese or a split link, else a space."""
    if re.search(_WIDE + "$", previous) or re.match(_WIDE, line):
        return ""
    if _URLISH_END.search(previous) and re.match(r"[\w\-./?=&%#]", line):
        return ""
    return " "


def _lines(raw: str) -> list[str | None]:
    """Tidied content lines; ``None`` where a blank line or the phone's chrome separates messages."""
    lines: list[str | None] = []
    for raw_line in raw.replace("\r", "").replace("\f", "\n").split("\n"):
        line = _tidy_line(raw_line)
        if not line or is_chrome(line):
            lines.append(None)
            continue
        # Chrome such as "按住 说话 +" at the end of a line that OCR merged with it.
        line = re.sub(r"\s*按\s*住\s*说\s*话.{0,2}$", "", line)
        lines.append(line or None)
    return lines


# A contact's name in the title bar: short, no sentence, no number or link a check could use.
_TITLE = re.compile(r"^[^。！？!?，,；;：:【】\[\]/]{1,12}$")


def _title_index(lines: list[str | None]) -> int | None:
    content = [index for index, line in enumerate(lines) if line is not None]
    if len(content) < 2:
        return None
    first = lines[content[0]]
    assert first is not None
    if _TITLE.match(first) and not re.search(r"\d{5,}", first.replace(" ", "")):
        return content[0]
    return None


def screenshot_title(raw: str) -> str:
    """The chat's title bar (the contact's name) when the OCR output starts with one, else ""."""
    lines = _lines(raw)
    index = _title_index(lines)
    return lines[index] or "" if index is not None else ""


def clean_ocr_text(raw: str, *, drop_title: bool = False) -> str:
    """OCR output as a message text: chrome dropped, wrapped lines joined, Chinese spacing fixed.

    A line ending a sentence (。！？…) or followed by a blank line ends a paragraph; any other
    line was most likely broken by the bubble width and continues on the next line. With
    ``drop_title`` a leading contact name (see :func:`screenshot_title`) is left out: a
    nickname says nothing about fraud, yet the text model reads a name such as 张经理 in front
    of a fraud SMS as a sign of an ordinary message. A sender number is kept (it is evidence).
    """
    lines = _lines(raw)
    title = _title_index(lines) if drop_title else None
    paragraphs: list[str] = []
    current = ""
    for index, line in enumerate(lines):
        if line is None or index == title:
            if current:
                paragraphs.append(current)
                current = ""
            continue
        if current:
            current += _joiner(current, line) + line
        else:
            current = line
        if _END_OF_SENTENCE.search(line):
            paragraphs.append(current)
            current = ""
    if current:
        paragraphs.append(current)
    return "\n".join(paragraphs)


def _word_chars(text: str) -> int:
    return len(re.findall(rf"[0-9A-Za-z{_CJK}]", text))


def screenshot_to_text(
    data: bytes,
    *,
    max_bytes: int = MAX_BYTES,
    max_pixels: int = MAX_PIXELS,
    timeout: float = TIMEOUT_SECONDS,
    options: OcrOptions = DEFAULT_OPTIONS,
) -> ScreenshotText:
    """OCR a chat or SMS screenshot and return its text cleaned for the risk check.

    Raises :class:`ScreenshotError` (a :class:`UserFacingError`) for what is not a supported image, too many bytes or pixels,
    a missing or failing OCR engine, a timeout, and a picture without readable text.
    """
    image = open_image(data, max_bytes=max_bytes, max_pixels=max_pixels)
    started = time.perf_counter()
    raw = run_tesseract(prepare(image, options), options, timeout)
    text = clean_ocr_text(raw, drop_title=True)
    if _word_chars(text) < 2 and options.ink_only:
        # Light text on a background the ink filter did not expect: read the plain image too.
        plain = replace(options, ink_only=False)
        remaining = max(1.0, timeout - (time.perf_counter() - started))
        raw = run_tesseract(prepare(image, plain), plain, remaining)
        text = clean_ocr_text(raw, drop_title=True)
    if _word_chars(text) < 2:
        raise ScreenshotError(
            "no_text",
            "截图中没有识别出文字，请换一张清晰的截图，或直接粘贴文字",
            "no text found in the image",
        )
    return ScreenshotText(
        text=text,
        raw=raw,
        title=screenshot_title(raw),
        width=image.width,
        height=image.height,
        seconds=time.perf_counter() - started,
    )
