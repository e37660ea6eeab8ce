"""Property tests: model -> application/occi+json -> model is the identity.

Identifiers, names and locations come from :mod:`occi_protocol.testing.strategies`; values
and attribute definitions are drawn here, because JSON carries more than text does (every
type, defaults, patterns, enums, bounds, nested values, any Unicode text) and less in one
respect (integers are limited to the signed 64-bit range).
"""

from __future__ import annotations

import json
from dataclasses import replace

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from occi_protocol.errors import ParseError
from occi_protocol.model import (
    Action,
    ActionInvocation,
    Attribute,
    Category,
    Entity,
    Kind,
    Link,
    Mixin,
    Resource,
)
from occi_protocol.rendering.json_rendering import JSON_RENDERING, MAX_INT
from occi_protocol.testing import strategies as occi

J = JSON_RENDERING
SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
CORE_NAMES = frozenset(
    {
        "occi.core.id",
        "occi.core.title",
        "occi.core.summary",
        "occi.core.source",
        "occi.core.target",
        "occi.core.source.kind",
        "occi.core.target.kind",
    }
)

# --- JSON values ------------------------------------------------------------------------------

#: Any Unicode text (control characters, quotes, backslashes, astral planes; no surrogates,
#: which are not text), with awkward characters favoured.
awkward = st.sampled_from(['"', "\\", "/", "\x00", "\x1f", "\x7f", "\u2028", "\ufeff", "é", "𝄞"])
texts = st.text(awkward | st.characters(blacklist_categories=("Cs",)), max_size=20)
integers = st.integers(min_value=-MAX_INT, max_value=MAX_INT)
floats = st.floats(allow_nan=False, allow_infinity=False)
scalars = st.one_of(texts, integers, floats, st.booleans())
#: Values nested inside arrays and objects may be null.
nested = st.recursive(
    scalars | st.none(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(texts, inner, max_size=4),
    max_leaves=12,
)
values = scalars | st.lists(nested, max_size=4) | st.dictionaries(texts, nested, max_size=4)
names = occi.attribute_names().filter(lambda n: n not in CORE_NAMES)
attribute_maps = st.dictionaries(names, values, max_size=5)

# --- attribute definitions ----------------------------------------------------------------------

#: Python regexes that are also sensible JSON Schema (ECMA 262) patterns, awkward ones included.
REGEXES = [
    r"[a-z]+",
    r"a|b",
    r"(a)|(b)",
    r"x\)",
    r"[)(]",
    r"^a$|b",
    r"\d{1,3}(\.\d{1,3}){3}",
    r"[^\s]*",
    r"(?:é|☃)+",
    r".*",
]
DEFAULTS = {
    "string": texts,
    "uri": texts,
    "integer": integers,
    "float": floats | integers,
    "boolean": st.booleans(),
    "list": st.lists(nested, max_size=3),
    "object": st.dictionaries(texts, nested, max_size=3),
}


@st.composite
def attribute_definitions(draw: st.DrawFn, name: str) -> Attribute:
    kind = draw(st.sampled_from(["enum", *DEFAULTS]))
    enum: tuple[str, ...] = ()
    if kind == "enum":
        enum = tuple(draw(st.lists(texts, min_size=1, max_size=4, unique=True)))
        default = draw(st.none() | st.sampled_from(enum))
    else:
        default = draw(st.none() | DEFAULTS[kind])
    pattern = (
        draw(st.none() | st.sampled_from(REGEXES)) if kind in ("string", "uri", "enum") else None
    )
    bound = integers | floats
    numeric = kind in ("integer", "float")
    return Attribute(
        name=name,
        type=kind,  # type: ignore[arg-type]
        mutable=draw(st.booleans()),
        required=draw(st.booleans()),
        default=default,
        pattern=pattern,
        enum=enum,
        minimum=draw(st.none() | bound) if numeric else None,
        maximum=draw(st.none() | bound) if numeric else None,
        description=draw(texts),
    )


def definitions(max_size: int = 4) -> st.SearchStrategy[tuple[Attribute, ...]]:
    return (
        st.lists(names, max_size=max_size, unique=True)
        .flatmap(lambda ns: st.tuples(*(attribute_definitions(n) for n in ns)))
        .map(tuple)
    )


def ids(max_size: int = 3) -> st.SearchStrategy[tuple[str, ...]]:
    return st.lists(occi.type_ids(), max_size=max_size, unique=True).map(tuple)


kinds = st.builds(
    Kind,
    scheme=occi.schemes(),
    term=occi.terms(),
    title=texts,
    attributes=definitions(),
    parent=st.none() | occi.type_ids(),
    actions=ids(),
    location=st.none() | occi.locations(),
)
mixins = st.builds(
    Mixin,
    scheme=occi.schemes(),
    term=occi.terms(),
    title=texts,
    attributes=definitions(),
    depends=ids(),
    applies=ids(),
    actions=ids(),
    location=st.none() | occi.locations(),
)
actions = st.builds(
    Action, scheme=occi.schemes(), term=occi.terms(), title=texts, attributes=definitions()
)
categories = st.lists(st.one_of(kinds, mixins, actions), max_size=6, unique_by=lambda c: c.id)

# --- entities ---------------------------------------------------------------------------------


def _core(optional: dict[str, st.SearchStrategy[object]]) -> st.SearchStrategy[dict[str, object]]:
    """occi.core.* attributes, each present or not."""
    return st.fixed_dictionaries({}, optional=optional)  # type: ignore[arg-type]


@st.composite
def links(draw: st.DrawFn) -> Link:
    attributes = draw(attribute_maps)
    attributes |= draw(
        _core(
            {
                "occi.core.id": texts,
                "occi.core.title": texts,
                "occi.core.source.kind": occi.type_ids(),
                "occi.core.target.kind": occi.type_ids(),
            }
        )
    )
    attributes["occi.core.source"] = draw(occi.locations())
    attributes["occi.core.target"] = draw(occi.locations())
    return Link(
        kind=draw(occi.type_ids()),
        mixins=draw(ids()),
        attributes=attributes,
        actions=draw(ids(2)),
    )


@st.composite
def resources(draw: st.DrawFn) -> Resource:
    attributes = draw(attribute_maps)
    attributes |= draw(
        _core({"occi.core.id": texts, "occi.core.title": texts, "occi.core.summary": texts})
    )
    return Resource(
        kind=draw(occi.type_ids()),
        mixins=draw(ids()),
        attributes=attributes,
        actions=draw(ids()),
        links=tuple(draw(st.lists(links(), max_size=2))),
    )


entities = st.one_of(resources(), links())
invocations = st.builds(ActionInvocation, action=occi.type_ids(), attributes=attribute_maps)

# --- properties -------------------------------------------------------------------------------


def _by_group(items: list[Category]) -> list[Category]:
    """The order render_categories writes: kinds, then mixins, then actions."""
    return sorted(items, key=lambda c: [Kind, Mixin, Action].index(type(c)))


@SETTINGS
@given(categories)
def test_categories_round_trip(items: list[Category]) -> None:
    body = J.render_categories(items).body
    assert J.parse_categories([], body) == _by_group(items)


@SETTINGS
@given(mixins)
def test_a_bare_mixin_round_trips(mixin: Mixin) -> None:
    document = json.loads(J.render_categories([mixin]).body)
    assert list(document) == ["mixins"]
    bare = json.dumps(document["mixins"][0]).encode()
    assert J.parse_categories([], bare) == [mixin]


@SETTINGS
@given(entities)
def test_entity_round_trips(entity: Entity) -> None:
    assert J.parse_entity([], J.render_entity(entity).body) == entity


@settings(SETTINGS, max_examples=30)
@given(resources(), st.sampled_from(["occi.core.id", "occi.core.title", "occi.core.summary"]))
def test_core_attributes_may_also_sit_inside_attributes(resource: Resource, name: str) -> None:
    """AMB-JSON-05: a peer repeating an occi.core attribute reads the same."""
    document = json.loads(J.render_entity(resource).body)
    member = name.rsplit(".", 1)[1]
    assume(member in document)
    document.setdefault("attributes", {})[name] = document[member]
    assert J.parse_entity([], json.dumps(document).encode()) == resource


@settings(SETTINGS, max_examples=30)
@given(st.lists(resources(), max_size=3), st.lists(links(), max_size=3))
def test_collection_round_trips(resource_list: list[Resource], link_list: list[Link]) -> None:
    mixed = [*link_list, *resource_list]
    body = J.render_collection(mixed).body
    assert J.parse_entities([], body) == [*resource_list, *link_list]


@SETTINGS
@given(entities, occi.locations())
def test_location_is_not_carried(entity: Entity, location: str) -> None:
    """AMB-JSON-06: a located entity comes back without its location, otherwise equal."""
    body = J.render_entity(replace(entity, location=location)).body
    assert J.parse_entity([], body) == entity


@SETTINGS
@given(invocations)
def test_action_invocation_round_trips(invocation: ActionInvocation) -> None:
    assert J.parse_action_invocation([], J.render_action_invocation(invocation).body) == invocation


@SETTINGS
@given(st.lists(occi.locations(), max_size=5))
def test_locations_round_trip(locations: list[str]) -> None:
    assert J.parse_locations([], J.render_locations(locations).body) == locations


@SETTINGS
@given(entities)
def test_rendering_is_deterministic_compact_utf8(entity: Entity) -> None:
    body = J.render_entity(entity).body
    assert body == J.render_entity(entity).body
    text = body.decode("utf-8")
    assert json.dumps(json.loads(text), ensure_ascii=False, separators=(",", ":")) == text


# --- robustness: anything in, a value or a ParseError out ---------------------------------

json_trees = st.recursive(
    st.none() | st.booleans() | integers | floats | texts,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(texts, inner, max_size=4),
    max_leaves=20,
)
member_names = st.sampled_from(
    ["kind", "mixins", "attributes", "actions", "id", "links", "source", "target", "location",
     "title", "summary", "resources", "kinds", "mixins", "term", "scheme", "action", "type",
     "pattern", "default", "locations"]
)  # fmt: skip
#: Objects that look like OCCI documents, so the parser gets past the first check.
occi_like = st.recursive(
    st.none() | st.booleans() | integers | texts | occi.type_ids(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(member_names, inner, max_size=5),
    max_leaves=25,
)
METHODS = [
    "parse_categories",
    "parse_entity",
    "parse_entities",
    "parse_locations",
    "parse_action_invocation",
]


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(METHODS), json_trees | occi_like)
def test_any_json_parses_or_raises_parse_error(method: str, tree: object) -> None:
    body = json.dumps(tree, ensure_ascii=False).encode()
    try:
        getattr(J, method)([], body)
    except ParseError as error:
        assert error.rule and error.message


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(METHODS), st.binary(max_size=64))
def test_any_bytes_parse_or_raise_parse_error(method: str, body: bytes) -> None:
    try:
        getattr(J, method)([], body)
    except ParseError as error:
        assert error.rule
