"""Evaluate the screenshot check: render held-out SMS as phone screenshots, OCR them, judge them.

The texts are the held-out test split of scripts/evaluate_risk.py (loaded by the same code in
scripts/train_message_model.py, never used in training). Each sampled fraud and normal SMS is
drawn as it is (placeholders such as DIGIT and URL included) into a chat screenshot in one of a
few styles (light and dark WeChat-like chats, an SMS app, a washed-out JPEG photo of a screen,
a 540 px and a 360 px wide chat), with the usual chrome around it: status-bar clock, a
timestamp, the contact name and the input bar. The switches (--psm, --languages, --no-invert,
--no-ink-only, --upscale-below) measure what each preparation step is worth.
The script then reports, for the screenshot path against the text path on the same messages:
  * recall on fraud SMS at 高风险 and at 可疑 or worse;
  * false positives on normal SMS at 高风险 and at 可疑 or worse;
  * character error rate of the OCR (edit distance / length, whitespace ignored), per style;
  * OCR time per screenshot.

Usage: .venv/bin/python scripts/evaluate_screenshots.py [--fraud 60] [--normal 60] [--save-dir DIR]
"""

from __future__ import annotations

import argparse
import io
import os
import random
import re
import statistics
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from PIL import Image, ImageDraw, ImageEnhance, ImageFilter, ImageFont  # noqa: E402
from train_message_model import DEFAULT_DATA, SEED, load_examples, split_of  # noqa: E402

from fanzha.domain.risk import FRAUD_THRESHOLD, SUSPICIOUS_THRESHOLD, check_text  # noqa: E402
from fanzha.domain.screenshot_text import (  # noqa: E402
    DEFAULT_OPTIONS,
    OcrOptions,
    screenshot_to_text,
    tesseract_available,
)
from fanzha.errors import UserFacingError  # noqa: E402

FONT_CANDIDATES = (
    Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"),
    Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"),
)


def cjk_font_path() -> Path | None:
    """A CJK font that Pillow can draw with (Debian's fonts-wqy-microhei or fonts-noto-cjk)."""
    for path in FONT_CANDIDATES:
        if path.exists():
            return path
    return None


@dataclass(frozen=True)
class Style:
    name: str
    width: int  # screenshot width in pixels (phones save 720-1242; a forwarded thumbnail is smaller)
    font_size: int
    background: str
    incoming: str  # bubble colour of the other side
    incoming_text: str
    outgoing: str
    outgoing_text: str
    chrome_text: str
    bar: str  # title and input bars
    bubble_share: float  # widest bubble as a share of the screen width
    sms: bool = False
    photo: bool = False  # a phone photo of the screen: washed out, blurred, unevenly lit, JPEG


_WECHAT_LIGHT = Style(
    "wechat-light",
    1080,
    48,
    "#EDEDED",
    "#FFFFFF",
    "#191919",
    "#95EC69",
    "#191919",
    "#7F7F7F",
    "#F7F7F7",
    0.68,
)
STYLES: dict[str, Style] = {
    style.name: style
    for style in (
        _WECHAT_LIGHT,
        Style(
            "wechat-dark",
            1080,
            48,
            "#111111",
            "#2C2C2C",
            "#D5D5D5",
            "#3EB575",
            "#0C0C0C",
            "#8A8A8A",
            "#1E1E1E",
            0.68,
        ),
        Style(
            "sms-light",
            750,
            32,
            "#FFFFFF",
            "#E9E9EB",
            "#000000",
            "#0A84FF",
            "#FFFFFF",
            "#8E8E93",
            "#F6F6F6",
            0.75,
            True,
        ),
        # The same chat photographed, saved small, or forwarded as a thumbnail.
        replace(_WECHAT_LIGHT, name="photo-light", photo=True),
        replace(_WECHAT_LIGHT, name="wechat-small", width=540, font_size=22, bubble_share=0.6),
        replace(_WECHAT_LIGHT, name="thumbnail", width=360, font_size=15, bubble_share=0.6),
    )
}


