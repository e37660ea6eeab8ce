"""Content negotiation and the media-type headers (H12 §5.1–5.2, H11 §3.6.6, T12 §6–8, J12 §3)."""

from __future__ import annotations

import contextlib

import pytest

from conformance.session import OCCISession
from conformance.suite._wire import (
    COMPUTE,
    existing_or_new,
    occi_lines,
    soft_warning,
    version,
)
from occi_protocol.model import Resource
from occi_protocol.rendering import (
    JSON,
    OCCI_JSON,
    TEXT_OCCI,
    TEXT_OCCI_PLAIN,
    TEXT_PLAIN,
    URI_LIST,
    rendering_for,
)

OCCI_TYPES = (TEXT_PLAIN, TEXT_OCCI, OCCI_JSON)


@pytest.mark.requirement("HTTP-CN-01")
@pytest.mark.parametrize("accept", [None, "*/*"], ids=["no-accept", "any"])
def test_default_rendering_is_text_plain(occi: OCCISession, accept: str | None) -> None:
    exchange = occi.client.get("-/", accept=accept)
    occi.note("HTTP-CN-01", f"GET /-/ with Accept {accept!r} gave {exchange.media_type!r}")
    if version(occi) != "1.1":
        pytest.skip("n/a: the text/plain fallback is an OCCI 1.1 rule; 1.2 result recorded")
    assert exchange.status == 200, f"GET /-/ with Accept {accept!r} answered {exchange.status}"
    assert exchange.media_type == TEXT_PLAIN, (
        f"GET /-/ with Accept {accept!r} came back as {exchange.media_type!r}; without a"
        " preference the server uses text/plain (H11 §3.6.6)"
    )


@pytest.mark.requirement("HTTP-CN-02")
@pytest.mark.parametrize("media_type", [TEXT_PLAIN, TEXT_OCCI, URI_LIST, OCCI_JSON])
def test_mandatory_media_types_are_served(occi: OCCISession, media_type: str) -> None:
    if media_type == OCCI_JSON and version(occi) != "1.2":
        pytest.skip("n/a: JSON is optional in OCCI 1.1")
    location = occi.require_kind(COMPUTE) if media_type == URI_LIST else "-/"
    exchange = occi.client.get(location, accept=media_type)
    allowed = (200, 204) if media_type == URI_LIST else (200,)
    assert exchange.status in allowed, (
        f"GET {location} with Accept: {media_type} answered {exchange.status}"
    )
    if exchange.status == 200:
        assert exchange.media_type == media_type, (
            f"GET {location} with Accept: {media_type} came back as {exchange.media_type!r}"
        )


@pytest.mark.requirement("HTTP-CN-03")
@pytest.mark.parametrize("media_type", OCCI_TYPES)
def test_answer_uses_the_requested_rendering(occi: OCCISession, media_type: str) -> None:
    if media_type == OCCI_JSON:
        occi.require_rendering(media_type)
    exchange = occi.client.get("-/", accept=media_type)
    assert exchange.status == 200 and exchange.media_type == media_type, (
        f"GET /-/ with Accept: {media_type} answered {exchange.status} as"
        f" {exchange.media_type!r}; the server answers in the rendering asked for"
    )


@pytest.mark.requirement("HTTP-CN-03")
@pytest.mark.parametrize(
    ("accept", "expected"),
    [
        ("text/occi;q=0.5, text/plain", TEXT_PLAIN),
        ("text/plain;q=0.1, text/occi", TEXT_OCCI),
        ("application/x-occi-conformance-unknown, text/occi;q=0.2", TEXT_OCCI),
        ("text/plain; q=0, text/occi", TEXT_OCCI),
    ],
    ids=["q-prefers-plain", "q-prefers-occi", "skips-unknown", "q-zero-excludes"],
)
def test_accept_q_values_are_honoured(occi: OCCISession, accept: str, expected: str) -> None:
    exchange = occi.client.get("-/", accept=accept)
    assert exchange.status == 200 and exchange.media_type == expected, (
        f"GET /-/ with Accept: {accept} answered {exchange.status} as {exchange.media_type!r};"
        f" by RFC 9110 §12.5.1 q-values the answer is {expected}"
    )


@pytest.mark.requirement("HTTP-CN-03")
def test_accept_wildcard_subtype(occi: OCCISession) -> None:
    exchange = occi.client.get("-/", accept="text/*")
    assert exchange.status == 200, f"GET /-/ with Accept: text/* answered {exchange.status}"
    assert exchange.media_type in (TEXT_PLAIN, TEXT_OCCI, TEXT_OCCI_PLAIN), (
        f"GET /-/ with Accept: text/* came back as {exchange.media_type!r}; categories have only"
        " the text/plain and text/occi renderings"
    )


