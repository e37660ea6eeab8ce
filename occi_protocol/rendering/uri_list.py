"""text/uri-list (RFC 2483; T12 §8, H11 §3.6.6.3): location lists only.

One URI per line, CRLF-terminated as RFC 2483 §5 asks; ``#`` lines are comments. Every other
message has no form here: rendering one raises
:class:`~occi_protocol.errors.NotAcceptable` with status 400, because T12 §8 (TEXT-URI-02)
answers a uri-list request for something that is not a listing with 400 Bad Request, and
parsing one raises :class:`~occi_protocol.errors.ParseError`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NoReturn

from occi_protocol import grammar
from occi_protocol.errors import LocalProtocolError, NotAcceptable, ParseError
from occi_protocol.model import ActionInvocation, Category, Entity, Model
from occi_protocol.rendering import URI_LIST, Filter, HeaderPairs, Rendered

RULE_URI_LIST = "RFC 2483 §5 text/uri-list"
RULE_ONLY_LISTS = "T12 §8 text/uri-list"
_ONLY_LISTS = "text/uri-list only carries location lists (collections and namespace listings)"


def _not_acceptable(what: str) -> NoReturn:
    exc = NotAcceptable(f"{_ONLY_LISTS}, not {what}")
    exc.status = 400  # TEXT-URI-02: T12 §8 asks for 400 Bad Request here, not 406
    exc.rule = RULE_ONLY_LISTS
    raise exc


def _not_parseable(what: str) -> NoReturn:
    raise ParseError(f"{_ONLY_LISTS}, not {what}", rule=RULE_ONLY_LISTS)


class UriListRendering:
    """The text/uri-list rendering; see the module docstring."""

    media_type = URI_LIST

    def __repr__(self) -> str:
        return f"<UriListRendering {self.media_type}>"

    def render_locations(self, locations: Sequence[str]) -> Rendered:
        """One URI per line, each ending in CRLF; an empty list is an empty body."""
        for location in locations:
            if not isinstance(location, str) or grammar.URI_REFERENCE.fullmatch(location) is None:
                raise LocalProtocolError(f"not a URI reference: {location!r} ({RULE_URI_LIST})")
        return Rendered(headers=[], body="".join(f"{loc}\r\n" for loc in locations).encode())

    def render_collection(self, entities: Sequence[Entity]) -> Rendered:
        """The entities' locations."""
        locations = []
        for entity in entities:
            if entity.location is None:
                raise LocalProtocolError("an entity in a collection needs its location")
            locations.append(entity.location)
        return self.render_locations(locations)

    def parse_locations(self, headers: HeaderPairs, body: bytes) -> list[str]:
        """The URIs of the body; blank lines and ``#`` comments skipped; CRLF or LF."""
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ParseError(f"body is not UTF-8 ({exc.reason})", rule=RULE_URI_LIST) from None
        out = []
        for number, raw in enumerate(text.split("\n"), start=1):
            line = raw.removesuffix("\r").strip(" \t")
            if not line or line.startswith("#"):
                continue
            if grammar.URI_REFERENCE.fullmatch(line) is None:
                raise ParseError(
                    "not a URI reference", rule=RULE_URI_LIST, line=number, text=raw.rstrip("\r")
                )
            out.append(line)
        return out

    def render_categories(self, categories: Sequence[Category]) -> Rendered:
        _not_acceptable("categories (the query interface)")

    def render_entity(self, entity: Entity) -> Rendered:
        _not_acceptable("an entity")

    def render_action_invocation(self, invocation: ActionInvocation) -> Rendered:
        _not_acceptable("an action invocation")

    def render_error(self, status: int, message: str) -> Rendered:
        """Errors still need a body: a comment line, which a uri-list reader skips."""
        first = message.splitlines()[0] if message else ""
        return Rendered(headers=[], body=f"# {first}\r\n".encode())

    def parse_categories(self, headers: HeaderPairs, body: bytes) -> list[Category]:
        _not_parseable("categories")

    def parse_entity(self, headers: HeaderPairs, body: bytes, model: Model | None = None) -> Entity:
        _not_parseable("an entity")

    def parse_entities(
        self, headers: HeaderPairs, body: bytes, model: Model | None = None
    ) -> list[Entity]:
        _not_parseable("entities")

    def parse_action_invocation(self, headers: HeaderPairs, body: bytes) -> ActionInvocation:
        _not_parseable("an action invocation")

    def parse_filter(self, headers: HeaderPairs, body: bytes) -> Filter:
        _not_parseable("a filter")


URI_LIST_RENDERING = UriListRendering()

__all__ = ["URI_LIST_RENDERING", "UriListRendering"]
