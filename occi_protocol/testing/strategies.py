"""Hypothesis strategies for OCCI model values (shared by rendering tests and the suite).

Every value drawn is valid for the grammar of the 1.2 text rendering (T12 §4) unless a
parameter says otherwise, so a rendering may be asked to round-trip it. What the *text*
renderings cannot carry (attribute types, Mixin.applies, more than one depends, complex
values) is still drawn; tests that round-trip through text reduce the expected value first.
"""

from __future__ import annotations

import string

from hypothesis import strategies as st

from occi_protocol import grammar
from occi_protocol.model import (
    CORE,
    LINK,
    RESOURCE,
    Action,
    ActionInvocation,
    Attribute,
    Kind,
    Link,
    Mixin,
    Resource,
)

OGF_SCHEMES = (
    CORE,
    "http://schemas.ogf.org/occi/infrastructure#",
    "http://schemas.ogf.org/occi/infrastructure/compute/action#",
    "http://schemas.ogf.org/occi/infrastructure/network#",
)

#: Attributes the core model gives a meaning that changes how an entity parses (a source or
#: target makes a Link); resources() and the free-form attributes avoid them.
LINK_ATTRIBUTES = frozenset({"occi.core.source", "occi.core.target", "occi.core.target.kind"})

_LOWER = string.ascii_lowercase
_SEGMENT = st.text(_LOWER + string.digits + "-._~!$&'()*+;=:@", min_size=1, max_size=12)


def terms(profile: str = "1.2") -> st.SearchStrategy[str]:
    """Terms of the profile's grammar (digest D6)."""
    return st.from_regex(grammar.term_pattern(profile), fullmatch=True).filter(
        lambda t: len(t) <= 30
    )


def schemes() -> st.SearchStrategy[str]:
    """Absolute URIs ending in "#" (the OGF ones and generated ones)."""
    host = st.from_regex(r"[a-z][a-z0-9-]{0,10}(\.[a-z]{2,6}){0,2}", fullmatch=True)
    path = st.lists(st.text(_LOWER + string.digits + "-._", min_size=1, max_size=8), max_size=4)
    generated = st.builds(
        lambda scheme, h, p: f"{scheme}://{h}/{'/'.join(p)}#",
        st.sampled_from(["http", "https"]),
        host,
        path,
    )
    return st.sampled_from(OGF_SCHEMES) | generated


def type_ids() -> st.SearchStrategy[str]:
    """Type identifiers: a scheme and a term."""
    return st.builds(lambda s, t: s + t, schemes(), terms())


def attribute_names(profile: str = "1.2") -> st.SearchStrategy[str]:
    """Attribute names of the profile's grammar (digest D7), dotted ones favoured."""
    component = st.from_regex(r"[a-z][a-z0-9_-]{0,8}", fullmatch=True)
    dotted = st.lists(component, min_size=1, max_size=4).map(".".join)
    if profile == "1.1":
        return dotted
    free = st.from_regex(grammar.ATTRIBUTE_NAME12, fullmatch=True).filter(lambda n: len(n) <= 40)
    return dotted | free


def text_values() -> st.SearchStrategy[str]:
    """Strings a quoted-string can carry: everything but control characters.

    RFC 7230's quoted-string has no form for C0 controls other than tab, nor for DEL, not
    even escaped (quoted-pair covers only HTAB, SP, VCHAR and obs-text); a CR or LF would end
    the header line. Surrogates are excluded because they cannot be encoded in UTF-8.
    Quotes, backslashes, commas, semicolons, "=" and non-ASCII text are all favoured.
    """
    tricky = st.sampled_from(['"', "\\", ",", ";", "=", " ", "\t", "<", ">", "{", "}", "é", "☃"])
    char = tricky | st.characters(
        exclude_categories=("Cs",),
        exclude_characters="".join(map(chr, [*range(0x20), 0x7F])).replace("\t", ""),
    )
    return st.lists(char, max_size=30).map("".join)


def attribute_values(*, complex_values: bool = False) -> st.SearchStrategy[object]:
    """Values the text grammar can carry: strings, non-negative numbers, booleans.

    With ``complex_values``, also JSON lists and objects (JSON rendering; text turns them into
    quoted JSON strings, so they do not round-trip there).
    """
    scalars = st.one_of(
        text_values(),
        st.integers(min_value=0, max_value=10**30),
        st.floats(min_value=0.0, allow_nan=False, allow_infinity=False),
        st.booleans(),
    )
    if not complex_values:
        return scalars
    json_leaf = st.one_of(st.text(max_size=10), st.integers(), st.booleans())
    return (
        scalars
        | st.lists(json_leaf, max_size=4)
        | st.dictionaries(st.text(max_size=8), json_leaf, max_size=4)
    )


def attributes_defs(max_size: int = 5) -> st.SearchStrategy[tuple[Attribute, ...]]:
    """Attribute definitions with distinct names."""
    definition = st.builds(
        lambda name, type_, mutable, required, description: Attribute(
            name=name, type=type_, mutable=mutable, required=required, description=description
        ),
        attribute_names(),
        st.sampled_from(["string", "integer", "float", "boolean", "uri"]),
        st.booleans(),
        st.booleans(),
        st.text(max_size=20),
    )
    return st.lists(definition, max_size=max_size, unique_by=lambda a: a.name).map(tuple)


