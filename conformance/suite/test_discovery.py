"""Discovery: the query interface and the category model it describes (C12 §5.3, H12 §4, §9).

Read-only except the user-mixin tests (H12 §9.3–9.4), which define and remove their own
mixins. Every check reads the model the way a client does: from /-/ in each rendering the
endpoint serves.
"""

from __future__ import annotations

import re

import pytest

from conformance.session import INFRA, OS_TPL, RESOURCE_TPL, OCCISession
from conformance.suite._wire import (
    COMPUTE,
    COMPUTE_ACTION,
    ENTITY,
    LINK,
    OGF_ATTRIBUTES_11_ONLY,
    OGF_ATTRIBUTES_12_ONLY,
    OGF_ATTRIBUTES_BOTH,
    OGF_BASE,
    OGF_CATEGORIES_11_ONLY,
    OGF_CATEGORIES_12_ONLY,
    OGF_CATEGORIES_BOTH,
    OGF_DE_FACTO,
    RESOURCE,
    UserMixins,
    category_params,
    items,
    json_categories,
    json_qi,
    occi_lines,
    soft_warning,
    user_mixins_fixture,  # noqa: F401 - fixture
    version,
)
from occi_protocol import grammar
from occi_protocol.model import Action, Category, Kind, Mixin, Model, Resource
from occi_protocol.rendering import OCCI_JSON, TEXT_OCCI, TEXT_PLAIN, rendering_for

WELL_KNOWN = "/.well-known/org/ogf/occi/-/"


def _qi(occi: OCCISession, media_type: str) -> list[Category]:
    """The categories of /-/ in one rendering, parsed strictly (duplicates kept)."""
    occi.require_rendering(media_type)
    exchange = occi.client.get("-/", accept=media_type)
    assert exchange.status == 200, f"GET /-/ with Accept: {media_type} answered {exchange.status}"
    categories = occi.parse(exchange, "categories", media_type)
    assert isinstance(categories, list)
    return categories


def _model(categories: list[Category]) -> Model:
    seen: dict[str, int] = {}
    for c in categories:
        seen[c.id] = seen.get(c.id, 0) + 1
    duplicates = [i for i, n in seen.items() if n > 1]
    assert not duplicates, (
        f"the query interface lists these categories more than once: {duplicates}"
    )
    return Model(categories)


# --- the query interface ------------------------------------------------------------------


@pytest.mark.requirement("HTTP-QI-01")
def test_query_interface_is_served_at_dash(occi: OCCISession) -> None:
    exchange = occi.client.get("-/", accept=TEXT_PLAIN)
    assert exchange.status == 200, (
        f"GET /-/ answered {exchange.status}; H12 §9 puts the query interface at /-/ on every"
        " implementation"
    )


@pytest.mark.requirement("HTTP-QI-03")
def test_query_interface_in_every_rendering(occi: OCCISession, rendering: str) -> None:
    categories = _qi(occi, rendering)
    classes = {c.__class__.__name__ for c in categories}
    assert "Kind" in classes, f"the {rendering} query interface lists no kind at all"
    assert "Action" in classes or not any(getattr(c, "actions", ()) for c in categories), (
        f"kinds in the {rendering} query interface name actions, but no action category is listed"
    )


@pytest.mark.requirement("HTTP-QI-02")
def test_well_known_query_interface_equals_dash(occi: OCCISession) -> None:
    probe = occi.client.get(WELL_KNOWN, accept=TEXT_PLAIN)
    if probe.status != 200:
        occi.note("HTTP-QI-02", f"{WELL_KNOWN} answered {probe.status} (not offered)")
        pytest.skip(f"n/a: the endpoint does not offer {WELL_KNOWN} ({probe.status})")
    well_known = {c.id for c in occi.parse(probe, "categories")}  # type: ignore[union-attr]
    dash = {c.id for c in _qi(occi, TEXT_PLAIN)}
    assert well_known == dash, (
        f"{WELL_KNOWN} must behave exactly like /-/ (H12 §9); only in /-/: "
        f"{sorted(dash - well_known)[:10]}, only in the well-known path: "
        f"{sorted(well_known - dash)[:10]}"
    )


