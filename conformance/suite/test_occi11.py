"""OCCI 1.1-only behaviour (H11 = GFD.185; catalogue entries with occi "1.1").

Every test here runs only when the endpoint speaks 1.1 (an ``OCCI/1.1`` Server token, or
``occi_version: 1.1`` in the configuration); against a 1.2-only endpoint it is n/a with the
reason.
"""

from __future__ import annotations

import time
import uuid
from urllib.parse import urlsplit

import pytest

from conformance.client import Exchange
from conformance.outcomes import not_applicable
from conformance.session import OCCISession
from conformance.suite import _infra as inf
from conformance.suite._infra import COMPUTE, NETWORK, STORAGE, STORAGELINK
from occi_protocol import grammar
from occi_protocol.model import ENTITY, Resource
from occi_protocol.rendering import TEXT_OCCI, TEXT_PLAIN, URI_LIST

requirement = pytest.mark.requirement
destructive = pytest.mark.destructive


@pytest.fixture(autouse=True)
def _only_11(occi: OCCISession) -> None:
    inf.require_11(occi)


def _compute(occi: OCCISession, label: str = "") -> str:
    url, _ = occi.create_compute(label=label)
    return url


def _attribute_filter(occi: OCCISession, location: str, name: str, value: object) -> Exchange:
    return occi.client.request(
        "GET",
        location,
        headers=[("X-OCCI-Attribute", grammar.format_attribute(name, value))],
        content_type=TEXT_OCCI,
        accept=TEXT_PLAIN,
    )


def _listed(occi: OCCISession, exchange: Exchange) -> set[str]:
    if exchange.status == 204 or not exchange.body.strip():
        return set()
    return {occi.client.url(u) for u in occi.parse(exchange, "locations")}  # type: ignore[attr-defined]


# -- namespace ------------------------------------------------------------------------------


@requirement("HTTP-NS-04")
def test_locations_end_with_slash(occi: OCCISession) -> None:
    wrong = []
    for category in [*occi.model.kinds, *occi.model.mixins]:
        if category.id == ENTITY:
            continue
        location = category.location
        if not location or not urlsplit(location).path.endswith("/"):
            wrong.append(f"{category.id} -> {location!r}")
    assert not wrong, f"1.1 locations must exist and end in '/': {wrong}"


@destructive
@requirement("HTTP-NS-06")
def test_unbound_path_lists_instances(occi: OCCISession) -> None:
    url = _compute(occi)
    path = urlsplit(url).path
    parent = path[: path.rstrip("/").rfind("/") + 1]
    kind_paths = {
        urlsplit(occi.client.url(k.location)).path for k in occi.model.kinds if k.location
    }
    if parent in kind_paths:
        not_applicable(f"the compute lives directly in its kind location {parent}")
    exchange = occi.client.get(parent, accept=URI_LIST)
    assert exchange.status == 200, f"GET on the unbound path {parent} answered {exchange.status}"
    listed = {occi.client.url(u) for u in occi.parse(exchange, "locations")}  # type: ignore[attr-defined]
    assert url in listed, f"GET {parent} does not list the entity {url} below it"


# -- status codes ---------------------------------------------------------------------------


@destructive
@requirement("HTTP-SC-03")
def test_403_for_immutable_and_foreign_mixin(occi: OCCISession) -> None:
    url = _compute(occi)
    exchange = inf.partial_update(occi, url, COMPUTE, {"occi.compute.state": "suspended"})
    assert exchange.status == 403, (
        f"changing the immutable occi.compute.state answered {exchange.status}; H11 says 403"
    )
    templates = inf.templates(occi, inf.OS_TPL)
    if occi.model.kind(STORAGE) is not None and templates:
        refused = inf.try_create(occi, STORAGE, {"occi.storage.size": 1.0}, [templates[0].id])
        assert refused.status == 403, (
            f"a storage with an OS template answered {refused.status}; H11 says 403"
        )


