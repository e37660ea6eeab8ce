"""application/occi+json (J12 = GFD.225), checked on the raw JSON tree: member names, types
and the references between categories and instances."""

from __future__ import annotations

import time

import pytest

from conformance.client import Exchange
from conformance.outcomes import not_applicable
from conformance.session import OCCISession
from conformance.suite._wire import (
    COMPUTE,
    COMPUTE_ACTION,
    ENTITY,
    UserMixins,
    json_categories,
    json_qi,
    json_tree,
    require_link,
    shared_links,
    soft_warning,
    user_mixins_fixture,  # noqa: F401 - fixture
)
from occi_protocol import grammar
from occi_protocol.rendering import OCCI_JSON, TEXT_PLAIN

TYPES = ("string", "number", "boolean", "array", "object")
RESOURCE_MEMBERS = {"kind", "mixins", "attributes", "actions", "id", "links", "summary", "title"}
LINK_MEMBERS = {"kind", "mixins", "attributes", "actions", "id", "source", "target", "title", "rel"}
_PY_TYPES = {
    "string": (str,),
    "number": (int, float),
    "boolean": (bool,),
    "array": (list,),
    "object": (dict,),
}


@pytest.fixture(autouse=True)
def _json(occi: OCCISession) -> None:
    occi.require_rendering(OCCI_JSON)


def _get(occi: OCCISession, location: str) -> object:
    exchange = occi.client.get(location, accept=OCCI_JSON)
    assert exchange.status == 200, f"GET {location} as JSON answered {exchange.status}"
    return json_tree(exchange)


def _is_type(value: object, json_type: str) -> bool:
    if json_type != "boolean" and isinstance(value, bool):
        return False
    return isinstance(value, _PY_TYPES[json_type])


def _descriptions(tree: dict) -> list[tuple[str, str, object]]:
    out = []
    for key in ("kinds", "mixins", "actions"):
        for category in json_categories(tree, key):
            where = f"{category.get('scheme', '')}{category.get('term', '')}"
            attributes = category.get("attributes") or {}
            if isinstance(attributes, dict):
                out += [(where, name, d) for name, d in attributes.items()]
    return out


def _ids(tree: dict, key: str) -> set[str]:
    return {f"{c.get('scheme')}{c.get('term')}" for c in json_categories(tree, key)}


# --- the query interface ---------------------------------------------------------------------


@pytest.mark.requirement("JSON-COLL-02")
def test_query_interface_object(occi: OCCISession) -> None:
    tree = json_qi(occi)
    extra = set(tree) - {"kinds", "mixins", "actions", "resources", "links"}
    assert not extra, f"the JSON query interface has members {sorted(extra)} J12 §3.4 lacks"
    assert "kinds" in tree and "actions" in tree, (
        f"the JSON query interface has {sorted(tree)}; it holds kinds and actions at least"
    )
    for key in ("kinds", "mixins", "actions"):
        json_categories(tree, key)  # asserts an array of category objects


@pytest.mark.requirement("JSON-CAT-01")
def test_kinds_are_well_formed(occi: OCCISession) -> None:
    tree = json_qi(occi)
    actions = _ids(tree, "actions")
    for kind in json_categories(tree, "kinds"):
        where = f"{kind.get('scheme')}{kind.get('term')}"
        assert isinstance(kind.get("term"), str) and isinstance(kind.get("scheme"), str), (
            f"kind {kind!r:.120}: term and scheme are required strings (J12 §3.2.1)"
        )
        if "parent" in kind:
            assert isinstance(kind["parent"], str), f"{where}: parent is not one id string"
        assert isinstance(kind.get("actions", []), list), f"{where}: actions is not an array"
        assert set(kind.get("actions", [])) <= actions, f"{where}: actions names unknown ids"
        assert isinstance(kind.get("attributes", {}), dict), f"{where}: attributes not an object"
        if where != ENTITY:
            assert isinstance(kind.get("location"), str) and kind["location"], (
                f"kind {where} has no location; J12 requires one on every kind but core#entity"
            )


