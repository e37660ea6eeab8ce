"""Several endpoints side by side: per requirement, the outcome each endpoint got, and how
each read the ambiguous points (for spec authors). Input: results.json files of runs."""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path
from typing import Any

from conformance.catalogue import Catalogue
from conformance.masking import Masker
from conformance.reports.html import SEVERITY_ORDER, environment, worst


class CompareError(ValueError):
    """A results file is missing or not a results.json."""


def load_results(path: str) -> dict[str, Any]:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise CompareError(f"cannot read {path}: {exc.strerror}") from None
    except ValueError as exc:
        raise CompareError(f"{path} is not JSON: {exc}") from None
    if not isinstance(data, dict) or not isinstance(data.get("results"), list):
        raise CompareError(f"{path} is not a results.json (no results list)")
    data["_path"] = path
    return data


def comparison(runs: list[dict[str, Any]], catalogue: Catalogue) -> dict[str, Any]:
    names = []
    for run in runs:
        name = run.get("server") or run.get("endpoint") or run["_path"]
        names.append(f"{name} ({run['_path']})" if name in names else name)
    per_req: dict[str, list[str]] = {}
    for index, run in enumerate(runs):
        outcomes: dict[str, list[str]] = defaultdict(list)
        for result in run["results"]:
            shown = "known" if result.get("known") else result.get("outcome", "error")
            for req_id in result.get("requirements", []):
                key = catalogue.resolve(req_id) if req_id in catalogue else req_id
                outcomes[key].append(shown)
        for key, found in outcomes.items():
            per_req.setdefault(key, ["untested"] * len(runs))[index] = worst(found)
    order = {req.id: n for n, req in enumerate(catalogue)}
    rows = []
    for req_id in sorted(per_req, key=lambda i: (order.get(i, len(order)), i)):
        req = catalogue.get(req_id) if req_id in catalogue else None
        cells = per_req[req_id]
        rows.append(
            {
                "id": req_id,
                "level": req.level if req else "?",
                "doc": req.doc if req else "",
                "statement": req.statement if req else "(not in this catalogue)",
                "outcomes": cells,
                "differs": len(set(cells)) > 1,
            }
        )
    ambiguities: dict[str, list[list[str]]] = {}
    for index, run in enumerate(runs):
        for item in run.get("interpretations", []):
            cells = ambiguities.setdefault(item["ambiguity"], [[] for _ in runs])
            if item["observed"] not in cells[index]:
                cells[index].append(item["observed"])
    return {
        "endpoints": names,
        "runs": [
            {
                "endpoint": r.get("endpoint"),
                "server": r.get("server"),
                "occi_version": r.get("occi_version"),
                "start": r.get("start_time"),
                "conformant": r.get("conformant"),
                "verdicts": r.get("verdicts") or {},
            }
            for r in runs
        ],
        "rows": rows,
        "ambiguities": sorted(ambiguities.items()),
        "outcomes": [o for o in SEVERITY_ORDER],
    }


def render_text(data: dict[str, Any]) -> str:
    names = data["endpoints"]
    width = max(8, *(min(len(n), 18) for n in names))
    lines = ["endpoints:"] + [f"  [{n + 1}] {name}" for n, name in enumerate(names)]
    head = f"{'requirement':<16} {'level':<10} " + " ".join(
        f"{'[' + str(n + 1) + ']':<{width}}" for n in range(len(names))
    )
    lines += ["", head, "-" * len(head)]
    for row in data["rows"]:
        mark = " *" if row["differs"] else ""
        cells = " ".join(f"{o:<{width}}" for o in row["outcomes"])
        lines.append(f"{row['id']:<16} {row['level']:<10} {cells}{mark}")
    lines += ["", "(* the endpoints differ)", "", "interpretations:"]
    for ambiguity, cells in data["ambiguities"]:
        lines.append(f"  {ambiguity}")
        for n, observed in enumerate(cells):
            lines.append(f"    [{n + 1}] " + ("; ".join(observed) or "-"))
    return "\n".join(lines) + "\n"


def render_html(data: dict[str, Any]) -> str:
    return environment(Masker()).get_template("compare.html.j2").render(**data)
