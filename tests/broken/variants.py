"""Deliberately broken variants of the reference server, and variants that differ only where
the specification allows it.

A breaking variant breaks one MUST in one area; the suite run against it has to report at
least one ``fail`` naming one of ``expect``. An allowed variant (``expect`` empty) changes only
what the specification leaves open; the suite must report nothing against it that it does not
also report against the plain server.

Nothing in ``reference_server/`` is edited: a variant is ASGI middleware (``request`` and
``response`` hooks, see :mod:`asgi_rewrite`) and/or an ``install`` function that
patches :class:`~reference_server.occi_http.OCCIProtocol`, module globals of
``reference_server.occi_http`` or :class:`~reference_server.backends.dummy.DummyBackend`.
Each variant runs in its own server process (``serve_variant.py``), so patches never leak.
"""

from __future__ import annotations

import contextlib
import random
import re
import types
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from asgi_rewrite import (
    JSON_TYPES,
    OCCI_LINES,
    TEXT_BODY_TYPES,
    HTTPRequest,
    HTTPResponse,
    RequestHook,
    ResponseHook,
    is_link_object,
    map_entities,
    map_json,
    map_occi_lines,
    map_values,
    plain_answer,
)

AREAS = (
    "status codes",
    "headers",
    "grammar and quoting",
    "JSON structure",
    "negotiation",
    "filtering",
    "actions and states",
    "mixins",
    "links",
    "deletion",
    "versioning",
    "error handling",
)


@dataclass(frozen=True)
class Variant:
    """One variant of the reference server.

    ``expect``: requirement ids of which at least one must be reported ``fail`` (empty for an
    allowed variant). ``select``: requirement-id globs that restrict the suite run (default:
    ``expect``); ``profiles``: suite profiles that restrict it instead or as well.
    """

    name: str
    area: str
    breaks: str
    expect: tuple[str, ...] = ()
    select: tuple[str, ...] = ()
    profiles: tuple[str, ...] = ()
    install: Callable[[], None] | None = None
    request: RequestHook | None = None
    response: ResponseHook | None = None
    #: "1.1": a variant of the legacy endpoint (``--occi-version 1.1``), certified as 1.1.
    occi_version: str = "1.2"

    @property
    def allowed(self) -> bool:
        return not self.expect

    def suite_selection(self) -> list[str]:
        """pytest options that restrict the suite to what this variant touches."""
        args: list[str] = []
        for profile in self.profiles:
            args += ["--occi-profile", profile]
        globs = self.select or (self.expect if not self.profiles else ())
        for glob in globs:
            args += ["--occi-requirement", glob]
        return args


# -- patch helpers (run inside the variant's own server process) --------------------------------


def _protocol() -> Any:
    from reference_server import occi_http

    return occi_http


def _dummy() -> Any:
    from reference_server.backends import dummy

    return dummy


def _patch_next_state(rule: Callable[[str, str, str, str | None], str | None]) -> None:
    """Make the dummy backend's state machine follow ``rule(kind, action, state, right)``."""
    from occi_protocol import states

    shim = types.SimpleNamespace(**{k: getattr(states, k) for k in dir(states) if k[0] != "_"})
    right = states.next_state
    shim.next_state = lambda kind, action, state: rule(
        kind, action, state, right(kind, action, state)
    )
    _dummy().states = shim


# -- the legacy (1.1) endpoint -----------------------------------------------------------------


def _patch_legacy_kind(kind_id: str, change: Callable[[Any], Any]) -> None:
    """Replace one kind of the dummy's 1.1 model by ``change(kind)``."""
    from occi_protocol.model import Model

    dummy = _dummy()
    model = dummy.INFRASTRUCTURE_MODEL_11
    kind = model.kind(kind_id)
    dummy.INFRASTRUCTURE_MODEL_11 = Model(change(c) if c is kind else c for c in model)


def _install_legacy_compute_with_share() -> None:
    from occi_protocol.definitions.infrastructure import COMPUTE
    from occi_protocol.model import Attribute

    def change(kind: Any) -> Any:
        kept = tuple(a for a in kind.attributes if a.name != "occi.compute.speed")
        share = Attribute(name="occi.compute.share", type="integer", description="CPU share")
        return replace(kind, attributes=(*kept, share))

    _patch_legacy_kind(COMPUTE, change)


def _install_legacy_storage_without_backup() -> None:
    from occi_protocol.definitions.infrastructure import STORAGE

    def change(kind: Any) -> Any:
        return replace(kind, actions=tuple(a for a in kind.actions if not a.endswith("#backup")))

    _patch_legacy_kind(STORAGE, change)


def _install_legacy_terms_with_dots() -> None:
    _dummy()._term_11 = lambda mixin: mixin


def _install_legacy_default_json() -> None:
    occi_http = _protocol()
    first = occi_http.OCCI_JSON
    occi_http.RENDERINGS = (first, *(r for r in occi_http.RENDERINGS if r != first))


def _install_legacy_put_ignores_links() -> None:
    """PUT drops the Link lines it carries instead of refusing them."""
    occi_http = _protocol()
    original = occi_http.OCCIProtocol._parse

    def _parse(self: Any, ctx: Any) -> Any:
        rendering, headers, body = original(self, ctx)
        if ctx.request.method != "PUT":
            return rendering, headers, body
        kept = [(k, v) for k, v in headers if k.lower() != "link"]
        lines = [line for line in body.splitlines() if not line.lower().startswith(b"link:")]
        return rendering, kept, b"\n".join(lines)

    occi_http.OCCIProtocol._parse = _parse


# -- versioning -------------------------------------------------------------------------------


def _server_header(fn: Callable[[str], str]) -> ResponseHook:
    def hook(request: HTTPRequest, answer: HTTPResponse) -> None:
        value = answer.header("server")
        if value is not None:
            answer.set_header("Server", fn(value))

    return hook


def _drop_occi_token(value: str) -> str:
    return re.sub(r"\s*OCCI/\d+\.\d+", "", value)


def _errors_without_token(request: HTTPRequest, answer: HTTPResponse) -> None:
    if answer.status >= 400:
        _server_header(_drop_occi_token)(request, answer)


def _install_no_version_check() -> None:
    _protocol().OCCIProtocol._check_version = lambda self, request: None


# -- status codes -----------------------------------------------------------------------------


def _is_create(request: HTTPRequest, answer: HTTPResponse) -> bool:
    return request.method == "POST" and not request.is_action and answer.status == 201


def _create_200_empty(request: HTTPRequest, answer: HTTPResponse) -> None:
    if _is_create(request, answer):
        answer.empty(200)
        answer.set_header("Location", None)


def _put_create_204(request: HTTPRequest, answer: HTTPResponse) -> None:
    if request.method == "PUT" and answer.status == 201:
        location = answer.header("location")
        answer.empty(204)
        answer.set_header("Location", location)


def _entity_get_204(request: HTTPRequest, answer: HTTPResponse) -> None:
    if (
        request.method in ("GET", "HEAD")
        and request.is_entity
        and not request.is_query_interface
        and answer.status == 200
    ):
        answer.empty(204)


def _delete_201(request: HTTPRequest, answer: HTTPResponse) -> None:
    if request.method == "DELETE" and request.is_entity and answer.ok:
        answer.status = 201


def _action_303(request: HTTPRequest, answer: HTTPResponse) -> None:
    """erocci-style: a successful action redirects to the entity (AMB-HTTP-07: 303 fails)."""
    if request.method == "POST" and request.is_action and answer.status == 200:
        answer.empty(303)
        answer.set_header("Location", request.path)


def _user_mixin_303(request: HTTPRequest, answer: HTTPResponse) -> None:
    """erocci-style: defining a user mixin redirects (HTTP-QI-05 policy: 303 fails)."""
    if request.method == "POST" and request.is_query_interface and answer.status == 200:
        answer.empty(303)
        answer.set_header("Location", "/-/")


def _install_unlimited_pages() -> None:
    _protocol().MAX_PAGE_SIZE = 10**15


# -- headers ----------------------------------------------------------------------------------


