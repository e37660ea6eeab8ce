"""The OCCI HTTP protocol (H12) over a backend: routing, negotiation, parsing, validation.

One request goes: version check (H12 §5.3) → routing by path (query interface, kind or mixin
collection, namespace path, entity) → the verb's handler → a rendering negotiated from
``Accept``. The backend only stores and acts; everything the specification says about HTTP
lives here, so every backend behaves the same.
"""

from __future__ import annotations

import contextlib
import functools
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from urllib.parse import urlsplit

from occi_protocol import states
from occi_protocol.definitions.infrastructure import OS_TPL, RESOURCE_TPL
from occi_protocol.errors import NotAcceptable, RemoteProtocolError, UnsupportedMediaType
from occi_protocol.model import ActionInvocation, Category, Entity, Kind, Link, Mixin, Model
from occi_protocol.negotiation import negotiate, parse_content_type
from occi_protocol.rendering import (
    JSON,
    OCCI_JSON,
    TEXT_OCCI,
    TEXT_OCCI_PLAIN,
    TEXT_PLAIN,
    URI_LIST,
    Filter,
    HeaderPairs,
    Rendered,
    Rendering,
    rendering_for,
)
from occi_protocol.validation import (
    RENDERING_DERIVED,
    check_mixins,
    validate_action,
    validate_new,
    validate_replace,
    validate_update,
)
from reference_server.backends.base import Backend, BackendError, Conflict, Invalid, NotFound, User

QUERY_INTERFACE = ("/-/", "/.well-known/org/ogf/occi/-/")
#: Renderings in the server's order of preference; text/plain first (H11 §3.6.6 default).
RENDERINGS = (TEXT_PLAIN, TEXT_OCCI, OCCI_JSON, JSON, TEXT_OCCI_PLAIN)
PARSEABLE = (*RENDERINGS, URI_LIST)
ACCEPT_HEADER = ", ".join((*RENDERINGS, URI_LIST))
MAX_PAGE_SIZE = 1000
_OCCI_VERSION = re.compile(r"OCCI/([0-9]+)\.([0-9]+)")


class HTTPError(Exception):
    """An answer other than success, with the headers it needs (Allow for 405)."""

    def __init__(self, status: int, message: str, headers: HeaderPairs | None = None) -> None:
        self.status = status
        self.message = message
        self.headers = headers or []
        super().__init__(message)


@dataclass(frozen=True, slots=True)
class Request:
    """What the protocol needs of an HTTP request; built by the ASGI adapter."""

    method: str
    path: str
    query: dict[str, str]
    headers: HeaderPairs
    body: bytes
    base_url: str
    user: User

    def header(self, name: str) -> str | None:
        name = name.lower()
        values = [v for k, v in self.headers if k.lower() == name]
        return ", ".join(values) if values else None


@dataclass(frozen=True, slots=True)
class Response:
    status: int
    headers: HeaderPairs
    body: bytes


@dataclass(slots=True)
class _Context:
    request: Request
    model: Model
    accept: str | None

    def absolute(self, location: str) -> str:
        return self.request.base_url + location if location.startswith("/") else location

    def local(self, reference: str) -> str:
        """A location as this server stores it: a path, for URLs that point here."""
        parts = urlsplit(reference)
        if parts.scheme and self.request.base_url.startswith(f"{parts.scheme}://{parts.netloc}"):
            return parts.path + (f"?{parts.query}" if parts.query else "")
        return reference


