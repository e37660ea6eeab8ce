"""The pytest plugin: ``pytest --occi-endpoint URL`` runs the suite against an endpoint.

It is inert unless ``--occi-endpoint`` (or ``OCCI_ENDPOINT`` / a config file naming an
endpoint) is given, so the project's own tests are untouched by it.

Fixtures for suite tests:
  ``occi``       the :class:`~conformance.session.OCCISession` (client, model, helpers)
  ``rendering``  parametrised over text/plain, text/occi and application/occi+json; a
                 rendering the endpoint does not serve is n/a
Markers:
  ``requirement(*ids)``  the catalogue ids a test checks (required on every suite test)
  ``destructive``        the test creates, changes or deletes; runs only with --destructive
"""

from __future__ import annotations

import fnmatch
import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from conformance.catalogue import Catalogue, default_catalogue, outcome_for_failure
from conformance.client import Auth, EndpointUnreachable, Exchange, OCCIClient
from conformance.config import ConfigError, SuiteConfig, load_config
from conformance.outcomes import NOT_APPLICABLE, HarnessError
from conformance.results import ResultCollector, ResultRecord
from conformance.session import RENDERING_PROFILES, OCCISession, ParsedResponseError

SUITE_DIR = Path(__file__).parent / "suite"
_ENDPOINT_FAULTS = (AssertionError, ParsedResponseError)
_CONFIG_KEY = pytest.StashKey[SuiteConfig]()
_STATE_KEY = pytest.StashKey["PluginState"]()


class PluginState:
    """What the plugin keeps for one run."""

    def __init__(self, config: SuiteConfig, catalogue: Catalogue) -> None:
        self.config = config
        self.catalogue = catalogue
        self.collector = ResultCollector(config, catalogue)
        self.session: OCCISession | None = None
        self.exchanges: dict[str, list[Exchange]] = {}
        self.current = ""


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("occi", "OCCI conformance")
    group.addoption("--occi-endpoint", help="URL of the OCCI endpoint to certify")
    group.addoption("--occi-config", help="YAML configuration file")
    group.addoption("--occi-profile", action="append", help="profile to run (repeatable)")
    group.addoption("--occi-requirement", action="append", help="requirement id glob")
    group.addoption("--occi-destructive", action="store_true", default=None,
                    help="run tests that create, change and delete entities")
    group.addoption("--occi-report-dir", help="where results.json and reports go")
    group.addoption("--occi-baseline", help="YAML file of known failures")
    group.addoption("--occi-run-id", help="tag for everything this run creates")


def _options(config: pytest.Config) -> dict[str, object]:
    get = config.getoption
    return {
        "endpoint": get("occi_endpoint"),
        "profiles": get("occi_profile"),
        "requirements": get("occi_requirement"),
        "destructive": get("occi_destructive"),
        "report_dir": get("occi_report_dir"),
        "baseline": get("occi_baseline"),
        "run_id": get("occi_run_id"),
    }


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "requirement(*ids): OCCI requirement ids a test checks")
    config.addinivalue_line("markers", "destructive: the test creates, changes or deletes")
    try:
        suite_config = load_config(config.getoption("occi_config"), os.environ, _options(config))
    except ConfigError as exc:
        raise pytest.UsageError(str(exc)) from None
    if suite_config.endpoint is None:
        return
    config.stash[_CONFIG_KEY] = suite_config
    config.stash[_STATE_KEY] = PluginState(suite_config, default_catalogue())


def _state(config: pytest.Config) -> PluginState | None:
    return config.stash.get(_STATE_KEY, None)


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    # The suite only makes sense against an endpoint.
    if _state(config) is None and SUITE_DIR in (collection_path, *collection_path.parents):
        return True
    return None


def item_requirements(item: pytest.Item) -> list[str]:
    return [i for m in item.iter_markers("requirement") for i in m.args]


def item_profiles(item: pytest.Item, catalogue: Catalogue) -> set[str]:
    """A test's profiles: its requirements' profiles and the rendering it runs in."""
    profiles: set[str] = set()
    for req_id in item_requirements(item):
        if req_id in catalogue:
            requirement = catalogue.get(req_id)
            profiles.update(requirement.profiles)
            if requirement.occi in ("both", "1.1"):
                # occi-1.1 runs wherever 1.2 kept the 1.1 behaviour.
                profiles.add("occi-1.1")
    callspec = getattr(item, "callspec", None)
    if callspec is not None and "rendering" in callspec.params:
        profiles.add(RENDERING_PROFILES[callspec.params["rendering"]])
    return profiles


