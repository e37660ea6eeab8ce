"""ASGI middleware that lets a broken variant rewrite one HTTP exchange of the reference server.

The middleware buffers the request, hands it to a request hook (which may change it or answer
in the server's place), runs the app, buffers the answer and hands it to a response hook.
Header pairs stay pairs end to end, so a hook can repeat, join or rename header lines. Bytes
go through latin-1, which maps every byte to one character and back unchanged.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

from occi_protocol import grammar

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

#: The OCCI line names (text/occi headers, text/plain body lines), lower-cased.
OCCI_LINES = ("category", "link", "x-occi-attribute", "x-occi-location")
QUERY_INTERFACE = ("/-/", "/.well-known/org/ogf/occi/-/")
TEXT_BODY_TYPES = ("text/plain", "text/occi+plain")
JSON_TYPES = ("application/occi+json", "application/json")


def _has(headers: list[tuple[str, str]], name: str) -> list[str]:
    name = name.lower()
    return [v for k, v in headers if k.lower() == name]


@dataclass
class HTTPRequest:
    """The request as the variant sees it; hooks change it in place."""

    method: str
    path: str
    query: str
    headers: list[tuple[str, str]]
    body: bytes

    def header(self, name: str) -> str | None:
        values = _has(self.headers, name)
        return ", ".join(values) if values else None

    def set_header(self, name: str, value: str | None) -> None:
        self.headers = [(k, v) for k, v in self.headers if k.lower() != name.lower()]
        if value is not None:
            self.headers.append((name, value))

    @property
    def params(self) -> dict[str, list[str]]:
        return parse_qs(self.query)

    @property
    def is_action(self) -> bool:
        return "action" in self.params

    @property
    def is_query_interface(self) -> bool:
        return self.path in QUERY_INTERFACE

    @property
    def is_entity(self) -> bool:
        """An entity URL: OCCI entity locations never end in "/" (H12 §3.4)."""
        return not self.path.endswith("/")

    @property
    def content_type(self) -> str:
        return (self.header("content-type") or "").split(";", 1)[0].strip().lower()


@dataclass
class HTTPResponse:
    """The answer as the variant sees it; hooks change it in place."""

    status: int
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""

    def header(self, name: str) -> str | None:
        values = _has(self.headers, name)
        return ", ".join(values) if values else None

    def set_header(self, name: str, value: str | None) -> None:
        self.headers = [(k, v) for k, v in self.headers if k.lower() != name.lower()]
        if value is not None:
            self.headers.append((name, value))

    @property
    def media_type(self) -> str:
        return (self.header("content-type") or "").split(";", 1)[0].strip().lower()

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300

    def empty(self, status: int) -> None:
        """Turn the answer into a body-less one with this status and no OCCI headers."""
        self.status = status
        self.body = b""
        self.headers = [
            (k, v) for k, v in self.headers if k.lower() not in (*OCCI_LINES, "content-type")
        ]


def plain_answer(status: int, message: str) -> HTTPResponse:
    return HTTPResponse(
        status,
        [("Content-Type", "text/plain; charset=utf-8"), ("Server", "broken OCCI/1.2")],
        message.encode() + b"\n",
    )


RequestHook = Callable[[HTTPRequest], HTTPResponse | None]
ResponseHook = Callable[[HTTPRequest, HTTPResponse], None]


class Rewrite:
    """Wraps an ASGI app; ``request`` and ``response`` hooks see every HTTP exchange."""

    def __init__(
        self,
        app: ASGIApp,
        request: RequestHook | None = None,
        response: ResponseHook | None = None,
    ) -> None:
        self.app = app
        self.request_hook = request
        self.response_hook = response

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        chunks = []
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunks.append(message.get("body", b""))
            if not message.get("more_body", False):
                break
        request = HTTPRequest(
            method=scope["method"],
            path=scope["path"],
            query=scope.get("query_string", b"").decode("latin-1"),
            headers=[(k.decode("latin-1"), v.decode("latin-1")) for k, v in scope["headers"]],
            body=b"".join(chunks),
        )
        answer = self.request_hook(request) if self.request_hook else None
        if answer is None:
            answer = await self._forward(scope, request)
            if self.response_hook:
                self.response_hook(request, answer)
        await _send(send, answer)

    async def _forward(self, scope: Scope, request: HTTPRequest) -> HTTPResponse:
        inner = dict(scope)
        inner["method"] = request.method
        inner["path"] = request.path
        inner["raw_path"] = request.path.encode("latin-1")
        inner["query_string"] = request.query.encode("latin-1")
        inner["headers"] = [
            (k.lower().encode("latin-1"), v.encode("latin-1"))
            for k, v in request.headers
            if k.lower() != "content-length"
        ] + [(b"content-length", str(len(request.body)).encode())]
        sent = False

        async def replay() -> Message:
            nonlocal sent
            if sent:
                return {"type": "http.disconnect"}
            sent = True
            return {"type": "http.request", "body": request.body, "more_body": False}

        answer = HTTPResponse(500)
        body: list[bytes] = []

        async def capture(message: Message) -> None:
            if message["type"] == "http.response.start":
                answer.status = message["status"]
                answer.headers = [
                    (k.decode("latin-1"), v.decode("latin-1")) for k, v in message["headers"]
                ]
            elif message["type"] == "http.response.body":
                body.append(message.get("body", b""))

        await self.app(inner, replay, capture)
        answer.body = b"".join(body)
        return answer


async def _send(send: Send, answer: HTTPResponse) -> None:
    headers = [
        (k.encode("latin-1"), v.encode("latin-1"))
        for k, v in answer.headers
        if k.lower() != "content-length"
    ]
    if answer.status not in (204, 304) and not 100 <= answer.status < 200:
        headers.append((b"content-length", str(len(answer.body)).encode()))
    body = answer.body if answer.status not in (204, 304) else b""
    await send({"type": "http.response.start", "status": answer.status, "headers": headers})
    await send({"type": "http.response.body", "body": body, "more_body": False})


# -- helpers for hooks ------------------------------------------------------------------------

LineMap = Callable[[str, str], list[tuple[str, str]]]


def map_occi_lines(answer: HTTPResponse, fn: LineMap) -> None:
    """Apply ``fn(name, value) -> [(name, value), ...]`` to every OCCI line of a successful
    text answer: headers in text/occi, ``Name: value`` body lines in text/plain."""
    if not answer.ok:
        return
    if answer.media_type == "text/occi":
        out: list[tuple[str, str]] = []
        for name, value in answer.headers:
            out.extend(fn(name, value) if name.lower() in OCCI_LINES else [(name, value)])
        answer.headers = out
    elif answer.media_type in TEXT_BODY_TYPES:
        text = answer.body.decode("utf-8")
        newline = "\r\n" if "\r\n" in text else "\n"
        lines = []
        for raw in text.split(newline):
            name, sep, value = raw.partition(":")
            if sep and name.strip().lower() in OCCI_LINES:
                lines.extend(f"{n}: {v}" for n, v in fn(name.strip(), value.strip()))
            else:
                lines.append(raw)
        answer.body = newline.join(lines).encode("utf-8")


def map_values(line: str, fn: Callable[[str], str]) -> LineMap:
    """A LineMap that rewrites each comma-list element of ``line`` lines with ``fn``."""

    def apply(name: str, value: str) -> list[tuple[str, str]]:
        if name.lower() != line:
            return [(name, value)]
        items = grammar.split_list(value, angle=line == "link")
        return [(name, ", ".join(fn(item) for item in items))]

    return apply


def map_json(answer: HTTPResponse, fn: Callable[[Any], Any]) -> None:
    """Replace the document of a successful JSON answer with ``fn(document)``."""
    if not answer.ok or answer.media_type not in JSON_TYPES or not answer.body.strip():
        return
    document = json.loads(answer.body)
    answer.body = json.dumps(fn(document)).encode("utf-8")


def is_link_object(node: Any) -> bool:
    return isinstance(node, dict) and "kind" in node and "source" in node and "target" in node


def is_entity_object(node: Any) -> bool:
    return isinstance(node, dict) and "kind" in node and ("id" in node or "attributes" in node)


def map_entities(document: Any, fn: Callable[[dict[str, Any]], dict[str, Any]]) -> Any:
    """Apply ``fn`` to every resource and link object of a JSON document (collections,
    single instances and links inline in resources), innermost first."""
    if isinstance(document, list):
        return [map_entities(item, fn) for item in document]
    if not isinstance(document, dict):
        return document
    out = {
        k: map_entities(v, fn) if k in ("resources", "links") else v for k, v in document.items()
    }
    return fn(out) if is_entity_object(out) else out
