"""Start the real oned simulator process for tests (imported by the one_simulator tests).

Not a ``conftest.py`` on purpose: the shared one belongs to another module owner. Test
modules import the fixtures from here.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import threading
import xmlrpc.client
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
STARTUP = re.compile(r"listening on (http://[\d.]+:(\d+)/RPC2)")

# Seed credentials (fixtures/opennebula/seed.yaml).
ONEADMIN = "oneadmin:opennebula"
ALICE = "alice:alice-secret"
BOB = "bob:bob-secret"


@dataclass
class RunningSimulator:
    process: subprocess.Popen
    url: str
    port: int
    first_line: str

    def raw(self) -> xmlrpc.client.ServerProxy:
        """A plain xmlrpc.client proxy (answers are oned's raw arrays)."""
        return xmlrpc.client.ServerProxy(self.url)

    def pyone(self, session: str):
        import pyone

        return pyone.OneServer(self.url, session=session)


def start_simulator(*args: str, timeout: float = 20.0) -> RunningSimulator:
    """Run ``python -m one_simulator --listen 127.0.0.1:0 ARGS`` and wait for its banner."""
    env = {**os.environ, "PYTHONPATH": str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    process = subprocess.Popen(
        [sys.executable, "-m", "one_simulator", "--listen", "127.0.0.1:0", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=REPO,
        env=env,
    )
    line_holder: list[str] = []
    reader = threading.Thread(
        target=lambda: line_holder.append(process.stdout.readline()), daemon=True
    )
    reader.start()
    reader.join(timeout)
    line = line_holder[0] if line_holder else ""
    match = STARTUP.search(line)
    if not match:
        process.kill()
        _, err = process.communicate(timeout=5)
        raise RuntimeError(f"simulator did not start: {line!r} {err!r}")
    return RunningSimulator(process, match.group(1), int(match.group(2)), line)


def stop_simulator(sim: RunningSimulator, sig: int = signal.SIGTERM) -> tuple[int, str]:
    """Signal the process, wait for it, return (exit code, rest of stdout)."""
    if sim.process.poll() is None:
        sim.process.send_signal(sig)
    try:
        out, _ = sim.process.communicate(timeout=10)
    except subprocess.TimeoutExpired:
        sim.process.kill()
        out, _ = sim.process.communicate()
    return sim.process.returncode, out


@pytest.fixture(scope="module")
def one_process() -> Iterator[RunningSimulator]:
    """One simulator process per test module (speed 50)."""
    sim = start_simulator("--speed", "50")
    yield sim
    stop_simulator(sim)


@pytest.fixture
def one_sim(one_process: RunningSimulator) -> RunningSimulator:
    """The module's simulator, reset to the seed and slowed so only ``advance`` moves it."""
    control = one_process.raw()
    control.simulator.reset()
    control.simulator.set_speed(0.001)  # 3000 s per step: nothing moves by itself
    return one_process


STEP_AT_SLOW_SPEED = 3000.0
