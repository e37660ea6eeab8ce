"""``results.json``: the machine-readable contract of a run (design.md, "The suite")."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import TYPE_CHECKING

from conformance.results import SUITE_VERSION

if TYPE_CHECKING:
    from conformance.results import ResultCollector


def _iso(timestamp: float) -> str:
    return dt.datetime.fromtimestamp(timestamp, dt.UTC).isoformat(timespec="seconds")


def results_document(collector: ResultCollector) -> dict[str, object]:
    config = collector.config
    discovery = collector.discovery
    versions = getattr(discovery, "server_versions", None) or []
    return {
        "suite_version": SUITE_VERSION,
        "occi_version": config.occi_version if config.occi_version != "auto" else
        ("1.2" if "1.2" in versions or not versions else max(versions)),
        "endpoint": config.endpoint,
        "profiles": config.profiles,
        "run_id": config.run_id,
        "start_time": _iso(collector.started),
        "end_time": _iso(collector.ended or collector.started),
        "results": [
            {
                "test": r.test,
                "requirements": r.requirements,
                "level": r.level,
                "outcome": r.outcome,
                "duration_s": r.duration_s,
                "message": r.message,
            }
            for r in collector.records
        ],
        "totals": collector.totals(),
        "interpretations": [
            {"ambiguity": i.ambiguity, "observed": i.observed, "test": i.test}  # type: ignore[attr-defined]
            for i in collector.interpretations
        ],
        "leftovers": collector.leftovers,
    }


def write_results_json(collector: ResultCollector, path: Path) -> None:
    path.write_text(json.dumps(results_document(collector), indent=2, ensure_ascii=False) + "\n")
