"""application/occi+json: the JSON rendering of OCCI 1.2 (J12 = GFD.225).

Section numbers follow the spec digest (``J12 §3.1.1`` resource, ``§3.1.2`` link, ``§3.2.x``
categories, ``§3.3`` entity collections, ``§3.4`` category collections, ``§3.5`` attributes,
``§3.5.1`` attribute descriptions). Every :class:`~occi_protocol.errors.ParseError` carries
the rule broken and, in ``text``, a JSON pointer (RFC 6901) to the offending member.

Interpretations this module fixes (ids from the digest's section 4):

* AMB-JSON-05: ``id``, ``title`` and ``summary`` (and a link's ``source``, ``target``) are
  rendered only as top-level members, not repeated inside ``attributes`` (the spec's own
  examples). On input both places are read; if both are given and differ, that is a
  ParseError.
* AMB-JSON-06: entities get no ``location`` member, because the schema forbids extra members
  (``additionalProperties: false``). The ``id`` is the handle; the location is known from the
  request (the entity's URL) or from the kind's location plus the id. Parsed entities have
  ``location=None``.
* AMB-JSON-04 / JSON-ENT-02: J12 has no form for a location list. This project renders
  ``{"locations": [...]}``; parsing also accepts a bare array of strings (erocci's form).
* AMB-JSON-02: ``{}`` parses as an empty entity collection (rOCCI renders empty collections
  that way); we render ``{"resources": []}``.
* JSON-LINK-03: a link's ``rel`` member is accepted and ignored.
* AMB-JSON-09: a link's ``source.kind`` maps to the attribute ``occi.core.source.kind``, as
  ``target.kind`` maps to ``occi.core.target.kind``.
* An entity's ``id`` and a mixin's ``location`` are required by J12 but optional here: a
  create request legitimately has no id yet, and the conformance suite checks both against the
  schema (JSON-RES-01, JSON-CAT-02) rather than failing to read the whole answer.
* Attribute descriptions (J12 §3.5.1): missing members take J12's defaults (immutable,
  optional, string; JSON-ADEF-05). Unknown members are ignored, since the schema's
  ``attribute_description`` is the defective recursive one (AMB-JSON-01 item 3). We always
  render a ``pattern`` JSON Schema with ``$schema`` and ``type`` so the model's types survive
  the trip: ``"integer"`` vs ``"number"``, ``"format": "uri"``, ``"enum"``, ``minimum`` and
  ``maximum``, and the model's full-match regex as ``"pattern": "^(?:…)$"``. A peer's
  unanchored pattern keeps JSON Schema's search semantics; a string pattern (rOCCI's regex
  text, AMB-JSON-03) is read as the regex itself. An ``enum`` attribute without values
  renders as a plain string.
* Integers beyond the signed 64-bit range and non-finite numbers are refused both ways
  (RFC 8259 §6 interoperability), as are duplicate member names, lone surrogates, nesting
  deeper than :data:`MAX_DEPTH`, ``NaN``/``Infinity`` and invalid UTF-8.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Mapping, Sequence
from typing import NoReturn

from occi_protocol.errors import LocalProtocolError, ParseError
from occi_protocol.grammar import ATTRIBUTE_NAME12 as _ATTRIBUTE_NAME  # 1.2 names (D7)
from occi_protocol.model import (
    JSON_TYPES,
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
from occi_protocol.rendering import OCCI_JSON, Filter, HeaderPairs, Rendered

#: Containers nested deeper than this are refused (the document's own structure uses ~6).
MAX_DEPTH = 64
#: Integers must fit a signed 64-bit integer so that every peer reads them exactly.
MAX_INT = 2**63 - 1
DRAFT_04 = "http://json-schema.org/draft-04/schema#"

R_JSON = "RFC 8259 JSON text"
R_UTF8 = "RFC 8259 §8.1 UTF-8"
R_NAMES = "RFC 8259 §4 unique member names"
R_NUMBER = "RFC 8259 §6 numbers"
R_STRING = "RFC 8259 §8.2 Unicode strings"
R_DEPTH = "RFC 8259 §9 nesting limit"
R_RESOURCE = "J12 §3.1.1 resource"
R_INVOCATION = "J12 §3.1.1.1 action invocation"
R_LINK = "J12 §3.1.2 link"
R_ENDPOINT = "J12 §3.1.2.1 link source/target"
R_KIND = "J12 §3.2.1 kind"
R_MIXIN = "J12 §3.2.2 mixin"
R_ACTION = "J12 §3.2.3 action"
R_ENTITIES = "J12 §3.3 entity collection"
R_CATEGORIES = "J12 §3.4 category collection"
R_ATTRIBUTES = "J12 §3.5 attributes"
R_DESCRIPTION = "J12 §3.5.1 attribute description"
R_LOCATIONS = "AMB-JSON-04 location list (project form)"

ID = "occi.core.id"
TITLE = "occi.core.title"
SUMMARY = "occi.core.summary"
SOURCE = "occi.core.source"
TARGET = "occi.core.target"
SOURCE_KIND = "occi.core.source.kind"
TARGET_KIND = "occi.core.target.kind"

_RESOURCE_MEMBERS = frozenset(
    {"kind", "mixins", "attributes", "actions", "id", "links", "summary", "title"}
)
_LINK_MEMBERS = frozenset(
    {"kind", "mixins", "attributes", "actions", "id", "source", "target", "title", "rel"}
)
_KIND_MEMBERS = frozenset(
    {"term", "scheme", "title", "attributes", "actions", "parent", "location"}
)
_MIXIN_MEMBERS = frozenset(
    {"term", "scheme", "title", "attributes", "actions", "depends", "applies", "location"}
)
_ACTION_MEMBERS = frozenset({"term", "scheme", "title", "attributes"})
_ENDPOINT_MEMBERS = frozenset({"location", "kind"})

_SURROGATE = re.compile("[\ud800-\udfff]")
_BLANK = re.compile(r"[\s\x00-\x1f\x7f]")
#: The model's types as JSON Schema types inside ``pattern``.
_SCHEMA_TYPES = {
    "string": "string",
    "enum": "string",
    "uri": "string",
    "integer": "integer",
    "float": "number",
    "boolean": "boolean",
    "list": "array",
    "object": "object",
}
#: JSON Schema types a declared J12 type may be refined to by its pattern.
_COMPATIBLE = {
    "string": {"string"},
    "number": {"number", "integer"},
    "boolean": {"boolean"},
    "array": {"array"},
    "object": {"object"},
}


# --- loading: bytes -> checked JSON tree ---------------------------------------------------


class _Bad:
    """A token ``json.loads`` accepts but we refuse; reported with its pointer afterwards."""

    __slots__ = ("message", "rule", "suffix")

    def __init__(self, message: str, rule: str, suffix: str = "") -> None:
        self.message = message
        self.rule = rule
        self.suffix = suffix


def _object_hook(pairs: list[tuple[str, object]]) -> object:
    obj = dict(pairs)
    if len(obj) == len(pairs):
        return obj
    seen: set[str] = set()
    for key, _ in pairs:
        if key in seen:
            return _Bad(f"duplicate member {key!r}", R_NAMES, "/" + _escape(key))
        seen.add(key)
    raise AssertionError("unreachable")  # pragma: no cover


def _int_hook(text: str) -> object:
    # Refuse long digit strings before int() sees them: converting is quadratic.
    digits = text.lstrip("-")
    if len(digits) > 19 or abs(int(text)) > MAX_INT:
        return _Bad(f"integer {_clip(text)} is outside the signed 64-bit range", R_NUMBER)
    return int(text)


def _float_hook(text: str) -> object:
    value = float(text)
    if not math.isfinite(value):
        return _Bad(f"number {_clip(text)} is too large to represent", R_NUMBER)
    return value


def _constant_hook(text: str) -> object:
    return _Bad(f"{text} is not a JSON value", R_JSON)


def _clip(text: str, limit: int = 40) -> str:
    return text if len(text) <= limit else text[:limit] + "…"


def _escape(key: str) -> str:
    return key.replace("~", "~0").replace("/", "~1")


def _at(pointer: str, key: str | int) -> str:
    return f"{pointer}/{_escape(key) if isinstance(key, str) else key}"


def _check_tree(root: object, fail: Callable[[str, str, str], NoReturn]) -> None:
    """Walk a JSON tree (iteratively) and refuse what JSON or interoperability does not allow."""
    stack: list[tuple[object, str, int]] = [(root, "", 0)]
    while stack:
        node, pointer, depth = stack.pop()
        if isinstance(node, str):
            if _SURROGATE.search(node):
                fail("string holds a lone surrogate (not Unicode text)", pointer, R_STRING)
        elif node is None or isinstance(node, bool):
            continue
        elif isinstance(node, int):
            if abs(node) > MAX_INT:
                fail(f"integer {node} is outside the signed 64-bit range", pointer, R_NUMBER)
        elif isinstance(node, float):
            if not math.isfinite(node):
                fail(f"number {node} is not finite", pointer, R_NUMBER)
        elif isinstance(node, dict | list | tuple):
            if depth >= MAX_DEPTH:
                fail(f"nested deeper than {MAX_DEPTH} levels", pointer, R_DEPTH)
            if isinstance(node, dict):
                children: list[tuple[object, str]] = []
                for key, value in node.items():
                    if not isinstance(key, str):
                        fail(f"member name {key!r} is not a string", pointer, R_JSON)
                    if _SURROGATE.search(key):
                        fail("member name holds a lone surrogate", _at(pointer, key), R_STRING)
                    children.append((value, _at(pointer, key)))
            else:
                children = [(value, _at(pointer, i)) for i, value in enumerate(node)]
            stack.extend((value, at, depth + 1) for value, at in reversed(children))
        elif isinstance(node, _Bad):
            fail(node.message, pointer + node.suffix, node.rule)
        else:
            fail(f"a {type(node).__name__} is not a JSON value", pointer, R_JSON)


def _parse_fail(message: str, pointer: str, rule: str) -> NoReturn:
    raise ParseError(message, rule=rule, text=pointer)


def _render_fail(message: str, pointer: str, rule: str) -> NoReturn:
    raise LocalProtocolError(f"cannot render as JSON: {message} at {pointer or '/'} ({rule})")


def _load(body: bytes) -> object:
    try:
        text = bytes(body).decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ParseError(
            f"body is not UTF-8 (byte {exc.start}: {exc.reason})", rule=R_UTF8, text=""
        ) from None
    # RFC 8259 §8.1 lets a parser ignore a byte order mark.
    text = text.removeprefix("\ufeff")
    if not text.strip():
        raise ParseError("empty body, expected a JSON object", rule=R_JSON, text="")
    try:
        tree = json.loads(
            text,
            object_pairs_hook=_object_hook,
            parse_int=_int_hook,
            parse_float=_float_hook,
            parse_constant=_constant_hook,
        )
    except json.JSONDecodeError as exc:
        # JSONDecodeError counts lines by "\n" alone, so split the same way.
        line = text.split("\n")[exc.lineno - 1].rstrip("\r")
        raise ParseError(
            f"not JSON: {exc.msg} (column {exc.colno})",
            rule=R_JSON,
            line=exc.lineno,
            text=_clip(line, 80),
        ) from None
    except RecursionError:
        raise ParseError(f"nested deeper than {MAX_DEPTH} levels", rule=R_DEPTH, text="") from None
    _check_tree(tree, _parse_fail)
    return tree


def _dump(document: object) -> Rendered:
    _check_tree(document, _render_fail)
    try:
        text = json.dumps(document, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    except (TypeError, ValueError) as exc:  # pragma: no cover - _check_tree refuses these first
        raise LocalProtocolError(f"cannot render as JSON: {exc}") from None
    return Rendered(headers=[], body=text.encode("utf-8"))


# --- reading members ---------------------------------------------------------------------


def _what(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    return "an object"


def _object(
    value: object,
    pointer: str,
    rule: str,
    what: str,
    *,
    members: frozenset[str] | None,
    required: tuple[str, ...] = (),
) -> dict[str, object]:
    """``value`` as an object; ``members=None`` lets unknown members through."""
    if not isinstance(value, dict):
        _parse_fail(f"{what} must be an object, got {_what(value)}", pointer, rule)
    for name in required:
        if name not in value:
            _parse_fail(f"{what} lacks the required member {name!r}", _at(pointer, name), rule)
    if members is not None:
        for name in value:
            if name not in members:
                _parse_fail(f"unknown member {name!r} in {what}", _at(pointer, name), rule)
    return value


def _string(obj: Mapping[str, object], name: str, pointer: str, rule: str) -> str:
    value = obj[name]
    if not isinstance(value, str):
        _parse_fail(f"{name!r} must be a string, got {_what(value)}", _at(pointer, name), rule)
    return value


def _optional_string(obj: Mapping[str, object], name: str, pointer: str, rule: str) -> str | None:
    return _string(obj, name, pointer, rule) if name in obj else None


def _word(obj: Mapping[str, object], name: str, pointer: str, rule: str) -> str:
    """A non-empty string without blanks (term, scheme, location)."""
    value = _string(obj, name, pointer, rule)
    if not value or _BLANK.search(value):
        _parse_fail(
            f"{name!r} must be non-empty without blanks: {value!r}", _at(pointer, name), rule
        )
    return value


def _type_id(value: object, pointer: str, rule: str, what: str) -> str:
    if not isinstance(value, str):
        _parse_fail(f"{what} must be a type identifier string, got {_what(value)}", pointer, rule)
    try:
        split_type_id(value)
    except ValueError:
        _parse_fail(f"{what} {value!r} is not a type identifier (scheme#term)", pointer, rule)
    if _BLANK.search(value):
        _parse_fail(f"{what} {value!r} contains blanks", pointer, rule)
    return value


def _type_ids(obj: Mapping[str, object], name: str, pointer: str, rule: str) -> tuple[str, ...]:
    if name not in obj:
        return ()
    value = obj[name]
    at = _at(pointer, name)
    if not isinstance(value, list):
        _parse_fail(f"{name!r} must be an array of type identifiers, got {_what(value)}", at, rule)
    return tuple(_type_id(item, _at(at, i), rule, f"{name} entry") for i, item in enumerate(value))


def _attribute_values(
    obj: Mapping[str, object], pointer: str, rule: str
) -> tuple[dict[str, object], str]:
    """The ``attributes`` member of an entity or invocation, and its pointer."""
    at = _at(pointer, "attributes")
    if "attributes" not in obj:
        return {}, at
    value = obj["attributes"]
    if not isinstance(value, dict):
        _parse_fail(f"'attributes' must be an object, got {_what(value)}", at, R_ATTRIBUTES)
    for name, item in value.items():
        if not _ATTRIBUTE_NAME.fullmatch(name):
            _parse_fail(f"{name!r} is not an attribute name", _at(at, name), R_ATTRIBUTES)
        if item is None:
            _parse_fail(f"attribute {name!r} is null, not a value", _at(at, name), R_ATTRIBUTES)
    return dict(value), at


def _merge(
    attributes: dict[str, object],
    attributes_at: str,
    name: str,
    value: object,
    member: str,
) -> None:
    """Put a top-level member's value under its attribute name (AMB-JSON-05)."""
    if name in attributes and attributes[name] != value:
        _parse_fail(
            f"{member!r} is {value!r} but attributes[{name!r}] is {attributes[name]!r}",
            _at(attributes_at, name),
            R_ATTRIBUTES + " (AMB-JSON-05)",
        )
    attributes[name] = value


