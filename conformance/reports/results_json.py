"""``results.json``: the machine-readable contract of a run (design.md, "The suite").

Contract keys: suite_version, occi_version, endpoint, profiles, start_time, end_time,
results (test, requirements, level, outcome, duration_s, message) and totals (per outcome
under "all", and per level). Extra keys: run_id, server, destructive, verdicts, conformant,
baseline (known, stale, unused entries; each result's "known" reason), hypothesis (profile and
seed), interpretations, leftovers and the sweep command for them.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import TYPE_CHECKING

from conformance.results import SUITE_VERSION

if TYPE_CHECKING:
    from conformance.results import ResultCollector


def iso(timestamp: float) -> str:
    return dt.datetime.fromtimestamp(timestamp, dt.UTC).isoformat(timespec="seconds")


def occi_version(collector: ResultCollector) -> str:
    config = collector.config
    versions = getattr(collector.discovery, "server_versions", None) or []
    if config.occi_version != "auto":
        return config.occi_version
    return "1.2" if "1.2" in versions or not versions else max(versions)


def server_header(collector: ResultCollector) -> str | None:
    exchange = getattr(collector.discovery, "exchange", None)
    return exchange.header("server") if exchange is not None else None


def sweep_command(collector: ResultCollector) -> str | None:
    if not collector.leftovers:
        return None
    endpoint = collector.masker(collector.config.endpoint or "")
    return f"occi-conformance sweep --run-id {collector.config.run_id} --endpoint {endpoint}"


def results_document(collector: ResultCollector) -> dict[str, object]:
    config = collector.config
    mask = collector.masker
    return {
        "suite_version": SUITE_VERSION,
        "occi_version": occi_version(collector),
        "endpoint": mask(config.endpoint or ""),
        "server": server_header(collector),
        "profiles": collector.selected_profiles,
        "run_id": config.run_id,
        "destructive": config.destructive,
        "start_time": iso(collector.started),
        "end_time": iso(collector.ended or collector.started),
        "aborted": collector.aborted,
        "conformant": collector.conformant(),
        "verdicts": collector.verdicts(),
        "results": [
            {
                "test": r.test,
                "requirements": r.requirements,
                "level": r.level,
                "outcome": r.outcome,
                "duration_s": r.duration_s,
                "message": mask(r.message),
                "profiles": r.profiles,
                "known": r.known_reason,
            }
            for r in collector.records
        ],
        "totals": collector.totals(),
        "baseline": collector.baseline.summary() if collector.baseline is not None else None,
        "hypothesis": collector.hypothesis,
        "interpretations": [
            {
                "ambiguity": i.ambiguity,  # type: ignore[attr-defined]
                "observed": mask(i.observed),  # type: ignore[attr-defined]
                "test": i.test,  # type: ignore[attr-defined]
            }
            for i in collector.interpretations
        ],
        "leftovers": [mask(u) for u in collector.leftovers],
        "sweep": sweep_command(collector),
    }


def write_results_json(collector: ResultCollector, path: Path) -> None:
    document = results_document(collector)
    path.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
