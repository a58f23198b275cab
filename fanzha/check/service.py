"""The resident risk check as the page and the API use it, and turning a check into a report.

Checking stores nothing: the text, or the screenshot and the text read from it, live in the
request only. Only :func:`report_to_station`, which
runs when the resident chooses 举报给派出所, writes anything: one clue through the clue intake, so
that it is matched, graded and queued like every other clue.
"""

from __future__ import annotations

import threading
import uuid
from dataclasses import dataclass
from functools import cache
from typing import Any

from django.conf import settings
from django.utils import timezone

from fanzha.check.known import known_identifiers
from fanzha.domain.data_files import load_data_json
from fanzha.domain.identifiers import ACCOUNT_KINDS, PHONE_KINDS, URL_KINDS
from fanzha.domain.risk import RiskVerdict, check_text
from fanzha.domain.screenshot_text import (
    MAX_BYTES,
    MAX_PIXELS,
    TIMEOUT_SECONDS,
    ScreenshotError,
    screenshot_to_text,
)

MAX_CHARS = 4000
EMPTY_TEXT = "请先输入要查询的内容：短信、聊天记录、链接、电话号码、银行卡号或APP名称。"
REPORT_SOURCE = "群众举报"


class TextTooLong(ValueError):
    def __init__(self, length: int) -> None:
        super().__init__(f"内容过长：最多 {MAX_CHARS} 字，收到 {length} 字。请只粘贴可疑的那几条消息。")
        self.length = length


def run_check(text: str) -> RiskVerdict:
    """Judge ``text`` against the signals and the station's own identifiers (nothing is stored)."""
    if len(text) > MAX_CHARS:
        raise TextTooLong(len(text))
    return check_text(text, known_identifiers())


def image_max_bytes() -> int:
    """Largest screenshot accepted, from the setting ``FANZHA_CHECK_IMAGE_MAX_BYTES``.

    The default stays within Django's FILE_UPLOAD_MAX_MEMORY_SIZE (5 MB) so that an accepted
    upload is held in memory only; a larger upload Django spools to a temporary file that it
    deletes at the end of the request.
    """
    return int(getattr(settings, "FANZHA_CHECK_IMAGE_MAX_BYTES", None) or min(MAX_BYTES, 5 * 1024 * 1024))


@dataclass(frozen=True)
class ImageCheck:
    text: str  # the recognised text, cleaned; what the verdict judged
    verdict: RiskVerdict


# The HTTP status of each kind of unreadable screenshot, for the page and the API alike.
IMAGE_ERROR_STATUS = {
    "not_image": 415,
    "damaged": 400,
    "too_large": 413,
    "no_text": 422,
    "engine": 503,
    "busy": 503,
    "timeout": 504,
}
BUSY_RETRY_AFTER_SECONDS = 10

# OCR slots of this process: decoding, preparing and reading a screenshot take a core and up to a few
# hundred MB each, so only this many run at once (FANZHA_CHECK_OCR_CONCURRENCY); a request that finds
# every slot taken waits FANZHA_CHECK_OCR_WAIT_SECONDS at most and is then told to try again (503),
# rather than holding a server thread that officers' pages need.
DEFAULT_OCR_CONCURRENCY = 2
DEFAULT_OCR_WAIT_SECONDS = 3.0
_slots_lock = threading.Lock()
_slots: dict[int, threading.BoundedSemaphore] = {}


def ocr_slots() -> threading.BoundedSemaphore:
    size = int(getattr(settings, "FANZHA_CHECK_OCR_CONCURRENCY", None) or DEFAULT_OCR_CONCURRENCY)
    with _slots_lock:
        return _slots.setdefault(size, threading.BoundedSemaphore(size))


def read_screenshot(data: bytes) -> str:
    """The text of a screenshot, within the deployment's limits (raises ScreenshotError; nothing is stored)."""
    slots = ocr_slots()
    wait = float(getattr(settings, "FANZHA_CHECK_OCR_WAIT_SECONDS", DEFAULT_OCR_WAIT_SECONDS))
    if not slots.acquire(timeout=wait):
        raise ScreenshotError(
            "busy",
            "当前识别截图的人较多，请稍后再试，或直接粘贴文字查询",
            "every OCR slot is busy; try again shortly",
            exit_code=3,
        )
    try:
        recognised = screenshot_to_text(
            data,
            max_bytes=image_max_bytes(),
            max_pixels=int(getattr(settings, "FANZHA_CHECK_IMAGE_MAX_PIXELS", None) or MAX_PIXELS),
            timeout=float(getattr(settings, "FANZHA_CHECK_OCR_TIMEOUT", None) or TIMEOUT_SECONDS),
        )
    finally:
        slots.release()
    return recognised.text


def run_image_check(data: bytes) -> ImageCheck:
    """OCR a screenshot and judge its text (raises ScreenshotError or TextTooLong; nothing is stored)."""
    text = read_screenshot(data)
    return ImageCheck(text=text, verdict=run_check(text))


@dataclass(frozen=True)
class Situation:
    value: str
    label: str
    clue_kind: str


@cache
def _situations_data() -> dict[str, Any]:
    data: dict[str, Any] = load_data_json("check/report_situations.json")
    return data


def situations() -> list[Situation]:
    return [Situation(s["value"], s["label"], s["clue_kind"]) for s in _situations_data()["situations"]]


def first_identifier(verdict: RiskVerdict) -> tuple[str, str]:
    """The identifier a report is filed under and its group (url, phone, bank_account), or ("", "text")."""
    for kinds, group in ((URL_KINDS, "url"), (PHONE_KINDS, "phone"), (ACCOUNT_KINDS, "bank_account")):
        for item in verdict.identifiers:
            if item.kind in kinds:
                return item.value, group
    return "", "text"


def default_situation(verdict: RiskVerdict) -> str:
    _, group = first_identifier(verdict)
    return str(_situations_data()["default_for"].get(group, "sms"))


@dataclass(frozen=True)
class ReportReceipt:
    clue_id: int | None
    reference: str  # the resident's receipt number: the clue's source id
    state: str  # queued or matched (clue intake's outcome)


def report_to_station(
    text: str, situation: str = "", target_phone: str = "", *, from_screenshot: bool = False
) -> ReportReceipt:
    """File what the resident pasted as a clue from 群众举报 (queued or matched by the intake).

    For a screenshot the clue holds the recognised text (as the resident saw and maybe corrected
    it) and a flag saying it came from OCR; the image itself is never kept.
    """
    from fanzha.clues.intake import ClueInput, IntakeState, receive_clues

    verdict = run_check(text)
    chosen = {s.value: s for s in situations()}.get(situation or default_situation(verdict))
    if chosen is None:
        chosen = situations()[0]
    identifier, _ = first_identifier(verdict)
    reference = uuid.uuid4().hex
    result = receive_clues(
        [
            ClueInput(
                source=REPORT_SOURCE,
                source_id=reference,
                received_at=timezone.now(),
                kind=chosen.clue_kind,
                fraud_identifier=identifier[:200],
                suspected_category=(verdict.category or "")[:40],
                target_phone=target_phone.strip()[:20],
                raw={
                    "text": text,
                    "situation": chosen.label,
                    "verdict": verdict.verdict,
                    "score": round(verdict.score, 4),
                    "reasons": [reason.text for reason in verdict.reasons],
                    **({"from_screenshot": True} if from_screenshot else {}),
                },
            )
        ]
    )
    outcome = result.outcomes[0] if result.outcomes else None
    return ReportReceipt(
        clue_id=outcome.clue_id if outcome else None,
        reference=reference,
        state=outcome.state if outcome else IntakeState.QUEUED,
    )