@pytest.mark.requirement("HTTP-SC-06")
def test_unsupported_accept_is_406(occi: OCCISession) -> None:
    exchange = occi.client.get("-/", accept="application/xml")
    assert exchange.status == 406, (
        f"GET /-/ with Accept: application/xml answered {exchange.status}; a server that cannot"
        " render the accepted type answers 406 (H12 §5.4)"
    )


@pytest.mark.requirement("HTTP-HDR-03")
def test_responses_advertise_accepted_types(occi: OCCISession) -> None:
    exchange = occi.client.get("-/", accept=TEXT_PLAIN)
    accept = (exchange.header("accept") or "").lower()
    missing = [t for t in OCCI_TYPES if t not in accept]
    if version(occi) == "1.1":
        missing = [t for t in missing if t != OCCI_JSON]
    assert accept and not missing, (
        f"the answer to GET /-/ carries Accept: {accept!r}; servers should list the OCCI media"
        f" types they handle (H12 §5.2), missing {missing}"
    )


@pytest.mark.requirement("HTTP-HDR-04")
def test_every_body_is_labelled(occi: OCCISession) -> None:
    compute = occi.require_kind(COMPUTE)
    probes = []
    for media_type in occi.discovery.renderings:
        probes.append((media_type, occi.client.get("-/", accept=media_type)))
        probes.append((media_type, occi.client.get(compute, accept=media_type)))
    missing_entity = occi.client.get(compute + "occi-conformance-no-such-entity", accept=TEXT_PLAIN)
    for media_type, exchange in probes:
        if not exchange.body:
            continue
        assert exchange.media_type == media_type, (
            f"{exchange.method} {exchange.url} with Accept: {media_type} answered a body labelled"
            f" {exchange.header('content-type')!r}; every body carries its media type (H12 §5.2)"
        )
    if missing_entity.body:
        assert missing_entity.header("content-type"), (
            f"the {missing_entity.status} answer to GET of an unknown entity has a body but no"
            " Content-Type"
        )


@pytest.mark.requirement("TEXT-PLAIN-01")
def test_text_plain_puts_rendering_in_body(occi: OCCISession) -> None:
    exchange = occi.client.get("-/", accept=TEXT_PLAIN)
    assert exchange.status == 200 and exchange.media_type == TEXT_PLAIN
    lines = occi_lines(exchange, TEXT_PLAIN)
    assert lines and all(name == "Category" for name, _ in lines), (
        "the text/plain query interface body should hold Category lines (T12 §6), got"
        f" {[n for n, _ in lines][:5]}"
    )
    categories = occi.parse(exchange, "categories")
    assert categories, "the text/plain body parses to no category"
    headers = {n.lower() for n, _ in exchange.headers}
    assert "category" not in headers, "text/plain answers carry the rendering in the body only"


@pytest.mark.requirement("TEXT-PLAIN-01b")
def test_text_occi_plain_alias(occi: OCCISession) -> None:
    if version(occi) != "1.2":
        pytest.skip("n/a: text/occi+plain is an OCCI 1.2 name")
    plain = occi.client.get("-/", accept=TEXT_PLAIN)
    alias = occi.client.get("-/", accept=TEXT_OCCI_PLAIN)
    assert alias.status == 200 and alias.media_type == TEXT_OCCI_PLAIN, (
        f"GET /-/ with Accept: text/occi+plain answered {alias.status} as {alias.media_type!r};"
        " T12 names text/occi+plain for the body rendering"
    )
    same = {c.id for c in occi.parse(alias, "categories", TEXT_PLAIN)} == {  # type: ignore[union-attr]
        c.id
        for c in occi.parse(plain, "categories")  # type: ignore[union-attr]
    }
    assert same, "text/occi+plain and text/plain list different categories"


@pytest.mark.requirement("JSON-GEN-01")
def test_json_media_type_everywhere(occi: OCCISession) -> None:
    occi.require_rendering(OCCI_JSON)
    targets = ["-/", occi.require_kind(COMPUTE), existing_or_new(occi)]
    for location in targets:
        exchange = occi.client.get(location, accept=OCCI_JSON)
        assert exchange.status == 200 and exchange.media_type == OCCI_JSON, (
            f"GET {location} with Accept: application/occi+json answered {exchange.status} as"
            f" {exchange.media_type!r} (J12 §3)"
        )


@pytest.mark.requirement("JSON-GEN-02")
def test_json_is_offered_under_12(occi: OCCISession) -> None:
    exchange = occi.client.get("-/", accept=OCCI_JSON)
    if version(occi) != "1.2" and exchange.status != 200:
        pytest.skip("n/a: JSON is optional in OCCI 1.1 and not offered")
    assert exchange.status == 200 and exchange.media_type == OCCI_JSON, (
        f"GET /-/ with Accept: application/occi+json answered {exchange.status} as"
        f" {exchange.media_type!r}; JSON is mandatory in OCCI 1.2"
    )


