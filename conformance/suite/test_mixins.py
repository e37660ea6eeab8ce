"""Mixins: user mixins through the query interface (H12 §9.3–9.4), association and
dissociation through mixin collections (H12 §11.2–11.4) and partial updates, templates
(C12 §5.3.4, §5.3.7).

Every mixin collection the suite writes to is a user mixin it created, and every body names
only the run's entities: nothing else is attached, detached or deleted.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from conformance.outcomes import not_applicable
from conformance.session import OS_TPL, RESOURCE_TPL, OCCISession, ParsedResponseError
from conformance.suite._entity_helpers import (
    COMPUTE,
    GONE,
    NETWORK,
    STORAGE,
    UserMixins,
    assert_success_status,
    contains_location,
    create_storage,
    json_member_ids,
    partial,
    required_values,
    send_entity,
    send_locations,
    wait_gone,
)
from occi_protocol.model import Entity, Mixin, Resource
from occi_protocol.rendering import OCCI_JSON, TEXT_OCCI, TEXT_PLAIN, URI_LIST

IPNETWORK = "http://schemas.ogf.org/occi/infrastructure/network#ipnetwork"


@pytest.fixture(scope="module")
def users(occi: OCCISession) -> Iterator[UserMixins]:
    mixins = UserMixins(occi)
    yield mixins
    mixins.cleanup()


@pytest.fixture(scope="module")
def pair(occi: OCCISession) -> tuple[str, str]:
    """Two computes the module's association tests share (each test uses its own tag)."""
    occi.require_kind(COMPUTE)
    return (
        occi.create_compute(label="mixins-A")[0],
        occi.create_compute(label="mixins-B")[0],
    )


def _depends_on(occi: OCCISession, mixin_id: str, family: str) -> bool:
    mixin = occi.model.mixin(mixin_id)
    return mixin is not None and family in mixin.depends


def _listed(occi: OCCISession, location: str, media_type: str = TEXT_PLAIN) -> list[str]:
    return occi.list(location, media_type)


def _has(occi: OCCISession, url: str, mixin: Mixin, media_type: str = TEXT_PLAIN) -> bool:
    return mixin.id in occi.read(url, media_type).mixins


def _check_collection_answer(
    occi: OCCISession,
    exchange,
    expected: list[str],
    what: str,  # type: ignore[no-untyped-def]
) -> None:
    """1.2 wants a collection rendering in a 200 answer (H12 §11.2, §11.3.2); text lists
    locations, JSON full entities without locations (so only the count is compared)."""
    if exchange.status != 200:
        return
    if exchange.media_type == TEXT_OCCI:  # a bare "OK" body is no collection rendering
        present = any(k.lower() in ("x-occi-location", "location") for k, _ in exchange.headers)
    else:
        present = bool(exchange.body.strip())
    if not present:
        occi.note("AMB-HTTP-07", f"{what} answered 200 without a collection rendering")
        return
    if exchange.media_type == OCCI_JSON:
        try:
            ids: list = json_member_ids(occi, exchange)
        except ParsedResponseError:
            # No JSON form for location lists is defined (AMB-HTTP-20): a list of URLs too.
            ids = occi.parse(exchange, "locations")  # type: ignore[assignment]
            occi.note("AMB-HTTP-20", f"{what} answered a JSON location list")
        assert len(ids) == len(expected), (
            f"the collection rendering answering {what} holds {len(ids)} entities, the "
            f"collection has {len(expected)}"
        )
        return
    listed = [occi.client.url(x) for x in occi.parse(exchange, "locations")]  # type: ignore[attr-defined]
    for url in expected:
        assert contains_location(listed, url), (
            f"the collection rendering answering {what} does not list {url}"
        )


# -- user mixins through the query interface -----------------------------------------------