@destructive
@requirement("HTTP-SC-04")
def test_unknown_kind_is_404_or_400(occi: OCCISession) -> None:
    location = occi.require_kind(COMPUTE)
    line = 'compute;scheme="http://occi-conformance.example.org/nosuch#";class="kind"'
    title = grammar.format_attribute("occi.core.title", occi.title())
    exchange = occi.client.request(
        "POST",
        location,
        body=f"Category: {line}\nX-OCCI-Attribute: {title}\n".encode(),
        content_type=TEXT_PLAIN,
        accept=TEXT_PLAIN,
    )
    if exchange.status in (200, 201):
        occi.created.append(occi.location_of(exchange))
    assert exchange.status in (400, 404), f"an unknown kind answered {exchange.status}"
    occi.note("AMB-HTTP-11", f"an unknown kind answered {exchange.status}")


@destructive
@requirement("HTTP-SC-07")
def test_ambiguous_action_term_is_409(occi: OCCISession) -> None:
    for kind in occi.model.kinds:
        terms = [a.rpartition("#")[2] for a in occi.model.applicable_actions(kind.id)]
        doubled = {t for t in terms if terms.count(t) > 1}
        if doubled and kind.id == COMPUTE:
            term = sorted(doubled)[0]
            url = _compute(occi)
            exchange = occi.client.request(
                "POST", url, params={"action": term}, content_type=TEXT_PLAIN, accept=TEXT_PLAIN
            )
            assert exchange.status == 409, f"?action={term} (ambiguous) answered {exchange.status}"
            return
    not_applicable("no compute offers two actions with the same term")


@destructive
@requirement("HTTP-SC-08")
def test_deleted_is_404_or_410(occi: OCCISession) -> None:
    url = _compute(occi)
    deleted = occi.delete(url)
    assert deleted.status in inf.DELETED, f"DELETE answered {deleted.status}"
    status = inf.wait_gone(occi, url)
    assert status in inf.GONE, f"GET after DELETE answered {status}"
    occi.note("HTTP-SC-08", f"a deleted resource answers {status}")


@destructive
@requirement("HTTP-SC-09")
def test_500_rolls_back(occi: OCCISession) -> None:
    url = _compute(occi)
    before = occi.read(url).attributes
    attempts = [
        {"occi.compute.cores": "many"},
        {"occi.compute.memory": 10**30, "occi.core.title": "x" * 5000},
        {"occi.compute.architecture": "sparc", "occi.core.summary": "partial"},
    ]
    failed = False
    for values in attempts:
        exchange = inf.partial_update(occi, url, COMPUTE, values)
        if exchange.status == 500:
            failed = True
            after = occi.read(url).attributes
            assert after == before, f"a 500 left the compute changed: {before} -> {after}"
    if not failed:
        not_applicable("no modifying request answered 500")


@destructive
@requirement("HTTP-SC-11")
def test_202_carries_task_location(occi: OCCISession) -> None:
    location = occi.require_kind(COMPUTE)
    entity = Resource(
        kind=COMPUTE,
        mixins=tuple(occi.compute_mixins()),
        attributes={"occi.core.title": occi.title()},
    )
    exchange = occi.send("POST", location, TEXT_PLAIN, lambda r: r.render_entity(entity))
    if exchange.status in (200, 201):
        occi.created.append(occi.location_of(exchange))
    if exchange.status != 202:
        not_applicable(f"creation answered {exchange.status}, not 202")
    task = exchange.header("location")
    assert task, "a 202 answer carries no Location of a task resource"
    deadline = time.monotonic() + occi.config.state_timeout
    while True:
        polled = occi.client.get(task, accept=TEXT_PLAIN)
        if polled.status in (200, 301):
            if polled.status == 301 and polled.header("location"):
                occi.created.append(occi.client.url(polled.header("location")))  # type: ignore[arg-type]
            return
        assert time.monotonic() < deadline and polled.status == 202, (
            f"the task resource {task} answered {polled.status}"
        )
        time.sleep(occi.config.poll_interval)


