"""The suite catches every deliberately broken variant of the reference server, and reports
nothing new against variants that differ from it only where the specification allows.

Every variant runs as its own server process with the suite (restricted to the variant's
requirements or profiles) run against it; two runs go at a time (``OCCI_BROKEN_JOBS``). All
selected runs start together at the first test that needs them, so the parametrised tests
below only read the results. ``OCCI_BROKEN_TABLE=FILE`` writes the variant table (caught or
not, by which test) to FILE.
"""

from __future__ import annotations

import os
from collections import Counter
from pathlib import Path

import pytest
from run_variants import PLAIN, Run, catching, default_jobs, new_problems, run_many, table
from variants import ALLOWED, AREAS, BREAKING, VARIANTS

from conformance.catalogue import default_catalogue

_RUN_TESTS = ("test_breaking_variant_is_caught", "test_allowed_variant_is_clean")


# -- the registry itself ----------------------------------------------------------------------


def test_enough_breaking_variants_in_every_area() -> None:
    assert len(BREAKING) >= 25, f"only {len(BREAKING)} breaking variants"
    missing = sorted(set(AREAS) - {v.area for v in BREAKING})
    assert not missing, f"no breaking variant in: {', '.join(missing)}"


def test_enough_allowed_variants() -> None:
    assert len(ALLOWED) >= 5, f"only {len(ALLOWED)} allowed variants"
    assert all(not v.expect for v in ALLOWED)


@pytest.mark.parametrize("name", [v.name for v in BREAKING])
def test_breaking_variant_names_musts_of_the_catalogue(name: str) -> None:
    variant = VARIANTS[name]
    catalogue = default_catalogue()
    assert variant.expect, f"{name} expects no requirement to fail"
    for req_id in variant.expect:
        assert req_id in catalogue, f"{name}: {req_id} is not in the catalogue"
        level = catalogue.get(req_id).level
        assert level in ("MUST", "MUST NOT"), f"{name}: {req_id} is {level}, not a MUST"
    assert variant.install or variant.request or variant.response, f"{name} changes nothing"


# -- the runs ---------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def runs(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, Run]:
    """Every variant the session selected, run once (plain first: it is the longest run)."""
    names: list[str] = []
    for item in request.session.items:
        callspec = getattr(item, "callspec", None)
        if getattr(item, "originalname", "") in _RUN_TESTS and callspec is not None:
            names.append(callspec.params["name"])
    if any(VARIANTS[n].allowed for n in names):
        names.insert(0, PLAIN)
    runs = run_many(names, tmp_path_factory.mktemp("variants"), default_jobs())
    if os.environ.get("OCCI_BROKEN_TABLE"):  # the variant table, for humans
        Path(os.environ["OCCI_BROKEN_TABLE"]).write_text(table(runs) + "\n")
    return runs


def _summary(run: Run) -> str:
    counts = Counter(r["outcome"] for r in run.results)
    return ", ".join(f"{n} {o}" for o, n in sorted(counts.items())) or "no results"


@pytest.mark.parametrize("name", [v.name for v in BREAKING])
def test_breaking_variant_is_caught(name: str, runs: dict[str, Run]) -> None:
    variant, run = VARIANTS[name], runs[name]
    assert not run.problem, f"{name}: {run.problem}"
    assert run.results, f"{name}: the selection ran no test ({variant.suite_selection()})"
    hits = catching(variant, run)
    fails = [f"{r['test']} ({', '.join(r['requirements'])})" for r in run.outcomes("fail")]
    assert hits, (
        f"{name} is not caught: {variant.breaks}. No failed result names "
        f"{' or '.join(variant.expect)}. Outcomes: {_summary(run)}. "
        f"Failures naming other ids: {fails[:5] or 'none'}"
    )


@pytest.mark.parametrize("name", [v.name for v in ALLOWED])
def test_allowed_variant_is_clean(name: str, runs: dict[str, Run]) -> None:
    variant, run, plain = VARIANTS[name], runs[name], runs[PLAIN]
    assert not plain.problem, f"plain server: {plain.problem}"
    assert not run.problem, f"{name}: {run.problem}"
    assert run.results, f"{name}: the selection ran no test ({variant.suite_selection()})"
    extra = new_problems(run, plain)
    assert not extra, (
        f"{name} only changes what the specification allows ({variant.breaks}), yet the suite "
        "reports what it does not report against the plain server: "
        + "; ".join(f"{r['test']} {r['outcome']}: {r['message'][:300]}" for r in extra[:5])
    )
