"""Status codes (H12 §5.4, H11 §3.6.8): what an endpoint answers to requests it cannot serve."""

from __future__ import annotations

import contextlib

import pytest

from conformance.client import Exchange
from conformance.outcomes import not_applicable
from conformance.session import OCCISession
from conformance.suite._entity_helpers import UserMixins
from conformance.suite._wire import COMPUTE, soft_warning, version
from occi_protocol.rendering import TEXT_OCCI, TEXT_PLAIN

MINIMUM_SET = {200, 201, 204, 400, 401, 403, 404, 405, 406, 409, 413, 500, 501, 503}
_NO_SUCH = "occi-conformance-no-such-entity"


def _compute_category() -> str:
    return 'compute;scheme="http://schemas.ogf.org/occi/infrastructure#";class="kind"'


def _forget_if_created(occi: OCCISession, exchange: Exchange) -> None:
    """A server that wrongly accepted a probe created something: delete it at the end."""
    if exchange.status in (200, 201):
        with contextlib.suppress(AssertionError):
            occi.created.append(occi.location_of(exchange))


@pytest.mark.requirement("HTTP-SC-01")
def test_statuses_stay_in_the_minimum_set(occi: OCCISession) -> None:
    compute = occi.require_kind(COMPUTE)
    probes = [
        occi.client.get("-/", accept=TEXT_PLAIN),
        occi.client.get(compute, accept=TEXT_PLAIN),
        occi.client.get(compute + _NO_SUCH, accept=TEXT_PLAIN),
        occi.client.get("-/", accept="application/xml"),
        occi.client.get("-/", accept=TEXT_PLAIN, user_agent="occi-conformance OCCI/9.9"),
        occi.client.get(compute, accept=TEXT_PLAIN, params={"page": "0", "number": "1"}),
    ]
    outside = [f"{e.method} {e.url} -> {e.status}" for e in probes if e.status not in MINIMUM_SET]
    assert not outside, (
        "answers outside the status codes H12 §5.4 requires clients to understand: "
        + "; ".join(outside)
    )


@pytest.mark.destructive
@pytest.mark.requirement("HTTP-SC-02")
@pytest.mark.parametrize("media_type", [TEXT_PLAIN, TEXT_OCCI])
def test_unparseable_request_is_400(occi: OCCISession, media_type: str) -> None:
    broken = 'compute; scheme="http://schemas.ogf.org/occi/infrastructure#'
    if media_type == TEXT_PLAIN:
        exchange = occi.client.post(
            occi.require_kind(COMPUTE),
            body=f"Category: {broken}\n",
            content_type=media_type,
            accept=TEXT_PLAIN,
        )
    else:
        exchange = occi.client.post(
            occi.require_kind(COMPUTE),
            headers=[("Category", broken)],
            content_type=media_type,
            accept=TEXT_PLAIN,
        )
    _forget_if_created(occi, exchange)
    assert exchange.status == 400, (
        f"a {media_type} Category whose scheme quote never closes answered {exchange.status};"
        " a request that cannot be parsed gets 400 (H11 §3.6.8)"
    )


@pytest.mark.destructive
@pytest.mark.requirement("HTTP-SC-03")
def test_immutable_change_is_403_in_11(occi: OCCISession) -> None:
    if version(occi) != "1.1":
        pytest.skip("n/a: the 403 mapping is the OCCI 1.1 status table")
    url, _ = occi.create_compute()
    exchange = occi.client.post(
        url,
        headers=[("X-OCCI-Attribute", 'occi.compute.state="suspended"')],
        content_type=TEXT_OCCI,
        accept=TEXT_PLAIN,
    )
    occi.note("AMB-HTTP-10", f"changing an immutable attribute answered {exchange.status}")
    assert exchange.status == 403, (
        f"changing occi.compute.state answered {exchange.status}; the 1.1 table gives 403"
    )


@pytest.mark.destructive
@pytest.mark.requirement("HTTP-SC-04")
def test_unknown_kind_is_400_or_404(occi: OCCISession) -> None:
    category = 'compute;scheme="http://occi-conformance.example.org/no-such-scheme#";class="kind"'
    exchange = occi.client.post(
        occi.require_kind(COMPUTE),
        headers=[("Category", category)],
        content_type=TEXT_OCCI,
        accept=TEXT_PLAIN,
    )
    _forget_if_created(occi, exchange)
    occi.note("AMB-HTTP-11", f"an unknown kind answered {exchange.status}")
    assert exchange.status in (400, 404), (
        f"creating with a kind of an unknown scheme answered {exchange.status}; 404 (H11) or 400"
        " are the accepted answers (AMB-HTTP-11)"
    )


@pytest.mark.destructive
@pytest.mark.requirement("HTTP-SC-05")
@pytest.mark.parametrize("target", ["query-interface", "kind-collection"])
def test_put_without_meaning_is_405(occi: OCCISession, target: str) -> None:
    if target == "kind-collection":
        # A broken server may read an empty PUT as "replace the membership" and delete every
        # compute, not only the run's: throwaway endpoints only.
        occi.require_capability("disposable")
    location = "-/" if target == "query-interface" else occi.require_kind(COMPUTE)
    exchange = occi.client.put(location, body=b"", content_type=TEXT_PLAIN, accept=TEXT_PLAIN)
    assert exchange.status < 500 or exchange.status == 501, (
        f"PUT {location} caused {exchange.status}"
    )
    if exchange.status in (400, 501):  # the catalogue's policy: accepted with a warning
        soft_warning(occi, "HTTP-SC-05", f"PUT {location} answered {exchange.status}, not 405")
        return
    assert exchange.status == 405, (
        f"PUT {location} answered {exchange.status}; PUT has no meaning there (H12 §8), which"
        " is 405 Method Not Allowed (400 or 501 pass with a warning)"
    )
    allow = exchange.header("allow")
    assert allow and "PUT" not in allow.upper().replace(" ", "").split(","), (
        f"the 405 answer to PUT {location} carries Allow: {allow!r}; RFC 9110 §15.5.6 requires"
        " an Allow header listing the methods that do work"
    )


