"""Meta-tests of the suite: requirement markers and catalogue coverage, both ways.

The suite is collected by ``occi-conformance requirements --format json`` in a subprocess
(pytest ``--collect-only`` with the plugin), so these tests read exactly the markers a run
would select by.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from conformance.catalogue import default_catalogue

REPO = Path(__file__).resolve().parent.parent
#: Levels whose entries need at least one test (SHOULD NOT is a SHOULD).
TESTED_LEVELS = ("MUST", "MUST NOT", "SHOULD", "SHOULD NOT")


@pytest.fixture(scope="module")
def coverage() -> dict[str, object]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OCCI_")}
    env["PYTHONPATH"] = str(REPO) + os.pathsep + env.get("PYTHONPATH", "")
    proc = subprocess.run(
        [sys.executable, "-m", "conformance", "requirements", "--format", "json"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.stdout, f"no output from the requirements command: {proc.stderr}"
    data = json.loads(proc.stdout)
    data["stderr"] = proc.stderr
    return data


def test_suite_collects(coverage):
    assert coverage["collection_errors"] == [], "\n".join(coverage["collection_errors"])
    assert coverage["tests"] > 0


def test_every_suite_test_names_a_requirement(coverage):
    assert coverage["untagged_tests"] == [], (
        "suite tests without @pytest.mark.requirement(...): "
        + ", ".join(coverage["untagged_tests"])
    )


def test_every_named_requirement_exists(coverage):
    unknown = coverage["unknown_ids"]
    assert unknown == {}, "ids not in requirements.yaml: " + "; ".join(
        f"{test}: {', '.join(ids)}" for test, ids in unknown.items()
    )


def test_every_must_and_should_requirement_has_a_test(coverage):
    catalogue = default_catalogue()
    tests = {r["id"]: r["tests"] for r in coverage["requirements"]}
    missing = [
        f"{req.id} ({req.level})"
        for req in catalogue
        if req.level in TESTED_LEVELS and req.profiles and not tests.get(req.id)
    ]
    assert not missing, f"{len(missing)} MUST/SHOULD requirement(s) no suite test names: " + (
        ", ".join(missing)
    )
