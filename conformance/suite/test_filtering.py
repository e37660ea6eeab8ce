"""Filtering (H12 §7, H11 §3.4) and pagination (H12 §6) of collections.

Filters are sent as text/occi headers whatever the Accept (HTTP-FLT-01), single-criterion
only (AMB-HTTP-14). Pagination sends page=0 and page=1 (AMB-HTTP-15) and checks only size
bounds. A filter or paging the endpoint ignores makes the dependent MUST checks n/a; the
SHOULD checks (HTTP-FLT-01, HTTP-PAG-01) are where that counts.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import pytest

from conformance.client import Exchange
from conformance.outcomes import not_applicable
from conformance.session import INFRA, OCCISession
from conformance.suite._entity_helpers import (
    COMPUTE,
    STORAGE,
    contains_location,
    json_member_ids,
    member_locations,
)
from occi_protocol import grammar
from occi_protocol.rendering import OCCI_JSON, TEXT_PLAIN


@dataclass
class Titled:
    a: str
    b: str
    title_a: str
    title_b: str


@pytest.fixture(scope="module")
def titled(occi: OCCISession) -> Titled:
    occi.require_kind(COMPUTE)
    tag = uuid.uuid4().hex[:8]
    title_a, title_b = occi.title(f"filter-A-{tag}"), occi.title(f"filter-B-{tag}")
    a, _ = occi.create_compute(attributes={"occi.core.title": title_a})
    b, _ = occi.create_compute(attributes={"occi.core.title": title_b})
    return Titled(a, b, title_a, title_b)


def _attribute_filter(occi: OCCISession, title: str, accept: str = TEXT_PLAIN) -> Exchange:
    header = grammar.format_attribute("occi.core.title", title)
    return occi.client.get(
        occi.require_kind(COMPUTE), accept=accept, headers=[("X-OCCI-Attribute", header)]
    )


def _listed(occi: OCCISession, exchange: Exchange) -> list[str]:
    if exchange.status == 204 or not (exchange.body.strip() or exchange.headers):
        return []
    return [occi.client.url(x) for x in occi.parse(exchange, "locations")]  # type: ignore[attr-defined]


def _probe(occi: OCCISession, titled: Titled) -> tuple[Exchange, list[str]]:
    exchange = _attribute_filter(occi, titled.title_a)
    listed = _listed(occi, exchange) if exchange.status in (200, 204) else []
    return exchange, listed


def _works(exchange: Exchange, listed: list[str], titled: Titled) -> bool:
    return (
        exchange.status == 200
        and contains_location(listed, titled.a)
        and not contains_location(listed, titled.b)
    )


# -- filtering --------------------------------------------------------------------------------


@pytest.mark.destructive
@pytest.mark.requirement("HTTP-FLT-01")
def test_attribute_filter_offered(occi: OCCISession, titled: Titled) -> None:
    exchange, listed = _probe(occi, titled)
    occi.note(
        "AMB-HTTP-14",
        f"an X-OCCI-Attribute filter answered {exchange.status}"
        + ("" if exchange.status != 200 else f", {len(listed)} entities"),
    )
    assert exchange.status < 500, f"a filtered GET answered {exchange.status}"
    assert _works(exchange, listed, titled), (
        f'GET on the compute collection with X-OCCI-Attribute occi.core.title="{titled.title_a}" '
        f"answered {exchange.status} listing {len(listed)} entities; filtering (H12 §7) should "
        "return only the matching one"
    )


@pytest.mark.destructive
@pytest.mark.requirement("HTTP-FLT-01b")
def test_attribute_filter_required_in_11(occi: OCCISession, titled: Titled) -> None:
    exchange, listed = _probe(occi, titled)
    assert _works(exchange, listed, titled), (
        f"an OCCI 1.1 server must filter collections by X-OCCI-Attribute (H11 §3.4.3); the "
        f"filtered GET answered {exchange.status} listing {len(listed)} entities"
    )


@pytest.mark.destructive
@pytest.mark.requirement("HTTP-FLT-03")
def test_attribute_filter_result(occi: OCCISession, titled: Titled, rendering: str) -> None:
    exchange, listed = _probe(occi, titled)
    # Only a filter that is ignored altogether (both listed) means "not offered"; one that
    # drops the match, or lists only the other entity, is a broken filter.
    if exchange.status != 200 or (
        contains_location(listed, titled.a) and contains_location(listed, titled.b)
    ):
        not_applicable(
            f"the endpoint does not filter by attribute (answered {exchange.status}; "
            "see HTTP-FLT-01)"
        )
    filtered = _attribute_filter(occi, titled.title_a, rendering)
    assert filtered.status == 200, f"the filtered GET as {rendering} answered {filtered.status}"
    if rendering == OCCI_JSON:
        ids = json_member_ids(occi, filtered)
        wanted, unwanted = occi.read(titled.a).id, occi.read(titled.b).id
        has_a, has_b = wanted in ids, unwanted in ids
        got = f"the ids {ids}"
    else:
        listed = _listed(occi, filtered)
        has_a, has_b = contains_location(listed, titled.a), contains_location(listed, titled.b)
        got = f"{len(listed)} entities"
    assert has_a, (
        f'filtering by occi.core.title="{titled.title_a}" as {rendering} returned {got} but not'
        f" {titled.a}, the one that matches"
        + (f"; it returned {titled.b}, which does not match" if has_b else "")
    )
    if has_b:
        # AMB-HTTP-14: a superset only warns under 1.2; 1.1 defines the filter exactly.
        message = f"the filtered {rendering} answer also lists {titled.b}, which does not match"
        assert occi.occi_version != "1.1", message
        occi.warn("AMB-HTTP-14", message)


@pytest.mark.requirement("HTTP-FLT-02")
def test_query_interface_category_filter(occi: OCCISession) -> None:
    occi.require_kind(COMPUTE)
    header = f'compute;scheme="{INFRA}";class="kind"'
    exchange = occi.client.get("-/", accept=TEXT_PLAIN, headers=[("Category", header)])
    assert exchange.status == 200, f"GET /-/ with a Category filter answered {exchange.status}"
    found = {c.id for c in occi.parse(exchange, "categories")}  # type: ignore[attr-defined]
    if found >= {k.id for k in occi.model.kinds}:
        not_applicable("the endpoint ignores Category filters on /-/ (the whole model came back)")
    assert COMPUTE in found, "the query interface filtered by the compute kind omits compute"
    assert STORAGE not in found, (
        "the query interface filtered by the compute kind still lists the storage kind"
    )
    if occi.occi_version == "1.1":
        assert found == {COMPUTE}, f"a 1.1 kind filter must return only that kind, got {found}"


@pytest.mark.requirement("HTTP-FLT-05")
def test_malformed_filter_refused(occi: OCCISession) -> None:
    location = occi.require_kind(COMPUTE)
    exchange = occi.client.get(location, accept=TEXT_PLAIN, headers=[("X-OCCI-Attribute", "=bad")])
    assert exchange.status == 400, (
        f"GET with the malformed filter 'X-OCCI-Attribute: =bad' answered {exchange.status}; "
        "a malformed filter is a client error (400)"
    )


# -- pagination -------------------------------------------------------------------------------


def _page(occi: OCCISession, page: int, number: int, accept: str = TEXT_PLAIN) -> Exchange:
    return occi.client.get(
        occi.require_kind(COMPUTE), accept=accept, params={"page": str(page), "number": str(number)}
    )


def _pages(occi: OCCISession, titled: Titled) -> tuple[int, list[int]]:
    """The full size of the compute collection and the sizes of pages 0 and 1 of size 1."""
    total = len(member_locations(occi, occi.require_kind(COMPUTE)))
    sizes = []
    for page in (0, 1):
        exchange = _page(occi, page, 1)
        assert exchange.status in (200, 204), (
            f"GET ?page={page}&number=1 answered {exchange.status}"
        )
        sizes.append(len(_listed(occi, exchange)))
    return total, sizes


@pytest.mark.destructive
@pytest.mark.requirement("HTTP-PAG-01")
def test_paging_offered(occi: OCCISession, titled: Titled) -> None:
    total, sizes = _pages(occi, titled)
    assert total >= 2, "the compute collection lists fewer than the two entities just created"
    assert all(size <= 1 for size in sizes), (
        f"pages of number=1 hold {sizes} entities (the collection has {total}); paging "
        "(H12 §6) should cut large collections"
    )


def _require_paging(occi: OCCISession, titled: Titled) -> None:
    _, sizes = _pages(occi, titled)
    if any(size > 1 for size in sizes):
        not_applicable("the endpoint does not page collections (see HTTP-PAG-01)")


@pytest.mark.destructive
@pytest.mark.requirement("HTTP-PAG-02")
def test_page_too_large(occi: OCCISession, titled: Titled) -> None:
    _require_paging(occi, titled)
    exchange = _page(occi, 0, 1_000_000_000)
    assert exchange.status == 413, (
        f"GET ?page=0&number=1000000000 answered {exchange.status}; more items per page than "
        "the provider serves must be answered 413 (H12 §6)"
    )


@pytest.mark.destructive
@pytest.mark.requirement("HTTP-PAG-03")
def test_page_past_the_end(occi: OCCISession, titled: Titled, rendering: str) -> None:
    _require_paging(occi, titled)
    exchange = _page(occi, 999_999, 10, rendering)
    if exchange.status == 204:
        occi.note("AMB-HTTP-05", "a page past the end answered 204")
        return
    assert exchange.status == 200, (
        f"GET ?page=999999&number=10 answered {exchange.status}; a page past the end is 200 "
        "with an empty collection"
    )
    if rendering == OCCI_JSON:
        assert json_member_ids(occi, exchange) == [], "a page past the end lists entities"
    else:
        assert _listed(occi, exchange) == [], "a page past the end lists locations"


@pytest.mark.destructive
@pytest.mark.requirement("CORE-COLL-03")
def test_whole_single_and_subset(occi: OCCISession, titled: Titled) -> None:
    location = occi.require_kind(COMPUTE)
    whole = member_locations(occi, location)
    assert contains_location(whole, titled.a) and contains_location(whole, titled.b), (
        f"the whole compute collection {location} does not list both suite computes"
    )
    single = occi.client.get(titled.a, accept=TEXT_PLAIN)
    assert single.status == 200, f"GET of one member {titled.a} answered {single.status}"
    subsets = []
    exchange, listed = _probe(occi, titled)
    if _works(exchange, listed, titled):
        subsets.append("filter")
    page = _page(occi, 0, 1)
    if page.status == 200 and len(_listed(occi, page)) <= 1 < len(whole):
        subsets.append("page")
    if not subsets:
        not_applicable(
            "the endpoint neither filters nor pages; the mixin-collection subset is checked by "
            "test_mixin_collection_is_a_subset"
        )
    occi.note("AMB-HTTP-14", "subsets of a kind collection via " + " and ".join(subsets))
