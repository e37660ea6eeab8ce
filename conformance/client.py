"""The suite's HTTP client: raw header pairs both ways, and a transcript of every exchange.

``requests`` folds repeated response headers and cannot send a header twice; OCCI gives
meaning to both, so the client talks urllib3 directly. Every exchange is recorded with its
request and response, so a failing test can show exactly what went over the wire and a curl
line that repeats it (secrets masked).
"""

from __future__ import annotations

import base64
import http.client
import shlex
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from urllib.parse import urlencode, urljoin, urlsplit

import urllib3

from conformance.keystone import KeystoneCredentials, KeystoneError, challenge_uri, get_token

HeaderPairs = list[tuple[str, str]]

# text/occi lists a collection as one X-OCCI-Location header line per member; http.client
# (under urllib3) refuses answers with more than 100 header lines, which a collection of a
# hundred entities exceeds. The limit guards against endless headers, so keep one.
http.client._MAXHEADERS = max(http.client._MAXHEADERS, 100_000)  # type: ignore[attr-defined]
_SECRET_HEADERS = {"authorization", "x-auth-token", "cookie"}
USER_AGENT = "occi-conformance/0.1 OCCI/1.2"


def user_agent_for(occi_version: str) -> str:
    """The suite's User-Agent, naming the OCCI version under test (H12 §5.3, HTTP-VER-03)."""
    return USER_AGENT.replace("OCCI/1.2", f"OCCI/{occi_version}")


class EndpointUnreachable(Exception):
    """The endpoint could not be reached at all (connection refused, DNS, TLS, timeout)."""


class AuthenticationFailed(Exception):
    """Getting a token failed (Keystone refused the credentials or was unreachable)."""


@dataclass
class Exchange:
    """One request and its response, as sent and received."""

    method: str
    url: str
    request_headers: HeaderPairs
    request_body: bytes
    status: int = 0
    headers: HeaderPairs = field(default_factory=list)
    body: bytes = b""
    elapsed_s: float = 0.0

    def header(self, name: str) -> str | None:
        """All lines of a response header joined with ", " (RFC 9110 §5.3), or None."""
        values = self.header_lines(name)
        return ", ".join(values) if values else None

    def header_lines(self, name: str) -> list[str]:
        name = name.lower()
        return [v for k, v in self.headers if k.lower() == name]

    @property
    def media_type(self) -> str:
        value = self.header("content-type") or ""
        return value.split(";", 1)[0].strip().lower()

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")

    def curl(self) -> str:
        """A shell line that sends the same request, with credentials masked."""
        parts = ["curl", "-i", "-X", self.method]
        for name, value in self.request_headers:
            shown = "***" if name.lower() in _SECRET_HEADERS else value
            parts += ["-H", f"{name}: {shown}"]
        if self.request_body:
            parts += ["--data-binary", self.request_body.decode("utf-8", "replace")]
        parts.append(self.url)
        return " ".join(shlex.quote(p) for p in parts)

    def transcript(self) -> str:
        """The exchange as text, roughly as on the wire (secrets masked)."""
        path = urlsplit(self.url)
        target = path.path + (f"?{path.query}" if path.query else "")
        lines = [f"> {self.method} {target} HTTP/1.1", f"> Host: {path.netloc}"]
        for name, value in self.request_headers:
            shown = "***" if name.lower() in _SECRET_HEADERS else value
            lines.append(f"> {name}: {shown}")
        if self.request_body:
            lines += [">", *(f"> {line}" for line in _body_lines(self.request_body))]
        lines.append(f"< HTTP/1.1 {self.status}" if self.status else "< (no response)")
        lines += [f"< {name}: {value}" for name, value in self.headers]
        if self.body:
            lines += ["<", *(f"< {line}" for line in _body_lines(self.body))]
        lines.append(f"# {self.elapsed_s * 1000:.1f} ms")
        return "\n".join(lines)


def _body_lines(body: bytes, limit: int = 200) -> list[str]:
    lines = body.decode("utf-8", "replace").splitlines()
    return lines[:limit] + (
        [f"... ({len(lines) - limit} more lines)"] if len(lines) > limit else []
    )


@dataclass
class Auth:
    """How to authenticate: none, Basic, a bearer (OIDC) token, or a Keystone X-Auth-Token.
    Client certificates (X.509, VOMS proxies) are transport settings, given to the client.

    ``keystone`` holds what the client may trade for a Keystone token when the endpoint
    challenges it (see :mod:`conformance.keystone`); kind ``keystone`` sends nothing until then.
    """

    kind: str = "none"  # none | basic | bearer | oidc | x-auth-token | keystone
    username: str | None = None
    password: str | None = None
    token: str | None = None
    keystone: KeystoneCredentials | None = None

    def headers(self) -> HeaderPairs:
        if self.kind == "basic" and self.username is not None:
            raw = f"{self.username}:{self.password or ''}".encode()
            return [("Authorization", "Basic " + base64.b64encode(raw).decode())]
        if self.kind in ("bearer", "oidc") and self.token:
            return [("Authorization", f"Bearer {self.token}")]
        if self.kind in ("x-auth-token", "keystone") and self.token:
            return [("X-Auth-Token", self.token)]
        return []


