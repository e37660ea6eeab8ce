"""The one stream of results every report is written from.

The pytest plugin adds a :class:`ResultRecord` per test; at the end of the run
:meth:`ResultCollector.finish` applies the baseline, decides the verdicts and hands the whole
run to each report writer (results.json, junit.xml, report.html; Allure is fed live).

Verdict of a profile (and of the run):
  conformant       no fail outside the baseline and no error
  not conformant   at least one new fail (a broken MUST)
  incomplete       no new fail, but a test ended in error (harness or network): the
                   requirement could not be checked, so conformance cannot be claimed
  not applicable   every test of the profile was n/a
  not tested       no test of the suite belongs to the profile (or the run was cut short)
The run is conformant (exit 0) when it was not cut short and no record is a new fail or
error; a profile without tests is shown as "not tested" but does not fail the run (the design
defines exit 0 as "no MUST failure").
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from conformance.client import Exchange
from conformance.masking import Masker

if TYPE_CHECKING:
    from conformance.baseline import Baseline
    from conformance.catalogue import Catalogue
    from conformance.config import SuiteConfig

SUITE_VERSION = "0.1.0"
CONFORMANT = "conformant"
NOT_CONFORMANT = "not conformant"
INCOMPLETE = "incomplete"
NOT_APPLICABLE = "not applicable"
NOT_TESTED = "not tested"


@dataclass
class ResultRecord:
    test: str
    requirements: list[str]
    level: str
    outcome: str
    duration_s: float
    message: str = ""
    exchanges: list[Exchange] = field(default_factory=list)
    started: float = 0.0
    #: The profiles the test belongs to (its requirements' and its rendering's).
    profiles: list[str] = field(default_factory=list)
    #: Reason from the baseline when this failure is a known one.
    known_reason: str | None = None

    @property
    def new_failure(self) -> bool:
        """A broken MUST that the baseline does not excuse: it fails the run."""
        return self.outcome == "fail" and self.known_reason is None

    @property
    def new_error(self) -> bool:
        return self.outcome == "error" and self.known_reason is None

    @property
    def shown_outcome(self) -> str:
        """The outcome as reports show it: ``known`` for an excused failure."""
        return "known" if self.known_reason is not None else self.outcome


@dataclass
class ResultCollector:
    config: SuiteConfig
    catalogue: Catalogue
    records: list[ResultRecord] = field(default_factory=list)
    interpretations: list[object] = field(default_factory=list)
    leftovers: list[str] = field(default_factory=list)
    discovery: object = None
    started: float = field(default_factory=time.time)
    ended: float = 0.0
    baseline: Baseline | None = None
    masker: Masker = field(default_factory=Masker)
    hypothesis: dict[str, object] = field(default_factory=dict)
    #: Why the run stopped early ("interrupted", "collection errors"), if it did.
    aborted: str | None = None
    #: Called with each record as it is added (the CLI's progress display).
    listeners: list[Callable[[ResultRecord], None]] = field(default_factory=list)
    #: Paths of the reports written by :meth:`finish`.
    written: list[str] = field(default_factory=list)
    finished: bool = False

    def add(self, record: ResultRecord) -> None:
        if self.baseline is not None:
            self.baseline.mark(record, self.catalogue)
        self.records.append(record)
        for listener in self.listeners:
            listener(record)

    def totals(self) -> dict[str, dict[str, int]]:
        by_level: dict[str, Counter[str]] = {}
        for record in self.records:
            by_level.setdefault(record.level, Counter())[record.outcome] += 1
        overall = Counter(r.outcome for r in self.records)
        known = sum(1 for r in self.records if r.known_reason is not None)
        totals = {"all": dict(overall), **{k: dict(v) for k, v in by_level.items()}}
        if self.baseline is not None:
            totals["baseline"] = {"known": known}
        return totals

    @property
    def selected_profiles(self) -> list[str]:
        from conformance.catalogue import PROFILES

        return list(self.config.profiles) or [
            p for p in PROFILES if any(p in r.profiles for r in self.records)
        ]

    def verdicts(self) -> dict[str, dict[str, object]]:
        """Per selected profile: the verdict and its outcome counts."""
        result: dict[str, dict[str, object]] = {}
        for profile in self.selected_profiles:
            records = [r for r in self.records if profile in r.profiles]
            counts = Counter(r.shown_outcome for r in records)
            if any(r.new_failure for r in records):
                verdict = NOT_CONFORMANT
            elif any(r.new_error for r in records):
                verdict = INCOMPLETE
            elif not records:
                verdict = NOT_TESTED
            elif all(r.outcome == "n/a" for r in records):
                verdict = NOT_APPLICABLE
            else:
                verdict = CONFORMANT
            result[profile] = {"verdict": verdict, "counts": dict(counts)}
        return result

    def conformant(self) -> bool:
        """The exit-code question: did every selected profile pass?"""
        if self.aborted:
            return False
        return not any(r.new_failure or r.new_error for r in self.records)

    def new_failures(self) -> list[ResultRecord]:
        return [r for r in self.records if r.new_failure or r.new_error]

    def known_failures(self) -> list[ResultRecord]:
        return [r for r in self.records if r.known_reason is not None]

    def finish(self, exitstatus: int) -> None:
        self.ended = time.time()
        if self.baseline is not None:
            self.baseline.apply(self.records, self.catalogue)
        from conformance.reports import write_reports

        self.written = [str(p) for p in write_reports(self)]
        self.finished = True
