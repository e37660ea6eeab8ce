"""Nothing the run created stays behind: sweep by run id, and cleanup after Ctrl-C."""

from __future__ import annotations

import signal
import subprocess
import sys
import time

from conformance.client import OCCIClient
from conformance.config import SuiteConfig
from conformance.session import INFRA, OCCISession
from tests.harness.conftest import FIXTURE_SUITE, cli_env, results, run_cli


def titles(url: str) -> dict[str, str]:
    """Every compute on the server: URL → title."""
    session = OCCISession(SuiteConfig(endpoint=url), OCCIClient(url))
    location = session.require_kind(INFRA + "compute")
    return {
        member: str(session.read(member).attributes.get("occi.core.title"))
        for member in session.list(location)
    }


def create(url: str, title: str) -> str:
    session = OCCISession(SuiteConfig(endpoint=url), OCCIClient(url))
    created, _ = session.create(INFRA + "compute", attributes={"occi.core.title": title})
    return created


def test_sweep_deletes_only_what_the_run_tagged(reference_server, tmp_path):
    run_id = "sweep-test-0001"
    mine = [create(reference_server.url, f"{run_id} a"), create(reference_server.url, run_id)]
    others = [
        create(reference_server.url, "sweep-test-00012 another run"),  # longer id, same prefix
        create(reference_server.url, f"production {run_id}"),
        create(reference_server.url, "sweep-test-0001x"),
    ]
    proc = run_cli("sweep", "--run-id", run_id, "--endpoint", reference_server.url, cwd=tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    left = titles(reference_server.url)
    assert not set(mine) & set(left)
    assert set(others) <= set(left)
    for url in mine:
        assert f"deleted {url}" in proc.stdout
    assert "deleted 2 of" in proc.stdout
    session = OCCISession(
        SuiteConfig(endpoint=reference_server.url), OCCIClient(reference_server.url)
    )
    for url in others:
        session.delete(url)


def test_sweep_dry_run_deletes_nothing(reference_server, tmp_path):
    url = create(reference_server.url, "sweep-dry-0001 x")
    proc = run_cli(
        "sweep",
        "--run-id",
        "sweep-dry-0001",
        "--dry-run",
        "--endpoint",
        reference_server.url,
        cwd=tmp_path,
    )
    assert proc.returncode == 0
    assert f"would delete {url}" in proc.stdout
    assert url in titles(reference_server.url)


def test_sweep_refuses_a_short_run_id(reference_server, tmp_path):
    proc = run_cli("sweep", "--run-id", "occi", "--endpoint", reference_server.url, cwd=tmp_path)
    assert proc.returncode == 2
    assert "run id" in proc.stderr


def test_ctrl_c_deletes_what_the_run_created(reference_server, tmp_path):
    run_id = "sigint-test-0001"
    marker = tmp_path / "created.txt"
    report_dir = tmp_path / "reports"
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "conformance",
            "run",
            "--endpoint",
            reference_server.url,
            "--suite-dir",
            str(FIXTURE_SUITE),
            "--destructive",
            "--profile",
            "core",
            "--run-id",
            run_id,
            "--report-dir",
            str(report_dir),
        ],
        cwd=tmp_path,
        env={**cli_env(), "OCCI_FIXTURE_CREATED": str(marker)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while not marker.exists() and time.monotonic() < deadline:
            assert process.poll() is None, process.communicate()
            time.sleep(0.1)
        created = marker.read_text()
        assert titles(reference_server.url).get(created, "").startswith(run_id)
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 1, out + err
    assert not [t for t in titles(reference_server.url).values() if t.startswith(run_id)]
    data = results(report_dir)
    assert data["aborted"] == "interrupted"
    assert data["leftovers"] == []
    assert "not certified" in out


def test_leftovers_are_reported_with_the_sweep_command():
    from conformance.catalogue import default_catalogue
    from conformance.reports.results_json import results_document
    from conformance.results import ResultCollector

    collector = ResultCollector(
        SuiteConfig(endpoint="http://h/", run_id="left-0001"), default_catalogue()
    )
    collector.leftovers = ["http://h/compute/1"]
    document = results_document(collector)
    assert document["leftovers"] == ["http://h/compute/1"]
    assert document["sweep"] == "occi-conformance sweep --run-id left-0001 --endpoint http://h/"