@pytest.mark.requirement("JSON-CAT-02")
def test_mixins_are_well_formed(occi: OCCISession) -> None:
    tree = json_qi(occi)
    kinds, mixins = _ids(tree, "kinds"), _ids(tree, "mixins")
    for mixin in json_categories(tree, "mixins"):
        where = f"{mixin.get('scheme')}{mixin.get('term')}"
        for member in ("term", "scheme", "location"):
            assert isinstance(mixin.get(member), str), (
                f"mixin {where}: {member} is a required string (J12 §3.2.2)"
            )
        for member, allowed in (("depends", mixins), ("applies", kinds)):
            value = mixin.get(member, [])
            assert isinstance(value, list), f"mixin {where}: {member} is not an array"
            unknown = [v for v in value if v not in allowed]
            assert not unknown, f"mixin {where}: {member} names {unknown}, not advertised"


@pytest.mark.requirement("JSON-CAT-03")
def test_actions_are_well_formed(occi: OCCISession) -> None:
    for action in json_categories(json_qi(occi), "actions"):
        assert isinstance(action.get("term"), str) and isinstance(action.get("scheme"), str), (
            f"action {action!r:.120}: term and scheme are required strings (J12 §3.2.3)"
        )
        # C12/T12 §5.2: an action has neither a location nor actions of its own.
        extra = {"location", "actions"} & set(action)
        assert not extra, f"action {action.get('term')} carries {sorted(extra)}"


@pytest.mark.requirement("JSON-ADEF-01")
def test_attribute_descriptions(occi: OCCISession) -> None:
    for where, name, description in _descriptions(json_qi(occi)):
        assert isinstance(description, dict), f"{where} {name}: {description!r} is no object"
        for flag in ("mutable", "required"):
            if flag in description:
                assert isinstance(description[flag], bool), f"{where} {name}: {flag} not boolean"
        assert description.get("type", "string") in TYPES, (
            f"{where} {name}: type {description.get('type')!r} is none of {TYPES}"
        )
        if "description" in description:
            assert isinstance(description["description"], str), f"{where} {name}: description"
        pattern = description.get("pattern")
        if isinstance(pattern, str):
            soft_warning(occi, "AMB-JSON-03", f"{where} {name}: pattern is a regex string")
        elif pattern is not None:
            assert isinstance(pattern, dict), f"{where} {name}: pattern is not a JSON Schema object"


@pytest.mark.requirement("JSON-ADEF-02")
def test_defaults_have_the_declared_type(occi: OCCISession) -> None:
    for where, name, description in _descriptions(json_qi(occi)):
        if isinstance(description, dict) and "default" in description:
            declared = description.get("type", "string")
            if declared in _PY_TYPES:
                assert _is_type(description["default"], declared), (
                    f"{where} {name}: default {description['default']!r} is not a {declared}"
                )


@pytest.mark.requirement("JSON-ADEF-04")
def test_patterns_name_their_dialect(occi: OCCISession) -> None:
    for where, name, description in _descriptions(json_qi(occi)):
        pattern = description.get("pattern") if isinstance(description, dict) else None
        if isinstance(pattern, dict):
            assert "$schema" in pattern, f"{where} {name}: pattern lacks $schema (J12 §3.5.1)"


@pytest.mark.requirement("JSON-ATTR-01")
def test_attribute_names_are_flat_keys(occi: OCCISession) -> None:
    trees: list[tuple[str, dict]] = []
    for where, name, _ in _descriptions(json_qi(occi)):
        assert grammar.ATTRIBUTE_NAME12.fullmatch(name), f"{where}: attribute key {name!r}"
    entity = _get(occi, shared_or_existing(occi))
    assert isinstance(entity, dict)
    trees.append(("entity", entity.get("attributes") or {}))
    for where, attributes in trees:
        for name, value in attributes.items():
            assert grammar.ATTRIBUTE_NAME12.fullmatch(name), f"{where}: attribute key {name!r}"
            assert not (isinstance(value, dict) and {"occi", "core", "compute"} & set(value)), (
                f"{where}: {name} holds a nested name path {value!r}; names are flat (J12 §3.5)"
            )