def _drop_content_type(request: HTTPRequest, answer: HTTPResponse) -> None:
    answer.set_header("Content-Type", None)


def _error_without_content_type(request: HTTPRequest, answer: HTTPResponse) -> None:
    if answer.status >= 400 and answer.body:
        answer.set_header("Content-Type", None)


def _rename_header(old: str, new: str) -> ResponseHook:
    def hook(request: HTTPRequest, answer: HTTPResponse) -> None:
        if answer.media_type == "text/occi":
            answer.headers = [(new if k.lower() == old else k, v) for k, v in answer.headers]

    return hook


def _no_location_header(request: HTTPRequest, answer: HTTPResponse) -> None:
    if _is_create(request, answer) or (request.method == "PUT" and answer.status == 201):
        answer.set_header("Location", None)


# -- grammar and quoting ----------------------------------------------------------------------


def _entity_answer(request: HTTPRequest, answer: HTTPResponse) -> bool:
    """An entity rendering (GET, update, action): where discovery is not affected."""
    return request.is_entity and not request.is_query_interface and answer.ok


def _on_entities(line: str, fn: Callable[[str], str]) -> ResponseHook:
    def hook(request: HTTPRequest, answer: HTTPResponse) -> None:
        if _entity_answer(request, answer):
            map_occi_lines(answer, map_values(line, fn))

    return hook


def _unquote_scheme(value: str) -> str:
    return re.sub(r'scheme="([^"]*)"', r"scheme=\1", value)


def _plural_class(value: str) -> str:
    return re.sub(r'class="?(kind|mixin|action)"?', r"class=\1s", value)


_STRING_VALUE = re.compile(r'^([^=]+)="((?:[^"\\]|\\.)*)"$')


def _unquote_string(value: str) -> str:
    match = _STRING_VALUE.match(value)
    if match is None:
        return value
    return f"{match[1]}={match[2]}"


def _unescape_string(value: str) -> str:
    match = _STRING_VALUE.match(value)
    if match is None:
        return value
    raw = re.sub(r"\\(.)", r"\1", match[2])
    return f'{match[1]}="{raw}"'


def _exponent_numbers(value: str) -> str:
    name, _, raw = value.partition("=")
    if re.fullmatch(r"[0-9]+(\.[0-9]*)?", raw):
        return f"{name}={float(raw):e}"
    return value


def _action_link_without_query(value: str) -> str:
    return re.sub(r"^<([^>?]*)\?action=[^>]*>", r"<\1>", value)


def _reject_crlf(request: HTTPRequest) -> HTTPResponse | None:
    if b"\r\n" in request.body:
        return plain_answer(400, "malformed body: unexpected carriage return")
    return None


def _first_value_only(name: str) -> RequestHook:
    """A server that reads only the first element of a comma-joined request header."""
    from occi_protocol import grammar

    def hook(request: HTTPRequest) -> None:
        out = []
        for key, value in request.headers:
            if key.lower() == name:
                items = grammar.split_list(value, angle=name == "link")
                value = items[0] if items else value
            out.append((key, value))
        request.headers = out

    return hook


def _naive_comma_split(request: HTTPRequest) -> None:
    """rOCCI-core 5's bug: OCCI request headers split at every comma, quoted or not."""
    out = []
    for key, value in request.headers:
        if key.lower() in ("category", "x-occi-attribute", "link"):
            out.extend((key, part.strip()) for part in value.split(",") if part.strip())
        else:
            out.append((key, value))
    request.headers = out


# -- JSON structure ---------------------------------------------------------------------------


def _json_entities(fn: Callable[[dict[str, Any]], dict[str, Any]]) -> ResponseHook:
    def hook(request: HTTPRequest, answer: HTTPResponse) -> None:
        if not request.is_query_interface:
            map_json(answer, lambda document: map_entities(document, fn))

    return hook


def _extra_member(entity: dict[str, Any]) -> dict[str, Any]:
    return {**entity, "status": "ready"}


def _without_kind(entity: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in entity.items() if k != "kind"}


def _numbers_as_strings(entity: dict[str, Any]) -> dict[str, Any]:
    attributes = {
        k: str(v) if isinstance(v, int | float) and not isinstance(v, bool) else v
        for k, v in entity.get("attributes", {}).items()
    }
    return {**entity, "attributes": attributes}


def _nested_attributes(entity: dict[str, Any]) -> dict[str, Any]:
    nested: dict[str, Any] = {}
    for name, value in entity.get("attributes", {}).items():
        node = nested
        *parents, last = name.split(".")
        for part in parents:
            child = node.setdefault(part, {})
            if not isinstance(child, dict):  # "occi.compute.state" and ".state.message"
                child = node[part] = {"value": child}
            node = child
        node[last] = value
    return {**entity, "attributes": nested} if nested else entity


def _link_ends_as_strings(entity: dict[str, Any]) -> dict[str, Any]:
    if not is_link_object(entity):
        return entity
    out = dict(entity)
    for end in ("source", "target"):
        if isinstance(out[end], dict):
            out[end] = out[end].get("location")
    return out


def _kind_term_only(entity: dict[str, Any]) -> dict[str, Any]:
    return {**entity, "kind": str(entity["kind"]).rpartition("#")[2]}


def _qi_categories_by_id(request: HTTPRequest, answer: HTTPResponse) -> None:
    def regroup(document: Any) -> Any:
        if not isinstance(document, dict):
            return document
        return {
            group: {c["scheme"] + c["term"]: c for c in items} if isinstance(items, list) else items
            for group, items in document.items()
        }

    if request.is_query_interface and request.method == "GET":
        map_json(answer, regroup)


def _collection_as_array(request: HTTPRequest, answer: HTTPResponse) -> None:
    def flatten(document: Any) -> Any:
        if isinstance(document, dict) and set(document) <= {"resources", "links"}:
            return [*document.get("resources", []), *document.get("links", [])]
        return document

    if not request.is_query_interface and not request.is_entity:
        map_json(answer, flatten)


def _json_labelled_plain_json(request: HTTPRequest, answer: HTTPResponse) -> None:
    if answer.media_type in JSON_TYPES:
        answer.set_header("Content-Type", "application/json")


# -- negotiation ------------------------------------------------------------------------------


def _ignore_accept(request: HTTPRequest) -> None:
    request.set_header("Accept", "text/plain")


def _install_ignore_content_type() -> None:
    occi_http = _protocol()

    def _parse(self: Any, ctx: Any) -> Any:
        return occi_http.rendering_for(occi_http.TEXT_PLAIN), ctx.request.headers, ctx.request.body

    occi_http.OCCIProtocol._parse = _parse


def _never_406(request: HTTPRequest) -> None:
    from occi_protocol.errors import NotAcceptable
    from occi_protocol.negotiation import negotiate

    occi_http = _protocol()
    try:
        negotiate(request.header("accept"), (*occi_http.RENDERINGS, occi_http.URI_LIST))
    except NotAcceptable:
        request.set_header("Accept", "text/plain")


def _no_uri_list(request: HTTPRequest, answer: HTTPResponse) -> None:
    if answer.media_type == "text/uri-list":
        replacement = plain_answer(406, "text/uri-list is not available")
        answer.status, answer.headers, answer.body = (
            replacement.status,
            replacement.headers,
            replacement.body,
        )


def _uri_list_as_occi_lines(request: HTTPRequest, answer: HTTPResponse) -> None:
    if answer.media_type == "text/uri-list" and answer.ok:
        lines = [line for line in answer.body.decode().splitlines() if line.strip()]
        answer.body = "".join(f"X-OCCI-Location: {line}\r\n" for line in lines).encode()


def _uri_list_for_anything(request: HTTPRequest, answer: HTTPResponse) -> None:
    """text/uri-list asked for a non-list gets a one-line list (the entity's own URL, or
    the kind locations for /-/) instead of 400."""
    if answer.status != 400 or "text/uri-list" not in (request.header("accept") or ""):
        return
    answer.status = 200
    answer.headers = [(k, v) for k, v in answer.headers if k.lower() != "content-type"]
    answer.headers.append(("Content-Type", "text/uri-list; charset=utf-8"))
    answer.body = f"{request.path}\r\n".encode()


