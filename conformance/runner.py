"""Run the suite in-process: ``pytest.main`` on the installed ``conformance/suite`` with the
plugin, a ready configuration and a progress display.

pytest's own terminal output (full tracebacks, internal errors) goes to
``<report-dir>/pytest-output.txt``, not to the screen. Its terminal reporter stays loaded:
pytest's assertion introspection needs it, and without it every failed ``assert a == b,
message`` loses its message.
"""

from __future__ import annotations

import contextlib
import shutil
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

import pytest

from conformance.config import SuiteConfig
from conformance.plugin import PRESET_ATTRIBUTE, SUITE_DIR, state_of
from conformance.results import ResultCollector, ResultRecord

PACKAGE_ROOT = Path(__file__).resolve().parent.parent
RUNNER_INI = Path(__file__).resolve().parent / "runner.ini"
PYTEST_OUTPUT = "pytest-output.txt"
SHOWN = ("pass", "fail", "warn", "info", "n/a", "error")
LABELS = {
    "pass": "PASS ",
    "fail": "FAIL ",
    "warn": "WARN ",
    "info": "INFO ",
    "n/a": "N/A  ",
    "error": "ERROR",
    "known": "KNOWN",
}


@dataclass
class RunResult:
    pytest_status: int
    collector: ResultCollector | None
    collection_errors: list[str] = field(default_factory=list)


class Progress:
    """The CLI's view of the run; also hands the configuration to the plugin."""

    def __init__(self, config: SuiteConfig, verbosity: int, stream: TextIO) -> None:
        setattr(self, PRESET_ATTRIBUTE, config)
        self.verbosity = verbosity  # -1 quiet, 0 normal, 1 verbose
        self.stream = stream
        self.tty = stream.isatty() and verbosity == 0
        self.total = 0
        self.done = 0
        self.counts: Counter[str] = Counter()
        self.collection_errors: list[str] = []
        self.collector: ResultCollector | None = None

    def write(self, text: str) -> None:
        self.stream.write(text)
        self.stream.flush()

    @pytest.hookimpl(trylast=True)
    def pytest_configure(self, config: pytest.Config) -> None:
        state = state_of(config)
        if state is not None:
            self.collector = state.collector
            state.collector.listeners.append(self.on_record)
            hyp = state.collector.hypothesis
            if self.verbosity >= 0 and hyp.get("seed") is not None:
                self.write(f"hypothesis profile {hyp['profile']}, seed {hyp['seed']}\n")

    def pytest_internalerror(self, excrepr: object) -> None:
        # The terminal reporter writes the traceback into pytest-output.txt; say so here.
        last = str(excrepr).strip().splitlines()[-1:] or [""]
        sys.stderr.write(f"internal error in the suite run: {last[0]}\n")

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        if report.failed:
            self.collection_errors.append(f"{report.nodeid}: {report.longreprtext}")

    def pytest_collection_finish(self, session: pytest.Session) -> None:
        self.total = len(session.items)
        if self.verbosity >= 0:
            self.write(f"collected {self.total} test(s)\n")

    def on_record(self, record: ResultRecord) -> None:
        self.done += 1
        shown = record.shown_outcome
        self.counts[shown] += 1
        if self.verbosity < 0:
            return
        if self.tty:
            width = shutil.get_terminal_size((100, 20)).columns
            counts = " ".join(
                f"{o} {self.counts[o]}"
                for o in (*SHOWN, "known")
                if self.counts[o] or o in ("pass", "fail")
            )
            line = f"[{self.done:>4}/{self.total}] {counts}"
            self.write("\r" + line[: width - 1].ljust(width - 1))
            if shown in ("fail", "error"):
                self.write("\r" + self._line(record)[: width - 1].ljust(width - 1) + "\n")
            return
        self.write(self._line(record) + "\n")
        if self.verbosity > 0 and record.message and shown not in ("pass", "n/a"):
            for text in record.message.splitlines()[:6]:
                self.write(f"        {text}\n")

    def _line(self, record: ResultRecord) -> str:
        reqs = ",".join(record.requirements)
        return f"{LABELS[record.shown_outcome]} {record.test}  [{reqs}]"

    def finish_line(self) -> None:
        if self.tty and self.done:
            self.write("\n")


def pytest_args(
    config: SuiteConfig,
    suite_dir: Path | None = None,
    keyword: str | None = None,
    extra: list[str] | None = None,
) -> list[str]:
    suite = (suite_dir or SUITE_DIR).resolve()
    report_dir = Path(config.report_dir)
    args = [
        str(suite),
        "-c",
        str(RUNNER_INI),
        "--rootdir",
        str(suite.parent.parent if suite == SUITE_DIR else suite.parent),
        # The entry-point plugin is loaded by module name instead, whether or not the
        # package is installed (registering the module twice is an error).
        "-p",
        "no:occi",
        "-p",
        "conformance.plugin",
        "-p",
        "no:cacheprovider",
        "--capture=sys",
        "--alluredir",
        str(report_dir / "allure-results"),
        "--clean-alluredir",
    ]
    if suite_dir is not None:
        args += ["--occi-suite-dir", str(suite)]
    if keyword:
        args += ["-k", keyword]
    return args + list(extra or [])


def run_suite(
    config: SuiteConfig,
    *,
    verbosity: int = 0,
    stream: TextIO | None = None,
    suite_dir: Path | None = None,
    keyword: str | None = None,
) -> RunResult:
    progress = Progress(config, verbosity, stream or sys.stdout)
    report_dir = Path(config.report_dir)
    report_dir.mkdir(parents=True, exist_ok=True)
    args = pytest_args(config, suite_dir, keyword)
    try:
        with (
            (report_dir / PYTEST_OUTPUT).open("w", encoding="utf-8") as output,
            contextlib.redirect_stdout(output),
        ):
            status = int(pytest.main(args, plugins=[progress]))
    finally:
        progress.finish_line()
    return RunResult(status, progress.collector, progress.collection_errors)