# --- attribute descriptions ----------------------------------------------------------------


def _compiles(regex: str) -> bool:
    try:
        re.compile(regex)
    except (re.error, OverflowError, RecursionError):
        return False
    return True


def _model_regex(regex: str, pointer: str) -> str:
    """A JSON Schema pattern as a full-match regex for :attr:`Attribute.pattern`."""
    if regex.startswith("^(?:") and regex.endswith(")$") and _compiles(regex[4:-2]):
        # Ours; a compiling inner part has balanced groups, so the wrapper is one group.
        return regex[4:-2]
    if not _compiles(regex):
        _parse_fail(f"pattern {_clip(regex)!r} is not a regular expression", pointer, R_DESCRIPTION)
    # JSON Schema patterns search (they are not anchored); keep that meaning under fullmatch.
    return r"[\s\S]*?(?:" + regex + r")[\s\S]*"


def _default_fits(model_type: str, value: object) -> bool:
    if model_type in ("string", "enum", "uri"):
        return isinstance(value, str)
    if model_type == "boolean":
        return isinstance(value, bool)
    if model_type == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if model_type == "float":
        return isinstance(value, int | float) and not isinstance(value, bool)
    if model_type == "list":
        return isinstance(value, list)
    return isinstance(value, dict)


def _number(schema: Mapping[str, object], name: str, pointer: str) -> float | None:
    if name not in schema:
        return None
    value = schema[name]
    if isinstance(value, bool) or not isinstance(value, int | float):
        _parse_fail(
            f"{name!r} must be a number, got {_what(value)}", _at(pointer, name), R_DESCRIPTION
        )
    return value


