"""A configured HTTP SMS gateway: send reminders and read back what became of each.

Police intranets rarely have one; when a station does (``FANZHA_SMS_GATEWAY_URL`` and
``FANZHA_SMS_GATEWAY_KEY``), reminders go through it instead of an exported file. The protocol
is plain JSON over HTTP(S), in batches:

    POST <url>
    Authorization: Bearer <key>
    {"messages": [{"id": "123", "phone": "13800000000", "text": "【…】…"}, …]}

    200 {"results": [{"id": "123", "status": "delivered"}, {"id": "124", "status": "failed",
                      "error": "空号"}, …]}

``delivered`` (or ``sent``) counts as reached; any other status is a failure with its reason. A
message the gateway does not answer for is a failure ("网关未返回结果"). A batch that cannot be
sent at all (network, HTTP error, unreadable answer) raises :class:`GatewayError` and its
messages are left as they were, so nothing is marked sent that was not.

Pure Python (urllib); the tests talk to a stub server they start themselves.
"""

from __future__ import annotations

import json
import logging
import urllib.error
import urllib.request
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from urllib.parse import urlparse

logger = logging.getLogger(__name__)

BATCH_SIZE = 500
TIMEOUT_SECONDS = 15.0
REACHED_STATUSES = frozenset({"delivered", "sent"})


class GatewayError(Exception):
    """The gateway could not be reached or did not answer sensibly; the message is Chinese."""


@dataclass(frozen=True)
class GatewayConfig:
    url: str
    key: str
    timeout: float = TIMEOUT_SECONDS
    batch_size: int = BATCH_SIZE

    def __post_init__(self) -> None:
        parsed = urlparse(self.url)
        if parsed.scheme not in ("http", "https") or not parsed.netloc:
            raise ValueError("the SMS gateway URL must be http:// or https://")

    @property
    def host(self) -> str:
        """Where the gateway is, for logs (no credentials, no path)."""
        return urlparse(self.url).hostname or ""


@dataclass(frozen=True)
class OutgoingSms:
    id: str
    phone: str
    text: str


@dataclass(frozen=True)
class DeliveryResult:
    id: str
    delivered: bool
    error: str = ""


def send_batch(config: GatewayConfig, messages: Sequence[OutgoingSms]) -> list[DeliveryResult]:
    """Send one batch; one result per message, in the order given."""
    body = json.dumps(
        {"messages": [{"id": m.id, "phone": m.phone, "text": m.text} for m in messages]}, ensure_ascii=False
    ).encode("utf-8")
    request = urllib.request.Request(
        config.url,
        data=body,
        method="POST",
        headers={
            "Authorization": f"Bearer {config.key}",
            "Content-Type": "application/json; charset=utf-8",
            "Accept": "application/json",
        },
    )
    # Phone numbers and texts stay out of the log: it is read by more people than the reminders.
    logger.info("sending %d SMS to gateway %s", len(messages), config.host)
    try:
        with urllib.request.urlopen(request, timeout=config.timeout) as response:
            raw = response.read()
    except urllib.error.HTTPError as exc:
        logger.warning("SMS gateway %s refused a batch of %d: HTTP %s", config.host, len(messages), exc.code)
        raise GatewayError(f"短信网关拒绝了请求（HTTP {exc.code}），本批未发送") from exc
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        logger.warning(
            "SMS gateway %s unreachable, batch of %d not sent: %s", config.host, len(messages), reason
        )
        raise GatewayError(f"无法连接短信网关：{reason}，本批未发送") from exc
    try:
        answer = json.loads(raw.decode("utf-8"))
        rows = answer["results"]
        by_id = {str(r["id"]): r for r in rows}
    except (ValueError, KeyError, TypeError) as exc:
        logger.warning(
            "SMS gateway %s answered a batch of %d with no readable results: %s: %s",
            config.host,
            len(messages),
            type(exc).__name__,
            exc,
        )
        raise GatewayError(
            "短信网关的回复无法识别（应为 JSON 且含 results），本批状态未知，未标记为已发送"
        ) from exc
    results: list[DeliveryResult] = []
    for message in messages:
        row = by_id.get(message.id)
        if row is None:
            results.append(DeliveryResult(message.id, False, "网关未返回结果"))
            continue
        status = str(row.get("status", "")).lower()
        delivered = status in REACHED_STATUSES
        error = "" if delivered else str(row.get("error") or status or "发送失败")[:200]
        results.append(DeliveryResult(message.id, delivered, error))
    reached = sum(r.delivered for r in results)
    level = logging.INFO if reached == len(results) else logging.WARNING
    logger.log(level, "SMS gateway %s: %d of %d reached", config.host, reached, len(results))
    return results


def batches(messages: Sequence[OutgoingSms], size: int) -> Iterator[Sequence[OutgoingSms]]:
    for start in range(0, len(messages), max(1, size)):
        yield messages[start : start + size]