@pytest.mark.requirement("CORE-GEN-01", "CORE-KIND-01")
def test_core_kinds_are_advertised(occi: OCCISession, rendering: str) -> None:
    model = _model(_qi(occi, rendering))
    for identifier in (ENTITY, RESOURCE, LINK):
        category = model.get(identifier)
        assert category is not None, f"the {rendering} query interface lacks {identifier}"
        assert isinstance(category, Kind), (
            f"{identifier} is advertised as a {category.category_class}, not as a kind"
        )


@pytest.mark.requirement("CORE-CAT-01")
def test_every_category_has_term_and_scheme(occi: OCCISession, rendering: str) -> None:
    for category in _qi(occi, rendering):
        assert category.term, f"a {rendering} category has an empty term (scheme {category.scheme})"
        assert category.scheme, f"{rendering} category {category.term!r} has an empty scheme"


@pytest.mark.requirement("CORE-CAT-02", "CORE-DISC-01")
def test_category_references_resolve(occi: OCCISession, rendering: str) -> None:
    model = _model(_qi(occi, rendering))
    problems = []
    for category in model:
        refs: list[tuple[str, str, type]] = []
        if isinstance(category, Kind):
            if category.parent:
                refs.append(("parent", category.parent, Kind))
            refs += [("actions", a, Action) for a in category.actions]
        if isinstance(category, Mixin):
            refs += [("depends", d, Mixin) for d in category.depends]
            refs += [("applies", a, Kind) for a in category.applies]
            refs += [("actions", a, Action) for a in category.actions]
        for what, ref, cls in refs:
            target = model.get(ref)
            if target is None:
                problems.append(f"{category.id} {what} {ref!r}: no such category in /-/")
            elif not isinstance(target, cls):
                problems.append(f"{category.id} {what} {ref!r} is a {target.category_class}")
    assert not problems, (
        f"the {rendering} query interface is not referentially closed (C12 §5.3.9: every"
        " parent, depends, applies and actions reference names an advertised category by"
        " scheme+term): " + "; ".join(problems[:10])
    )


@pytest.mark.requirement("CORE-CAT-03")
def test_reserved_scheme_holds_only_ogf_categories(occi: OCCISession) -> None:
    own = OGF_CATEGORIES_12_ONLY if version(occi) == "1.2" else OGF_CATEGORIES_11_ONLY
    other = OGF_CATEGORIES_11_ONLY if version(occi) == "1.2" else OGF_CATEGORIES_12_ONLY
    unknown = []
    for category in occi.model:
        if not category.id.startswith(OGF_BASE):
            continue
        if category.id in OGF_CATEGORIES_BOTH or category.id in own:
            continue
        if category.id in OGF_DE_FACTO:
            soft_warning(occi, "AMB-INFRA-01", f"{category.id} is de-facto, not OGF-defined")
        elif category.id in other:
            soft_warning(occi, "AMB-INFRA-02", f"{category.id} belongs to the other OCCI version")
        else:
            unknown.append(category.id)
    assert not unknown, (
        f"categories under the reserved base {OGF_BASE} that no OGF document defines (C12"
        f" §5.3.1 reserves it): {unknown}"
    )


@pytest.mark.requirement("CORE-CAT-04")
def test_every_category_is_kind_mixin_or_action(occi: OCCISession) -> None:
    exchange = occi.client.get("-/", accept=TEXT_PLAIN)
    assert exchange.status == 200, f"GET /-/ answered {exchange.status}"
    for value in items(occi_lines(exchange, TEXT_PLAIN), "Category"):
        term, params, _ = category_params(value)
        klass = params.get("class", "").strip('"')
        assert klass in grammar.CLASSES, (
            f"Category {term!r} has class {klass!r}; 1.2 has only kind, mixin and action"
        )
    if occi.supports(OCCI_JSON):
        tree = json_qi(occi)
        extra = set(tree) - {"kinds", "mixins", "actions", "resources", "links"}
        assert not extra, f"the JSON query interface holds categories under {sorted(extra)}"


@pytest.mark.requirement("CORE-CAT-05")
def test_category_identifiers_unique_and_terms_valid(occi: OCCISession, rendering: str) -> None:
    categories = _qi(occi, rendering)
    _model(categories)
    pattern = grammar.term_pattern(version(occi))
    bad = [c.id for c in categories if pattern.fullmatch(c.term) is None]
    assert not bad, f"terms that break the OCCI {version(occi)} term grammar: {bad}"


# --- attributes -----------------------------------------------------------------------------


def _named_attributes(model: Model) -> list[tuple[str, str]]:
    """(category id, attribute name) for kinds and mixins; action parameters are exempt."""
    return [(c.id, a.name) for c in model if not isinstance(c, Action) for a in c.attributes]


