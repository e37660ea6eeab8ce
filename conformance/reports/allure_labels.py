"""Allure labels and attachments for suite tests (allure-pytest does the writing).

Labels: the spec document as epic, its section as feature, the requirement id as story, the
level as severity (MUST → critical, SHOULD → normal, MAY → minor), the endpoint as a
parameter (so runs against several endpoints stay apart in one results directory), the run
id as an excluded parameter. Every HTTP exchange is attached as text with its curl line.
All calls are no-ops when allure-pytest is not collecting (no ``--alluredir``).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import allure
import pytest

if TYPE_CHECKING:
    from conformance.catalogue import Requirement
    from conformance.plugin import PluginState
    from conformance.results import ResultRecord

DOCUMENTS = {
    "C12": "OCCI 1.2 Core (GFD.221)",
    "H12": "OCCI 1.2 HTTP Protocol (GFD.223)",
    "T12": "OCCI 1.2 Text Rendering (GFD.229)",
    "J12": "OCCI 1.2 JSON Rendering (GFD.225)",
    "I12": "OCCI 1.2 Infrastructure (GFD.224)",
    "P12": "OCCI 1.2 Platform (GFD.227)",
    "S12": "OCCI 1.2 SLA (GFD.228)",
    "C11": "OCCI 1.1 Core (GFD.183)",
    "I11": "OCCI 1.1 Infrastructure (GFD.184)",
    "H11": "OCCI 1.1 HTTP Rendering (GFD.185)",
    "CRTP": "OCCI CRTP 1.1 resource templates",
    "EGI": "EGI FedCloud checks",
}
SEVERITY = {
    "MUST": allure.severity_level.CRITICAL,
    "MUST NOT": allure.severity_level.CRITICAL,
    "SHOULD": allure.severity_level.NORMAL,
    "SHOULD NOT": allure.severity_level.NORMAL,
    "derived": allure.severity_level.NORMAL,
    "MAY": allure.severity_level.MINOR,
    "informative": allure.severity_level.TRIVIAL,
}
_SECTION = re.compile(r"§\s*([0-9A-Za-z]+)")


def document_and_section(requirement: Requirement) -> tuple[str, str]:
    """``("OCCI 1.2 HTTP Protocol (GFD.223)", "H12 §10")`` for doc ``H12 §10.3.2``."""
    first = requirement.doc.split("; ")[0]
    key = first.split(" ", 1)[0]
    found = _SECTION.search(first)
    section = f"{key} §{found.group(1)}" if found else key
    return DOCUMENTS.get(key, key), section


def label_item(item: pytest.Item, state: PluginState) -> None:
    from conformance.plugin import item_requirements

    catalogue = state.catalogue
    reqs = [catalogue.get(i) for i in item_requirements(item) if i in catalogue]
    for req in reqs:
        epic, feature = document_and_section(req)
        allure.dynamic.epic(epic)
        allure.dynamic.feature(feature)
        allure.dynamic.story(req.id)
        allure.dynamic.link(req.doc, name=f"{req.id}: {req.doc}", link_type="requirement")
    if reqs:
        from conformance.plugin import _strongest

        allure.dynamic.severity(SEVERITY[_strongest([r.level for r in reqs])])
    allure.dynamic.parameter("endpoint", state.collector.masker(state.config.endpoint or ""))
    allure.dynamic.parameter("run id", state.config.run_id, excluded=True)


def attach_record(record: ResultRecord, state: PluginState) -> None:
    mask = state.collector.masker
    allure.dynamic.tag(f"outcome:{record.outcome}")
    for number, exchange in enumerate(record.exchanges, 1):
        text = mask(f"{exchange.curl()}\n\n{exchange.transcript()}")
        path = exchange.url.split("://", 1)[-1].split("/", 1)[-1]
        name = f"{number:02d} {exchange.method} /{path} -> {exchange.status or 'no answer'}"
        allure.attach(text, name=name[:120], attachment_type=allure.attachment_type.TEXT)