def pytest_collection_modifyitems(
    session: pytest.Session, config: pytest.Config, items: list[pytest.Item]
) -> None:
    state = _state(config)
    if state is None:
        return
    wanted_profiles = set(state.config.profiles)
    globs = state.config.requirements
    keep, drop = [], []
    for item in items:
        if SUITE_DIR not in Path(str(item.path)).parents:
            keep.append(item)
            continue
        ids = item_requirements(item)
        if wanted_profiles and not item_profiles(item, state.catalogue) & wanted_profiles:
            drop.append(item)
        elif globs and not any(fnmatch.fnmatch(i, g) for i in ids for g in globs):
            drop.append(item)
        else:
            keep.append(item)
            if item.get_closest_marker("destructive") and not state.config.destructive:
                item.add_marker(pytest.mark.skip(
                    reason=NOT_APPLICABLE + "read-only run; needs --destructive"))
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


@pytest.fixture(scope="session")
def occi(request: pytest.FixtureRequest) -> Iterator[OCCISession]:
    state = _state(request.config)
    if state is None:
        pytest.skip("no --occi-endpoint given")
    config = state.config
    assert config.endpoint is not None
    client = OCCIClient(
        config.endpoint,
        auth=Auth(config.auth.type, config.auth.username, config.auth.password, config.auth.token),
        timeout=config.timeout,
        retries=config.retries,
        ca_path=config.ca_path,
        client_cert=config.client_cert,
        client_key=config.client_key,
        insecure=config.insecure,
        proxy=config.proxy,
    )
    client.observers.append(
        lambda exchange: state.exchanges.setdefault(state.current, []).append(exchange)
    )
    session = OCCISession(config, client)
    state.session = session
    try:
        yield session
    finally:
        left = session.cleanup()
        state.collector.leftovers = left
        client.close()


@pytest.fixture(params=list(RENDERING_PROFILES), ids=list(RENDERING_PROFILES.values()))
def rendering(request: pytest.FixtureRequest, occi: OCCISession) -> str:
    media_type: str = request.param
    occi.require_rendering(media_type)
    return media_type


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    state = _state(item.config)
    if state is not None:
        state.current = item.nodeid
        if state.session is not None:
            state.session.current_test = item.name


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    outcome = yield
    report: pytest.TestReport = outcome.get_result()
    state = _state(item.config)
    if state is None or SUITE_DIR not in Path(str(item.path)).parents:
        return
    if state.session is not None:
        state.session.current_test = item.name
    if report.when == "call" or (report.when == "setup" and report.outcome != "passed"):
        record = _record(item, call, report, state)
        state.collector.add(record)
        report.user_properties.append(("occi_outcome", record.outcome))
        if record.outcome in ("warn", "info"):
            # A broken SHOULD or MAY is reported, not a pytest failure.
            report.outcome = "passed"
            report.longrepr = None


def _record(
    item: pytest.Item, call: pytest.CallInfo[None], report: pytest.TestReport, state: PluginState
) -> ResultRecord:
    ids = item_requirements(item)
    levels = [state.catalogue.get(i).level for i in ids if i in state.catalogue]
    level = _strongest(levels)
    exchanges = state.exchanges.pop(item.nodeid, [])
    message = ""
    if report.skipped:
        reason = _skip_reason(report)
        outcome = "n/a"
        message = reason.removeprefix(NOT_APPLICABLE)
    elif report.passed:
        outcome = "pass"
    else:
        excinfo = call.excinfo
        message = str(excinfo.value) if excinfo is not None else str(report.longrepr)
        if excinfo is not None and isinstance(excinfo.value, _ENDPOINT_FAULTS):
            outcome = outcome_for_failure(level)
        elif excinfo is not None and isinstance(excinfo.value, EndpointUnreachable | HarnessError):
            outcome = "error"
        else:
            outcome = "error"
            message = f"{type(excinfo.value).__name__}: {message}" if excinfo else message
    return ResultRecord(
        test=item.nodeid,
        requirements=ids,
        level=level,
        outcome=outcome,
        duration_s=round(report.duration, 4),
        message=message[:4000],
        exchanges=exchanges,
        started=time.time() - report.duration,
    )


def _strongest(levels: list[str]) -> str:
    order = ["MUST", "MUST NOT", "SHOULD", "SHOULD NOT", "derived", "MAY", "informative"]
    return min(levels, key=order.index) if levels else "MUST"


def _skip_reason(report: pytest.TestReport) -> str:
    longrepr = report.longrepr
    if isinstance(longrepr, tuple) and len(longrepr) == 3:
        return str(longrepr[2]).removeprefix("Skipped: ")
    return str(longrepr)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    state = _state(session.config)
    if state is None:
        return
    if state.session is not None:
        state.collector.interpretations = list(state.session.interpretations)
        state.collector.discovery = state.session.__dict__.get("discovery")
    state.collector.finish(exitstatus)
