"""The OCCI Core model (C12 §5): categories, attributes and entity instances.

Every value here is immutable. A category is identified by its *type identifier*, the plain
concatenation ``scheme + term`` (C12 §5.3.1); every reference from one category or entity to
another (kind parent, mixin depends/applies, actions, an entity's kind and mixins) holds that
string, so renderings need no object graph. :class:`Model` resolves identifiers.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from typing import Literal, TypeAlias

CORE = "http://schemas.ogf.org/occi/core#"
ENTITY = CORE + "entity"
RESOURCE = CORE + "resource"
LINK = CORE + "link"

AttributeType: TypeAlias = Literal[
    "string", "enum", "integer", "float", "boolean", "uri", "list", "object"
]
#: The JSON rendering (J12 §3.5.1) knows only these five types; ours map onto them.
JSON_TYPES: Mapping[str, str] = {
    "string": "string",
    "enum": "string",
    "uri": "string",
    "integer": "number",
    "float": "number",
    "boolean": "boolean",
    "list": "array",
    "object": "object",
}

Value: TypeAlias = "str | int | float | bool | list[object] | dict[str, object]"


def type_id(scheme: str, term: str) -> str:
    """The type identifier of a category: scheme and term concatenated (C12 §5.3.1)."""
    return scheme + term


def split_type_id(identifier: str) -> tuple[str, str]:
    """Split a type identifier into ``(scheme, term)`` at the last ``#``; for a scheme
    without one (legal, if ambiguous: digest §2.2 case 5), at the last ``/``.

    Raises:
        ValueError: neither separator, or nothing after it.
    """
    scheme, sep, term = identifier.rpartition("#")
    if not sep:
        scheme, sep, term = identifier.rpartition("/")
    if not sep or not term or not scheme:
        raise ValueError(f"not a type identifier (scheme#term): {identifier!r}")
    return scheme + sep, term


@dataclass(frozen=True, slots=True, kw_only=True)
class Attribute:
    """An attribute definition (C12 §5.3.2, J12 §3.5.1)."""

    name: str
    type: AttributeType = "string"
    mutable: bool = True
    required: bool = False
    default: object = None
    #: A regular expression that string values must match in full.
    pattern: str | None = None
    #: The allowed values of an ``enum`` attribute.
    enum: tuple[str, ...] = ()
    minimum: float | None = None
    maximum: float | None = None
    description: str = ""

    def coerce(self, value: object) -> object:
        """Return ``value`` checked against this definition, converted where lossless.

        A text rendering types values by their syntax (``2`` is a number, ``"2"`` a string),
        so a number arriving as a quoted string is converted when the definition asks for a
        number; anything else that does not fit raises.

        Raises:
            ValueError: the value does not fit; the message says why.
        """
        t = self.type
        if t in ("string", "uri", "enum"):
            if not isinstance(value, str):
                raise ValueError(f"expected a string, got {_shown(value)}")
            if t == "enum" and self.enum and value not in self.enum:
                raise ValueError(f"{value!r} is not one of {', '.join(self.enum)}")
            if self.pattern is not None and re.fullmatch(self.pattern, value) is None:
                raise ValueError(f"{value!r} does not match the pattern {self.pattern!r}")
            return value
        if t == "boolean":
            if not isinstance(value, bool):
                raise ValueError(f"expected true or false, got {_shown(value)}")
            return value
        if t in ("integer", "float"):
            number = _number(value, integer=(t == "integer"))
            if self.minimum is not None and number < self.minimum:
                raise ValueError(f"{number} is below the minimum {self.minimum:g}")
            if self.maximum is not None and number > self.maximum:
                raise ValueError(f"{number} is above the maximum {self.maximum:g}")
            return number
        if t in ("list", "object") and isinstance(value, str):
            # The text rendering has no form for complex values; peers send them as quoted
            # JSON (T12 §4.3, rOCCI), so a string is decoded when the definition wants one.
            try:
                value = json.loads(value)
            except ValueError:
                raise ValueError(f"expected a {t} (as JSON), got the string {value!r}") from None
        if t == "list":
            if not isinstance(value, list):
                raise ValueError(f"expected a list, got {_shown(value)}")
            return value
        if not isinstance(value, dict):
            raise ValueError(f"expected an object, got {_shown(value)}")
        return value


def _shown(value: object) -> str:
    kind = {bool: "a boolean", int: "a number", float: "a number", str: "a string"}
    return f"{kind.get(type(value), type(value).__name__)} {value!r}"


def _number(value: object, *, integer: bool) -> int | float:
    if isinstance(value, bool):
        raise ValueError(f"expected a number, got {_shown(value)}")
    if isinstance(value, str):
        try:
            value = int(value) if re.fullmatch(r"[0-9]+", value) else float(value)
        except ValueError:
            raise ValueError(f"expected a number, got the string {value!r}") from None
    finite = isinstance(value, int) or (isinstance(value, float) and math.isfinite(value))
    if not finite:
        raise ValueError(f"expected a number, got {_shown(value)}")
    if integer:
        if isinstance(value, float) and not value.is_integer():
            raise ValueError(f"expected an integer, got {value!r}")
        return int(value)
    return value


@dataclass(frozen=True, slots=True, kw_only=True)
class Category:
    """Base of kinds, mixins and actions (C12 §5.3.1)."""

    scheme: str
    term: str
    title: str = ""
    attributes: tuple[Attribute, ...] = ()

    @property
    def id(self) -> str:
        return self.scheme + self.term

    @property
    def category_class(self) -> str:
        raise NotImplementedError

    def attribute(self, name: str) -> Attribute | None:
        for attribute in self.attributes:
            if attribute.name == name:
                return attribute
        return None


@dataclass(frozen=True, slots=True, kw_only=True)
class Kind(Category):
    """Identifies the type of an entity (C12 §5.4.2). ``parent`` is a type identifier."""

    parent: str | None = None
    actions: tuple[str, ...] = ()
    location: str | None = None

    @property
    def category_class(self) -> str:
        return "kind"


@dataclass(frozen=True, slots=True, kw_only=True)
class Mixin(Category):
    """Adds capabilities to entities (C12 §5.4.3). References are type identifiers."""

    depends: tuple[str, ...] = ()
    applies: tuple[str, ...] = ()
    actions: tuple[str, ...] = ()
    location: str | None = None

    @property
    def category_class(self) -> str:
        return "mixin"


@dataclass(frozen=True, slots=True, kw_only=True)
class Action(Category):
    """An operation on entities; ``attributes`` are its parameters (C12 §5.4.4)."""

    @property
    def category_class(self) -> str:
        return "action"


@dataclass(frozen=True, slots=True, kw_only=True)
class Entity:
    """An entity instance (C12 §5.5): a resource or a link.

    The ``occi.core.*`` attributes (id, title, summary, source, target, target.kind) live in
    ``attributes`` like any other, so every rendering reads them from one place.
    ``actions`` holds the type identifiers of the actions applicable now (action links).
    """

    kind: str
    mixins: tuple[str, ...] = ()
    attributes: Mapping[str, object] = field(default_factory=dict)
    location: str | None = None
    actions: tuple[str, ...] = ()

    @property
    def id(self) -> str | None:
        value = self.attributes.get("occi.core.id")
        return value if isinstance(value, str) else None

    @property
    def title(self) -> str | None:
        value = self.attributes.get("occi.core.title")
        return value if isinstance(value, str) else None

    def with_attributes(self, **changes: object) -> Entity:
        """A copy with attributes changed; keyword names use ``_`` for ``.``."""
        merged = dict(self.attributes)
        merged.update({k.replace("_", "."): v for k, v in changes.items()})
        return replace(self, attributes=merged)


@dataclass(frozen=True, slots=True, kw_only=True)
class Resource(Entity):
    """A resource instance (C12 §5.5.1), with its links rendered inline."""

    links: tuple[Link, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class Link(Entity):
    """A link instance (C12 §5.5.2); source and target are locations (URI references)."""

    @property
    def source(self) -> str | None:
        value = self.attributes.get("occi.core.source")
        return value if isinstance(value, str) else None

    @property
    def target(self) -> str | None:
        value = self.attributes.get("occi.core.target")
        return value if isinstance(value, str) else None


@dataclass(frozen=True, slots=True, kw_only=True)
class ActionInvocation:
    """A request to perform an action (T12 §5, J12 §3.3): its type id and parameters."""

    action: str
    attributes: Mapping[str, object] = field(default_factory=dict)


class Model:
    """A read-only registry of categories, resolving type identifiers.

    ``Model(categories)`` raises ``ValueError`` on duplicate identifiers. ``extended`` returns
    a new model with more categories (provider templates, user mixins).
    """

    __slots__ = ("_by_id",)

    def __init__(self, categories: Iterable[Category] = ()) -> None:
        by_id: dict[str, Category] = {}
        for category in categories:
            if category.id in by_id:
                raise ValueError(f"duplicate category {category.id}")
            by_id[category.id] = category
        self._by_id = by_id

    def extended(self, categories: Iterable[Category]) -> Model:
        return Model([*self._by_id.values(), *categories])

    def without(self, identifiers: Iterable[str]) -> Model:
        drop = set(identifiers)
        return Model(c for c in self._by_id.values() if c.id not in drop)

    def __iter__(self) -> Iterator[Category]:
        return iter(self._by_id.values())

    def __len__(self) -> int:
        return len(self._by_id)

    def __contains__(self, identifier: object) -> bool:
        return identifier in self._by_id

    def get(self, identifier: str) -> Category | None:
        return self._by_id.get(identifier)

    def kind(self, identifier: str) -> Kind | None:
        category = self._by_id.get(identifier)
        return category if isinstance(category, Kind) else None

    def mixin(self, identifier: str) -> Mixin | None:
        category = self._by_id.get(identifier)
        return category if isinstance(category, Mixin) else None

    def action(self, identifier: str) -> Action | None:
        category = self._by_id.get(identifier)
        return category if isinstance(category, Action) else None

    @property
    def kinds(self) -> list[Kind]:
        return [c for c in self._by_id.values() if isinstance(c, Kind)]

    @property
    def mixins(self) -> list[Mixin]:
        return [c for c in self._by_id.values() if isinstance(c, Mixin)]

    @property
    def actions(self) -> list[Action]:
        return [c for c in self._by_id.values() if isinstance(c, Action)]

    def lineage(self, kind_id: str) -> list[Kind]:
        """The kind and its ancestors, nearest first (C12 §5.4.2 parent chain)."""
        chain: list[Kind] = []
        seen: set[str] = set()
        current: str | None = kind_id
        while current is not None and current not in seen:
            seen.add(current)
            kind = self.kind(current)
            if kind is None:
                break
            chain.append(kind)
            current = kind.parent
        return chain

    def is_link_kind(self, kind_id: str) -> bool:
        return any(k.id == LINK for k in self.lineage(kind_id))

    def mixin_closure(self, mixin_ids: Iterable[str]) -> list[Mixin]:
        """The mixins and everything they depend on, each once, in order of first mention."""
        out: list[Mixin] = []
        seen: set[str] = set()
        pending = list(mixin_ids)
        while pending:
            identifier = pending.pop(0)
            if identifier in seen:
                continue
            seen.add(identifier)
            mixin = self.mixin(identifier)
            if mixin is not None:
                out.append(mixin)
                pending.extend(mixin.depends)
        return out

    def attribute_definitions(
        self, kind_id: str, mixin_ids: Iterable[str] = ()
    ) -> dict[str, Attribute]:
        """Every attribute an entity of this kind with these mixins may carry.

        A kind's definition wins over its ancestors', and a mixin's over the kind's: the
        nearest definition is the most specific one.
        """
        definitions: dict[str, Attribute] = {}
        for kind in reversed(self.lineage(kind_id)):
            definitions.update({a.name: a for a in kind.attributes})
        for mixin in reversed(self.mixin_closure(mixin_ids)):
            definitions.update({a.name: a for a in mixin.attributes})
        return definitions

    def applicable_actions(self, kind_id: str, mixin_ids: Iterable[str] = ()) -> list[str]:
        """The action identifiers of the kind, its ancestors and its mixins, each once."""
        actions: list[str] = []
        for kind in self.lineage(kind_id):
            actions.extend(a for a in kind.actions if a not in actions)
        for mixin in self.mixin_closure(mixin_ids):
            actions.extend(a for a in mixin.actions if a not in actions)
        return actions

    def related_kinds(self, category_id: str) -> set[str]:
        """Kinds whose entities belong to ``category_id``'s collection: itself or descendants."""
        return {k.id for k in self.kinds if any(a.id == category_id for a in self.lineage(k.id))}
