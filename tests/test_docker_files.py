"""Tests of the Docker files that need no daemon: the image's health check and compose.yaml."""

from __future__ import annotations

import http.server
import importlib.util
import shutil
import socket
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
DOCKER_DIR = REPO / "docker"


def _load_healthcheck():
    # docker/ is not a package, and "docker" is the SDK's name: load the file under its own name.
    spec = importlib.util.spec_from_file_location("occi_healthcheck", DOCKER_DIR / "healthcheck.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


healthcheck = _load_healthcheck()


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({}, ("127.0.0.1", 8080)),
        ({"OCCI_SERVER_PORT": "9000"}, ("127.0.0.1", 9000)),
        ({"OCCI_SERVER_LISTEN": "127.0.0.1:8443", "OCCI_SERVER_PORT": "9000"}, ("127.0.0.1", 8443)),
        ({"OCCI_SERVER_LISTEN": "0.0.0.0:8081"}, ("127.0.0.1", 8081)),
        ({"OCCI_SERVER_LISTEN": ":8082"}, ("127.0.0.1", 8082)),
        ({"OCCI_SERVER_LISTEN": "[::1]:8083"}, ("::1", 8083)),
        ({"OCCI_SERVER_LISTEN": "[::]:8084"}, ("127.0.0.1", 8084)),
    ],
)
def test_probe_address(environ: dict[str, str], expected: tuple[str, int]) -> None:
    assert healthcheck.probe_address(environ) == expected


@pytest.mark.parametrize(
    "environ",
    [
        {"OCCI_SERVER_LISTEN": "localhost"},
        {"OCCI_SERVER_LISTEN": "127.0.0.1:http"},
        {"OCCI_SERVER_LISTEN": "127.0.0.1:70000"},
        {"OCCI_SERVER_PORT": "0"},
    ],
)
def test_probe_address_rejects_bad_values(environ: dict[str, str]) -> None:
    with pytest.raises(ValueError):
        healthcheck.probe_address(environ)


class _Handler(http.server.BaseHTTPRequestHandler):
    status = 200
    paths: list[str]

    def do_GET(self) -> None:
        self.paths.append(self.path)
        self.send_response(self.status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def server() -> Iterator[tuple[int, type[_Handler]]]:
    handler = type("Handler", (_Handler,), {"paths": []})
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield httpd.server_address[1], handler
    finally:
        httpd.shutdown()
        httpd.server_close()


@pytest.mark.parametrize(("status", "code"), [(200, 0), (401, 0), (403, 0), (404, 1), (503, 1)])
def test_main_judges_the_status_of_the_query_interface(
    server: tuple[int, type[_Handler]],
    monkeypatch: pytest.MonkeyPatch,
    status: int,
    code: int,
) -> None:
    port, handler = server
    handler.status = status
    monkeypatch.setenv("OCCI_SERVER_LISTEN", f"127.0.0.1:{port}")
    assert healthcheck.main() == code
    assert handler.paths == ["/-/"]


def test_main_reports_a_refused_connection(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    with socket.socket() as sock:  # a port that was free a moment ago and has no listener
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    monkeypatch.setenv("OCCI_SERVER_LISTEN", f"127.0.0.1:{port}")
    assert healthcheck.main() == 1
    assert "unhealthy" in capsys.readouterr().err


def _compose_command() -> list[str] | None:
    docker = shutil.which("docker")
    if docker:
        probe = subprocess.run([docker, "compose", "version"], capture_output=True, check=False)
        if probe.returncode == 0:
            return [docker, "compose"]
    legacy = shutil.which("docker-compose")
    return [legacy] if legacy else None


def test_compose_file_validates(tmp_path: Path) -> None:
    command = _compose_command()
    if command is None:
        pytest.skip("neither the docker compose plugin nor docker-compose is installed")
    result = subprocess.run(
        [*command, "-f", str(DOCKER_DIR / "compose.yaml"), "config", "--quiet"],
        capture_output=True,
        text=True,
        check=False,
        cwd=tmp_path,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
