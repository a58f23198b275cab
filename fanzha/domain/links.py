"""Link heuristics for the resident risk check: what is wrong with a URL, said in plain Chinese.

Findings: look-alike domains of banks, payment and government sites (brand borrowed into a
foreign host, small edit distance, homoglyphs such as 0→o or rn→m), IP-literal hosts,
punycode, direct ``.apk`` downloads, URL shorteners and cheap TLDs. Lists, weights and
explanations live in ``fanzha/data/risk/``.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from rapidfuzz.distance import Levenshtein

from fanzha.domain.data_files import load_data_json
from fanzha.domain.text_normalize import URL_PATTERN
from fanzha.domain.values.url import TRAILING_JUNK, url_host, url_path

_HOST_TOKEN = re.compile(r"[a-z]+|\d+")


@dataclass(frozen=True)
class OfficialDomain:
    domain: str
    name: str
    kind: str  # bank, payment, government, service
    brands: tuple[str, ...]


@dataclass(frozen=True)
class LinkFinding:
    """One thing wrong with one link; ``weight`` is on the final risk scale (see risk.py)."""

    url: str
    host: str
    kind: str
    explanation: str
    weight: float


@dataclass(frozen=True)
class LinkRules:
    officials: tuple[OfficialDomain, ...]
    government_suffixes: tuple[str, ...]
    government_brands: frozenset[str]
    shorteners: frozenset[str]
    suspicious_tlds: frozenset[str]
    two_level_suffixes: frozenset[str]
    homoglyphs: tuple[tuple[str, str], ...]
    max_edit_distance: int
    weights: dict[str, float]
    explanations: dict[str, str]


@lru_cache(maxsize=1)
def load_link_rules() -> LinkRules:
    domains: dict[str, Any] = load_data_json("risk/official_domains.json")
    rules: dict[str, Any] = load_data_json("risk/link_rules.json")
    return LinkRules(
        officials=tuple(
            OfficialDomain(item["domain"], item["name"], item["kind"], tuple(item["brands"]))
            for item in domains["domains"]
        ),
        government_suffixes=tuple(domains["government_suffixes"]),
        government_brands=frozenset(domains["government_brands"]),
        shorteners=frozenset(rules["shorteners"]),
        suspicious_tlds=frozenset(rules["suspicious_tlds"]),
        two_level_suffixes=frozenset(rules["two_level_suffixes"]),
        # Longest first, so that "rn" is folded before single characters.
        homoglyphs=tuple(sorted(rules["homoglyphs"].items(), key=lambda item: -len(item[0]))),
        max_edit_distance=int(rules["max_edit_distance"]),
        weights={key: float(value) for key, value in rules["weights"].items()},
        explanations=dict(rules["explanations"]),
    )


def find_urls(text: str) -> list[str]:
    """Links in ``text`` as written (with or without scheme), trailing punctuation removed."""
    found: list[str] = []
    for match in URL_PATTERN.finditer(text):
        url = match.group(0).rstrip(TRAILING_JUNK)
        if url and url not in found:
            found.append(url)
    return found


def registrable_domain(host: str, rules: LinkRules | None = None) -> str:
    """The part of ``host`` a person registers: icbc.com.cn for www.icbc.com.cn, a.xyz for x.a.xyz."""
    rules = rules or load_link_rules()
    labels = host.split(".")
    if len(labels) >= 3 and ".".join(labels[-2:]) in rules.two_level_suffixes:
        return ".".join(labels[-3:])
    return ".".join(labels[-2:])


def _skeleton(value: str, rules: LinkRules) -> str:
    for source, target in rules.homoglyphs:
        value = value.replace(source, target)
    return value


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return True


def _official_for(host: str, rules: LinkRules) -> OfficialDomain | None:
    for official in rules.officials:
        if host == official.domain or host.endswith("." + official.domain):
            return official
    return None


def _lookalike(host: str, rules: LinkRules) -> OfficialDomain | None:
    """The official site ``host`` imitates, if any (``host`` itself is not official)."""
    tokens = set(_HOST_TOKEN.findall(host))
    registrable = registrable_domain(host, rules)
    flat_host = re.sub(r"[^a-z0-9]", "", host)
    core = registrable.split(".")[0]
    for official in rules.officials:
        for brand in official.brands:
            # "icbcc" borrows "icbc"; three-letter brands (ccb, boc) only count as whole tokens.
            if brand in tokens or (len(brand) >= 4 and any(token.startswith(brand) for token in tokens)):
                return official
        # The whole official domain, dots replaced, inside a foreign host: icbc-com.cn.xyz.
        flat_official = re.sub(r"[^a-z0-9]", "", official.domain)
        if flat_official in flat_host:
            return official
        official_core = official.domain.split(".")[0]
        # Short names sit one edit away from many innocent names, so only long ones get slack.
        allowed = rules.max_edit_distance if len(official_core) >= 8 else 1 if len(official_core) >= 5 else 0
        if allowed and Levenshtein.distance(core, official_core) <= allowed:
            return official
        if _skeleton(registrable, rules) == _skeleton(official.domain, rules):
            return official
    return None


def official_links_only(text: str) -> bool:
    """Whether ``text`` has links and every one goes to an official or government site.

    Such a message (a bill reminder with the operator's own link) is far less likely phishing
    than its wording suggests: fraud cannot send people to the real site.
    """
    rules = load_link_rules()
    hosts = [url_host(url) for url in find_urls(text)]
    return bool(hosts) and all(
        host and (_official_for(host, rules) is not None or _is_government(host, rules)) for host in hosts
    )


def _is_government(host: str, rules: LinkRules) -> bool:
    return any(host == suffix or host.endswith("." + suffix) for suffix in rules.government_suffixes)


def _finding(url: str, host: str, kind: str, rules: LinkRules, **fields: str) -> LinkFinding:
    explanation = rules.explanations[kind].format(host=host, **fields)
    return LinkFinding(url=url, host=host, kind=kind, explanation=explanation, weight=rules.weights[kind])


def inspect_url(url: str) -> list[LinkFinding]:
    """Everything suspicious about one link; an empty list for official or unremarkable links."""
    rules = load_link_rules()
    host = url_host(url)
    if not host:
        return []
    findings: list[LinkFinding] = []
    path = url_path(url)
    if path.endswith(".apk"):
        findings.append(_finding(url, host, "apk", rules))
    if _is_ip(host):
        findings.append(_finding(url, host, "ip_host", rules))
        return findings
    ascii_host = host
    if any(label.startswith("xn--") for label in host.split(".")) or not host.isascii():
        findings.append(_finding(url, host, "punycode", rules))
        try:
            ascii_host = host.encode("idna").decode("ascii")
        except UnicodeError:
            ascii_host = host
    if _is_government(host, rules) or _official_for(host, rules) is not None:
        return findings
    if registrable_domain(host, rules) in rules.shorteners or host in rules.shorteners:
        findings.append(_finding(url, host, "shortener", rules))
        return findings
    government_tokens = set(_HOST_TOKEN.findall(host)) & rules.government_brands
    if government_tokens or "govcn" in re.sub(r"[^a-z]", "", host):
        findings.append(_finding(url, host, "lookalike_government", rules))
    else:
        imitated = _lookalike(ascii_host, rules)
        if imitated is not None:
            kind = {
                "bank": "lookalike_bank",
                "payment": "lookalike_bank",
                "government": "lookalike_government",
            }
            findings.append(
                _finding(
                    url,
                    host,
                    kind.get(imitated.kind, "lookalike_service"),
                    rules,
                    name=imitated.name,
                    official=imitated.domain,
                )
            )
    tld = host.rsplit(".", 1)[-1]
    if tld in rules.suspicious_tlds:
        findings.append(_finding(url, host, "suspicious_tld", rules, tld=tld))
    return findings


def inspect_links(text: str) -> list[LinkFinding]:
    """Findings for every link in ``text``, in order of appearance."""
    findings: list[LinkFinding] = []
    for url in find_urls(text):
        findings.extend(inspect_url(url))
    return findings