def _parse_attribute(name: str, value: object, pointer: str) -> Attribute:
    description = _object(value, pointer, R_DESCRIPTION, "an attribute description", members=None)
    flags: dict[str, bool] = {}
    for flag in ("mutable", "required"):
        flags[flag] = description.get(flag, False)  # type: ignore[assignment]
        if not isinstance(flags[flag], bool):
            got = _what(description[flag])
            _parse_fail(f"{flag!r} must be a boolean, got {got}", _at(pointer, flag), R_DESCRIPTION)
    json_type = description.get("type", "string")
    if not isinstance(json_type, str) or json_type not in _COMPATIBLE:
        _parse_fail(
            f"'type' must be one of string, number, boolean, array, object, not {json_type!r}",
            _at(pointer, "type"),
            R_DESCRIPTION,
        )
    text = description.get("description", "")
    if not isinstance(text, str):
        got = _what(text)
        _parse_fail(
            f"'description' must be a string, got {got}", _at(pointer, "description"), R_DESCRIPTION
        )
    default = description.get("default")

    schema: Mapping[str, object] = {}
    regex: str | None = None
    pattern_at = _at(pointer, "pattern")
    raw = description.get("pattern")
    if isinstance(raw, str):
        regex = _model_regex(raw, pattern_at)  # rOCCI sends the regex itself (AMB-JSON-03)
    elif isinstance(raw, dict):
        schema = raw
    elif raw is not None:
        _parse_fail(
            f"'pattern' must be a JSON Schema object, got {_what(raw)}", pattern_at, R_DESCRIPTION
        )
    schema_type = schema.get("type")
    if isinstance(schema_type, str) and schema_type not in _COMPATIBLE[json_type]:
        _parse_fail(
            f"pattern type {schema_type!r} contradicts the attribute type {json_type!r}",
            _at(pattern_at, "type"),
            R_DESCRIPTION,
        )
    if "pattern" in schema:
        inner = schema["pattern"]
        if not isinstance(inner, str):
            got = _what(inner)
            _parse_fail(
                f"'pattern' must be a string, got {got}", _at(pattern_at, "pattern"), R_DESCRIPTION
            )
        regex = _model_regex(inner, _at(pattern_at, "pattern"))
    values: tuple[str, ...] = ()
    if "enum" in schema and json_type == "string":
        enum = schema["enum"]
        if not isinstance(enum, list) or not all(isinstance(v, str) for v in enum):
            _parse_fail(
                "'enum' must be an array of strings", _at(pattern_at, "enum"), R_DESCRIPTION
            )
        values = tuple(enum)

    model_type: str
    if json_type == "string":
        model_type = "enum" if values else "uri" if schema.get("format") == "uri" else "string"
    elif json_type == "number":
        if schema_type == "integer":
            model_type = "integer"
        elif schema_type == "number":
            model_type = "float"
        else:  # no hint but the default's own type
            integral = isinstance(default, int) and not isinstance(default, bool)
            model_type = "integer" if integral else "float"
    else:
        model_type = {"boolean": "boolean", "array": "list", "object": "object"}[json_type]
    if default is not None and not _default_fits(model_type, default):
        _parse_fail(
            f"default {_clip(repr(default))} does not have the type {json_type!r}",
            _at(pointer, "default"),
            R_DESCRIPTION + " (JSON-ADEF-02)",
        )
    return Attribute(
        name=name,
        type=model_type,  # type: ignore[arg-type]
        mutable=flags["mutable"],
        required=flags["required"],
        default=default,
        pattern=regex,
        enum=values,
        minimum=_number(schema, "minimum", pattern_at),
        maximum=_number(schema, "maximum", pattern_at),
        description=text,
    )