@pytest.mark.requirement("CORE-ATTR-02")
def test_reserved_attribute_prefix(occi: OCCISession) -> None:
    own, other = (OGF_ATTRIBUTES_12_ONLY, OGF_ATTRIBUTES_11_ONLY)
    if version(occi) != "1.2":
        own, other = other, own
    unknown = []
    for category, name in _named_attributes(occi.model):
        if not name.startswith("occi.") or name in OGF_ATTRIBUTES_BOTH or name in own:
            continue
        if name in other:
            soft_warning(occi, "AMB-INFRA-02", f"{category} defines {name} of the other version")
            continue
        unknown.append(f"{name} ({category})")
    assert not unknown, (
        f'attributes under the prefix "occi." reserved for OGF (C12 §5.3.2) that no OGF document'
        f" defines: {unknown}"
    )


_REVERSE_DNS = re.compile(r"[a-z]{2,63}\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\..+", re.IGNORECASE)


@pytest.mark.requirement("CORE-ATTR-02b")
def test_provider_attributes_use_reverse_dns(occi: OCCISession) -> None:
    bad = [
        f"{name} ({category})"
        for category, name in _named_attributes(occi.model)
        if not name.startswith("occi.") and _REVERSE_DNS.fullmatch(name) is None
    ]
    assert not bad, (
        "provider attributes should carry a reversed DNS prefix such as com.example. (C12"
        f" §5.5.1): {bad}"
    )


@pytest.mark.requirement("CORE-ATTR-05")
def test_action_parameters_are_plain_attribute_names(occi: OCCISession) -> None:
    pattern = grammar.attribute_name_pattern(version(occi))
    bad = [
        f"{a.name} ({c.id})"
        for c in occi.model.actions
        for a in c.attributes
        if pattern.fullmatch(a.name) is None
    ]
    assert not bad, f"action parameters whose names break the attribute-name grammar: {bad}"


@pytest.mark.requirement("CORE-ATTR-01")
def test_attribute_definitions_are_discoverable_in_json(occi: OCCISession) -> None:
    tree = json_qi(occi)
    problems = []
    for key in ("kinds", "mixins", "actions"):
        for category in json_categories(tree, key):
            attributes = category.get("attributes", {})
            where = f"{category.get('scheme', '')}{category.get('term', '')}"
            if not isinstance(attributes, dict):
                problems.append(f"{where}: attributes is a {type(attributes).__name__}")
                continue
            for name, description in attributes.items():
                if not isinstance(description, dict):
                    problems.append(f"{where} {name}: {description!r} is not a description object")
                    continue
                for flag in ("mutable", "required"):
                    if flag in description and not isinstance(description[flag], bool):
                        problems.append(f"{where} {name}: {flag} is not a boolean")
                if description.get("type", "string") not in (
                    "string",
                    "number",
                    "boolean",
                    "array",
                    "object",
                ):
                    problems.append(f"{where} {name}: type {description.get('type')!r}")
    assert not problems, (
        "attribute definitions in the JSON query interface are not well-formed (C12 §5.3.2,"
        " J12 §3.5.1): " + "; ".join(problems[:10])
    )


# --- kinds ----------------------------------------------------------------------------------


@pytest.mark.requirement("CORE-KIND-05")
def test_kind_parents_lead_to_entity(occi: OCCISession, rendering: str) -> None:
    model = _model(_qi(occi, rendering))
    entity = model.kind(ENTITY)
    assert entity is not None, f"{ENTITY} is missing from the {rendering} query interface"
    assert not entity.parent, f"{ENTITY} must have no parent, but names {entity.parent}"
    for kind in model.kinds:
        chain, current = [kind.id], kind
        while current.id != ENTITY:
            assert current.parent, (
                f"kind {kind.id}: parent chain {' -> '.join(chain)} stops before {ENTITY}"
            )
            assert current.parent not in chain, (
                f"kind {kind.id}: parent chain loops: {' -> '.join([*chain, current.parent])}"
            )
            parent = model.kind(current.parent)
            assert parent is not None, (
                f"kind {kind.id}: parent {current.parent} is not an advertised kind"
            )
            chain.append(parent.id)
            current = parent


