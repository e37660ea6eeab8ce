"""Baselines: a site's list of known failures, so that only new failures fail a run.

File (YAML)::

    # a list, or a mapping with the key known_failures
    - test: "conformance/suite/test_http.py::test_allow_header*"   # node id or glob
      reason: "ticket #123: Allow is missing on 405"
    - requirement: JSON-GEN-03                                      # every test naming it
      reason: "JSON rendering not finished"

A failing test (outcome fail, warn or error) matched by an entry is *known*: reported, not
counted for the exit code. An entry whose matched tests all pass is *stale*: the problem was
fixed and the entry should go. Entries that matched no test that ran are *unused*.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import yaml

from conformance.config import ConfigError

if TYPE_CHECKING:
    from conformance.catalogue import Catalogue
    from conformance.results import ResultRecord

#: Outcomes a baseline entry can excuse.
EXCUSABLE = ("fail", "warn", "error")


@dataclass
class BaselineEntry:
    reason: str
    test: str | None = None
    requirement: str | None = None
    matched: list[str] = field(default_factory=list)
    still_failing: list[str] = field(default_factory=list)

    @property
    def key(self) -> str:
        return self.test if self.test is not None else f"requirement {self.requirement}"

    def matches(self, record: ResultRecord, catalogue: Catalogue | None = None) -> bool:
        if self.test is not None:
            base = record.test.split("[", 1)[0]
            return (
                record.test == self.test
                or base == self.test
                or fnmatch.fnmatchcase(record.test, self.test)
            )
        wanted = self.requirement or ""
        ids = set(record.requirements)
        if catalogue is not None:
            ids |= {catalogue.resolve(i) for i in record.requirements if i in catalogue}
            if wanted in catalogue:
                wanted = catalogue.resolve(wanted)
        return any(fnmatch.fnmatchcase(i, wanted) for i in ids)

    def as_dict(self) -> dict[str, object]:
        out: dict[str, object] = {"reason": self.reason}
        if self.test is not None:
            out["test"] = self.test
        else:
            out["requirement"] = self.requirement
        out["matched"] = list(self.matched)
        return out


@dataclass
class Baseline:
    path: str
    entries: list[BaselineEntry]

    def apply(self, records: Iterable[ResultRecord], catalogue: Catalogue | None = None) -> None:
        """Mark each record known (or not), recomputing what each entry matched."""
        for entry in self.entries:
            entry.matched.clear()
            entry.still_failing.clear()
        for record in records:
            self.mark(record, catalogue)

    def mark(self, record: ResultRecord, catalogue: Catalogue | None = None) -> None:
        """Mark one more record (the live view while the run goes on)."""
        record.known_reason = None
        for entry in self.entries:
            if not entry.matches(record, catalogue) or record.outcome == "n/a":
                # An n/a test says nothing about whether the entry still holds.
                continue
            entry.matched.append(record.test)
            if record.outcome in EXCUSABLE:
                entry.still_failing.append(record.test)
                if record.known_reason is None:
                    record.known_reason = entry.reason

    @property
    def stale(self) -> list[BaselineEntry]:
        """Entries whose tests ran and now all pass (or only report info)."""
        return [e for e in self.entries if e.matched and not e.still_failing]

    @property
    def unused(self) -> list[BaselineEntry]:
        return [e for e in self.entries if not e.matched]

    @property
    def known(self) -> list[BaselineEntry]:
        return [e for e in self.entries if e.still_failing]

    def summary(self) -> dict[str, object]:
        return {
            "file": self.path,
            "known": [e.as_dict() for e in self.known],
            "stale": [e.as_dict() for e in self.stale],
            "unused": [e.as_dict() for e in self.unused],
        }


def load_baseline(path: str) -> Baseline:
    """Read and check a baseline file; any mistake is a :class:`ConfigError` (exit 2)."""
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"cannot read baseline {path}: {exc.strerror}") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"baseline {path} is not valid YAML: {exc}") from None
    if isinstance(data, Mapping):
        data = data.get("known_failures")
    if data is None:
        data = []
    if not isinstance(data, list):
        raise ConfigError(f"baseline {path}: expected a list of {{test|requirement, reason}}")
    entries = []
    for number, raw in enumerate(data, 1):
        where = f"baseline {path}, entry {number}"
        if not isinstance(raw, Mapping):
            raise ConfigError(f"{where}: must be a mapping with test or requirement, and reason")
        unknown = set(raw) - {"test", "requirement", "reason"}
        if unknown:
            raise ConfigError(f"{where}: unknown key(s) {', '.join(sorted(map(str, unknown)))}")
        test, requirement = raw.get("test"), raw.get("requirement")
        if (test is None) == (requirement is None):
            raise ConfigError(f"{where}: give exactly one of test or requirement")
        reason = raw.get("reason")
        if not isinstance(reason, str) or not reason.strip():
            raise ConfigError(f"{where}: every known failure needs a reason")
        target = test if test is not None else requirement
        if not isinstance(target, str) or not target.strip():
            raise ConfigError(f"{where}: test/requirement must be a non-empty string")
        entries.append(
            BaselineEntry(
                reason=reason.strip(),
                test=test.strip() if test is not None else None,
                requirement=requirement.strip() if requirement is not None else None,
            )
        )
    return Baseline(path, entries)
