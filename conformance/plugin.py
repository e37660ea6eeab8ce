"""The pytest plugin: ``pytest --occi-endpoint URL`` runs the suite against an endpoint.

It is inert unless ``--occi-endpoint`` (or ``OCCI_ENDPOINT`` / a config file naming an
endpoint) is given, so the project's own tests are untouched by it. The ``occi-conformance``
command runs pytest in-process with this plugin and hands it a ready configuration.

Fixtures for suite tests:
  ``occi``       the :class:`~conformance.session.OCCISession` (client, model, helpers)
  ``rendering``  parametrised over text/plain, text/occi and application/occi+json; a
                 rendering the endpoint does not serve is n/a
Markers:
  ``requirement(*ids)``  the catalogue ids a test checks (required on every suite test)
  ``destructive``        the test creates, changes or deletes; runs only with --destructive
Tests that may destroy what the run did not create (a whole collection, a provider mixin) call
``occi.require_capability("disposable")``: n/a unless ``--occi-disposable`` (config
``disposable: true``, ``OCCI_DISPOSABLE``) says the endpoint is a throwaway.

A test whose requirements all belong to an OCCI version the endpoint does not speak is n/a
(JSON entries excepted under 1.1: JSON is optional there, see requirements.yaml).

Hypothesis: profiles ``occi-dev`` (default; random, with the seed printed and recorded so
``--hypothesis-seed`` replays it) and ``occi-ci`` (derandomised) are registered here; pick one
with ``--hypothesis-profile`` or the config key ``hypothesis_profile``.
"""

from __future__ import annotations

import contextlib
import fnmatch
import os
import random
import signal
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from conformance.catalogue import Catalogue, default_catalogue, outcome_for_failure
from conformance.client import AuthenticationFailed, EndpointUnreachable, Exchange
from conformance.config import ConfigError, SuiteConfig, load_config
from conformance.connection import client_for
from conformance.outcomes import NOT_APPLICABLE, HarnessError
from conformance.results import ResultCollector, ResultRecord
from conformance.session import RENDERING_PROFILES, OCCISession, ParsedResponseError

SUITE_DIR = Path(__file__).parent / "suite"
_ENDPOINT_FAULTS = (AssertionError, ParsedResponseError)
_HARNESS_FAULTS = (EndpointUnreachable, HarnessError, AuthenticationFailed)


def _endpoint_fault(error: BaseException) -> bool:
    """The endpoint broke a check; hypothesis groups several such failures together."""
    if isinstance(error, BaseExceptionGroup):
        return all(_endpoint_fault(e) for e in error.exceptions)
    return isinstance(error, _ENDPOINT_FAULTS)


_CONFIG_KEY = pytest.StashKey[SuiteConfig]()
_STATE_KEY = pytest.StashKey["PluginState"]()
#: Attribute by which the CLI's in-process plugin object hands over a ready configuration.
PRESET_ATTRIBUTE = "occi_suite_config"

