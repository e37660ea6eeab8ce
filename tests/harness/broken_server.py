"""The reference server with two deliberate faults, for the harness's exit-code tests.

``python tests/harness/broken_server.py PORT``: the Server header loses its OCCI/ token (a MUST,
HTTP-VER-01) and answers lose their Accept header (a SHOULD, HTTP-HDR-03).
"""

from __future__ import annotations

import sys
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

import uvicorn

from reference_server.app import create_app
from reference_server.auth import Authenticator
from reference_server.backends import create_backend
from reference_server.config import Settings

Message = MutableMapping[str, Any]


def broken(app: Any) -> Callable[..., Awaitable[None]]:
    async def wrapped(scope: Message, receive: Any, send: Any) -> None:
        async def send_broken(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [
                    (name, b"broken-server/1.0" if name.lower() == b"server" else value)
                    for name, value in message["headers"]
                    if name.lower() != b"accept"
                ]
            await send(message)

        await app(scope, receive, send_broken)

    return wrapped


def main() -> None:
    port = int(sys.argv[1])
    app = create_app(create_backend(Settings()), Authenticator())
    uvicorn.run(broken(app), host="127.0.0.1", port=port, log_level="warning", server_header=False)


if __name__ == "__main__":
    main()
