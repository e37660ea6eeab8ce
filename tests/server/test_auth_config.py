"""Authentication (open, Basic, tokens), ownership, and settings from file, env and options."""

from __future__ import annotations

import base64
import hashlib
import subprocess
import sys

import pytest
import urllib3

from reference_server.auth import AuthConfigError, Authenticator, read_credentials
from reference_server.config import ConfigError, load_settings
from tests.conftest import REPO, start_reference_server

HTTP = urllib3.PoolManager(retries=False, timeout=10.0)
COMPUTE = 'Category: compute; scheme="http://schemas.ogf.org/occi/infrastructure#"; class="kind"\n'


def basic(user: str, password: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}


@pytest.fixture(scope="module")
def secured(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("auth")
    users = tmp / "users.yaml"
    digest = hashlib.sha256(b"bob-pw").hexdigest()
    users.write_text(
        f"users:\n  alice: {{password: alice-pw}}\n  bob: {{password_sha256: {digest}}}\n"
    )
    tokens = tmp / "tokens.yaml"
    tokens.write_text('tokens:\n  "tok-alice": alice\n')
    server = start_reference_server(
        tmp, "--auth", "local", "--users-file", str(users), "--tokens-file", str(tokens)
    )
    yield server
    server.stop()


def test_missing_or_wrong_credentials_get_401_with_challenge(secured) -> None:
    for headers in (
        {},
        basic("alice", "wrong"),
        {"X-Auth-Token": "nope"},
        {"Authorization": "Basic !!"},
    ):
        response = HTTP.request("GET", secured.url + "/-/", headers=headers)
        assert response.status == 401, headers
        challenge = response.headers.get("WWW-Authenticate", "")
        assert "Basic" in challenge and "Bearer" in challenge
        assert "OCCI/1.2" in response.headers["Server"]


def test_basic_bearer_and_x_auth_token_are_accepted(secured) -> None:
    for headers in (
        basic("alice", "alice-pw"),
        basic("bob", "bob-pw"),
        {"X-Auth-Token": "tok-alice"},
        {"Authorization": "Bearer tok-alice"},
    ):
        assert HTTP.request("GET", secured.url + "/-/", headers=headers).status == 200, headers


def test_one_user_never_sees_or_touches_anothers_entities(secured) -> None:
    alice = {**basic("alice", "alice-pw"), "Content-Type": "text/plain"}
    bob = {**basic("bob", "bob-pw"), "Content-Type": "text/plain"}
    created = HTTP.request("POST", secured.url + "/compute/", body=COMPUTE, headers=alice)
    assert created.status == 201
    location = created.headers["Location"]
    token = {"X-Auth-Token": "tok-alice", "Accept": "text/uri-list"}
    assert location in HTTP.request("GET", secured.url + "/compute/", headers=token).data.decode()
    listing = HTTP.request(
        "GET", secured.url + "/compute/", headers={**bob, "Accept": "text/uri-list"}
    )
    assert location not in listing.data.decode()
    assert HTTP.request("GET", location, headers=bob).status == 404
    assert HTTP.request("DELETE", location, headers=bob).status == 404
    assert HTTP.request("POST", location, body=COMPUTE, headers=bob).status == 404
    assert HTTP.request("GET", location, headers=alice).status == 200


def test_read_credentials_forms() -> None:
    assert read_credentials({"x-auth-token": "alice:tok"}).name == "alice"
    assert read_credentials({"authorization": "Bearer abc"}).secret == "abc"
    assert (
        read_credentials({"authorization": "Basic " + base64.b64encode(b"u:p:q").decode()}).secret
        == "p:q"
    )
    assert read_credentials({"authorization": "Digest x"}) is None
    assert read_credentials({}) is None


def test_auth_files_are_checked(tmp_path) -> None:
    bad = tmp_path / "users.yaml"
    bad.write_text("users:\n  alice: {}\n")
    with pytest.raises(AuthConfigError, match="alice"):
        Authenticator.from_files("local", bad)
    with pytest.raises(AuthConfigError, match="needs a users file"):
        Authenticator.from_files("local")
    with pytest.raises(AuthConfigError, match="auth mode"):
        Authenticator.from_files("kerberos")


def test_settings_merge_file_env_and_options(tmp_path) -> None:
    config = tmp_path / "server.yaml"
    config.write_text("listen: 127.0.0.1:9000\nmax_body: 100\ndatabase: /tmp/x.sqlite3\n")
    settings = load_settings(
        str(config),
        {"OCCI_SERVER_MAX_BODY": "200", "OCCI_SERVER_ACCESS_LOG": "yes"},
        {"database": ":memory:"},
    )
    assert (settings.port, settings.max_body, settings.access_log, settings.database) == (
        9000,
        200,
        True,
        ":memory:",
    )


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({"OCCI_SERVER_LISTEN": "nowhere"}, "HOST:PORT"),
        ({"OCCI_SERVER_MAX_BODY": "lots"}, "OCCI_SERVER_MAX_BODY"),
        ({"OCCI_SERVER_COLOUR": "blue"}, "unknown setting"),
        ({"OCCI_SERVER_LISTEN": "0.0.0.0:8080"}, "without authentication"),
        ({"OCCI_SERVER_BACKEND": "opennebula"}, "one_xmlrpc"),
    ],
)
def test_bad_settings_say_what_is_wrong(environ, message) -> None:
    with pytest.raises(ConfigError, match=message):
        load_settings(None, environ, {})


def test_command_line_errors_exit_2_with_a_message(tmp_path) -> None:
    missing = tmp_path / "nope.yaml"
    done = subprocess.run(
        [sys.executable, "-m", "reference_server", "--config", str(missing)],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=60,
    )
    assert done.returncode == 2
    assert "cannot read config file" in done.stderr
    done = subprocess.run(
        [sys.executable, "-m", "reference_server", "--seed", str(missing)],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=60,
    )
    assert done.returncode == 2 and "seed file" in done.stderr
