"""text/uri-list (T12 §8, H11 §3.6.6.3): only for lists of locations."""

from __future__ import annotations

import pytest

from conformance.session import OCCISession
from conformance.suite._wire import (
    COMPUTE,
    existing_or_new,
    path_of,
    soft_warning,
    version,
)
from occi_protocol import grammar
from occi_protocol.rendering import TEXT_OCCI, URI_LIST


def _uris(occi: OCCISession, text: str) -> set[str]:
    uris = set()
    for raw in text.split("\n"):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        assert grammar.URI_REFERENCE.fullmatch(line), (
            f"text/uri-list line {line!r} is not a URI (RFC 2483: one URI per line)"
        )
        uris.add(occi.client.url(line))
    return uris


@pytest.mark.requirement("TEXT-URI-01")
def test_collection_as_uri_list_equals_x_occi_location(occi: OCCISession) -> None:
    location = occi.require_kind(COMPUTE)
    member = existing_or_new(occi)  # a member both lists must name: nothing passes vacuously
    listing = occi.client.get(location, accept=URI_LIST)
    headers = occi.client.get(location, accept=TEXT_OCCI)
    assert listing.status in (200, 204), (
        f"GET {location} as text/uri-list answered {listing.status}"
    )
    assert headers.status in (200, 204), f"GET {location} as text/occi answered {headers.status}"
    if listing.status == 200:
        assert listing.media_type == URI_LIST, (
            f"the uri-list answer is labelled {listing.media_type!r}"
        )
    from_list = _uris(occi, listing.text)
    assert path_of(member) in {path_of(u) for u in from_list}, (
        f"the text/uri-list of {location} ({listing.status}, {len(from_list)} URIs) does not"
        f" list its member {member}"
    )
    from_headers = set()
    if headers.status == 200:  # Location-header lists are read with a warning (AMB-TXT-02)
        from_headers = {occi.client.url(v) for v in occi.parse(headers, "locations")}  # type: ignore[attr-defined]
    assert from_list == from_headers, (
        f"GET {location}: text/uri-list lists {len(from_list)} URIs, text/occi X-OCCI-Location"
        f" {len(from_headers)}; they must be the same set. Only in uri-list:"
        f" {sorted(from_list - from_headers)[:5]}, only in text/occi:"
        f" {sorted(from_headers - from_list)[:5]}"
    )


def _check_refusal(occi: OCCISession, what: str, status: int) -> None:
    if status == 406:
        soft_warning(occi, "AMB-HTTP-18", f"text/uri-list for {what} answered 406, not 400")
        return
    assert status == 400, (
        f"GET of {what} with Accept: text/uri-list answered {status}; T12 §8 says 400 (a"
        " category or entity has no URI-list form)"
    )


@pytest.mark.requirement("TEXT-URI-02")
def test_uri_list_for_query_interface_is_400(occi: OCCISession) -> None:
    _check_refusal(occi, "the query interface", occi.client.get("-/", accept=URI_LIST).status)


@pytest.mark.requirement("TEXT-URI-02")
def test_uri_list_for_entity_is_400(occi: OCCISession) -> None:
    url = existing_or_new(occi)
    _check_refusal(occi, "an entity", occi.client.get(url, accept=URI_LIST).status)


@pytest.mark.destructive
@pytest.mark.requirement("HTTP-NS-06")
def test_namespace_path_lists_entities(occi: OCCISession) -> None:
    if version(occi) != "1.1":
        pytest.skip("n/a: namespace listings are defined by OCCI 1.1 only")
    url, _ = occi.create_compute()
    parent = url.rsplit("/", 1)[0] + "/"
    kind_locations = {occi.client.url(k.location) for k in occi.model.kinds if k.location}
    if parent in kind_locations:
        pytest.skip("n/a: the entity's parent path is its kind location")
    exchange = occi.client.get(parent, accept=URI_LIST)
    assert exchange.status == 200, f"GET {parent} as text/uri-list answered {exchange.status}"
    assert url in _uris(occi, exchange.text), f"GET {parent} does not list {url}"
