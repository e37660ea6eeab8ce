"""``occi-conformance selftest --docker``: build the image, certify it in containers.

Steps: build the wheels on the host (the build itself needs no network), build the image on
a local base (``occi-base:bookworm`` from ``scripts/build-base-image`` when present, else the
official slim image), start (a) the reference server on the dummy backend and (b) the oned
simulator plus the reference server on the OpenNebula backend, wait until they answer, run the
suite against each with every profile and destructive tests (disposable ones too against the
dummy container; oned refuses to delete images a VM still uses), and write both
reports and the containers' logs into the report directory. Every container it started is
removed at the end, also on failure and Ctrl-C. Containers use host networking bound to 127.0.0.1.

Exit code 0 only when both endpoints are conformant; 2 when Docker or the checkout is
missing; otherwise the worse of the two suite runs.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import urllib3

from conformance.catalogue import PROFILES

REPO = Path(__file__).resolve().parent.parent
LOCAL_BASE = "occi-base:bookworm"
OFFICIAL_BASE = "python:3.11-slim"
IMAGE = "occi-reference-server:selftest"
FIXTURES = "/opt/occi/share/occi-conformance/fixtures"
LABEL = "org.ogf.occi.selftest"
#: The simulator's seed user the OpenNebula endpoint is certified as.
ONE_USER = ("alice", "alice-secret")


class SelftestError(Exception):
    """The self-test could not run (no daemon, no checkout, build failed)."""


def _say(message: str) -> None:
    print(f"selftest: {message}", flush=True)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_http(url: str, container, timeout: float = 90.0) -> None:
    http = urllib3.PoolManager(retries=False, timeout=2.0)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        container.reload()
        if container.status in ("exited", "dead"):
            raise SelftestError(
                f"container {container.name} stopped:\n{container.logs().decode(errors='replace')}"
            )
        try:
            http.request("GET", url)
            return
        except urllib3.exceptions.HTTPError:
            time.sleep(0.5)
    raise SelftestError(f"{url} did not answer within {timeout:g} s")


def _wait_tcp(port: int, container, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        container.reload()
        if container.status in ("exited", "dead"):
            raise SelftestError(f"container {container.name} stopped")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.3)
    raise SelftestError(f"port {port} did not open within {timeout:g} s")


@contextmanager
def _interrupts_as_exceptions() -> Iterator[None]:
    # SIGTERM (CI cancelling) must clean up like Ctrl-C does.
    def handler(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def build_image(client, base_image: str | None = None) -> str:
    """Build the wheels and the image; returns the base image used."""
    if not (REPO / "docker" / "Dockerfile").exists():
        raise SelftestError(f"no docker/Dockerfile under {REPO}: run from a source checkout")
    _say("building wheels (scripts/build-wheels)")
    done = subprocess.run([str(REPO / "scripts" / "build-wheels")], cwd=REPO, check=False)
    if done.returncode != 0:
        raise SelftestError("scripts/build-wheels failed")
    if base_image is None:
        try:
            client.images.get(LOCAL_BASE)
            base_image = LOCAL_BASE
        except Exception:
            base_image = OFFICIAL_BASE
    _say(f"building {IMAGE} on {base_image} (no network)")
    started = time.monotonic()
    previous = _image_id(client, IMAGE)
    try:
        client.images.build(
            path=str(REPO),
            dockerfile="docker/Dockerfile",
            tag=IMAGE,
            buildargs={"BASE_IMAGE": base_image},
            network_mode="none",
            rm=True,
            forcerm=True,
        )
    except Exception as exc:
        hint = "" if base_image == LOCAL_BASE else " (no registry? run scripts/build-base-image)"
        raise SelftestError(f"docker build failed: {exc}{hint}") from None
    client.images.prune(filters={"label": "org.ogf.occi.stage=build", "dangling": True})
    if previous is not None and previous != _image_id(client, IMAGE):
        # The tag moved on: the last self-test's image would stay behind untagged.
        with contextlib.suppress(Exception):
            client.images.remove(previous)
    _say(f"image built in {time.monotonic() - started:.1f} s")
    return base_image


def _image_id(client, name: str) -> str | None:
    try:
        return str(client.images.get(name).id)
    except Exception:
        return None


def _run_suite(endpoint: str, report_dir: Path, extra: list[str]) -> int:
    command = [
        sys.executable,
        "-m",
        "conformance",
        "run",
        "--endpoint",
        endpoint,
        "--destructive",
        "--hypothesis-profile",
        "occi-ci",
        "--report-dir",
        str(report_dir),
        *extra,
    ]
    # Every profile but the site-specific ones (EGI's probe checks, the 1.1 legacy profile).
    for profile in PROFILES:
        if profile not in ("egi-fedcloud", "occi-1.1"):
            command += ["--profile", profile]
    _say(f"certifying {endpoint} -> {report_dir}")
    return subprocess.run(command, check=False).returncode


def run_selftest(report_dir: str, base_image: str | None = None) -> int:
    """Build, start, certify, collect, clean up. See the module docstring."""
    try:
        import docker
    except ImportError:
        _say("the docker SDK is not installed (pip install docker)")
        return 2
    try:
        client = docker.from_env()
        client.ping()
    except Exception as exc:
        _say(f"no Docker daemon answers ({exc}); start one (scripts/start-dockerd)")
        return 2
    out = Path(report_dir)
    out.mkdir(parents=True, exist_ok=True)
    run = uuid.uuid4().hex[:8]
    started: list = []

    def start(name: str, **kwargs: object):
        container = client.containers.run(
            IMAGE,
            name=f"occi-selftest-{run}-{name}",
            detach=True,
            network_mode="host",
            labels={LABEL: run},
            **kwargs,
        )
        started.append(container)
        return container

    results: dict[str, int] = {}
    with _interrupts_as_exceptions():
        try:
            build_image(client, base_image)
            dummy_port, sim_port, one_port = _free_port(), _free_port(), _free_port()
            dummy = start(
                "dummy",
                environment={
                    "OCCI_SERVER_LISTEN": f"127.0.0.1:{dummy_port}",
                    "OCCI_SERVER_SEED": f"{FIXTURES}/seeds/dummy.yaml",
                },
            )
            simulator = start(
                "one-simulator",
                entrypoint=["occi-one-simulator"],
                command=[
                    "--listen",
                    f"127.0.0.1:{sim_port}",
                    "--speed",
                    "50",
                    "--seed",
                    f"{FIXTURES}/opennebula/seed.yaml",
                ],
            )
            _wait_tcp(sim_port, simulator)
            one = start(
                "opennebula",
                environment={
                    "OCCI_SERVER_LISTEN": f"127.0.0.1:{one_port}",
                    "OCCI_SERVER_BACKEND": "opennebula",
                    "OCCI_SERVER_ONE_XMLRPC": f"http://127.0.0.1:{sim_port}/RPC2",
                    "OCCI_SERVER_AUTH": "passthrough",
                },
            )
            for container, port in ((dummy, dummy_port), (one, one_port)):
                _wait_http(f"http://127.0.0.1:{port}/-/", container)
            # The dummy container is the self-test's own throwaway: disposable tests run too.
            results["dummy"] = _run_suite(
                f"http://127.0.0.1:{dummy_port}", out / "dummy", ["--disposable"]
            )
            results["opennebula"] = _run_suite(
                f"http://127.0.0.1:{one_port}",
                out / "opennebula",
                [
                    *("--auth-type", "basic", "--username", ONE_USER[0]),
                    *("--password", ONE_USER[1], "--state-timeout", "30"),
                ],
            )
        except SelftestError as exc:
            _say(str(exc))
            return 2
        except KeyboardInterrupt:
            _say("interrupted; removing containers")
            return 130
        finally:
            _collect_and_remove(started, out, _say)
    for name, code in results.items():
        _say(f"{name}: {'conformant' if code == 0 else f'NOT conformant (exit {code})'}")
    return max(results.values(), default=2)


def _collect_and_remove(containers: list, out: Path, say: Callable[[str], None]) -> None:
    for container in containers:
        with suppress(Exception):
            (out / f"{container.name}.log").write_bytes(container.logs())
        try:
            container.remove(force=True)
            say(f"removed container {container.name}")
        except Exception as exc:
            say(f"could not remove container {container.name}: {exc}")


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(run_selftest(os.environ.get("OCCI_REPORT_DIR", "reports/selftest")))
