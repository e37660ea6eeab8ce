"""Shared helpers of the Infrastructure, CRTP, EGI and 1.1 suite modules (not a test module).

Everything here is black-box: kinds, mixins and actions come from the query interface,
entity URLs from the server's answers. The spec's own tables (I12/I11, digest §1.5) are the
yardstick, version-aware (digest §3, D23–D29).
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterable, Mapping, Sequence
from urllib.parse import urlsplit

from conformance.client import Exchange
from conformance.outcomes import not_applicable
from conformance.session import OCCISession
from conformance.suite._entity_helpers import running_source, scaffold
from occi_protocol.definitions import infrastructure as infra
from occi_protocol.model import (
    ActionInvocation,
    Attribute,
    Category,
    Entity,
    Kind,
    Link,
    Mixin,
    Model,
    Resource,
)
from occi_protocol.rendering import OCCI_JSON, TEXT_OCCI, TEXT_PLAIN, Rendering

INFRA = infra.INFRA
COMPUTE = infra.COMPUTE
STORAGE = infra.STORAGE
NETWORK = infra.NETWORK
NETWORKINTERFACE = infra.NETWORKINTERFACE
STORAGELINK = infra.STORAGELINK
OS_TPL = infra.OS_TPL
RESOURCE_TPL = infra.RESOURCE_TPL
IPNETWORK = infra.IPNETWORK
IPNETWORKING_11 = "http://schemas.ogf.org/occi/infrastructure/network#ipnetworking"
IPNETWORKINTERFACE = infra.IPNETWORKINTERFACE
SSH_KEY = infra.SSH_KEY
USER_DATA = infra.USER_DATA
C_ACT = infra.COMPUTE_ACTION
N_ACT = infra.NETWORK_ACTION
S_ACT = infra.STORAGE_ACTION

#: The state attribute of each kind.
STATE = {
    COMPUTE: "occi.compute.state",
    STORAGE: "occi.storage.state",
    NETWORK: "occi.network.state",
    NETWORKINTERFACE: "occi.networkinterface.state",
    STORAGELINK: "occi.storagelink.state",
}

#: State enumerations per version (I12 tables 2, 4, 7, 9, 11; I11: no error, storage extras).
STATE_VALUES: Mapping[str, Mapping[str, frozenset[str]]] = {
    "1.2": {
        COMPUTE: frozenset({"active", "inactive", "suspended", "error"}),
        STORAGE: frozenset({"online", "offline", "error"}),
        NETWORK: frozenset({"active", "inactive", "error"}),
        NETWORKINTERFACE: frozenset({"active", "inactive", "error"}),
        STORAGELINK: frozenset({"active", "inactive", "error"}),
    },
    "1.1": {
        COMPUTE: frozenset({"active", "inactive", "suspended"}),
        STORAGE: frozenset({"online", "offline", "backup", "snapshot", "resize", "degraded"}),
        NETWORK: frozenset({"active", "inactive"}),
        NETWORKINTERFACE: frozenset({"active", "inactive"}),
        STORAGELINK: frozenset({"active", "inactive"}),
    },
}
#: Values outside the version's enum that the digest's policies tolerate (noted, not failed):
#: 1.1 storage leftovers in 1.2 servers (AMB-INFRA-02), rOCCI's transient "waiting"
#: (AMB-INFRA-03), and "error" seen from a 1.1 server that also speaks 1.2.
TOLERATED_STATES: Mapping[str, frozenset[str]] = {
    COMPUTE: frozenset({"waiting", "error"}),
    STORAGE: frozenset({"backup", "snapshot", "resize", "degraded", "waiting", "error"}),
    NETWORK: frozenset({"waiting", "error"}),
    NETWORKINTERFACE: frozenset({"waiting", "error"}),
    STORAGELINK: frozenset({"waiting", "error"}),
}

#: Compute action parameters (I12 table 3 / I11 table 3).
METHODS = {
    C_ACT + "stop": ("graceful", "acpioff", "poweroff"),
    C_ACT + "restart": ("graceful", "warm", "cold"),
    C_ACT + "suspend": ("hibernate", "suspend"),
    C_ACT + "save": ("hot", "deferred"),
}
#: The method the suite sends with each action (AMB-INFRA-10: always explicit).
SENT_METHOD = {
    C_ACT + "stop": "poweroff",
    C_ACT + "restart": "cold",
    C_ACT + "suspend": "suspend",
    C_ACT + "save": "hot",
}

SUCCESS = (200, 201, 202, 204)
DELETED = (200, 202, 204)
GONE = (404, 410)


# -- versions -------------------------------------------------------------------------------


def speaks_11(occi: OCCISession) -> bool:
    """The endpoint speaks OCCI 1.1: configured so, or (auto) its Server header says OCCI/1.1."""
    if occi.config.occi_version != "auto":
        return occi.config.occi_version == "1.1"
    return "1.1" in occi.discovery.server_versions


def require_11(occi: OCCISession) -> None:
    if not speaks_11(occi):
        versions = ", ".join(occi.discovery.server_versions) or "no OCCI token"
        not_applicable(
            "1.1-only behaviour; the endpoint does not speak OCCI 1.1 "
            f"(Server header: {versions}; configured occi_version: {occi.config.occi_version})"
        )


def require_12(occi: OCCISession) -> None:
    if occi.occi_version != "1.2":
        not_applicable(f"1.2-only requirement; the endpoint is tested as OCCI {occi.occi_version}")


def version(occi: OCCISession) -> str:
    """The version whose rules apply to "both" requirements (1.2 wins when both are spoken)."""
    return occi.occi_version


# -- model ----------------------------------------------------------------------------------

_JSON_MODELS: dict[int, Model | None] = {}


def json_model(occi: OCCISession) -> Model | None:
    """The query interface in JSON (types, enums, applies, defaults), or None without JSON."""
    key = id(occi)
    if key not in _JSON_MODELS:
        model = None
        if occi.supports(OCCI_JSON):
            exchange = occi.client.get("-/", accept=OCCI_JSON)
            assert exchange.status == 200, f"GET /-/ in JSON answered {exchange.status}"
            model = Model(occi.parse(exchange, "categories"))  # type: ignore[arg-type]
        _JSON_MODELS[key] = model
    return _JSON_MODELS[key]


def require_json_model(occi: OCCISession, why: str) -> Model:
    model = json_model(occi)
    if model is None:
        not_applicable(f"the endpoint serves no JSON query interface, needed for {why}")
    assert model is not None
    return model


def kind(occi: OCCISession, kind_id: str) -> Kind:
    found = occi.model.kind(kind_id)
    if found is None:
        not_applicable(f"the endpoint does not offer the kind {kind_id}")
    assert found is not None
    return found


def mixin(occi: OCCISession, mixin_id: str) -> Mixin:
    found = occi.model.mixin(mixin_id)
    if found is None:
        not_applicable(f"the endpoint does not offer the mixin {mixin_id}")
    assert found is not None
    return found


def attribute_names(category: Category) -> set[str]:
    return {a.name for a in category.attributes}


def json_attribute(occi: OCCISession, category_id: str, name: str) -> Attribute | None:
    model = json_model(occi)
    category = model.get(category_id) if model is not None else None
    return category.attribute(name) if category is not None else None


def templates(occi: OCCISession, family: str) -> list[Mixin]:
    """Provider templates of a family: mixins depending on it, by JSON depends where the
    endpoint serves JSON (text rel carries only the first depends, TEXT-CAT-06)."""
    found = {m.id: m for m in occi.templates(family)}  # type: ignore[misc]
    model = json_model(occi)
    if model is not None:
        for m in model.mixins:
            if family in m.depends and m.id not in found:
                found[m.id] = occi.model.mixin(m.id) or m
    return list(found.values())


def template_defaults(occi: OCCISession, template_id: str) -> dict[str, object]:
    """The defaults a template advertises (JSON only; text has no form for them)."""
    model = json_model(occi)
    category = model.get(template_id) if model is not None else None
    if category is None:
        return {}
    return {a.name: a.default for a in category.attributes if a.default is not None}


# -- entities -------------------------------------------------------------------------------


def ref(url: str) -> str:
    """How the suite names an entity in a request: its absolute path (with query), which is
    how servers write their own locations and what every peer accepts."""
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def read(occi: OCCISession, url: str, media_type: str = TEXT_PLAIN) -> Entity:
    return occi.read(url, media_type)


def state_of(entity: Entity, kind_id: str) -> object:
    return entity.attributes.get(STATE[kind_id])


def check_state_value(occi: OCCISession, kind_id: str, value: object, where: str) -> None:
    """Assert a state value belongs to the version's enum (tolerated extras are noted)."""
    attr = STATE[kind_id]
    allowed = STATE_VALUES[version(occi)][kind_id]
    assert value is not None, f"{where} has no {attr} (multiplicity 1: always present)"
    assert isinstance(value, str), f"{where}: {attr} is {value!r}, not an enumeration string"
    if value in allowed:
        return
    assert value in TOLERATED_STATES[kind_id], (
        f"{where}: {attr}={value!r} is not in the OCCI {version(occi)} enumeration "
        f"{sorted(allowed)}"
    )
    ambiguity = "AMB-INFRA-03" if value == "waiting" else "AMB-INFRA-02"
    warn(occi, ambiguity, f"{attr} took the value {value!r}, outside the {version(occi)} enum")


