"""The grammar of the OCCI text renderings (T12 §4 = GFD.229; for 1.1, H11 §3.5 = GFD.185).

Everything here is pure: compiled patterns for the lexemes, and small functions that split,
parse and format one header *value* (what follows ``Category:``, ``Link:``,
``X-OCCI-Attribute:`` or ``X-OCCI-Location:``). Message composition (which lines make a
resource, a link, a query interface answer) lives in :mod:`occi_protocol.rendering.text`.

Parsers raise :class:`~occi_protocol.errors.ParseError` with the rule broken and no line
number (the caller knows the line); formatters raise
:class:`~occi_protocol.errors.LocalProtocolError` for values the grammar has no form for.

The patterns are public so that the conformance suite can check an endpoint's raw output
against them, e.g. ``grammar.TERM11.fullmatch(term)`` under the 1.1 profile.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from decimal import Decimal

from occi_protocol.errors import LocalProtocolError, ParseError

# --- rule names, as ParseError.rule carries them --------------------------------------------

RULE_CATEGORY = "T12 §4.1 Category"
RULE_LINK = "T12 §4.2 Link"
RULE_ACTION_LINK = "T12 §4.2 action Link"
RULE_ATTRIBUTE = "T12 §4.3 X-OCCI-Attribute"
RULE_LOCATION = "T12 §4.4 X-OCCI-Location"
RULE_QUOTED_STRING = "RFC 7230 §3.2.6 quoted-string"
RULE_LIST = "RFC 7230 §7 list"

# --- lexemes (digest §2.1) -------------------------------------------------------------------

#: T12 §4.1 term (1.2): a letter or digit, then letters, digits, "-", "_", ".".
TERM12 = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.\-]*")
#: H11 §3.5.1 term (1.1): a lowercase letter, then lowercase letters, digits, "-", "_".
TERM11 = re.compile(r"[a-z][a-z0-9_\-]*")
#: T12 §4.3 attribute name (1.2): the same characters as a 1.2 term.
ATTRIBUTE_NAME12 = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.\-]*")
#: H11 §3.5.4 attribute name (1.1): dot-separated components, each like a 1.1 term.
ATTRIBUTE_NAME11 = re.compile(r"[a-z][a-z0-9_\-]*(?:\.[a-z][a-z0-9_\-]*)*")
#: The patterns this project parses with: 1.2 is a superset of 1.1 for both.
TERM = TERM12
ATTRIBUTE_NAME = ATTRIBUTE_NAME12

# RFC 3986 §2: the characters a URI may hold, written out so that quotes, spaces, angle
# brackets and non-ASCII text (which would break the header syntax) are refused.
_UNRESERVED = r"A-Za-z0-9\-._~"
_SUB_DELIMS = r"!$&'()*+,;="
_PCHAR = rf"(?:[{_UNRESERVED}{_SUB_DELIMS}:@]|%[0-9A-Fa-f]{{2}})"
#: RFC 3986 §4.1 URI-reference, by its character set (relative or absolute; not empty).
URI_REFERENCE = re.compile(rf"(?:{_PCHAR}|[/?#\[\]])+")
# RFC 3986 §3: an absolute URI up to its fragment (scheme ":" hier-part ["?" query]).
_ABSOLUTE = rf"[A-Za-z][A-Za-z0-9+.\-]*:(?:{_PCHAR}|[/?\[\]])*"
#: T12 §4.1 scheme: an absolute URI (RFC 3986 §4.3: at most one "#", which starts the
#: fragment). OGF schemes end in "#"; one that does not is legal but makes scheme+term
#: ambiguous (digest §2.2 case 5). Parsed here, flagged by the suite (TEXT-CAT-03).
SCHEME = re.compile(rf"{_ABSOLUTE}(?:#(?:{_PCHAR}|[/?])*)?")
#: T12 §4.1 type identifier: scheme and term concatenated. A term holds no "#" and no "/",
#: so the scheme ends at the last "#", or (a scheme without one) at the last "/".
TYPE_ID = re.compile(rf"({_ABSOLUTE}(?:#|/))({TERM12.pattern})")
#: T12 §4.1 class, with or without quotes.
CLASS = re.compile(r'(kind|mixin|action)|"(kind|mixin|action)"')
CLASSES = ("kind", "mixin", "action")
#: H11 §3.5.1 / T12 §4.1 attribute properties.
PROPERTIES = ("immutable", "required")
#: RFC 7230 §3.2.6 token (T12 §4.2 untyped link-attribute values).
TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
#: RFC 7230 §3.2.6 quoted-string. obs-text (bytes >= 0x80) is read as any character >= U+0080,
#: which is what UTF-8 text looks like byte by byte.
QUOTED_STRING = re.compile(
    r'"(?:[\t \x21\x23-\x5b\x5d-\x7e\x80-\U0010ffff]|\\[\t \x21-\x7e\x80-\U0010ffff])*"'
)
#: T12 §4.3 numbers: no sign, no exponent. The ABNF allows an empty INT and a bare "." as
#: FLOAT; both are refused here (digest §2.4 case 2).
INT = re.compile(r"[0-9]+")
FLOAT = re.compile(r"[0-9]+\.[0-9]*|\.[0-9]+")
#: T12 §4.3 booleans: bare and lower case.
BOOLEAN = re.compile(r"true|false")
#: T12 §4.2 action link target: the entity URI with ``?action=<term>``.
ACTION_QUERY = "?action="

_UNQUOTABLE = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")
_ESCAPE = re.compile(r"\\(.)", re.DOTALL)


def term_pattern(profile: str = "1.2") -> re.Pattern[str]:
    """The term pattern of an OCCI version profile ("1.1" or "1.2"; digest D6)."""
    return TERM11 if profile == "1.1" else TERM12


def attribute_name_pattern(profile: str = "1.2") -> re.Pattern[str]:
    """The attribute-name pattern of an OCCI version profile (digest D7)."""
    return ATTRIBUTE_NAME11 if profile == "1.1" else ATTRIBUTE_NAME12


# --- quoted strings and lists (RFC 7230 §3.2.6, §7) ------------------------------------------


def quote(text: str) -> str:
    """``text`` as an RFC 7230 quoted-string, escaping ``"`` and ``\\``.

    Raises:
        LocalProtocolError: ``text`` holds a control character (other than tab); a
            quoted-string has no form for it, not even escaped.
    """
    bad = _UNQUOTABLE.search(text)
    if bad is not None:
        raise LocalProtocolError(
            f"control character {bad.group()!r} cannot be written in a quoted-string"
            f" ({RULE_QUOTED_STRING})"
        )
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def unquote(text: str) -> str:
    """The content of an RFC 7230 quoted-string, escapes resolved (inverse of :func:`quote`)."""
    if QUOTED_STRING.fullmatch(text) is None:
        if not text.startswith('"'):
            raise ParseError("expected a quoted string", rule=RULE_QUOTED_STRING, text=text)
        raise ParseError(
            "malformed quoted string (unterminated, or a bare quote inside)",
            rule=RULE_QUOTED_STRING,
            text=text,
        )
    return _ESCAPE.sub(r"\1", text[1:-1])


def _split(value: str, separator: str, *, angle: bool) -> list[str]:
    """Split on ``separator`` outside quoted strings (and ``<...>`` when ``angle``)."""
    parts: list[str] = []
    start = 0
    i = 0
    n = len(value)
    in_quotes = in_angle = False
    while i < n:
        c = value[i]
        if in_quotes:
            if c == "\\":
                i += 2
                continue
            if c == '"':
                in_quotes = False
        elif in_angle:
            in_angle = c != ">"
        elif c == '"':
            in_quotes = True
        elif angle and c == "<":
            in_angle = True
        elif c == separator:
            parts.append(value[start:i].strip(" \t"))
            start = i + 1
        i += 1
    if in_quotes:
        raise ParseError("unterminated quoted string", rule=RULE_QUOTED_STRING, text=value)
    if in_angle:
        raise ParseError('unterminated "<URI>"', rule=RULE_LINK, text=value)
    parts.append(value[start:].strip(" \t"))
    return parts


def split_list(value: str, *, angle: bool = False) -> list[str]:
    """The elements of an RFC 7230 comma list, split outside quoted strings.

    Empty elements are dropped (RFC 7230 §7). With ``angle``, commas inside ``<URI>`` do not
    split either (Link values, RFC 8288).
    """
    return [part for part in _split(value, ",", angle=angle) if part]


def split_params(value: str, *, angle: bool = False) -> list[str]:
    """The ``;``-separated parts of one value, split outside quoted strings.

    Whitespace around ``;`` is dropped and one trailing ``;`` is tolerated (rOCCI emits it;
    digest §2.2 case 2); an empty part elsewhere is an error.
    """
    parts = _split(value, ";", angle=angle)
    if len(parts) > 1 and parts[-1] == "":
        parts.pop()
    if "" in parts:
        raise ParseError('empty parameter (";;" or a leading ";")', rule=RULE_LIST, text=value)
    return parts


def _param(part: str, rule: str) -> tuple[str, str]:
    """``name=value``, whitespace around ``=`` tolerated (digest AMB-TXT-12)."""
    name, sep, raw = part.partition("=")
    name = name.strip(" \t")
    if not sep or not name:
        raise ParseError(f"expected name=value, got {part!r}", rule=rule, text=part)
    return name, raw.strip(" \t")


# --- attribute values (T12 §4.3) -------------------------------------------------------------


def render_value(value: object) -> str:
    """An X-OCCI-Attribute value: strings quoted, numbers and booleans bare.

    Lists and dicts have no text form (T12 dropped it; digest TEXT-ATTR-09); like rOCCI we
    write them as quoted JSON.

    Raises:
        LocalProtocolError: a negative or non-finite number (the grammar has no sign and no
            exponent), a string with a control character, or a type with no form at all.
    """
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        if value < 0:
            raise LocalProtocolError(f"negative number {value} has no form in {RULE_ATTRIBUTE}")
        try:
            return str(value)
        except ValueError:  # more digits than Python converts (sys.set_int_max_str_digits)
            raise LocalProtocolError(f"integer too large to render ({RULE_ATTRIBUTE})") from None
    if isinstance(value, float):
        if not math.isfinite(value) or value < 0:
            raise LocalProtocolError(f"number {value!r} has no form in {RULE_ATTRIBUTE}")
        text = repr(value + 0.0)  # + 0.0 turns -0.0 into 0.0
        if "e" in text or "E" in text:
            # Shortest round-tripping digits, written out in fixed point.
            text = format(Decimal(text), "f")
            if "." not in text:
                text += ".0"  # stays a FLOAT, so it parses back as a float
        return text
    if isinstance(value, str):
        return quote(value)
    if isinstance(value, list | dict):
        return quote(json.dumps(value))
    raise LocalProtocolError(f"no text rendering for a {type(value).__name__} value")


def parse_value(token: str) -> str | int | float | bool:
    """The typed value of an X-OCCI-Attribute value (inverse of :func:`render_value`).

    The type comes from the syntax (digest §2.4 case 1): ``2`` is an integer, ``"2"`` a string.
    """
    if token.startswith('"'):
        try:
            return unquote(token)
        except ParseError as exc:
            raise ParseError(exc.message, rule=RULE_ATTRIBUTE, text=token) from None
    if BOOLEAN.fullmatch(token):
        return token == "true"
    if INT.fullmatch(token):
        try:
            return int(token)
        except ValueError:
            raise ParseError("integer has too many digits", rule=RULE_ATTRIBUTE) from None
    if FLOAT.fullmatch(token):
        return float(token)
    raise ParseError(_why_not_a_value(token), rule=RULE_ATTRIBUTE, text=token)


def _why_not_a_value(token: str) -> str:
    if token == "":
        return 'empty value (an empty string is written "")'
    if token == ".":
        return 'a bare "." is not a number'
    unsigned = token[1:]
    if token[0] in "+-" and (INT.fullmatch(unsigned) or FLOAT.fullmatch(unsigned)):
        return "signed numbers have no form in the grammar"
    if re.fullmatch(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)[eE][+-]?[0-9]+", token):
        return "numbers with an exponent have no form in the grammar"
    if token.lower() in ("true", "false"):
        return "booleans are lower case: true or false"
    return "string values must be quoted"


def parse_attribute(item: str) -> tuple[str, str | int | float | bool]:
    """One ``name=value`` element of an X-OCCI-Attribute value (T12 §4.3)."""
    name, raw = _param(item, RULE_ATTRIBUTE)
    if ATTRIBUTE_NAME.fullmatch(name) is None:
        raise ParseError(f"invalid attribute name {name!r}", rule=RULE_ATTRIBUTE, text=item)
    return name, parse_value(raw)


def format_attribute(name: str, value: object) -> str:
    """``name=value`` for an X-OCCI-Attribute line."""
    _check_attribute_name(name)
    return f"{name}={render_value(value)}"


def _check_attribute_name(name: str) -> None:
    if ATTRIBUTE_NAME.fullmatch(name) is None:
        raise LocalProtocolError(f"invalid attribute name {name!r} ({RULE_ATTRIBUTE})")


# --- locations (T12 §4.4) --------------------------------------------------------------------


def parse_location(value: str, rule: str = RULE_LOCATION) -> str:
    """One URI reference (X-OCCI-Location element, Category location, link self)."""
    if URI_REFERENCE.fullmatch(value) is None:
        raise ParseError(f"not a URI reference: {value!r}", rule=rule, text=value)
    return value


def check_location(value: str, rule: str = RULE_LOCATION) -> str:
    """``value`` if it can be written as a location, else LocalProtocolError."""
    if not isinstance(value, str) or URI_REFERENCE.fullmatch(value) is None:
        raise LocalProtocolError(f"not a URI reference: {value!r} ({rule})")
    return value


# --- categories (T12 §4.1) -------------------------------------------------------------------

_CATEGORY_PARAMS = ("scheme", "class", "title", "rel", "location", "attributes", "actions")
_ATTRIBUTE_DEF = re.compile(r"(?P<name>[^\s{}]+)(?:\{(?P<props>[^{}]*)\})?")


@dataclass(frozen=True, slots=True)
class CategoryValue:
    """One parsed Category value. ``attributes`` pairs each name with its properties."""

    term: str
    scheme: str
    category_class: str
    title: str | None = None
    rel: tuple[str, ...] = ()
    location: str | None = None
    attributes: tuple[tuple[str, frozenset[str]], ...] = ()
    actions: tuple[str, ...] = ()
    #: The parameter names in the order they came (the ABNF fixes the order; AMB-TXT-05).
    order: tuple[str, ...] = ()

    @property
    def id(self) -> str:
        return self.scheme + self.term


def parse_type_ids(text: str, rule: str) -> tuple[str, ...]:
    """A space-separated list of type identifiers (digest §2.1 TYPEIDS); at least one."""
    ids = tuple(text.split())
    if not ids:
        raise ParseError("empty list of type identifiers", rule=rule, text=text)
    for identifier in ids:
        if TYPE_ID.fullmatch(identifier) is None:
            raise ParseError(
                f"not a type identifier (an absolute URI scheme, then a term): {identifier!r}",
                rule=rule,
                text=text,
            )
    return ids


def parse_attribute_defs(text: str) -> tuple[tuple[str, frozenset[str]], ...]:
    """The content of ``attributes="..."``: names with optional ``{immutable required}``."""
    out: list[tuple[str, frozenset[str]]] = []
    pos = 0
    n = len(text)
    while pos < n:
        if text[pos] == " ":
            pos += 1
            continue
        match = _ATTRIBUTE_DEF.match(text, pos)
        if match is None:
            raise ParseError(
                f"stray or unbalanced brace at {text[pos:]!r}", rule=RULE_CATEGORY, text=text
            )
        pos = match.end()
        if pos < n and text[pos] != " ":
            raise ParseError(
                f"unbalanced brace or missing space after {match.group()!r}",
                rule=RULE_CATEGORY,
                text=text,
            )
        name = match.group("name")
        if ATTRIBUTE_NAME.fullmatch(name) is None:
            raise ParseError(f"invalid attribute name {name!r}", rule=RULE_CATEGORY, text=text)
        props: frozenset[str] = frozenset()
        if match.group("props") is not None:
            words = match.group("props").split()
            unknown = [w for w in words if w not in PROPERTIES]
            if unknown or not words:
                raise ParseError(
                    f"attribute {name}: properties must be immutable and/or required, got"
                    f" {{{match.group('props')}}}",
                    rule=RULE_CATEGORY,
                    text=text,
                )
            props = frozenset(words)
        out.append((name, props))
    if not out:
        raise ParseError('attributes="" must list at least one name', rule=RULE_CATEGORY)
    return tuple(out)


def parse_category_value(value: str) -> CategoryValue:
    """One Category value, short or long form, parameters in any order (digest §2.2)."""
    parts = split_params(value)
    term = parts[0]
    if TERM.fullmatch(term) is None:
        raise ParseError(f"invalid term {term!r}", rule=RULE_CATEGORY, text=value)
    found: dict[str, str] = {}
    for part in parts[1:]:
        name, raw = _param(part, RULE_CATEGORY)
        if name not in _CATEGORY_PARAMS:
            raise ParseError(f"unknown parameter {name!r}", rule=RULE_CATEGORY, text=value)
        if name in found:
            raise ParseError(f"parameter {name!r} given twice", rule=RULE_CATEGORY, text=value)
        found[name] = raw
    for required in ("scheme", "class"):
        if required not in found:
            raise ParseError(f"missing {required}=", rule=RULE_CATEGORY, text=value)

    def quoted(name: str) -> str:
        try:
            return unquote(found[name])
        except ParseError as exc:
            raise ParseError(f"{name}: {exc.message}", rule=RULE_CATEGORY, text=value) from None

    scheme = quoted("scheme")
    if SCHEME.fullmatch(scheme) is None:
        raise ParseError(
            f"scheme {scheme!r} is not an absolute URI",
            rule=RULE_CATEGORY,
            text=value,
        )
    class_match = CLASS.fullmatch(found["class"])
    if class_match is None:
        raise ParseError(
            f"class must be kind, mixin or action, got {found['class']!r}",
            rule=RULE_CATEGORY,
            text=value,
        )
    category_class = class_match.group(1) or class_match.group(2)
    title = quoted("title") if "title" in found else None
    rel = parse_type_ids(quoted("rel"), RULE_CATEGORY) if "rel" in found else ()
    location = parse_location(quoted("location"), RULE_CATEGORY) if "location" in found else None
    attributes = parse_attribute_defs(quoted("attributes")) if "attributes" in found else ()
    actions = parse_type_ids(quoted("actions"), RULE_CATEGORY) if "actions" in found else ()
    if category_class == "action" and (location is not None or actions):
        raise ParseError(
            "an action category has no location and no actions (T12 §5.2)",
            rule=RULE_CATEGORY,
            text=value,
        )
    return CategoryValue(
        term=term,
        scheme=scheme,
        category_class=category_class,
        title=title,
        rel=rel,
        location=location,
        attributes=attributes,
        actions=actions,
        order=tuple(found),
    )


def format_category_value(category: CategoryValue) -> str:
    """A Category value with its parameters in the canonical order (T12 §4.1).

    Empty lists are omitted, since the ABNF requires at least one element (digest §2.2 case 8).
    """
    if TERM.fullmatch(category.term) is None:
        raise LocalProtocolError(f"invalid term {category.term!r} ({RULE_CATEGORY})")
    if SCHEME.fullmatch(category.scheme) is None:
        raise LocalProtocolError(
            f"scheme {category.scheme!r} is not an absolute URI ({RULE_CATEGORY})"
        )
    if category.category_class not in CLASSES:
        raise LocalProtocolError(f"invalid class {category.category_class!r}")
    parts = [category.term, f'scheme="{category.scheme}"', f'class="{category.category_class}"']
    if category.title:
        parts.append(f"title={quote(category.title)}")
    if category.rel:
        parts.append(f'rel="{_format_type_ids(category.rel)}"')
    if category.location is not None:
        parts.append(f'location="{check_location(category.location, RULE_CATEGORY)}"')
    if category.attributes:
        defs = []
        for name, props in category.attributes:
            _check_attribute_name(name)
            words = [p for p in PROPERTIES if p in props]
            defs.append(name + ("{" + " ".join(words) + "}" if words else ""))
        parts.append(f'attributes="{" ".join(defs)}"')
    if category.actions:
        parts.append(f'actions="{_format_type_ids(category.actions)}"')
    return ";".join(parts)


def _format_type_ids(ids: tuple[str, ...]) -> str:
    for identifier in ids:
        if TYPE_ID.fullmatch(identifier) is None:
            raise LocalProtocolError(f"not a type identifier: {identifier!r}")
    return " ".join(ids)


# --- links (T12 §4.2) ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class LinkValue:
    """One parsed Link value: an OCCI link or an action link (``?action=`` in the target)."""

    target: str
    rel: tuple[str, ...]
    self_location: str | None = None
    category: tuple[str, ...] = ()
    #: Link attributes, typed by syntax where they look typed, else token strings.
    attributes: tuple[tuple[str, object], ...] = ()

    @property
    def is_action(self) -> bool:
        return ACTION_QUERY in self.target

    @property
    def action_base(self) -> str:
        """The entity URI an action link points at (before ``?action=``)."""
        return self.target.rpartition(ACTION_QUERY)[0]


def parse_link_value(value: str) -> LinkValue:
    """One Link value (digest §2.3); an action link's term must match its rel (case 4)."""
    parts = split_params(value, angle=True)
    head = parts[0]
    if not (head.startswith("<") and head.endswith(">")):
        raise ParseError('a Link value starts with "<URI>"', rule=RULE_LINK, text=value)
    target = parse_location(head[1:-1], RULE_LINK)
    found: dict[str, str] = {}
    attributes: dict[str, object] = {}
    for part in parts[1:]:
        name, raw = _param(part, RULE_LINK)
        if "category" in found and name not in ("rel", "self", "category"):
            if ATTRIBUTE_NAME.fullmatch(name) is None:
                raise ParseError(f"invalid attribute name {name!r}", rule=RULE_LINK, text=value)
            if name in attributes:
                raise ParseError(f"attribute {name} given twice", rule=RULE_LINK, text=value)
            attributes[name] = _link_attribute_value(raw, value)
            continue
        if name not in ("rel", "self", "category"):
            raise ParseError(
                f"parameter {name!r} before category=: link attributes follow the category"
                " (TEXT-LINK-02)",
                rule=RULE_LINK,
                text=value,
            )
        if name in found:
            raise ParseError(f"parameter {name!r} given twice", rule=RULE_LINK, text=value)
        found[name] = raw
    if "rel" not in found:
        raise ParseError("missing rel=", rule=RULE_LINK, text=value)
    try:
        rel = parse_type_ids(unquote(found["rel"]), RULE_LINK)
        self_location = (
            parse_location(unquote(found["self"]), RULE_LINK) if "self" in found else None
        )
        raw_category = found.get("category")
        if raw_category is None:
            category: tuple[str, ...] = ()
        elif raw_category.startswith('"'):
            category = parse_type_ids(unquote(raw_category), RULE_LINK)
        else:  # the ABNF leaves it unquoted (digest §2.3 case 3)
            category = parse_type_ids(raw_category, RULE_LINK)
    except ParseError as exc:
        raise ParseError(exc.message, rule=RULE_LINK, text=value) from None
    link = LinkValue(
        target=target,
        rel=rel,
        self_location=self_location,
        category=category,
        attributes=tuple(attributes.items()),
    )
    if link.is_action:
        term = link.target.rpartition(ACTION_QUERY)[2]
        if len(rel) != 1:
            raise ParseError(
                "an action link's rel holds one action id", rule=RULE_ACTION_LINK, text=value
            )
        rel_term = rel[0].rpartition("#")[2]
        if term != rel_term:
            raise ParseError(
                f"action term {term!r} in the URI differs from the rel term {rel_term!r}",
                rule=RULE_ACTION_LINK,
                text=value,
            )
    return link


