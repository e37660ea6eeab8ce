"""Version announcement and negotiation (H12 §5.3, H11 §3.6.5)."""

from __future__ import annotations

import re

import pytest

from conformance.session import OCCISession
from conformance.suite._wire import COMPUTE, version
from occi_protocol.rendering import TEXT_PLAIN

_TOKEN = re.compile(r"OCCI/([0-9]+)\.([0-9]+)")


def _tokens(server: str | None) -> list[tuple[int, int]]:
    return [(int(a), int(b)) for a, b in _TOKEN.findall(server or "")]


@pytest.mark.requirement("HTTP-VER-01")
def test_every_response_names_the_occi_version(occi: OCCISession) -> None:
    probes = [
        occi.client.get("-/", accept=TEXT_PLAIN),
        occi.client.get("-/", accept="application/x-occi-conformance-unknown"),
    ]
    kind = occi.model.kind(COMPUTE) or next((k for k in occi.model.kinds if k.location), None)
    if kind is not None and kind.location:
        probes.append(occi.client.get(kind.location + "occi-conformance-no-such-entity"))
    for exchange in probes:
        server = exchange.header("server")
        assert server and _tokens(server), (
            f"{exchange.method} {exchange.url} answered {exchange.status} with Server: {server!r};"
            " every response, errors included, names OCCI/X.Y in Server (H12 §5.3)"
        )


@pytest.mark.requirement("HTTP-VER-02")
def test_server_token_matches_version_under_test(occi: OCCISession) -> None:
    server = occi.client.get("-/", accept=TEXT_PLAIN).header("server")
    wanted = version(occi)
    occi.note("AMB-HTTP-17", f"Server: {server}")
    assert f"OCCI/{wanted}" in (server or ""), (
        f"testing OCCI {wanted}, but the Server header is {server!r}; a {wanted} server"
        f" announces OCCI/{wanted} (H12 §5.3)"
    )


@pytest.mark.requirement("HTTP-VER-03")
def test_suite_announces_version_in_user_agent(occi: OCCISession) -> None:
    exchange = occi.client.get("-/", accept=TEXT_PLAIN)
    sent = dict((k.lower(), v) for k, v in exchange.request_headers).get("user-agent", "")
    assert f"OCCI/{version(occi)}" in sent, (
        f"the suite sent User-Agent {sent!r} while testing OCCI {version(occi)} (H12 §5.3 asks"
        " clients to name the version they expect); this is a harness problem"
    )


@pytest.mark.requirement("HTTP-VER-04")
def test_higher_version_is_not_implemented(occi: OCCISession) -> None:
    exchange = occi.client.get("-/", accept=TEXT_PLAIN, user_agent="occi-conformance/0.1 OCCI/9.9")
    assert exchange.status == 501, (
        f"GET /-/ announcing OCCI/9.9 in User-Agent answered {exchange.status}; a request for a"
        " higher version than the server implements gets 501 (H12 §5.3)"
    )


@pytest.mark.requirement("HTTP-VER-05")
def test_occi_11_clients_are_served(occi: OCCISession) -> None:
    if version(occi) != "1.2":
        pytest.skip("n/a: backward compatibility is a claim of OCCI 1.2")
    exchange = occi.client.get("-/", accept=TEXT_PLAIN, user_agent="occi-conformance/0.1 OCCI/1.1")
    assert exchange.status == 200, (
        f"GET /-/ announcing OCCI/1.1 answered {exchange.status}; 1.2 declares itself backward"
        " compatible, so a 1.1 client is served"
    )