@pytest.mark.requirement("CORE-KIND-06")
def test_provider_kinds_descend_from_resource_or_link(occi: OCCISession) -> None:
    model = occi.model
    for kind in model.kinds:
        if kind.id.startswith(OGF_BASE):
            continue
        lineage = [k.id for k in model.lineage(kind.id)]
        assert RESOURCE in lineage or LINK in lineage, (
            f"provider kind {kind.id} descends through {' -> '.join(lineage)}; provider"
            " sub-types extend core#resource or core#link (C12 §5.5.2)"
        )


def _compute_kind(occi: OCCISession) -> Kind:
    occi.require_kind(COMPUTE)
    kind = occi.model.kind(COMPUTE)
    assert kind is not None
    return kind


@pytest.mark.requirement("CORE-KIND-03")
def test_compute_kind_publishes_its_attributes(occi: OCCISession) -> None:
    _compute_kind(occi)
    names = {"architecture", "cores", "hostname", "memory", "state"}
    names |= {"share", "state.message"} if version(occi) == "1.2" else {"speed"}
    own = {a.name for a in occi.model.kind(COMPUTE).attributes}  # type: ignore[union-attr]
    effective = set(occi.model.attribute_definitions(COMPUTE))
    occi.note(
        "AMB-CORE-03",
        "compute kind repeats inherited attributes"
        if "occi.core.title" in own
        else "compute kind lists only its own attributes",
    )
    missing = sorted(f"occi.compute.{n}" for n in names if f"occi.compute.{n}" not in effective)
    assert not missing, (
        f"the compute kind does not publish {missing} (I{version(occi).replace('.', '')}"
        " compute table; C12 §5.3.3 says a kind publishes its attributes)"
    )


@pytest.mark.requirement("CORE-KIND-04")
def test_compute_kind_publishes_its_actions(occi: OCCISession) -> None:
    kind = _compute_kind(occi)
    terms = ["start", "stop", "restart", "suspend"] + (["save"] if version(occi) == "1.2" else [])
    missing = [COMPUTE_ACTION + t for t in terms if COMPUTE_ACTION + t not in kind.actions]
    assert not missing, f"the compute kind's actions lack {missing}; it lists {list(kind.actions)}"


@pytest.mark.requirement("CORE-ACT-04")
def test_stop_action_declares_method(occi: OCCISession) -> None:
    _compute_kind(occi)
    stop = occi.model.action(COMPUTE_ACTION + "stop")
    assert stop is not None, "the query interface has no compute stop action"
    assert stop.attribute("method") is not None, (
        f"the stop action declares {[a.name for a in stop.attributes]}, not the parameter method"
    )


# --- locations ------------------------------------------------------------------------------


def _located(model: Model) -> list[tuple[str, str]]:
    return [(c.id, c.location) for c in model if isinstance(c, Kind | Mixin) and c.location]


@pytest.mark.requirement("HTTP-NS-01")
def test_locations_are_unique(occi: OCCISession, rendering: str) -> None:
    model = _model(_qi(occi, rendering))
    by_location: dict[str, list[str]] = {}
    for identifier, location in _located(model):
        by_location.setdefault(occi.client.url(location), []).append(identifier)
    shared = {loc: ids for loc, ids in by_location.items() if len(ids) > 1}
    assert not shared, f"locations bound to more than one kind or mixin (H12 §4): {shared}"


@pytest.mark.requirement("HTTP-NS-02")
def test_locations_are_uri_references(occi: OCCISession) -> None:
    for identifier, location in _located(occi.model):
        if "{" in location:
            soft_warning(occi, "HTTP-NS-02", f"{identifier} location is a URI template")
            continue
        assert grammar.URI_REFERENCE.fullmatch(location), (
            f"the location {location!r} of {identifier} is not a URI reference"
        )


@pytest.mark.requirement("HTTP-NS-03")
def test_entity_kind_has_no_location(occi: OCCISession) -> None:
    entity = occi.model.kind(ENTITY)
    assert entity is not None, f"{ENTITY} is not advertised, so it cannot be checked"
    if entity.location:
        # Policy (AMB-HTTP-01): widely deployed (rOCCI /entity/), so a warning only.
        soft_warning(occi, "AMB-HTTP-01", f"core#entity is bound to {entity.location}")