def create(
    occi: OCCISession,
    kind_id: str,
    attributes: Mapping[str, object] | None = None,
    mixins: Sequence[str] = (),
    media_type: str = TEXT_PLAIN,
    setup: bool = False,
) -> str:
    """Create an entity of an infrastructure kind the way its kind needs (storage size).

    ``setup``: the test only needs it to work with, so the attributes the query interface
    marks required are sent too and a refusal with 405/501 makes the test n/a.
    """
    values = dict(attributes or {})
    if kind_id == STORAGE:
        values.setdefault("occi.storage.size", 1.0)
    if setup:
        url, _ = scaffold(occi, kind_id, values, mixins, media_type)
    elif kind_id == COMPUTE:
        url, _ = occi.create_compute(media_type, attributes=values, mixins=list(mixins))
    else:
        url, _ = occi.create(kind_id, attributes=values, mixins=mixins, media_type=media_type)
    return url


def try_create(
    occi: OCCISession,
    kind_id: str,
    attributes: Mapping[str, object],
    mixins: Sequence[str] = (),
    media_type: str = TEXT_PLAIN,
) -> Exchange:
    """POST a creation request that may legitimately be refused; a success is registered
    for clean-up like any creation of the run."""
    location = occi.require_kind(kind_id)
    values = {"occi.core.title": occi.title(), **attributes}
    cls = Link if occi.model.is_link_kind(kind_id) else Resource
    entity = cls(kind=kind_id, mixins=tuple(mixins), attributes=values)
    exchange = occi.send("POST", location, media_type, lambda r: r.render_entity(entity))
    if exchange.status in (200, 201):
        with contextlib.suppress(AssertionError):
            occi.created.append(occi.location_of(exchange))
    return exchange


