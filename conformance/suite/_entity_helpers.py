"""Helpers shared by the entity, collection, mixin, link and filtering suite modules.

Everything here works from what the endpoint advertised (query interface) and answered
(Location headers, renderings); no path of our reference server is assumed.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from urllib.parse import urlsplit

from conformance.client import Exchange
from conformance.outcomes import not_applicable
from conformance.session import INFRA, OCCISession
from occi_protocol.model import ActionInvocation, Entity, Mixin, Resource
from occi_protocol.rendering import OCCI_JSON, TEXT_PLAIN, URI_LIST, rendering_for

COMPUTE = INFRA + "compute"
STORAGE = INFRA + "storage"
NETWORK = INFRA + "network"
NETWORKINTERFACE = INFRA + "networkinterface"
STORAGELINK = INFRA + "storagelink"
COMPUTE_ACTION = "http://schemas.ogf.org/occi/infrastructure/compute/action#"
#: Statuses that say a DELETEd entity is gone (HTTP-ENT-17, HTTP-SC-08).
GONE = (404, 410)
#: Plausible client values for attributes a kind may mark required (AMB-CORE-01: which ones
#: are required is read from the query interface, never assumed).
SAMPLE_VALUES: Mapping[str, object] = {
    "occi.storage.size": 1,
    "occi.storagelink.deviceid": "vdc",
    "occi.storagelink.mountpoint": "/mnt/occi-conformance",
    "occi.networkinterface.mac": "02:00:5e:00:53:01",
    "occi.networkinterface.interface": "eth1",
    "occi.network.vlan": 0,
    "occi.network.label": "occi-conformance",
    "occi.compute.cores": 1,
    "occi.compute.memory": 1.0,
}


def path_of(url: str) -> str:
    """The path (and query) of a URL: locations are compared this way, so absolute and
    relative spellings of the same location, or another host alias, still match."""
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def same_location(a: str | None, b: str | None) -> bool:
    return a is not None and b is not None and path_of(a) == path_of(b)


def contains_location(locations: Iterable[str], wanted: str) -> bool:
    return any(same_location(loc, wanted) for loc in locations)


def required_values(occi: OCCISession, kind: str, mixins: Sequence[str] = ()) -> dict[str, object]:
    """Values for the client-supplied (mutable) attributes the query interface marks required
    and gives no default.

    Required-and-immutable attributes (states) are the server's: they are never sent.
    """
    definitions = occi.model.attribute_definitions(kind, mixins)
    values: dict[str, object] = {}
    for name, attribute in definitions.items():
        if not attribute.required or not attribute.mutable or name.startswith("occi.core."):
            continue
        if attribute.default is not None:
            continue
        if name not in SAMPLE_VALUES:
            not_applicable(f"{kind} requires {name}, for which the suite has no sample value")
        values[name] = SAMPLE_VALUES[name]
    return values


def scaffold(
    occi: OCCISession,
    kind: str,
    attributes: Mapping[str, object] | None = None,
    mixins: Sequence[str] = (),
    media_type: str = TEXT_PLAIN,
    label: str = "",
) -> tuple[str, Exchange]:
    """Create an entity a test only needs to work with: the attributes the query interface
    marks required are sent too (for a compute, those its os_tpl and resource_tpl ask for),
    and a refusal with 405/501 makes the test n/a."""
    given = dict(attributes or {})
    if kind == COMPUTE:
        values = {**required_values(occi, kind, [*occi.compute_mixins(), *mixins]), **given}
        return occi.create_compute(
            media_type, attributes=values, mixins=list(mixins), label=label, setup=True
        )
    values = {**required_values(occi, kind, mixins), **given}
    return occi.create(
        kind, attributes=values, mixins=mixins, media_type=media_type, label=label, setup=True
    )


def create_storage(occi: OCCISession, media_type: str = TEXT_PLAIN) -> str:
    """A storage to work with (scaffolding: n/a when the endpoint refuses to create one)."""
    occi.require_kind(STORAGE)
    url, _ = scaffold(occi, STORAGE, media_type=media_type, label="storage")
    return url


#: Words of a 400 answer that blames the state of the link's source (rOCCI's messages).
_STATE_WORDS = re.compile(
    r"\b(state|running|active|inactive|poweroff|stopped|pending|suspended)\b", re.IGNORECASE
)


def running_source(occi: OCCISession, source: str) -> Callable[[Exchange], bool]:
    """A ``retry`` for :meth:`OCCISession.create` of a link from ``source``.

    rOCCI on OpenNebula attaches NICs and disks only to a running VM. When the create is
    refused with 409, or with 400 naming a state, while the source is a compute that is not
    active, start it (if its actions allow) and wait until it is active; then the create is
    sent once more, and the reading is noted.
    """

    def retry(exchange: Exchange) -> bool:
        if exchange.status not in (400, 409):
            return False
        if exchange.status == 400 and not _STATE_WORDS.search(exchange.text):
            return False
        answer = occi.client.get(source, accept=TEXT_PLAIN)
        if answer.status != 200:
            return False
        entity = occi.parse(answer, "entity")
        state = entity.attributes.get("occi.compute.state")  # type: ignore[attr-defined]
        if entity.kind != COMPUTE or state in ("active", "error"):  # type: ignore[attr-defined]
            return False
        offered = entity.actions or occi.model.applicable_actions(COMPUTE, entity.mixins)  # type: ignore[attr-defined]
        if state in ("inactive", "suspended"):
            if COMPUTE_ACTION + "start" not in offered:
                return False
            started = invoke(occi, source, COMPUTE_ACTION + "start")
            if started.status not in (200, 202, 204):
                return False
        occi.wait_for(source, "occi.compute.state", ["active"])
        occi.note(
            "HTTP-LINK-04",
            f"a link create answered {exchange.status} while its source compute was {state}; "
            "the suite started the compute and sent the create again",
        )
        return True

    return retry


def listing(occi: OCCISession, location: str, **params: str) -> Exchange:
    """GET a collection as text/plain (every endpoint must list locations in text)."""
    return occi.client.get(location, accept=TEXT_PLAIN, params=params or None)


def member_locations(occi: OCCISession, location: str) -> list[str]:
    """Absolute member URLs of a collection, from its text/plain listing."""
    return occi.list(location, TEXT_PLAIN)


def json_member_ids(occi: OCCISession, exchange: Exchange) -> list[str | None]:
    """occi.core.id of every entity in a JSON collection answer (J12 has no locations)."""
    if exchange.status == 204 or not exchange.body.strip():
        return []
    entities = occi.parse(exchange, "entities")
    return [e.id for e in entities]  # type: ignore[attr-defined]


def entity_id(occi: OCCISession, url: str) -> str:
    entity = occi.read(url)
    assert entity.id, f"GET {url} renders no occi.core.id"
    return entity.id


def assert_not_created(
    occi: OCCISession, location: str, before: Sequence[str], title: str, what: str
) -> None:
    """After a refused create: no new member of ``location`` carries ``title``.

    Only members that were not listed before are read, so other clients creating things at
    the same time cannot make this fail.
    """
    after = member_locations(occi, location)
    new = [url for url in after if not contains_location(before, url)]
    for url in new:
        exchange = occi.client.get(url, accept=TEXT_PLAIN)
        if exchange.status != 200:
            continue
        entity = occi.parse(exchange, "entity")
        if isinstance(entity, Entity) and entity.title == title:
            occi.created.append(url)  # it exists after all: the run must remove it
            raise AssertionError(
                f"{what} was refused, yet an entity titled {title!r} appeared at {url}: "
                "a rejected request must change nothing"
            )


def wait_gone(occi: OCCISession, url: str, timeout: float | None = None) -> int:
    """GET ``url`` until it answers 404 or 410 (deletions may lag on real clouds).

    Returns the last status.
    """
    deadline = time.monotonic() + (timeout or min(occi.config.state_timeout, 120.0))
    while True:
        status = occi.client.get(url, accept=TEXT_PLAIN).status
        if status in GONE or time.monotonic() >= deadline:
            return status
        time.sleep(occi.config.poll_interval)


def send_entity(
    occi: OCCISession, method: str, url: str, entity: Entity, media_type: str
) -> Exchange:
    return occi.send(method, url, media_type, lambda r: r.render_entity(entity))


def partial(kind: str, attributes: Mapping[str, object], mixins: Sequence[str] = ()) -> Resource:
    """A partial-update body: the kind, the mixins to add and the changed attributes."""
    return Resource(kind=kind, mixins=tuple(mixins), attributes=dict(attributes))


def invoke(
    occi: OCCISession,
    url: str,
    action: str,
    media_type: str = TEXT_PLAIN,
    parameters: Mapping[str, object] | None = None,
) -> Exchange:
    """POST ``url?action=<term>`` with the action's invocation rendering (AMB-HTTP-09)."""
    term = action.rpartition("#")[2]
    invocation = ActionInvocation(action=action, attributes=dict(parameters or {}))
    return occi.send(
        "POST",
        url,
        media_type,
        lambda r: r.render_action_invocation(invocation),
        params={"action": term},
    )


