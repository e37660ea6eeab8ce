"""Benchmark of the reference server against the floor of its own ASGI stack.

Starts the reference server (dummy backend, in memory) and a constant-body Starlette app on
uvicorn as separate processes, then drives both from this process with keep-alive
connections, measuring requests/s and p50/p99 latency. Every figure is also printed as a ratio
of the floor's. Usage::

    python benchmarks/server.py [--seconds 5] [--connections 4] [--json out.json]
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
COMPUTE = 'Category: compute; scheme="http://schemas.ogf.org/occi/infrastructure#"; class="kind"\n'


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start(args: list[str], port: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    process = subprocess.Popen(
        args, env=env, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return process
        except OSError:
            time.sleep(0.05)
    process.kill()
    raise SystemExit(f"server on port {port} did not start")


def request(
    conn: http.client.HTTPConnection,
    method: str,
    path: str,
    headers: dict[str, str],
    body: bytes | None,
) -> tuple[int, bytes, dict[str, str]]:
    conn.request(method, path, body=body, headers=headers)
    response = conn.getresponse()
    data = response.read()
    return response.status, data, dict(response.getheaders())


def drive(
    port: int,
    method: str,
    path: str,
    headers: dict[str, str],
    body: bytes | None,
    seconds: float,
    connections: int,
) -> dict[str, float]:
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    stop = time.monotonic() + seconds

    def worker() -> None:
        nonlocal errors
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        mine: list[float] = []
        bad = 0
        while time.monotonic() < stop:
            started = time.perf_counter()
            status, _, _ = request(conn, method, path, headers, body)
            mine.append(time.perf_counter() - started)
            bad += status >= 400
        with lock:
            latencies.extend(mine)
            errors += bad
        conn.close()

    threads = [threading.Thread(target=worker) for _ in range(connections)]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - began
    latencies.sort()
    return {
        "requests": len(latencies),
        "errors": errors,
        "rps": len(latencies) / elapsed,
        "p50_ms": statistics.median(latencies) * 1000,
        "p99_ms": latencies[int(len(latencies) * 0.99) - 1] * 1000,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--collection-size", type=int, default=1000)
    parser.add_argument("--json", help="also write the figures to this file")
    options = parser.parse_args()

    server_port, floor_port = free_port(), free_port()
    server = start(
        [sys.executable, "-m", "reference_server", "--listen", f"127.0.0.1:{server_port}"],
        server_port,
    )
    floor = start(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "benchmarks.floor_app:app",
            "--host",
            "127.0.0.1",
            "--port",
            str(floor_port),
            "--log-level",
            "warning",
            "--no-access-log",
            "--no-server-header",
        ],
        floor_port,
    )
    try:
        conn = http.client.HTTPConnection("127.0.0.1", server_port, timeout=30)
        plain = {"Content-Type": "text/plain", "Accept": "text/plain"}
        one = None
        for i in range(options.collection_size):
            body = (COMPUTE + f'X-OCCI-Attribute: occi.core.title="bench {i}"\n').encode()
            status, _, headers = request(conn, "POST", "/compute/", plain, body)
            assert status == 201, status
            one = one or headers["Location"].split(str(server_port), 1)[1]
        conn.close()
        # Single-request latency of the big collection, rendered both ways.
        collection_ms = {}
        for accept in ("text/uri-list", "text/plain", "application/occi+json"):
            conn = http.client.HTTPConnection("127.0.0.1", server_port, timeout=30)
            timings = []
            for _ in range(20):
                started = time.perf_counter()
                status, data, _ = request(conn, "GET", "/compute/", {"Accept": accept}, None)
                timings.append((time.perf_counter() - started) * 1000)
                assert status == 200 and data.count(b"/compute/") >= options.collection_size
            conn.close()
            collection_ms[accept] = statistics.median(timings)

        create_body = (COMPUTE + 'X-OCCI-Attribute: occi.core.title="load"\n').encode()
        cases = {
            "GET /-/": ("GET", "/-/", {"Accept": "text/plain"}, None),
            "GET one compute": ("GET", one, {"Accept": "text/plain"}, None),
            f"GET {options.collection_size} computes (uri-list)": (
                "GET",
                "/compute/",
                {"Accept": "text/uri-list"},
                None,
            ),
            f"GET {options.collection_size} computes (text/plain)": (
                "GET",
                "/compute/",
                {"Accept": "text/plain"},
                None,
            ),
            "POST create compute": ("POST", "/compute/", plain, create_body),
        }
        floor_figures = drive(
            floor_port,
            "GET",
            "/",
            {"Accept": "text/plain"},
            None,
            options.seconds,
            options.connections,
        )
        results = {"floor (constant body, same stack)": floor_figures}
        for name, (method, path, headers, body) in cases.items():
            results[name] = drive(
                server_port, method, path, headers, body, options.seconds, options.connections
            )
    finally:
        server.terminate()
        floor.terminate()
        server.wait(10)
        floor.wait(10)

    floor_rps = floor_figures["rps"]
    print(f"{'case':48} {'req/s':>9} {'p50 ms':>8} {'p99 ms':>8} {'of floor':>9} {'errors':>6}")
    for name, figures in results.items():
        print(
            f"{name:48} {figures['rps']:9.0f} {figures['p50_ms']:8.2f} {figures['p99_ms']:8.2f}"
            f" {figures['rps'] / floor_rps:9.0%} {figures['errors']:6}"
        )
    print("\nOne GET of the whole collection (median of 20):")
    for accept, ms in collection_ms.items():
        print(f"  {accept:24} {ms:7.1f} ms")
    if options.json:
        Path(options.json).write_text(
            json.dumps({"cases": results, "collection_ms": collection_ms}, indent=2)
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
