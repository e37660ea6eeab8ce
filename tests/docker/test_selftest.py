"""The Docker self-test: build the image offline, certify both containers, leave nothing.

Skipped with the reason when no Docker daemon answers (CI starts one: .ci/run).
"""

from __future__ import annotations

import json

import pytest

docker = pytest.importorskip("docker")

from conformance.selftest import LABEL, run_selftest  # noqa: E402


@pytest.fixture(scope="module")
def client():
    try:
        client = docker.from_env()
        client.ping()
    except Exception as exc:
        pytest.skip(f"no Docker daemon answers: {exc}")
    return client


def test_selftest_certifies_both_images_and_cleans_up(client, tmp_path) -> None:
    code = run_selftest(str(tmp_path))
    leftovers = client.containers.list(all=True, filters={"label": LABEL})
    assert leftovers == [], f"containers left behind: {[c.name for c in leftovers]}"
    for name in ("dummy", "opennebula"):
        results = json.loads((tmp_path / name / "results.json").read_text())
        failed = [
            r
            for r in results["results"]
            if r["outcome"] in ("fail", "error") and not r.get("known")
        ]
        assert not failed, f"{name}: {failed[:5]}"
    logs = sorted(p.name for p in tmp_path.glob("*.log"))
    assert len(logs) == 3, logs
    assert code == 0
