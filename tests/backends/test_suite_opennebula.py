"""The whole conformance suite against the reference server on the OpenNebula backend.

A real oned simulator process (fast life cycle), a real reference server process on the
opennebula backend (passthrough auth), and ``occi-conformance run`` as alice with every
profile, destructive tests included. The verdict comes from the run's results.json: no
``fail`` and no ``error`` outcome.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator

import pytest

try:
    from tests.conftest import REPO, ServerProcess, start_reference_server
    from tests.conftest_one import RunningSimulator, start_simulator, stop_simulator
except ImportError:  # pragma: no cover - run from inside tests/
    from conftest import REPO, ServerProcess, start_reference_server  # type: ignore[no-redef]
    from conftest_one import (  # type: ignore[no-redef]
        RunningSimulator,
        start_simulator,
        stop_simulator,
    )

#: The whole suite takes about a minute against the fast simulator.
RUN_TIMEOUT = 600


@pytest.fixture(scope="module")
def one() -> Iterator[RunningSimulator]:
    process = start_simulator("--speed", "50")  # 0.06 s a life-cycle step
    yield process
    stop_simulator(process)


@pytest.fixture(scope="module")
def server(
    one: RunningSimulator, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ServerProcess]:
    process = start_reference_server(
        tmp_path_factory.mktemp("suite-one"),
        "--backend", "opennebula", "--one-xmlrpc", one.url, "--auth", "passthrough",
        "--one-timeout", "10",
    )  # fmt: skip
    yield process
    process.stop()


@pytest.fixture(scope="module")
def results(server: ServerProcess, tmp_path_factory: pytest.TempPathFactory) -> dict:
    report_dir = tmp_path_factory.mktemp("suite-one-report")
    env = {k: v for k, v in os.environ.items() if not k.startswith("OCCI_")}
    env.update(
        PYTHONPATH=str(REPO) + os.pathsep + os.environ.get("PYTHONPATH", ""),
        OCCI_PASSWORD="alice-secret",
        OCCI_POLL_INTERVAL="0.2",
    )
    command = [
        sys.executable, "-m", "conformance", "run", "--endpoint", server.url, "--destructive",
        "--auth-type", "basic", "--username", "alice", "--report-dir", str(report_dir),
        "--state-timeout", "30", "--hypothesis-profile", "occi-ci",
        "-q",
    ]  # fmt: skip
    done = subprocess.run(
        command, cwd=REPO, env=env, capture_output=True, text=True, timeout=RUN_TIMEOUT
    )
    path = report_dir / "results.json"
    assert path.is_file(), (
        f"no results.json (exit {done.returncode}):\n{done.stdout}\n{done.stderr}"
    )
    data = json.loads(path.read_text(encoding="utf-8"))
    data["_exit"], data["_output"] = done.returncode, done.stdout + done.stderr
    return data


def _line(result: dict) -> str:
    return f"{result['outcome']} {result['test']}: {(result.get('message') or '')[:400]}"


def test_whole_suite_passes_against_opennebula(results: dict) -> None:
    records = results["results"]
    outcomes = Counter(r["outcome"] for r in records)
    assert outcomes["pass"] > 300, f"the run looks truncated: {dict(outcomes)}"
    broken = [r for r in records if r["outcome"] in ("fail", "error")]
    assert not broken, "the OpenNebula backend fails the suite:\n" + "\n".join(map(_line, broken))
    assert results["_exit"] == 0, results["_output"][-3000:]


def test_nothing_left_behind_in_oned(results: dict, one: RunningSimulator) -> None:
    """The run deleted what it made: no VM, image or network of it is left in oned (a VM
    deleted through OCCI may still be on its way to DONE)."""
    assert not results["leftovers"], results["leftovers"]
    alice = one.pyone("alice:alice-secret")
    vms = [
        vm
        for vm in alice.vmpool.infoextended(-3, -1, -1, -1).VM or []
        if (vm.USER_TEMPLATE or {}).get("OCCI_DELETED") != "YES"
    ]
    # compute save makes an image and a template using it: the new os_tpl, kept on purpose.
    saved = {
        disk.get("IMAGE_ID")
        for tpl in alice.templatepool.info(-3, -1, -1).VMTEMPLATE or []
        for disk in (lambda d: d if isinstance(d, list) else [d])(tpl.TEMPLATE.get("DISK", []))
    }
    images = [i for i in alice.imagepool.info(-3, -1, -1).IMAGE or [] if str(i.ID) not in saved]
    left = [
        f"{kind} {obj.NAME}"
        for kind, pool in (
            ("VM", vms),
            ("image", images),
            ("network", alice.vnpool.info(-3, -1, -1).VNET),
        )
        for obj in pool or []
        if str(obj.NAME).startswith(results["run_id"])
    ]
    assert not left, f"the run left these behind in oned: {left}"
