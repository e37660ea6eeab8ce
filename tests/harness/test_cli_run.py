"""``occi-conformance run``: exit codes, the reports it writes, baselines, secrets."""

from __future__ import annotations

import base64
import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from tests.harness.conftest import FIXTURE_SUITE, results, run_cli

RESULT_KEYS = {"test", "requirements", "level", "outcome", "duration_s", "message"}
OUTCOMES = {"pass", "fail", "warn", "info", "n/a", "error"}


def fixture_run(endpoint: str, tmp_path: Path, *extra: str, name: str = "reports"):
    report_dir = tmp_path / name
    proc = run_cli(
        "run",
        "--endpoint",
        endpoint,
        "--suite-dir",
        str(FIXTURE_SUITE),
        "--report-dir",
        str(report_dir),
        *extra,
        cwd=tmp_path,
    )
    return proc, report_dir


def test_conformant_endpoint_exits_0_and_writes_every_report(reference_server, tmp_path):
    proc, report_dir = fixture_run(
        reference_server.url, tmp_path, "--profile", "core", "--profile", "http", "--destructive"
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "CONFORMANT" in proc.stdout

    data = results(report_dir)
    for key in (
        "suite_version",
        "occi_version",
        "endpoint",
        "profiles",
        "start_time",
        "end_time",
        "results",
        "totals",
    ):
        assert key in data, key
    assert data["endpoint"] == reference_server.url
    assert data["occi_version"] == "1.2"
    assert data["profiles"] == ["core", "http"]
    by_test = {r["test"].rsplit("::", 1)[1]: r for r in data["results"]}
    assert set(by_test) == {
        "test_server_names_occi_version",
        "test_accept_header",
        "test_core_kinds",
        "test_optional_feature",
        "test_create_compute",
    }
    for record in data["results"]:
        assert set(record) >= RESULT_KEYS
        assert record["outcome"] in OUTCOMES
    assert by_test["test_optional_feature"]["outcome"] == "n/a"
    assert by_test["test_create_compute"]["outcome"] == "pass"
    assert by_test["test_create_compute"]["level"] == "MUST"
    assert data["totals"]["all"] == {"pass": 4, "n/a": 1}
    assert data["leftovers"] == []
    assert data["hypothesis"]["seed"] is not None

    suite = ET.parse(report_dir / "junit.xml").getroot()
    assert suite.get("tests") == "5" and suite.get("failures") == "0"
    case = next(c for c in suite.iter("testcase") if c.get("name") == "test_core_kinds")
    props = {(p.get("name"), p.get("value")) for p in case.iter("property")}
    assert ("requirement", "CORE-GEN-01") in props and ("outcome", "pass") in props

    html = (report_dir / "report.html").read_text(encoding="utf-8")
    assert "CORE-GEN-01" in html and "Verdict per profile" in html
    # Self-contained: no script, stylesheet or image fetched from anywhere.
    assert "<script" not in html and "<link" not in html and "src=" not in html

    allure = [
        json.loads(p.read_text()) for p in (report_dir / "allure-results").glob("*-result.json")
    ]
    assert len(allure) == 5
    created = next(r for r in allure if r["name"] == "test_create_compute")
    labels = {(label["name"], label["value"]) for label in created["labels"]}
    assert ("story", "CORE-MUT-01") in labels
    assert ("severity", "critical") in labels
    assert ("epic", "OCCI 1.2 Core (GFD.221)") in labels
    assert any(p["name"] == "endpoint" for p in created["parameters"])
    attachments = created.get("attachments", [])
    assert attachments, "the create exchange is not attached"
    text = (report_dir / "allure-results" / attachments[0]["source"]).read_text()
    assert text.startswith("curl ") and "> POST " in text


def test_read_only_run_marks_destructive_tests_na(reference_server, tmp_path):
    proc, report_dir = fixture_run(reference_server.url, tmp_path, "--profile", "core", "-q")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    outcome = {r["test"].rsplit("::", 1)[1]: r for r in results(report_dir)["results"]}
    assert outcome["test_create_compute"]["outcome"] == "n/a"
    assert "--destructive" in outcome["test_create_compute"]["message"]


def test_broken_must_exits_1(broken_server, tmp_path):
    proc, report_dir = fixture_run(broken_server.url, tmp_path, "--profile", "http")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    data = results(report_dir)
    outcome = {r["test"].rsplit("::", 1)[1]: r["outcome"] for r in data["results"]}
    assert outcome == {"test_server_names_occi_version": "fail", "test_accept_header": "warn"}
    # The test's own words are the record's message (they were lost while pytest's
    # terminal reporter was unloaded); pytest's introspection of the `in` comparison and the
    # traceback are kept beside the reports, off the screen.
    failed = next(r for r in data["results"] if r["outcome"] == "fail")
    assert failed["message"] == "the Server header has no OCCI/ token", failed["message"]
    output = (report_dir / "pytest-output.txt").read_text(encoding="utf-8")
    assert "test_server_names_occi_version" in output and "assert 'OCCI/' in " in output
    assert "short test summary" not in proc.stdout
    assert data["conformant"] is False
    assert data["verdicts"]["http"]["verdict"] == "not conformant"
    suite = ET.parse(report_dir / "junit.xml").getroot()
    failures = [c for c in suite.iter("testcase") if c.find("failure") is not None]
    assert [c.get("name") for c in failures] == ["test_server_names_occi_version"]
    system_out = failures[0].findtext("system-out")
    assert "curl " in system_out and "< server: broken-server/1.0" in system_out.lower()
    # The SHOULD is reported, but passes in JUnit.
    warn = next(c for c in suite.iter("testcase") if c.get("name") == "test_accept_header")
    assert warn.find("failure") is None
    assert ("outcome", "warn") in {(p.get("name"), p.get("value")) for p in warn.iter("property")}
    assert "NOT CONFORMANT" in proc.stdout and "test_server_names_occi_version" in proc.stdout


def test_closed_port_exits_3(tmp_path):
    from tests.conftest import free_port

    proc = run_cli("run", "--endpoint", f"http://127.0.0.1:{free_port()}", cwd=tmp_path)
    assert proc.returncode == 3, proc.stdout + proc.stderr
    assert "unreachable" in proc.stderr
    assert not (tmp_path / "reports").exists()


@pytest.mark.parametrize(
    ("args", "config", "message"),
    [
        (["--no-such-option"], None, "unrecognized arguments"),
        (["--profile", "nope"], None, "invalid choice"),
        (["--config", "CONFIG"], "endpoint: [not, a, url\n", "not valid YAML"),
        (["--config", "CONFIG"], "endpiont: http://x/\n", "unknown setting"),
        (["--config", "missing.yaml"], None, "cannot read config"),
        (["--run-id", "x"], None, "run id"),
        (["--baseline", "CONFIG"], "- {test: a}\n", "needs a reason"),
        (["--auth-type", "basic"], None, "needs a username"),
    ],
)
def test_usage_and_configuration_errors_exit_2(tmp_path, args, config, message):
    if config is not None:
        (tmp_path / "c.yaml").write_text(config)
    args = [str(tmp_path / "c.yaml") if a == "CONFIG" else a for a in args]
    proc = run_cli("run", "--endpoint", "http://127.0.0.1:9/", *args, cwd=tmp_path)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert message in proc.stderr


def test_selection_matching_nothing_exits_2(reference_server, tmp_path):
    proc, _ = fixture_run(reference_server.url, tmp_path, "--requirement", "NOPE-*")
    assert proc.returncode == 2
    assert "no suite test matches" in proc.stderr


def test_baseline_known_stale_and_new(broken_server, tmp_path):
    baseline = tmp_path / "baseline.yaml"
    baseline.write_text(
        "- requirement: HTTP-VER-01\n  reason: 'ticket 1: Server token missing'\n"
        "- test: '*::test_core_kinds'\n  reason: 'ticket 2: fixed since'\n"
        "- test: '*::test_never_ran'\n  reason: unused entry\n"
    )
    proc, report_dir = fixture_run(
        broken_server.url,
        tmp_path,
        "--profile",
        "http",
        "--profile",
        "core",
        "--baseline",
        str(baseline),
    )
    # The MUST failure is known, the SHOULD only warns: nothing new fails the run.
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "KNOWN" in proc.stdout and "ticket 1" in proc.stdout
    assert "STALE" in proc.stdout and "ticket 2" in proc.stdout
    data = results(report_dir)
    known = {r["test"].rsplit("::", 1)[1]: r["known"] for r in data["results"]}
    assert known["test_server_names_occi_version"] == "ticket 1: Server token missing"
    assert known["test_core_kinds"] is None
    summary = data["baseline"]
    assert [e["requirement"] for e in summary["known"]] == ["HTTP-VER-01"]
    assert [e["test"] for e in summary["stale"]] == ["*::test_core_kinds"]
    assert [e["test"] for e in summary["unused"]] == ["*::test_never_ran"]
    suite = ET.parse(report_dir / "junit.xml").getroot()
    assert suite.get("failures") == "0"

    # Without the entry the same failure is new again.
    baseline.write_text("- test: '*::test_core_kinds'\n  reason: 'ticket 2'\n")
    proc, _ = fixture_run(
        broken_server.url, tmp_path, "--profile", "http", "--baseline", str(baseline), name="again"
    )
    assert proc.returncode == 1


def test_secrets_never_reach_reports_or_output(reference_server, tmp_path):
    password = "pa55-word-never-shown"
    basic = base64.b64encode(f"alice:{password}".encode()).decode()
    proc, report_dir = fixture_run(
        reference_server.url,
        tmp_path,
        "--profile",
        "core",
        "--destructive",
        "--verbose",
        "--auth-type",
        "basic",
        "--username",
        "alice",
        "--password",
        password,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    texts = [proc.stdout, proc.stderr]
    texts += [p.read_text(errors="replace") for p in report_dir.rglob("*") if p.is_file()]
    assert len(texts) > 5
    for text in texts:
        assert password not in text
        assert basic not in text
    attachments = "".join(p.read_text() for p in (report_dir / "allure-results").glob("*.txt"))
    assert "Authorization: ***" in attachments


def test_write_baseline_then_rerun_is_green(broken_server, tmp_path):
    written = tmp_path / "known.yaml"
    proc, _ = fixture_run(
        broken_server.url, tmp_path, "--profile", "http", "--write-baseline", str(written)
    )
    assert proc.returncode == 1
    proc, _ = fixture_run(
        broken_server.url, tmp_path, "--profile", "http", "--baseline", str(written), name="second"
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_embedded_server_is_certified_without_endpoint(tmp_path):
    """The zero-configuration command, on the real suite, limited to one small profile."""
    proc = run_cli("run", "--profile", "egi-fedcloud", "-q", "--report-dir", "out", cwd=tmp_path)
    data = results(tmp_path / "out")
    assert data["endpoint"].startswith("http://127.0.0.1:")
    assert data["destructive"] is True
    assert data["results"], "the egi-fedcloud profile ran no test"
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_embedded_server_plays_1_1_when_asked(tmp_path):
    """``--occi-version 1.1`` without an endpoint certifies the server's legacy 1.1 mode."""
    proc = run_cli(
        "run", "--occi-version", "1.1", "--profile", "crtp", "--report-dir", "out", cwd=tmp_path
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "legacy OCCI 1.1" in proc.stdout
    data = results(tmp_path / "out")
    assert data["occi_version"] == "1.1"
    by_name = {r["test"].rsplit("::", 1)[1]: r["outcome"] for r in data["results"]}
    assert by_name["test_crtp_server_token"] == "pass", "the 1.1 server names OCCI-CRTP/1.0"
