"""Run the conformance suite against variants of the reference server, each a real process.

``python tests/broken/run_variants.py [NAME ...] [--jobs 2]`` prints the variant table
(which breaking variant was caught by which test, whether allowed variants stayed clean).
``tests/broken/test_variants.py`` uses the same functions and asserts on them.

Each run: start ``serve_variant.py NAME`` on a free port in 18141-18199, wait for it to
listen, run ``pytest conformance/suite --occi-endpoint ... --occi-destructive
--occi-report-dir DIR`` restricted to the variant's requirements or profiles, read
``DIR/results.json``, stop the server.
"""

from __future__ import annotations

import argparse
import json
import os
import queue
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
sys.path.insert(0, str(HERE))

from variants import ALLOWED, BREAKING, VARIANTS, Variant  # noqa: E402

PLAIN = "plain"
PORTS = range(18141, 18200)
SERVER_START_S = 20.0
SUITE_TIMEOUT_S = 600.0
BAD = ("fail", "error")
#: The reference server changes state at once: waiting minutes for a broken one is pointless.
#: Plugin autoloading is off (allure, anyio, ... cost two seconds a run); the suite needs only
#: its own plugin and hypothesis's, loaded with -p.
SUITE_ENV = {
    "PYTHONDONTWRITEBYTECODE": "1",
    "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1",
    "OCCI_STATE_TIMEOUT": "2",
    "OCCI_POLL_INTERVAL": "0.2",
    "OCCI_TIMEOUT": "20",
}


@dataclass
class Run:
    """One suite run against one server variant."""

    name: str
    results: list[dict[str, Any]] = field(default_factory=list)
    returncode: int | None = None
    duration_s: float = 0.0
    problem: str = ""  # why the run itself did not produce results
    output: str = ""

    def outcomes(self, *wanted: str) -> list[dict[str, Any]]:
        return [r for r in self.results if r["outcome"] in wanted]


class PortPool:
    """Loopback ports for variant servers; a port goes back once its server has exited."""

    def __init__(self, ports: Iterable[int] = PORTS) -> None:
        self._free: queue.Queue[int] = queue.Queue()
        for port in ports:
            self._free.put(port)

    def take(self) -> int:
        for _ in range(self._free.qsize() + 1):
            port = self._free.get(timeout=60)
            if _bindable(port):
                return port
            self._free.put(port)  # someone else holds it now; try it again later
        raise RuntimeError("no free port in 18141-18199")

    def give(self, port: int) -> None:
        self._free.put(port)


