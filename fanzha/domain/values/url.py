"""URLs and domains as written in messages and reports: with or without a scheme, sometimes
defanged ("hxxp://"), often with punctuation stuck to the end. The host is what links two
mentions of one fraud site.
"""

from __future__ import annotations

import re
import unicodedata
from urllib.parse import urlsplit

# Punctuation that ends a sentence rather than a URL (ASCII and the full-width forms).
TRAILING_JUNK = ".,;:!?)]}>'\"，。；：！？）】》"
_TRAILING = re.compile(rf"[\s{re.escape(TRAILING_JUNK)}]+$")


def normalise_url(value: str) -> str:
    """Full-width folded, trimmed, without trailing sentence punctuation."""
    return _TRAILING.sub("", unicodedata.normalize("NFKC", value or "").strip())


def with_scheme(url: str) -> str:
    """``url`` with a scheme to split it by: "hxxp" read as http, "http://" added when missing."""
    cleaned = re.sub(r"^hxxp", "http", url.strip(), flags=re.IGNORECASE)
    return cleaned if "://" in cleaned else "http://" + cleaned


def url_host(url: str, *, strip_www: bool = True) -> str:
    """Lower-case host of ``url`` without port (and ``www.`` unless ``strip_www`` is False);
    '' when there is none."""
    try:
        host = urlsplit(with_scheme(url)).hostname or ""
    except ValueError:
        return ""
    host = host.rstrip(".").lower()
    return host[4:] if strip_www and host.startswith("www.") else host


def url_path(url: str) -> str:
    """Lower-case path of ``url`` ("/app/download.apk"); '' when it cannot be split."""
    try:
        return urlsplit(with_scheme(url)).path.lower()
    except ValueError:
        return ""


def same_site(a: str, b: str) -> bool:
    """Two links to one host ("www.x.cn/a" and "http://x.cn/b")."""
    host = url_host(a)
    return bool(host) and host == url_host(b)
