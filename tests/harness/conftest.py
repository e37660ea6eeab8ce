"""Fixtures of the harness tests: the CLI as a subprocess, a fixture suite, servers."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import REPO, ServerProcess, free_port, wait_until_serving

HERE = Path(__file__).resolve().parent
FIXTURE_SUITE = HERE / "fixture_suite"


def cli_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OCCI_")}
    env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
    return env


def run_cli(
    *args: str, cwd: Path, timeout: float = 180, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """``python -m conformance ARGS`` in ``cwd``; output captured."""
    return subprocess.run(
        [sys.executable, "-m", "conformance", *args],
        cwd=cwd,
        env={**cli_env(), **(env or {})},
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def results(report_dir: Path) -> dict[str, object]:
    return json.loads((report_dir / "results.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def broken_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    """The reference server with a broken MUST (Server token) and SHOULD (Accept header)."""
    port = free_port()
    log = tmp_path_factory.mktemp("broken") / "server.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, str(HERE / "broken_server.py"), str(port)],
            stdout=out,
            stderr=subprocess.STDOUT,
            env=cli_env(),
            cwd=REPO,
        )
    server = ServerProcess(process, f"http://127.0.0.1:{port}", log)
    try:
        wait_until_serving(server.url, process, log)
    except BaseException:
        server.stop()
        raise
    yield server
    server.stop()


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    # The fixture suite is a suite, not tests of this project: only the CLI runs it.
    if FIXTURE_SUITE in (collection_path, *collection_path.parents):
        return config.getoption("occi_suite_dir", None) is None or None
    return None
