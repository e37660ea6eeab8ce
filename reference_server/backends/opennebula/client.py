"""Talking to oned: pyone clients per session, off the event loop, with a time limit.

Every XML-RPC call runs in a bounded thread pool and is awaited with ``timeout``; the HTTP
transport has the same socket timeout, so a slow oned frees its worker thread too. oned's
failure triples and transport errors become :class:`~reference_server.backends.base`
errors with the HTTP status that says what went wrong.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import time
import xmlrpc.client
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import requests

from reference_server.backends.base import (
    BackendError,
    Conflict,
    Forbidden,
    Invalid,
    NotFound,
    Timeout,
    Unauthorized,
    Unavailable,
)

try:  # pyone >= 6.10 splits the XML-RPC client out of the OneServer factory
    from pyone.server_xrpc import OneServerXRPC as _PyoneServer
except ImportError:  # pragma: no cover - older pyone
    from pyone import OneServer as _PyoneServer  # type: ignore[assignment]

log = logging.getLogger("reference_server.opennebula")

# oned's Request::ErrorCode values.
AUTHENTICATION = 0x0100
AUTHORIZATION = 0x0200
NO_EXISTS = 0x0400
ACTION = 0x0800
XML_RPC_API = 0x1000
INTERNAL = 0x2000
ALLOCATE = 0x4000
LOCKED = 0x8000

#: How long a checked session (and the user it names) is trusted without asking oned.
SESSION_TTL = 60.0


class BadGateway(BackendError):
    """oned answered, but with an internal error or something that is not oned's API."""

    status = 502


class OneCallError(Exception):
    """A failure answer of oned: ``[false, message, code, ...]`` or an XML-RPC fault."""

    def __init__(self, method: str, code: int, message: str) -> None:
        self.method, self.code, self.message = method, code, message
        super().__init__(f"{method}: {message} (code {code:#06x})")


def translate(error: OneCallError) -> BackendError:
    """The client-facing error for an oned failure (research §5.1 codes)."""
    message = f"OpenNebula: {error.message}"
    if error.code == AUTHENTICATION:
        return Unauthorized("OpenNebula did not accept these credentials")
    if error.code == AUTHORIZATION:
        return Forbidden(message)
    if error.code == NO_EXISTS:
        return NotFound(message)
    if error.code in (ACTION, LOCKED):
        return Conflict(message)
    if error.code in (ALLOCATE, XML_RPC_API):
        return Invalid(message)
    if error.code == INTERNAL:
        return BadGateway(message)
    return BadGateway(f"OpenNebula answered {error.method} with a fault: {error.message}")


class _Transport(xmlrpc.client.Transport):
    """XML-RPC over a shared ``requests`` session with a socket timeout (pyone's own
    transport has none and would set the process-wide default timeout instead)."""

    def __init__(self, url: str, http: requests.Session, timeout: float) -> None:
        super().__init__()
        self._url, self._http, self._timeout = url, http, timeout

    def request(self, host: Any, handler: Any, request_body: Any, verbose: bool = False) -> Any:
        response = self._http.post(
            self._url,
            data=request_body,
            headers={"Content-Type": "text/xml", "Accept": "text/xml"},
            timeout=self._timeout,
        )
        if response.status_code != 200:
            raise xmlrpc.client.ProtocolError(
                self._url, response.status_code, response.reason, dict(response.headers)
            )
        parser, unmarshaller = self.getparser()
        parser.feed(response.content)
        parser.close()
        return unmarshaller.close()


class _Server(_PyoneServer):  # type: ignore[misc, valid-type]
    """pyone's client, keeping oned's error code (pyone folds ALLOCATE and LOCKED into a
    bare OneException) and using :class:`_Transport`."""

    def __init__(self, url: str, session: str, transport: _Transport) -> None:
        super().__init__(url, session=session)
        self._ServerProxy__transport = transport  # the one documented seam ServerProxy has

    def _do_request(self, method: str, params: Any) -> Any:
        try:
            raw = xmlrpc.client.ServerProxy._ServerProxy__request(self, method, params)
        except xmlrpc.client.Fault as fault:
            raise OneCallError(method, fault.faultCode, fault.faultString) from None
        if isinstance(raw, list) and raw and raw[0] is False:
            code = raw[2] if len(raw) > 2 and isinstance(raw[2], int) else INTERNAL
            raise OneCallError(method, code, str(raw[1]))
        return raw