def create_link(
    occi: OCCISession,
    kind_id: str,
    source: str,
    target: str,
    attributes: Mapping[str, object] | None = None,
    mixins: Sequence[str] = (),
    target_kind: str | None = None,
) -> str:
    """Create a link between two of the run's resources on its own (HTTP-LINK-04).

    The spec gives networkinterface.interface and .mac multiplicity 1, but whether the client
    or the server supplies them is unsaid (AMB-CORE-01); the suite first leaves server-side
    values out and supplies them only when the server asks for them.
    """
    values: dict[str, object] = {"occi.core.source": ref(source), "occi.core.target": ref(target)}
    definition = occi.model.attribute_definitions(kind_id).get("occi.core.target.kind")
    if target_kind and definition is not None and definition.mutable:
        # 1.2 only (D12), and only where the query interface lets clients set it.
        values["occi.core.target.kind"] = target_kind
    values.update(attributes or {})
    exchange = try_create(occi, kind_id, values, mixins)
    if exchange.status not in (200, 201) and running_source(occi, source)(exchange):
        exchange = try_create(occi, kind_id, values, mixins)
    if exchange.status in (200, 201):
        return occi.location_of(exchange)
    # Only a 400/422 can mean "interface and mac missing"; a 403 or 409 is about something
    # else, and sending two more attributes would only hide it.
    if kind_id == NETWORKINTERFACE and exchange.status in (400, 422):
        values.setdefault("occi.networkinterface.interface", "eth1")
        values.setdefault("occi.networkinterface.mac", "02:00:0a:00:00:2a")
        retry = try_create(occi, kind_id, values, mixins)
        if retry.status in (200, 201):
            occi.note(
                "AMB-CORE-01",
                f"networkinterface creation without interface/mac answered {exchange.status}; "
                "the server wants the client to supply them",
            )
            return occi.location_of(retry)
        exchange = retry
    raise AssertionError(
        f"creating a {kind_id} from {ref(source)} to {ref(target)} answered "
        f"{exchange.status}, not 201 or 200: {exchange.text[:300]}"
    )


