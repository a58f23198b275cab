"""``POST /api/v1/check``: the resident risk check for other systems (a WeChat account, a kiosk).

``POST /api/v1/check/image`` takes a chat or SMS screenshot instead (multipart field ``image``),
reads its text offline with tesseract and answers the same fields plus ``text``, the recognised
text. Its own rate limit (scope ``image``) is lower because OCR costs a second or more.

Public (no authentication), rate-limited per client address (``fanzha.check.limits``), at most
4,000 characters per text. The answer has the fields of ``fanzha check`` (verdict, score,
category, reasons) plus the label, advice and the signals in detail. Nothing is stored.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from ninja import Field, File, Router, Schema, Status
from ninja.files import UploadedFile

from fanzha.check import limits
from fanzha.check.service import (
    BUSY_RETRY_AFTER_SECONDS,
    EMPTY_TEXT,
    IMAGE_ERROR_STATUS,
    MAX_CHARS,
    TextTooLong,
    image_max_bytes,
    run_check,
    run_image_check,
)
from fanzha.domain.screenshot_text import ScreenshotError

PREFIX = "/check"

router = Router(tags=["群众风险查询"])


class CheckIn(Schema):
    text: str = Field(
        ...,
        description=f"要查询的内容：短信、聊天记录、链接、电话号码、银行卡号或APP名称（最多 {MAX_CHARS} 字，超出返回 413）",
        examples=["【XX银行】您的账户存在异常，请点击 http://icbc-verify.top 验证身份"],
    )


class SignalOut(Schema):
    kind: str = Field(
        ...,
        description="known 本所案件/线索标识, model 文本模型, phrase 话术, link 链接, phone 号码, account 账户",
    )
    text: str
    weight: float = Field(..., description="该信号在 0-1 风险分上的权重")
    evidence: str = ""


class IdentifierOut(Schema):
    kind: str
    value: str
    valid: bool | None = None


class MoveOut(Schema):
    key: str = Field(..., description="动作或身份的代码（transfer、code、police、boss_relative……）")
    label: str = Field(..., description="给群众看的说法")
    quote: str = Field(..., description="原文中体现它的话")


class CheckOut(Schema):
    verdict: str = Field(..., description="fraud（高风险）、suspicious（可疑）或 safe（未发现明显诈骗特征）")
    label: str = Field(..., description="给群众看的结论：高风险 / 可疑 / 未发现明显诈骗特征")
    score: float = Field(..., description="风险分 0-1；≥0.8 高风险，≥0.5 可疑")
    category: str | None = Field(None, description="疑似诈骗类别（公安部常见类型）；未发现明显诈骗特征时为空")
    reasons: list[str] = Field(..., description="判断依据（话术、链接、号码、本所案件中出现过的标识）")
    advice: list[str] = Field(..., description="具体建议（不要转账、拨打96110……）")
    signals: list[SignalOut]
    identifiers: list[IdentifierOut]
    model_score: float | None = Field(None, description="文本模型概率；内容太短（只有链接或号码）时为空")
    asks: list[MoveOut] = Field(
        default_factory=list,
        description="对方要求做的事：转账、垫付、提供验证码或卡号、下载APP、共享屏幕……（有任何一项至少为可疑）",
    )
    claims: list[MoveOut] = Field(
        default_factory=list, description="对方自称的身份：公检法、领导熟人、客服、投资老师……"
    )
    script: str | None = Field(None, description="符合的已知骗局（自称身份 + 要求），如“冒充领导、熟人要钱”")


class ErrorOut(Schema):
    detail: str


def _check(request: HttpRequest, response: HttpResponse, payload: CheckIn) -> Status:
    decision = limits.take(request, "api")
    if not decision.allowed:
        response["Retry-After"] = str(decision.retry_after)
        return Status(429, {"detail": decision.message})
    if not payload.text.strip():
        # Nothing to judge is not "safe": say so instead of answering 未见风险.
        return Status(400, {"detail": EMPTY_TEXT})
    try:
        verdict = run_check(payload.text)
    except TextTooLong as exc:
        return Status(413, {"detail": str(exc)})
    return Status(200, verdict.as_dict())


@router.post(
    "",
    response={200: CheckOut, 400: ErrorOut, 413: ErrorOut, 429: ErrorOut},
    summary="查询一条消息、链接、号码或账户的诈骗风险",
    description=(
        "无需登录。每个网络地址每分钟限 60 次（超出返回 429 及 Retry-After）；"
        f"text 最多 {MAX_CHARS} 字（超出返回 413）；text 为空或只有空白返回 400，缺少 text 返回 422。"
        "查询内容不保存。"
    ),
    operation_id="check_text",
)
def check(request: HttpRequest, response: HttpResponse, payload: CheckIn) -> Status:
    return _check(request, response, payload)


@router.post(
    "/", response={200: CheckOut, 400: ErrorOut, 413: ErrorOut, 429: ErrorOut}, include_in_schema=False
)
def check_with_slash(request: HttpRequest, response: HttpResponse, payload: CheckIn) -> Status:
    return _check(request, response, payload)


class ImageCheckOut(CheckOut):
    text: str = Field(
        ..., description="从截图中识别出的文字（已去掉时间、输入栏等界面文字），结论依据这段文字"
    )


@router.post(
    "/image",
    response={
        200: ImageCheckOut,
        400: ErrorOut,
        413: ErrorOut,
        415: ErrorOut,
        422: ErrorOut,
        429: ErrorOut,
        503: ErrorOut,
        504: ErrorOut,
    },
    summary="查询一张聊天或短信截图的诈骗风险",
    description=(
        "无需登录。multipart 表单字段 image 为截图（PNG、JPG、WEBP、GIF、BMP）。服务器离线识别其中文字"
        "（tesseract），返回与 /api/v1/check 相同的字段，另加 text（识别出的文字）。"
        "每个网络地址每分钟限 10 次（超出返回 429）；图片过大返回 413，不是图片返回 415，"
        "文件损坏返回 400，识别不出文字返回 422，识别引擎不可用或同时识别的截图过多（稍后重试，见 Retry-After）返回 503，识别超时返回 504。截图与文字都不保存。"
    ),
    operation_id="check_image",
)
def check_image(request: HttpRequest, response: HttpResponse, image: File[UploadedFile]) -> Status:
    decision = limits.take(request, "image")
    if not decision.allowed:
        response["Retry-After"] = str(decision.retry_after)
        return Status(429, {"detail": decision.message})
    if image.size is not None and image.size > image_max_bytes():
        return Status(413, {"detail": f"图片太大：最大 {image_max_bytes() // 1024 // 1024} MB"})
    try:
        result = run_image_check(image.read())
    except ScreenshotError as exc:
        if exc.reason == "busy":
            response["Retry-After"] = str(BUSY_RETRY_AFTER_SECONDS)
        return Status(IMAGE_ERROR_STATUS.get(exc.reason, 400), {"detail": exc.zh})
    except TextTooLong as exc:
        return Status(413, {"detail": str(exc)})
    finally:
        image.close()
    return Status(200, {**result.verdict.as_dict(), "text": result.text})