def _bindable(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _wait_listening(port: int, server: subprocess.Popen[bytes], limit: float) -> bool:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if server.poll() is not None:
            return False
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            probe.settimeout(0.5)
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return True
        time.sleep(0.1)
    return False


def suite_args(variant: Variant | None) -> list[str]:
    return [] if variant is None else variant.suite_selection()


def run_one(name: str, ports: PortPool, workdir: Path) -> Run:
    """Serve variant ``name`` (or ``plain``) and run the suite against it."""
    variant = None if name == PLAIN else VARIANTS[name]
    report_dir = workdir / name
    report_dir.mkdir(parents=True, exist_ok=True)
    run = Run(name)
    started = time.monotonic()
    port = ports.take()
    log = (report_dir / "server.log").open("wb")
    server = subprocess.Popen(
        [sys.executable, str(HERE / "serve_variant.py"), name, "--listen", f"127.0.0.1:{port}"],
        cwd=REPO,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        if not _wait_listening(port, server, SERVER_START_S):
            run.problem = f"the {name} server did not start: " + _tail(report_dir / "server.log")
            return run
        command = [
            sys.executable,
            "-m",
            "pytest",
            "conformance/suite",
            "-q",
            "-p",
            "no:cacheprovider",
            "--tb=line",
            "-p",
            "conformance.plugin",
            "-p",
            "_hypothesis_pytestplugin",
            "-p",
            "suite_profile",
            "--hypothesis-profile",
            "occi-broken",
            "--occi-endpoint",
            f"http://127.0.0.1:{port}",
            "--occi-destructive",
            "--occi-report-dir",
            str(report_dir),
            *suite_args(variant),
        ]
        env = {
            **os.environ,
            **SUITE_ENV,
            "PYTHONPATH": os.pathsep.join(filter(None, [str(HERE), os.environ.get("PYTHONPATH")])),
        }
        env.pop("OCCI_ENDPOINT", None)
        try:
            done = subprocess.run(
                command, cwd=REPO, env=env, capture_output=True, timeout=SUITE_TIMEOUT_S
            )
        except subprocess.TimeoutExpired:
            run.problem = f"the suite did not finish within {SUITE_TIMEOUT_S:g} s"
            return run
        run.returncode = done.returncode
        run.output = (done.stdout + done.stderr).decode("utf-8", "replace")[-4000:]
        results = report_dir / "results.json"
        if not results.exists():
            run.problem = f"no results.json (pytest exit {done.returncode}): {run.output[-1500:]}"
            return run
        run.results = json.loads(results.read_text())["results"]
        return run
    finally:
        server.terminate()
        try:
            server.wait(10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()
        ports.give(port)
        run.duration_s = time.monotonic() - started


def _tail(path: Path, size: int = 1500) -> str:
    return path.read_text("utf-8", "replace")[-size:] if path.exists() else "(no log)"


def run_many(names: Sequence[str], workdir: Path, jobs: int = 2) -> dict[str, Run]:
    """Run the suite against each variant, ``jobs`` at a time (2 cores: two servers and two
    suites at once keep both busy without starving either)."""
    ports = PortPool()
    with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
        futures = {name: pool.submit(run_one, name, ports, workdir) for name in names}
        return {name: future.result() for name, future in futures.items()}


# -- verdicts ---------------------------------------------------------------------------------


def catching(variant: Variant, run: Run) -> list[dict[str, Any]]:
    """The results that catch a breaking variant: fail naming one of its expected ids."""
    expected = set(variant.expect)
    return [r for r in run.outcomes("fail") if expected & set(r["requirements"])]


def new_problems(run: Run, plain: Run) -> list[dict[str, Any]]:
    """Fail/error results of an allowed variant that the plain server does not also have."""
    known = {r["test"] for r in plain.outcomes(*BAD)}
    ran_on_plain = {r["test"] for r in plain.results}
    return [
        r for r in run.outcomes(*BAD) if r["test"] not in known or r["test"] not in ran_on_plain
    ]


def default_jobs() -> int:
    return int(os.environ.get("OCCI_BROKEN_JOBS", "2"))


def table(runs: dict[str, Run]) -> str:
    """The variant table as Markdown."""
    lines = [
        "| variant | area | requirement(s) | caught | by |",
        "|---|---|---|---|---|",
    ]
    for variant in BREAKING:
        run = runs.get(variant.name)
        if run is None:
            continue
        hits = catching(variant, run)
        by = sorted(
            {f"{h['test'].split('::', 1)[-1]} ({', '.join(h['requirements'])})" for h in hits}
        )
        verdict = "yes" if hits else ("ERROR: " + run.problem[:80] if run.problem else "no")
        lines.append(
            f"| {variant.name} | {variant.area} | {', '.join(variant.expect)} | {verdict} | "
            f"{'; '.join(by[:3])}{' ...' if len(by) > 3 else ''} |"
        )
    plain = runs.get(PLAIN)
    for variant in ALLOWED:
        run = runs.get(variant.name)
        if run is None or plain is None:
            continue
        extra = new_problems(run, plain)
        verdict = "clean" if not extra and not run.problem else "NOT clean"
        detail = "; ".join(f"{r['test'].split('::', 1)[-1]} {r['outcome']}" for r in extra[:3])
        lines.append(f"| {variant.name} | {variant.area} (allowed) | - | {verdict} | {detail} |")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="run the suite against server variants")
    parser.add_argument("names", nargs="*", help="variants (default: all)")
    parser.add_argument("--jobs", type=int, default=default_jobs())
    parser.add_argument("--workdir", help="where reports go (default: a temporary directory)")
    args = parser.parse_args(argv)
    names = args.names or [*VARIANTS]
    unknown = [n for n in names if n not in VARIANTS and n != PLAIN]
    if unknown:
        parser.error(f"unknown variants: {', '.join(unknown)}")
    if any(VARIANTS[n].allowed for n in names if n != PLAIN) and PLAIN not in names:
        names = [PLAIN, *names]
    workdir = Path(args.workdir or tempfile.mkdtemp(prefix="occi-broken-"))
    started = time.monotonic()
    runs = run_many(names, workdir, args.jobs)
    print(table(runs))
    print(f"\n{len(runs)} runs in {time.monotonic() - started:.0f} s; reports in {workdir}")
    for run in runs.values():
        if run.problem:
            print(f"{run.name}: {run.problem}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