def _attribute_descriptions(
    obj: Mapping[str, object], pointer: str, rule: str
) -> tuple[Attribute, ...]:
    if "attributes" not in obj:
        return ()
    at = _at(pointer, "attributes")
    value = obj["attributes"]
    if not isinstance(value, dict):
        _parse_fail(f"'attributes' must be an object of descriptions, got {_what(value)}", at, rule)
    out = []
    for name, description in value.items():
        if not _ATTRIBUTE_NAME.fullmatch(name):
            _parse_fail(f"{name!r} is not an attribute name", _at(at, name), R_ATTRIBUTES)
        out.append(_parse_attribute(name, description, _at(at, name)))
    return tuple(out)


def _render_attribute(attribute: Attribute) -> dict[str, object]:
    json_type = JSON_TYPES.get(attribute.type)
    if json_type is None:
        raise LocalProtocolError(f"attribute {attribute.name}: unknown type {attribute.type!r}")
    schema: dict[str, object] = {"$schema": DRAFT_04, "type": _SCHEMA_TYPES[attribute.type]}
    if attribute.type == "uri":
        schema["format"] = "uri"
    if attribute.type == "enum" and attribute.enum:
        schema["enum"] = list(attribute.enum)
    if attribute.pattern is not None:
        # JSON Schema patterns search; ours must match in full.
        schema["pattern"] = f"^(?:{attribute.pattern})$"
    if attribute.minimum is not None:
        schema["minimum"] = attribute.minimum
    if attribute.maximum is not None:
        schema["maximum"] = attribute.maximum
    out: dict[str, object] = {
        "mutable": attribute.mutable,
        "required": attribute.required,
        "type": json_type,
        "pattern": schema,
    }
    if attribute.default is not None:
        out["default"] = attribute.default
    if attribute.description:
        out["description"] = attribute.description
    return out


