"""Which suite tests name which requirement: collected with pytest, without an endpoint.

Used by ``occi-conformance requirements`` and by the meta-tests.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pytest

from conformance.catalogue import Catalogue, default_catalogue
from conformance.plugin import SUITE_DIR, item_requirements


@dataclass
class Coverage:
    #: node id → requirement ids it names (in marker order)
    tests: dict[str, list[str]] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)

    def by_requirement(self, catalogue: Catalogue) -> dict[str, list[str]]:
        """Catalogue id → tests naming it (merged ids count for the entry they joined)."""
        found: dict[str, list[str]] = {req.id: [] for req in catalogue}
        for test, ids in self.tests.items():
            for req_id in ids:
                if req_id in catalogue:
                    found[catalogue.resolve(req_id)].append(test)
        return found

    def unknown(self, catalogue: Catalogue) -> dict[str, list[str]]:
        out = {}
        for test, ids in self.tests.items():
            bad = [i for i in ids if i not in catalogue]
            if bad:
                out[test] = bad
        return out

    def untagged(self) -> list[str]:
        return [test for test, ids in self.tests.items() if not ids]


class _Collect:
    def __init__(self) -> None:
        self.coverage = Coverage()

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        if report.failed:
            self.coverage.errors.append(f"{report.nodeid}: {report.longreprtext}")

    def pytest_collection_modifyitems(self, items: list[pytest.Item]) -> None:
        for item in items:
            self.coverage.tests[item.nodeid] = item_requirements(item)


def collect(suite_dir: Path | None = None) -> Coverage:
    """Collect the suite in-process (``--collect-only``) and read its requirement markers."""
    from conformance.runner import RUNNER_INI

    suite = (suite_dir or SUITE_DIR).resolve()
    args = [
        str(suite),
        "--collect-only",
        "-c",
        str(RUNNER_INI),
        "--rootdir",
        str(suite.parent.parent if suite == SUITE_DIR else suite.parent),
        "-p",
        "no:occi",
        "-p",
        "conformance.plugin",
        "-p",
        "no:cacheprovider",
        "-p",
        "no:terminal",
        "--occi-collect",
    ]
    if suite_dir is not None:
        args += ["--occi-suite-dir", str(suite)]
    plugin = _Collect()
    status = pytest.main(args, plugins=[plugin])
    if status not in (pytest.ExitCode.OK, pytest.ExitCode.NO_TESTS_COLLECTED) and not (
        plugin.coverage.errors
    ):
        plugin.coverage.errors.append(f"pytest could not collect the suite (exit {int(status)})")
    return plugin.coverage


def catalogue() -> Catalogue:
    return default_catalogue()
