"""The ASGI application: Starlette in front of :class:`~reference_server.occi_http.OCCIProtocol`.

Starlette keeps every request header line as its own pair (``request.headers.raw``), which
OCCI needs: repeated ``Category`` lines mean a list. Responses are built from pairs the same
way, so a header the protocol repeats goes out repeated.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator, Callable

from starlette.applications import Starlette
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response
from starlette.routing import Route

from reference_server import server_header
from reference_server.auth import Authenticator
from reference_server.backends.base import Backend
from reference_server.occi_http import ACCEPT_HEADER, OCCIProtocol
from reference_server.occi_http import Request as OCCIRequest

log = logging.getLogger("reference_server")

METHODS = ["GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"]
DEFAULT_MAX_BODY = 1 << 20


class _BodyTooLarge(Exception):
    pass


def create_app(
    backend: Backend, authenticator: Authenticator | None = None, max_body: int = DEFAULT_MAX_BODY
) -> Starlette:
    """The server as an ASGI app. The backend is closed when the app shuts down."""
    protocol = OCCIProtocol(backend)
    auth = authenticator or Authenticator()
    common = _common_headers(server_header(protocol.occi_version))

    async def endpoint(request: Request) -> Response:
        try:
            response = await _serve(request, protocol, auth, max_body)
        except Exception:  # the one place a bug becomes a 500, never a dropped connection
            log.exception("internal error answering %s %s", request.method, request.url.path)
            response = _plain(500, "internal server error; the server log has the details\n")
        common(response)
        return response

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        yield
        await backend.close()

    return Starlette(routes=[Route("/{path:path}", endpoint, methods=METHODS)], lifespan=lifespan)


async def _serve(
    request: Request, protocol: OCCIProtocol, auth: Authenticator, max_body: int
) -> Response:
    headers = [(k.decode("latin-1"), _text(v)) for k, v in request.headers.raw]
    lowered = {k.lower(): v for k, v in headers}
    user = auth.authenticate(lowered)
    if user is None:
        response = _plain(401, "authentication required: send Basic credentials or a token\n")
        response.headers["WWW-Authenticate"] = auth.challenge
        return response
    if request.method == "OPTIONS":
        response = Response(status_code=204)
        response.headers["Allow"] = ", ".join(m for m in METHODS if m != "PATCH")
        return response
    try:
        body = await _read_body(request, max_body)
    except _BodyTooLarge:
        return _plain(413, f"request body larger than {max_body} bytes\n")
    except ClientDisconnect:
        return _plain(400, "the client closed the connection before sending the body\n")
    url = request.url  # built anew on every access
    occi_request = OCCIRequest(
        method=request.method,
        path=url.path,
        query=dict(request.query_params),
        headers=headers,
        body=body,
        base_url=f"{url.scheme}://{url.netloc}",
        user=user,
    )
    answer = await protocol.handle(occi_request)
    response = Response(content=answer.body, status_code=answer.status)
    del response.headers["content-type"]
    response.raw_headers.extend((k.encode("latin-1"), _wire(v)) for k, v in answer.headers)
    return response


async def _read_body(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise _BodyTooLarge
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise _BodyTooLarge
        chunks.append(chunk)
    return b"".join(chunks)


def _text(raw: bytes) -> str:
    # Header values are bytes; OCCI peers send UTF-8 titles in text/occi headers.
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


def _wire(value: str) -> bytes:
    return value.encode("utf-8").replace(b"\r", b" ").replace(b"\n", b" ")


def _common_headers(server: str) -> Callable[[Response], None]:
    """What every answer carries: the Server token (H12 §5.3) and the Accept list."""

    def add(response: Response) -> None:
        response.headers["Server"] = server
        response.headers["Accept"] = ACCEPT_HEADER

    return add


def _plain(status: int, message: str) -> Response:
    return Response(message, status_code=status, media_type="text/plain")
