"""Which address rate limits and the audit log see, with and without a trusted reverse proxy."""

from __future__ import annotations

import pytest
from django.test import RequestFactory, override_settings

from fanzha.web.client_address import client_address


def request(remote: str, forwarded: str | None = None):  # type: ignore[no-untyped-def]
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/public/check/", **extra)


def test_without_trusted_proxies_the_header_is_ignored() -> None:
    assert client_address(request("203.0.113.9", "10.1.1.1")) == "203.0.113.9"


@override_settings(FANZHA_TRUSTED_PROXIES=["127.0.0.1", "10.0.0.0/8"])
@pytest.mark.parametrize(
    ("remote", "forwarded", "expected"),
    [
        # The proxy appended the resident's address.
        ("127.0.0.1", "198.51.100.7", "198.51.100.7"),
        # A resident who sends their own header cannot choose the address: the rightmost untrusted wins.
        ("127.0.0.1", "1.2.3.4, 198.51.100.7", "198.51.100.7"),
        # Two of our proxies in a row are skipped.
        ("127.0.0.1", "198.51.100.7, 10.2.3.4", "198.51.100.7"),
        # A connection that does not come from a proxy is believed as it is.
        ("198.51.100.8", "1.2.3.4", "198.51.100.8"),
        # Nothing forwarded, or garbage written by the proxy: the proxy's own address.
        ("127.0.0.1", None, "127.0.0.1"),
        ("127.0.0.1", "not-an-address", "127.0.0.1"),
        ("::1", "198.51.100.7", "::1"),
    ],
)
def test_behind_a_trusted_proxy_the_forwarded_client_counts(
    remote: str, forwarded: str | None, expected: str
) -> None:
    assert client_address(request(remote, forwarded)) == expected


@pytest.mark.django_db
def test_residents_behind_one_proxy_have_their_own_rate_limit(client, settings) -> None:  # type: ignore[no-untyped-def]
    from django.core.cache import cache

    cache.clear()
    settings.FANZHA_TRUSTED_PROXIES = ["127.0.0.1"]
    settings.FANZHA_CHECK_RATE_LIMITS = {"page": 2, "report": 1, "api": 1}

    def ask(resident: str) -> int:
        return client.post(
            "/api/v1/check",
            data='{"text": "您好"}',
            content_type="application/json",
            REMOTE_ADDR="127.0.0.1",
            HTTP_X_FORWARDED_FOR=resident,
        ).status_code

    assert [ask("198.51.100.1"), ask("198.51.100.1"), ask("198.51.100.2")] == [200, 429, 200]
    cache.clear()