def _wrap(text: str, font: ImageFont.FreeTypeFont, width: float) -> list[str]:
    """Break ``text`` into lines no wider than ``width`` pixels, the way a chat bubble does.

    Chinese breaks between any two characters; a Latin word (or placeholder such as DIGIT)
    moves to the next line whole unless it is wider than the bubble, as phone text layout does.
    """
    lines: list[str] = []
    for paragraph in text.split("\n"):
        line = ""
        for token in re.findall(r"[A-Za-z0-9_\-./:?=&%#@]+|\s+|.", paragraph):
            if not line or font.getlength(line + token) <= width:
                line += token
                continue
            if token.isspace():
                lines.append(line)
                line = ""
                continue
            if len(token) > 1 and font.getlength(token) <= width:
                lines.append(line.rstrip())
                line = token
                continue
            for char in token:
                if line and font.getlength(line + char) > width:
                    lines.append(line)
                    line = char
                else:
                    line += char
        lines.append(line)
    return lines


def render_chat(
    messages: list[tuple[str, str]],
    style: Style | str = "wechat-light",
    *,
    contact: str = "张经理",
    clock: str = "14:32",
    stamp: str = "昨天 14:30",
    font_path: Path | None = None,
) -> bytes:
    """A PNG phone screenshot of a chat: ``messages`` are (side, text) with side "in" or "out"."""
    style = STYLES[style] if isinstance(style, str) else style
    path = font_path or cjk_font_path()
    if path is None:
        raise RuntimeError("no CJK font: install fonts-wqy-microhei or fonts-noto-cjk")
    size = style.font_size
    font = ImageFont.truetype(str(path), size)
    small = ImageFont.truetype(str(path), max(10, int(size * 0.7)))
    pad = int(size * 0.55)
    avatar = 0 if style.sms else int(size * 1.9)
    margin = int(size * 0.5)
    max_text = style.width * style.bubble_share - 2 * pad
    line_height = int(size * 1.4)

    blocks: list[tuple[str, list[str], int, int]] = []
    for side, text in messages:
        lines = _wrap(text, font, max_text)
        text_width = max((font.getlength(line) for line in lines), default=0)
        blocks.append(
            (
                side,
                lines,
                int(text_width) + 2 * pad,
                len(lines) * line_height + 2 * pad - (line_height - size),
            )
        )

    status_h, title_h, input_h = int(size * 1.6), int(size * 2.4), int(size * 2.6)
    body_h = int(size * 1.6) + sum(h + int(size * 0.8) for _, _, _, h in blocks) + size
    height = status_h + title_h + body_h + input_h
    image = Image.new("RGB", (style.width, height), style.background)
    draw = ImageDraw.Draw(image)

    # Status bar and title bar: the chrome the OCR clean-up should drop or survive.
    draw.rectangle((0, 0, style.width, status_h + title_h), fill=style.bar)
    draw.text((margin * 2, int(size * 0.3)), clock, font=small, fill=style.chrome_text)
    draw.text(
        (style.width - margin * 2 - small.getlength("5G 87%"), int(size * 0.3)),
        "5G 87%",
        font=small,
        fill=style.chrome_text,
    )
    title = contact
    draw.text(
        ((style.width - font.getlength(title)) / 2, status_h + int(size * 0.6)),
        title,
        font=font,
        fill=style.incoming_text if not style.sms else "#000000",
    )
    draw.text((margin * 2, status_h + int(size * 0.6)), "<", font=font, fill=style.chrome_text)

    y = status_h + title_h + int(size * 0.4)
    draw.text(((style.width - small.getlength(stamp)) / 2, y), stamp, font=small, fill=style.chrome_text)
    y += int(size * 1.2)
    for side, lines, bubble_w, bubble_h in blocks:
        incoming = side == "in"
        fill = style.incoming if incoming else style.outgoing
        ink = style.incoming_text if incoming else style.outgoing_text
        if incoming:
            if avatar:
                draw.rectangle((margin, y, margin + avatar, y + avatar), fill="#C7A17A")
            left = margin + avatar + (margin if avatar else 0)
        else:
            if avatar:
                draw.rectangle(
                    (style.width - margin - avatar, y, style.width - margin, y + avatar), fill="#6A8CAF"
                )
            left = style.width - margin - avatar - (margin if avatar else 0) - bubble_w
        radius = int(size * (0.8 if style.sms else 0.25))
        draw.rounded_rectangle((left, y, left + bubble_w, y + bubble_h), radius=radius, fill=fill)
        for index, line in enumerate(lines):
            draw.text((left + pad, y + pad + index * line_height), line, font=font, fill=ink)
        y += max(bubble_h, avatar) + int(size * 0.8)

    # Input bar.
    top = height - input_h
    draw.rectangle((0, top, style.width, height), fill=style.bar)
    hint = "按住 说话" if not style.sms else "短信"
    draw.rounded_rectangle(
        (margin * 4, top + int(size * 0.45), style.width - margin * 8, height - int(size * 0.45)),
        radius=int(size * 0.3),
        fill=style.background if not style.sms else "#FFFFFF",
        outline=style.chrome_text,
    )
    draw.text(
        ((style.width - font.getlength(hint)) / 2, top + int(size * 0.8)),
        hint,
        font=font,
        fill=style.chrome_text,
    )
    if not style.sms:
        draw.text((style.width - margin * 6, top + int(size * 0.8)), "+", font=font, fill=style.chrome_text)
    buffer = io.BytesIO()
    if style.photo:
        image = ImageEnhance.Brightness(ImageEnhance.Contrast(image).enhance(0.55)).enhance(1.1)
        image = image.filter(ImageFilter.GaussianBlur(1.2))
        shade = Image.linear_gradient("L").resize(image.size).point(lambda value: int(value * 0.35))
        image = Image.composite(Image.new("RGB", image.size, "black"), image, shade)
        image.save(buffer, format="JPEG", quality=70)
    else:
        image.save(buffer, format="PNG")
    return buffer.getvalue()