def shared_or_existing(occi: OCCISession) -> str:
    from conformance.suite._wire import existing_or_new

    return existing_or_new(occi)


# --- instances -------------------------------------------------------------------------------


def _check_resource(occi: OCCISession, resource: object, where: str) -> dict:
    assert isinstance(resource, dict), f"{where} is a {type(resource).__name__}, not an object"
    assert isinstance(resource.get("kind"), str), f"{where} lacks the kind string"
    assert isinstance(resource.get("id"), str), f"{where} lacks the id string"
    extra = set(resource) - RESOURCE_MEMBERS
    if "location" in extra:
        occi.note("AMB-JSON-06", f"{where} carries a location member")
    assert not extra, (
        f"{where} carries members {sorted(extra)}; the J12 resource schema allows no others"
    )
    return resource


@pytest.mark.requirement("JSON-RES-01")
def test_resource_structure(occi: OCCISession) -> None:
    url = shared_or_existing(occi)
    _check_resource(occi, _get(occi, url), f"GET {url}")


@pytest.mark.requirement("JSON-RES-02", "JSON-RES-03")
def test_resource_references(occi: OCCISession) -> None:
    url = shared_or_existing(occi)
    resource = _check_resource(occi, _get(occi, url), f"GET {url}")
    model = occi.model
    assert model.kind(resource["kind"]) is not None, f"kind {resource['kind']!r} is not in /-/"
    mixins = resource.get("mixins", [])
    unknown = [m for m in mixins if model.mixin(m) is None]
    assert not unknown, f"mixins {unknown} are not advertised mixins (full ids expected)"
    allowed = set(model.applicable_actions(resource["kind"], mixins))
    extra = [a for a in resource.get("actions", []) if a not in allowed]
    assert not extra, f"actions {extra} belong neither to the kind nor to the mixins"


@pytest.mark.requirement("JSON-RES-05")
def test_top_level_core_values_agree(occi: OCCISession) -> None:
    url = shared_or_existing(occi)
    resource = _check_resource(occi, _get(occi, url), f"GET {url}")
    attributes = resource.get("attributes") or {}
    for member in ("id", "title", "summary"):
        name = f"occi.core.{member}"
        if member in resource and name in attributes:
            assert resource[member] == attributes[name], (
                f"{member} is {resource[member]!r} but {name} is {attributes[name]!r}"
            )


@pytest.mark.requirement("JSON-COLL-01")
def test_collection_holds_full_resources(occi: OCCISession) -> None:
    shared_or_existing(occi)
    location = occi.require_kind(COMPUTE)
    tree = _get(occi, location)
    assert isinstance(tree, dict) and isinstance(tree.get("resources"), list), (
        f'GET {location} as JSON gave {str(tree)[:150]}; J12 §3.3 wants {{"resources": [...]}}'
    )
    assert tree["resources"], "the compute collection is empty although a compute exists"
    for i, resource in enumerate(tree["resources"]):
        _check_resource(occi, resource, f"resources[{i}]")


@pytest.mark.requirement("JSON-ERR-01")
def test_error_body_parses_as_json(occi: OCCISession) -> None:
    location = occi.require_kind(COMPUTE) + "occi-conformance-no-such-entity"
    exchange = occi.client.get(location, accept=OCCI_JSON)
    assert exchange.status == 404, f"GET of an unknown entity answered {exchange.status}"
    if exchange.body.strip():
        assert exchange.media_type in ("application/occi+json", "application/json")
        json_tree(exchange)


# --- creation, actions, attribute types (destructive) ----------------------------------------


def _compute_object(occi: OCCISession, **attributes: object) -> dict:
    return {
        "kind": COMPUTE,
        "mixins": occi.compute_mixins(),
        "attributes": {"occi.core.title": occi.title(), **attributes},
    }


def _post_json(occi: OCCISession, location: str, document: object, **kw: object) -> Exchange:
    import json

    exchange = occi.client.post(
        location,
        body=json.dumps(document).encode(),
        content_type=OCCI_JSON,
        accept=OCCI_JSON,
        **kw,  # type: ignore[arg-type]
    )
    return exchange


