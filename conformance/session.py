"""The engine the suite's tests talk to: one endpoint, its discovered model, what the run
created, and the interpretations it observed.

Tests never build URLs: kind and mixin locations come from the query interface and entity
locations from the server's answers (digest §0 conventions). Everything the run creates is
titled with the run id and deleted at the end, in reverse order of creation.
"""

from __future__ import annotations

import contextlib
import re
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property

from conformance.client import Exchange, OCCIClient
from conformance.config import SuiteConfig
from conformance.outcomes import HarnessError, not_applicable
from occi_protocol.errors import RemoteProtocolError
from occi_protocol.model import Category, Entity, Link, Model, Resource
from occi_protocol.rendering import (
    OCCI_JSON,
    TEXT_OCCI,
    TEXT_PLAIN,
    URI_LIST,
    Rendering,
    rendering_for,
)

INFRA = "http://schemas.ogf.org/occi/infrastructure#"
OS_TPL = INFRA + "os_tpl"
RESOURCE_TPL = INFRA + "resource_tpl"
#: The renderings a test can be parametrised over, and the profile each belongs to.
RENDERING_PROFILES = {TEXT_PLAIN: "text-plain", TEXT_OCCI: "text-occi", OCCI_JSON: "json"}
_VERSION = re.compile(r"OCCI/([0-9]+\.[0-9]+)")


@dataclass
class Interpretation:
    """How the endpoint read an ambiguous point (digest §4), for spec authors."""

    ambiguity: str
    observed: str
    test: str = ""


@dataclass
class Discovery:
    """What the query interface says, fetched once per run."""

    exchange: Exchange
    model: Model
    server_versions: list[str]
    renderings: list[str]


class ParsedResponseError(AssertionError):
    """The endpoint's answer does not parse: a failure of the endpoint, with the reason."""


