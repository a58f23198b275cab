"""The HTTP SMS gateway client against a stub server this test starts (never a real gateway)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from fanzha.domain import sms_gateway as gw


class StubGateway:
    """Answers each POST as ``behaviour`` says and keeps what it was sent."""

    def __init__(self) -> None:
        self.received: list[dict[str, Any]] = []
        self.headers: list[dict[str, str]] = []
        self.behaviour = "ok"
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                stub.received.append(body)
                stub.headers.append(dict(self.headers))
                if stub.behaviour == "error":
                    self.send_response(500)
                    self.end_headers()
                    return
                if stub.behaviour == "garbage":
                    payload = b"<html>busy</html>"
                else:
                    results = [
                        {"id": m["id"], "status": "failed", "error": "空号"}
                        if m["phone"].endswith("0")
                        else {"id": m["id"], "status": "delivered"}
                        for m in body["messages"]
                        if not m["phone"].endswith("9")  # the gateway forgets these
                    ]
                    payload = json.dumps({"results": results}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/sms"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def stub() -> Iterator[StubGateway]:
    server = StubGateway()
    yield server
    server.close()


def _messages() -> list[gw.OutgoingSms]:
    return [gw.OutgoingSms(str(i), f"1380000000{i}", "【城关派出所】刷单都是诈骗") for i in range(10)]


def test_results_come_back_per_message(stub: StubGateway) -> None:
    results = gw.send_batch(gw.GatewayConfig(stub.url, "secret-key"), _messages())
    by_id = {r.id: r for r in results}
    assert by_id["1"].delivered and not by_id["1"].error
    assert not by_id["0"].delivered and by_id["0"].error == "空号"
    assert not by_id["9"].delivered and by_id["9"].error == "网关未返回结果"
    assert stub.headers[0]["Authorization"] == "Bearer secret-key"
    assert stub.received[0]["messages"][3] == {
        "id": "3",
        "phone": "13800000003",
        "text": "【城关派出所】刷单都是诈骗",
    }


@pytest.mark.parametrize("behaviour", ["error", "garbage"])
def test_a_batch_the_gateway_cannot_take_raises_a_chinese_error(stub: StubGateway, behaviour: str) -> None:
    stub.behaviour = behaviour
    with pytest.raises(gw.GatewayError, match="本批"):
        gw.send_batch(gw.GatewayConfig(stub.url, "k"), _messages())


def test_an_unreachable_gateway_is_an_error_not_a_hang() -> None:
    with pytest.raises(gw.GatewayError, match="无法连接"):
        gw.send_batch(gw.GatewayConfig("http://127.0.0.1:9/sms", "k", timeout=2), _messages())


def test_only_http_urls_are_accepted_and_batches_split() -> None:
    with pytest.raises(ValueError):
        gw.GatewayConfig("file:///etc/passwd", "k")
    assert [len(b) for b in gw.batches(_messages(), 4)] == [4, 4, 2]


def test_gateway_calls_are_logged_without_numbers_texts_or_key(stub: StubGateway, caplog: Any) -> None:
    import logging

    with caplog.at_level(logging.INFO, logger="fanzha"):
        gw.send_batch(gw.GatewayConfig(stub.url, "secret-key"), _messages())
        stub.behaviour = "error"
        with pytest.raises(gw.GatewayError):
            gw.send_batch(gw.GatewayConfig(stub.url, "secret-key"), _messages())
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "sending 10 SMS to gateway 127.0.0.1" in logged
    assert any(r.levelno == logging.WARNING and "refused" in r.getMessage() for r in caplog.records)
    assert "1380000000" not in logged and "刷单" not in logged and "secret-key" not in logged
