"""The text renderings: text/plain (and its 1.2 alias text/occi+plain) and text/occi (T12 §5–7).

Both carry the same items, ``Category``, ``Link``, ``X-OCCI-Attribute`` and
``X-OCCI-Location`` lines; text/plain puts them in the body as ``Name: value`` lines, text/occi
in HTTP header pairs with the body ``OK`` (T12 §7). One class implements both; only
:meth:`TextRendering._emit` and :meth:`TextRendering._lines` know where the lines live.

Values are written in their canonical form (one item per line, canonical parameter order, no
optional whitespace) and read leniently where implementations differ harmlessly (digest §2:
any parameter order, unquoted class, trailing ``;``, comma lists and repeated lines, any case
of the line names, rOCCI's ``X-OCCI-Category``/``X-OCCI-Link`` spellings, CRLF or LF).

Header values are ``str`` holding the real characters; an adapter that reads or writes bytes
encodes them (UTF-8) itself.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field

from occi_protocol import grammar
from occi_protocol.errors import LocalProtocolError, ParseError
from occi_protocol.grammar import CategoryValue, LinkValue
from occi_protocol.model import (
    LINK,
    RESOURCE,
    Action,
    ActionInvocation,
    Attribute,
    Category,
    Entity,
    Kind,
    Link,
    Mixin,
    Model,
    Resource,
    split_type_id,
)
from occi_protocol.rendering import TEXT_OCCI, TEXT_PLAIN, Filter, HeaderPairs, Rendered

CATEGORY = "Category"
LINK_LINE = "Link"
ATTRIBUTE = "X-OCCI-Attribute"
LOCATION = "X-OCCI-Location"

#: Line names we read, lower case with "_" as "-" (rOCCI accepts X_occi_category too).
LINE_NAMES = {
    "category": CATEGORY,
    "x-occi-category": CATEGORY,
    "link": LINK_LINE,
    "x-occi-link": LINK_LINE,
    "x-occi-attribute": ATTRIBUTE,
    "x-occi-location": LOCATION,
}
_LINE_RULES = {
    CATEGORY: grammar.RULE_CATEGORY,
    LINK_LINE: grammar.RULE_LINK,
    ATTRIBUTE: grammar.RULE_ATTRIBUTE,
    LOCATION: grammar.RULE_LOCATION,
}

RULE_PLAIN = "T12 §6 text/plain"
RULE_RESOURCE = "T12 §5.1.1 resource rendering"
RULE_LINK_INSTANCE = "T12 §5.1.2 link rendering"
RULE_INVOCATION = "T12 §5.1.1.1 action invocation"
RULE_ENTITY_COLLECTION = "T12 §5.3 entity collection"
RULE_CATEGORY_COLLECTION = "T12 §5.4 category collection"
RULE_FILTER = "H12 §3.4.4 filtering"


@dataclass(frozen=True, slots=True)
class _Line:
    """One OCCI line: its 1-based number, canonical name, value and text as received."""

    number: int
    name: str
    value: str
    text: str


@dataclass(slots=True)
class _Message:
    """The items of a message, each with the line it came from."""

    categories: list[tuple[_Line, CategoryValue]] = field(default_factory=list)
    links: list[tuple[_Line, LinkValue]] = field(default_factory=list)
    attributes: dict[str, object] = field(default_factory=dict)
    locations: list[str] = field(default_factory=list)


def _located(exc: ParseError, line: _Line) -> ParseError:
    """``exc`` with the line added; a line rule prefixes a generic (non-T12) rule."""
    line_rule = _LINE_RULES[line.name]
    if exc.rule is None:
        rule = line_rule
    elif exc.rule.startswith("T12"):
        rule = exc.rule
    else:
        rule = f"{line_rule}; {exc.rule}"
    return ParseError(exc.message, status=exc.status, rule=rule, line=line.number, text=line.text)


@contextmanager
def _at(line: _Line) -> Iterator[None]:
    try:
        yield
    except ParseError as exc:
        if exc.line is not None:
            raise
        raise _located(exc, line) from None


def _error(message: str, rule: str, line: _Line | None) -> ParseError:
    if line is None:
        return ParseError(message, rule=rule)
    return ParseError(message, rule=rule, line=line.number, text=line.text)


# --- model -> grammar values -----------------------------------------------------------------


def _category_value(category: Category) -> CategoryValue:
    """The long form of a category (QI), canonical parameters (T12 §4.1, §5.2)."""
    attributes = tuple(
        (a.name, frozenset(_properties(a.mutable, a.required))) for a in category.attributes
    )
    rel: tuple[str, ...] = ()
    location: str | None = None
    actions: tuple[str, ...] = ()
    if isinstance(category, Kind):
        rel = (category.parent,) if category.parent else ()
        location, actions = category.location, category.actions
    elif isinstance(category, Mixin):
        # Only the first depends has a text form; applies has none (T12 §5.5.2, TEXT-CAT-06).
        rel = category.depends[:1]
        location, actions = category.location, category.actions
    return CategoryValue(
        term=category.term,
        scheme=category.scheme,
        category_class=category.category_class,
        title=category.title or None,
        rel=rel,
        location=location,
        attributes=attributes,
        actions=actions,
    )


def _properties(mutable: bool, required: bool) -> list[str]:
    return (["immutable"] if not mutable else []) + (["required"] if required else [])


def _short_category(identifier: str, category_class: str) -> str:
    """``term;scheme="...";class="..."``, the form used in instances and requests."""
    try:
        scheme, term = split_type_id(identifier)
    except (ValueError, TypeError):
        raise LocalProtocolError(f"not a type identifier: {identifier!r}") from None
    return grammar.format_category_value(
        CategoryValue(term=term, scheme=scheme, category_class=category_class)
    )


def _inline_link(link: Entity) -> str:
    """A link owned by a resource as one Link value (T12 §4.2, TEXT-LINK-04).

    The target and its kind travel as ``<target>`` and ``rel``; the other attributes,
    occi.core.source included (as rOCCI and pyssf do), follow ``category``. A link's own
    action links have no place here; its own rendering carries them.
    """
    attributes = {k: v for k, v in link.attributes.items() if v is not None}
    target = attributes.pop("occi.core.target", None)
    if not isinstance(target, str):
        raise LocalProtocolError("an inline link needs occi.core.target (T12 §4.2)")
    target_kind = attributes.pop("occi.core.target.kind", None) or RESOURCE
    if not isinstance(target_kind, str):
        raise LocalProtocolError("occi.core.target.kind must be a type identifier")
    return grammar.format_link_value(
        LinkValue(
            target=target,
            rel=(target_kind,),
            self_location=link.location,
            category=(link.kind, *link.mixins),
            attributes=tuple(attributes.items()),
        )
    )


def _attribute_lines(attributes: Mapping[str, object]) -> list[tuple[str, str]]:
    # Unset (None) attributes are not rendered: the grammar has no null.
    return [
        (ATTRIBUTE, grammar.format_attribute(k, v)) for k, v in attributes.items() if v is not None
    ]


def _location_value(location: str) -> str:
    grammar.check_location(location)
    if "," in location:
        # A comma list is how several locations share a line (TEXT-LOC-03), so a comma
        # inside one location would read back as two.
        raise LocalProtocolError(f"a location with a comma cannot be rendered: {location!r}")
    return location


# --- grammar values -> model -----------------------------------------------------------------


def _category(value: CategoryValue, line: _Line) -> Category:
    attributes = tuple(
        Attribute(name=name, mutable="immutable" not in props, required="required" in props)
        for name, props in value.attributes
    )
    title = value.title or ""
    if value.category_class == "kind":
        if len(value.rel) > 1:
            raise _error("a kind has one parent; rel lists several", grammar.RULE_CATEGORY, line)
        return Kind(
            scheme=value.scheme,
            term=value.term,
            title=title,
            attributes=attributes,
            parent=value.rel[0] if value.rel else None,
            actions=value.actions,
            location=value.location,
        )
    if value.category_class == "mixin":
        return Mixin(
            scheme=value.scheme,
            term=value.term,
            title=title,
            attributes=attributes,
            depends=value.rel,
            actions=value.actions,
            location=value.location,
        )
    return Action(scheme=value.scheme, term=value.term, title=title, attributes=attributes)


def _link_from_inline(value: LinkValue, source: str | None, line: _Line) -> Link:
    """An inline Link value as a Link entity owned by a resource at ``source``."""
    attributes = dict(value.attributes)
    given_target = attributes.get("occi.core.target")
    if given_target is not None and given_target != value.target:
        raise _error(
            f"occi.core.target {given_target!r} differs from the link target {value.target!r}",
            grammar.RULE_LINK,
            line,
        )
    attributes["occi.core.target"] = value.target
    attributes.setdefault("occi.core.target.kind", value.rel[0])
    if source is not None:
        attributes.setdefault("occi.core.source", source)
    return Link(
        kind=value.category[0] if value.category else LINK,
        mixins=value.category[1:],
        attributes=attributes,
        location=value.self_location,
    )


class TextRendering:
    """text/plain (``in_body``) or text/occi: see the module docstring."""

    def __init__(self, media_type: str, *, in_body: bool) -> None:
        self.media_type = media_type
        self.in_body = in_body

    def __repr__(self) -> str:
        return f"<TextRendering {self.media_type}>"

    # --- where the lines live ---------------------------------------------------------------

    def _emit(self, lines: list[tuple[str, str]]) -> Rendered:
        if self.in_body:
            # T12 §5: each line ends with CRLF, as in HTTP; parsing accepts bare LF too.
            body = "".join(f"{name}: {value}\r\n" for name, value in lines)
            return Rendered(headers=[], body=body.encode("utf-8"))
        return Rendered(headers=list(lines), body=b"OK\n")

    def _lines(self, headers: HeaderPairs, body: bytes) -> list[_Line]:
        """The OCCI lines of a message: body lines (text/plain) or header pairs (text/occi)."""
        out: list[_Line] = []
        if not self.in_body:
            number = 0
            for name, value in headers:
                canonical = LINE_NAMES.get(name.strip().lower().replace("_", "-"))
                if canonical is None:
                    continue  # other HTTP headers are not ours
                number += 1
                value = value.strip(" \t")
                out.append(_Line(number, canonical, value, f"{name}: {value}"))
            return out
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ParseError(f"body is not UTF-8 ({exc.reason})", rule=RULE_PLAIN) from None
        text = text.removeprefix("\ufeff")
        # Split on LF only: str.splitlines would also split on U+2028 and the like, which
        # are legal inside quoted values.
        for number, raw in enumerate(text.split("\n"), start=1):
            line = raw.removesuffix("\r")
            if not line.strip(" \t"):
                continue
            name, sep, value = line.partition(":")
            if not sep or grammar.TOKEN.fullmatch(name) is None:
                raise ParseError(
                    'expected a "Name: value" line', rule=RULE_PLAIN, line=number, text=line
                )
            canonical = LINE_NAMES.get(name.lower().replace("_", "-"))
            if canonical is None:
                raise ParseError(
                    f"unknown line name {name!r}: a text/plain body holds only Category, Link,"
                    " X-OCCI-Attribute and X-OCCI-Location lines",
                    rule=RULE_PLAIN,
                    line=number,
                    text=line,
                )
            out.append(_Line(number, canonical, value.strip(" \t"), line))
        return out

    def _read(self, headers: HeaderPairs, body: bytes, allowed: set[str], rule: str) -> _Message:
        """Parse every OCCI line; a line of a name not ``allowed`` here is an error."""
        message = _Message()
        for line in self._lines(headers, body):
            if line.name not in allowed:
                raise _error(f"a {line.name} line has no place here", rule, line)
            with _at(line):
                items = grammar.split_list(line.value, angle=line.name == LINK_LINE)
                if not items:
                    raise ParseError(f"empty {line.name} value")
                for item in items:
                    if line.name == CATEGORY:
                        message.categories.append((line, grammar.parse_category_value(item)))
                    elif line.name == LINK_LINE:
                        message.links.append((line, grammar.parse_link_value(item)))
                    elif line.name == ATTRIBUTE:
                        name, value = grammar.parse_attribute(item)
                        if name in message.attributes:
                            raise ParseError(f"attribute {name} given twice")
                        message.attributes[name] = value
                    else:
                        message.locations.append(grammar.parse_location(item))
        return message

    # --- rendering --------------------------------------------------------------------------

    def render_categories(self, categories: Sequence[Category]) -> Rendered:
        """The query interface: one Category line per category, long form (T12 §5.4)."""
        return self._emit(
            [(CATEGORY, grammar.format_category_value(_category_value(c))) for c in categories]
        )

    def render_entity(self, entity: Entity) -> Rendered:
        """A resource (T12 §5.1.1) or a link instance (T12 §5.1.2)."""
        lines = [(CATEGORY, _short_category(entity.kind, "kind"))]
        lines += [(CATEGORY, _short_category(m, "mixin")) for m in entity.mixins]
        if isinstance(entity, Resource):
            lines += [(LINK_LINE, _inline_link(link)) for link in entity.links]
        if entity.actions:
            if entity.location is None:
                raise LocalProtocolError("action links need the entity's location")
            location = grammar.check_location(entity.location)
            lines += [(LINK_LINE, grammar.format_action_link(location, a)) for a in entity.actions]
        lines += _attribute_lines(entity.attributes)
        return self._emit(lines)

    def render_collection(self, entities: Sequence[Entity]) -> Rendered:
        """An entity collection: the entities' locations (T12 §5.3)."""
        locations = []
        for entity in entities:
            if entity.location is None:
                raise LocalProtocolError("an entity in a collection needs its location")
            locations.append(entity.location)
        return self.render_locations(locations)

    def render_locations(self, locations: Sequence[str]) -> Rendered:
        """One X-OCCI-Location line per location (T12 §4.4); none for an empty list."""
        return self._emit([(LOCATION, _location_value(loc)) for loc in locations])

    def render_action_invocation(self, invocation: ActionInvocation) -> Rendered:
        """The action's Category plus its parameters as attributes (T12 §5.1.1.1)."""
        lines = [(CATEGORY, _short_category(invocation.action, "action"))]
        return self._emit(lines + _attribute_lines(invocation.attributes))

    def render_error(self, status: int, message: str) -> Rendered:
        """The message as the body, for both media types (the specs define no error body).

        The server adds any ``X-OCCI-Error`` header itself.
        """
        return Rendered(headers=[], body=(message + "\n").encode("utf-8"))

    # --- parsing ----------------------------------------------------------------------------

    def parse_categories(self, headers: HeaderPairs, body: bytes) -> list[Category]:
        """Category lines only (TEXT-CAT-12), short or long form."""
        message = self._read(headers, body, {CATEGORY}, RULE_CATEGORY_COLLECTION)
        return [_category(value, line) for line, value in message.categories]

    def parse_entity(self, headers: HeaderPairs, body: bytes, model: Model | None = None) -> Entity:
        """A resource or a link instance (T12 §5.1).

        A message with occi.core.source or occi.core.target, or whose kind ``model`` knows as
        a link kind, is a :class:`Link`; any other is a :class:`Resource`. The location comes
        from the action links where there are any (the text form has no other place for it).
        """
        allowed = {CATEGORY, LINK_LINE, ATTRIBUTE}
        message = self._read(headers, body, allowed, RULE_RESOURCE)
        kinds = [(line, c) for line, c in message.categories if c.category_class == "kind"]
        first = message.categories[0][0] if message.categories else None
        if not kinds:
            raise _error('no Category with class="kind"', RULE_RESOURCE, first)
        if len(kinds) > 1:
            raise _error('more than one Category with class="kind"', RULE_RESOURCE, kinds[1][0])
        for line, c in message.categories:
            if c.category_class == "action":
                raise _error("an entity has no action Category", RULE_RESOURCE, line)
        kind = kinds[0][1].id
        mixins = tuple(c.id for _, c in message.categories if c.category_class == "mixin")
        action_links = [(line, v) for line, v in message.links if v.is_action]
        other_links = [(line, v) for line, v in message.links if not v.is_action]
        actions = tuple(v.rel[0] for _, v in action_links)
        location = (action_links[0][1].action_base or None) if action_links else None
        attributes = message.attributes
        is_link = "occi.core.source" in attributes or "occi.core.target" in attributes
        if model is not None and model.is_link_kind(kind):
            is_link = True
        if is_link:
            if other_links:
                raise _error(
                    "a link instance carries action links only",
                    RULE_LINK_INSTANCE,
                    other_links[0][0],
                )
            return Link(
                kind=kind, mixins=mixins, attributes=attributes, location=location, actions=actions
            )
        links = tuple(_link_from_inline(v, location, line) for line, v in other_links)
        return Resource(
            kind=kind,
            mixins=mixins,
            attributes=attributes,
            location=location,
            actions=actions,
            links=links,
        )

    def parse_entities(
        self, headers: HeaderPairs, body: bytes, model: Model | None = None
    ) -> list[Entity]:
        """The text renderings carry one entity per message."""
        return [self.parse_entity(headers, body, model)]

    def parse_locations(self, headers: HeaderPairs, body: bytes) -> list[str]:
        """X-OCCI-Location lines, repeated or comma lists (T12 §4.4, TEXT-LOC-03)."""
        return self._read(headers, body, {LOCATION}, RULE_ENTITY_COLLECTION).locations

    def parse_action_invocation(self, headers: HeaderPairs, body: bytes) -> ActionInvocation:
        """Exactly one Category, of class action, plus attributes (T12 §5.1.1.1)."""
        message = self._read(headers, body, {CATEGORY, ATTRIBUTE}, RULE_INVOCATION)
        if len(message.categories) != 1:
            line = message.categories[1][0] if message.categories else None
            raise _error(
                f"an action invocation has exactly one Category, got {len(message.categories)}",
                RULE_INVOCATION,
                line,
            )
        line, value = message.categories[0]
        if value.category_class != "action":
            raise _error('the Category of an invocation has class="action"', RULE_INVOCATION, line)
        return ActionInvocation(action=value.id, attributes=message.attributes)

    def parse_filter(self, headers: HeaderPairs, body: bytes) -> Filter:
        """Categories of any class and attribute values (H12 §3.4.4)."""
        message = self._read(headers, body, {CATEGORY, ATTRIBUTE}, RULE_FILTER)
        return Filter(
            categories=tuple(value.id for _, value in message.categories),
            attributes=message.attributes,
        )


TEXT_PLAIN_RENDERING = TextRendering(TEXT_PLAIN, in_body=True)
TEXT_OCCI_RENDERING = TextRendering(TEXT_OCCI, in_body=False)

__all__ = [
    "ATTRIBUTE",
    "CATEGORY",
    "LINE_NAMES",
    "LINK_LINE",
    "LOCATION",
    "TEXT_OCCI_RENDERING",
    "TEXT_PLAIN_RENDERING",
    "TextRendering",
]
