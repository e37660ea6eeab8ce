"""Links over HTTP: standalone and inline creation, rendering inside the source, ownership
(H11 §3.4.5, H12 §10.2.2; C12 §5.4.2–5.4.3).

Link URLs are read from the answers: the Location of a standalone create, or the ``self``
of a link rendered inside its source (text). J12 gives links no location, so in JSON a link
inside a resource is recognised by its occi.core.id.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import pytest

from conformance.outcomes import not_applicable
from conformance.session import OCCISession
from conformance.suite._entity_helpers import (
    COMPUTE,
    GONE,
    NETWORK,
    NETWORKINTERFACE,
    STORAGE,
    STORAGELINK,
    assert_not_created,
    create_storage,
    find_network,
    member_locations,
    path_of,
    required_values,
    running_source,
    same_location,
    send_entity,
    wait_gone,
)
from occi_protocol.model import Link, Resource
from occi_protocol.rendering import OCCI_JSON, TEXT_OCCI, TEXT_PLAIN


@dataclass
class World:
    compute: str
    network: str
    storage: str


@pytest.fixture(scope="module")
def world(occi: OCCISession) -> World:
    occi.require_kind(COMPUTE)
    occi.require_kind(STORAGE)
    mixins = occi.compute_mixins()
    return World(
        compute=occi.create_compute(
            label="links-source", attributes=required_values(occi, COMPUTE, mixins), setup=True
        )[0],
        network=find_network(occi),
        storage=create_storage(occi),
    )


def _link_attributes(
    occi: OCCISession, kind: str, source: str | None, target: str, target_kind: str
) -> dict[str, object]:
    """Source and target as absolute paths (how servers write their own locations); the
    1.2 target.kind only where the query interface lets clients set it (a 1.1 server, or one
    that keeps it immutable, may refuse an attribute it does not take)."""
    values: dict[str, object] = {"occi.core.target": path_of(target)}
    definition = occi.model.attribute_definitions(kind).get("occi.core.target.kind")
    if definition is not None and definition.mutable:
        values["occi.core.target.kind"] = target_kind
    if source is not None:
        values["occi.core.source"] = path_of(source)
    values.update(required_values(occi, kind))
    return values


def _storagelink(
    occi: OCCISession, source: str, target: str | None = None, media_type: str = TEXT_PLAIN
) -> str:
    """A storagelink from ``source``; to a storage of its own unless ``target`` is given.

    A storage is attached to one compute at a time on most clouds (a persistent OpenNebula
    image, a Cinder volume without multiattach), so each attachment gets a fresh one.
    """
    occi.require_kind(STORAGELINK)
    if target is None:
        target = create_storage(occi)
    url, _ = occi.create(
        STORAGELINK,
        attributes=_link_attributes(occi, STORAGELINK, source, target, STORAGE),
        media_type=media_type,
        label="storagelink",
        retry=running_source(occi, source),
    )
    return url


def _networkinterface(
    occi: OCCISession, source: str, target: str, media_type: str = TEXT_PLAIN
) -> str:
    occi.require_kind(NETWORKINTERFACE)
    url, _ = occi.create(
        NETWORKINTERFACE,
        attributes=_link_attributes(occi, NETWORKINTERFACE, source, target, NETWORK),
        media_type=media_type,
        label="networkinterface",
        retry=running_source(occi, source),
    )
    return url


def _text_links(occi: OCCISession, url: str) -> tuple[Link, ...]:
    entity = occi.read(url, TEXT_PLAIN)
    assert isinstance(entity, Resource), f"{url} does not render as a resource"
    return entity.links


def _renders_link(occi: OCCISession, resource: str, link: str, media_type: str) -> bool:
    """Whether the rendering of ``resource`` includes the link at ``link``."""
    if media_type == OCCI_JSON:
        identifier = occi.read(link).id
        entity = occi.read(resource, OCCI_JSON)
        return any(owned.id == identifier for owned in getattr(entity, "links", ()))
    entity = occi.read(resource, media_type)
    return any(same_location(owned.location, link) for owned in getattr(entity, "links", ()))


# -- standalone links -------------------------------------------------------------------------


@pytest.mark.destructive
@pytest.mark.requirement("HTTP-LINK-04", "HTTP-LINK-05", "CORE-LINK-01")
def test_standalone_link(occi: OCCISession, world: World, rendering: str) -> None:
    url = _networkinterface(occi, world.compute, world.network, rendering)
    exchange = occi.client.get(url, accept=rendering)
    assert exchange.status == 200, f"GET on the new link {url} answered {exchange.status}"
    link = occi.parse(exchange, "entity")
    assert isinstance(link, Link), f"{url} does not render as a link (no source/target)"
    assert link.kind == NETWORKINTERFACE, f"the link renders kind {link.kind}"
    assert same_location(link.source, world.compute), (
        f"the link's source renders as {link.source!r}, it was created from {world.compute}"
    )
    assert same_location(link.target, world.network), (
        f"the link's target renders as {link.target!r}, it was created to {world.network}"
    )


@pytest.mark.destructive
@pytest.mark.requirement("HTTP-LINK-04")
def test_link_without_target_refused(occi: OCCISession, world: World) -> None:
    location = occi.require_kind(NETWORKINTERFACE)
    title = occi.title(f"no-target-{uuid.uuid4().hex[:8]}")
    before = member_locations(occi, location)
    attributes = {"occi.core.source": path_of(world.compute), "occi.core.title": title}
    attributes.update(required_values(occi, NETWORKINTERFACE))
    body = Link(kind=NETWORKINTERFACE, attributes=attributes)
    exchange = send_entity(occi, "POST", location, body, TEXT_PLAIN)
    if exchange.status < 300:
        occi.created.append(occi.location_of(exchange))
    assert 400 <= exchange.status < 500, (
        f"a link create without occi.core.target answered {exchange.status}; expect 400"
    )
    if exchange.status != 400:
        occi.note("AMB-HTTP-10", f"a link without target answered {exchange.status}")
    assert_not_created(occi, location, before, title, "a link without target")


@pytest.mark.destructive
@pytest.mark.requirement("CORE-LINK-02")
def test_link_source_must_exist(occi: OCCISession, world: World) -> None:
    location = occi.require_kind(STORAGELINK)
    missing = occi.client.url(
        occi.require_kind(COMPUTE) + f"occi-conformance-missing-{uuid.uuid4().hex}"
    )
    title = occi.title(f"missing-source-{uuid.uuid4().hex[:8]}")
    before = member_locations(occi, location)
    attributes = _link_attributes(occi, STORAGELINK, missing, world.storage, STORAGE)
    attributes["occi.core.title"] = title
    exchange = send_entity(
        occi, "POST", location, Link(kind=STORAGELINK, attributes=attributes), TEXT_PLAIN
    )
    if exchange.status < 300:
        occi.created.append(occi.location_of(exchange))
    assert 400 <= exchange.status < 500, (
        f"a link whose source {missing} does not exist answered {exchange.status}; the source "
        "must be a resource of the provider (expect 4xx)"
    )
    assert_not_created(occi, location, before, title, "a link with a missing source")


@pytest.mark.destructive
@pytest.mark.requirement("CORE-LINK-03")
def test_external_target_probe(occi: OCCISession, world: World) -> None:
    location = occi.require_kind(NETWORKINTERFACE)
    external = f"http://occi-conformance.example.org/network/{uuid.uuid4().hex}"
    attributes = _link_attributes(occi, NETWORKINTERFACE, world.compute, external, NETWORK)
    attributes["occi.core.title"] = occi.title("external-target")
    exchange = send_entity(
        occi, "POST", location, Link(kind=NETWORKINTERFACE, attributes=attributes), TEXT_PLAIN
    )
    if exchange.status < 300:
        occi.created.append(occi.location_of(exchange))
    occi.note("CORE-LINK-03", f"a link to an external target answered {exchange.status}")
    assert exchange.status < 500, f"a link to an external target answered {exchange.status}"


@pytest.mark.destructive
@pytest.mark.requirement("CORE-LINK-04")
def test_target_kind_matches_target(occi: OCCISession, world: World) -> None:
    target = create_storage(occi)
    url = _storagelink(occi, world.compute, target)
    link = occi.read(url)
    target_kind = link.attributes.get("occi.core.target.kind")
    if target_kind is None:
        not_applicable("the link renders no target kind")
    actual = occi.read(target).kind
    assert target_kind == actual, (
        f"the link states target kind {target_kind}, the resource at its target is a {actual}"
    )


# -- links inside resources ---------------------------------------------------------------------


@pytest.mark.destructive
@pytest.mark.requirement("HTTP-LINK-01", "HTTP-LINK-02")
def test_inline_link_created_with_resource(occi: OCCISession, world: World, rendering: str) -> None:
    occi.require_kind(NETWORKINTERFACE)
    inline = Link(
        kind=NETWORKINTERFACE,
        attributes=_link_attributes(occi, NETWORKINTERFACE, None, world.network, NETWORK),
    )
    location = occi.require_kind(COMPUTE)
    body = Resource(
        kind=COMPUTE,
        mixins=tuple(occi.compute_mixins()),
        attributes={"occi.core.title": occi.title("inline-link")},
        links=(inline,),
    )
    exchange = send_entity(occi, "POST", location, body, rendering)
    sent = exchange.request_body.decode("utf-8", "replace") + str(exchange.request_headers)
    assert "self=" not in sent, "the suite sent a self parameter on an inline link"
    if rendering == OCCI_JSON and exchange.status == 400:
        # J12 renders a link with its source, which does not exist yet at creation.
        not_applicable("the endpoint takes no JSON inline link without a source (400)")
    assert exchange.status in (200, 201), (
        f"creating a compute with an inline networkinterface answered {exchange.status}: "
        f"{exchange.text[:300]}"
    )
    url = occi.location_of(exchange)
    occi.created.append(url)
    links = [x for x in _text_links(occi, url) if x.kind == NETWORKINTERFACE]
    assert links, "the compute created with an inline link renders no networkinterface link"
    link = next((x for x in links if same_location(x.target, world.network)), None)
    assert link is not None, f"no rendered link targets {world.network}: {links}"
    assert link.location, "the inline-created link is rendered without a self location"
    got = occi.client.get(occi.client.url(link.location), accept=TEXT_PLAIN)
    assert got.status == 200, (
        f"GET on the inline-created link {link.location} answered {got.status}"
    )


@pytest.mark.destructive
@pytest.mark.requirement("HTTP-LINK-03")
def test_resource_renders_owned_links(occi: OCCISession, world: World, rendering: str) -> None:
    link = _storagelink(occi, world.compute)
    assert _renders_link(occi, world.compute, link, rendering), (
        f"the source compute's {rendering} rendering does not include its storagelink {link}"
    )


@pytest.mark.destructive
@pytest.mark.requirement("HTTP-LINK-03b")
def test_only_outgoing_links(occi: OCCISession, world: World) -> None:
    target = create_storage(occi)
    link = _storagelink(occi, world.compute, target)
    assert not _renders_link(occi, target, link, TEXT_PLAIN), (
        f"the target storage renders the incoming link {link}; only outgoing links should show"
    )


@pytest.mark.destructive
@pytest.mark.requirement("HTTP-ENT-18")
def test_deleted_link_leaves_source(occi: OCCISession, world: World, rendering: str) -> None:
    link = _networkinterface(occi, world.compute, world.network)
    assert _renders_link(occi, world.compute, link, TEXT_PLAIN), (
        f"the source does not render its new link {link}"
    )
    identifier = occi.read(link).id
    deleted = occi.delete(link)
    assert deleted.status in (200, 202, 204), f"DELETE of the link answered {deleted.status}"
    wait_gone(occi, link)
    entity = occi.read(world.compute, rendering)
    for owned in getattr(entity, "links", ()):
        assert not same_location(owned.location, link) and (
            rendering != OCCI_JSON or owned.id != identifier
        ), f"after DELETE of {link}, its source compute still renders it"


@pytest.mark.destructive
@pytest.mark.requirement("CORE-RES-02")
def test_deleting_source_deletes_links(occi: OCCISession, world: World) -> None:
    source, _ = occi.create_compute(label="links-owner")
    link = _storagelink(occi, source)
    deleted = occi.delete(source)
    assert deleted.status in (200, 202, 204), (
        f"DELETE of the source compute answered {deleted.status}"
    )
    status = wait_gone(occi, link)
    assert status in GONE, (
        f"the source {source} was deleted, yet its storagelink {link} answers {status}; a "
        "resource owns its links (C12 §5.4.2)"
    )


@pytest.mark.destructive
@pytest.mark.requirement("HTTP-ENT-05")
def test_put_keeps_links(occi: OCCISession, world: World, rendering: str) -> None:
    source, _ = occi.create_compute(label="put-links")
    link = _storagelink(occi, source)
    current = occi.read(source, rendering)
    definitions = occi.model.attribute_definitions(current.kind, current.mixins)
    attributes = {
        k: v
        for k, v in current.attributes.items()
        if k != "occi.core.id" and (k not in definitions or definitions[k].mutable)
    }
    attributes["occi.core.summary"] = "replaced with PUT"
    body = Resource(kind=current.kind, mixins=current.mixins, attributes=attributes)
    exchange = send_entity(occi, "PUT", source, body, rendering)
    if exchange.status in (405, 501):
        not_applicable(f"the endpoint does not replace with PUT (answered {exchange.status})")
    assert exchange.status in (200, 201), f"PUT of the full rendering answered {exchange.status}"
    assert _renders_link(occi, source, link, rendering), (
        f"after a PUT without links the compute no longer renders its storagelink {link}; "
        "H12 §10.2.2: a replacement leaves links intact"
    )
    got = occi.client.get(link, accept=TEXT_PLAIN)
    assert got.status == 200, f"after the PUT, GET on the link {link} answered {got.status}"


# -- OCCI 1.1: no Link headers in updates ---------------------------------------------------


@pytest.mark.parametrize("rendering", [TEXT_PLAIN, TEXT_OCCI], ids=["text-plain", "text-occi"])
@pytest.mark.destructive
@pytest.mark.requirement("HTTP-ENT-06")
def test_put_with_link_refused(occi: OCCISession, world: World, rendering: str) -> None:
    occi.require_rendering(rendering)
    source, _ = occi.create_compute(label="put-link-header")
    current = occi.read(source)
    inline = Link(
        kind=STORAGELINK,
        attributes=_link_attributes(occi, STORAGELINK, None, world.storage, STORAGE),
    )
    body = Resource(
        kind=current.kind,
        mixins=current.mixins,
        attributes={"occi.core.title": current.title},
        links=(inline,),
    )
    exchange = send_entity(occi, "PUT", source, body, rendering)
    assert exchange.status == 400, (
        f"a PUT carrying a Link answered {exchange.status}; H11 wants 400"
    )


@pytest.mark.parametrize("rendering", [TEXT_PLAIN, TEXT_OCCI], ids=["text-plain", "text-occi"])
@pytest.mark.destructive
@pytest.mark.requirement("HTTP-ENT-10")
def test_link_update_with_link_refused(occi: OCCISession, world: World, rendering: str) -> None:
    occi.require_rendering(rendering)
    link = _storagelink(occi, world.compute)
    inline = Link(
        kind=STORAGELINK,
        attributes=_link_attributes(occi, STORAGELINK, None, world.storage, STORAGE),
    )
    body = Resource(kind=STORAGELINK, attributes={}, links=(inline,))
    exchange = send_entity(occi, "POST", link, body, rendering)
    assert exchange.status == 400, (
        f"a partial update of a link carrying a Link answered {exchange.status}; H11 wants 400"
    )