@pytest.mark.destructive
@pytest.mark.requirement("HTTP-QI-05", "HTTP-QI-08")
def test_user_mixin_create_and_delete(occi: OCCISession, users: UserMixins, rendering: str) -> None:
    mixin = users.definition("qi")
    created = users.post(mixin, rendering)
    if created.status in (403, 501):
        occi.note("AMB-HTTP-07", f"user mixins refused with {created.status} (HTTP-QI-11)")
        not_applicable(f"the endpoint offers no user mixins (POST /-/ answered {created.status})")
    if created.status in (201, 204):
        occi.note("AMB-HTTP-07", f"user mixin creation answered {created.status}, not 200")
    assert created.status in (200, 201, 204), (
        f"POST /-/ with a full user mixin category answered {created.status}; H12 §9.3 wants "
        f"200: {created.text[:300]}"
    )
    advertised = users.lookup(mixin.id)
    assert advertised is not None, f"the new user mixin {mixin.id} is missing from /-/"
    assert advertised.location, f"the new user mixin {mixin.id} has no location in /-/"
    deleted = users.delete(mixin, rendering)
    assert_success_status(occi, deleted, "DELETE /-/ of a user mixin")
    assert users.lookup(mixin.id) is None, (
        f"after DELETE /-/ the user mixin {mixin.id} is still listed"
    )


@pytest.mark.destructive
@pytest.mark.requirement("HTTP-QI-06")
def test_user_mixin_without_location_refused(occi: OCCISession, users: UserMixins) -> None:
    full = users.definition("no-location")
    mixin = Mixin(scheme=full.scheme, term=full.term, title=full.title)
    exchange = users.post(mixin)
    if exchange.status in (403, 501):
        not_applicable(f"the endpoint offers no user mixins ({exchange.status})")
    assert exchange.status == 400, (
        f"a user mixin without a location answered {exchange.status}; H11 §3.4.1 wants 400"
    )


@pytest.mark.destructive
@pytest.mark.requirement("HTTP-QI-10")
def test_deleted_user_mixin_leaves_entities(
    occi: OCCISession, users: UserMixins, pair: tuple[str, str]
) -> None:
    mixin, location = users.create("qi-delete")
    url = pair[0]
    associated = send_locations(occi, "POST", location, [url], TEXT_PLAIN)
    assert associated.status in (200, 204), f"tagging a compute answered {associated.status}"
    assert _has(occi, url, mixin), "the compute does not show the tag it was given"
    deleted = users.delete(mixin)
    assert deleted.status in (200, 204), f"DELETE /-/ of the user mixin answered {deleted.status}"
    entity = occi.read(url)
    assert mixin.id not in entity.mixins, (
        f"the user mixin {mixin.id} was deleted, yet {url} still carries it (H11 §3.4.1)"
    )


# -- association and dissociation -------------------------------------------------------------


@pytest.mark.destructive
@pytest.mark.requirement("CORE-INST-02")
def test_mixins_at_creation(occi: OCCISession, users: UserMixins, rendering: str) -> None:
    mixin, _ = users.create("at-create")
    url, _ = occi.create_compute(rendering, label="tag-at-create", mixins=[mixin.id])
    carried = occi.read(url, rendering).mixins
    assert mixin.id in carried, f"the compute created with {mixin.id} renders mixins {carried}"
    for template in occi.compute_mixins():
        assert template in carried, f"the template {template} given at creation is not rendered"


@pytest.mark.destructive
@pytest.mark.requirement("CORE-MIX-01", "CORE-ENT-05", "HTTP-COL-07")
def test_associate_through_mixin_collection(
    occi: OCCISession, users: UserMixins, pair: tuple[str, str], rendering: str
) -> None:
    mixin, location = users.create("associate")
    url = pair[0]
    exchange = send_locations(occi, "POST", location, [url], rendering)
    assert_success_status(occi, exchange, "POST of a location list to a mixin collection")
    _check_collection_answer(occi, exchange, [url], "a mixin association")
    entity = occi.read(url, rendering)
    assert mixin.id in entity.mixins, (
        f"after POST {location} with {url}, the entity renders mixins {entity.mixins}"
    )
    assert entity.kind == COMPUTE, f"the tagged compute renders kind {entity.kind}"
    assert contains_location(_listed(occi, location), url), (
        f"the tag's collection {location} does not list the entity just attached"
    )


