"""Delete what a run left behind: entities whose ``occi.core.title`` carries the run id.

Walks every kind the query interface names (links first, so resources go after their links),
lists each kind's collection, reads every member and deletes only those whose title is the run
id tag (``OCCISession.title()``: the run id, then a space and a label). Anything else is left
alone, including entities it cannot read.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from conformance.client import Exchange
from conformance.config import SuiteConfig
from conformance.connection import client_for
from conformance.session import OCCISession


@dataclass
class SweepResult:
    deleted: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    unreadable: list[str] = field(default_factory=list)
    examined: int = 0


def is_tagged(title: object, run_id: str) -> bool:
    """Whether ``title`` was written by the run ``run_id``."""
    return isinstance(title, str) and (title == run_id or title.startswith(run_id + " "))


def sweep(
    config: SuiteConfig,
    *,
    dry_run: bool = False,
    report: Callable[[str], None] = print,
) -> SweepResult:
    client = client_for(config)
    session = OCCISession(config, client)
    result = SweepResult()
    kinds = [k for k in session.model.kinds if k.location]
    # Links first: deleting a resource may take its links along, never the other way round.
    kinds.sort(key=lambda k: (not session.model.is_link_kind(k.id), k.id))
    seen: set[str] = set()
    try:
        for kind in kinds:
            try:
                members = session.list(kind.location or "")
            except AssertionError as exc:
                report(f"cannot list {kind.id} at {kind.location}: {exc}")
                continue
            for url in members:
                if url in seen:
                    continue
                seen.add(url)
                result.examined += 1
                try:
                    entity = session.read(url)
                except AssertionError:
                    result.unreadable.append(url)
                    continue
                if not is_tagged(entity.attributes.get("occi.core.title"), config.run_id):
                    continue
                if dry_run:
                    report(f"would delete {url}")
                    result.deleted.append(url)
                    continue
                exchange: Exchange = client.delete(url)
                if exchange.status in (200, 202, 204, 404, 410):
                    report(f"deleted {url}")
                    result.deleted.append(url)
                else:
                    report(f"could not delete {url}: {exchange.status}")
                    result.failed.append(url)
    finally:
        client.close()
    return result
