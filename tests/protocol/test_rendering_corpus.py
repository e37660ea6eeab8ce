"""The rendering corpus: fixtures/renderings/{valid,invalid}/ against the text renderings.

Each directory's index.yaml says which parse method a file is for and what must come out
(valid) or which rule and line the ParseError must name (invalid). Every text/plain sample is
replayed as text/occi header pairs too, so both renderings are held to the same corpus.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from occi_protocol.errors import ParseError
from occi_protocol.model import Kind, Link, Mixin, Resource
from occi_protocol.rendering import HeaderPairs
from occi_protocol.rendering.text import TEXT_OCCI_RENDERING, TEXT_PLAIN_RENDERING
from occi_protocol.rendering.uri_list import URI_LIST_RENDERING

CORPUS = Path(__file__).resolve().parents[2] / "fixtures" / "renderings"
SUFFIXES = (".txt", ".uri")


def _index(kind: str) -> dict[str, dict]:
    return yaml.safe_load((CORPUS / kind / "index.yaml").read_text(encoding="utf-8"))


def _cases(kind: str) -> list:
    """(file, entry, media type) for every file, text ones once per text media type."""
    cases = []
    for name, entry in _index(kind).items():
        if name.endswith(".uri"):
            cases.append(pytest.param(name, entry, "text/uri-list", id=f"{name}-uri-list"))
            continue
        cases.append(pytest.param(name, entry, "text/plain", id=f"{name}-plain"))
        if not entry.get("plain_only"):
            cases.append(pytest.param(name, entry, "text/occi", id=f"{name}-occi"))
    return cases


def _message(name: str, kind: str, media_type: str):
    """The rendering and the (headers, body) of a corpus file in the given media type."""
    body = (CORPUS / kind / name).read_bytes()
    if media_type == "text/uri-list":
        return URI_LIST_RENDERING, [], body
    if media_type == "text/plain":
        return TEXT_PLAIN_RENDERING, [], body
    headers: HeaderPairs = [("Content-Type", "text/occi")]
    for line in body.decode("utf-8").splitlines():
        if line.strip():
            name_, _, value = line.partition(":")
            headers.append((name_, value.strip()))
    return TEXT_OCCI_RENDERING, headers, b"OK"


@pytest.mark.parametrize("kind", ["valid", "invalid"])
def test_index_lists_every_file(kind: str) -> None:
    files = {p.name for p in (CORPUS / kind).iterdir() if p.suffix in SUFFIXES}
    assert set(_index(kind)) == files


def test_invalid_corpus_is_large_enough() -> None:
    assert len(_index("invalid")) >= 20


@pytest.mark.parametrize(("name", "entry", "media_type"), _cases("invalid"))
def test_invalid(name: str, entry: dict, media_type: str) -> None:
    rendering, headers, body = _message(name, "invalid", media_type)
    with pytest.raises(ParseError) as info:
        getattr(rendering, entry["method"])(headers, body)
    error = info.value
    assert error.rule is not None and entry["rule"] in error.rule, str(error)
    assert error.line == entry["line"], str(error)
    if error.line is not None:
        assert error.text, "a located error carries the offending line"


@pytest.mark.parametrize(("name", "entry", "media_type"), _cases("valid"))
def test_valid(name: str, entry: dict, media_type: str) -> None:
    rendering, headers, body = _message(name, "valid", media_type)
    result = getattr(rendering, entry["method"])(headers, body)
    expect = entry["expect"]
    method = entry["method"]
    if method == "parse_entity":
        assert type(result).__name__ == expect["type"]
        assert result.kind == expect["kind"]
        assert list(result.mixins) == expect["mixins"]
        assert result.location == expect["location"]
        assert list(result.actions) == expect["actions"]
        assert dict(result.attributes) == expect["attributes"]
        links = result.links if isinstance(result, Resource) else ()
        assert len(links) == expect["links"]
        assert all(isinstance(link, Link) for link in links)
    elif method == "parse_categories":
        assert [c.id for c in result] == expect["ids"]
        by_id = {c.id: c for c in result}
        for identifier, checks in expect.get("categories", {}).items():
            category = by_id[identifier]
            assert category.category_class == checks["class"]
            if "parent" in checks:
                assert isinstance(category, Kind) and category.parent == checks["parent"]
            if "location" in checks:
                assert isinstance(category, Kind | Mixin)
                assert category.location == checks["location"]
            if "title" in checks:
                assert category.title == checks["title"]
            if "immutable" in checks:
                assert [a.name for a in category.attributes if not a.mutable] == checks["immutable"]
            if "required" in checks:
                assert [a.name for a in category.attributes if a.required] == checks["required"]
    elif method == "parse_locations":
        assert result == expect["locations"]
    elif method == "parse_action_invocation":
        assert result.action == expect["action"]
        assert dict(result.attributes) == expect["attributes"]
    elif method == "parse_filter":
        assert list(result.categories) == expect["categories"]
        assert result.attributes == expect["attributes"]
    else:
        pytest.fail(f"index.yaml names an unknown method {method!r}")


def test_rocci_inline_link_details() -> None:
    rendering, headers, body = _message("rocci-compute.txt", "valid", "text/plain")
    resource = rendering.parse_entity(headers, body)
    assert isinstance(resource, Resource)
    (link,) = resource.links
    assert link.kind == "http://schemas.ogf.org/occi/infrastructure#networkinterface"
    assert link.location == "/link/networkinterface/compute_87_nic_0"
    assert link.source == "/compute/87f3bfc3-42d4-4474-b45c-757e55e093e9"
    assert link.target == "/network/public"
    assert link.attributes["occi.networkinterface.address"] == "192.0.2.10"