@pytest.mark.destructive
@pytest.mark.requirement("CORE-MIX-02")
def test_refused_association_is_client_error(
    occi: OCCISession, users: UserMixins, pair: tuple[str, str]
) -> None:
    mixin, location = users.create("stages")
    url = pair[1]
    at_runtime = send_locations(occi, "POST", location, [url], TEXT_PLAIN)
    occi.note("AMB-HTTP-07", f"run-time association answered {at_runtime.status}")
    created = send_entity(
        occi,
        "POST",
        occi.require_kind(COMPUTE),
        Resource(
            kind=COMPUTE,
            mixins=(*occi.compute_mixins(), mixin.id),
            attributes={"occi.core.title": occi.title("stages")},
        ),
        TEXT_PLAIN,
    )
    if created.status < 300:
        occi.created.append(occi.location_of(created))
    for stage, exchange in (("run time", at_runtime), ("creation", created)):
        assert exchange.status < 500, (
            f"associating a mixin at {stage} answered {exchange.status}; an unsupported stage "
            "must be reported as a bad request (400), never 5xx"
        )
    assert at_runtime.status < 300 or created.status < 300, (
        "the endpoint associates the mixin neither at creation nor at run time "
        f"({created.status}, {at_runtime.status})"
    )


@pytest.mark.destructive
@pytest.mark.requirement("HTTP-ENT-11")
def test_associate_through_partial_update(
    occi: OCCISession, users: UserMixins, pair: tuple[str, str], rendering: str
) -> None:
    mixin, location = users.create("partial")
    url = pair[0]
    before = occi.read(url, rendering)
    exchange = send_entity(occi, "POST", url, partial(COMPUTE, {}, [mixin.id]), rendering)
    assert exchange.status in (200, 201, 204), (
        f"a partial update carrying a mixin category answered {exchange.status}: "
        f"{exchange.text[:300]}"
    )
    after = occi.read(url, rendering)
    assert mixin.id in after.mixins, f"after the partial update the entity renders {after.mixins}"
    for kept in before.mixins:
        assert kept in after.mixins, f"adding {mixin.id} removed the mixin {kept}"
    assert contains_location(_listed(occi, location), url), (
        f"an entity tagged by partial update is missing from the tag's collection {location}"
    )


@pytest.mark.destructive
@pytest.mark.requirement("HTTP-COL-11")
def test_dissociate_through_mixin_collection(
    occi: OCCISession, users: UserMixins, pair: tuple[str, str], rendering: str
) -> None:
    mixin, location = users.create("dissociate")
    url = pair[1]
    added = send_locations(occi, "POST", location, [url], TEXT_PLAIN)
    assert added.status in (200, 204), f"tagging answered {added.status}"
    exchange = send_locations(occi, "DELETE", location, [url], rendering)
    assert_success_status(occi, exchange, "DELETE of a location list on a mixin collection")
    got = occi.client.get(url, accept=rendering)
    assert got.status == 200, (
        f"after detaching the mixin, GET {url} answered {got.status}; the entity must remain"
    )
    entity = occi.parse(got, "entity")
    assert isinstance(entity, Entity) and mixin.id not in entity.mixins, (
        f"after DELETE {location} naming {url}, the entity still carries {mixin.id}"
    )
    assert not contains_location(_listed(occi, location), url), (
        f"the detached entity is still listed in {location}"
    )