def _created_url(occi: OCCISession, exchange: Exchange) -> str | None:
    """The new entity's URL as the answer names it (never kind location + id, AMB-CORE-05)."""
    if exchange.status not in (200, 201):
        return None
    url = occi.location_of(exchange)
    occi.created.append(url)
    return url


@pytest.mark.destructive
@pytest.mark.requirement("JSON-ENT-01")
def test_create_single_object_and_collection(occi: OCCISession) -> None:
    location = occi.require_kind(COMPUTE)
    single = _post_json(occi, location, _compute_object(occi))
    _created_url(occi, single)
    wrapped = _post_json(occi, location, {"resources": [_compute_object(occi)]})
    _created_url(occi, wrapped)
    ok = [s in (200, 201) for s in (single.status, wrapped.status)]
    occi.note("JSON-ENT-01", f"single object {single.status}, collection {wrapped.status}")
    assert any(ok), (
        f'neither a resource object ({single.status}) nor {{"resources": [...]}}'
        f" ({wrapped.status}) created a compute"
    )
    if not all(ok):
        soft_warning(occi, "JSON-ENT-01", "only one of the two creation forms works")


@pytest.mark.destructive
@pytest.mark.requirement("JSON-ATTR-02")
def test_attribute_values_are_native_json(occi: OCCISession) -> None:
    url, _ = occi.create_compute(
        OCCI_JSON, attributes={"occi.compute.cores": 2, "occi.compute.memory": 2.0}
    )
    resource = _get(occi, url)
    attributes = resource.get("attributes") or {}  # type: ignore[union-attr]
    checks = {"occi.compute.cores": "integer", "occi.compute.memory": "number"}
    for name, wanted in checks.items():
        if name in attributes:
            value = attributes[name]
            ok = isinstance(value, int) if wanted == "integer" else _is_type(value, "number")
            assert ok and not isinstance(value, bool), f"{name} is {value!r}, not a JSON {wanted}"
    assert isinstance(attributes.get("occi.compute.state"), str), (
        f"occi.compute.state is {attributes.get('occi.compute.state')!r}, not a JSON string"
    )


@pytest.mark.destructive
@pytest.mark.requirement("JSON-ACTINV-01")
def test_action_invocation_object(occi: OCCISession) -> None:
    url, _ = occi.create_compute(OCCI_JSON)
    if occi.read(url).attributes.get("occi.compute.state") != "active":
        start = _post_json(
            occi, url, {"action": COMPUTE_ACTION + "start"}, params={"action": "start"}
        )
        assert start.status in (200, 204), f"a JSON start invocation answered {start.status}"
        occi.wait_for(url, "occi.compute.state", ["active"])
    stop = _post_json(
        occi,
        url,
        {"action": COMPUTE_ACTION + "stop", "attributes": {"method": "graceful"}},
        params={"action": "stop"},
    )
    if stop.status == 204:
        soft_warning(occi, "AMB-HTTP-07", "a JSON action answered 204")
        return
    assert stop.status == 200, (
        f'POST ?action=stop with {{"action": ..., "attributes": {{"method": "graceful"}}}}'
        f" answered {stop.status}; J12 §3.1.1.1"
    )


@pytest.mark.destructive
@pytest.mark.requirement("JSON-QI-01")
def test_user_mixin_in_json(occi: OCCISession, user_mixins: UserMixins) -> None:
    mixin = user_mixins.new(term=f"jsontag{int(time.time() * 1000) % 10**8}")
    document = {
        "mixins": [{"term": mixin.term, "scheme": mixin.scheme, "location": mixin.location}]
    }
    exchange = _post_json(occi, "-/", document)
    if exchange.status in (403, 501):
        not_applicable(f"the endpoint refuses user mixins ({exchange.status})")
    if 200 <= exchange.status < 300:
        user_mixins.defined.append(mixin)
    assert exchange.status == 200, (
        f'POST /-/ with {{"mixins": [...]}} answered {exchange.status}: {exchange.text[:200]}'
    )
    assert user_mixins.location(mixin)