# -- filtering ------------------------------------------------------------------------------


@destructive
@requirement("HTTP-FLT-01b")
def test_attribute_filter_works(occi: OCCISession) -> None:
    a, b = _compute(occi, "filter-a"), _compute(occi, "filter-b")
    title = occi.read(a).attributes["occi.core.title"]
    exchange = _attribute_filter(occi, occi.require_kind(COMPUTE), "occi.core.title", title)
    assert exchange.status in (200, 204), f"an attribute filter answered {exchange.status}"
    listed = _listed(occi, exchange)
    assert a in listed and b not in listed, (
        f"the filter occi.core.title={title!r} lists {sorted(listed & {a, b})}; expected only {a}"
    )


@destructive
@requirement("HTTP-FLT-04b")
def test_category_filter_on_kind_collection(occi: OCCISession) -> None:
    if not occi.supports(TEXT_OCCI):
        not_applicable("the endpoint does not serve text/occi")
    tag = inf.require_user_mixin(occi, "flt")
    try:
        a, b = _compute(occi), _compute(occi)
        tagged = inf.tag_request(occi, "POST", tag, [a])
        assert tagged.status in (200, 204), f"tagging answered {tagged.status}"
        line = f'{tag.term};scheme="{tag.scheme}";class="mixin"'
        exchange = occi.client.request(
            "GET",
            occi.require_kind(COMPUTE),
            headers=[("Category", line)],
            content_type=TEXT_OCCI,
            accept=TEXT_PLAIN,
        )
        assert exchange.status in (200, 204), f"a Category filter answered {exchange.status}"
        listed = _listed(occi, exchange)
        assert a in listed and b not in listed, (
            f"the Category filter lists {sorted(listed & {a, b})}; expected only {a}"
        )
    finally:
        inf.delete_category(occi, tag.id)


@requirement("HTTP-FLT-05")
def test_malformed_filter_is_400(occi: OCCISession) -> None:
    exchange = occi.client.request(
        "GET",
        occi.require_kind(COMPUTE),
        headers=[("X-OCCI-Attribute", "=bad")],
        content_type=TEXT_OCCI,
        accept=TEXT_PLAIN,
    )
    assert exchange.status == 400, f"the filter 'X-OCCI-Attribute: =bad' answered {exchange.status}"


# -- query interface ------------------------------------------------------------------------


@destructive
@requirement("HTTP-QI-06")
def test_user_mixin_without_location_refused(occi: OCCISession) -> None:
    probe = inf.require_user_mixin(occi, "qi6")
    inf.delete_category(occi, probe.id)
    term = f"noloc-{uuid.uuid4().hex[:8]}"
    line = f'{term};scheme="{inf.TAG_SCHEME}";class="mixin"'
    exchange = occi.client.request(
        "POST", "-/", headers=[("Category", line)], content_type=TEXT_OCCI, accept=TEXT_PLAIN
    )
    if exchange.status in (200, 201, 204):
        inf.delete_category(occi, inf.TAG_SCHEME + term)
    assert exchange.status == 400, f"a user mixin without location answered {exchange.status}"


@destructive
@requirement("HTTP-QI-07")
def test_duplicate_user_mixin(occi: OCCISession) -> None:
    first = inf.require_user_mixin(occi, "dup")
    try:
        line = f'{first.term};scheme="{first.scheme}";class="mixin";location="{first.location}"'
        again = occi.client.request(
            "POST", "-/", headers=[("Category", line)], content_type=TEXT_OCCI, accept=TEXT_PLAIN
        )
        assert again.status < 500, f"defining the same user mixin twice answered {again.status}"
        occi.note("HTTP-QI-07", f"a duplicate user mixin answered {again.status}")
    finally:
        inf.delete_category(occi, first.id)


# -- entities and collections ---------------------------------------------------------------


