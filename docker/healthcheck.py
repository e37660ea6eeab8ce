"""Docker HEALTHCHECK for the reference server: GET the query interface on the loopback.

The address comes from the same variables the server reads: ``OCCI_SERVER_LISTEN``
(``host:port``) or else ``OCCI_SERVER_PORT`` (default 8080). A wildcard listen address is
probed on 127.0.0.1. Exit 0 when ``/-/`` answers 200, or 401/403 (a deployment that
requires authentication is alive); exit 1 otherwise, with the reason on stderr.
"""

from __future__ import annotations

import http.client
import os
import sys

HEALTHY = frozenset({200, 401, 403})
WILDCARDS = frozenset({"", "0.0.0.0", "::", "[::]"})


def probe_address(environ: os._Environ[str] | dict[str, str]) -> tuple[str, int]:
    """Return the (host, port) to probe, from ``OCCI_SERVER_LISTEN`` or ``OCCI_SERVER_PORT``."""
    listen = environ.get("OCCI_SERVER_LISTEN", "").strip()
    if listen:
        host, sep, port = listen.rpartition(":")
        if not sep:
            raise ValueError(f"OCCI_SERVER_LISTEN must be host:port, got {listen!r}")
    else:
        host, port = "127.0.0.1", environ.get("OCCI_SERVER_PORT", "8080")
    if host in WILDCARDS:
        host = "127.0.0.1"
    if not port.isdigit() or not 0 < int(port) < 65536:
        raise ValueError(f"invalid port {port!r}")
    return host.strip("[]"), int(port)


def main() -> int:
    try:
        host, port = probe_address(os.environ)
        conn = http.client.HTTPConnection(host, port, timeout=4)
        conn.request("GET", "/-/", headers={"Accept": "text/plain"})
        status = conn.getresponse().status
    except (OSError, ValueError, http.client.HTTPException) as exc:
        print(f"unhealthy: {exc}", file=sys.stderr)
        return 1
    if status not in HEALTHY:
        print(f"unhealthy: GET http://{host}:{port}/-/ answered {status}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