@pytest.mark.destructive
@pytest.mark.requirement("HTTP-COL-03")
def test_replace_membership(
    occi: OCCISession, users: UserMixins, pair: tuple[str, str], rendering: str
) -> None:
    mixin, location = users.create("membership")
    first, second = pair
    added = send_locations(occi, "POST", location, [first], TEXT_PLAIN)
    assert added.status in (200, 204), f"tagging answered {added.status}"
    exchange = send_locations(occi, "PUT", location, [second], rendering)
    assert_success_status(occi, exchange, "PUT of a location list on a mixin collection")
    _check_collection_answer(occi, exchange, [second], "PUT on a mixin collection")
    listed = _listed(occi, location)
    assert contains_location(listed, second) and not contains_location(listed, first), (
        f"after PUT {location} with only {second}, the collection lists {listed}"
    )
    assert mixin.id not in occi.read(first).mixins, (
        f"{first} was left out of the PUT membership but still carries {mixin.id}"
    )
    assert mixin.id in occi.read(second).mixins, f"{second} was put in but lacks {mixin.id}"


@pytest.mark.destructive
@pytest.mark.requirement("HTTP-COL-07", "HTTP-COL-11")
def test_uri_list_bodies(occi: OCCISession, users: UserMixins, pair: tuple[str, str]) -> None:
    mixin, location = users.create("uri-list")
    url = pair[0]
    added = send_locations(occi, "POST", location, [url], URI_LIST)
    if added.status in (400, 406, 415):
        # T12 §8 defines text/uri-list for answers; taking it as a request body is optional.
        occi.note("AMB-HTTP-12", f"a text/uri-list request body answered {added.status}")
        not_applicable(f"the endpoint does not take text/uri-list bodies ({added.status})")
    assert_success_status(occi, added, "POST of a text/uri-list body to a mixin collection")
    assert mixin.id in occi.read(url).mixins, (
        f"a text/uri-list POST to {location} did not attach the mixin to {url}"
    )
    removed = send_locations(occi, "DELETE", location, [url], URI_LIST)
    assert_success_status(occi, removed, "DELETE of a text/uri-list body on a mixin collection")
    assert mixin.id not in occi.read(url).mixins, (
        f"a text/uri-list DELETE on {location} did not detach the mixin from {url}"
    )


@pytest.mark.destructive
@pytest.mark.requirement("CORE-COLL-02", "CORE-MIX-04", "CORE-MIX-08")
def test_tag_spans_kinds(occi: OCCISession, users: UserMixins, pair: tuple[str, str]) -> None:
    mixin, location = users.create("kinds")
    storage = create_storage(occi)
    members = [pair[0], storage]
    exchange = send_locations(occi, "POST", location, members, TEXT_PLAIN)
    assert exchange.status in (200, 204), (
        f"attaching a tag without applies to a compute and a storage answered {exchange.status}"
    )
    listed = _listed(occi, location)
    for url in members:
        assert contains_location(listed, url), f"the tag's collection does not list {url}"
        assert _has(occi, url, mixin), f"{url} does not render the tag attached to it"
    removed = send_locations(occi, "DELETE", location, members, TEXT_PLAIN)
    assert removed.status in (200, 204), f"detaching the tag answered {removed.status}"
    assert not _listed(occi, location), "the tag's collection is not empty after detaching all"
    for url in members:
        assert not _has(occi, url, mixin), f"{url} still renders the tag after detaching"


@pytest.mark.destructive
@pytest.mark.requirement("HTTP-COL-02")
def test_empty_mixin_collection(occi: OCCISession, users: UserMixins) -> None:
    _, location = users.create("empty")
    exchange = occi.client.get(location, accept=TEXT_PLAIN)
    occi.note("AMB-HTTP-05", f"an empty mixin collection answered {exchange.status}")
    assert exchange.status in (200, 204), (
        f"GET on an empty mixin collection answered {exchange.status}; expect 200 with an "
        "empty rendering (or 204 under 1.1)"
    )
    if exchange.status == 204 and occi.occi_version != "1.1":
        occi.warn("AMB-HTTP-05", "an empty mixin collection answered 204; 1.2 expects 200")
    if exchange.status == 200:
        assert not occi.parse(exchange, "locations"), "an empty collection lists locations"


