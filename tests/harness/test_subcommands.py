"""``requirements``, ``compare``, ``probe`` and ``selftest``."""

from __future__ import annotations

import json
import sys

from conformance.cli import main
from tests.conftest import free_port
from tests.harness.conftest import FIXTURE_SUITE, results, run_cli


def test_requirements_lists_coverage_from_the_suite(tmp_path):
    proc = run_cli(
        "requirements",
        "--format",
        "json",
        "--suite-dir",
        str(FIXTURE_SUITE),
        "--level",
        "MUST",
        cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    by_id = {r["id"]: r for r in data["requirements"]}
    assert all(r["level"] == "MUST" for r in data["requirements"])
    assert [t.rsplit("::", 1)[1] for t in by_id["CORE-GEN-01"]["tests"]] == ["test_core_kinds"]
    assert by_id["CRTP-06"]["tests"] == []
    assert data["tests"] == 5 and data["unknown_ids"] == {} and data["untagged_tests"] == []


def test_requirements_table_and_profile_filter(tmp_path):
    proc = run_cli(
        "requirements", "--profile", "crtp", "--suite-dir", str(FIXTURE_SUITE), cwd=tmp_path
    )
    assert proc.returncode == 0
    lines = [line for line in proc.stdout.splitlines() if line.startswith("CRTP-")]
    assert lines and "CORE-GEN-01" not in proc.stdout.split("\n\n")[0]


def _two_runs(reference_server, broken_server, tmp_path):
    for name, url in (("good", reference_server.url), ("bad", broken_server.url)):
        proc = run_cli(
            "run",
            "--endpoint",
            url,
            "--suite-dir",
            str(FIXTURE_SUITE),
            "--profile",
            "http",
            "--report-dir",
            str(tmp_path / name),
            "-q",
            cwd=tmp_path,
        )
        assert proc.returncode in (0, 1), proc.stderr
    return [str(tmp_path / "good" / "results.json"), str(tmp_path / "bad" / "results.json")]


def test_compare_side_by_side(reference_server, broken_server, tmp_path):
    files = _two_runs(reference_server, broken_server, tmp_path)
    proc = run_cli("compare", *files, "--format", "text", cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    row = next(line for line in proc.stdout.splitlines() if line.startswith("HTTP-VER-01"))
    assert row.split()[2:] == ["pass", "fail", "*"]
    interpretations_results = results(tmp_path / "good")["interpretations"]
    assert isinstance(interpretations_results, list)

    out = tmp_path / "cmp.html"
    proc = run_cli("compare", *files, "--output", str(out), cwd=tmp_path)
    assert proc.returncode == 0
    html = out.read_text()
    assert "HTTP-VER-01" in html and 'class="differs"' in html and "<script" not in html


def test_compare_rejects_a_file_that_is_not_results(tmp_path):
    bad = tmp_path / "x.json"
    bad.write_text("[1, 2]")
    proc = run_cli("compare", str(bad), cwd=tmp_path)
    assert proc.returncode == 2 and "not a results.json" in proc.stderr


def test_probe_ok_and_critical(reference_server, tmp_path):
    proc = run_cli(
        "probe", "--endpoint", reference_server.url, "--suite-dir", str(FIXTURE_SUITE), cwd=tmp_path
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert len(proc.stdout.strip().splitlines()) == 1
    assert proc.stdout.startswith("OK - 1/1 checks passed")

    proc = run_cli("probe", "--endpoint", f"http://127.0.0.1:{free_port()}", cwd=tmp_path)
    assert proc.returncode == 2
    assert proc.stdout.startswith("CRITICAL - unreachable")
    assert len(proc.stdout.strip().splitlines()) == 1


def test_selftest_without_the_module_is_a_usage_error(monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "conformance.selftest", None)
    assert main(["selftest", "--docker"]) == 2
    assert "self-test is not available" in capsys.readouterr().err