def partial_update(
    occi: OCCISession,
    url: str,
    kind_id: str,
    attributes: Mapping[str, object] | None = None,
    mixins: Sequence[str] = (),
    media_type: str = TEXT_PLAIN,
) -> Exchange:
    """POST to an entity (no action): a partial update (H12 §10.4) carrying only the given
    attributes and mixins."""
    cls = Link if occi.model.is_link_kind(kind_id) else Resource
    entity = cls(kind=kind_id, mixins=tuple(mixins), attributes=dict(attributes or {}))
    return occi.send("POST", url, media_type, lambda r: r.render_entity(entity))


# -- actions --------------------------------------------------------------------------------


def trigger(
    occi: OCCISession,
    url: str,
    action_id: str,
    parameters: Mapping[str, object] | None = None,
    media_type: str = TEXT_PLAIN,
) -> Exchange:
    """POST url?action=term with the action invocation (the category is always sent,
    AMB-HTTP-09; method too where the action has one, AMB-INFRA-10)."""
    params = dict(parameters or {})
    if action_id in SENT_METHOD and "method" not in params:
        params["method"] = SENT_METHOD[action_id]
    invocation = ActionInvocation(action=action_id, attributes=params)
    term = action_id.rpartition("#")[2]

    def render(r: Rendering) -> object:
        return r.render_action_invocation(invocation)

    return occi.send("POST", url, media_type, render, params={"action": term})


def check_action_answer(occi: OCCISession, exchange: Exchange, what: str) -> None:
    """200 passes; 202 (asynchronous) and 204 (AMB-HTTP-07) are recorded deviations."""
    assert exchange.status in SUCCESS and exchange.status != 201, (
        f"{what} answered {exchange.status}, not 200: {exchange.text[:300]}"
    )
    if exchange.status != 200:
        occi.note("AMB-HTTP-07", f"{what} answered {exchange.status} instead of 200")


def wait_state(
    occi: OCCISession, url: str, kind_id: str, wanted: Iterable[str], why: str
) -> Entity:
    """Poll until the state is one of ``wanted``; "error" ends the wait as a failure."""
    wanted = list(wanted)
    entity = occi.wait_for(url, STATE[kind_id], [*wanted, "error"])
    state = state_of(entity, kind_id)
    assert state in wanted, f"{why}: {STATE[kind_id]} became {state!r}, not {' or '.join(wanted)}"
    return entity


def settle(occi: OCCISession, url: str, kind_id: str, stable: Iterable[str]) -> str:
    """Wait for a fresh entity to leave transient states (pending, waiting …) and return the
    stable state it reached (AMB-INFRA-08: any initial state is accepted)."""
    entity = wait_state(occi, url, kind_id, stable, f"the new {kind_id.rpartition('#')[2]}")
    return str(state_of(entity, kind_id))


def drive(
    occi: OCCISession,
    url: str,
    kind_id: str,
    action_id: str,
    wanted: str,
    parameters: Mapping[str, object] | None = None,
) -> Entity:
    """Trigger an action and poll until the state it leads to."""
    term = action_id.rpartition("#")[2]
    exchange = trigger(occi, url, action_id, parameters)
    check_action_answer(occi, exchange, f"POST ?action={term}")
    return wait_state(occi, url, kind_id, [wanted], f"after {term}")