# --- categories ----------------------------------------------------------------------------


def _category_head(obj: Mapping[str, object], pointer: str, rule: str) -> dict[str, object]:
    return {
        "scheme": _word(obj, "scheme", pointer, rule),
        "term": _word(obj, "term", pointer, rule),
        "title": _optional_string(obj, "title", pointer, rule) or "",
        "attributes": _attribute_descriptions(obj, pointer, rule),
    }


def _location(obj: Mapping[str, object], pointer: str, rule: str) -> str | None:
    return _word(obj, "location", pointer, rule) if "location" in obj else None


def _parse_kind(value: object, pointer: str) -> Kind:
    obj = _object(
        value, pointer, R_KIND, "a kind", members=_KIND_MEMBERS, required=("term", "scheme")
    )
    parent = obj.get("parent")
    return Kind(
        **_category_head(obj, pointer, R_KIND),  # type: ignore[arg-type]
        parent=None
        if parent is None
        else _type_id(parent, _at(pointer, "parent"), R_KIND, "parent"),
        actions=_type_ids(obj, "actions", pointer, R_KIND),
        location=_location(obj, pointer, R_KIND),
    )


def _parse_mixin(value: object, pointer: str) -> Mixin:
    obj = _object(
        value, pointer, R_MIXIN, "a mixin", members=_MIXIN_MEMBERS, required=("term", "scheme")
    )
    return Mixin(
        **_category_head(obj, pointer, R_MIXIN),  # type: ignore[arg-type]
        depends=_type_ids(obj, "depends", pointer, R_MIXIN),
        applies=_type_ids(obj, "applies", pointer, R_MIXIN),
        actions=_type_ids(obj, "actions", pointer, R_MIXIN),
        location=_location(obj, pointer, R_MIXIN),
    )


