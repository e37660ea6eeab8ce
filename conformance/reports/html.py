"""``report.html``: one self-contained page (inline CSS, no script, no external asset).

Verdict per profile, a matrix per spec section (requirement × outcome), every failure with
its transcript and curl lines, the interpretations observed on ambiguous points, the baseline
and the leftovers. Rendered with Jinja2 autoescaping; every string goes through the masker.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING

import jinja2
import markupsafe

from conformance.reports.allure_labels import document_and_section
from conformance.reports.results_json import iso, occi_version, server_header, sweep_command
from conformance.results import SUITE_VERSION

if TYPE_CHECKING:
    from conformance.catalogue import Catalogue
    from conformance.results import ResultCollector, ResultRecord

#: Worst first: the outcome a requirement gets from several tests.
SEVERITY_ORDER = ("fail", "error", "known", "warn", "info", "pass", "n/a", "untested")


def worst(outcomes: Iterable[str]) -> str:
    found = list(outcomes)
    return min(found, key=SEVERITY_ORDER.index) if found else "untested"


def environment(mask: Callable[[str], str]) -> jinja2.Environment:
    def finalize(value: object) -> object:
        # Markup is template output (macros) whose parts were masked when they were output.
        if isinstance(value, str) and not isinstance(value, markupsafe.Markup):
            return mask(value)
        return value

    env = jinja2.Environment(
        loader=jinja2.PackageLoader("conformance.reports", "templates"),
        autoescape=True,
        finalize=finalize,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["mask"] = mask
    return env


def section_matrix(
    records: list[ResultRecord], catalogue: Catalogue, profiles: list[str]
) -> list[dict[str, object]]:
    """Sections (document order of the catalogue) with one row per requirement."""
    by_req: dict[str, list[ResultRecord]] = defaultdict(list)
    for record in records:
        for req_id in record.requirements:
            key = catalogue.resolve(req_id) if req_id in catalogue else req_id
            by_req[key].append(record)
    sections: dict[str, dict[str, object]] = {}
    for req in catalogue:
        if req.id not in by_req and not set(req.profiles) & set(profiles):
            continue
        document, section = document_and_section(req)
        entry = sections.setdefault(
            section, {"section": section, "document": document, "rows": [], "counts": Counter()}
        )
        tests = by_req.get(req.id, [])
        outcome = worst(r.shown_outcome for r in tests)
        entry["counts"][outcome] += 1  # type: ignore[index]
        entry["rows"].append(  # type: ignore[attr-defined]
            {
                "id": req.id,
                "doc": req.doc,
                "level": req.level,
                "statement": req.statement,
                "outcome": outcome,
                "tests": [{"test": r.test, "outcome": r.shown_outcome} for r in tests],
            }
        )
    return sorted(sections.values(), key=lambda entry: _section_key(str(entry["section"])))


_DOCUMENT_ORDER = ("C12", "H12", "T12", "J12", "I12", "C11", "H11", "I11", "CRTP", "EGI")


def _section_key(section: str) -> tuple[int, list[int], str]:
    """Core, HTTP, text, JSON, infrastructure (1.2, then 1.1), then profiles; § numerically."""
    document, _, number = section.partition(" ")
    rank = _DOCUMENT_ORDER.index(document) if document in _DOCUMENT_ORDER else len(_DOCUMENT_ORDER)
    digits = [int(part) for part in re.findall(r"[0-9]+", number)]
    return rank, digits, section


def interpretations(collector: ResultCollector) -> list[dict[str, object]]:
    grouped: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    for item in collector.interpretations:
        grouped[item.ambiguity][item.observed].append(item.test)  # type: ignore[attr-defined]
    return [
        {
            "ambiguity": ambiguity,
            "observed": [
                {"value": value, "count": len(tests), "tests": sorted(set(tests))[:10]}
                for value, tests in sorted(observed.items())
            ],
        }
        for ambiguity, observed in sorted(grouped.items())
    ]


def context(collector: ResultCollector) -> dict[str, object]:
    records = collector.records
    problems = [r for r in records if r.shown_outcome in ("fail", "error", "known", "warn")]
    problems.sort(key=lambda r: SEVERITY_ORDER.index(r.shown_outcome))
    return {
        "suite_version": SUITE_VERSION,
        "endpoint": collector.config.endpoint or "",
        "server": server_header(collector) or "",
        "occi_version": occi_version(collector),
        "run_id": collector.config.run_id,
        "destructive": collector.config.destructive,
        "start": iso(collector.started),
        "end": iso(collector.ended or collector.started),
        "aborted": collector.aborted,
        "conformant": collector.conformant(),
        "verdicts": collector.verdicts(),
        "totals": Counter(r.shown_outcome for r in records),
        "outcomes": [o for o in SEVERITY_ORDER if o != "untested"],
        "sections": section_matrix(records, collector.catalogue, collector.selected_profiles),
        "problems": [
            {
                "test": r.test,
                "outcome": r.shown_outcome,
                "level": r.level,
                "requirements": r.requirements,
                "message": r.message,
                "known": r.known_reason,
                "exchanges": [
                    {"curl": e.curl(), "transcript": e.transcript()} for e in r.exchanges
                ],
            }
            for r in problems
        ],
        "interpretations": interpretations(collector),
        "baseline": collector.baseline.summary() if collector.baseline is not None else None,
        "leftovers": collector.leftovers,
        "sweep": sweep_command(collector),
        "hypothesis": collector.hypothesis,
    }


def render_html(collector: ResultCollector) -> str:
    env = environment(collector.masker)
    return env.get_template("report.html.j2").render(**context(collector))


def write_html(collector: ResultCollector, path: Path) -> None:
    path.write_text(render_html(collector), encoding="utf-8")