def locations(*, absolute: bool | None = None) -> st.SearchStrategy[str]:
    """Locations: paths such as ``/compute/ab-1/`` or absolute http URLs.

    Commas are left out: a comma separates locations in an X-OCCI-Location list (T12 §4.4),
    so the text renderings refuse to write one inside a location.
    """
    path = st.builds(
        lambda segments, slash: "/" + "/".join(segments) + ("/" if slash else ""),
        st.lists(_SEGMENT, min_size=1, max_size=4),
        st.booleans(),
    )
    full = st.builds(lambda p: "http://occi.example.org:8787" + p, path)
    if absolute is None:
        return path | full
    return full if absolute else path


def _unique(strategy: st.SearchStrategy[str], max_size: int) -> st.SearchStrategy[tuple[str, ...]]:
    return st.lists(strategy, max_size=max_size, unique=True).map(tuple)


def _title() -> st.SearchStrategy[str]:
    return text_values()


def kinds() -> st.SearchStrategy[Kind]:
    return st.builds(
        lambda scheme, term, title, attributes, parent, actions, location: Kind(
            scheme=scheme,
            term=term,
            title=title,
            attributes=attributes,
            parent=parent,
            actions=actions,
            location=location,
        ),
        schemes(),
        terms(),
        _title(),
        attributes_defs(),
        st.none() | st.sampled_from([RESOURCE, LINK]) | type_ids(),
        _unique(type_ids(), 3),
        st.none() | locations(),
    )


def mixins() -> st.SearchStrategy[Mixin]:
    return st.builds(
        lambda scheme, term, title, attributes, depends, applies, actions, location: Mixin(
            scheme=scheme,
            term=term,
            title=title,
            attributes=attributes,
            depends=depends,
            applies=applies,
            actions=actions,
            location=location,
        ),
        schemes(),
        terms(),
        _title(),
        attributes_defs(),
        _unique(type_ids(), 2),
        _unique(type_ids(), 2),
        _unique(type_ids(), 3),
        st.none() | locations(),
    )


def actions() -> st.SearchStrategy[Action]:
    return st.builds(
        lambda scheme, term, title, attributes: Action(
            scheme=scheme, term=term, title=title, attributes=attributes
        ),
        schemes(),
        terms(),
        _title(),
        attributes_defs(),
    )


def categories() -> st.SearchStrategy[Kind | Mixin | Action]:
    return st.one_of(kinds(), mixins(), actions())


def entity_attributes(max_size: int = 6) -> st.SearchStrategy[dict[str, object]]:
    """Free-form entity attributes (no occi.core.source/target: see LINK_ATTRIBUTES)."""
    names = attribute_names().filter(lambda n: n not in LINK_ATTRIBUTES)
    return st.dictionaries(names, attribute_values(), max_size=max_size)


def links(*, source: str | None = None, with_actions: bool = True) -> st.SearchStrategy[Link]:
    """Link instances; ``source`` fixes occi.core.source (links owned by a resource)."""

    def build(kind, mixins_, attributes, src, target, target_kind, location, actions_):
        attributes = dict(attributes)
        attributes["occi.core.source"] = source if source is not None else src
        attributes["occi.core.target"] = target
        attributes["occi.core.target.kind"] = target_kind
        if actions_ and location is None:
            actions_ = ()
        return Link(
            kind=kind,
            mixins=mixins_,
            attributes=attributes,
            location=location,
            actions=actions_ if with_actions else (),
        )

    return st.builds(
        build,
        st.sampled_from([LINK]) | type_ids(),
        _unique(type_ids(), 2),
        entity_attributes(max_size=3),
        locations(),
        locations(),
        type_ids(),
        st.none() | locations(),
        _unique(type_ids(), 2),
    )


def resources(*, max_links: int = 3) -> st.SearchStrategy[Resource]:
    """Resources with mixins, inline links (whose source is the resource) and actions."""

    def build(location: str) -> st.SearchStrategy[Resource]:
        return st.builds(
            lambda kind, mixins_, attributes, actions_, links_: Resource(
                kind=kind,
                mixins=mixins_,
                attributes=attributes,
                location=location,
                actions=actions_,
                links=links_,
            ),
            type_ids(),
            _unique(type_ids(), 3),
            entity_attributes(),
            _unique(type_ids(), 3),
            st.lists(links(source=location, with_actions=False), max_size=max_links).map(tuple),
        )

    return locations().flatmap(build)


def action_invocations() -> st.SearchStrategy[ActionInvocation]:
    return st.builds(
        lambda action, attributes: ActionInvocation(action=action, attributes=attributes),
        type_ids(),
        st.dictionaries(attribute_names(), attribute_values(), max_size=4),
    )


__all__ = [
    "LINK_ATTRIBUTES",
    "OGF_SCHEMES",
    "action_invocations",
    "actions",
    "attribute_names",
    "attribute_values",
    "attributes_defs",
    "categories",
    "entity_attributes",
    "kinds",
    "links",
    "locations",
    "mixins",
    "resources",
    "schemes",
    "terms",
    "text_values",
    "type_ids",
]