@pytest.mark.destructive
@pytest.mark.requirement("HTTP-FLT-04", "CORE-COLL-03")
def test_mixin_collection_is_a_subset(
    occi: OCCISession, users: UserMixins, pair: tuple[str, str], rendering: str
) -> None:
    _, location = users.create("subset")
    first, second = pair
    added = send_locations(occi, "POST", location, [first], TEXT_PLAIN)
    assert added.status in (200, 204), f"tagging answered {added.status}"
    if rendering == OCCI_JSON:
        exchange = occi.client.get(location, accept=OCCI_JSON)
        assert exchange.status == 200, f"GET {location} answered {exchange.status}"
        ids = json_member_ids(occi, exchange)
        wanted = occi.read(first).id
        assert ids == [wanted], f"the tag collection holds {ids}; only {wanted} was tagged"
        return
    listed = _listed(occi, location, rendering)
    assert contains_location(listed, first) and not contains_location(listed, second), (
        f"the tag collection lists {listed}; only {first} was tagged"
    )


@pytest.mark.destructive
@pytest.mark.requirement("HTTP-FLT-04b")
def test_category_filter_on_kind_collection(
    occi: OCCISession, users: UserMixins, pair: tuple[str, str]
) -> None:
    mixin, location = users.create("category-filter")
    first, second = pair
    send_locations(occi, "POST", location, [first], TEXT_PLAIN)
    header = f'{mixin.term};scheme="{mixin.scheme}";class="mixin"'
    exchange = occi.client.get(
        occi.require_kind(COMPUTE), accept=TEXT_PLAIN, headers=[("Category", header)]
    )
    assert exchange.status == 200, f"a Category-filtered GET answered {exchange.status}"
    listed = [occi.client.url(x) for x in occi.parse(exchange, "locations")]  # type: ignore[attr-defined]
    assert contains_location(listed, first) and not contains_location(listed, second), (
        f"GET on the compute collection filtered by the tag lists {listed}; only {first} is tagged"
    )


@pytest.mark.destructive
@pytest.mark.requirement("HTTP-COL-13")
def test_batch_association_is_atomic(
    occi: OCCISession, users: UserMixins, pair: tuple[str, str]
) -> None:
    mixin, location = users.create("atomic")
    missing = occi.require_kind(COMPUTE) + "occi-conformance-missing"
    exchange = send_locations(
        occi, "POST", location, [pair[0], occi.client.url(missing)], TEXT_PLAIN
    )
    assert 400 <= exchange.status < 500, (
        f"associating an existing and a missing entity answered {exchange.status}; expect 4xx"
    )
    assert mixin.id not in occi.read(pair[0]).mixins, (
        "a refused batch association still tagged its first entity (H11 §3.6.4: all or nothing)"
    )


@pytest.mark.destructive
@pytest.mark.requirement("HTTP-COL-10")
def test_kind_collection_delete(occi: OCCISession) -> None:
    # It deletes every storage, not only the run's: throwaway endpoints only.
    occi.require_capability("disposable")
    location = occi.client.url(occi.require_kind(STORAGE))
    storage = create_storage(occi)
    before = _listed(occi, location)
    assert contains_location(before, storage), f"{location} does not list the new {storage}"
    exchange = occi.client.delete(location, accept=TEXT_PLAIN)
    # Other modules' shared scaffolding (a storage and its links) may be gone now.
    occi.__dict__.pop("_wire_cache", None)
    assert exchange.status in (200, 204), (
        f"DELETE on the storage collection {location} answered {exchange.status}; H12 §11.4.1:"
        " it removes every member, answering 200 or 204"
    )
    status = wait_gone(occi, storage)
    assert status in GONE, f"after DELETE on {location}, its member {storage} answers {status}"
    left = [url for url in _listed(occi, location) if contains_location(before, url)]
    assert not left, (
        f"after DELETE on {location}, {len(left)} of its {len(before)} members are still"
        f" listed, e.g. {left[0] if left else ''}"
    )