# -- filtering --------------------------------------------------------------------------------


def _install_inverted_attribute_filter() -> None:
    """A negated comparison: an attribute filter keeps the entities that do NOT match."""
    occi_http = _protocol()
    original = occi_http.OCCIProtocol._filtered

    def _filtered(self: Any, ctx: Any, entities: Any) -> Any:
        wanted = self._filter(ctx)
        if not wanted.attributes:
            return original(self, ctx, entities)
        kept = original(self, ctx, entities)
        return [e for e in entities if e not in kept]

    occi_http.OCCIProtocol._filtered = _filtered


def _install_inverted_qi_filter() -> None:
    """A negated comparison: a Category filter on /-/ returns every other category."""
    occi_http = _protocol()
    original = occi_http.OCCIProtocol._query_interface

    async def _query_interface(self: Any, ctx: Any) -> Any:
        wanted = self._filter(ctx).categories
        if ctx.request.method not in ("GET", "HEAD") or not wanted:
            return await original(self, ctx)
        others = [c for c in ctx.model if c.id not in wanted]
        return self._ok(ctx, 200, lambda r: r.render_categories(others))

    occi_http.OCCIProtocol._query_interface = _query_interface


def _install_mixin_collection_lists_all() -> None:
    occi_http = _protocol()
    original = occi_http.OCCIProtocol._mixin_collection

    async def _mixin_collection(self: Any, ctx: Any, mixin: Any) -> Any:
        if ctx.request.method in ("GET", "HEAD"):
            return self._listing(ctx, await self.backend.list_entities(ctx.request.user))
        return await original(self, ctx, mixin)

    occi_http.OCCIProtocol._mixin_collection = _mixin_collection


# -- actions and states -----------------------------------------------------------------------

_COMPUTE_ACTION = "http://schemas.ogf.org/occi/infrastructure/compute/action#"


def _install_stop_suspends() -> None:
    _patch_next_state(
        lambda kind, action, state, right: (
            "suspended" if action == _COMPUTE_ACTION + "stop" and right else right
        )
    )


def _install_restart_ends_inactive() -> None:
    _patch_next_state(
        lambda kind, action, state, right: (
            "inactive" if action == _COMPUTE_ACTION + "restart" and right else right
        )
    )


def _install_actions_without_effect() -> None:
    _patch_next_state(lambda kind, action, state, right: state if right else right)


_FOREIGN_ACTION = "http://schemas.ogf.org/occi/infrastructure/network/action#up"


def _install_foreign_action_offered() -> None:
    """Every resource offers network's up action, whatever its kind and mixins."""
    occi_http = _protocol()
    original = occi_http.OCCIProtocol._decorate

    def _decorate(self: Any, ctx: Any, entity: Any) -> Any:
        decorated = original(self, ctx, entity)
        if _FOREIGN_ACTION in decorated.actions or ctx.model.is_link_kind(entity.kind):
            return decorated
        return replace(decorated, actions=(*decorated.actions, _FOREIGN_ACTION))

    occi_http.OCCIProtocol._decorate = _decorate


def _install_collection_action_noop() -> None:
    occi_http = _protocol()

    async def _collection_action(self: Any, ctx: Any, owner: Any, members: Any) -> Any:
        return self._listing(ctx, members)

    occi_http.OCCIProtocol._collection_action = _collection_action


def _install_no_action_links() -> None:
    occi_http = _protocol()
    original = occi_http.OCCIProtocol._decorate

    def _decorate(self: Any, ctx: Any, entity: Any) -> Any:
        return replace(original(self, ctx, entity), actions=())

    occi_http.OCCIProtocol._decorate = _decorate


# -- mixins -----------------------------------------------------------------------------------


def _install_association_forgotten() -> None:
    async def _associate(self: Any, ctx: Any, entity: Any, mixin: Any) -> None:
        return None

    _protocol().OCCIProtocol._associate = _associate


def _install_applies_ignored() -> None:
    occi_http = _protocol()
    from occi_protocol.errors import RemoteProtocolError

    def check_mixins(model: Any, kind_id: str, mixin_ids: Any) -> None:
        for mixin_id in mixin_ids:  # still refuses unknown mixins, but never checks applies
            if model.mixin(mixin_id) is None:
                raise RemoteProtocolError(f"unknown mixin {mixin_id}", status=400)

    occi_http.check_mixins = check_mixins


def _install_user_mixin_removal_keeps_tags() -> None:
    dummy = _dummy()

    async def delete_user_mixin(self: Any, user: Any, mixin_id: str) -> None:
        with self._transaction() as db:
            deleted = db.execute(
                "DELETE FROM user_mixins WHERE owner = ? AND id = ?", (user.name, mixin_id)
            ).rowcount
        if not deleted:
            raise dummy.NotFound(f"no user mixin {mixin_id}")
        self._models.pop(user.name, None)

    dummy.DummyBackend.delete_user_mixin = delete_user_mixin


def _install_user_mixin_removal_ignored() -> None:
    dummy = _dummy()

    async def delete_user_mixin(self: Any, user: Any, mixin_id: str) -> None:
        if mixin_id not in await self.model(user):
            raise dummy.NotFound(f"no category {mixin_id}")

    dummy.DummyBackend.delete_user_mixin = delete_user_mixin


def _install_mixin_put_only_adds() -> None:
    occi_http = _protocol()
    original = occi_http.OCCIProtocol._mixin_collection

    async def _mixin_collection(self: Any, ctx: Any, mixin: Any) -> Any:
        if ctx.request.method == "PUT":
            ctx.request = replace(ctx.request, method="POST")
        return await original(self, ctx, mixin)

    occi_http.OCCIProtocol._mixin_collection = _mixin_collection


def _install_mixin_delete_destroys() -> None:
    occi_http = _protocol()
    dummy = _dummy()
    original = occi_http.OCCIProtocol._mixin_collection

    async def _mixin_collection(self: Any, ctx: Any, mixin: Any) -> Any:
        named: list[str] = []
        if ctx.request.method == "DELETE" and "action" not in ctx.request.query:
            rendering, headers, body = self._parse(ctx)
            named = [ctx.local(loc) for loc in rendering.parse_locations(headers, body)]
        answer = await original(self, ctx, mixin)
        for location in named:
            with contextlib.suppress(dummy.NotFound):
                await self.backend.delete_entity(ctx.request.user, location)
        return answer

    occi_http.OCCIProtocol._mixin_collection = _mixin_collection


def _install_templates_stack() -> None:
    occi_http = _protocol()
    original = occi_http._template_effects

    def _template_effects(model: Any, entity: Any, added: Any) -> Any:
        _, values = original(model, entity, added)
        return [], values

    occi_http._template_effects = _template_effects


# -- links ------------------------------------------------------------------------------------


def _install_links_outlive_source() -> None:
    dummy = _dummy()

    async def delete_entity(self: Any, user: Any, location: str) -> None:
        with self._transaction() as db:
            self._row(user, location)
            db.execute(
                "DELETE FROM entities WHERE owner = ? AND location = ?", (user.name, location)
            )

    dummy.DummyBackend.delete_entity = delete_entity


def _install_links_not_rendered() -> None:
    dummy = _dummy()
    original = dummy.DummyBackend._get

    def _get(self: Any, user: Any, location: str) -> Any:
        entity = original(self, user, location)
        return replace(entity, links=()) if isinstance(entity, dummy.Resource) else entity

    dummy.DummyBackend._get = _get


def _install_inline_links_dropped() -> None:
    occi_http = _protocol()
    original = occi_http.OCCIProtocol._prepare_new

    def _prepare_new(self: Any, ctx: Any, kind: Any, entity: Any, location: Any) -> Any:
        prepared, _links = original(self, ctx, kind, entity, location)
        return prepared, []

    occi_http.OCCIProtocol._prepare_new = _prepare_new