class OCCIProtocol:
    """Answers OCCI requests from a backend. ``handle`` never raises."""

    def __init__(self, backend: Backend) -> None:
        self.backend = backend
        self.server_managed = frozenset(getattr(backend, "server_managed", ()))
        self._qi_cache: dict[tuple[int, str], tuple[Model, Rendered]] = {}
        # A backend whose cloud has its own state machine lists the actions itself.
        self.owns_action_links = bool(getattr(backend, "owns_action_links", False))
        # A backend that can create a resource with its links in one step gets them inline
        # (a VM deploys with its NICs and disks); others get the links one by one after.
        self.creates_inline_links = bool(getattr(backend, "creates_inline_links", False))
        #: "1.2", or "1.1" for a backend that plays a legacy endpoint.
        self.occi_version = str(getattr(backend, "occi_version", "1.2"))
        self._version = tuple(int(part) for part in self.occi_version.split("."))

    async def handle(self, request: Request) -> Response:
        ctx = _Context(request, Model(), request.header("accept"))
        try:
            self._check_version(request)
            # Refuse an unacceptable Accept before acting, so a 406 changes nothing.
            self._negotiate(ctx, listing=True)
            ctx.model = await self.backend.model(request.user)
            return await self._route(ctx)
        except HTTPError as exc:
            return self._error(ctx, exc.status, exc.message, exc.headers)
        except RemoteProtocolError as exc:
            return self._error(ctx, exc.status, str(exc))
        except BackendError as exc:
            return self._error(ctx, exc.status, exc.message)

    # -- framing -----------------------------------------------------------------------

    def _check_version(self, request: Request) -> None:
        """H12 §5.3 / H11 §3.6.5: a client asking for a newer version gets 501."""
        agent = request.header("user-agent") or ""
        wanted = [(int(a), int(b)) for a, b in _OCCI_VERSION.findall(agent)]
        if wanted and max(wanted) > self._version:
            raise HTTPError(
                501,
                f"this server implements OCCI/{self.occi_version}; the client asked for {agent}",
            )

    def _negotiate(self, ctx: _Context, *, listing: bool) -> tuple[str, Rendering]:
        offered = (*RENDERINGS, URI_LIST) if listing else RENDERINGS
        try:
            media_type = _negotiated(ctx.accept, offered)
        except NotAcceptable:
            if not listing and ctx.accept and _accepts_only_uri_list(ctx.accept):
                # T12 §5.3: text/uri-list outside a listing is a 400, not a 406.
                raise HTTPError(400, "text/uri-list renders only location lists") from None
            raise
        return media_type, rendering_for(media_type)

    def _ok(
        self,
        ctx: _Context,
        status: int,
        render: Callable[[Rendering], Rendered],
        *,
        listing: bool = False,
        headers: HeaderPairs | None = None,
    ) -> Response:
        media_type, rendering = self._negotiate(ctx, listing=listing)
        rendered = render(rendering)
        out = [("Content-Type", _content_type(media_type)), *rendered.headers, *(headers or [])]
        return Response(status, out, rendered.body)

    def _error(
        self, ctx: _Context, status: int, message: str, headers: HeaderPairs | None = None
    ) -> Response:
        try:
            media_type = negotiate(ctx.accept, RENDERINGS)
        except NotAcceptable:
            media_type = TEXT_PLAIN
        rendered = rendering_for(media_type).render_error(status, message)
        out = [("Content-Type", _content_type(media_type)), *rendered.headers, *(headers or [])]
        if media_type == TEXT_OCCI:
            out.append(("X-OCCI-Error", message.encode("ascii", "backslashreplace").decode()))
        return Response(status, out, rendered.body)

    def _parse(self, ctx: _Context) -> tuple[Rendering, HeaderPairs, bytes]:
        request = ctx.request
        media_type, _ = parse_content_type(request.header("content-type"))
        if not media_type:
            if request.body.strip():
                # H12 §5.1: a client that sends a body names its media type.
                raise UnsupportedMediaType(
                    "the request has a body but no Content-Type; name one of "
                    + ", ".join(PARSEABLE)
                )
            media_type = TEXT_OCCI  # OCCI headers alone are text/occi
        if media_type not in PARSEABLE:
            raise UnsupportedMediaType(
                f"cannot parse a body of type {media_type}; send one of {', '.join(PARSEABLE)}"
            )
        return rendering_for(media_type), request.headers, request.body

    # -- routing -----------------------------------------------------------------------

    async def _route(self, ctx: _Context) -> Response:
        path = ctx.request.path
        if path in QUERY_INTERFACE:
            return await self._query_interface(ctx)
        bound = {c.location: c for c in (*ctx.model.kinds, *ctx.model.mixins) if c.location}
        category = bound.get(path)
        if isinstance(category, Kind):
            return await self._kind_collection(ctx, category)
        if isinstance(category, Mixin):
            return await self._mixin_collection(ctx, category)
        if path.endswith("/"):
            return await self._namespace(ctx, path)
        return await self._entity(ctx, path)

    def _method(self, ctx: _Context, allowed: Sequence[str]) -> str:
        method = ctx.request.method
        if method == "HEAD" and "GET" in allowed:
            return "GET"
        if method not in allowed:
            allow = ", ".join((*allowed, "HEAD") if "GET" in allowed else allowed)
            raise HTTPError(
                405, f"{method} is not allowed on {ctx.request.path}", [("Allow", allow)]
            )
        return method

    # -- query interface (H12 §3.5) ----------------------------------------------------

    async def _query_interface(self, ctx: _Context) -> Response:
        method = self._method(ctx, ("GET", "POST", "DELETE"))
        user = ctx.request.user
        if method == "GET":
            wanted = self._filter(ctx).categories
            if not wanted:
                return self._ok(ctx, 200, lambda r: self._query_interface_body(ctx.model, r))
            categories = [c for c in ctx.model if c.id in wanted]
            return self._ok(ctx, 200, lambda r: r.render_categories(categories))
        rendering, headers, body = self._parse(ctx)
        categories = rendering.parse_categories(headers, body)
        if not categories:
            raise HTTPError(400, "the request names no category")
        if method == "POST":
            for category in categories:
                self._check_user_mixin(category)
            for category in categories:
                await self.backend.create_user_mixin(user, category)  # type: ignore[arg-type]
            return self._ok(ctx, 200, lambda r: r.render_categories(categories))
        for category in categories:
            if category.id not in ctx.model:
                raise NotFound(f"no category {category.id}")
        for category in categories:
            await self.backend.delete_user_mixin(user, category.id)
        return self._ok(ctx, 200, lambda r: r.render_locations([]))

    def _query_interface_body(self, model: Model, rendering: Rendering) -> Rendered:
        # Models are immutable and cached per user by the backends, so the rendering of the
        # whole query interface can be kept until the model changes.
        key = (id(model), rendering.media_type)
        cached = self._qi_cache.get(key)
        if cached is None or cached[0] is not model:
            if len(self._qi_cache) > 256:
                self._qi_cache.clear()
            cached = (model, rendering.render_categories(list(model)))
            self._qi_cache[key] = cached
        return cached[1]

    def _check_user_mixin(self, category: Category) -> None:
        if not isinstance(category, Mixin):
            raise HTTPError(400, f"{category.id}: only mixins can be defined by users")
        if not category.location:
            raise HTTPError(400, f"mixin {category.id} needs a location")
        if category.attributes or category.actions:
            raise HTTPError(400, f"user mixin {category.id} cannot define attributes or actions")
        if not category.location.startswith("/") or not category.location.endswith("/"):
            raise HTTPError(400, f"mixin location {category.location} must be a path ending in /")
        if category.location in QUERY_INTERFACE:
            raise Conflict(f"location {category.location} is the query interface")

    # -- collections (H12 §3.4) ----------------------------------------------------------

    async def _kind_collection(self, ctx: _Context, kind: Kind) -> Response:
        method = self._method(ctx, ("GET", "POST", "DELETE"))
        if method == "POST" and "action" not in ctx.request.query:
            return await self._create(ctx, kind)
        user = ctx.request.user
        members = await self.backend.list_entities(user, ctx.model.related_kinds(kind.id))
        if method == "GET":
            return self._listing(ctx, self._filtered(ctx, members))
        if method == "DELETE":
            for entity in members:
                await self._delete_quietly(user, entity)
            return self._ok(ctx, 200, lambda r: r.render_locations([]))
        return await self._collection_action(ctx, kind, members)

    async def _mixin_collection(self, ctx: _Context, mixin: Mixin) -> Response:
        method = self._method(ctx, ("GET", "POST", "PUT", "DELETE"))
        user = ctx.request.user
        members = await self.backend.list_entities(user, mixin=mixin.id)
        if method == "GET":
            return self._listing(ctx, self._filtered(ctx, members))
        if method == "POST" and "action" in ctx.request.query:
            return await self._collection_action(ctx, mixin, members)
        rendering, headers, body = self._parse(ctx)
        named = [ctx.local(loc) for loc in rendering.parse_locations(headers, body)]
        if method == "DELETE" and not named:
            # AMB-HTTP-06: a body-less DELETE detaches the mixin from every member (the
            # reading that destroys nothing).
            named = [m.location for m in members if m.location]
        targets = [await self._owned(user, location) for location in dict.fromkeys(named)]
        current = {m.location for m in members}
        if method == "POST":
            add, remove = [t for t in targets if t.location not in current], []
        elif method == "PUT":
            wanted = {t.location for t in targets}
            add = [t for t in targets if t.location not in current]
            remove = [m for m in members if m.location not in wanted]
        else:
            add, remove = [], [t for t in targets if t.location in current]
        for entity in add:  # check everything first: a batch changes all or nothing
            check_mixins(ctx.model, entity.kind, [mixin.id])
        for entity in add:
            await self._associate(ctx, entity, mixin)
        for entity in remove:
            assert entity.location is not None
            await self.backend.update_entity(user, entity.location, {}, remove_mixins=[mixin.id])
        after = await self.backend.list_entities(user, mixin=mixin.id)
        return self._listing(ctx, after)

    async def _associate(self, ctx: _Context, entity: Entity, mixin: Mixin) -> None:
        assert entity.location is not None
        replaced, attributes = _template_effects(ctx.model, entity, [mixin.id])
        await self.backend.update_entity(
            ctx.request.user, entity.location, attributes, [mixin.id], replaced
        )

    async def _namespace(self, ctx: _Context, path: str) -> Response:
        self._method(ctx, ("GET",))
        everything = await self.backend.list_entities(ctx.request.user)
        members = [e for e in everything if e.location and e.location.startswith(path)]
        return self._listing(ctx, self._filtered(ctx, members))

    def _listing(self, ctx: _Context, entities: Sequence[Entity]) -> Response:
        page = self._page(ctx, entities)

        def render(rendering: Rendering) -> Rendered:
            if rendering.media_type in (TEXT_PLAIN, TEXT_OCCI, URI_LIST):
                return rendering.render_locations([ctx.absolute(e.location or "") for e in page])
            return rendering.render_collection([self._decorate(ctx, e) for e in page])

        return self._ok(ctx, 200, render, listing=True)

    def _page(self, ctx: _Context, entities: Sequence[Entity]) -> Sequence[Entity]:
        query = ctx.request.query
        if "page" not in query and "number" not in query:
            return entities
        try:
            page = int(query.get("page", "0"))
            number = int(query.get("number", str(MAX_PAGE_SIZE)))
        except ValueError:
            raise HTTPError(400, "page and number must be whole numbers") from None
        if page < 0 or number < 1:
            raise HTTPError(400, "page must be 0 or more and number 1 or more")
        if number > MAX_PAGE_SIZE:
            raise HTTPError(413, f"at most {MAX_PAGE_SIZE} entities per page (H12 §3.4.3)")
        return entities[page * number : (page + 1) * number]

    def _filter(self, ctx: _Context) -> Filter:
        # Filters travel in headers (H12 §3.4.4), whatever the rendering of the answer;
        # a text/plain body on a GET may carry them too.
        request = ctx.request
        found = rendering_for(TEXT_OCCI).parse_filter(request.headers, b"")
        media_type, _ = parse_content_type(request.header("content-type"))
        if request.body.strip() and media_type in (TEXT_PLAIN, TEXT_OCCI_PLAIN):
            extra = rendering_for(TEXT_PLAIN).parse_filter([], request.body)
            found = Filter(
                (*found.categories, *extra.categories), {**found.attributes, **extra.attributes}
            )
        return found

    def _filtered(self, ctx: _Context, entities: Sequence[Entity]) -> list[Entity]:
        wanted = self._filter(ctx)
        out = []
        for entity in entities:
            if wanted.categories:
                lineage = {k.id for k in ctx.model.lineage(entity.kind)}
                if not any(c in lineage or c in entity.mixins for c in wanted.categories):
                    continue
            if all(_same(entity.attributes.get(k), v) for k, v in wanted.attributes.items()):
                out.append(entity)
        return out

    async def _collection_action(
        self, ctx: _Context, owner: Kind | Mixin, members: Sequence[Entity]
    ) -> Response:
        if isinstance(owner, Kind):
            defined = ctx.model.applicable_actions(owner.id)
        else:
            # A mixin collection runs its own actions, and those every member defines
            # (C12 §5.3.5: an action applies to the entities whose kind or mixins define it).
            defined = [a for m in ctx.model.mixin_closure([owner.id]) for a in m.actions]
            shared = [set(ctx.model.applicable_actions(m.kind, m.mixins)) for m in members]
            if shared:
                defined += sorted(set.intersection(*shared) - set(defined))
        invocation = self._invocation(ctx, defined)
        parameters = validate_action(invocation, ctx.model, defined)
        for entity in members:  # all or nothing (H11 §3.4.2): check every member first
            self._check_transition(entity, invocation.action)
        for entity in members:
            assert entity.location is not None
            await self.backend.trigger_action(
                ctx.request.user, entity.location, invocation.action, parameters
            )
        return self._listing(ctx, await self._reload(ctx, members))

    async def _reload(self, ctx: _Context, members: Sequence[Entity]) -> list[Entity]:
        return [
            await self.backend.get_entity(ctx.request.user, m.location)
            for m in members
            if m.location
        ]

    async def _create(self, ctx: _Context, kind: Kind, location: str | None = None) -> Response:
        rendering, headers, body = self._parse(ctx)
        entities = rendering.parse_entities(headers, body, ctx.model)
        if not entities:
            raise HTTPError(400, "the request holds no entity to create")
        prepared = [self._prepare_new(ctx, kind, e, location) for e in entities]
        created: list[Entity] = []
        try:
            for entity, links in prepared:
                if self.creates_inline_links and links:
                    entity = replace(entity, links=tuple(links))  # type: ignore[call-arg]
                    links = []
                made = await self.backend.create_entity(ctx.request.user, entity)
                created.append(made)
                for link in links:
                    assert made.location is not None
                    link_entity = replace(
                        link,
                        attributes={**link.attributes, "occi.core.source": made.location},
                    )
                    await self.backend.create_entity(ctx.request.user, link_entity)
        except BaseException:
            # H12 §3.2: a failed request leaves nothing half made.
            for made in reversed(created):
                await self._delete_quietly(ctx.request.user, made)
            raise
        locations = [ctx.absolute(m.location or "") for m in created]
        return self._ok(
            ctx,
            201,
            lambda r: r.render_locations(locations),
            listing=True,
            headers=[("Location", locations[0])],
        )

    def _prepare_new(
        self, ctx: _Context, kind: Kind, entity: Entity, location: str | None
    ) -> tuple[Entity, list[Entity]]:
        if entity.kind not in ctx.model.related_kinds(kind.id):
            raise HTTPError(
                400, f"an entity of kind {entity.kind} cannot be created at {kind.location}"
            )
        entity = self._localise(ctx, entity)
        inline: list[Entity] = list(getattr(entity, "links", ()))
        entity = replace(entity, location=location, actions=())
        if hasattr(entity, "links"):
            entity = replace(entity, links=())  # type: ignore[call-arg]
        entity = validate_new(entity, ctx.model, server_managed=self._managed(entity))
        # What the client sent is checked first; then a resource_tpl's sizes override it.
        _, template_values = _template_effects(ctx.model, entity, entity.mixins)
        entity = replace(entity, attributes={**entity.attributes, **template_values})
        links = []
        for link in inline:
            link = self._localise(ctx, link)
            attributes = {k: v for k, v in link.attributes.items() if k != "occi.core.source"}
            attributes["occi.core.source"] = "/pending"  # replaced once the source exists
            link = Link(kind=link.kind, mixins=link.mixins, attributes=attributes)
            validate_new(link, ctx.model, server_managed=self._managed(link))
            links.append(link)
        return entity, links

    def _managed(self, entity: Entity) -> frozenset[str]:
        state = states.STATE_ATTRIBUTE.get(entity.kind)
        return self.server_managed | ({state} if state else set())

    def _localise(self, ctx: _Context, entity: Entity) -> Entity:
        attributes = dict(entity.attributes)
        for name in ("occi.core.source", "occi.core.target"):
            value = attributes.get(name)
            if isinstance(value, str):
                attributes[name] = ctx.local(value)
        return replace(entity, attributes=attributes)

    # -- entities (H12 §3.4.2) ---------------------------------------------------------

    async def _entity(self, ctx: _Context, path: str) -> Response:
        user = ctx.request.user
        try:
            entity = await self.backend.get_entity(user, path)
        except NotFound:
            if ctx.request.method == "PUT":
                kind = self._kind_for_path(ctx, path)
                if kind is not None:
                    return await self._create(ctx, kind, location=path)
            raise
        method = self._method(ctx, ("GET", "POST", "PUT", "DELETE"))
        if method == "GET":
            return self._ok(ctx, 200, lambda r: r.render_entity(self._decorate(ctx, entity)))
        if method == "DELETE":
            await self.backend.delete_entity(user, path)
            return self._ok(ctx, 200, lambda r: r.render_locations([]))
        if method == "POST" and "action" in ctx.request.query:
            return await self._entity_action(ctx, entity)
        if method == "POST":
            return await self._update(ctx, entity)
        return await self._replace(ctx, entity)

    def _kind_for_path(self, ctx: _Context, path: str) -> Kind | None:
        for kind in ctx.model.kinds:
            if kind.location and path.startswith(kind.location):
                rest = path[len(kind.location) :]
                if rest and "/" not in rest:
                    return kind
        return None

    async def _entity_action(self, ctx: _Context, entity: Entity) -> Response:
        self._negotiate(ctx, listing=False)  # before acting: a 406 changes nothing
        defined = ctx.model.applicable_actions(entity.kind, entity.mixins)
        invocation = self._invocation(ctx, defined)
        parameters = validate_action(invocation, ctx.model, defined)
        self._check_transition(entity, invocation.action)
        assert entity.location is not None
        result = await self.backend.trigger_action(
            ctx.request.user, entity.location, invocation.action, parameters
        )
        if isinstance(result, Mixin):
            return self._ok(ctx, 200, lambda r: r.render_categories([result]))
        return self._ok(ctx, 200, lambda r: r.render_entity(self._decorate(ctx, result)))

    def _invocation(self, ctx: _Context, defined: Sequence[str]) -> ActionInvocation:
        term = ctx.request.query["action"]
        candidates = [a for a in defined if a.rpartition("#")[2] == term]
        request = ctx.request
        if request.body.strip() or any(k.lower() == "category" for k, _ in request.headers):
            rendering, headers, body = self._parse(ctx)
            invocation = rendering.parse_action_invocation(headers, body)
            if invocation.action.rpartition("#")[2] != term:
                raise HTTPError(
                    400,
                    f"the query names action {term!r} but the body invokes {invocation.action}",
                )
            return invocation
        # AMB-HTTP-09: without a body, the term alone must name one action.
        if len(candidates) == 1:
            return ActionInvocation(action=candidates[0])
        if len(candidates) > 1:
            raise HTTPError(409, f"action {term!r} is ambiguous; send its category")
        raise HTTPError(400, f"action {term!r} is not defined here")

    def _check_transition(self, entity: Entity, action: str) -> None:
        row = states.TRANSITIONS.get(entity.kind, {}).get(action)
        state_name = states.STATE_ATTRIBUTE.get(entity.kind)
        if row is None or state_name is None:
            return
        state = entity.attributes.get(state_name)
        if state not in row:
            raise Conflict(
                f"{action.rpartition('#')[2]} is not allowed while {state_name} is {state}"
            )

    async def _update(self, ctx: _Context, entity: Entity) -> Response:
        self._negotiate(ctx, listing=False)  # before acting: a 406 changes nothing
        rendering, headers, body = self._parse(ctx)
        if rendering.media_type in (TEXT_PLAIN, TEXT_OCCI):
            if any(k.lower() == "link" for k, _ in _occi_lines(rendering, headers, body)):
                raise HTTPError(400, "a partial update cannot carry links (H12 §3.4.2)")
            found = rendering.parse_filter(headers, body)
            categories, changes = found.categories, found.attributes
        else:
            given = rendering.parse_entity(headers, body, ctx.model)
            if getattr(given, "links", ()):
                raise HTTPError(400, "a partial update cannot carry links (H12 §3.4.2)")
            categories = (given.kind, *given.mixins)
            changes = {k: v for k, v in given.attributes.items() if k != "occi.core.id"}
        mixins = []
        for identifier in categories:
            if identifier == entity.kind or ctx.model.kind(identifier):
                if identifier != entity.kind:
                    raise HTTPError(400, "the kind of an entity cannot change")
                continue
            if ctx.model.mixin(identifier) is None:
                raise HTTPError(400, f"unknown mixin {identifier}")
            if identifier not in entity.mixins:
                mixins.append(identifier)
        check_mixins(ctx.model, entity.kind, mixins)
        changes = validate_update(entity, changes, ctx.model)
        replaced, template_values = _template_effects(ctx.model, entity, mixins)
        assert entity.location is not None
        updated = await self.backend.update_entity(
            ctx.request.user, entity.location, {**changes, **template_values}, mixins, replaced
        )
        return self._ok(ctx, 200, lambda r: r.render_entity(self._decorate(ctx, updated)))

    async def _replace(self, ctx: _Context, entity: Entity) -> Response:
        self._negotiate(ctx, listing=False)  # before acting: a 406 changes nothing
        rendering, headers, body = self._parse(ctx)
        new = rendering.parse_entity(headers, body, ctx.model)
        if getattr(new, "links", ()):
            raise HTTPError(400, "a replacement cannot carry links; they stay (H12 §3.4.2)")
        new = self._localise(ctx, new)
        new = validate_replace(entity, new, ctx.model, server_managed=self._managed(entity))
        assert entity.location is not None
        replaced = await self.backend.replace_entity(ctx.request.user, entity.location, new)
        return self._ok(ctx, 200, lambda r: r.render_entity(self._decorate(ctx, replaced)))

    # -- helpers -----------------------------------------------------------------------

    async def _owned(self, user: User, location: str) -> Entity:
        try:
            return await self.backend.get_entity(user, location)
        except NotFound:
            raise Invalid(f"{location} is not one of your entities") from None

    async def _delete_quietly(self, user: User, entity: Entity) -> None:
        if entity.location is None:
            return
        with contextlib.suppress(NotFound):  # already gone with its source
            await self.backend.delete_entity(user, entity.location)

    def _decorate(self, ctx: _Context, entity: Entity, *, inline: bool = False) -> Entity:
        """The entity with the action links its state allows (T12 §4.2.1). A link rendered
        on its own shows no target/source kind its model does not define (OCCI 1.1, D12);
        inside its source the target kind is the Link's rel."""
        if isinstance(entity, Link) and not inline:
            defined = ctx.model.attribute_definitions(entity.kind, entity.mixins)
            hidden = [n for n in RENDERING_DERIVED if n in entity.attributes and n not in defined]
            if hidden:
                kept = {k: v for k, v in entity.attributes.items() if k not in hidden}
                entity = replace(entity, attributes=kept)
        if entity.actions or self.owns_action_links:
            return entity
        state_name = states.STATE_ATTRIBUTE.get(entity.kind)
        if entity.kind in states.TRANSITIONS and state_name:
            kind_actions = ctx.model.applicable_actions(entity.kind)
            allowed = [
                a
                for a in states.allowed_actions(entity.kind, str(entity.attributes.get(state_name)))
                if a in kind_actions
            ]
            mixin_actions = [a for m in ctx.model.mixin_closure(entity.mixins) for a in m.actions]
            actions = (*allowed, *mixin_actions)
        else:
            actions = tuple(ctx.model.applicable_actions(entity.kind, entity.mixins))
        links = tuple(
            self._decorate(ctx, link, inline=True) for link in getattr(entity, "links", ())
        )
        decorated = replace(entity, actions=actions)
        if links:
            decorated = replace(decorated, links=links)  # type: ignore[call-arg]
        return decorated