def edit_distance(a: str, b: str) -> int:
    previous = list(range(len(b) + 1))
    for i, char_a in enumerate(a, start=1):
        current = [i]
        for j, char_b in enumerate(b, start=1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (char_a != char_b)))
        previous = current
    return previous[-1]


def character_error_rate(reference: str, recognised: str) -> float:
    """Edit distance over the reference length, whitespace ignored (wrapping and spacing are layout)."""
    reference, recognised = re.sub(r"\s+", "", reference), re.sub(r"\s+", "", recognised)
    return edit_distance(reference, recognised) / max(len(reference), 1)


@dataclass
class Outcome:
    style: str
    positive: bool
    text_score: float
    image_score: float | None  # None: the OCR refused the image (no text found)
    cer: float
    seconds: float
    error: str = ""
    reference: str = ""
    recognised: str = ""


CONTACT = "张经理"


def evaluate_one(
    text: str, positive: bool, style: str, options: OcrOptions, save_dir: Path | None, index: int
) -> Outcome:
    png = render_chat([("in", text)], style, contact=CONTACT)
    if save_dir is not None:
        (save_dir / f"{index:04d}-{style}-{'fraud' if positive else 'normal'}.png").write_bytes(png)
    text_score = check_text(text).score
    started = time.perf_counter()
    try:
        result = screenshot_to_text(png, options=options)
    except UserFacingError as exc:
        return Outcome(style, positive, text_score, None, 1.0, time.perf_counter() - started, exc.en, text)
    return Outcome(
        style,
        positive,
        text_score,
        check_text(result.text).score,
        # The contact's name in the title bar is read apart (result.title), not as message text.
        character_error_rate(text, result.text),
        result.seconds,
        reference=text,
        recognised=result.text,
    )


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA)
    parser.add_argument("--seed", default=SEED)
    parser.add_argument("--fraud", type=int, default=60, help="fraud SMS to sample from the test split")
    parser.add_argument("--normal", type=int, default=60, help="normal SMS to sample from the test split")
    parser.add_argument("--styles", default=",".join(STYLES), help=f"comma-separated, of {', '.join(STYLES)}")
    parser.add_argument("--workers", type=int, default=2, help="OCR processes side by side")
    parser.add_argument("--show-worst", type=int, default=0, help="print the N screenshots read worst")
    parser.add_argument("--save-dir", type=Path, default=None, help="keep the rendered screenshots here")
    # Preprocessing switches, to measure what each step is worth.
    parser.add_argument("--psm", type=int, default=DEFAULT_OPTIONS.psm)
    parser.add_argument("--languages", default=DEFAULT_OPTIONS.languages)
    parser.add_argument("--no-grayscale", action="store_true")
    parser.add_argument("--no-invert", action="store_true")
    parser.add_argument(
        "--upscale-below",
        type=int,
        default=DEFAULT_OPTIONS.upscale_below,
        help="scale narrower images up (0: never)",
    )
    parser.add_argument(
        "--no-ink-only", action="store_true", help="leave avatars, bubbles and grey chrome in"
    )
    args = parser.parse_args()
    if cjk_font_path() is None:
        print("no CJK font: install fonts-wqy-microhei or fonts-noto-cjk", file=sys.stderr)
        return 1
    if not tesseract_available():
        print(
            "tesseract is not installed (apt-get install tesseract-ocr tesseract-ocr-chi-sim)",
            file=sys.stderr,
        )
        return 1
    options = OcrOptions(
        languages=args.languages,
        psm=args.psm,
        grayscale=not args.no_grayscale,
        invert_dark=not args.no_invert,
        upscale_below=args.upscale_below,
        ink_only=not args.no_ink_only,
    )
    styles = [name.strip() for name in args.styles.split(",") if name.strip()]
    test = [ex for ex in load_examples(args.data) if split_of(ex, args.seed) == "test" and ex.kind == "sms"]
    rng = random.Random(args.seed)
    fraud = rng.sample([ex.text for ex in test if ex.label == "fraud"], args.fraud)
    normal = rng.sample([ex.text for ex in test if ex.label == "normal"], args.normal)
    jobs = [(text, True) for text in fraud] + [(text, False) for text in normal]
    if args.save_dir is not None:
        args.save_dir.mkdir(parents=True, exist_ok=True)
    print(
        f"held-out SMS (seed {args.seed}): {len(fraud)} fraud, {len(normal)} normal; styles {', '.join(styles)}; "
        f"{options}"
    )
    check_text("预热")  # load the model before timing
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=args.workers) as pool:
        outcomes = list(
            pool.map(
                lambda item: evaluate_one(
                    item[1][0], item[1][1], styles[item[0] % len(styles)], options, args.save_dir, item[0]
                ),
                enumerate(jobs),
            )
        )
    elapsed = time.perf_counter() - started
    report(outcomes, styles)
    for outcome in sorted(outcomes, key=lambda o: -o.cer)[: args.show_worst]:
        print(
            f"\nCER {outcome.cer:.2f} {outcome.style}: {outcome.reference}\n  read as: {outcome.recognised!r}"
        )
    seconds = [o.seconds for o in outcomes]
    print(
        f"\nOCR time per screenshot: median {statistics.median(seconds):.2f} s, max {max(seconds):.2f} s "
        f"({args.workers} side by side; wall {elapsed:.0f} s for {len(outcomes)}; load {os.getloadavg()[0]:.2f})"
    )
    return 0


