"""``--occi-version 1.1``: the dummy backend plays a legacy OCCI 1.1 endpoint, and the suite
certifies it under the occi-1.1 and egi-fedcloud profiles (real processes, real HTTP)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator

import pytest
import urllib3

from occi_protocol.definitions.infrastructure import INFRA, STORAGE_ACTION
from occi_protocol.rendering import TEXT_PLAIN, rendering_for
from reference_server.config import ConfigError, load_settings
from tests.conftest import REPO, ServerProcess, start_reference_server

UA_11 = "test OCCI/1.1"
TEXT = rendering_for(TEXT_PLAIN)


@pytest.fixture(scope="module")
def legacy(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServerProcess]:
    server = start_reference_server(tmp_path_factory.mktemp("occi11"), "--occi-version", "1.1")
    yield server
    server.stop()


def _request(method: str, url: str, body: str = "", agent: str = UA_11) -> urllib3.BaseHTTPResponse:
    headers = {"Accept": TEXT_PLAIN, "User-Agent": agent}
    if body:
        headers["Content-Type"] = TEXT_PLAIN
    return urllib3.request(method, url, body=body.encode() or None, headers=headers, retries=False)


def _create(base: str, path: str, *lines: str) -> str:
    answer = _request("POST", base + path, "\n".join(lines))
    assert answer.status == 201, answer.data
    return answer.headers["Location"]


def test_server_token_and_newer_clients(legacy: ServerProcess) -> None:
    answer = _request("GET", legacy.url + "/-/")
    assert answer.status == 200
    assert answer.headers["Server"].endswith(" OCCI/1.1 OCCI-CRTP/1.0")
    newer = _request("GET", legacy.url + "/-/", agent="test OCCI/1.2")
    assert newer.status == 501, "H11 §3.6.5: a newer version than the server's is a 501"
    assert b"OCCI/1.1" in newer.data


def test_query_interface_is_the_1_1_model(legacy: ServerProcess) -> None:
    answer = _request("GET", legacy.url + "/-/")
    model = {c.id: c for c in TEXT.parse_categories(list(answer.headers.items()), answer.data)}
    compute = {a.name for a in model[INFRA + "compute"].attributes}
    assert "occi.compute.speed" in compute
    assert not {"occi.compute.share", "occi.compute.state.message"} & compute
    assert INFRA.replace("#", "/compute/action#") + "save" not in model
    storage = model[INFRA + "storage"]
    assert {STORAGE_ACTION + t for t in ("backup", "snapshot", "resize")} <= set(storage.actions)
    assert "http://schemas.ogf.org/occi/infrastructure/credentials#ssh_key" not in model
    assert "http://schemas.openstack.org/instance/credentials#public_key" in model
    link = {a.name for a in model["http://schemas.ogf.org/occi/core#link"].attributes}
    assert "occi.core.target.kind" not in link
    # Seed terms follow the 1.1 grammar: no dots.
    assert "http://occi.example.org/occi/infrastructure/os_tpl#ubuntu-22_04" in model


def test_storage_backup_ends_online(legacy: ServerProcess) -> None:
    kind = f'Category: storage;scheme="{INFRA}";class="kind"'
    url = _create(legacy.url, "/storage/", kind, "X-OCCI-Attribute: occi.storage.size=1")
    for term in ("online", "backup"):
        action = f'Category: {term};scheme="{STORAGE_ACTION}";class="action"'
        assert _request("POST", f"{url}?action={term}", action).status == 200
    got = _request("GET", url)
    assert 'occi.storage.state="online"' in got.data.decode()
    assert "occi.storage.state.message" not in got.data.decode()


def test_link_shows_no_1_2_target_kind(legacy: ServerProcess) -> None:
    compute = _create(legacy.url, "/compute/", f'Category: compute;scheme="{INFRA}";class="kind"')
    network = _create(legacy.url, "/network/", f'Category: network;scheme="{INFRA}";class="kind"')
    link = _create(
        legacy.url,
        "/networkinterface/",
        f'Category: networkinterface;scheme="{INFRA}";class="kind"',
        f'X-OCCI-Attribute: occi.core.source="{compute}"',
        f'X-OCCI-Attribute: occi.core.target="{network}"',
    )
    assert "occi.core.target.kind" not in _request("GET", link).data.decode()
    inline = _request("GET", compute).data.decode()
    assert f'rel="{INFRA}network"' in inline, "inside its source the Link's rel names the kind"


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"occi_version": "2.0"}, "occi_version must be 1.1 or 1.2"),
        (
            {"occi_version": "1.1", "backend": "opennebula", "one_xmlrpc": "http://x/RPC2"},
            "needs the dummy backend",
        ),
    ],
)
def test_version_setting_is_checked(values: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        load_settings(overrides=values)


def test_suite_certifies_the_legacy_endpoint(legacy: ServerProcess, tmp_path) -> None:
    report = tmp_path / "reports"
    env = {k: v for k, v in os.environ.items() if not k.startswith("OCCI_")}
    command = [
        sys.executable, "-m", "conformance", "run", "--endpoint", legacy.url, "--destructive",
        "--disposable", "--profile", "occi-1.1", "--profile", "egi-fedcloud",
        "--hypothesis-profile", "occi-ci", "--report-dir", str(report), "-q",
    ]  # fmt: skip
    done = subprocess.run(command, cwd=REPO, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    data = json.loads((report / "results.json").read_text(encoding="utf-8"))
    outcomes = [r["outcome"] for r in data["results"]]
    assert outcomes.count("pass") > 300 and "fail" not in outcomes and "error" not in outcomes
    by_name = {r["test"].rsplit("::", 1)[1]: r for r in data["results"]}
    # Version-aware checks ran as 1.1 checks, not as n/a.
    for name in ("test_server_token_matches_version_under_test", "test_compute_kind_attributes_11"):
        assert by_name[name]["outcome"] == "pass", by_name[name]
    # After the 501 its OCCI/1.2 got, the suite announced the version under test, OCCI/1.1.
    sent = [
        line
        for path in (report / "allure-results").glob("*-attachment*")
        for line in path.read_text(encoding="utf-8", errors="replace").splitlines()
        if line.startswith("> User-Agent: ")
    ]
    assert sum("OCCI/1.1" in line for line in sent) > 100
    assert sum("OCCI/1.2" in line for line in sent) <= 5, "only probes announce OCCI/1.2"
