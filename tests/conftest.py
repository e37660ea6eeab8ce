"""Shared fixtures of the project's own tests: hypothesis profiles and real server processes."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import urllib3
from hypothesis import HealthCheck, settings

REPO = Path(__file__).resolve().parent.parent

settings.register_profile(
    "dev", max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
# CI: derandomised, so a red run is a real regression and replays the same way.
settings.register_profile(
    "ci",
    max_examples=60,
    deadline=None,
    derandomize=True,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev"))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class ServerProcess:
    process: subprocess.Popen[bytes]
    url: str
    log: Path

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)


def wait_until_serving(
    url: str, process: subprocess.Popen[bytes], log: Path, timeout: float = 20
) -> None:
    http = urllib3.PoolManager(retries=False, timeout=2.0)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}:\n{log.read_text()}")
        try:
            http.request("GET", url + "/-/")
            return
        except urllib3.exceptions.HTTPError:
            time.sleep(0.1)
    raise RuntimeError(f"server did not answer within {timeout} s:\n{log.read_text()}")


def start_reference_server(tmp: Path, *args: str) -> ServerProcess:
    """``python -m reference_server --listen 127.0.0.1:<free> ARGS`` as a real process."""
    port = free_port()
    log = tmp / f"server-{port}.log"
    env = {**os.environ, "PYTHONPATH": str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    env = {k: v for k, v in env.items() if not k.startswith("OCCI_SERVER_")}
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "reference_server", "--listen", f"127.0.0.1:{port}", *args],
            stdout=out,
            stderr=subprocess.STDOUT,
            env=env,
            cwd=REPO,
        )
    server = ServerProcess(process, f"http://127.0.0.1:{port}", log)
    try:
        wait_until_serving(server.url, process, log)
    except BaseException:
        server.stop()
        raise
    return server


@pytest.fixture(scope="session")
def reference_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    """One reference server (dummy backend, in memory) for the whole test session."""
    server = start_reference_server(tmp_path_factory.mktemp("server"))
    yield server
    server.stop()