def _link_attribute_value(raw: str, value: str) -> object:
    """T12 §4.2: token or quoted-string; typed like X-OCCI-Attribute where the syntax says so
    (AMB-TXT-10), so that a number written bare comes back a number."""
    try:
        return parse_value(raw)
    except ParseError:
        if TOKEN.fullmatch(raw):
            return raw
        raise ParseError(
            f"link attribute value {raw!r} is neither a token nor a quoted string",
            rule=RULE_LINK,
            text=value,
        ) from None


def format_link_value(link: LinkValue) -> str:
    """A Link value: ``<target>;rel="...";self="...";category="...";name=value...``."""
    parts = [f"<{check_location(link.target, RULE_LINK)}>", f'rel="{_format_type_ids(link.rel)}"']
    if link.self_location is not None:
        parts.append(f'self="{check_location(link.self_location, RULE_LINK)}"')
    if link.category:
        parts.append(f'category="{_format_type_ids(link.category)}"')
    elif link.attributes:
        raise LocalProtocolError(f"link attributes need a category ({RULE_LINK})")
    parts.extend(format_attribute(name, value) for name, value in link.attributes)
    return ";".join(parts)


def format_action_link(location: str, action_id: str) -> str:
    """``<location?action=term>;rel="action id"`` (T12 §4.2)."""
    match = TYPE_ID.fullmatch(action_id)
    if match is None:
        raise LocalProtocolError(f"not an action type identifier: {action_id!r}")
    term = match.group(2)
    return format_link_value(LinkValue(target=f"{location}{ACTION_QUERY}{term}", rel=(action_id,)))


__all__ = [
    "ACTION_QUERY",
    "ATTRIBUTE_NAME",
    "ATTRIBUTE_NAME11",
    "ATTRIBUTE_NAME12",
    "BOOLEAN",
    "CLASS",
    "CLASSES",
    "FLOAT",
    "INT",
    "PROPERTIES",
    "QUOTED_STRING",
    "RULE_ACTION_LINK",
    "RULE_ATTRIBUTE",
    "RULE_CATEGORY",
    "RULE_LINK",
    "RULE_LIST",
    "RULE_LOCATION",
    "RULE_QUOTED_STRING",
    "SCHEME",
    "TERM",
    "TERM11",
    "TERM12",
    "TOKEN",
    "TYPE_ID",
    "URI_REFERENCE",
    "CategoryValue",
    "LinkValue",
    "attribute_name_pattern",
    "check_location",
    "format_action_link",
    "format_attribute",
    "format_category_value",
    "format_link_value",
    "parse_attribute",
    "parse_attribute_defs",
    "parse_category_value",
    "parse_link_value",
    "parse_location",
    "parse_type_ids",
    "parse_value",
    "quote",
    "render_value",
    "split_list",
    "split_params",
    "term_pattern",
    "unquote",
]