@dataclass
class OneUser:
    """The OpenNebula user a session acts as."""

    uid: int
    name: str
    gid: int
    groups: tuple[int, ...]
    template: dict[str, Any] = field(default_factory=dict)


@dataclass
class _Cached:
    server: _Server
    user: OneUser
    checked: float


class Connection:
    """oned at ``url``; ``call`` runs one method as one session, asynchronously."""

    def __init__(self, url: str, timeout: float, workers: int = 16) -> None:
        self.url, self.timeout = url, timeout
        self._http = requests.Session()
        adapter = requests.adapters.HTTPAdapter(pool_connections=1, pool_maxsize=workers)
        self._http.mount("http://", adapter)
        self._http.mount("https://", adapter)
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="oned")
        self._sessions: dict[str, _Cached] = {}
        self.version: tuple[int, ...] | None = None

    def server(self, session: str) -> _Server:
        return _Server(self.url, session, _Transport(self.url, self._http, self.timeout))

    async def run(self, method: str, function: Callable[[], Any]) -> Any:
        """Run a blocking pyone call in the pool within the time limit."""
        loop = asyncio.get_running_loop()
        future = loop.run_in_executor(self._pool, function)
        try:
            return await asyncio.wait_for(future, self.timeout)
        except OneCallError as exc:
            raise translate(exc) from None
        except (TimeoutError, requests.exceptions.ReadTimeout):
            message = f"OpenNebula did not answer {method} within {self.timeout:g} s"
            raise Timeout(message) from None
        except (requests.exceptions.ConnectionError, OSError) as exc:
            log.warning("oned at %s unreachable: %s", self.url, exc)
            raise Unavailable(f"OpenNebula at {self.url} cannot be reached") from None
        except xmlrpc.client.ProtocolError as exc:
            raise Unavailable(
                f"OpenNebula at {self.url} answered HTTP {exc.errcode} {exc.errmsg}"
            ) from None
        except (xmlrpc.client.ResponseError, requests.exceptions.RequestException) as exc:
            raise BadGateway(f"OpenNebula's answer to {method} was not understood: {exc}") from None

    async def call(self, server: _Server, method: str, *args: Any) -> Any:
        """``method`` ("vm.info") with ``args`` as the session of ``server``."""
        target: Any = server
        for part in method.split("."):
            target = getattr(target, part)
        return await self.run(method, lambda: target(*args))

    async def login(self, session: str) -> tuple[_Server, OneUser]:
        """The client and user for ``session``; oned checks it (at most once a minute)."""
        key = hashlib.sha256(session.encode("utf-8")).hexdigest()
        cached = self._sessions.get(key)
        now = time.monotonic()
        if cached is not None and now - cached.checked < SESSION_TTL:
            return cached.server, cached.user
        server = self.server(session)
        try:
            document = await self.call(server, "user.info", -1)
        except Unauthorized:
            self._sessions.pop(key, None)
            raise
        user = user_from(document)
        if self.version is None:
            self.version = _version(await self.call(server, "system.version"))
        if len(self._sessions) > 4096:  # a bound, not an LRU: forgetting only costs a call
            self._sessions.clear()
        self._sessions[key] = _Cached(server, user, now)
        return server, user

    def forget(self, session: str) -> None:
        self._sessions.pop(hashlib.sha256(session.encode("utf-8")).hexdigest(), None)

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
        self._http.close()


def user_from(document: Any) -> OneUser:
    groups = getattr(getattr(document, "GROUPS", None), "ID", None) or [document.GID]
    template = dict(getattr(document, "TEMPLATE", None) or {})
    return OneUser(int(document.ID), str(document.NAME), int(document.GID), tuple(groups), template)


def _version(text: object) -> tuple[int, ...]:
    parts = []
    for piece in str(text).split("."):
        digits = "".join(c for c in piece if c.isdigit())
        if not digits:
            break
        parts.append(int(digits))
    return tuple(parts) or (0,)
