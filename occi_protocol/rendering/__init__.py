"""The OCCI renderings: one object per media type, all with the same interface.

A rendering turns model values into a :class:`Rendered` (header pairs plus body bytes) and
back. Header *pairs* are kept in order, one pair per header line, because OCCI gives meaning
to repeated lines (``Category:`` twice equals one line with a comma; T12 §5).

``parse_*`` methods take the message's header pairs (all of them; a rendering picks the ones
it owns, case-insensitively) and its body, and raise :class:`~occi_protocol.errors.ParseError`
naming the line and grammar rule on malformed input. ``render_*`` methods raise
:class:`~occi_protocol.errors.LocalProtocolError` for values the rendering cannot express, or
:class:`~occi_protocol.errors.NotAcceptable` when the media type has no form for that message
at all (text/uri-list renders only location lists).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

from occi_protocol.model import ActionInvocation, Category, Entity, Model

HeaderPairs = list[tuple[str, str]]

TEXT_PLAIN = "text/plain"
TEXT_OCCI_PLAIN = "text/occi+plain"  # 1.2 alias of text/plain (T12 §5.1)
TEXT_OCCI = "text/occi"
URI_LIST = "text/uri-list"
OCCI_JSON = "application/occi+json"
JSON = "application/json"


@dataclass(frozen=True, slots=True)
class Rendered:
    """A rendered message: OCCI header pairs to send (text/occi) and the body."""

    headers: HeaderPairs = field(default_factory=list)
    body: bytes = b""


@dataclass(frozen=True, slots=True)
class Filter:
    """A collection filter sent by a client (H12 §3.4.4): categories and attribute values."""

    categories: tuple[str, ...] = ()
    attributes: dict[str, object] = field(default_factory=dict)


class Rendering(Protocol):
    """What every rendering module provides (see the module docstring for errors)."""

    media_type: str

    def render_categories(self, categories: Sequence[Category]) -> Rendered:
        """The query interface: every category in its long form."""

    def render_entity(self, entity: Entity) -> Rendered:
        """One resource (with its links inline and its action links) or one link."""

    def render_collection(self, entities: Sequence[Entity]) -> Rendered:
        """An entity collection: full instances where the rendering has a form for them
        (JSON), the entities' locations otherwise (text)."""

    def render_locations(self, locations: Sequence[str]) -> Rendered:
        """A list of locations (collection listing, mixin association answers)."""

    def render_action_invocation(self, invocation: ActionInvocation) -> Rendered:
        """An action invocation request body."""

    def render_error(self, status: int, message: str) -> Rendered:
        """The body of an error answer (the specs define none; see each rendering)."""

    def parse_categories(self, headers: HeaderPairs, body: bytes) -> list[Category]:
        """Categories in their long or short form (query interface; user mixins)."""

    def parse_entity(self, headers: HeaderPairs, body: bytes, model: Model | None = None) -> Entity:
        """One entity; with a model, a link kind yields a Link even without source/target."""

    def parse_entities(
        self, headers: HeaderPairs, body: bytes, model: Model | None = None
    ) -> list[Entity]:
        """One or more entities (a JSON collection; in text, the one entity)."""

    def parse_locations(self, headers: HeaderPairs, body: bytes) -> list[str]:
        """A list of locations, as written (relative references are not resolved)."""

    def parse_action_invocation(self, headers: HeaderPairs, body: bytes) -> ActionInvocation:
        """An action invocation request."""

    def parse_filter(self, headers: HeaderPairs, body: bytes) -> Filter:
        """A collection filter (text renderings; JSON has none and returns an empty one)."""


def rendering_for(media_type: str) -> Rendering:
    """The rendering for a media type (parameters and case ignored).

    Raises:
        KeyError: no rendering for it.
    """
    from occi_protocol.rendering import json_rendering, text, uri_list

    key = media_type.split(";", 1)[0].strip().lower()
    table: dict[str, Rendering] = {
        TEXT_PLAIN: text.TEXT_PLAIN_RENDERING,
        TEXT_OCCI_PLAIN: text.TEXT_PLAIN_RENDERING,
        TEXT_OCCI: text.TEXT_OCCI_RENDERING,
        URI_LIST: uri_list.URI_LIST_RENDERING,
        OCCI_JSON: json_rendering.JSON_RENDERING,
        JSON: json_rendering.JSON_RENDERING,
    }
    return table[key]


__all__ = [
    "JSON",
    "OCCI_JSON",
    "TEXT_OCCI",
    "TEXT_OCCI_PLAIN",
    "TEXT_PLAIN",
    "URI_LIST",
    "Filter",
    "HeaderPairs",
    "Rendered",
    "Rendering",
    "rendering_for",
]