# --- request Content-Type -------------------------------------------------------------------


def _compute_body(occi: OCCISession, media_type: str):
    entity = Resource(
        kind=COMPUTE,
        mixins=tuple(occi.compute_mixins()),
        attributes={"occi.core.title": occi.title()},
    )
    return rendering_for(media_type).render_entity(entity)


def _forget_if_created(occi: OCCISession, exchange) -> None:
    if exchange.status in (200, 201):
        with contextlib.suppress(AssertionError):
            occi.created.append(occi.location_of(exchange))


@pytest.mark.destructive
@pytest.mark.requirement("HTTP-CN-04")
def test_request_body_parsed_by_content_type(occi: OCCISession, rendering: str) -> None:
    url, _ = occi.create_compute(rendering)
    entity = occi.read(url)
    assert entity.kind == COMPUTE, f"the compute created as {rendering} reads back as {entity.kind}"


@pytest.mark.destructive
@pytest.mark.requirement("JSON-GEN-04")
def test_application_json_request_is_accepted(occi: OCCISession) -> None:
    occi.require_rendering(OCCI_JSON)
    rendered = _compute_body(occi, OCCI_JSON)
    exchange = occi.client.post(
        occi.require_kind(COMPUTE), body=rendered.body, content_type=JSON, accept=OCCI_JSON
    )
    _forget_if_created(occi, exchange)
    assert exchange.status in (200, 201), (
        f"creating a compute with Content-Type: application/json answered {exchange.status};"
        " servers should accept the plain JSON type on input (AMB-JSON-07)"
    )


@pytest.mark.destructive
@pytest.mark.requirement("HTTP-HDR-02")
def test_body_without_content_type(occi: OCCISession) -> None:
    rendered = _compute_body(occi, TEXT_PLAIN)
    exchange = occi.client.post(occi.require_kind(COMPUTE), body=rendered.body, accept=TEXT_PLAIN)
    _forget_if_created(occi, exchange)
    occi.note("AMB-HTTP-12", f"a body without Content-Type answered {exchange.status}")
    assert exchange.status < 500, f"a body without Content-Type caused {exchange.status}"
    if exchange.status in (200, 201):
        # RFC 9110 §8.3 lets a recipient examine an unlabelled body; OCCI has no rule
        # (AMB-HTTP-12), so taking it is a reading the spec allows: a warning only.
        soft_warning(occi, "AMB-HTTP-12", "a body without Content-Type was accepted")
        return
    assert 400 <= exchange.status < 500, (
        f"a text/plain compute body sent without Content-Type answered {exchange.status}; the"
        " client must label its body (H12 §5.1), so the server should refuse it (400/406/415)"
    )


@pytest.mark.destructive
@pytest.mark.requirement("HTTP-HDR-02")
def test_unsupported_request_content_type(occi: OCCISession) -> None:
    exchange = occi.client.post(
        occi.require_kind(COMPUTE),
        body=b"<compute/>",
        content_type="application/xml",
        accept=TEXT_PLAIN,
    )
    _forget_if_created(occi, exchange)
    occi.note("AMB-HTTP-12", f"Content-Type application/xml answered {exchange.status}")
    assert exchange.status in (400, 406, 415), (
        f"a body of Content-Type application/xml answered {exchange.status}; 400, 406 or 415"
        " are the accepted refusals (AMB-HTTP-12)"
    )


@pytest.mark.requirement("HTTP-SEC-01")
def test_authentication_is_required(occi: OCCISession) -> None:
    if occi.config.auth.type == "none" and not occi.config.client_cert:
        pytest.skip("n/a: no credentials configured, so authentication cannot be probed")
    if occi.client.endpoint.startswith("http://"):
        soft_warning(occi, "HTTP-SEC-01", "the endpoint is plain http, not TLS")
    if occi.config.auth.type == "none":
        pytest.skip("n/a: only a client certificate is configured; TLS handles authentication")
    exchange = occi.client.get("-/", accept=TEXT_PLAIN, authenticate=False)
    assert exchange.status == 401, (
        f"GET /-/ without credentials answered {exchange.status}; an authenticating server"
        " answers 401 (H12 §12)"
    )
    assert exchange.header("www-authenticate"), "the 401 answer lacks WWW-Authenticate"


@pytest.mark.requirement("HTTP-HDR-01")
def test_suite_sends_accept(occi: OCCISession) -> None:
    exchange = occi.client.get("-/", accept=TEXT_PLAIN)
    sent = [v for k, v in exchange.request_headers if k.lower() == "accept"]
    assert sent, "the suite's request carried no Accept header (H12 §5.1 asks clients to send it)"
