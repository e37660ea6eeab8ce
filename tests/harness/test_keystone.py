"""Keystone: a 401 with ``WWW-Authenticate: Keystone uri=...`` is answered with a token."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator

import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from conformance.client import AuthenticationFailed, OCCIClient
from conformance.config import AuthConfig, SuiteConfig
from conformance.connection import client_for
from conformance.keystone import challenge_uri, keystone_base
from conformance.masking import Masker
from tests.conftest import free_port

TOKEN = "gAAAAAB-keystone-token-value"
PASSWORD = "keystone-pa55word"
OIDC = "eyJhbGciOi-oidc-access-token"


def make_app(port: int, seen: list[dict[str, object]]) -> Starlette:
    async def occi(request: Request) -> Response:
        if request.headers.get("x-auth-token") != TOKEN:
            return PlainTextResponse(
                "unauthorized",
                401,
                headers={"WWW-Authenticate": f"Keystone uri='http://127.0.0.1:{port}/v3'"},
            )
        return PlainTextResponse(
            'Category: entity;scheme="http://schemas.ogf.org/occi/core#";class="kind"\n',
            headers={"Server": "fake OCCI/1.2"},
        )

    async def tokens(request: Request) -> Response:
        body = json.loads(await request.body())
        seen.append(body)
        identity = body["auth"]["identity"]
        if identity["methods"] == ["password"]:
            ok = identity["password"]["user"]["password"] == PASSWORD
        else:
            ok = identity["token"]["id"] == "unscoped"
        if not ok:
            return PlainTextResponse("bad credentials", 401)
        return Response("{}", 201, headers={"X-Subject-Token": TOKEN})

    async def federation(request: Request) -> Response:
        if request.headers.get("authorization") != f"Bearer {OIDC}":
            return PlainTextResponse("no", 401)
        return Response("{}", 201, headers={"X-Subject-Token": "unscoped"})

    async def projects(request: Request) -> Response:
        assert request.headers.get("x-auth-token") == "unscoped"
        return Response(json.dumps({"projects": [{"id": "p-1"}]}), 200)

    return Starlette(
        routes=[
            Route("/-/", occi),
            Route("/v3/auth/tokens", tokens, methods=["POST"]),
            Route("/v3/auth/projects", projects),
            Route(
                "/v3/OS-FEDERATION/identity_providers/egi.eu/protocols/openid/auth",
                federation,
                methods=["POST"],
            ),
        ]
    )


@pytest.fixture(scope="module")
def keystone_site() -> Iterator[tuple[str, list[dict[str, object]]]]:
    port = free_port()
    seen: list[dict[str, object]] = []
    server = uvicorn.Server(
        uvicorn.Config(make_app(port, seen), host="127.0.0.1", port=port, log_level="warning")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}", seen
    server.should_exit = True
    thread.join(10)


def test_challenge_parsing():
    assert challenge_uri("Keystone uri='https://k:5000/v3'") == "https://k:5000/v3"
    assert challenge_uri('Keystone uri="https://k:5000/"') == "https://k:5000/"
    assert challenge_uri("Basic realm=occi") is None
    assert keystone_base("https://k:5000/v3") == "https://k:5000"
    assert keystone_base("https://k:5000/v2.0/") == "https://k:5000"
    assert keystone_base("https://k/identity") == "https://k/identity"


def test_password_is_traded_for_a_token(keystone_site):
    url, seen = keystone_site
    config = SuiteConfig(
        endpoint=url,
        auth=AuthConfig(type="keystone", username="alice", password=PASSWORD, project="demo"),
    )
    client = client_for(config.check())
    recorded = []
    client.observers.append(recorded.append)
    exchange = client.get("/-/", accept="text/plain")
    assert exchange.status == 200
    assert [e.status for e in recorded] == [401, 200]
    body = seen[-1]["auth"]
    assert body["scope"] == {"project": {"name": "demo", "domain": {"name": "Default"}}}
    assert client.obtained_secrets == [TOKEN]
    # The retried request carries the token; transcripts never show it, nor the password.
    mask = Masker([PASSWORD, *client.obtained_secrets])
    for e in recorded:
        text = mask(e.transcript() + e.curl())
        assert TOKEN not in text and PASSWORD not in text
    assert "X-Auth-Token: ***" in recorded[1].transcript()


def test_oidc_token_goes_through_federation(keystone_site):
    url, seen = keystone_site
    config = SuiteConfig(endpoint=url, auth=AuthConfig(type="oidc", token=OIDC))
    client = client_for(config.check())
    assert client.get("/-/").status == 200
    assert seen[-1]["auth"]["scope"] == {"project": {"id": "p-1"}}


def test_refused_credentials_are_an_authentication_failure(keystone_site):
    url, _ = keystone_site
    config = SuiteConfig(
        endpoint=url, auth=AuthConfig(type="keystone", username="alice", password="wrong-password")
    )
    with pytest.raises(AuthenticationFailed, match="answered 401"):
        client_for(config.check()).get("/-/")


def test_no_credentials_means_no_keystone_call(keystone_site):
    url, _ = keystone_site
    assert OCCIClient(url).get("/-/").status == 401


def test_cli_exits_2_when_keystone_refuses(keystone_site, tmp_path):
    from tests.harness.conftest import run_cli

    url, _ = keystone_site
    proc = run_cli(
        "run",
        "--endpoint",
        url,
        "--auth-type",
        "keystone",
        "--username",
        "alice",
        "--password",
        "wrong-password",
        cwd=tmp_path,
    )
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "authentication failed" in proc.stderr
    assert "wrong-password" not in proc.stderr + proc.stdout