def _parse_action(value: object, pointer: str) -> Action:
    obj = _object(
        value, pointer, R_ACTION, "an action", members=_ACTION_MEMBERS, required=("term", "scheme")
    )
    return Action(**_category_head(obj, pointer, R_ACTION))  # type: ignore[arg-type]


def _render_category(category: Category) -> dict[str, object]:
    out: dict[str, object] = {"term": category.term, "scheme": category.scheme}
    if category.title:
        out["title"] = category.title
    if category.attributes:
        out["attributes"] = {a.name: _render_attribute(a) for a in category.attributes}
    if isinstance(category, Kind):
        if category.actions:
            out["actions"] = list(category.actions)
        if category.parent is not None:
            out["parent"] = category.parent
        if category.location is not None:
            out["location"] = category.location
    elif isinstance(category, Mixin):
        if category.actions:
            out["actions"] = list(category.actions)
        if category.depends:
            out["depends"] = list(category.depends)
        if category.applies:
            out["applies"] = list(category.applies)
        if category.location is not None:
            out["location"] = category.location
    elif not isinstance(category, Action):
        raise LocalProtocolError(f"{category.id}: not a kind, mixin or action")
    return out


# --- entities ------------------------------------------------------------------------------


def _entity_head(
    obj: Mapping[str, object], pointer: str, rule: str
) -> tuple[str, tuple[str, ...], dict[str, object], str, tuple[str, ...]]:
    kind = _type_id(obj["kind"], _at(pointer, "kind"), rule, "kind")
    mixins = _type_ids(obj, "mixins", pointer, rule)
    attributes, attributes_at = _attribute_values(obj, pointer, rule)
    actions = _type_ids(obj, "actions", pointer, rule)
    for member, name in (("id", ID), ("title", TITLE)):
        if member in obj:
            _merge(attributes, attributes_at, name, _string(obj, member, pointer, rule), member)
    return kind, mixins, attributes, attributes_at, actions


def _parse_resource(value: object, pointer: str) -> Resource:
    obj = _object(
        value, pointer, R_RESOURCE, "a resource", members=_RESOURCE_MEMBERS, required=("kind",)
    )
    kind, mixins, attributes, attributes_at, actions = _entity_head(obj, pointer, R_RESOURCE)
    if "summary" in obj:
        summary = _string(obj, "summary", pointer, R_RESOURCE)
        _merge(attributes, attributes_at, SUMMARY, summary, "summary")
    links: list[Link] = []
    if "links" in obj:
        at = _at(pointer, "links")
        items = obj["links"]
        if not isinstance(items, list):
            _parse_fail(f"'links' must be an array of links, got {_what(items)}", at, R_RESOURCE)
        # An inline link's source is the resource around it, which a create request
        # cannot name yet: only its target is required there.
        links = [_parse_link(item, _at(at, i), inline=True) for i, item in enumerate(items)]
    return Resource(
        kind=kind, mixins=mixins, attributes=attributes, actions=actions, links=tuple(links)
    )


def _parse_endpoint(
    obj: Mapping[str, object],
    member: str,
    pointer: str,
    attributes: dict[str, object],
    attributes_at: str,
) -> None:
    at = _at(pointer, member)
    value = obj[member]
    if isinstance(value, str):
        _parse_fail(
            f"{member!r} must be an object {{location, kind}}, not a plain string "
            "(the pre-1.2 draft form)",
            at,
            R_ENDPOINT,
        )
    endpoint = _object(
        value, at, R_ENDPOINT, f"link {member}", members=_ENDPOINT_MEMBERS, required=("location",)
    )
    location = _word(endpoint, "location", at, R_ENDPOINT)
    _merge(attributes, attributes_at, f"occi.core.{member}", location, f"{member}.location")
    if "kind" in endpoint:
        kind = _type_id(endpoint["kind"], _at(at, "kind"), R_ENDPOINT, f"{member}.kind")
        _merge(attributes, attributes_at, f"occi.core.{member}.kind", kind, f"{member}.kind")