@pytest.mark.requirement("HTTP-NS-04")
def test_locations_end_with_slash(occi: OCCISession) -> None:
    bad = []
    for category in occi.model:
        if isinstance(category, Kind) and category.id == ENTITY:
            continue
        if isinstance(category, Kind | Mixin) and not (category.location or "").endswith("/"):
            bad.append(f"{category.id}: {category.location!r}")
    if version(occi) != "1.1":
        if bad:
            occi.note("AMB-HTTP-02", f"locations without a trailing slash: {bad[:5]}")
        pytest.skip("n/a: the trailing-slash rule is OCCI 1.1 only (H11 §3.3.1); recorded")
    assert not bad, f"1.1 requires a location ending in '/' on every kind and mixin: {bad}"


@pytest.mark.requirement("HTTP-NS-05")
def test_unbound_root_path(occi: OCCISession) -> None:
    exchange = occi.client.get("/", accept=TEXT_PLAIN)
    occi.note("HTTP-NS-05", f"GET / answered {exchange.status}")
    assert exchange.status < 500, f"GET / answered {exchange.status}; a listing or 404 is fine"


@pytest.mark.requirement("HTTP-NS-08")
def test_kind_location_with_toggled_slash(occi: OCCISession) -> None:
    for kind in occi.model.kinds:
        if not kind.location:
            continue
        toggled = kind.location[:-1] if kind.location.endswith("/") else kind.location + "/"
        exchange = occi.client.get(toggled, accept=TEXT_PLAIN)
        assert exchange.status < 500, (
            f"GET {toggled} (the location of {kind.id} with the slash toggled) answered"
            f" {exchange.status}; 200, 3xx or 404 are fine"
        )


# --- user mixins (H12 §9.3, §9.4) -----------------------------------------------------------


@pytest.mark.destructive
@pytest.mark.requirement("HTTP-QI-11")
def test_user_mixin_support_is_recorded(occi: OCCISession, user_mixins: UserMixins) -> None:
    mixin = user_mixins.new()
    exchange = user_mixins.post(mixin)
    occi.note("HTTP-QI-11", f"POST of a user mixin to /-/ answered {exchange.status}")
    assert exchange.status < 500 or exchange.status == 501, (
        f"POST of a user mixin answered {exchange.status}; refusing the feature is 501 or 403"
    )


@pytest.mark.destructive
@pytest.mark.requirement("CORE-EXT-02")
def test_user_mixin_can_be_defined_and_removed(occi: OCCISession, user_mixins: UserMixins) -> None:
    mixin = user_mixins.new()
    exchange = user_mixins.post(mixin)
    assert 200 <= exchange.status < 300, (
        f"POST of a user mixin to /-/ answered {exchange.status}; a server offering tags lets"
        " clients define their own mixins (C12 §5.5.3)"
    )
    location = user_mixins.location(mixin)
    assert location, "the new user mixin has no location"
    gone = user_mixins.delete(mixin)
    assert gone.status in (200, 204), f"DELETE /-/ of the user mixin answered {gone.status}"
    after = {c.id for c in occi.parse(occi.client.get("-/", accept=TEXT_PLAIN), "categories")}  # type: ignore[union-attr]
    assert mixin.id not in after, "the user mixin is still in /-/ after its DELETE"


@pytest.mark.destructive
@pytest.mark.requirement("HTTP-QI-05")
def test_post_user_mixin_answers_200(occi: OCCISession, user_mixins: UserMixins) -> None:
    mixin = user_mixins.new()
    exchange = user_mixins.post(mixin)
    if exchange.status in (403, 501):
        pytest.skip(f"n/a: the endpoint refuses user mixins ({exchange.status})")
    occi.note("HTTP-QI-05", f"user mixin POST answered {exchange.status}")
    if exchange.status == 201:
        soft_warning(occi, "HTTP-QI-05", "user mixin POST answered 201 instead of 200")
    else:
        assert exchange.status == 200, (
            f"POST of a user mixin to /-/ answered {exchange.status}; H12 §9.3 says 200"
        )
    assert user_mixins.location(mixin)


@pytest.mark.destructive
@pytest.mark.requirement("HTTP-QI-06")
def test_user_mixin_without_location_is_refused(occi: OCCISession, user_mixins: UserMixins) -> None:
    if version(occi) != "1.1":
        pytest.skip("n/a: the location requirement on user mixins is OCCI 1.1 only")
    user_mixins.define()
    mixin = user_mixins.new()
    bare = Mixin(scheme=mixin.scheme, term=mixin.term, title=mixin.title)
    exchange = user_mixins.post(bare)
    assert exchange.status == 400, (
        f"POST of a user mixin without location answered {exchange.status}"
    )


