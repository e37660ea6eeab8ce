"""Report writers, all fed by one :class:`~conformance.results.ResultCollector`.

``results.json`` (the machine contract), ``junit.xml`` (CI), ``report.html`` (people).
Allure results are written live by allure-pytest (see :mod:`.allure_labels`).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from conformance.results import ResultCollector


def write_reports(collector: ResultCollector) -> list[Path]:
    from conformance.reports.html import write_html
    from conformance.reports.junit import write_junit
    from conformance.reports.results_json import write_results_json

    directory = Path(collector.config.report_dir)
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name, writer in (
        ("results.json", write_results_json),
        ("junit.xml", write_junit),
        ("report.html", write_html),
    ):
        path = directory / name
        writer(collector, path)
        written.append(path)
    return written