@destructive
@requirement("HTTP-ENT-06")
def test_put_with_link_refused(occi: OCCISession) -> None:
    target_kind = NETWORK if occi.model.kind(NETWORK) else STORAGE
    if occi.model.kind(target_kind) is None:
        not_applicable("no network or storage to link to")
    url = _compute(occi)
    target = inf.create(occi, target_kind, setup=True)
    entity = occi.read(url)
    plain = Resource(kind=COMPUTE, mixins=entity.mixins, attributes=dict(entity.attributes))
    probe = occi.send("PUT", url, TEXT_PLAIN, lambda r: r.render_entity(plain))
    if probe.status in (405, 501):
        not_applicable(f"PUT replacement is not supported ({probe.status})")
    link_line = f'<{inf.ref(target)}>;rel="{target_kind}";category="{inf.NETWORKINTERFACE}"'
    body = occi.client.get(url, accept=TEXT_PLAIN).body + f"Link: {link_line}\n".encode()
    exchange = occi.client.request(
        "PUT", url, body=body, content_type=TEXT_PLAIN, accept=TEXT_PLAIN
    )
    assert exchange.status == 400, f"a PUT carrying a Link header answered {exchange.status}"


@destructive
@requirement("HTTP-ENT-10")
def test_link_update_with_link_refused(occi: OCCISession) -> None:
    if occi.model.kind(STORAGELINK) is None or occi.model.kind(STORAGE) is None:
        not_applicable("the endpoint offers no storagelink")
    compute, storage = _compute(occi), inf.create(occi, STORAGE, setup=True)
    link = inf.create_link(
        occi, STORAGELINK, compute, storage, {"occi.storagelink.deviceid": "/dev/vdb"}
    )
    line = f'<{inf.ref(storage)}>;rel="{STORAGE}";category="{STORAGELINK}"'
    body = f'X-OCCI-Attribute: occi.storagelink.mountpoint="/mnt"\nLink: {line}\n'.encode()
    exchange = occi.client.request(
        "POST", link, body=body, content_type=TEXT_PLAIN, accept=TEXT_PLAIN
    )
    assert 400 <= exchange.status < 500, (
        f"a partial update of a link carrying a Link header answered {exchange.status}"
    )


@destructive
@requirement("HTTP-COL-13")
def test_batch_tagging_is_atomic(occi: OCCISession) -> None:
    tag = inf.require_user_mixin(occi, "atom")
    try:
        a = _compute(occi)
        missing = occi.client.url(occi.require_kind(COMPUTE) + f"occi-conformance-{uuid.uuid4()}")
        exchange = inf.tag_request(occi, "POST", tag, [a, missing])
        assert 400 <= exchange.status < 500, (
            f"tagging an existing and a missing entity together answered {exchange.status}"
        )
        assert tag.id not in occi.read(a).mixins, (
            "the refused batch still tagged the existing entity"
        )
    finally:
        inf.delete_category(occi, tag.id)


# -- negotiation and rendering --------------------------------------------------------------


@requirement("HTTP-CN-01")
def test_default_rendering_is_text_plain(occi: OCCISession) -> None:
    for accept in (None, "*/*"):
        exchange = occi.client.get("-/", accept=accept)
        assert exchange.status == 200, f"GET /-/ (Accept {accept}) answered {exchange.status}"
        assert exchange.media_type == TEXT_PLAIN, (
            f"GET /-/ with Accept {accept or '(none)'} answered {exchange.media_type!r}, "
            "not text/plain"
        )


@destructive
@requirement("TEXT-ACTL-03")
def test_action_links_use_absolute_schemes(occi: OCCISession) -> None:
    entity = occi.read(_compute(occi))
    if not entity.actions:
        not_applicable("the compute renders no action links")
    relative = [a for a in entity.actions if not urlsplit(a).scheme]
    assert not relative, f"action link rel values with relative schemes: {relative}"
    occi.note("TEXT-ACTL-03", "action links use absolute schemes")
