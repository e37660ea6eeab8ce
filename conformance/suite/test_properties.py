"""Property tests against the endpoint (hypothesis; destructive).

* Valid attribute values (titles and summaries full of quotes, commas, semicolons,
  backslashes, "=", non-ASCII; numbers in range) survive creation in one rendering and reading
  in every rendering the endpoint serves.
* Invalid requests (malformed Category lines, values of the wrong type or out of range) get a
  4xx and change nothing; unknown attributes are refused or ignored, never a 5xx.
* Attribute filters return exactly the run's entities that match.

Bounded (few examples, no deadline) so the run stays short; every entity made is the run's
and is deleted again.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Callable

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conformance.client import Exchange
from conformance.outcomes import not_applicable
from conformance.session import OCCISession
from conformance.suite._infra import COMPUTE, NETWORK
from occi_protocol import grammar
from occi_protocol.model import Resource
from occi_protocol.rendering import TEXT_OCCI, TEXT_PLAIN, rendering_for
from occi_protocol.testing.strategies import attribute_names, text_values

requirement = pytest.mark.requirement
destructive = pytest.mark.destructive
BOUNDED = settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def send_entity(
    occi: OCCISession, method: str, location: str, media_type: str, entity: Resource
) -> Exchange:
    rendered = rendering_for(media_type).render_entity(entity)
    return occi.client.request(
        method,
        location,
        headers=rendered.headers,
        body=rendered.body,
        content_type=media_type,
        accept=media_type,
    )


def subject_kind(occi: OCCISession) -> str:
    """Networks carry a bounded number (vlan) and need no templates; else computes."""
    if occi.model.kind(NETWORK) is not None:
        return NETWORK
    occi.require_kind(COMPUTE)
    return COMPUTE


def base_mixins(occi: OCCISession, kind_id: str) -> list[str]:
    return occi.compute_mixins() if kind_id == COMPUTE else []


def members(occi: OCCISession, kind_id: str) -> set[str]:
    return set(occi.list(occi.require_kind(kind_id)))


# -- round trips ----------------------------------------------------------------------------


@destructive
@requirement("CORE-MUT-01", "TEXT-ATTR-06", "HTTP-ENT-01")
@BOUNDED
@given(
    data=st.data(),
    title=text_values(),
    summary=text_values(),
    vlan=st.integers(min_value=0, max_value=4095),
)
def test_attribute_values_round_trip(
    occi: OCCISession, data: st.DataObject, title: str, summary: str, vlan: int
) -> None:
    kind_id = subject_kind(occi)
    created_in = data.draw(st.sampled_from(occi.discovery.renderings), label="create rendering")
    sent: dict[str, object] = {
        "occi.core.title": f"{occi.run_id} {title}",
        "occi.core.summary": summary,
    }
    if kind_id == NETWORK:
        sent["occi.network.vlan"] = vlan
    entity = Resource(kind=kind_id, mixins=tuple(base_mixins(occi, kind_id)), attributes=sent)
    exchange = send_entity(occi, "POST", occi.require_kind(kind_id), created_in, entity)
    assert exchange.status in (200, 201), (
        f"creating with valid values in {created_in} answered {exchange.status}: "
        f"{exchange.text[:300]}"
    )
    url = occi.location_of(exchange)
    occi.created.append(url)
    try:
        for media_type in occi.discovery.renderings:
            got = occi.read(url, media_type).attributes
            for name, value in sent.items():
                if name == "occi.core.summary" and value == "" and got.get(name) is None:
                    continue  # an empty summary may read back absent (TEXT-ATTR-12)
                assert got.get(name) == value, (
                    f"{name} sent as {value!r} in {created_in} reads back as "
                    f"{got.get(name)!r} in {media_type}"
                )
    finally:
        occi.delete(url)


# -- invalid requests -----------------------------------------------------------------------


def _kind_line(kind_id: str) -> str:
    scheme, _, term = kind_id.rpartition("#")
    return f'{term};scheme="{scheme}#";class="kind"'


#: Ways to break a Category line, each yielding something the T12 §4.1 grammar refuses.
MANGLERS: dict[str, Callable[[str, str], str]] = {
    "unclosed-scheme-quote": lambda line, junk: line.replace('#";', "#;", 1),
    "no-scheme": lambda line, junk: line.split(";", 1)[0] + ';class="kind"',
    "scheme-without-hash": lambda line, junk: line.replace('#"', '"', 1),
    "bad-class": lambda line, junk: line.replace('"kind"', '"thing"'),
    "space-in-term": lambda line, junk: "bad term" + line[line.index(";") :],
    "empty-term": lambda line, junk: line[line.index(";") :],
    "junk-after": lambda line, junk: line + ';"' + junk.replace('"', ""),
    "junk-only": lambda line, junk: ";" + junk,
}


@destructive
@requirement("HTTP-SC-02")
@BOUNDED
@given(
    data=st.data(),
    mangler=st.sampled_from(sorted(MANGLERS)),
    junk=text_values(),
)
def test_malformed_category_refused(
    occi: OCCISession, data: st.DataObject, mangler: str, junk: str
) -> None:
    kind_id = subject_kind(occi)
    media_type = data.draw(
        st.sampled_from([m for m in (TEXT_PLAIN, TEXT_OCCI) if occi.supports(m)]), label="media"
    )
    marker = uuid.uuid4().hex
    line = MANGLERS[mangler](_kind_line(kind_id), junk)
    pairs = [
        ("Category", line),
        (
            "X-OCCI-Attribute",
            grammar.format_attribute("occi.core.title", f"{occi.run_id} {marker}"),
        ),
    ]
    location = occi.require_kind(kind_id)
    before = members(occi, kind_id)
    exchange = _send_lines(occi, location, media_type, pairs)
    _check_refused(occi, exchange, kind_id, before, marker, f"Category: {line}")


def _send_lines(
    occi: OCCISession, location: str, media_type: str, pairs: list[tuple[str, str]]
) -> Exchange:
    if media_type == TEXT_OCCI:
        return occi.client.request(
            "POST",
            location,
            headers=pairs,
            body=b"OK",
            content_type=TEXT_OCCI,
            accept=TEXT_PLAIN,
        )
    body = "".join(f"{k}: {v}\n" for k, v in pairs).encode("utf-8")
    return occi.client.request(
        "POST", location, body=body, content_type=TEXT_PLAIN, accept=TEXT_PLAIN
    )


def _check_refused(
    occi: OCCISession, exchange: Exchange, kind_id: str, before: set[str], marker: str, what: str
) -> None:
    if exchange.status in (200, 201):
        with contextlib.suppress(AssertionError):
            occi.created.append(occi.location_of(exchange))
    assert 400 <= exchange.status < 500, f"the invalid request ({what}) answered {exchange.status}"
    after = members(occi, kind_id)
    for url in after - before:
        if url in occi.created:
            continue
        got = occi.client.get(url, accept=TEXT_PLAIN)
        if got.status == 200:
            assert marker not in got.text, f"the refused request ({what}) still created {url}"


#: Values the kind's attribute definitions exclude: (attribute, value, kinds it applies to).
WRONG_VALUES = st.one_of(
    st.tuples(st.just("occi.network.vlan"), st.integers(min_value=4096, max_value=10**9)),
    st.tuples(
        st.just("occi.network.vlan"),
        text_values().filter(lambda t: not t.strip().replace(".", "", 1).isdigit()),
    ),
    st.tuples(st.just("occi.network.vlan"), st.booleans()),
    st.tuples(
        st.just("occi.compute.architecture"),
        text_values().filter(lambda t: t not in ("x86", "x64")),
    ),
    st.tuples(
        st.just("occi.compute.cores"),
        text_values().filter(lambda t: not t.strip().replace(".", "", 1).isdigit()),
    ),
)


@destructive
@requirement("INFRA-COMPUTE-09", "INFRA-NET-04", "HTTP-SC-02")
@BOUNDED
@given(data=st.data(), wrong=WRONG_VALUES)
def test_wrong_typed_values_refused(
    occi: OCCISession, data: st.DataObject, wrong: tuple[str, object]
) -> None:
    name, value = wrong
    kind_id = NETWORK if name.startswith("occi.network.") else COMPUTE
    if occi.model.kind(kind_id) is None:
        not_applicable(f"the endpoint does not offer {kind_id}")
    media_type = data.draw(st.sampled_from(occi.discovery.renderings), label="media")
    marker = uuid.uuid4().hex
    values = {"occi.core.title": f"{occi.run_id} {marker}", name: value}
    entity = Resource(kind=kind_id, mixins=tuple(base_mixins(occi, kind_id)), attributes=values)
    before = members(occi, kind_id)
    exchange = send_entity(occi, "POST", occi.require_kind(kind_id), media_type, entity)
    _check_refused(occi, exchange, kind_id, before, marker, f"{name}={value!r} in {media_type}")


@destructive
@requirement("CORE-ATTR-06")
@BOUNDED
@given(
    data=st.data(),
    name=attribute_names().filter(lambda n: not n.startswith("occi.")),
    value=text_values(),
)
def test_unknown_attributes_never_5xx(
    occi: OCCISession, data: st.DataObject, name: str, value: str
) -> None:
    kind_id = subject_kind(occi)
    media_type = data.draw(st.sampled_from(occi.discovery.renderings), label="media")
    name = f"org.example.occi-conformance.{name}"
    values = {"occi.core.title": f"{occi.run_id} unknown-attribute", name: value}
    entity = Resource(kind=kind_id, mixins=tuple(base_mixins(occi, kind_id)), attributes=values)
    exchange = send_entity(occi, "POST", occi.require_kind(kind_id), media_type, entity)
    assert exchange.status < 500, f"an unknown attribute {name} answered {exchange.status}"
    assert exchange.status in (200, 201) or 400 <= exchange.status < 500
    if exchange.status in (200, 201):
        url = occi.location_of(exchange)
        occi.created.append(url)
        kept = name in occi.read(url).attributes
        occi.note("CORE-ATTR-06", f"unknown attribute accepted and {'kept' if kept else 'dropped'}")
        occi.delete(url)
    else:
        occi.note("CORE-ATTR-06", f"unknown attribute refused with {exchange.status}")


# -- filters --------------------------------------------------------------------------------

POOL_TITLES = ('a "quoted", title', "b; semi=colon \\ back", "c ☃ unicode", "d plain")


@pytest.fixture(scope="module")
def filter_pool(occi: OCCISession) -> dict[str, dict[str, object]]:
    """A few of the run's entities with distinct titles and shared summaries."""
    kind_id = subject_kind(occi)
    pool: dict[str, dict[str, object]] = {}
    for index, title in enumerate(POOL_TITLES):
        values = {
            "occi.core.title": f"{occi.run_id} {title}",
            "occi.core.summary": f"{occi.run_id} group-{index % 2}",
        }
        entity = Resource(kind=kind_id, mixins=tuple(base_mixins(occi, kind_id)), attributes=values)
        exchange = send_entity(occi, "POST", occi.require_kind(kind_id), TEXT_PLAIN, entity)
        assert exchange.status in (200, 201), (
            f"creating a filter subject answered {exchange.status}"
        )
        url = occi.location_of(exchange)
        occi.created.append(url)
        pool[url] = values
    return pool


