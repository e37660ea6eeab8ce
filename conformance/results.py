"""The one stream of results every report is written from.

The pytest plugin adds a :class:`ResultRecord` per test; at the end of the run
:meth:`ResultCollector.finish` hands the whole run to each report writer.
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from conformance.client import Exchange

if TYPE_CHECKING:
    from conformance.catalogue import Catalogue
    from conformance.config import SuiteConfig

SUITE_VERSION = "0.1.0"


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

    def add(self, record: ResultRecord) -> None:
        self.records.append(record)

    def totals(self) -> dict[str, dict[str, int]]:
        by_level: dict[str, Counter[str]] = {}
        for record in self.records:
            by_level.setdefault(record.level, Counter())[record.outcome] += 1
        overall = Counter(r.outcome for r in self.records)
        return {"all": dict(overall), **{k: dict(v) for k, v in by_level.items()}}

    def finish(self, exitstatus: int) -> None:
        self.ended = time.time()
        from conformance.reports import write_reports

        write_reports(self)