def check_conflict(
    occi: OCCISession, exchange: Exchange, what: str, ambiguity: str = "AMB-HTTP-08"
) -> None:
    """An action not allowed in the current state: 400 or 409, or a 200 no-op."""
    assert exchange.status in (200, 202, 204, 400, 409), (
        f"{what} (not allowed in the current state) answered {exchange.status}; "
        "expected 400 or 409, or 200 as a no-op (AMB-HTTP-08)"
    )
    occi.note(ambiguity, f"{what} answered {exchange.status}")


def bring_to(occi: OCCISession, url: str, wanted: str) -> None:
    """Bring a compute to active or inactive from whatever stable state it is in."""
    state = settle(occi, url, COMPUTE, ["active", "inactive", "suspended"])
    if state == wanted:
        return
    if wanted == "active":
        drive(occi, url, COMPUTE, C_ACT + "start", "active")
    elif state == "active":
        drive(occi, url, COMPUTE, C_ACT + "stop", "inactive")
    else:  # suspended -> active -> inactive
        drive(occi, url, COMPUTE, C_ACT + "start", "active")
        drive(occi, url, COMPUTE, C_ACT + "stop", "inactive")


def wait_gone(occi: OCCISession, url: str, timeout: float | None = None) -> int:
    """Poll GET until the entity is gone (404/410); returns the last status."""
    deadline = time.monotonic() + (timeout or occi.config.state_timeout)
    while True:
        status = occi.client.get(url, accept=TEXT_PLAIN).status
        if status in GONE or time.monotonic() >= deadline:
            return status
        time.sleep(occi.config.poll_interval)


def mixins_of_family(occi: OCCISession, entity: Entity, family: str) -> list[str]:
    ids = {m.id for m in templates(occi, family)}
    return [m for m in entity.mixins if m in ids]


def delete_category(occi: OCCISession, category_id: str) -> Exchange:
    """Remove a mixin the run made (a saved template) from the query interface."""
    scheme, _, term = category_id.rpartition("#")
    line = f'{term};scheme="{scheme}#";class="mixin"'
    return occi.client.request(
        "DELETE", "-/", headers=[("Category", line)], content_type=TEXT_OCCI, accept=TEXT_PLAIN
    )


TAG_SCHEME = "http://occi-conformance.example.org/tags#"


def define_user_mixin(occi: OCCISession, label: str) -> Mixin | None:
    """Define a user mixin of the run (POST /-/); None when the endpoint refuses user mixins.

    The location sits below the endpoint's path; the advertised one is read back from the
    query interface, since servers may pick their own.
    """
    term = f"{label}-{occi.run_id.rpartition('-')[2]}"
    base = urlsplit(occi.client.endpoint).path.rstrip("/")
    line = f'{term};scheme="{TAG_SCHEME}";class="mixin";location="{base}/occi-conformance-{term}/"'
    exchange = occi.client.request(
        "POST", "-/", headers=[("Category", line)], content_type=TEXT_OCCI, accept=TEXT_PLAIN
    )
    if exchange.status not in (200, 201, 204):
        occi.note("HTTP-QI-05", f"defining a user mixin answered {exchange.status}")
        return None
    listed = occi.parse(occi.client.get("-/", accept=TEXT_PLAIN), "categories")
    for category in listed:  # type: ignore[attr-defined]
        if category.id == TAG_SCHEME + term and isinstance(category, Mixin):
            return category
    raise AssertionError(f"the user mixin {TAG_SCHEME + term} is not in the query interface")


def require_user_mixin(occi: OCCISession, label: str) -> Mixin:
    found = define_user_mixin(occi, label)
    if found is None:
        not_applicable("the endpoint does not accept user-defined mixins")
    assert found is not None and found.location, "the user mixin is advertised without location"
    return found


def tag_request(occi: OCCISession, method: str, mixin_: Mixin, urls: Sequence[str]) -> Exchange:
    """POST (associate) or DELETE (dissociate) entity locations on a mixin collection."""
    assert mixin_.location
    return occi.client.request(
        method,
        mixin_.location,
        headers=[("X-OCCI-Location", ", ".join(urls))],
        content_type=TEXT_OCCI,
        accept=TEXT_PLAIN,
    )


def warn(occi: OCCISession, ambiguity: str, message: str) -> None:
    """A deviation the catalogue policy reports as a warning inside a MUST entry: the test
    goes on and, if nothing fails, ends as warn."""
    occi.warn(ambiguity, message)