def _link_without_source(request: HTTPRequest, answer: HTTPResponse) -> None:
    if not _entity_answer(request, answer):
        return

    def drop(name: str, value: str) -> list[tuple[str, str]]:
        if name.lower() == "x-occi-attribute" and value.startswith("occi.core.source="):
            return []
        return [(name, value)]

    map_occi_lines(answer, drop)

    def strip(document: Any) -> Any:
        if is_link_object(document):
            return {k: v for k, v in document.items() if k != "source"}
        return document

    map_json(answer, strip)


def _link_without_self(value: str) -> str:
    return re.sub(r';\s*self="[^"]*"', "", value)


def _install_link_source_unchecked() -> None:
    dummy = _dummy()
    original = dummy.DummyBackend._check_link

    def _check_link(self: Any, db: Any, user: Any, model: Any, kind: str, attributes: Any) -> Any:
        source, target = attributes.get("occi.core.source"), attributes.get("occi.core.target")
        known = db.execute(
            "SELECT 1 FROM entities WHERE location = ? AND owner = ?", (source, user.name)
        ).fetchone()
        if known is None and isinstance(source, str) and isinstance(target, str):
            return source, target
        return original(self, db, user, model, kind, attributes)

    dummy.DummyBackend._check_link = _check_link


def _install_replace_drops_links() -> None:
    dummy = _dummy()
    original = dummy.DummyBackend.replace_entity

    async def replace_entity(self: Any, user: Any, location: str, entity: Any) -> Any:
        with self._transaction() as db:
            db.execute("DELETE FROM entities WHERE owner = ? AND source = ?", (user.name, location))
        return await original(self, user, location, entity)

    dummy.DummyBackend.replace_entity = replace_entity


# -- deletion ---------------------------------------------------------------------------------


def _install_delete_keeps_entity() -> None:
    dummy = _dummy()

    async def delete_entity(self: Any, user: Any, location: str) -> None:
        with self._transaction():
            self._row(user, location)  # 404 for unknown locations, and nothing else

    dummy.DummyBackend.delete_entity = delete_entity


def _install_deleted_link_stays_in_source() -> None:
    dummy = _dummy()
    ghosts: dict[tuple[str, str], list[Any]] = {}
    original_delete = dummy.DummyBackend.delete_entity
    original_get = dummy.DummyBackend._get

    async def delete_entity(self: Any, user: Any, location: str) -> None:
        entity = await self.get_entity(user, location)
        await original_delete(self, user, location)
        if isinstance(entity, dummy.Link) and entity.source:
            ghosts.setdefault((user.name, entity.source), []).append(entity)

    def _get(self: Any, user: Any, location: str) -> Any:
        entity = original_get(self, user, location)
        stale = ghosts.get((user.name, location))
        if stale and isinstance(entity, dummy.Resource):
            entity = replace(entity, links=(*entity.links, *stale))
        return entity

    dummy.DummyBackend.delete_entity = delete_entity
    dummy.DummyBackend._get = _get


# -- error handling ---------------------------------------------------------------------------


def _install_update_errors_500() -> None:
    occi_http = _protocol()
    original = occi_http.validate_update

    def validate_update(existing: Any, changes: Any, model: Any) -> Any:
        try:
            return original(existing, changes, model)
        except Exception as exc:  # the broken part: a client error becomes a crash
            raise RuntimeError(f"update failed: {exc}") from exc

    occi_http.validate_update = validate_update


def _client_errors_as_200(request: HTTPRequest, answer: HTTPResponse) -> None:
    if answer.status == 400:
        answer.status = 200


def _user_mixins_404(request: HTTPRequest) -> HTTPResponse | None:
    if request.is_query_interface and request.method in ("POST", "DELETE"):
        return plain_answer(404, "not found")
    return None


# -- allowed variants -------------------------------------------------------------------------


def _header_names(fn: Callable[[str], str]) -> ResponseHook:
    def hook(request: HTTPRequest, answer: HTTPResponse) -> None:
        answer.headers = [(fn(k), v) for k, v in answer.headers]

    return hook


def _join_header_lines(request: HTTPRequest, answer: HTTPResponse) -> None:
    if answer.media_type != "text/occi":
        return
    joined: dict[str, list[str]] = {}
    order: list[str] = []
    for name, value in answer.headers:
        key = name.lower()
        if key in ("category", "link", "x-occi-attribute", "x-occi-location"):
            if key not in joined:
                order.append(name)
            joined.setdefault(key, []).append(value)
    rest = [
        (k, v)
        for k, v in answer.headers
        if k.lower() not in ("category", "link", "x-occi-attribute", "x-occi-location")
    ]
    answer.headers = rest + [(name, ", ".join(joined[name.lower()])) for name in order]


def _join_body_lines(request: HTTPRequest, answer: HTTPResponse) -> None:
    if answer.media_type not in ("text/plain", "text/occi+plain") or not answer.ok:
        return
    text = answer.body.decode("utf-8")
    lines = [line.rstrip("\r") for line in text.split("\n") if line.strip()]
    out: list[tuple[str, list[str]]] = []
    for line in lines:
        name, sep, value = line.partition(":")
        if not sep or name.lower() not in (
            "category",
            "link",
            "x-occi-attribute",
            "x-occi-location",
        ):
            return  # not an OCCI body (an error message): leave it alone
        if out and out[-1][0] == name:
            out[-1][1].append(value.strip())
        else:
            out.append((name, [value.strip()]))
    answer.body = "".join(f"{name}: {', '.join(values)}\r\n" for name, values in out).encode()


def _shuffle_json(request: HTTPRequest, answer: HTTPResponse) -> None:
    chance = random.Random(f"{request.method} {request.path}")

    def shuffle(node: Any) -> Any:
        if isinstance(node, dict):
            items = list(node.items())
            chance.shuffle(items)
            if list(node) and [k for k, _ in items] == list(node):
                items.reverse()
            return {k: shuffle(v) for k, v in items}
        if isinstance(node, list):
            return [shuffle(item) for item in node]
        return node

    map_json(answer, shuffle)


def _extra_headers(request: HTTPRequest, answer: HTTPResponse) -> None:
    answer.headers += [
        ("X-Powered-By", "broken-variants"),
        ("X-Request-Id", "8d1f3a52-1a7e-4f5c-9b1e-6a1f0c2b7e11"),
        ("Cache-Control", "no-store"),
        ("Vary", "Accept, Accept-Encoding"),
        ("X-Content-Type-Options", "nosniff"),
    ]


_ABSOLUTE = re.compile(r"^https?://[^/]+(/.*)?$")


def _path_of(url: str) -> str:
    match = _ABSOLUTE.match(url.strip())
    return (match[1] or "/") if match else url.strip()


def _relative_locations(request: HTTPRequest, answer: HTTPResponse) -> None:
    location = answer.header("location")
    if location:
        answer.set_header("Location", _path_of(location))
    map_occi_lines(answer, map_values("x-occi-location", _path_of))
    if answer.media_type == "text/uri-list" and answer.ok:
        lines = answer.body.decode().splitlines()
        answer.body = "".join(f"{_path_of(line)}\r\n" for line in lines if line.strip()).encode()


def _absolute_locations(request: HTTPRequest, answer: HTTPResponse) -> None:
    host = next((v for k, v in request.headers if k.lower() == "host"), "127.0.0.1")
    base = f"http://{host}"

    def category(value: str) -> str:
        return re.sub(r'location="(/[^"]*)"', lambda m: f'location="{base}{m[1]}"', value)

    def link(value: str) -> str:
        value = re.sub(r"^<(/[^>]*)>", lambda m: f"<{base}{m[1]}>", value)
        return re.sub(r'self="(/[^"]*)"', lambda m: f'self="{base}{m[1]}"', value)

    map_occi_lines(answer, map_values("category", category))
    map_occi_lines(answer, map_values("link", link))

    def absolute(node: Any) -> Any:
        if isinstance(node, dict):
            return {
                k: base + v
                if k == "location" and isinstance(v, str) and v.startswith("/")
                else absolute(v)
                for k, v in node.items()
            }
        if isinstance(node, list):
            return [absolute(item) for item in node]
        return node

    if request.is_query_interface:
        map_json(answer, absolute)


