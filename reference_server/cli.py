"""``occi-reference-server`` / ``python -m reference_server``: start the server."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from reference_server import SERVER_HEADER, __version__
from reference_server.auth import MODES, AuthConfigError, Authenticator
from reference_server.backends import NAMES
from reference_server.backends.seed import SeedError
from reference_server.config import ConfigError, Settings, load_settings


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="occi-reference-server",
        description="OCCI 1.2 reference server. Settings also come from --config (YAML) and "
        "OCCI_SERVER_* variables; options win.",
    )
    add = parser.add_argument
    add("--version", action="version", version=f"%(prog)s {__version__} ({SERVER_HEADER})")
    add("--config", metavar="FILE", help="YAML file of settings")
    add("--backend", choices=NAMES, help="cloud stack behind the server (default dummy)")
    add(
        "--occi-version",
        choices=["1.2", "1.1"],
        help="dummy: 1.1 plays a legacy OCCI 1.1 endpoint (default 1.2)",
    )
    add("--listen", metavar="HOST:PORT", help="address to serve (default 127.0.0.1:8080)")
    add("--database", metavar="FILE", help="dummy: SQLite file (default :memory:)")
    add("--seed", metavar="FILE", help="dummy: templates seed (default fixtures/seeds/dummy.yaml)")
    add("--auth", choices=MODES, help="authentication mode (default open)")
    add("--users-file", metavar="FILE", help="YAML users for Basic auth")
    add("--tokens-file", metavar="FILE", help="YAML tokens for X-Auth-Token / Bearer auth")
    add("--allow-anonymous", action="store_true", default=None, help="open auth off loopback")
    add("--max-body", type=int, metavar="BYTES", help="largest request body (default 1 MiB)")
    add("--log-level", choices=["debug", "info", "warning", "error"])
    add("--access-log", action="store_true", default=None, help="log every request")
    add("--one-xmlrpc", metavar="URL", help="opennebula: oned XML-RPC endpoint")
    add("--one-timeout", type=float, metavar="SECONDS", help="opennebula: oned time limit")
    add("--one-auth-file", metavar="FILE", help="opennebula: server account user:password")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    overrides = {k: v for k, v in vars(args).items() if k != "config" and v is not None}
    try:
        settings = load_settings(args.config, os.environ, overrides)
        return serve(settings)
    except (ConfigError, AuthConfigError, SeedError) as exc:
        print(f"occi-reference-server: {exc}", file=sys.stderr)
        return 2


def serve(settings: Settings) -> int:
    import uvicorn

    from reference_server.app import create_app
    from reference_server.backends import create_backend

    authenticator = Authenticator.from_files(
        settings.auth,
        Path(settings.users_file) if settings.users_file else None,
        Path(settings.tokens_file) if settings.tokens_file else None,
    )
    backend = create_backend(settings)
    app = create_app(backend, authenticator, settings.max_body)
    logging.basicConfig(level=settings.log_level.upper(), format="%(levelname)s %(message)s")
    print(
        f"occi-reference-server {__version__}: {settings.backend} backend on "
        f"http://{settings.listen}/ (auth {settings.auth})",
        flush=True,
    )
    uvicorn.run(
        app,
        host=settings.host,
        port=settings.port,
        log_level=settings.log_level,
        access_log=settings.access_log,
        server_header=False,
        date_header=True,
    )
    return 0
