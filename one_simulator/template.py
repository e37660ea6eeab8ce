"""OpenNebula template syntax: ``NAME="x" CPU=1 DISK=[IMAGE_ID="3", TARGET=vda]``.

A strict reading of oned's flex/bison grammar (src/parsers/template_parser.l):

* an attribute is ``NAME = VALUE``; names are ``[A-Za-z0-9_]+`` and case-insensitive
  (stored upper-case); attributes are separated by blanks or newlines;
* a value is a double-quoted string (may span lines, ``\\"`` escapes a quote) or a bare
  word without blanks, ``=``, ``#``, ``,``, ``[`` or ``]``; ``NAME =`` followed by a
  newline (or the end) is an empty value;
* a vector is ``NAME = [ K = V, K2 = V2 ]`` (one level, at least one pair, no
  empty values inside);
* ``#`` starts a comment running to the end of the line (outside values);
* ``]]>`` is refused anywhere in a value, as oned does (it would break CDATA).

oned also accepts the same content as XML (root usually ``<TEMPLATE>``), which is what
pyone sends for nested dicts; :meth:`Template.parse` detects it by a leading ``<``.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator

Vector = dict[str, str]
Value = str | Vector

_NAME = re.compile(r"[A-Za-z0-9_]+")
_BARE = re.compile(r"[^=#\s,\[\]]+")
_BLANKS = re.compile(r"[ \t]*")
_SPACE = re.compile(r"[ \t\r\n]*")


class TemplateError(ValueError):
    """A template that does not parse; the message names line and column."""


class Template:
    """An ordered list of attributes, single (``str``) or vector (``dict``)."""

    def __init__(self, items: list[tuple[str, Value]] | None = None) -> None:
        self.items: list[tuple[str, Value]] = list(items or [])

    # ---------------------------------------------------------------- parsing
    @classmethod
    def parse(cls, text: str) -> Template:
        """Parse template text or XML; raise :class:`TemplateError` when invalid."""
        if not isinstance(text, str):
            raise TemplateError("Parse error: template must be a string")
        if text.lstrip().startswith("<"):
            return cls._parse_xml(text)
        return _Parser(text).parse()

    @classmethod
    def _parse_xml(cls, text: str) -> Template:
        try:
            root = ET.fromstring(text.strip())
        except ET.ParseError as exc:
            raise TemplateError(f"Parse error: XML: {exc}") from None
        items: list[tuple[str, Value]] = []
        for child in root:
            if len(child) == 0:
                items.append((child.tag.upper(), _check_value(child.text or "", child.tag)))
                continue
            vector: Vector = {}
            for leaf in child:
                if len(leaf) != 0:
                    raise TemplateError(
                        f"Parse error: XML: vector attribute {child.tag}/{leaf.tag} is nested"
                        " more than one level"
                    )
                vector[leaf.tag.upper()] = _check_value(leaf.text or "", leaf.tag)
            items.append((child.tag.upper(), vector))
        return cls(items)

    # ---------------------------------------------------------------- access
    def __iter__(self) -> Iterator[tuple[str, Value]]:
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)

    def __contains__(self, name: str) -> bool:
        return any(n == name for n, _ in self.items)

    def get(self, name: str) -> Value | None:
        """The first value of ``name``, or None."""
        return next((v for n, v in self.items if n == name), None)

    def get_str(self, name: str, default: str = "") -> str:
        """The first single value of ``name`` (vectors are ignored)."""
        return next((v for n, v in self.items if n == name and isinstance(v, str)), default)

    def vectors(self, name: str) -> list[Vector]:
        """Every vector value of ``name`` (the live dicts, in order)."""
        return [v for n, v in self.items if n == name and isinstance(v, dict)]

    def set(self, name: str, value: Value) -> None:
        """Replace every ``name`` attribute by one (kept at the first one's place)."""
        for i, (n, _) in enumerate(self.items):
            if n == name:
                self.items[i] = (name, value)
                self.items = [it for j, it in enumerate(self.items) if j <= i or it[0] != name]
                return
        self.items.append((name, value))

    def add(self, name: str, value: Value) -> None:
        """Append an attribute, also when one of that name exists."""
        self.items.append((name, value))

    def remove(self, name: str) -> list[Value]:
        """Remove every ``name`` attribute; return the removed values."""
        gone = [v for n, v in self.items if n == name]
        self.items = [(n, v) for n, v in self.items if n != name]
        return gone

    def merge(self, other: Template) -> None:
        """oned's merge: each name present in ``other`` replaces this one's values."""
        for name in dict.fromkeys(n for n, _ in other.items):
            self.remove(name)
        for name, value in other.items:
            self.add(name, _copy(value))

    def copy(self) -> Template:
        """A deep copy (vectors are copied too)."""
        return Template([(n, _copy(v)) for n, v in self.items])

    def to_xml(self, parent: ET.Element, names: set[str] | None = None) -> None:
        """Append the attributes (all, or only ``names``) as children of ``parent``."""
        for name, value in self.items:
            if names is not None and name not in names:
                continue
            element = ET.SubElement(parent, name)
            if isinstance(value, dict):
                for key, val in value.items():
                    ET.SubElement(element, key).text = val
            else:
                element.text = value

    def to_str(self) -> str:
        """The template in oned's text syntax (quotes escaped)."""
        lines = []
        for name, value in self.items:
            if isinstance(value, dict):
                inner = ",\n  ".join(f'{k}="{_quote(v)}"' for k, v in value.items())
                lines.append(f"{name}=[\n  {inner} ]")
            else:
                lines.append(f'{name}="{_quote(value)}"')
        return "\n".join(lines)


def _copy(value: Value) -> Value:
    return dict(value) if isinstance(value, dict) else value


def _quote(value: str) -> str:
    return value.replace('"', '\\"')


def _check_value(value: str, name: str) -> str:
    if "]]>" in value:
        raise TemplateError(f"Parse error: value of {name} contains the CDATA terminator ]]>")
    return value


class _Parser:
    """Recursive descent over the text, keeping line/column for errors."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0

    def error(self, unexpected: str, expecting: str) -> TemplateError:
        line = self.text.count("\n", 0, self.pos) + 1
        col = self.pos - (self.text.rfind("\n", 0, self.pos) + 1) + 1
        return TemplateError(
            f"Parse error: syntax error, unexpected {unexpected}, expecting {expecting}"
            f" at line {line}, column {col}"
        )

    def peek(self) -> str:
        return self.text[self.pos] if self.pos < len(self.text) else ""

    def describe(self) -> str:
        ch = self.peek()
        return "end of template" if not ch else ("newline" if ch == "\n" else repr(ch))

    def skip(self, pattern: re.Pattern[str]) -> None:
        match = pattern.match(self.text, self.pos)
        assert match is not None
        self.pos = match.end()

    def skip_space_and_comments(self) -> None:
        while True:
            self.skip(_SPACE)
            if self.peek() != "#":
                return
            end = self.text.find("\n", self.pos)
            self.pos = len(self.text) if end < 0 else end + 1

    def name(self) -> str:
        match = _NAME.match(self.text, self.pos)
        if not match:
            raise self.error(self.describe(), "attribute name")
        self.pos = match.end()
        return match.group().upper()

    def equal(self) -> None:
        self.skip(_BLANKS)
        if self.peek() != "=":
            raise self.error(self.describe(), "'='")
        self.pos += 1
        self.skip(_BLANKS)

    def value(self, in_vector: bool) -> str | None:
        """A quoted or bare value; None for an empty top-level value."""
        ch = self.peek()
        if ch == '"':
            return self.quoted()
        match = _BARE.match(self.text, self.pos)
        if match:
            self.pos = match.end()
            return _check_value(match.group(), "attribute")
        if not in_vector and ch in ("\n", "\r", ""):
            return None
        raise self.error(self.describe(), "value")

    def quoted(self) -> str:
        start = self.pos
        self.pos += 1
        chars: list[str] = []
        while True:
            ch = self.peek()
            if not ch:
                self.pos = start
                raise self.error("unterminated quoted string", "'\"'")
            if ch == "\\" and self.text.startswith('\\"', self.pos):
                chars.append('"')
                self.pos += 2
                continue
            self.pos += 1
            if ch == '"':
                return _check_value("".join(chars), "attribute")
            chars.append(ch)

    def vector(self) -> Vector:
        self.pos += 1  # '['
        vector: Vector = {}
        self.skip(_SPACE)
        while True:
            key = self.name()
            self.equal()
            val = self.value(in_vector=True)
            assert val is not None
            vector[key] = val
            self.skip(_SPACE)
            ch = self.peek()
            if ch == ",":
                self.pos += 1
                self.skip(_SPACE)
                continue
            if ch == "]":
                self.pos += 1
                return vector
            raise self.error(self.describe(), "',' or ']'")

    def parse(self) -> Template:
        items: list[tuple[str, Value]] = []
        self.skip_space_and_comments()
        while self.pos < len(self.text):
            name = self.name()
            self.equal()
            if self.peek() == "[":
                items.append((name, self.vector()))
            else:
                val = self.value(in_vector=False)
                items.append((name, "" if val is None else val))
            after = self.pos
            self.skip_space_and_comments()
            if self.pos == after and self.pos < len(self.text):
                raise self.error(self.describe(), "newline or blank between attributes")
        return Template(items)