def _permute_within_names(pairs: list[tuple[str, str]], seed: str) -> list[tuple[str, str]]:
    """The same lines, each OCCI line name keeping its places but its values reordered."""
    chance = random.Random(seed)
    groups: dict[str, list[str]] = {}
    for name, value in pairs:
        if name.lower() in OCCI_LINES:
            groups.setdefault(name.lower(), []).append(value)
    for values in groups.values():
        original = list(values)
        chance.shuffle(values)
        if len(values) > 1 and values == original:
            values.reverse()
    out = []
    for name, value in pairs:
        key = name.lower()
        out.append((name, groups[key].pop(0)) if key in groups else (name, value))
    return out


def _shuffle_same_name_lines(request: HTTPRequest, answer: HTTPResponse) -> None:
    """Category, Link, X-OCCI-Attribute and X-OCCI-Location lines each in another order among
    themselves (T12 fixes no order within one name)."""
    if not answer.ok:
        return
    seed = f"{request.method} {request.path}"
    if answer.media_type == "text/occi":
        answer.headers = _permute_within_names(answer.headers, seed)
    elif answer.media_type in TEXT_BODY_TYPES:
        text = answer.body.decode("utf-8")
        newline = "\r\n" if "\r\n" in text else "\n"
        lines = [line for line in text.split(newline) if line]
        pairs = [(n.strip(), v.strip()) for n, _, v in (line.partition(":") for line in lines)]
        permuted = _permute_within_names(pairs, seed)
        answer.body = "".join(f"{n}: {v}{newline}" for n, v in permuted).encode("utf-8")


def _empty_collection_204(request: HTTPRequest, answer: HTTPResponse) -> None:
    """An empty text collection answered 204 No Content (H11 allows it; AMB-HTTP-05)."""
    if request.method != "GET" or answer.status != 200 or request.is_query_interface:
        return
    if request.is_entity or answer.media_type not in ("text/plain", "text/occi", "text/uri-list"):
        return
    lines = answer.body.decode("utf-8").strip()
    if not lines and not any(k.lower() == "x-occi-location" for k, _ in answer.headers):
        answer.empty(204)


def _no_user_mixins(request: HTTPRequest) -> HTTPResponse | None:
    """The optional user-mixin feature left out, said with 501 (HTTP-QI-11 allows it)."""
    if request.is_query_interface and request.method in ("POST", "DELETE"):
        return plain_answer(501, "user-defined mixins are not implemented here")
    return None


def _install_put_create_refused() -> None:
    """Clients cannot choose paths: a PUT to an unused URL is a 400 (HTTP-ENT-04 allows it)."""
    occi_http = _protocol()
    original = occi_http.OCCIProtocol._create

    async def _create(self: Any, ctx: Any, kind: Any, location: Any = None) -> Any:
        if location is not None:
            raise occi_http.HTTPError(400, "this server picks the paths; POST to the collection")
        return await original(self, ctx, kind, location)

    occi_http.OCCIProtocol._create = _create


def _text_occi_body_ok(request: HTTPRequest, answer: HTTPResponse) -> None:
    """text/occi answers carry "OK" as their body, as T12 §5's example does."""
    if answer.media_type == "text/occi" and answer.ok and answer.status != 204:
        answer.body = b"OK\r\n"


def _create_200_locations(request: HTTPRequest, answer: HTTPResponse) -> None:
    """A create answered 200 with the collection rendering of what was made (ooi, rOCCI)."""
    if request.method == "POST" and answer.status == 201:
        answer.status = 200
        answer.set_header("Location", None)


def _install_create_200_entity() -> None:
    """A create answered 200 with the new entity's own rendering and no Location."""
    from urllib.parse import urlsplit

    occi_http = _protocol()
    original = occi_http.OCCIProtocol._create

    async def _create(self: Any, ctx: Any, kind: Any, location: Any = None) -> Any:
        answer = await original(self, ctx, kind, location)
        if answer.status != 201:
            return answer
        url = next(v for k, v in answer.headers if k.lower() == "location")
        entity = await self.backend.get_entity(ctx.request.user, urlsplit(url).path)
        return self._ok(ctx, 200, lambda r: r.render_entity(self._decorate(ctx, entity)))

    occi_http.OCCIProtocol._create = _create


def _unquoted_class(request: HTTPRequest, answer: HTTPResponse) -> None:
    """erocci's ``class=kind``: the ABNF takes the class with or without quotes."""
    map_occi_lines(
        answer, map_values("category", lambda v: re.sub(r'class="(\w+)"', r"class=\1", v))
    )


#: How long an action's effect stays invisible in the slow-state-changes variant.
_LAG_S = 0.5


def _install_slow_state_changes() -> None:
    """Actions are answered at once but take effect a moment later: until then reads show
    the state the entity is leaving, as on a cloud that works asynchronously."""
    import time

    from occi_protocol import states

    backend = _dummy().DummyBackend
    trigger, get, listing = backend.trigger_action, backend.get_entity, backend.list_entities
    pending: dict[str, tuple[str, object, float]] = {}

    def lagging(entity: Any) -> Any:
        held = pending.get(entity.location)
        if held is None:
            return entity
        name, old, until = held
        if time.monotonic() >= until:
            pending.pop(entity.location, None)
            return entity
        return replace(entity, attributes={**entity.attributes, name: old})

    async def trigger_action(self: Any, user: Any, location: str, *args: Any) -> Any:
        before = await get(self, user, location)
        result = await trigger(self, user, location, *args)
        name = states.STATE_ATTRIBUTE.get(before.kind)
        if name in before.attributes:
            pending[location] = (name, before.attributes[name], time.monotonic() + _LAG_S)
        return result

    async def get_entity(self: Any, user: Any, location: str) -> Any:
        return lagging(await get(self, user, location))

    async def list_entities(self: Any, *args: Any, **kwargs: Any) -> Any:
        return [lagging(e) for e in await listing(self, *args, **kwargs)]

    backend.trigger_action = trigger_action
    backend.get_entity = get_entity
    backend.list_entities = list_entities


def _delete_204(request: HTTPRequest, answer: HTTPResponse) -> None:
    if request.method == "DELETE" and request.is_entity and answer.status == 200:
        answer.empty(204)


# -- the registry -----------------------------------------------------------------------------

V = Variant