class OCCIClient:
    """Sends requests to one endpoint and records them.

    ``observers`` are called with every finished exchange; the pytest plugin attaches one
    that files the exchange under the running test.
    """

    def __init__(
        self,
        endpoint: str,
        *,
        auth: Auth | None = None,
        timeout: float = 30.0,
        retries: int = 0,
        ca_path: str | None = None,
        client_cert: str | None = None,
        client_key: str | None = None,
        insecure: bool = False,
        proxy: str | None = None,
        user_agent: str = USER_AGENT,
    ) -> None:
        self.endpoint = endpoint.rstrip("/")
        self.auth = auth or Auth()
        self.timeout = timeout
        self.user_agent = user_agent
        self.observers: list[Callable[[Exchange], None]] = []
        #: Tokens obtained at run time (masked in reports like configured secrets).
        self.obtained_secrets: list[str] = []
        self._keystone_tried = False
        options: dict[str, object] = {
            "retries": urllib3.Retry(total=retries, connect=retries, read=0, redirect=0),
            "timeout": urllib3.Timeout(connect=min(timeout, 10.0), read=timeout),
        }
        if endpoint.startswith("https"):
            options["cert_reqs"] = "CERT_NONE" if insecure else "CERT_REQUIRED"
            if ca_path:
                options["ca_certs" if not ca_path.endswith("/") else "ca_cert_dir"] = ca_path
            if client_cert:
                options["cert_file"] = client_cert
                options["key_file"] = client_key or client_cert  # a VOMS proxy holds both
            if insecure:
                urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)
        self._pool = (
            urllib3.ProxyManager(proxy, **options) if proxy else urllib3.PoolManager(**options)
        )

    def url(self, location: str) -> str:
        """An absolute URL for a location as a server wrote it (relative ones resolved)."""
        return urljoin(self.endpoint + "/", location)

    def request(
        self,
        method: str,
        location: str,
        *,
        headers: Sequence[tuple[str, str]] = (),
        body: bytes | str = b"",
        accept: str | None = None,
        content_type: str | None = None,
        params: dict[str, str] | None = None,
        user_agent: str | None = None,
        authenticate: bool = True,
    ) -> Exchange:
        """Send one request. Header pairs are sent as given, repeated names included.

        A 401 with a Keystone challenge is answered once per client: the token obtained
        replaces the configured credentials and the request is sent again (both exchanges
        are recorded).
        """
        exchange = self._send(
            method,
            location,
            headers,
            body,
            accept,
            content_type,
            params,
            user_agent,
            authenticate,
        )
        if exchange.status == 401 and authenticate and self._keystone_retry(exchange):
            exchange = self._send(
                method,
                location,
                headers,
                body,
                accept,
                content_type,
                params,
                user_agent,
                authenticate,
            )
        return exchange

    def _keystone_retry(self, exchange: Exchange) -> bool:
        credentials = self.auth.keystone
        uri = challenge_uri(exchange.header("www-authenticate"))
        if credentials is None or not credentials.usable or self._keystone_tried:
            return False
        if uri is None and not (credentials.url and self.auth.kind == "keystone"):
            return False
        self._keystone_tried = True
        try:
            token = get_token(self._pool, uri or credentials.url or "", credentials, self.timeout)
        except KeystoneError as exc:
            raise AuthenticationFailed(str(exc)) from None
        self.obtained_secrets.append(token)
        self.auth = Auth("x-auth-token", token=token, keystone=credentials)
        return True

    def _send(
        self,
        method: str,
        location: str,
        headers: Sequence[tuple[str, str]],
        body: bytes | str,
        accept: str | None,
        content_type: str | None,
        params: dict[str, str] | None,
        user_agent: str | None,
        authenticate: bool,
    ) -> Exchange:
        url = self.url(location)
        if params:
            url += ("&" if "?" in url else "?") + urlencode(params)
        pairs: HeaderPairs = [("User-Agent", user_agent or self.user_agent)]
        if accept is not None:
            pairs.append(("Accept", accept))
        if content_type is not None:
            pairs.append(("Content-Type", content_type))
        if authenticate:
            pairs += self.auth.headers()
        pairs += list(headers)
        data = body.encode("utf-8") if isinstance(body, str) else body
        exchange = Exchange(method, url, pairs, data)
        wire = urllib3.HTTPHeaderDict()
        for name, value in pairs:
            # http.client writes header values as latin-1; OCCI peers read UTF-8 there.
            wire.add(name, value.encode("utf-8").decode("latin-1"))
        started = time.perf_counter()
        try:
            response = self._pool.request(
                method, url, body=data or None, headers=wire, redirect=False, preload_content=True
            )
        except urllib3.exceptions.HTTPError as exc:
            exchange.elapsed_s = time.perf_counter() - started
            self._notify(exchange)
            raise EndpointUnreachable(f"{method} {url}: {exc}") from exc
        exchange.elapsed_s = time.perf_counter() - started
        exchange.status = response.status
        exchange.headers = list(_response_pairs(response.headers))
        exchange.body = response.data or b""
        self._notify(exchange)
        return exchange

    def _notify(self, exchange: Exchange) -> None:
        for observer in self.observers:
            observer(exchange)

    # Shorthands, one per verb.
    def get(self, location: str, **kwargs: object) -> Exchange:
        return self.request("GET", location, **kwargs)  # type: ignore[arg-type]

    def post(self, location: str, **kwargs: object) -> Exchange:
        return self.request("POST", location, **kwargs)  # type: ignore[arg-type]

    def put(self, location: str, **kwargs: object) -> Exchange:
        return self.request("PUT", location, **kwargs)  # type: ignore[arg-type]

    def delete(self, location: str, **kwargs: object) -> Exchange:
        return self.request("DELETE", location, **kwargs)  # type: ignore[arg-type]

    def close(self) -> None:
        self._pool.clear()


def _response_pairs(headers: urllib3.HTTPHeaderDict) -> Iterable[tuple[str, str]]:
    # http.client decodes header bytes as latin-1; OCCI peers write UTF-8 there.
    for name, value in headers.items():
        try:
            yield name, value.encode("latin-1").decode("utf-8")
        except (UnicodeEncodeError, UnicodeDecodeError):
            yield name, value