def filtered(occi: OCCISession, kind_id: str, name: str, value: object) -> tuple[int, set[str]]:
    header = ("X-OCCI-Attribute", grammar.format_attribute(name, value))
    exchange = occi.client.request(
        "GET",
        occi.require_kind(kind_id),
        headers=[header],
        accept=TEXT_PLAIN,
        content_type=TEXT_OCCI,
    )
    if exchange.status not in (200, 204):
        return exchange.status, set()
    if exchange.status == 204 or not exchange.body.strip():
        return exchange.status, set()
    return exchange.status, {occi.client.url(u) for u in occi.parse(exchange, "locations")}  # type: ignore[attr-defined]


@destructive
@requirement("HTTP-FLT-03")
@BOUNDED
@given(data=st.data())
def test_attribute_filter_selects_matching(
    occi: OCCISession, data: st.DataObject, filter_pool: dict[str, dict[str, object]]
) -> None:
    kind_id = subject_kind(occi)
    probe_status, probe = filtered(occi, kind_id, "occi.core.title", f"{occi.run_id} none")
    if probe_status not in (200, 204) or set(filter_pool) & probe:
        occi.note("AMB-HTTP-14", f"attribute filters are not supported ({probe_status})")
        not_applicable("the endpoint ignores or refuses attribute filters (HTTP-FLT-01)")
    name = data.draw(st.sampled_from(["occi.core.title", "occi.core.summary"]), label="name")
    known = sorted({str(v[name]) for v in filter_pool.values()})
    value = data.draw(
        st.sampled_from(known) | text_values().map(lambda t: f"{occi.run_id} {t}"), label="value"
    )
    status, got = filtered(occi, kind_id, name, value)
    assert status in (200, 204), f"the filter {name}={value!r} answered {status}"
    expected = {url for url, values in filter_pool.items() if values[name] == value}
    ours = got & set(filter_pool)
    assert ours == expected, (
        f"the filter {name}={value!r} returned {sorted(ours)} of the run's entities; "
        f"exactly {sorted(expected)} match"
    )