@pytest.mark.destructive
@pytest.mark.requirement("HTTP-QI-07")
def test_duplicate_user_mixin(occi: OCCISession, user_mixins: UserMixins) -> None:
    if version(occi) != "1.1":
        pytest.skip("n/a: the collision rule is stated in OCCI 1.1 only")
    mixin = user_mixins.define()
    again = user_mixins.post(mixin)
    occi.note("HTTP-QI-07", f"second POST of the same user mixin answered {again.status}")
    assert again.status < 500, f"posting the same user mixin twice answered {again.status}"


@pytest.mark.destructive
@pytest.mark.requirement("HTTP-QI-08")
def test_delete_user_mixin_answers_200(occi: OCCISession, user_mixins: UserMixins) -> None:
    mixin = user_mixins.define()
    exchange = user_mixins.delete(mixin)
    assert exchange.status == 200, (
        f"DELETE /-/ with the user mixin's Category answered {exchange.status}; H12 §9.4 says 200"
    )
    after = {c.id for c in occi.parse(occi.client.get("-/", accept=TEXT_PLAIN), "categories")}  # type: ignore[union-attr]
    assert mixin.id not in after, "the user mixin is still advertised after its DELETE"


@pytest.mark.destructive
@pytest.mark.requirement("HTTP-QI-09")
def test_deleting_provider_mixin_is_forbidden(occi: OCCISession) -> None:
    # A non-conformant server really deletes the provider mixin: throwaway endpoints only.
    occi.require_capability("disposable")
    provider = occi.templates(OS_TPL) or occi.templates(RESOURCE_TPL)
    if not provider:
        pytest.skip("n/a: the endpoint advertises no os_tpl or resource_tpl mixin to try")
    mixin = provider[0]
    line = f'{mixin.term};scheme="{mixin.scheme}";class="mixin"'
    exchange = occi.client.request(
        "DELETE", "-/", headers=[("Category", line)], content_type=TEXT_OCCI, accept=TEXT_PLAIN
    )
    after = {c.id for c in occi.parse(occi.client.get("-/", accept=TEXT_PLAIN), "categories")}  # type: ignore[union-attr]
    assert mixin.id in after, (
        f"DELETE /-/ with the provider mixin {mixin.id} answered {exchange.status} and removed"
        " it from the query interface; only user mixins may be deleted (H11 §3.4.1: 403)"
    )
    assert exchange.status == 403, (
        f"DELETE /-/ with the provider mixin {mixin.id} answered {exchange.status}; H11 §3.4.1"
        " says 403"
    )


@pytest.mark.destructive
@pytest.mark.requirement("HTTP-QI-10")
def test_deleting_user_mixin_detaches_it(occi: OCCISession, user_mixins: UserMixins) -> None:
    mixin = user_mixins.define()
    url, _ = occi.create_compute(mixins=[mixin.id])
    before = occi.read(url)
    assert mixin.id in before.mixins, f"the compute created with {mixin.id} does not carry it"
    exchange = user_mixins.delete(mixin)
    assert exchange.status in (200, 204), f"DELETE of the user mixin answered {exchange.status}"
    after = occi.read(url)
    assert mixin.id not in after.mixins, (
        "the compute still carries the deleted user mixin; removing a mixin removes it from"
        " every entity (H11 §3.4.1)"
    )


# --- kinds at work: instances (destructive) ---------------------------------------------------


@pytest.mark.destructive
@pytest.mark.requirement("CORE-KIND-07")
def test_child_kind_inherits_core_attributes(occi: OCCISession) -> None:
    if version(occi) != "1.2":
        pytest.skip("n/a: the inheritance rule is stated by C12 (1.2)")
    summary = "occi-conformance summary"
    url, _ = occi.create_compute(attributes={"occi.core.summary": summary})
    entity = occi.read(url)
    assert entity.attributes.get("occi.core.title") == occi.title(), (
        f"the compute reads back with title {entity.attributes.get('occi.core.title')!r}"
    )
    assert entity.attributes.get("occi.core.summary") == summary, (
        f"the compute reads back with summary {entity.attributes.get('occi.core.summary')!r};"
        " compute inherits occi.core.summary from core#resource (C12 §5.3.3)"
    )