BREAKING: tuple[Variant, ...] = (
    # versioning
    V(
        "server-without-occi-token",
        "versioning",
        "the Server header lacks the OCCI/1.2 product token",
        ("HTTP-VER-01", "HTTP-VER-02"),
        ("HTTP-VER-*",),
        response=_server_header(_drop_occi_token),
    ),
    V(
        "server-token-missing-on-errors",
        "versioning",
        "error answers (4xx/5xx) lack the OCCI/1.2 token; successful ones keep it",
        ("HTTP-VER-01",),
        ("HTTP-VER-*",),
        response=_errors_without_token,
    ),
    V(
        "no-501-for-newer-client",
        "versioning",
        "a request announcing OCCI/2.0 in User-Agent is served instead of answered 501",
        ("HTTP-VER-04",),
        install=_install_no_version_check,
    ),
    V(
        "crtp-token-missing",
        "versioning",
        "the Server header lacks the OCCI-CRTP/1.1 profile token",
        ("CRTP-06",),
        ("CRTP-*",),
        response=_server_header(lambda v: v.replace(" OCCI-CRTP/1.1", "")),
    ),
    # status codes
    V(
        "create-200-empty",
        "status codes",
        "POST-create answers 200 with neither a Location nor a rendering",
        ("HTTP-COL-04", "HTTP-COL-06"),
        ("HTTP-COL-0[46]",),
        response=_create_200_empty,
    ),
    V(
        "put-create-204",
        "status codes",
        "PUT-create answers 204 (with Location) instead of 201 or 200 with the rendering",
        ("HTTP-ENT-03", "HTTP-ENT-08"),
        ("HTTP-ENT-0[38]",),
        response=_put_create_204,
    ),
    V(
        "entity-get-204",
        "status codes",
        "GET on an entity answers 204 without its rendering",
        ("HTTP-ENT-01",),
        response=_entity_get_204,
    ),
    V(
        "delete-201",
        "status codes",
        "DELETE on an entity answers 201 Created",
        ("HTTP-ENT-17",),
        response=_delete_201,
    ),
    V(
        "action-303",
        "status codes",
        "a successful action answers 303 See Other (to the entity) instead of 200",
        ("HTTP-ENT-15", "HTTP-COL-08"),
        ("HTTP-ENT-1[2-5]", "HTTP-COL-08"),
        response=_action_303,
    ),
    V(
        "user-mixin-303",
        "status codes",
        "defining a user mixin (POST /-/) answers 303 See Other instead of 200",
        ("HTTP-QI-05",),
        ("HTTP-QI-05", "CORE-EXT-02"),
        response=_user_mixin_303,
    ),
    V(
        "no-413-for-huge-page",
        "status codes",
        "a page size beyond any limit is served with 200 instead of 413",
        ("HTTP-PAG-02",),
        ("HTTP-PAG-*",),
        install=_install_unlimited_pages,
    ),
    # headers
    V(
        "no-content-type",
        "headers",
        "no answer declares its media type in Content-Type",
        ("HTTP-HDR-04",),
        ("HTTP-HDR-*",),
        response=_drop_content_type,
    ),
    V(
        "category-header-misnamed",
        "headers",
        'text/occi answers carry "Categories:" headers instead of "Category:"',
        ("TEXT-OCCI-01", "TEXT-RES-01", "TEXT-CAT-12", "HTTP-QI-03", "HTTP-CN-03"),
        profiles=("text-occi",),
        response=_rename_header("category", "Categories"),
    ),
    V(
        "x-occi-location-misnamed",
        "headers",
        'text/occi listings carry "X-OCCI-Locations:" instead of "X-OCCI-Location:"',
        ("TEXT-LOC-01", "TEXT-LOC-02", "TEXT-OCCI-01", "HTTP-COL-01"),
        profiles=("text-occi",),
        response=_rename_header("x-occi-location", "X-OCCI-Locations"),
    ),
    V(
        "no-location-header",
        "headers",
        "a 201 create names the new entity only in X-OCCI-Location, not in Location",
        ("HTTP-COL-06", "HTTP-ENT-08", "HTTP-ENT-03"),
        ("HTTP-COL-06", "HTTP-ENT-0[38]"),
        response=_no_location_header,
    ),
    # grammar and quoting
    V(
        "unquoted-scheme",
        "grammar and quoting",
        "entity renderings write Category scheme values without quotes",
        ("TEXT-CAT-03", "TEXT-CAT-01", "TEXT-GEN-03", "TEXT-RES-01"),
        ("TEXT-*",),
        response=_on_entities("category", _unquote_scheme),
    ),
    V(
        "plural-class",
        "grammar and quoting",
        "entity renderings write class=kinds / class=mixins",
        ("TEXT-CAT-04", "TEXT-CAT-01", "TEXT-GEN-03", "TEXT-RES-01"),
        ("TEXT-*",),
        response=_on_entities("category", _plural_class),
    ),
    V(
        "unquoted-string-values",
        "grammar and quoting",
        "string attribute values are written without quotes",
        ("TEXT-ATTR-06", "TEXT-ATTR-01", "TEXT-GEN-03", "TEXT-ATTR-05"),
        ("TEXT-*",),
        response=_on_entities("x-occi-attribute", _unquote_string),
    ),
    V(
        "unescaped-quotes",
        "grammar and quoting",
        "quotes and backslashes inside string values are not backslash-escaped",
        ("TEXT-ATTR-06", "TEXT-GEN-03", "TEXT-ATTR-01"),
        ("TEXT-*", "CORE-MUT-01"),
        response=_on_entities("x-occi-attribute", _unescape_string),
    ),
    V(
        "exponent-numbers",
        "grammar and quoting",
        "numbers are written in exponent notation (2 -> 2.000000e+00)",
        ("TEXT-ATTR-03", "TEXT-ATTR-01", "TEXT-GEN-03"),
        ("TEXT-*", "CRTP-04"),
        response=_on_entities("x-occi-attribute", _exponent_numbers),
    ),
    V(
        "action-link-without-query",
        "grammar and quoting",
        "action links point at the bare entity URL, without ?action=<term>",
        ("TEXT-ACTL-01", "TEXT-ACTL-02"),
        ("TEXT-ACTL-*",),
        response=_on_entities("link", _action_link_without_query),
    ),
    V(
        "rejects-crlf-bodies",
        "grammar and quoting",
        "a text/plain request body with CRLF line ends is refused with 400",
        ("TEXT-PLAIN-02",),
        ("TEXT-PLAIN-*",),
        request=_reject_crlf,
    ),
    V(
        "category-comma-list-truncated",
        "grammar and quoting",
        "of a comma-joined Category request header only the first value is read",
        ("TEXT-CAT-14",),
        ("TEXT-CAT-1[45]",),
        request=_first_value_only("category"),
    ),
    V(
        "attribute-comma-list-truncated",
        "grammar and quoting",
        "of a comma-joined X-OCCI-Attribute request header only the first value is read",
        ("TEXT-ATTR-10",),
        request=_first_value_only("x-occi-attribute"),
    ),
    V(
        "splits-quoted-commas",
        "grammar and quoting",
        "OCCI request headers are split at every comma, also inside quoted strings",
        ("TEXT-CAT-14", "TEXT-ATTR-10", "TEXT-ATTR-06"),
        ("TEXT-CAT-14", "TEXT-ATTR-*"),
        request=_naive_comma_split,
    ),
    # JSON structure
    V(
        "json-extra-member",
        "JSON structure",
        'JSON entities carry a member the schema does not allow ("status")',
        ("JSON-RES-01", "JSON-LINK-01"),
        ("JSON-*",),
        response=_json_entities(_extra_member),
    ),
    V(
        "json-missing-kind",
        "JSON structure",
        'JSON entities lack the required "kind" member',
        ("JSON-RES-01", "JSON-LINK-01", "JSON-RES-02"),
        ("JSON-*",),
        response=_json_entities(_without_kind),
    ),
    V(
        "json-numbers-as-strings",
        "JSON structure",
        'numeric attributes are JSON strings ("2" instead of 2)',
        ("JSON-ATTR-02",),
        ("JSON-*", "CRTP-04"),
        response=_json_entities(_numbers_as_strings),
    ),
    V(
        "json-nested-attributes",
        "JSON structure",
        "attribute names are split at dots into nested objects (2014 draft style)",
        ("JSON-ATTR-01",),
        ("JSON-*",),
        response=_json_entities(_nested_attributes),
    ),
    V(
        "json-link-ends-as-strings",
        "JSON structure",
        "link source and target are bare URL strings instead of objects",
        ("JSON-LINK-02", "JSON-LINK-01", "JSON-RES-04"),
        ("JSON-*",),
        response=_json_entities(_link_ends_as_strings),
    ),
    V(
        "json-kind-term-only",
        "JSON structure",
        "the kind of a JSON entity is its term only, not scheme plus term",
        ("JSON-RES-02", "JSON-LINK-01"),
        ("JSON-*",),
        response=_json_entities(_kind_term_only),
    ),
    V(
        "json-qi-categories-by-id",
        "JSON structure",
        "the JSON query interface holds kinds/mixins/actions as objects keyed by id, not arrays",
        ("JSON-COLL-02",),
        ("JSON-*",),
        response=_qi_categories_by_id,
    ),
    V(
        "json-collection-bare-array",
        "JSON structure",
        'JSON collections are a bare array instead of {"resources": [...]}',
        ("JSON-COLL-01",),
        ("JSON-*",),
        response=_collection_as_array,
    ),
    V(
        "json-labelled-application-json",
        "JSON structure",
        "JSON answers are labelled application/json, not application/occi+json",
        ("JSON-GEN-01", "JSON-GEN-02", "HTTP-CN-02"),
        ("JSON-GEN-*", "HTTP-CN-*"),
        response=_json_labelled_plain_json,
    ),
    # negotiation
    V(
        "ignore-accept",
        "negotiation",
        "Accept is ignored: every answer is text/plain",
        ("HTTP-CN-03", "HTTP-CN-02", "JSON-GEN-02"),
        ("HTTP-CN-*", "JSON-GEN-*"),
        request=_ignore_accept,
    ),
    V(
        "ignore-content-type",
        "negotiation",
        "request bodies are always read as text/plain, whatever Content-Type says",
        ("HTTP-CN-04",),
        ("HTTP-CN-*",),
        install=_install_ignore_content_type,
    ),
    V(
        "never-406",
        "negotiation",
        "an Accept naming nothing the server renders gets 200 text/plain instead of 406",
        ("HTTP-SC-06",),
        install=None,
        request=_never_406,
    ),
    V(
        "no-uri-list",
        "negotiation",
        "text/uri-list is never served (406)",
        ("HTTP-CN-02", "TEXT-URI-01"),
        ("HTTP-CN-02", "TEXT-URI-*"),
        response=_no_uri_list,
    ),
    V(
        "uri-list-as-occi-lines",
        "negotiation",
        'text/uri-list answers hold "X-OCCI-Location: url" lines instead of bare URIs',
        ("TEXT-URI-01", "HTTP-CN-02"),
        ("HTTP-CN-02", "TEXT-URI-*"),
        response=_uri_list_as_occi_lines,
    ),
    # filtering
    V(
        "inverted-attribute-filter",
        "filtering",
        "an X-OCCI-Attribute filter returns the entities that do not match it",
        ("HTTP-FLT-03",),
        ("HTTP-FLT-0[13]",),
        install=_install_inverted_attribute_filter,
    ),
    V(
        "inverted-qi-category-filter",
        "filtering",
        "a Category filter on the query interface returns every category except the named one",
        ("HTTP-FLT-02",),
        ("HTTP-FLT-0[12]",),
        install=_install_inverted_qi_filter,
    ),
    V(
        "mixin-collection-lists-everything",
        "filtering",
        "GET on a mixin collection lists every entity, tagged or not",
        ("HTTP-FLT-04",),
        ("HTTP-FLT-*", "HTTP-COL-*"),
        install=_install_mixin_collection_lists_all,
    ),
    # actions and states
    V(
        "stop-suspends",
        "actions and states",
        "stop leaves a compute suspended instead of inactive",
        ("INFRA-COMPUTE-06",),
        install=_install_stop_suspends,
    ),
    V(
        "restart-ends-inactive",
        "actions and states",
        "restart leaves a compute inactive instead of active",
        ("INFRA-COMPUTE-08",),
        install=_install_restart_ends_inactive,
    ),
    V(
        "actions-without-effect",
        "actions and states",
        "actions answer 200 but no state ever changes",
        ("INFRA-COMPUTE-06", "INFRA-NET-03", "INFRA-STOR-04", "HTTP-ENT-12", "HTTP-COL-08"),
        ("INFRA-NET-03", "INFRA-STOR-04"),
        install=_install_actions_without_effect,
    ),
    V(
        "foreign-action-offered",
        "actions and states",
        "every resource offers network's up action, which its kind and mixins do not define",
        ("CORE-ACT-01",),
        ("CORE-ACT-01",),
        install=_install_foreign_action_offered,
    ),
    V(
        "collection-action-noop",
        "actions and states",
        "an action on a collection answers 200 but is applied to no member",
        ("HTTP-COL-08",),
        ("HTTP-COL-0[89]",),
        install=_install_collection_action_noop,
    ),
    V(
        "no-action-links",
        "actions and states",
        "entity renderings list no actions (no action Links, empty JSON actions)",
        ("TEXT-ACTL-02", "JSON-RES-03", "CORE-ENT-05"),
        ("TEXT-ACTL-*", "JSON-RES-03", "CORE-ENT-05"),
        install=_install_no_action_links,
    ),
    # mixins
    V(
        "mixin-association-forgotten",
        "mixins",
        "POST of locations to a mixin collection answers 200 but attaches nothing",
        ("HTTP-COL-07", "CORE-MIX-01"),
        ("HTTP-COL-0[37]", "CORE-MIX-01", "HTTP-FLT-04"),
        install=_install_association_forgotten,
    ),
    V(
        "mixin-applies-ignored",
        "mixins",
        "a mixin is attached to entities of kinds it does not apply to",
        ("CORE-MIX-03", "CORE-MIX-02"),
        ("CORE-MIX-*", "INFRA-CRED-01b", "INFRA-CTX-01b"),
        install=_install_applies_ignored,
    ),
    V(
        "user-mixin-removal-keeps-tags",
        "mixins",
        "removing a user mixin leaves it attached to the entities that carried it",
        ("HTTP-QI-10",),
        ("HTTP-QI-*",),
        install=_install_user_mixin_removal_keeps_tags,
    ),
    V(
        "mixin-put-only-adds",
        "mixins",
        "PUT on a mixin collection attaches the listed entities but detaches no other member",
        ("HTTP-COL-03",),
        install=_install_mixin_put_only_adds,
    ),
    V(
        "mixin-delete-destroys-entities",
        "mixins",
        "DELETE of locations on a mixin collection deletes the entities instead of detaching",
        ("HTTP-COL-11",),
        install=_install_mixin_delete_destroys,
    ),
    V(
        "resource-templates-stack",
        "mixins",
        "attaching a second resource_tpl keeps the first one as well",
        ("INFRA-RESTPL-02", "CRTP-08"),
        ("INFRA-RESTPL-*", "CRTP-08"),
        install=_install_templates_stack,
    ),
    # links
    V(
        "links-outlive-source",
        "links",
        "deleting a resource leaves its links behind",
        ("CORE-RES-02",),
        ("CORE-RES-*", "HTTP-ENT-1[78]"),
        install=_install_links_outlive_source,
    ),
    V(
        "links-not-rendered",
        "links",
        "resource renderings never include the resource's links",
        ("HTTP-LINK-03", "TEXT-LINK-04", "JSON-RES-04", "HTTP-LINK-01"),
        ("HTTP-LINK-*", "TEXT-LINK-*", "JSON-RES-04"),
        install=_install_links_not_rendered,
    ),
    V(
        "inline-links-dropped",
        "links",
        "links inside a resource creation request are silently not created",
        ("HTTP-LINK-01",),
        ("HTTP-LINK-*",),
        install=_install_inline_links_dropped,
    ),
    V(
        "link-rendering-without-source",
        "links",
        "a link's own rendering omits occi.core.source",
        ("TEXT-RES-02", "HTTP-LINK-05", "JSON-LINK-01", "CORE-LINK-01"),
        ("TEXT-RES-02", "HTTP-LINK-*", "JSON-LINK-*", "CORE-LINK-*"),
        response=_link_without_source,
    ),
    V(
        "link-without-self",
        "links",
        "inline Link values of a resource omit self (the link's own URL)",
        ("TEXT-LINK-04", "TEXT-LINK-01", "HTTP-LINK-01", "HTTP-LINK-03"),
        ("TEXT-LINK-*", "HTTP-LINK-*"),
        response=_on_entities("link", _link_without_self),
    ),
    V(
        "link-source-unchecked",
        "links",
        "a link whose source is no existing resource is created",
        ("CORE-LINK-02",),
        ("CORE-LINK-*", "HTTP-LINK-04"),
        install=_install_link_source_unchecked,
    ),
    V(
        "replace-drops-links",
        "links",
        "PUT replacing a resource deletes the links it owns",
        ("HTTP-ENT-05",),
        install=_install_replace_drops_links,
    ),
    # deletion
    V(
        "delete-keeps-entity",
        "deletion",
        "DELETE on an entity answers 200 but the entity stays",
        ("HTTP-ENT-17", "EGI-VM-02"),
        ("HTTP-ENT-17", "EGI-VM-02"),
        install=_install_delete_keeps_entity,
    ),
    V(
        "deleted-link-stays-in-source",
        "deletion",
        "a deleted link keeps appearing in its source resource's rendering",
        ("HTTP-ENT-18",),
        ("HTTP-ENT-18", "CORE-RES-02"),
        install=_install_deleted_link_stays_in_source,
    ),
    V(
        "user-mixin-removal-ignored",
        "deletion",
        "DELETE of a user mixin on the query interface answers 200 but the mixin stays",
        ("HTTP-QI-08", "CORE-EXT-02"),
        ("HTTP-QI-*", "CORE-EXT-02"),
        install=_install_user_mixin_removal_ignored,
    ),
    # error handling
    V(
        "update-errors-500",
        "error handling",
        "a partial update changing an immutable attribute crashes with 500 instead of a 4xx",
        ("CORE-MUT-02",),
        ("CORE-MUT-*",),
        install=_install_update_errors_500,
    ),
    V(
        "client-errors-as-200",
        "error handling",
        "every 400 Bad Request goes out as 200 OK (error message kept)",
        (
            "CORE-MUT-02",
            "CORE-MIX-02",
            "CORE-MIX-03",
            "CORE-ATTR-03",
            "CORE-KIND-02",
            "CORE-INST-03",
            "CORE-ENT-04",
            "TEXT-URI-02",
        ),
        ("CORE-*", "TEXT-URI-02"),
        response=_client_errors_as_200,
    ),
    V(
        "error-without-content-type",
        "error handling",
        "error answers have a body but no Content-Type",
        ("HTTP-HDR-04",),
        ("HTTP-HDR-*",),
        response=_error_without_content_type,
    ),
    V(
        "uri-list-for-non-lists",
        "error handling",
        "text/uri-list asked for an entity or /-/ gets 200 and a one-line list instead of 400",
        ("TEXT-URI-02",),
        ("TEXT-URI-02",),
        response=_uri_list_for_anything,
    ),
    V(
        "legacy-compute-with-share",
        "versioning",
        "a 1.1 endpoint whose compute kind has the 1.2 share instead of the 1.1 speed",
        ("INFRA-COMPUTE-03",),
        install=_install_legacy_compute_with_share,
        occi_version="1.1",
    ),
    V(
        "legacy-storage-without-backup",
        "versioning",
        "a 1.1 endpoint whose storage kind lacks the 1.1 backup action",
        ("INFRA-STOR-02",),
        install=_install_legacy_storage_without_backup,
        occi_version="1.1",
    ),
    V(
        "legacy-terms-with-dots",
        "versioning",
        "a 1.1 endpoint offering a template term with a dot (the 1.2 grammar, not 1.1's)",
        ("TEXT-CAT-02",),
        install=_install_legacy_terms_with_dots,
        occi_version="1.1",
    ),
    V(
        "legacy-default-json",
        "negotiation",
        "a 1.1 endpoint that answers a request without Accept in JSON, not text/plain",
        ("HTTP-CN-01",),
        install=_install_legacy_default_json,
        occi_version="1.1",
    ),
    V(
        "legacy-put-ignores-links",
        "links",
        "a 1.1 endpoint that drops the Link headers of a PUT instead of refusing it with 400",
        ("HTTP-ENT-06",),
        install=_install_legacy_put_ignores_links,
        occi_version="1.1",
    ),
    V(
        "user-mixins-404",
        "error handling",
        "the optional user-mixin feature is reported missing with 404 instead of 501",
        ("HTTP-SC-10",),
        ("HTTP-SC-*", "HTTP-QI-*", "CORE-EXT-02"),
        request=_user_mixins_404,
    ),
)