def _rates(outcomes: list[Outcome]) -> str:
    def share(values: list[float | None], threshold: float) -> str:
        hits = sum(v is not None and v >= threshold for v in values)
        return f"{hits / max(len(values), 1):7.2%}"

    text_scores: list[float | None] = [o.text_score for o in outcomes]
    image_scores = [o.image_score for o in outcomes]
    return (
        f"{share(text_scores, FRAUD_THRESHOLD)} {share(text_scores, SUSPICIOUS_THRESHOLD)}   "
        f"{share(image_scores, FRAUD_THRESHOLD)} {share(image_scores, SUSPICIOUS_THRESHOLD)}"
    )


def report(outcomes: list[Outcome], styles: list[str]) -> None:
    print(
        f"\n{'':22s} {'n':>4s}   text: {'高风险':>5s} {'>=可疑':>6s}   screenshot: {'高风险':>5s} {'>=可疑':>6s}   CER"
    )
    for positive, name in ((True, "fraud SMS (recall)"), (False, "normal SMS (FP)")):
        group = [o for o in outcomes if o.positive == positive]
        cer = statistics.mean(o.cer for o in group) if group else 0.0
        print(f"{name:22s} {len(group):4d}   {_rates(group)}   {cer:6.2%}")
        for style in styles:
            members = [o for o in group if o.style == style]
            if members:
                cer = statistics.mean(o.cer for o in members)
                print(f"  {style:20s} {len(members):4d}   {_rates(members)}   {cer:6.2%}")
    failed = [o for o in outcomes if o.image_score is None]
    if failed:
        print(
            f"\nscreenshots the OCR refused: {len(failed)} ({'; '.join(sorted({o.error for o in failed}))})"
        )
    lost = [
        o
        for o in outcomes
        if o.positive and o.text_score >= FRAUD_THRESHOLD and (o.image_score or 0) < FRAUD_THRESHOLD
    ]
    gained = [
        o for o in outcomes if not o.positive and (o.image_score or 0) >= SUSPICIOUS_THRESHOLD > o.text_score
    ]
    print(
        f"fraud SMS at 高风险 as text but not as a screenshot: {len(lost)}; normal SMS 可疑 or worse only as a screenshot: {len(gained)}"
    )


if __name__ == "__main__":
    sys.exit(main())