def _parse_link(
    value: object, pointer: str, *, partial: bool = False, inline: bool = False
) -> Link:
    """A link; ``partial`` lets source and target be missing (a top-level link update),
    ``inline`` the source (a link inside its resource)."""
    required = (
        ("kind",) if partial else ("kind", "target") if inline else ("kind", "source", "target")
    )
    obj = _object(value, pointer, R_LINK, "a link", members=_LINK_MEMBERS, required=required)
    kind, mixins, attributes, attributes_at, actions = _entity_head(obj, pointer, R_LINK)
    for member in ("source", "target"):
        if member in obj:
            _parse_endpoint(obj, member, pointer, attributes, attributes_at)
    if "rel" in obj and not isinstance(obj["rel"], str):
        # Tolerated leftover of the 2014 draft (JSON-LINK-03); ignored when it is a string.
        _parse_fail(f"'rel' must be a string, got {_what(obj['rel'])}", _at(pointer, "rel"), R_LINK)
    return Link(kind=kind, mixins=mixins, attributes=attributes, actions=actions)


def _parse_entity_object(value: object, pointer: str, model: Model | None) -> Entity:
    if not isinstance(value, dict):
        _parse_fail(f"an entity must be an object, got {_what(value)}", pointer, R_RESOURCE)
    if "source" in value or "target" in value:
        return _parse_link(value, pointer)
    kind = value.get("kind")
    if model is not None and isinstance(kind, str) and model.is_link_kind(kind):
        return _parse_link(value, pointer, partial=True)
    return _parse_resource(value, pointer)


def _core_string(entity: Entity, name: str) -> str | None:
    value = entity.attributes.get(name)
    if value is None:
        return None
    if not isinstance(value, str):
        raise LocalProtocolError(f"{name} must be a string to be rendered in JSON, got {value!r}")
    return value


def _rendered_values(entity: Entity, top_level: tuple[str, ...]) -> dict[str, object]:
    out: dict[str, object] = {}
    for name, value in entity.attributes.items():
        if name in top_level:
            continue
        if value is None:
            raise LocalProtocolError(f"attribute {name} is None; J12 §3.5 has no null value")
        out[name] = value
    return out


def _render_head(entity: Entity, top_level: tuple[str, ...]) -> dict[str, object]:
    out: dict[str, object] = {"kind": entity.kind}
    if entity.mixins:
        out["mixins"] = list(entity.mixins)
    values = _rendered_values(entity, top_level)
    if values:
        out["attributes"] = values
    if entity.actions:
        out["actions"] = list(entity.actions)
    identifier = _core_string(entity, ID)
    if identifier is not None:
        out["id"] = identifier
    return out


def _render_link(link: Entity) -> dict[str, object]:
    out = _render_head(link, (ID, TITLE, SOURCE, TARGET, SOURCE_KIND, TARGET_KIND))
    for member, kind_name in (("source", SOURCE_KIND), ("target", TARGET_KIND)):
        location = _core_string(link, f"occi.core.{member}")
        kind = _core_string(link, kind_name)
        if location is None:
            if kind is not None:
                raise LocalProtocolError(f"link has {kind_name} but no occi.core.{member}")
            continue  # a partial link (an update); J12 requires both on a full link
        endpoint: dict[str, object] = {"location": location}
        if kind is not None:
            endpoint["kind"] = kind
        out[member] = endpoint
    title = _core_string(link, TITLE)
    if title is not None:
        out["title"] = title
    return out


def _render_resource(resource: Entity) -> dict[str, object]:
    out = _render_head(resource, (ID, TITLE, SUMMARY))
    links = resource.links if isinstance(resource, Resource) else ()
    if links:
        out["links"] = [_render_link(link) for link in links]
    summary = _core_string(resource, SUMMARY)
    if summary is not None:
        out["summary"] = summary
    title = _core_string(resource, TITLE)
    if title is not None:
        out["title"] = title
    return out


def _render_entity(entity: Entity) -> dict[str, object]:
    return _render_link(entity) if isinstance(entity, Link) else _render_resource(entity)


# --- the rendering -------------------------------------------------------------------------


def _top_object(tree: object, rule: str) -> dict[str, object]:
    if not isinstance(tree, dict):
        _parse_fail(f"the body must be a JSON object, got {_what(tree)}", "", rule)
    return tree


def _array(obj: Mapping[str, object], name: str, rule: str) -> list[object]:
    value = obj.get(name, [])
    if not isinstance(value, list):
        _parse_fail(f"{name!r} must be an array, got {_what(value)}", _at("", name), rule)
    return value


