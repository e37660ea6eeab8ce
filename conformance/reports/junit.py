"""``junit.xml`` for CI: one testcase per suite test, requirement ids as properties.

fail → <failure>, error → <error>, n/a → <skipped>, a known failure (baseline) → <skipped>
with its reason; warn and info pass, with the outcome in the properties. The failure's
transcript and curl lines go to <system-out>. Secrets are masked.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path
from typing import TYPE_CHECKING

from conformance.reports.results_json import iso

if TYPE_CHECKING:
    from conformance.results import ResultCollector, ResultRecord

# XML 1.0 cannot hold most control characters; an endpoint may well send some.
_BAD_XML = dict.fromkeys(c for c in range(32) if c not in (9, 10, 13))


def clean(text: str) -> str:
    return text.translate(_BAD_XML)


def transcript(record: ResultRecord, mask: object) -> str:
    parts = []
    for exchange in record.exchanges:
        parts.append(f"$ {exchange.curl()}\n{exchange.transcript()}")
    return mask("\n\n".join(parts))  # type: ignore[operator]


def _classname(test: str) -> tuple[str, str]:
    path, _, name = test.partition("::")
    return path.removesuffix(".py").replace("/", "."), name or test


def build(collector: ResultCollector) -> ET.Element:
    mask = collector.masker
    records = collector.records
    suite = ET.Element(
        "testsuite",
        name="occi-conformance",
        tests=str(len(records)),
        failures=str(sum(r.outcome == "fail" and r.known_reason is None for r in records)),
        errors=str(sum(r.outcome == "error" and r.known_reason is None for r in records)),
        skipped=str(sum(r.outcome == "n/a" or r.known_reason is not None for r in records)),
        time=f"{sum(r.duration_s for r in records):.3f}",
        timestamp=iso(collector.started),
    )
    props = ET.SubElement(suite, "properties")
    for name, value in (
        ("endpoint", mask(collector.config.endpoint or "")),
        ("run_id", collector.config.run_id),
        ("profiles", ",".join(collector.selected_profiles)),
        ("hypothesis_seed", str(collector.hypothesis.get("seed"))),
    ):
        ET.SubElement(props, "property", name=name, value=clean(value))
    for record in records:
        classname, name = _classname(record.test)
        case = ET.SubElement(
            suite, "testcase", classname=classname, name=name, time=f"{record.duration_s:.3f}"
        )
        cprops = ET.SubElement(case, "properties")
        for req in record.requirements:
            ET.SubElement(cprops, "property", name="requirement", value=req)
        ET.SubElement(cprops, "property", name="level", value=record.level)
        ET.SubElement(cprops, "property", name="outcome", value=record.outcome)
        for profile in record.profiles:
            ET.SubElement(cprops, "property", name="profile", value=profile)
        message = clean(mask(record.message))
        first = message.splitlines()[0] if message else record.outcome
        if record.known_reason is not None:
            ET.SubElement(cprops, "property", name="baseline", value="known")
            node = ET.SubElement(
                case, "skipped", message=clean(f"known failure: {record.known_reason}")
            )
            node.text = message
        elif record.outcome == "fail":
            node = ET.SubElement(case, "failure", message=first[:500], type=record.level)
            node.text = message
        elif record.outcome == "error":
            node = ET.SubElement(case, "error", message=first[:500], type="harness")
            node.text = message
        elif record.outcome == "n/a":
            ET.SubElement(case, "skipped", message=first[:500])
        if record.outcome in ("fail", "error", "warn", "info") and record.exchanges:
            ET.SubElement(case, "system-out").text = clean(transcript(record, mask))
    return suite


def write_junit(collector: ResultCollector, path: Path) -> None:
    root = ET.ElementTree(build(collector))
    ET.indent(root)
    root.write(path, encoding="utf-8", xml_declaration=True)