@pytest.mark.destructive
@pytest.mark.requirement("JSON-COLL-03")
def test_empty_collection_form(occi: OCCISession, user_mixins: UserMixins) -> None:
    mixin = user_mixins.define()
    location = user_mixins.location(mixin)
    exchange = occi.client.get(location, accept=OCCI_JSON)
    occi.note(
        "AMB-HTTP-05", f"empty JSON collection answered {exchange.status}: {exchange.text[:60]}"
    )
    assert exchange.status == 200, f"GET of an empty mixin collection answered {exchange.status}"
    tree = json_tree(exchange)
    assert tree in ({"resources": []}, {"links": []}), (
        f'an empty collection is {{"resources": []}} (J12 §3.3); got {exchange.text[:100]!r}'
    )


@pytest.mark.destructive
@pytest.mark.requirement("JSON-ENT-02")
def test_mixin_association_in_json(occi: OCCISession, user_mixins: UserMixins) -> None:
    mixin = user_mixins.define()
    location = user_mixins.location(mixin)
    url, _ = occi.create_compute()
    resource = _get(occi, url)
    forms = {
        "resources": {"resources": [{"kind": resource["kind"], "id": resource["id"]}]},  # type: ignore[index]
        "url-array": [url],
        "locations": {"locations": [url]},
    }
    for name, document in forms.items():
        exchange = _post_json(occi, location, document)
        if exchange.status in (200, 204) and mixin.id in occi.read(url).mixins:
            occi.note("AMB-JSON-04", f"JSON mixin association works with the {name} form")
            return
    raise AssertionError("no JSON body form associated the mixin (J12 defines none; AMB-JSON-04)")


# --- links -----------------------------------------------------------------------------------


def _check_endpoint(occi: OCCISession, value: object, where: str) -> dict:
    assert isinstance(value, dict), (
        f"{where} is {value!r}; J12 §3.1.2.1 wants an object with location (and kind)"
    )
    assert isinstance(value.get("location"), str), f"{where} has no location string"
    return value


def _check_link(occi: OCCISession, link: object, where: str) -> dict:
    assert isinstance(link, dict), f"{where} is not an object"
    for member in ("kind", "id"):
        assert isinstance(link.get(member), str), f"{where} lacks the {member} string"
    _check_endpoint(occi, link.get("source"), where + ".source")
    _check_endpoint(occi, link.get("target"), where + ".target")
    extra = set(link) - LINK_MEMBERS
    assert not extra, f"{where} carries members {sorted(extra)} the link schema forbids"
    return link


@pytest.mark.destructive
@pytest.mark.requirement("JSON-RES-04")
def test_resource_links_are_full_links(occi: OCCISession) -> None:
    links = shared_links(occi)
    if len(links) == 1:
        not_applicable("the endpoint offers no link kind")
    resource = _get(occi, links["compute"])
    owned = resource.get("links")  # type: ignore[union-attr]
    assert isinstance(owned, list) and owned, "the compute owns links but renders no links array"
    for i, link in enumerate(owned):
        checked = _check_link(occi, link, f"links[{i}]")
        source = occi.client.url(checked["source"]["location"])
        assert source == links["compute"], f"links[{i}].source is {source}, not the compute"


@pytest.mark.destructive
@pytest.mark.requirement("JSON-LINK-01", "JSON-LINK-02")
def test_link_instance(occi: OCCISession) -> None:
    links = shared_links(occi)
    url = require_link(occi, links, "networkinterface")
    link = _check_link(occi, _get(occi, url), f"GET {url}")
    target = link["target"]
    target_url = occi.client.url(target["location"])
    assert occi.client.get(target_url, accept=TEXT_PLAIN).status == 200, (
        f"target.location {target['location']} does not resolve"
    )
    if "kind" in target:
        assert target["kind"] == occi.read(target_url).kind, (
            f"target.kind {target['kind']} is not the kind of the target resource"
        )
    else:
        soft_warning(occi, "JSON-LINK-02", "target.kind is missing")