class JSONRendering:
    """application/occi+json (J12). Also answers for application/json (AMB-JSON-07)."""

    media_type = OCCI_JSON

    # rendering

    def render_categories(self, categories: Sequence[Category]) -> Rendered:
        groups: dict[str, list[object]] = {"kinds": [], "mixins": [], "actions": []}
        for category in categories:
            if isinstance(category, Kind):
                key = "kinds"
            elif isinstance(category, Mixin):
                key = "mixins"
            elif isinstance(category, Action):
                key = "actions"
            else:
                raise LocalProtocolError(f"{category!r} is not a kind, mixin or action")
            groups[key].append(_render_category(category))
        # Only the groups present, so a user mixin posts as {"mixins": [...]} (JSON-QI-01).
        document = {k: v for k, v in groups.items() if v} or groups
        return _dump(document)

    def render_entity(self, entity: Entity) -> Rendered:
        return _dump(_render_entity(entity))

    def render_collection(self, entities: Sequence[Entity]) -> Rendered:
        resources = [_render_entity(e) for e in entities if not isinstance(e, Link)]
        links = [_render_entity(e) for e in entities if isinstance(e, Link)]
        document: dict[str, object] = {}
        if resources or not links:
            document["resources"] = resources  # {"resources": []} when empty (JSON-COLL-03)
        if links:
            document["links"] = links
        return _dump(document)

    def render_locations(self, locations: Sequence[str]) -> Rendered:
        for location in locations:
            if not isinstance(location, str):
                raise LocalProtocolError(f"location {location!r} is not a string")
        return _dump({"locations": list(locations)})

    def render_action_invocation(self, invocation: ActionInvocation) -> Rendered:
        document: dict[str, object] = {"action": invocation.action}
        if invocation.attributes:
            for name, value in invocation.attributes.items():
                if value is None:
                    raise LocalProtocolError(f"parameter {name} is None; J12 has no null value")
            document["attributes"] = dict(invocation.attributes)
        return _dump(document)

    def render_error(self, status: int, message: str) -> Rendered:
        # The specs define no error body; this is rOCCI-server's (JSON-ERR-01).
        return _dump({"status": status, "error": message})

    # parsing

    def parse_categories(self, headers: HeaderPairs, body: bytes) -> list[Category]:
        document = _top_object(_load(body), R_CATEGORIES)
        if "term" in document or "scheme" in document:
            return [_parse_mixin(document, "")]  # a bare user mixin (JSON-QI-01)
        _object(
            document,
            "",
            R_CATEGORIES,
            "a category collection",
            members=frozenset({"kinds", "mixins", "actions"}),
        )
        out: list[Category] = []
        parsers: tuple[tuple[str, Callable[[object, str], Category]], ...] = (
            ("kinds", _parse_kind),
            ("mixins", _parse_mixin),
            ("actions", _parse_action),
        )
        for key, parse in parsers:
            items = _array(document, key, R_CATEGORIES)
            out.extend(parse(item, f"/{key}/{i}") for i, item in enumerate(items))
        return out

    def parse_entity(self, headers: HeaderPairs, body: bytes, model: Model | None = None) -> Entity:
        entities = self.parse_entities(headers, body, model)
        if len(entities) != 1:
            raise ParseError(f"expected one entity, got {len(entities)}", rule=R_ENTITIES, text="")
        return entities[0]

    def parse_entities(
        self, headers: HeaderPairs, body: bytes, model: Model | None = None
    ) -> list[Entity]:
        document = _top_object(_load(body), R_ENTITIES)
        if "kind" in document:
            return [_parse_entity_object(document, "", model)]
        _object(
            document,
            "",
            R_ENTITIES,
            "an entity collection (or a resource, which needs 'kind')",
            members=frozenset({"resources", "links"}),
        )
        resources = _array(document, "resources", R_ENTITIES)
        links = _array(document, "links", R_ENTITIES)
        out: list[Entity] = [_parse_resource(r, f"/resources/{i}") for i, r in enumerate(resources)]
        out.extend(_parse_link(link, f"/links/{i}") for i, link in enumerate(links))
        return out

    def parse_locations(self, headers: HeaderPairs, body: bytes) -> list[str]:
        tree = _load(body)
        if isinstance(tree, list):  # erocci's bare array (AMB-JSON-04)
            items, pointer = tree, ""
        else:
            document = _object(
                tree,
                "",
                R_LOCATIONS,
                "a location list",
                members=frozenset({"locations"}),
                required=("locations",),
            )
            items, pointer = _array(document, "locations", R_LOCATIONS), "/locations"
        for i, item in enumerate(items):
            if not isinstance(item, str) or not item or _BLANK.search(item):
                _parse_fail(
                    f"a location must be a non-empty string without blanks, got {item!r}",
                    _at(pointer, i),
                    R_LOCATIONS,
                )
        return list(items)  # type: ignore[arg-type]

    def parse_action_invocation(self, headers: HeaderPairs, body: bytes) -> ActionInvocation:
        document = _object(
            _top_object(_load(body), R_INVOCATION),
            "",
            R_INVOCATION,
            "an action invocation",
            members=frozenset({"action", "attributes"}),
            required=("action",),
        )
        action = _type_id(document["action"], "/action", R_INVOCATION, "action")
        attributes, _ = _attribute_values(document, "", R_INVOCATION)
        return ActionInvocation(action=action, attributes=attributes)

    def parse_filter(self, headers: HeaderPairs, body: bytes) -> Filter:
        # J12 defines no filter form; a JSON request filters only through the query string.
        return Filter()


JSON_RENDERING = JSONRendering()

__all__ = ["JSON_RENDERING", "MAX_DEPTH", "JSONRendering"]