def locations_body(
    locations: Sequence[str], media_type: str
) -> tuple[list[tuple[str, str]], bytes]:
    """A location list (mixin association) in a rendering: header pairs and body."""
    if media_type == URI_LIST:
        return [], "".join(f"{loc}\r\n" for loc in locations).encode()
    rendered = rendering_for(media_type).render_locations(locations)
    return rendered.headers, rendered.body


def send_locations(
    occi: OCCISession, method: str, location: str, locations: Sequence[str], media_type: str
) -> Exchange:
    """POST/PUT/DELETE a location list to a mixin collection.

    JSON has no defined form for it (AMB-HTTP-20, AMB-JSON-04): the {"locations": [...]}
    form is tried first, then erocci's bare array; the one that worked is recorded.
    """
    accept = TEXT_PLAIN if media_type == URI_LIST else media_type
    headers, body = locations_body(locations, media_type)
    exchange = occi.client.request(
        method, location, headers=headers, body=body, content_type=media_type, accept=accept
    )
    if media_type == OCCI_JSON and exchange.status in (400, 415, 422):
        import json

        retry = occi.client.request(
            method,
            location,
            body=json.dumps(list(locations)).encode(),
            content_type=media_type,
            accept=accept,
        )
        if retry.status < 300:
            occi.note("AMB-HTTP-20", f"{method} on a mixin collection takes a bare JSON array")
            return retry
        not_applicable(
            'the endpoint accepts no JSON form of a location list ({"locations": [...]} '
            f"answered {exchange.status}, a bare array {retry.status}); J12 defines none "
            "(AMB-HTTP-20)"
        )
    if media_type == OCCI_JSON and exchange.status < 300:
        occi.note("AMB-HTTP-20", f'{method} on a mixin collection takes {{"locations": [...]}}')
    return exchange


