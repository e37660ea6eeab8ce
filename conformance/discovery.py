"""What the CLI learns from the query interface before it starts pytest.

The first request doubles as the reachability check (exit code 3), and its answer picks the
default profiles. Category ids are read leniently here: whether the answer is *well formed*
is for the suite to judge, not for profile selection.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from conformance.client import Exchange, OCCIClient, user_agent_for
from occi_protocol.rendering import OCCI_JSON, TEXT_PLAIN

INFRA = "http://schemas.ogf.org/occi/infrastructure#"
CRTP_SCHEME = "http://schemas.ogf.org/occi/infrastructure/compute/template/1.1#"
ALWAYS = ("core", "http", "text-plain", "text-occi", "uri-list")
_CATEGORY = re.compile(r"""([A-Za-z0-9_.-]+)\s*;\s*scheme\s*=\s*"([^"]+)\"""")
_VERSION = re.compile(r"OCCI/([0-9]+\.[0-9]+)")


@dataclass
class EndpointInfo:
    status: int
    server: str
    categories: set[str] = field(default_factory=set)
    json: bool = False

    @property
    def occi_versions(self) -> list[str]:
        return _VERSION.findall(self.server)

    def default_profiles(self) -> list[str]:
        """Profiles to certify when none are asked for (egi-fedcloud only when asked)."""
        profiles = list(ALWAYS)
        if self.json:
            profiles.append("json")
        if all(INFRA + kind in self.categories for kind in ("compute", "storage", "network")):
            profiles.append("infrastructure")
        if any(c.startswith(CRTP_SCHEME) for c in self.categories):
            profiles.append("crtp")
        if self.occi_versions and set(self.occi_versions) == {"1.1"}:
            profiles.append("occi-1.1")
        return profiles


def category_ids(exchange: Exchange) -> set[str]:
    texts = [v for k, v in exchange.headers if k.lower() == "category"]
    texts.append(exchange.text)
    return {scheme + term for text in texts for term, scheme in _CATEGORY.findall(text)}


def query_interface(client: OCCIClient) -> Exchange:
    """GET /-/ as text/plain, and settle which OCCI version the client announces.

    The suite announces OCCI/1.2 first. A 1.1 endpoint answers that with 501 (H11 §3.6.5: a
    newer version than it implements) or names only OCCI/1.1 in its Server header; from then
    on the client announces OCCI/1.1, the version under test (HTTP-VER-03).
    """
    exchange = client.get("-/", accept=TEXT_PLAIN)  # below the endpoint's path
    if exchange.status == 501 and "OCCI/1.2" in client.user_agent:
        legacy = user_agent_for("1.1")
        retry = client.get("-/", accept=TEXT_PLAIN, user_agent=legacy)
        if retry.status == 200:
            client.user_agent = legacy
            return retry
    if set(_VERSION.findall(exchange.header("server") or "")) == {"1.1"}:
        client.user_agent = user_agent_for("1.1")
    return exchange


def discover(client: OCCIClient) -> EndpointInfo:
    """GET the query interface; raises EndpointUnreachable (exit 3) or AuthenticationFailed."""
    exchange = query_interface(client)
    info = EndpointInfo(exchange.status, exchange.header("server") or "")
    if exchange.status != 200:
        return info
    info.categories = category_ids(exchange)
    probe = client.get("-/", accept=OCCI_JSON)
    info.json = probe.status == 200 and probe.media_type == OCCI_JSON
    if info.json and not info.categories:
        info.categories = _json_ids(probe)
    return info


def _json_ids(exchange: Exchange) -> set[str]:
    import json

    try:
        data = json.loads(exchange.body)
    except ValueError:
        return set()
    found = set()
    for group in ("kinds", "mixins", "actions"):
        for item in data.get(group, []) if isinstance(data, dict) else []:
            if isinstance(item, dict) and "scheme" in item and "term" in item:
                found.add(str(item["scheme"]) + str(item["term"]))
    return found