@pytest.mark.destructive
@pytest.mark.requirement("HTTP-COL-12")
def test_mixin_collection_delete_without_body(occi: OCCISession, users: UserMixins) -> None:
    # A server that reads it as "delete every member" deletes whatever carries the tag.
    occi.require_capability("disposable")
    mixin, location = users.create("wipe")
    url, _ = occi.create_compute(label="wipe", mixins=[mixin.id])
    assert _has(occi, url, mixin), f"the compute created with {mixin.id} does not carry it"
    exchange = occi.client.delete(location, accept=TEXT_PLAIN)
    if exchange.status >= 500:
        occi.warn("AMB-HTTP-06", f"a body-less DELETE on a mixin collection: {exchange.status}")
        return
    after = occi.client.get(url, accept=TEXT_PLAIN)
    if after.status in GONE:
        occi.note("AMB-HTTP-06", f"a body-less DELETE ({exchange.status}) deleted the members")
        return
    assert after.status == 200, f"GET {url} after the DELETE answered {after.status}"
    if not 200 <= exchange.status < 300:
        occi.note("AMB-HTTP-06", f"a body-less DELETE on a mixin collection: {exchange.status}")
        return
    assert not _has(occi, url, mixin), (
        f"DELETE on {location} without a body answered {exchange.status} yet its member {url}"
        " still exists and carries the mixin: neither detached nor deleted"
    )
    occi.note("AMB-HTTP-06", f"a body-less DELETE ({exchange.status}) detached the members")


# -- model-level checks and templates ----------------------------------------------------------


@pytest.mark.requirement("CORE-MIX-05")
def test_mixin_publishes_its_attributes(occi: OCCISession) -> None:
    mixin = occi.model.mixin(IPNETWORK)
    if mixin is None:
        not_applicable("the endpoint does not offer network#ipnetwork")
    names = {a.name for a in mixin.attributes}
    for wanted in ("occi.network.address", "occi.network.gateway", "occi.network.allocation"):
        assert wanted in names, (
            f"network#ipnetwork does not list {wanted} (it lists {sorted(names)})"
        )


@pytest.mark.requirement("CORE-MIX-09")
def test_json_mixins_hold_definitions_only(occi: OCCISession) -> None:
    occi.require_rendering(OCCI_JSON)
    exchange = occi.client.get("-/", accept=OCCI_JSON)
    assert exchange.status == 200, f"GET /-/ as JSON answered {exchange.status}"
    document = json.loads(exchange.body)
    for mixin in document.get("mixins", []):
        for name, value in (mixin.get("attributes") or {}).items():
            assert isinstance(value, dict), (
                f"mixin {mixin.get('scheme')}{mixin.get('term')} gives attribute {name} the "
                f"value {value!r}; a mixin holds attribute descriptions, never values"
            )


def _json_model(occi: OCCISession) -> dict[str, dict]:  # type: ignore[type-arg]
    exchange = occi.client.get("-/", accept=OCCI_JSON)
    assert exchange.status == 200, f"GET /-/ as JSON answered {exchange.status}"
    document = json.loads(exchange.body)
    return {m["scheme"] + m["term"]: m for m in document.get("mixins", []) if "term" in m}


