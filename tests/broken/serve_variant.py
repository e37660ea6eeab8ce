"""Serve one variant of the reference server: ``python tests/broken/serve_variant.py NAME
--listen 127.0.0.1:PORT`` (``plain`` serves the unmodified server, for comparison).

The app is the reference server's own (``create_app`` over an in-memory DummyBackend); the
variant's patches are installed in this process before the app is built, and its hooks wrap
the app as ASGI middleware. uvicorn runs it, as in production.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from asgi_rewrite import Rewrite
from variants import VARIANTS, get

PLAIN = "plain"


def build_app(name: str) -> Any:
    """The reference server app with variant ``name`` applied (``plain``: none)."""
    from reference_server.app import create_app
    from reference_server.backends.dummy import DummyBackend

    variant = None if name == PLAIN else get(name)
    if variant is not None and variant.install is not None:
        variant.install()
    version = variant.occi_version if variant is not None else "1.2"
    app: Any = create_app(DummyBackend(":memory:", occi_version=version))
    if variant is not None and (variant.request or variant.response):
        app = Rewrite(app, request=variant.request, response=variant.response)
    return app


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("name", choices=[PLAIN, *VARIANTS], metavar="NAME", help="variant")
    parser.add_argument("--listen", default="127.0.0.1:18140", metavar="HOST:PORT")
    args = parser.parse_args(argv)
    host, _, port = args.listen.rpartition(":")
    if not port.isdigit():
        parser.error(f"--listen wants HOST:PORT, not {args.listen!r}")

    import uvicorn

    uvicorn.run(
        build_app(args.name),
        host=host or "127.0.0.1",
        port=int(port),
        log_level="warning",
        access_log=False,
        server_header=False,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