class OCCISession:
    """See the module docstring. ``current_test`` is set by the plugin around each test."""

    def __init__(self, config: SuiteConfig, client: OCCIClient) -> None:
        self.config = config
        self.client = client
        self.run_id = config.run_id
        self.created: list[str] = []
        self.interpretations: list[Interpretation] = []
        self.current_test = ""
        #: Warnings of the running test (see :meth:`warn`); the plugin resets them.
        self.warnings: list[str] = []

    # -- discovery ---------------------------------------------------------------------

    @cached_property
    def discovery(self) -> Discovery:
        from conformance.discovery import query_interface

        exchange = query_interface(self.client)
        if exchange.status != 200:
            raise HarnessError(
                f"the query interface /-/ answered {exchange.status}; cannot discover the model"
            )
        categories = self.parse(exchange, "categories")
        # A repeated category is the endpoint's fault (CORE-CAT-05 reports it); the first
        # definition is used so that the rest of the run still works.
        unique = {c.id: c for c in reversed(categories)}  # type: ignore[attr-defined]
        model = Model(c for c in categories if unique.get(c.id) is c)  # type: ignore[attr-defined]
        versions = _VERSION.findall(exchange.header("server") or "")
        renderings = [TEXT_PLAIN]
        for media_type in (TEXT_OCCI, OCCI_JSON):
            probe = self.client.get("-/", accept=media_type)
            if probe.status == 200 and probe.media_type == media_type:
                renderings.append(media_type)
        return Discovery(exchange, model, versions, renderings)

    @property
    def model(self) -> Model:
        return self.discovery.model

    @property
    def occi_version(self) -> str:
        if self.config.occi_version != "auto":
            return self.config.occi_version
        versions = self.discovery.server_versions
        return "1.2" if "1.2" in versions or not versions else max(versions)

    def supports(self, media_type: str) -> bool:
        return media_type in self.discovery.renderings

    def require_rendering(self, media_type: str) -> Rendering:
        if not self.supports(media_type):
            not_applicable(f"the endpoint does not serve {media_type}")
        return rendering_for(media_type)

    def require_kind(self, kind_id: str) -> str:
        """The location of a kind the test needs; n/a when the endpoint lacks it."""
        kind = self.model.kind(kind_id)
        if kind is None:
            not_applicable(f"the endpoint does not offer the kind {kind_id}")
        if not kind.location:
            raise AssertionError(f"kind {kind_id} is advertised without a location")
        return kind.location

    def require_capability(self, name: str) -> None:
        """n/a unless the run may use a capability that only the configuration can grant.

        ``disposable``: the endpoint is a throwaway, so a test may delete what the run did not
        create (a whole collection, a provider mixin). Capabilities the endpoint advertises
        are checked where they are used (``require_kind``, ``require_rendering``).
        """
        if name != "disposable":
            raise HarnessError(f"require_capability: unknown capability {name!r}")
        if not self.config.disposable:
            not_applicable(
                "runs only against a disposable endpoint (--disposable / disposable: true): it "
                "may delete entities or provider mixins the run did not create"
            )

    def templates(self, family: str) -> list[Category]:
        """The mixins that depend on ``family`` (os_tpl or resource_tpl)."""
        return [m for m in self.model.mixins if family in m.depends]

    # -- parsing -----------------------------------------------------------------------

    def parse(self, exchange: Exchange, what: str, media_type: str | None = None) -> object:
        """Parse an answer strictly with the rendering its Content-Type names.

        ``what`` is categories | entity | entities | locations. A parse error is the
        endpoint's failure and says which line broke which rule.
        """
        media_type = media_type or exchange.media_type or TEXT_PLAIN
        try:
            rendering = rendering_for(media_type)
        except KeyError:
            raise ParsedResponseError(
                f"the answer's Content-Type {media_type!r} is not an OCCI rendering"
            ) from None
        try:
            if what == "entity":
                return rendering.parse_entity(
                    exchange.headers, exchange.body, self._model_or_none()
                )
            if what == "entities":
                return rendering.parse_entities(
                    exchange.headers, exchange.body, self._model_or_none()
                )
            found = getattr(rendering, f"parse_{what}")(exchange.headers, exchange.body)
        except RemoteProtocolError as exc:
            raise ParsedResponseError(f"the {media_type} answer does not parse: {exc}") from None
        plain = exchange.header_lines("location")
        listing = exchange.status == 200  # not a 201, whose Location names the new entity
        if what == "locations" and media_type == TEXT_OCCI and listing and not found and plain:
            # rOCCI-core 5 lists locations in text/occi as HTTP Location headers (digest
            # §2.5 item 3, AMB-TXT-02): read them, with a warning.
            self.warn("AMB-TXT-02", "a text/occi location list came as Location headers")
            return [v.strip() for line in plain for v in line.split(",") if v.strip()]
        return found

    def _model_or_none(self) -> Model | None:
        return self.__dict__["discovery"].model if "discovery" in self.__dict__ else None

    def read(self, location: str, media_type: str = TEXT_PLAIN) -> Entity:
        """GET one entity and parse it; the answer must be 200."""
        exchange = self.client.get(location, accept=media_type)
        assert exchange.status == 200, f"GET {location} answered {exchange.status}, not 200"
        entity = self.parse(exchange, "entity")
        assert isinstance(entity, Entity)
        return entity

    def list(self, location: str, media_type: str = TEXT_PLAIN) -> list[str]:
        """GET a collection and return absolute member URLs (relative ones resolved).

        Asked for JSON, it lists in text/plain instead: J12 entities carry no location
        (AMB-JSON-06), so a JSON collection cannot name its members.
        """
        if media_type == OCCI_JSON:
            media_type = TEXT_PLAIN
        exchange = self.client.get(location, accept=media_type)
        assert exchange.status in (200, 204), f"GET {location} answered {exchange.status}"
        if exchange.status == 204 or (not exchange.body.strip() and media_type != TEXT_OCCI):
            return []
        if exchange.media_type == OCCI_JSON:
            entities = self.parse(exchange, "entities")
            if any(not e.location for e in entities):  # type: ignore[attr-defined]
                raise ParsedResponseError(
                    f"GET {location} with Accept: {media_type} answered {OCCI_JSON}, whose "
                    "entities carry no location: the members cannot be listed"
                )
            return [self.client.url(e.location) for e in entities]  # type: ignore[attr-defined]
        locations = self.parse(exchange, "locations")
        return [self.client.url(loc) for loc in locations]  # type: ignore[attr-defined]

    # -- creating ----------------------------------------------------------------------

    def title(self, label: str = "") -> str:
        """A title that marks an entity as this run's (the sweep command looks for it)."""
        return f"{self.run_id} {label or self.current_test}".strip()[:200]

    def send(
        self,
        method: str,
        location: str,
        media_type: str,
        render: Callable[[Rendering], object],
        *,
        accept: str | None = None,
        params: Mapping[str, str] | None = None,
    ) -> Exchange:
        """Render a request body with ``render(rendering)`` and send it."""
        rendering = rendering_for(media_type)
        rendered = render(rendering)
        return self.client.request(
            method,
            location,
            headers=rendered.headers,  # type: ignore[attr-defined]
            body=rendered.body,  # type: ignore[attr-defined]
            content_type=media_type,
            accept=accept or media_type,
            params=dict(params) if params else None,
        )

    def create(
        self,
        kind: str,
        attributes: Mapping[str, object] | None = None,
        mixins: Sequence[str] = (),
        links: Sequence[Link] = (),
        media_type: str = TEXT_PLAIN,
        label: str = "",
        location: str | None = None,
        setup: bool = False,
        retry: Callable[[Exchange], bool] | None = None,
    ) -> tuple[str, Exchange]:
        """POST a new entity to its kind's location; returns its absolute URL and the exchange.

        Accepts both answers H12 allows (201 with Location, 200 with the rendering) and
        records which one the endpoint chose (AMB-HTTP-03). The entity is registered for
        deletion at the end of the run. ``setup``: the entity is scaffolding, not what the
        test checks, so a 405 or 501 makes the test n/a instead of failing it. ``retry`` is
        called with a refused answer; when it returns True the request is sent once more.
        """
        target = location or self.require_kind(kind)
        values = {"occi.core.title": self.title(label), **(attributes or {})}
        cls = Link if self.model.is_link_kind(kind) else Resource
        entity = cls(kind=kind, mixins=tuple(mixins), attributes=values)
        if links:
            entity = Resource(
                kind=kind, mixins=tuple(mixins), attributes=values, links=tuple(links)
            )
        exchange = self.send("POST", target, media_type, lambda r: r.render_entity(entity))
        if retry is not None and exchange.status not in (200, 201) and retry(exchange):
            exchange = self.send("POST", target, media_type, lambda r: r.render_entity(entity))
        if setup and exchange.status in (405, 501):
            not_applicable(
                f"the endpoint does not let clients create {kind.rpartition('#')[2]} "
                f"(POST answered {exchange.status}); the test needs one to work with"
            )
        assert exchange.status in (200, 201), (
            f"creating a {kind} answered {exchange.status}, not 201 or 200: {exchange.text[:300]}"
        )
        created = self.location_of(exchange)
        self.created.append(created)
        self.note(
            "AMB-HTTP-03",
            f"create answers {exchange.status}"
            + (" with Location" if exchange.header("location") else " without Location"),
        )
        return created, exchange

    def location_of(self, exchange: Exchange) -> str:
        """The new entity's URL from a create answer (AMB-HTTP-03): the Location header, else
        the 200 answer's rendering: a location list (ooi, rOCCI), or the entity itself, whose
        URL is its action links' base or, when the rendering carries none (JSON has no
        location member, AMB-JSON-06), the member of the posted collection with its id."""
        header = exchange.header("location")
        if header:
            return self.client.url(header.split(",")[0].strip())
        if exchange.status == 200 and exchange.method == "PUT":
            return exchange.url.split("?", 1)[0]  # PUT creates at the request URL
        if exchange.status == 200:
            found: object = None
            with contextlib.suppress(ParsedResponseError):
                found = self.parse(exchange, "locations")
            if found:
                return self.client.url(found[0])  # type: ignore[index]
            entity = None
            with contextlib.suppress(ParsedResponseError):
                entity = self.parse(exchange, "entity")
            if entity is None:  # a JSON collection answer: {"resources": [the new entity]}
                with contextlib.suppress(ParsedResponseError, IndexError):
                    entity = self.parse(exchange, "entities")[0]  # type: ignore[index]
            if isinstance(entity, Entity) and entity.location:
                return self.client.url(entity.location)
            if isinstance(entity, Entity) and entity.id:
                url = self._member_with_id(exchange.url.split("?", 1)[0], entity.id)
                if url:
                    self.note(
                        "AMB-HTTP-03",
                        "the 200 create answer renders the entity without its location; "
                        "found it by occi.core.id in the collection",
                    )
                    return url
        raise AssertionError(
            f"the create answer ({exchange.status}) names no location of the new entity"
        )

    def _member_with_id(self, collection: str, identifier: str, limit: int = 500) -> str | None:
        """The member of ``collection`` whose occi.core.id is ``identifier`` (members whose
        URL ends with the id are tried first: likely, but never assumed)."""
        try:
            members = self.list(collection)
        except AssertionError:
            return None
        tail = identifier.rpartition(":")[2].rpartition("/")[2]
        members.sort(key=lambda url: not url.rstrip("/").endswith(tail))
        for url in members[:limit]:
            exchange = self.client.get(url, accept=TEXT_PLAIN)
            if exchange.status != 200:
                continue
            with contextlib.suppress(ParsedResponseError):
                entity = self.parse(exchange, "entity")
                if isinstance(entity, Entity) and entity.id == identifier:
                    return url
        return None

    def compute_mixins(self) -> list[str]:
        """The os_tpl and resource_tpl to create computes with: configured, else the first
        advertised os_tpl and the smallest resource_tpl (sites need both; a shared site's
        quota is spared; the dummy needs neither)."""
        chosen = []
        for family, configured in (
            (OS_TPL, self.config.os_tpl),
            (RESOURCE_TPL, self.config.resource_tpl),
        ):
            if configured:
                chosen.append(configured)
                continue
            found = self.templates(family)
            if found and family == RESOURCE_TPL:
                found = sorted(found, key=_template_size)
            if found:
                chosen.append(found[0].id)
        return chosen

    def create_compute(
        self, media_type: str = TEXT_PLAIN, **kwargs: object
    ) -> tuple[str, Exchange]:
        mixins = [*self.compute_mixins(), *kwargs.pop("mixins", ())]  # type: ignore[misc]
        return self.create(INFRA + "compute", mixins=mixins, media_type=media_type, **kwargs)  # type: ignore[arg-type]

    # -- waiting and deleting ----------------------------------------------------------

    def wait_for(
        self,
        location: str,
        attribute: str,
        wanted: Iterable[object],
        timeout: float | None = None,
    ) -> Entity:
        """Poll an entity until ``attribute`` takes one of the wanted values.

        Real clouds take minutes; the limit is ``state_timeout`` unless given.
        """
        wanted = list(wanted)
        deadline = time.monotonic() + (timeout or self.config.state_timeout)
        seen: list[object] = []
        while True:
            entity = self.read(location)
            value = entity.attributes.get(attribute)
            if not seen or seen[-1] != value:
                seen.append(value)
            if value in wanted:
                return entity
            if time.monotonic() >= deadline:
                raise AssertionError(
                    f"{attribute} of {location} did not become {' or '.join(map(str, wanted))} "
                    f"within {timeout or self.config.state_timeout:g} s; it went "
                    + " -> ".join(map(str, seen))
                )
            time.sleep(self.config.poll_interval)

    def delete(self, location: str) -> Exchange:
        exchange = self.client.delete(location, accept=TEXT_PLAIN)
        if exchange.status in (200, 202, 204, 404, 410) and location in self.created:
            self.created.remove(location)
        return exchange

    def cleanup(self) -> list[str]:
        """Delete what the run created, newest first; returns what could not be deleted.

        Only locations this run created are touched: nothing else is ever deleted.
        """
        failed = []
        for location in reversed(list(self.created)):
            try:
                exchange = self.delete(location)
            except Exception:
                failed.append(location)
                continue
            if exchange.status not in (200, 202, 204, 404, 410):
                failed.append(location)
        return failed

    # -- interpretations ---------------------------------------------------------------

    def note(self, ambiguity: str, observed: str) -> None:
        """Record how the endpoint read an ambiguous point (shown in the report)."""
        self.interpretations.append(Interpretation(ambiguity, observed, self.current_test))

    def warn(self, ambiguity: str, message: str) -> None:
        """A deviation the catalogue's policy reports as a warning, even inside a MUST entry.

        The test goes on; if nothing else fails, its outcome is ``warn`` with this message
        (and the reading is recorded as an interpretation).
        """
        self.note(ambiguity, "WARNING: " + message)
        self.warnings.append(f"{ambiguity}: {message}")


def uri_list_body(locations: Sequence[str]) -> bytes:
    return "".join(f"{loc}\r\n" for loc in locations).encode()


#: Size words in template terms, smallest first (CRTP small/medium/large, flavour names).
_SIZE_WORDS = ("nano", "micro", "tiny", "extra_small", "xsmall", "small", "medium", "large")


def _template_size(mixin: Category) -> tuple[float, float, int, str]:
    """Sort key of a resource template: cores and memory from the defaults its attribute
    definitions give (J12 / I12 §3.3.2), then a size word in its term, then the term."""
    defaults = {a.name: a.default for a in getattr(mixin, "attributes", ())}

    def number(name: str) -> float:
        value = defaults.get(name)
        return float(value) if isinstance(value, int | float) else float("inf")

    term = mixin.term.lower()
    words = [i for i, word in enumerate(_SIZE_WORDS) if word in term]
    return (
        number("occi.compute.cores"),
        number("occi.compute.memory"),
        words[0] if words else len(_SIZE_WORDS),
        term,
    )


__all__ = [
    "RENDERING_PROFILES",
    "URI_LIST",
    "Discovery",
    "Interpretation",
    "OCCISession",
    "ParsedResponseError",
    "field",
]
