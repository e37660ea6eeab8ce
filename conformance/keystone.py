"""Keystone v3 tokens for OCCI endpoints behind OpenStack authentication (ooi, EGI sites).

An endpoint that wants a Keystone token answers 401 with ``WWW-Authenticate: Keystone
uri='https://keystone:5000/v3'``. With a username and password the client asks that Keystone
for a token (password method, scoped to the configured project); with an OIDC access token it
goes through the OS-FEDERATION endpoint of the configured identity provider, then scopes the
unscoped token to the configured project (or the first one the user may use, as EGI's tools
do). The token is sent as ``X-Auth-Token``. Requests to Keystone are not recorded in any
transcript: their bodies hold the credentials.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

import urllib3

_CHALLENGE = re.compile(r"""keystone\s+uri\s*=\s*["']?([^"'\s,]+)""", re.IGNORECASE)
_VERSION_SUFFIX = re.compile(r"/v(?:3|2\.0)/?$")


class KeystoneError(Exception):
    """Keystone refused the credentials or answered something unusable."""


@dataclass
class KeystoneCredentials:
    username: str | None = None
    password: str | None = None
    token: str | None = None  # an OIDC access token
    project: str | None = None
    domain: str = "Default"
    identity_provider: str = "egi.eu"
    protocol: str = "openid"
    url: str | None = None  # overrides the uri of the challenge

    @property
    def usable(self) -> bool:
        return bool((self.username and self.password) or self.token)


def challenge_uri(www_authenticate: str | None) -> str | None:
    """The Keystone uri of a ``WWW-Authenticate`` value, or None when it is no such challenge."""
    if not www_authenticate:
        return None
    found = _CHALLENGE.search(www_authenticate)
    return found.group(1) if found else None


def keystone_base(uri: str) -> str:
    """``https://k:5000/v3`` → ``https://k:5000`` (the API version is added per call)."""
    return _VERSION_SUFFIX.sub("", uri.rstrip("/") + "/").rstrip("/")


def get_token(
    pool: urllib3.PoolManager, uri: str, credentials: KeystoneCredentials, timeout: float = 30.0
) -> str:
    """A Keystone v3 token for ``credentials`` from the Keystone at ``uri``."""
    base = keystone_base(credentials.url or uri)
    if credentials.username and credentials.password:
        auth: dict[str, object] = {
            "identity": {
                "methods": ["password"],
                "password": {
                    "user": {
                        "name": credentials.username,
                        "domain": {"name": credentials.domain},
                        "password": credentials.password,
                    }
                },
            }
        }
        if credentials.project:
            auth["scope"] = {
                "project": {"name": credentials.project, "domain": {"name": credentials.domain}}
            }
        return _post_tokens(pool, base, {"auth": auth}, {}, timeout)
    if not credentials.token:
        raise KeystoneError("Keystone asks for credentials, but none are configured")
    path = (
        f"/v3/OS-FEDERATION/identity_providers/{credentials.identity_provider}"
        f"/protocols/{credentials.protocol}/auth"
    )
    unscoped = _subject_token(
        _call(
            pool,
            "POST",
            base + path,
            {"Authorization": f"Bearer {credentials.token}"},
            None,
            timeout,
        ),
        "federated login",
    )
    project = credentials.project or _first_project(pool, base, unscoped, timeout)
    body = {
        "auth": {
            "identity": {"methods": ["token"], "token": {"id": unscoped}},
            "scope": {"project": {"id": project}},
        }
    }
    return _post_tokens(pool, base, body, {}, timeout)


def _post_tokens(
    pool: urllib3.PoolManager,
    base: str,
    body: dict[str, object],
    headers: dict[str, str],
    timeout: float,
) -> str:
    response = _call(pool, "POST", base + "/v3/auth/tokens", headers, body, timeout)
    return _subject_token(response, "token request")


def _first_project(pool: urllib3.PoolManager, base: str, token: str, timeout: float) -> str:
    response = _call(
        pool, "GET", base + "/v3/auth/projects", {"X-Auth-Token": token}, None, timeout
    )
    try:
        projects = json.loads(response.data)["projects"]
        return str(projects[0]["id"])
    except (ValueError, KeyError, IndexError, TypeError):
        raise KeystoneError(
            "Keystone lists no project for this user; configure auth.project"
        ) from None


def _call(
    pool: urllib3.PoolManager,
    method: str,
    url: str,
    headers: dict[str, str],
    body: dict[str, object] | None,
    timeout: float,
) -> urllib3.BaseHTTPResponse:
    headers = {"Accept": "application/json", **headers}
    data = None
    if body is not None:
        headers["Content-Type"] = "application/json"
        data = json.dumps(body).encode()
    try:
        response = pool.request(
            method, url, body=data, headers=headers, timeout=timeout, redirect=False
        )
    except urllib3.exceptions.HTTPError as exc:
        raise KeystoneError(f"cannot reach Keystone at {url}: {exc}") from None
    if response.status >= 300:
        # Keystone's error body names the problem; it never echoes the password.
        detail = response.data[:300].decode("utf-8", "replace")
        raise KeystoneError(f"Keystone {method} {url} answered {response.status}: {detail}")
    return response


def _subject_token(response: urllib3.BaseHTTPResponse, what: str) -> str:
    token = response.headers.get("X-Subject-Token")
    if not token:
        raise KeystoneError(f"Keystone {what} answered without an X-Subject-Token header")
    return token
