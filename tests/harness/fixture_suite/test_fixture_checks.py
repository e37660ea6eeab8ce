"""A five-test suite for the harness's own tests: what each test checks is simple on purpose,
so the outcomes against the reference server and the broken server are known in advance.

Not part of the conformance suite (the plugin treats it as the suite via --occi-suite-dir).
"""

from __future__ import annotations

import os
import time

import pytest

from conformance.outcomes import not_applicable
from conformance.session import OCCISession

CORE = "http://schemas.ogf.org/occi/core#"


@pytest.mark.requirement("HTTP-VER-01")
def test_server_names_occi_version(occi: OCCISession) -> None:
    exchange = occi.client.get("/-/", accept="text/plain")
    assert "OCCI/" in (exchange.header("server") or ""), "the Server header has no OCCI/ token"


@pytest.mark.requirement("HTTP-HDR-03")
def test_accept_header(occi: OCCISession) -> None:
    exchange = occi.client.get("/-/", accept="text/plain")
    assert exchange.header("accept"), "the answer has no Accept header"


@pytest.mark.requirement("CORE-GEN-01")
def test_core_kinds(occi: OCCISession) -> None:
    assert occi.model.kind(CORE + "entity") is not None, "core#entity is not advertised"


@pytest.mark.requirement("CORE-MIX-06")
def test_optional_feature(occi: OCCISession) -> None:
    not_applicable("the fixture suite never checks this")


@pytest.mark.destructive
@pytest.mark.requirement("CORE-MUT-01")
def test_create_compute(occi: OCCISession) -> None:
    url, exchange = occi.create_compute(label="fixture")
    assert exchange.status in (200, 201)
    marker = os.environ.get("OCCI_FIXTURE_CREATED")
    if marker:
        # The Ctrl-C test waits for this file, then interrupts the run mid-test.
        with open(marker, "w", encoding="utf-8") as out:
            out.write(url)
        time.sleep(60)
