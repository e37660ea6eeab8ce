"""OpenNebula template documents: building them (as XML, which oned accepts everywhere a
template is taken, so no value needs quoting rules) and reading pyone's parsed ones."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterable, Mapping
from typing import Any

from reference_server.backends.base import Invalid

Value = str | Mapping[str, str]


def template_xml(items: Iterable[tuple[str, Value]]) -> str:
    """``<TEMPLATE>`` with one child per attribute; vectors become nested elements."""
    root = ET.Element("TEMPLATE")
    for name, value in items:
        element = ET.SubElement(root, name)
        if isinstance(value, Mapping):
            for key, inner in value.items():
                ET.SubElement(element, key).text = _checked(key, inner)
        else:
            element.text = _checked(name, value)
    return ET.tostring(root, encoding="unicode")


def _checked(name: str, value: object) -> str:
    text = str(value)
    # oned stores templates inside CDATA sections and refuses values that would end one.
    if "]]>" in text:
        raise Invalid(f"the value for {name} may not contain ']]>'")
    if any(ord(c) < 32 and c not in "\t\n\r" for c in text):
        raise Invalid(f"the value for {name} contains control characters")
    return text


def vectors(template: Mapping[str, Any] | None, name: str) -> list[dict[str, str]]:
    """Every vector ``name`` of a pyone template dict (one is a dict, several a list)."""
    if not template:
        return []
    value = template.get(name)
    if value is None:
        return []
    items = value if isinstance(value, list) else [value]
    return [dict(item) for item in items if isinstance(item, Mapping)]


def single(template: Mapping[str, Any] | None, name: str) -> str | None:
    """A single-valued attribute as text, or None."""
    if not template:
        return None
    value = template.get(name)
    if isinstance(value, list):
        value = value[0] if value else None
    if value is None or isinstance(value, Mapping):
        return None
    return str(value)
