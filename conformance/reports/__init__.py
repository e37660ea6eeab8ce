"""Report writers, all fed by one :class:`~conformance.results.ResultCollector`."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from conformance.results import ResultCollector


def write_reports(collector: ResultCollector) -> Path:
    from conformance.reports.results_json import write_results_json

    directory = Path(collector.config.report_dir)
    directory.mkdir(parents=True, exist_ok=True)
    write_results_json(collector, directory / "results.json")
    return directory