@pytest.mark.destructive
@pytest.mark.requirement("CORE-MIX-03")
def test_applies_restricts_association(occi: OCCISession, pair: tuple[str, str]) -> None:
    occi.require_rendering(OCCI_JSON)
    network_location = occi.require_kind(NETWORK)
    candidates = [
        m
        for m in _json_model(occi).values()
        if m.get("applies") == [NETWORK]
        and not any(
            d.get("required") and d.get("mutable", True) and "default" not in d
            for d in (m.get("attributes") or {}).values()
        )
    ]
    if not candidates:
        not_applicable("no mixin applies to network only without required attributes")
    identifier = candidates[0]["scheme"] + candidates[0]["term"]
    url = pair[0]
    exchange = send_entity(occi, "POST", url, partial(COMPUTE, {}, [identifier]), TEXT_PLAIN)
    occi.note("AMB-CORE-08", f"a mixin attached outside its applies answered {exchange.status}")
    assert 400 <= exchange.status < 500, (
        f"attaching {identifier} (applies: network) to a compute answered {exchange.status}; "
        "expect 400 or 403"
    )
    assert identifier not in occi.read(url).mixins, (
        f"the refused association still put {identifier} on the compute"
    )
    network, _ = occi.create(
        NETWORK, attributes=required_values(occi, NETWORK), location=network_location
    )
    ok = send_entity(occi, "POST", network, partial(NETWORK, {}, [identifier]), TEXT_PLAIN)
    assert ok.status in (200, 201, 204), (
        f"attaching {identifier} to a network (which it applies to) answered {ok.status}"
    )
    assert identifier in occi.read(network).mixins, f"the network does not show {identifier}"


@pytest.mark.destructive
@pytest.mark.requirement("CORE-MIX-06")
def test_mixin_actions_offered(occi: OCCISession, pair: tuple[str, str], rendering: str) -> None:
    entity = occi.read(pair[0], rendering)
    with_actions = [m for m in occi.model.mixin_closure(entity.mixins) if m.actions]
    if not with_actions:
        not_applicable("none of the mixins a suite compute carries defines actions")
    offered = set(entity.actions)
    missing = [a for m in with_actions for a in m.actions if a not in offered]
    assert not missing, f"the compute carries mixins defining {missing}, which it does not offer"


@pytest.mark.destructive
@pytest.mark.requirement("CORE-MIX-07")
def test_dependent_mixin_capabilities(occi: OCCISession) -> None:
    chosen = [m for m in occi.compute_mixins() if _depends_on(occi, m, OS_TPL)]
    if not chosen:
        not_applicable("no provider os_tpl to create a compute with")
    parent = occi.model.mixin(OS_TPL)
    names = [a.name for a in (parent.attributes if parent else ()) if a.mutable]
    if not names:
        not_applicable("infrastructure#os_tpl defines no attributes to inherit")
    values = {n: v for n, v in required_values(occi, COMPUTE, chosen).items() if n in names}
    url, _ = occi.create_compute(label="depends", attributes=values)
    assert chosen[0] in occi.read(url).mixins, f"the compute does not carry {chosen[0]}"


@pytest.mark.destructive
@pytest.mark.requirement("CORE-TPL-01")
def test_template_defaults(occi: OCCISession) -> None:
    occi.require_rendering(OCCI_JSON)
    location = occi.require_kind(COMPUTE)
    templates = [
        m
        for m in _json_model(occi).values()
        if RESOURCE_TPL in (m.get("depends") or [])
        and "default" in ((m.get("attributes") or {}).get("occi.compute.cores") or {})
    ]
    if not templates:
        not_applicable("no resource_tpl advertises a default for occi.compute.cores (JSON)")
    template = templates[0]
    identifier = template["scheme"] + template["term"]
    default = template["attributes"]["occi.compute.cores"]["default"]
    mixins = [m for m in occi.compute_mixins() if not _depends_on(occi, m, RESOURCE_TPL)]
    url, _ = occi.create(COMPUTE, mixins=[*mixins, identifier], location=location, label="tpl")
    cores = occi.read(url).attributes.get("occi.compute.cores")
    assert cores == default, (
        f"a compute created with {identifier} and no cores has occi.compute.cores {cores!r}; "
        f"the template's default is {default!r}"
    )