def mixins_of(occi: OCCISession, url: str, media_type: str = TEXT_PLAIN) -> tuple[str, ...]:
    return occi.read(url, media_type).mixins


def note_status(occi: OCCISession, ambiguity: str, what: str, exchange: Exchange) -> None:
    occi.note(ambiguity, f"{what} answered {exchange.status}")


def assert_success_status(
    occi: OCCISession, exchange: Exchange, what: str, expected: int = 200
) -> None:
    """200 passes; 204 is a recorded deviation (AMB-HTTP-07); anything else fails."""
    if exchange.status == 204 and expected == 200:
        occi.note("AMB-HTTP-07", f"{what} answered 204 instead of 200")
        return
    assert exchange.status == expected, (
        f"{what} answered {exchange.status}; the spec wants {expected}: {exchange.text[:300]}"
    )


# -- user mixins (query interface, H12 §9.3–9.4) ---------------------------------------------


class UserMixins:
    """Creates user mixins for a module and deletes them at its end.

    Only mixins this object created are ever deleted.
    """

    def __init__(self, occi: OCCISession) -> None:
        self.occi = occi
        self.created: list[Mixin] = []
        self._count = 0

    def definition(self, label: str) -> Mixin:
        self._count += 1
        run = self.occi.run_id.replace("occi-conformance-", "")
        term = f"occi_conformance_{run}_{label}_{self._count}"
        scheme = f"http://occi-conformance.example.org/tags/{run}#"
        return Mixin(scheme=scheme, term=term, title=self.occi.title(label), location=f"/{term}/")

    def post(self, mixin: Mixin, media_type: str = TEXT_PLAIN) -> Exchange:
        exchange = self.occi.send("POST", "-/", media_type, lambda r: r.render_categories([mixin]))
        if exchange.status < 300:
            self.created.append(mixin)
        return exchange

    def create(self, label: str, media_type: str = TEXT_PLAIN) -> tuple[Mixin, str]:
        """A fresh user mixin and its location as the query interface advertises it.

        n/a when the endpoint does not offer user mixins (HTTP-QI-11: 501 or 403) or does not
        accept the definition; HTTP-QI-05 is where a refusal counts against the endpoint.
        """
        mixin = self.definition(label)
        exchange = self.post(mixin, media_type)
        if exchange.status in (403, 405, 501):
            not_applicable(
                f"the endpoint offers no user mixins (POST /-/ answered {exchange.status})"
            )
        if exchange.status >= 300:
            not_applicable(
                f"a user mixin could not be created (POST /-/ answered {exchange.status}; "
                "see HTTP-QI-05)"
            )
        advertised = self.lookup(mixin.id)
        if advertised is None or not advertised.location:
            not_applicable("a created user mixin does not show in /-/ with a location (HTTP-QI-05)")
        return mixin, self.occi.client.url(advertised.location)

    def lookup(self, identifier: str) -> Mixin | None:
        """The mixin as a fresh GET /-/ shows it (the session's discovery is cached)."""
        exchange = self.occi.client.get("-/", accept=TEXT_PLAIN)
        assert exchange.status == 200, f"GET /-/ answered {exchange.status}"
        for category in self.occi.parse(exchange, "categories"):  # type: ignore[attr-defined]
            if category.id == identifier and isinstance(category, Mixin):
                return category
        return None

    def delete(self, mixin: Mixin, media_type: str = TEXT_PLAIN) -> Exchange:
        short = Mixin(scheme=mixin.scheme, term=mixin.term)
        exchange = self.occi.send(
            "DELETE", "-/", media_type, lambda r: r.render_categories([short])
        )
        if exchange.status < 300 and mixin in self.created:
            self.created.remove(mixin)
        return exchange

    def cleanup(self) -> None:
        for mixin in reversed(list(self.created)):
            try:
                self.delete(mixin)
            except Exception:
                continue


def find_network(occi: OCCISession) -> str:
    """A network to link to: the first one listed, else one the run creates."""
    location = occi.require_kind(NETWORK)
    listed = member_locations(occi, location)
    if listed:
        return listed[0]
    url, _ = scaffold(occi, NETWORK, label="network")
    return url