@functools.lru_cache(maxsize=512)
def _negotiated(accept: str | None, offered: tuple[str, ...]) -> str:
    """:func:`negotiate`, remembered: clients send the same few Accept values again and
    again, and each request negotiates before acting and again to answer."""
    return negotiate(accept, offered)


def _template_effects(
    model: Model, entity: Entity, added: Sequence[str]
) -> tuple[list[str], dict[str, object]]:
    """What attaching template mixins does (I12 §3.5): a new resource_tpl or os_tpl
    replaces the one the entity has, and a resource_tpl's sizes override the entity's own.

    Returns the mixins to remove and the attribute values to set.
    """
    removed: list[str] = []
    values: dict[str, object] = {}
    for family in (RESOURCE_TPL, OS_TPL):
        new = [m for m in added if family in {d.id for d in model.mixin_closure([m])[1:]}]
        if not new:
            continue
        removed.extend(
            m
            for m in entity.mixins
            if m not in new and family in {d.id for d in model.mixin_closure([m])[1:]}
        )
        if family == RESOURCE_TPL:
            for mixin_id in new:
                mixin = model.mixin(mixin_id)
                assert mixin is not None
                values.update(
                    {a.name: a.default for a in mixin.attributes if a.default is not None}
                )
    return removed, values


def _occi_lines(rendering: Rendering, headers: HeaderPairs, body: bytes) -> HeaderPairs:
    if rendering.media_type == TEXT_OCCI:
        return headers
    lines = body.decode("utf-8", "replace").splitlines()
    return [(k.strip(), v) for k, _, v in (line.partition(":") for line in lines)]


def _same(actual: object, wanted: object) -> bool:
    if actual == wanted and type(actual) is type(wanted):
        return True
    # A text filter types its values by syntax; compare as text when the types differ.
    return actual is not None and str(actual) == str(wanted) and not isinstance(actual, bool)


def _accepts_only_uri_list(accept: str) -> bool:
    return URI_LIST in accept.lower()


def _content_type(media_type: str) -> str:
    return f"{media_type}; charset=utf-8" if media_type.startswith("text/") else media_type