ALLOWED: tuple[Variant, ...] = (
    V(
        "header-names-lowercase",
        "headers",
        "every response header name in lower case (HTTP names are case-insensitive)",
        profiles=("text-occi", "http"),
        response=_header_names(str.lower),
    ),
    V(
        "header-names-uppercase",
        "headers",
        "every response header name in upper case",
        profiles=("text-occi",),
        response=_header_names(str.upper),
    ),
    V(
        "comma-joined-header-lines",
        "headers",
        "text/occi: all values of one OCCI header in one comma-joined line (RFC 7230 list)",
        profiles=("text-occi",),
        response=_join_header_lines,
    ),
    V(
        "comma-joined-body-lines",
        "grammar and quoting",
        "text/plain: consecutive lines of one name joined into one comma list line, CRLF ends",
        profiles=("text-plain",),
        response=_join_body_lines,
    ),
    V(
        "json-member-order-shuffled",
        "JSON structure",
        "the members of every JSON object in another order",
        profiles=("json",),
        response=_shuffle_json,
    ),
    V(
        "extra-headers",
        "headers",
        "extra non-OCCI headers on every answer (X-Powered-By, Cache-Control, Vary, ...)",
        profiles=("http", "text-occi"),
        response=_extra_headers,
    ),
    V(
        "relative-locations",
        "links",
        "Location, X-OCCI-Location and text/uri-list carry paths instead of absolute URLs",
        profiles=("http", "uri-list", "text-plain", "text-occi"),
        response=_relative_locations,
    ),
    V(
        "absolute-locations",
        "links",
        "Category location, Link targets and self, JSON category locations as absolute URLs",
        profiles=("http", "text-plain", "text-occi", "json"),
        response=_absolute_locations,
    ),
    V(
        "create-200-locations",
        "status codes",
        "POST create answers 200 with the location list of what it made, no Location header",
        select=("HTTP-*", "CORE-*", "INFRA-*"),
        response=_create_200_locations,
    ),
    V(
        "create-200-entity",
        "status codes",
        "POST create answers 200 with the new entity's rendering, no Location header",
        select=("HTTP-*", "CORE-*", "INFRA-*", "JSON-*"),
        install=_install_create_200_entity,
    ),
    V(
        "no-user-mixins",
        "mixins",
        "user-defined mixins not implemented: POST and DELETE on the query interface answer 501",
        select=("HTTP-*", "CORE-MIX-*", "INFRA-*"),
        request=_no_user_mixins,
    ),
    V(
        "put-create-refused",
        "status codes",
        "PUT to an unused URL refused with 400: the server picks every path",
        select=("HTTP-ENT-*", "CORE-*"),
        install=_install_put_create_refused,
    ),
    V(
        "text-occi-body-ok",
        "headers",
        'text/occi answers with the body "OK" (the rendering lives in the headers)',
        profiles=("text-occi",),
        response=_text_occi_body_ok,
    ),
    V(
        "same-name-lines-shuffled",
        "grammar and quoting",
        "text: the lines of each OCCI header name in another order among themselves",
        profiles=("text-plain", "text-occi", "http", "infrastructure"),
        response=_shuffle_same_name_lines,
    ),
    V(
        "empty-collection-204",
        "status codes",
        "GET on an empty collection in a text rendering answers 204 No Content",
        profiles=("http", "text-plain", "text-occi", "uri-list"),
        response=_empty_collection_204,
    ),
    V(
        "class-unquoted",
        "grammar and quoting",
        "Category values carry class=kind unquoted (erocci; the ABNF allows both forms)",
        profiles=("text-plain", "text-occi"),
        response=_unquoted_class,
    ),
    V(
        "slow-state-changes",
        "actions and states",
        f"an action takes effect {_LAG_S} s after its answer; reads show the old state till then",
        select=("INFRA-*", "HTTP-ACT-*", "HTTP-COL-1*", "CORE-MUT-01"),
        install=_install_slow_state_changes,
    ),
    V(
        "delete-204",
        "status codes",
        "DELETE on an entity answers 204 No Content instead of 200",
        profiles=("http",),
        response=_delete_204,
    ),
)

VARIANTS: dict[str, Variant] = {v.name: v for v in (*BREAKING, *ALLOWED)}


def get(name: str) -> Variant:
    try:
        return VARIANTS[name]
    except KeyError:
        raise KeyError(f"no variant {name!r}; known: {', '.join(VARIANTS)}") from None


__all__ = ["ALLOWED", "AREAS", "BREAKING", "VARIANTS", "Variant", "get"]