# Both profiles set derandomize explicitly: an unset value would inherit from
# hypothesis' own default, which is its derandomised "ci" profile whenever CI is set.
settings.register_profile(
    "occi-dev",
    max_examples=25,
    deadline=None,
    derandomize=False,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
# CI: derandomised, so the same endpoint gives the same examples on every run.
settings.register_profile(
    "occi-ci",
    max_examples=25,
    deadline=None,
    derandomize=True,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


class PluginState:
    """What the plugin keeps for one run."""

    def __init__(self, config: SuiteConfig, catalogue: Catalogue, suite_dir: Path) -> None:
        self.config = config
        self.catalogue = catalogue
        self.suite_dir = suite_dir
        self.collector = ResultCollector(config, catalogue)
        self.collector.masker.add(*config.secrets())
        self.session: OCCISession | None = None
        self.exchanges: dict[str, list[Exchange]] = {}
        self.current = ""
        self.previous_seed: object = None

    def is_suite_item(self, item: pytest.Item) -> bool:
        return self.suite_dir in Path(str(item.path)).parents


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("occi", "OCCI conformance")
    group.addoption("--occi-endpoint", help="URL of the OCCI endpoint to certify")
    group.addoption("--occi-config", help="YAML configuration file")
    group.addoption("--occi-profile", action="append", help="profile to run (repeatable)")
    group.addoption("--occi-requirement", action="append", help="requirement id glob")
    group.addoption(
        "--occi-destructive",
        action="store_true",
        default=None,
        help="run tests that create, change and delete entities",
    )
    group.addoption(
        "--occi-disposable",
        action="store_true",
        default=None,
        help="the endpoint is a throwaway: tests may delete collections and provider mixins",
    )
    group.addoption("--occi-report-dir", help="where results.json and reports go")
    group.addoption("--occi-baseline", help="YAML file of known failures")
    group.addoption("--occi-run-id", help="tag for everything this run creates")
    group.addoption(
        "--occi-suite-dir", help="directory of the suite (default: the installed suite)"
    )
    group.addoption(
        "--occi-collect",
        action="store_true",
        default=False,
        help="collect the suite without an endpoint (coverage listings)",
    )


def _options(config: pytest.Config) -> dict[str, object]:
    get = config.getoption
    return {
        "endpoint": get("occi_endpoint"),
        "profiles": get("occi_profile"),
        "requirements": get("occi_requirement"),
        "destructive": get("occi_destructive"),
        "disposable": get("occi_disposable"),
        "report_dir": get("occi_report_dir"),
        "baseline": get("occi_baseline"),
        "run_id": get("occi_run_id"),
    }


def _preset(config: pytest.Config) -> SuiteConfig | None:
    for plugin in config.pluginmanager.get_plugins():
        preset = getattr(plugin, PRESET_ATTRIBUTE, None)
        if isinstance(preset, SuiteConfig):
            return preset
    return None


def suite_dir_of(config: pytest.Config) -> Path:
    given = config.getoption("occi_suite_dir", None)
    return Path(given).resolve() if given else SUITE_DIR


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "requirement(*ids): OCCI requirement ids a test checks")
    config.addinivalue_line("markers", "destructive: the test creates, changes or deletes")
    suite_config = _preset(config)
    if suite_config is None:
        try:
            suite_config = load_config(
                config.getoption("occi_config"), os.environ, _options(config)
            )
        except ConfigError as exc:
            raise pytest.UsageError(str(exc)) from None
    if suite_config.endpoint is None:
        return
    state = PluginState(suite_config, default_catalogue(), suite_dir_of(config))
    if suite_config.baseline:
        from conformance.baseline import load_baseline

        try:
            state.collector.baseline = load_baseline(suite_config.baseline)
        except ConfigError as exc:
            raise pytest.UsageError(str(exc)) from None
    config.stash[_CONFIG_KEY] = suite_config
    config.stash[_STATE_KEY] = state
    _configure_hypothesis(config, state)


def _configure_hypothesis(config: pytest.Config, state: PluginState) -> None:
    from hypothesis import core

    profile = config.getoption("hypothesis_profile", None)
    if not profile:
        profile = state.config.hypothesis_profile
        settings.load_profile(profile)
    seed = config.getoption("hypothesis_seed", None)
    state.previous_seed = core.global_force_seed
    if seed is None and state.config.hypothesis_seed is not None:
        seed = state.config.hypothesis_seed
        core.global_force_seed = seed
    if seed is None and not settings.default.derandomize:
        # Hypothesis draws a fresh seed per test; one printed seed for the run replays it.
        seed = random.SystemRandom().randrange(2**32)
        core.global_force_seed = seed
    state.collector.hypothesis = {
        "profile": profile,
        "seed": seed,
        "derandomize": bool(settings.default.derandomize),
        "replay": f"--hypothesis-seed {seed}" if seed is not None else None,
    }


def pytest_unconfigure(config: pytest.Config) -> None:
    state = _state(config)
    if state is not None:
        from hypothesis import core

        core.global_force_seed = state.previous_seed  # type: ignore[assignment]


def pytest_report_header(config: pytest.Config) -> list[str] | None:
    state = _state(config)
    if state is None:
        return None
    hyp = state.collector.hypothesis
    return [
        f"occi endpoint: {state.collector.masker(state.config.endpoint or '')}",
        f"occi run id: {state.config.run_id}; profiles: "
        + (", ".join(state.config.profiles) or "all")
        + ("; destructive" if state.config.destructive else "; read-only")
        + ("; disposable" if state.config.disposable else ""),
        f"occi hypothesis: profile {hyp.get('profile')}, seed {hyp.get('seed')}",
    ]


def state_of(config: pytest.Config) -> PluginState | None:
    """The plugin's state for a run (None when the plugin is inert)."""
    return config.stash.get(_STATE_KEY, None)


_state = state_of


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    # The suite only makes sense against an endpoint (or when listing its coverage).
    if config.getoption("occi_collect", False):
        return None
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
        if not state.is_suite_item(item):
            keep.append(item)
            continue
        ids = item_requirements(item)
        if (wanted_profiles and not item_profiles(item, state.catalogue) & wanted_profiles) or (
            globs and not any(fnmatch.fnmatch(i, g) for i in ids for g in globs)
        ):
            drop.append(item)
        else:
            keep.append(item)
            if item.get_closest_marker("destructive") and not state.config.destructive:
                item.add_marker(
                    pytest.mark.skip(reason=NOT_APPLICABLE + "read-only run; needs --destructive")
                )
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
    client = client_for(config)
    client.observers.append(
        lambda exchange: state.exchanges.setdefault(state.current, []).append(exchange)
    )
    session = OCCISession(config, client)
    state.session = session
    try:
        yield session
    finally:
        with _sigint_deferred():
            left = session.cleanup()
        state.collector.leftovers = left
        state.collector.masker.add(*client.obtained_secrets)
        client.close()


@contextlib.contextmanager
def _sigint_deferred() -> Iterator[None]:
    """Let the cleanup finish when Ctrl-C is pressed again; re-raise it afterwards."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    pressed: list[int] = []

    def defer(signum: int, frame: object) -> None:
        pressed.append(signum)
        print("\nocci-conformance: deleting what the run created, please wait", file=sys.stderr)

    previous = signal.signal(signal.SIGINT, defer)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
    if pressed:
        raise KeyboardInterrupt


@pytest.fixture(params=list(RENDERING_PROFILES), ids=list(RENDERING_PROFILES.values()))
def rendering(request: pytest.FixtureRequest, occi: OCCISession) -> str:
    media_type: str = request.param
    occi.require_rendering(media_type)
    return media_type


@pytest.fixture(autouse=True)
def _occi_version_gate(request: pytest.FixtureRequest) -> None:
    """n/a for a suite test whose requirements all belong to another OCCI version."""
    state = _state(request.config)
    item = request.node
    if state is None or not isinstance(item, pytest.Item) or not state.is_suite_item(item):
        return
    reqs = [state.catalogue.get(i) for i in item_requirements(item) if i in state.catalogue]
    if not reqs:
        return
    session: OCCISession = request.getfixturevalue("occi")
    try:
        version = session.occi_version
    except Exception:
        # Discovery failed: the test itself will show how; the gate decides nothing.
        return
    if version not in ("1.1", "1.2"):
        return
    if any(r.applies_to(version) or (version == "1.1" and "json" in r.profiles) for r in reqs):
        return
    pytest.skip(
        NOT_APPLICABLE
        + f"the requirement(s) apply to OCCI {reqs[0].occi}; the endpoint speaks OCCI {version}"
    )


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item: pytest.Item, nextitem: pytest.Item | None) -> Iterator[None]:
    state = _state(item.config)
    if state is not None and state.is_suite_item(item):
        # Allure's own wrapper (tryfirst, so outside this one) has opened the test result.
        from conformance.reports.allure_labels import label_item

        label_item(item, state)
    yield


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    state = _state(item.config)
    if state is not None:
        state.current = item.nodeid
        if state.session is not None:
            state.session.current_test = item.name
            state.session.warnings = []


@pytest.hookimpl(hookwrapper=True, trylast=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    # trylast: innermost wrapper, so Allure and the JUnit writer see the adjusted report.
    outcome = yield
    report: pytest.TestReport = outcome.get_result()
    state = _state(item.config)
    if state is None or not state.is_suite_item(item):
        return
    if state.session is not None:
        state.session.current_test = item.name
    if report.when == "call" or (report.when == "setup" and report.outcome != "passed"):
        record = _record(item, call, report, state)
        report.user_properties.append(("occi_outcome", record.outcome))
        from conformance.reports.allure_labels import attach_record

        attach_record(record, state)
        state.collector.add(record)
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
    elif report.passed and state.session is not None and state.session.warnings:
        outcome = "warn"  # the checks held, but the policy flags a deviation
        message = "; ".join(state.session.warnings)
    elif report.passed:
        outcome = "pass"
    else:
        excinfo = call.excinfo
        message = _own_words(str(excinfo.value)) if excinfo is not None else str(report.longrepr)
        if excinfo is not None and _endpoint_fault(excinfo.value):
            outcome = outcome_for_failure(level)
        elif excinfo is not None and isinstance(excinfo.value, _HARNESS_FAULTS):
            outcome = "error"
            message = f"{type(excinfo.value).__name__}: {message}"
        else:
            outcome = "error"
            message = f"{type(excinfo.value).__name__}: {message}" if excinfo else message
    profiles = item_profiles(item, state.catalogue)
    return ResultRecord(
        test=item.nodeid,
        requirements=ids,
        level=level,
        outcome=outcome,
        duration_s=round(report.duration, 4),
        message=state.collector.masker(message[:4000]),
        exchanges=exchanges,
        started=time.time() - report.duration,
        profiles=[p for p in _profile_order() if p in profiles],
    )


def _own_words(text: str) -> str:
    """A failed ``assert cond, message``: the message alone, since it already names the
    values; pytest's introspection (``assert … + where …``) stays in pytest-output.txt.
    Without a message, the introspection is all there is and is kept."""
    lines = text.splitlines()
    cut = next((i for i, line in enumerate(lines) if line.startswith("assert ")), None)
    return "\n".join(lines[:cut]) if cut else text


def _profile_order() -> tuple[str, ...]:
    from conformance.catalogue import PROFILES

    return PROFILES


def _strongest(levels: list[str]) -> str:
    order = ["MUST", "MUST NOT", "SHOULD", "SHOULD NOT", "derived", "MAY", "informative"]
    return min(levels, key=order.index) if levels else "MUST"


def _skip_reason(report: pytest.TestReport) -> str:
    longrepr = report.longrepr
    if isinstance(longrepr, tuple) and len(longrepr) == 3:
        return str(longrepr[2]).removeprefix("Skipped: ")
    return str(longrepr)


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    # trylast: after pytest's runner has torn the session fixtures down, so the `occi`
    # fixture has deleted what the run created and the leftovers are known.
    state = _state(session.config)
    if state is None:
        return
    if state.session is not None:
        state.collector.interpretations = list(state.session.interpretations)
        state.collector.discovery = state.session.__dict__.get("discovery")
    if exitstatus == pytest.ExitCode.INTERRUPTED:
        state.collector.aborted = "interrupted"
    state.collector.finish(exitstatus)