@pytest.mark.destructive
@pytest.mark.requirement("CORE-KIND-08", "HTTP-NS-07")
def test_kind_collection_lists_new_instance(occi: OCCISession) -> None:
    url, _ = occi.create_compute()
    assert not url.endswith("/"), (
        f"the new compute's URL {url} ends with '/', which denotes a namespace (H11 §3.4.4)"
    )
    members = occi.list(occi.require_kind(COMPUTE))
    assert url in members, (
        f"GET on the compute kind location does not list the new compute {url} (C12 §5.3.3)"
    )


@pytest.mark.destructive
@pytest.mark.requirement("CORE-KIND-02")
def test_kind_cannot_be_changed(occi: OCCISession) -> None:
    occi.require_kind(INFRA + "storage")
    url, _ = occi.create_compute()
    storage = f'storage;scheme="{INFRA}";class="kind"'
    exchange = occi.client.post(
        url, headers=[("Category", storage)], content_type=TEXT_OCCI, accept=TEXT_PLAIN
    )
    assert 400 <= exchange.status < 500, (
        f"a partial update naming the storage kind on a compute answered {exchange.status};"
        " an instance keeps its kind (C12 §5.3.3), so the request is refused with 4xx"
    )
    assert occi.read(url).kind == COMPUTE, "the compute changed its kind"


def _mutable_required(occi: OCCISession, kind_id: str) -> list[str]:
    definitions = occi.model.attribute_definitions(kind_id)
    return [n for n, a in definitions.items() if a.required and a.mutable]


@pytest.mark.destructive
@pytest.mark.requirement("CORE-ATTR-03")
def test_missing_required_attribute_is_400(occi: OCCISession) -> None:
    # Requiredness comes from the query interface only (AMB-CORE-01); attributes that are also
    # immutable are server-managed and cannot be demanded from the client.
    candidates = [
        k
        for k in occi.model.kinds
        if k.location
        and not occi.model.is_link_kind(k.id)
        and len(_mutable_required(occi, k.id)) == 1
    ]
    if not candidates:
        pytest.skip(
            "n/a: no resource kind advertises exactly one client-supplied required attribute"
        )
    kind = candidates[0]
    name = _mutable_required(occi, kind.id)[0]
    mixins = occi.compute_mixins() if kind.id == COMPUTE else []
    rendered = rendering_for(TEXT_PLAIN).render_entity(
        Resource(kind=kind.id, mixins=tuple(mixins), attributes={"occi.core.title": occi.title()})
    )
    exchange = occi.client.post(
        kind.location, body=rendered.body, content_type=TEXT_PLAIN, accept=TEXT_PLAIN
    )
    if exchange.status in (200, 201):
        occi.created.append(occi.location_of(exchange))
    occi.note("AMB-HTTP-10", f"missing required {name} answered {exchange.status}")
    assert 400 <= exchange.status < 500, (
        f"creating a {kind.id} without the required {name} answered {exchange.status}; the"
        " client must supply required attributes (C12 §5.3.2), H11 §3.6.8 says 400"
    )
    if exchange.status != 400:
        soft_warning(occi, "CORE-ATTR-03", f"missing {name} answered {exchange.status}, not 400")


@pytest.mark.destructive
@pytest.mark.requirement("CORE-ATTR-04")
def test_defaults_apply_when_omitted(occi: OCCISession) -> None:
    tree = json_qi(occi)
    template_attributes = {
        a.name for m in occi.model.mixin_closure(occi.compute_mixins()) for a in m.attributes
    }
    lineage = {k.id for k in occi.model.lineage(COMPUTE)}
    defaults = {}
    for kind in json_categories(tree, "kinds"):
        if f"{kind.get('scheme')}{kind.get('term')}" not in lineage:
            continue
        for name, desc in (kind.get("attributes") or {}).items():
            # Immutable values (state) are the server's to change; templates may set their own.
            if (
                isinstance(desc, dict)
                and "default" in desc
                and desc.get("mutable") is True
                and name not in template_attributes
                and name != "occi.core.title"
            ):
                defaults[name] = desc["default"]
    if not defaults:
        pytest.skip("n/a: the compute kind declares no default for a client-set attribute")
    url, _ = occi.create_compute(OCCI_JSON)
    values = occi.read(url, OCCI_JSON).attributes
    wrong = {n: values.get(n) for n, d in defaults.items() if values.get(n) != d}
    assert not wrong, (
        f"attributes left out at creation do not carry their declared defaults {defaults}:"
        f" got {wrong} (J12 §3.5.1)"
    )
