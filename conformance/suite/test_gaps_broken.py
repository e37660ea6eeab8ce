"""Checks the project's deliberately broken server variants (tests/broken) showed missing.

Each test closes a gap where a variant broke a MUST and the rest of the suite failed only
under other requirement ids, or not at all: an empty listing passing as "only locations", a
query interface whose category groups are not arrays, a text/uri-list checked only on an
empty collection, an unsupported feature answered 404, an attribute filter that drops the
only matching entity read as "filtering not offered".
"""

from __future__ import annotations

import uuid

import pytest

from conformance.outcomes import not_applicable
from conformance.session import OCCISession
from conformance.suite._entity_helpers import UserMixins
from conformance.suite._wire import (
    COMPUTE,
    existing_or_new,
    items,
    json_categories,
    json_qi,
    occi_lines,
)
from occi_protocol import grammar
from occi_protocol.rendering import TEXT_OCCI, TEXT_PLAIN, URI_LIST


def _member(occi: OCCISession, label: str) -> str:
    """A compute the kind collection must list: a new one in destructive runs."""
    if occi.config.destructive:
        url, _ = occi.create_compute(label=label)
        return url
    return existing_or_new(occi)


@pytest.mark.parametrize("media_type", [TEXT_PLAIN, TEXT_OCCI], ids=["text-plain", "text-occi"])
@pytest.mark.requirement("TEXT-LOC-01", "TEXT-LOC-02")
def test_text_collection_names_its_members(occi: OCCISession, media_type: str) -> None:
    occi.require_rendering(media_type)
    url = _member(occi, "gap-listing")
    location = occi.require_kind(COMPUTE)
    exchange = occi.client.get(location, accept=media_type)
    assert exchange.status == 200, f"GET {location} as {media_type} answered {exchange.status}"
    listed = {
        occi.client.url(v) for v in items(occi_lines(exchange, media_type), "X-OCCI-Location")
    }
    names = sorted({n for n, _ in exchange.headers} if media_type == TEXT_OCCI else set())
    assert url in listed, (
        f"the {media_type} rendering of {location} does not name its member {url} in an "
        f"X-OCCI-Location line (T12 §4.4); it names {len(listed)} location(s)"
        + (f"; response headers: {names}" if names else "")
    )


@pytest.mark.requirement("JSON-COLL-02")
def test_query_interface_groups_are_arrays(occi: OCCISession) -> None:
    tree = json_qi(occi)
    for key in ("kinds", "mixins", "actions"):
        if key in tree:
            json_categories(tree, key)  # asserts an array of category objects


@pytest.mark.destructive
@pytest.mark.requirement("TEXT-URI-01")
def test_uri_list_names_a_new_member(occi: OCCISession) -> None:
    location = occi.require_kind(COMPUTE)
    url, _ = occi.create_compute(label="gap-uri-list")
    listing = occi.client.get(location, accept=URI_LIST)
    assert listing.status == 200, f"GET {location} as text/uri-list answered {listing.status}"
    assert listing.media_type == URI_LIST, f"the uri-list answer is {listing.media_type!r}"
    uris = set()
    for raw in listing.text.split("\n"):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        assert grammar.URI_REFERENCE.fullmatch(line), (
            f"text/uri-list line {line!r} is not a URI (RFC 2483: one URI per line)"
        )
        uris.add(occi.client.url(line))
    assert url in uris, f"the text/uri-list of {location} does not list its member {url}"


@pytest.mark.destructive
@pytest.mark.requirement("HTTP-SC-10")
def test_declined_user_mixins_are_not_404(occi: OCCISession) -> None:
    probe = occi.client.get("/-/", accept=TEXT_PLAIN)
    assert probe.status == 200, f"GET /-/ answered {probe.status}"
    mixins = UserMixins(occi)
    try:
        exchange = mixins.post(mixins.definition("gap-feature"))
    finally:
        mixins.cleanup()
    occi.note("HTTP-QI-11", f"a user mixin definition answered {exchange.status}")
    assert exchange.status != 404 and (exchange.status < 500 or exchange.status == 501), (
        f"POST of a user mixin to the query interface answered {exchange.status}. /-/ exists, "
        "so this can only mean the optional user-mixin feature is missing: that is 501 "
        "(H11 §3.6.8), not 404 or another 5xx"
    )


@pytest.mark.destructive
@pytest.mark.requirement("HTTP-FLT-03")
def test_attribute_filter_keeps_the_match(occi: OCCISession) -> None:
    location = occi.require_kind(COMPUTE)
    tag = uuid.uuid4().hex[:8]
    title_a, title_b = occi.title(f"gap-filter-A-{tag}"), occi.title(f"gap-filter-B-{tag}")
    url_a, _ = occi.create_compute(attributes={"occi.core.title": title_a})
    url_b, _ = occi.create_compute(attributes={"occi.core.title": title_b})
    exchange = occi.client.get(
        location,
        accept=TEXT_PLAIN,
        headers=[("X-OCCI-Attribute", grammar.format_attribute("occi.core.title", title_a))],
    )
    if exchange.status != 200:
        not_applicable(f"a filtered GET answered {exchange.status} (see HTTP-FLT-01)")
    listed = {occi.client.url(loc) for loc in occi.parse(exchange, "locations")}  # type: ignore[attr-defined]
    if url_a in listed and url_b in listed:
        not_applicable("the endpoint ignores attribute filters (see HTTP-FLT-01)")
    assert url_a in listed, (
        f"filtering {location} by occi.core.title={title_a!r} listed {len(listed)} entities "
        f"but not {url_a}, the one that matches"
        + (f"; it listed {url_b}, which does not match" if url_b in listed else "")
    )