@pytest.mark.destructive
@pytest.mark.requirement("HTTP-SC-07")
def test_ambiguous_action_term_is_409(occi: OCCISession) -> None:
    if version(occi) != "1.1":
        pytest.skip("n/a: the 409 mapping is the OCCI 1.1 status table")
    url, _ = occi.create_compute()
    entity = occi.read(url)
    terms = [
        a.rpartition("#")[2] for a in occi.model.applicable_actions(entity.kind, entity.mixins)
    ]
    twice = sorted({t for t in terms if terms.count(t) > 1})
    if not twice:
        not_applicable("no entity offers two actions with the same term")
    exchange = occi.client.post(url, params={"action": twice[0]}, accept=TEXT_PLAIN)
    assert exchange.status == 409, f"an ambiguous action term answered {exchange.status}"


@pytest.mark.destructive
@pytest.mark.requirement("HTTP-SC-08")
def test_deleted_entity_is_404_or_410(occi: OCCISession) -> None:
    url, _ = occi.create_compute()
    gone = occi.delete(url)
    assert gone.status in (200, 204), f"DELETE of a compute answered {gone.status}"
    exchange = occi.client.get(url, accept=TEXT_PLAIN)
    occi.note("HTTP-SC-08", f"GET after DELETE answered {exchange.status}")
    assert exchange.status in (404, 410), f"GET of a deleted compute answered {exchange.status}"


@pytest.mark.destructive
@pytest.mark.requirement("HTTP-SC-09")
def test_500_leaves_nothing_half_done(occi: OCCISession) -> None:
    if version(occi) != "1.1":
        pytest.skip("n/a: the rollback rule is stated by OCCI 1.1")
    url, _ = occi.create_compute()
    before = occi.read(url)
    exchange = occi.client.post(
        url,
        headers=[("X-OCCI-Attribute", 'occi.core.title="x", occi.compute.cores=.')],
        content_type=TEXT_OCCI,
        accept=TEXT_PLAIN,
    )
    if exchange.status != 500:
        not_applicable(f"the probe answered {exchange.status}, not 500: nothing to roll back")
    after = occi.read(url)
    assert after.attributes == before.attributes, "a request answered 500 changed the entity"


@pytest.mark.requirement("HTTP-SC-10")
def test_unsupported_features_answer_501_or_4xx(occi: OCCISession) -> None:
    compute = occi.require_kind(COMPUTE)
    probes = [
        occi.client.get(compute, accept=TEXT_PLAIN, params={"page": "0", "number": "1"}),
        occi.client.get(
            compute,
            accept=TEXT_PLAIN,
            headers=[("X-OCCI-Attribute", 'occi.core.title="occi-conformance-filter"')],
        ),
        occi.client.get(
            "-/",
            accept=TEXT_PLAIN,
            headers=[("Category", _compute_category())],
        ),
    ]
    for exchange in probes:
        _check_feature_answer(exchange, "an optional feature: paging or filtering")


@pytest.mark.destructive
@pytest.mark.requirement("HTTP-SC-10")
def test_declined_user_mixins_answer_501_or_4xx(occi: OCCISession) -> None:
    probe = occi.client.get("-/", accept=TEXT_PLAIN)
    assert probe.status == 200, f"GET /-/ answered {probe.status}"
    mixins = UserMixins(occi)
    try:
        exchange = mixins.post(mixins.definition("feature-probe"))
    finally:
        mixins.cleanup()
    occi.note("HTTP-QI-11", f"a user mixin definition answered {exchange.status}")
    _check_feature_answer(exchange, "the optional user-mixin feature; /-/ itself exists")


def _check_feature_answer(exchange: Exchange, what: str) -> None:
    """An optional feature the endpoint lacks: 501 or the feature's own 4xx, not 404 (the
    path exists) and no other 5xx (H11 §3.6.8)."""
    assert exchange.status != 404 and (exchange.status < 500 or exchange.status == 501), (
        f"{exchange.method} {exchange.url} ({what}) answered {exchange.status}; an unsupported"
        " feature is 501 (or its own 4xx), never 404 or another 5xx (H11 §3.6.8)"
    )


@pytest.mark.destructive
@pytest.mark.requirement("HTTP-SC-11")
def test_asynchronous_answers_carry_location(occi: OCCISession) -> None:
    from occi_protocol.model import Resource
    from occi_protocol.rendering import rendering_for

    entity = Resource(
        kind=COMPUTE,
        mixins=tuple(occi.compute_mixins()),
        attributes={"occi.core.title": occi.title()},
    )
    rendered = rendering_for(TEXT_PLAIN).render_entity(entity)
    exchange = occi.client.post(
        occi.require_kind(COMPUTE), body=rendered.body, content_type=TEXT_PLAIN, accept=TEXT_PLAIN
    )
    _forget_if_created(occi, exchange)
    if exchange.status != 202:
        not_applicable(f"the create answered {exchange.status}, not 202 (no asynchronous answer)")
    soft_warning(occi, "HTTP-SC-11", "a create answered 202")
    assert exchange.header("location"), "the 202 answer carries no Location of a task resource"
