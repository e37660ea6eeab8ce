"""Helpers shared by the discovery, negotiation and rendering modules of the suite.

Raw wire access (the OCCI lines of a text answer, the JSON tree of a JSON answer), the OGF
identifier whitelists, the version switch, and the fixtures that create what several tests
read (a compute, a user mixin). Nothing here knows the reference server's paths.
"""

from __future__ import annotations

import contextlib
import json
import re
import uuid
from collections.abc import Iterator
from urllib.parse import urlsplit

import pytest

from conformance.client import Exchange
from conformance.outcomes import not_applicable
from conformance.session import INFRA, OCCISession
from conformance.suite._entity_helpers import running_source, scaffold
from occi_protocol import grammar
from occi_protocol.errors import ParseError
from occi_protocol.model import Mixin
from occi_protocol.rendering import OCCI_JSON, TEXT_OCCI, TEXT_PLAIN, rendering_for

CORE = "http://schemas.ogf.org/occi/core#"
ENTITY, RESOURCE, LINK = CORE + "entity", CORE + "resource", CORE + "link"
COMPUTE = INFRA + "compute"
COMPUTE_ACTION = "http://schemas.ogf.org/occi/infrastructure/compute/action#"
OGF_BASE = "http://schemas.ogf.org/occi/"

#: OCCI line names (T12 §4) as the spec spells them, by lower-case name.
SPEC_NAMES = {
    "category": "Category",
    "link": "Link",
    "x-occi-attribute": "X-OCCI-Attribute",
    "x-occi-location": "X-OCCI-Location",
}
#: Variant spellings seen in the field (rOCCI-core 5; AMB-TXT-02), mapped to the spec name.
VARIANT_NAMES = {"x-occi-category": "Category", "x-occi-link": "Link"}


# --- OGF identifiers (whitelists for CORE-CAT-03 and CORE-ATTR-02) ------------------------


def _ids(scheme: str, *terms: str) -> set[str]:
    return {scheme + t for t in terms}


_INF = "http://schemas.ogf.org/occi/infrastructure"
_PLAT = "http://schemas.ogf.org/occi/platform"
_SLA = "http://schemas.ogf.org/occi/sla#"
_CRTP_TERMS = ("small", "medium", "large", "mem_small", "mem_medium", "mem_large")
#: Identifiers OGF documents define in both versions (C12/C11, I12/I11, P12, S12, CRTP).
OGF_CATEGORIES_BOTH = (
    _ids(CORE, "entity", "resource", "link")
    | _ids(_INF + "#", "compute", "storage", "network", "networkinterface", "storagelink")
    | _ids(_INF + "#", "os_tpl", "resource_tpl")
    | _ids(_INF + "/network#", "ipnetwork")
    | _ids(_INF + "/networkinterface#", "ipnetworkinterface")
    | _ids(_INF + "/compute/action#", "start", "stop", "restart", "suspend")
    | _ids(_INF + "/network/action#", "up", "down")
    | _ids(_INF + "/storage/action#", "online", "offline")
    | _ids(_PLAT + "#", "application", "component", "componentlink", "app_tpl", "res_tpl")
    | _ids(_PLAT + "#", "database", "databaselink")
    | _ids(_PLAT + "/application/action#", "start", "stop")
    | _ids(_PLAT + "/component/action#", "start", "stop")
    | _ids(_SLA, "agreement", "agreement_link", "agreement_tpl", "agreement_term")
    | _ids(_SLA, "accept", "reject", "suspend", "resume", "terminate")
    | _ids(_INF + "/compute/template/1.1#", *_CRTP_TERMS)
    | _ids(_INF + "/compute/template/1.0#", *_CRTP_TERMS)
)
OGF_CATEGORIES_12_ONLY = (
    _ids(_INF + "/compute/action#", "save")
    | _ids(_INF + "/credentials#", "ssh_key")
    | _ids(_INF + "/compute#", "user_data")
)
OGF_CATEGORIES_11_ONLY = _ids(_INF + "/storage/action#", "backup", "snapshot", "resize") | _ids(
    _INF + "/network#", "ipnetworking"
)
#: Link actions rOCCI and the J12 examples use but no OGF document defines (AMB-INFRA-01).
OGF_DE_FACTO = _ids(_INF + "/networkinterface/action#", "up", "down") | _ids(
    _INF + "/storagelink/action#", "online", "offline"
)


def _names(prefix: str, *rest: str) -> set[str]:
    return {f"occi.{prefix}.{r}" for r in rest}


OGF_ATTRIBUTES_BOTH = (
    _names("core", "id", "title", "summary", "source", "target")
    | _names("compute", "architecture", "cores", "hostname", "memory", "state")
    | _names("compute", "ephemeral_storage.size", "ephemeral_storage.deviceid")  # CRTP
    | _names("network", "vlan", "label", "state", "address", "gateway", "allocation")
    | _names("networkinterface", "interface", "mac", "state", "address", "gateway", "allocation")
    | _names("storage", "size", "state")
    | _names("storagelink", "deviceid", "mountpoint", "state")
    | _names("app", "name", "context", "url", "state", "state.message")
    | _names("component", "state", "state.message")
    | _names("database", "version", "uri", "username", "token")
    | _names("agreement", "state", "agreedAt", "effectiveFrom", "effectiveUntil")
)
OGF_ATTRIBUTES_12_ONLY = (
    _names("core", "source.kind", "target.kind")
    | _names("compute", "share", "state.message", "userdata")
    | _names("network", "state.message")
    | _names("networkinterface", "state.message")
    | _names("storage", "state.message")
    | _names("storagelink", "state.message")
    | _names("credentials", "ssh.publickey")
)
OGF_ATTRIBUTES_11_ONLY = _names("compute", "speed")


# --- versions and soft outcomes -----------------------------------------------------------


def version(occi: OCCISession) -> str:
    """The OCCI version under test: configured, else the highest the Server header names."""
    return occi.occi_version


def require_version(occi: OCCISession, wanted: str) -> None:
    """n/a unless the endpoint is tested as OCCI ``wanted``."""
    if version(occi) != wanted:
        not_applicable(f"the requirement is specific to OCCI {wanted}; testing {version(occi)}")


def soft_warning(occi: OCCISession, ambiguity: str, message: str) -> None:
    """A deviation the catalogue policy reports as a warning inside a MUST entry: the test
    goes on and, if nothing fails, ends as warn."""
    occi.warn(ambiguity, message)


# --- raw text lines -----------------------------------------------------------------------


def occi_lines(exchange: Exchange, media_type: str | None = None) -> list[tuple[str, str]]:
    """The OCCI lines of a text answer as ``(name as sent, value)``.

    text/plain: every non-blank body line split at the first ":" (a line without one is kept
    with an empty value so the caller can complain); text/occi: the response headers whose
    name is an OCCI name or a known variant.
    """
    media_type = media_type or exchange.media_type
    if media_type == TEXT_OCCI:
        wanted = SPEC_NAMES.keys() | VARIANT_NAMES.keys()
        return [(n, v.strip()) for n, v in exchange.headers if n.lower() in wanted]
    lines = []
    for raw in exchange.text.split("\n"):
        line = raw.removesuffix("\r")
        if not line.strip():
            continue
        name, _, value = line.partition(":")
        lines.append((name, value.strip()))
    return lines


def items(lines: list[tuple[str, str]], name: str) -> list[str]:
    """The comma-list elements of every line called ``name`` (case-insensitive, variants
    included); repeated lines and comma lists are the same thing (T12 §7)."""
    out: list[str] = []
    for line_name, value in lines:
        canonical = SPEC_NAMES.get(line_name.lower()) or VARIANT_NAMES.get(line_name.lower())
        if canonical == name:
            out.extend(grammar.split_list(value, angle=name == "Link"))
    return out


def category_params(value: str) -> tuple[str, dict[str, str], list[str]]:
    """A raw Category value as ``(term, {param: raw value}, parameter order)``."""
    parts = grammar.split_params(value)
    params: dict[str, str] = {}
    order = []
    for part in parts[1:]:
        name, _, raw = part.partition("=")
        params[name.strip()] = raw.strip()
        order.append(name.strip())
    return parts[0], params, order


def text_get(occi: OCCISession, location: str, media_type: str) -> Exchange:
    exchange = occi.client.get(location, accept=media_type)
    assert exchange.status == 200, (
        f"GET {location} with Accept: {media_type} answered {exchange.status}, not 200"
    )
    return exchange


def qi_category_values(occi: OCCISession, media_type: str) -> list[str]:
    """The raw Category values of the query interface in a text rendering."""
    exchange = text_get(occi, "-/", media_type)
    assert exchange.media_type in (media_type, "text/occi+plain"), (
        f"GET /-/ with Accept: {media_type} came back as {exchange.media_type!r}"
    )
    values = items(occi_lines(exchange, media_type), "Category")
    assert values, f"the {media_type} query interface answer holds no Category at all"
    return values


def parse_category(value: str):
    try:
        return grammar.parse_category_value(value)
    except ParseError as exc:
        raise AssertionError(f"Category value does not follow T12 §4.1: {exc}\n  {value}") from None


# --- JSON ---------------------------------------------------------------------------------


def json_tree(exchange: Exchange) -> object:
    """The JSON document of an answer; a body that is not JSON is the endpoint's failure."""
    try:
        return json.loads(exchange.body)
    except ValueError as exc:
        raise AssertionError(
            f"the {exchange.media_type} answer to {exchange.method} {exchange.url} is not JSON:"
            f" {exc}; body starts {exchange.text[:200]!r}"
        ) from None


def json_qi(occi: OCCISession) -> dict:
    occi.require_rendering(OCCI_JSON)
    exchange = occi.client.get("-/", accept=OCCI_JSON)
    assert exchange.status == 200, f"GET /-/ as JSON answered {exchange.status}"
    tree = json_tree(exchange)
    assert isinstance(tree, dict), (
        f"the JSON query interface is a {type(tree).__name__}, not an object"
    )
    return tree


def json_categories(tree: dict, key: str) -> list[dict]:
    value = tree.get(key, [])
    assert isinstance(value, list), f'"{key}" in the JSON query interface is not an array'
    for i, item in enumerate(value):
        assert isinstance(item, dict), f'"{key}"[{i}] is a {type(item).__name__}, not an object'
    return value


# --- entities -----------------------------------------------------------------------------


def path_of(url: str) -> str:
    """The path (plus query) of an absolute URL, as a reference to send back to the server."""
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def existing_or_new(occi: OCCISession, kind: str = COMPUTE) -> str:
    """An entity of ``kind`` to read: one already listed, else (destructive runs) a new one."""
    location = occi.require_kind(kind)
    members = occi.list(location)
    if members:
        return members[0]
    if not occi.config.destructive:
        not_applicable(f"no {kind} exists to read and the run is read-only (needs --destructive)")
    url, _ = scaffold(occi, kind)
    return url


def shared_compute(occi: OCCISession) -> str:
    """One compute created by the run and shared by read-only checks (never acted upon)."""
    cache = occi.__dict__.setdefault("_wire_cache", {})
    if "compute" not in cache:
        cache["compute"], _ = scaffold(occi, COMPUTE, label="shared")
    return cache["compute"]


def unique(label: str) -> str:
    return f"{label}{uuid.uuid4().hex[:8]}"


# --- user mixins --------------------------------------------------------------------------


class UserMixins:
    """Defines user mixins (H12 §9.3) and removes them again (H12 §9.4)."""

    def __init__(self, occi: OCCISession) -> None:
        self.occi = occi
        self.defined: list[Mixin] = []

    def new(self, title: str = "occi-conformance tag", term: str | None = None) -> Mixin:
        term = term or unique("tag")
        scheme = f"http://occi-conformance.example.org/{self.occi.run_id}/tags#"
        return Mixin(scheme=scheme, term=term, title=title, location=f"/{self.occi.run_id}-{term}/")

    def post(self, mixin: Mixin, media_type: str = TEXT_PLAIN) -> Exchange:
        exchange = self.occi.send("POST", "-/", media_type, lambda r: r.render_categories([mixin]))
        if 200 <= exchange.status < 300:
            self.defined.append(mixin)
        return exchange

    def define(self, title: str = "occi-conformance tag", media_type: str = TEXT_PLAIN) -> Mixin:
        """A new user mixin, or n/a when the endpoint refuses user mixins (HTTP-QI-11)."""
        mixin = self.new(title)
        exchange = self.post(mixin, media_type)
        if exchange.status in (403, 405, 501):
            self.occi.note("HTTP-QI-11", f"POST of a user mixin to /-/ answered {exchange.status}")
            not_applicable(f"the endpoint refuses user mixins ({exchange.status})")
        assert 200 <= exchange.status < 300, (
            f"POST of a user mixin to /-/ answered {exchange.status}: {exchange.text[:300]}"
        )
        return mixin

    def location(self, mixin: Mixin) -> str:
        """The mixin's location as the query interface now advertises it."""
        exchange = self.occi.client.get("-/", accept=TEXT_PLAIN)
        for category in self.occi.parse(exchange, "categories"):  # type: ignore[union-attr]
            if category.id == mixin.id:
                location = getattr(category, "location", None)
                assert location, f"user mixin {mixin.id} is advertised without a location"
                return location
        raise AssertionError(f"user mixin {mixin.id} is not in the query interface after its POST")

    def delete(self, mixin: Mixin) -> Exchange:
        rendered = rendering_for(TEXT_OCCI).render_categories([mixin])
        exchange = self.occi.client.request(
            "DELETE", "-/", headers=rendered.headers, accept=TEXT_PLAIN, content_type=TEXT_OCCI
        )
        if exchange.status in (200, 204) and mixin in self.defined:
            self.defined.remove(mixin)
        return exchange

    def cleanup(self) -> None:
        for mixin in list(self.defined):
            with contextlib.suppress(Exception):  # cleanup must go on
                self.delete(mixin)


@pytest.fixture(scope="module", name="user_mixins")
def user_mixins_fixture(occi: OCCISession) -> Iterator[UserMixins]:
    """Import as ``user_mixins_fixture``; tests ask for ``user_mixins``."""
    helper = UserMixins(occi)
    yield helper
    helper.cleanup()


NUMBER_RE = re.compile(r"[0-9]+(?:\.[0-9]*)?")


# --- links ----------------------------------------------------------------------------------

NETWORK = INFRA + "network"
STORAGE = INFRA + "storage"
NETWORKINTERFACE = INFRA + "networkinterface"
STORAGELINK = INFRA + "storagelink"


def shared_links(occi: OCCISession) -> dict[str, str]:
    """A compute owning a storagelink and a networkinterface (each n/a-checked), created once.

    Keys: compute, storage, storagelink, network, networkinterface (the latter four only
    when the endpoint offers the kinds).
    """
    cache = occi.__dict__.setdefault("_wire_cache", {})
    if "links" in cache:
        return cache["links"]
    made: dict[str, str] = {}
    made["compute"], _ = scaffold(occi, COMPUTE, label="links")
    source = path_of(made["compute"])
    running = running_source(occi, made["compute"])
    if occi.model.kind(STORAGE) and occi.model.kind(STORAGELINK):
        made["storage"], _ = scaffold(occi, STORAGE, {"occi.storage.size": 1.0}, label="links")
        made["storagelink"], _ = occi.create(
            STORAGELINK,
            {
                "occi.core.source": source,
                "occi.core.target": path_of(made["storage"]),
                "occi.storagelink.deviceid": "/dev/vdb",
            },
            label="links",
            setup=True,
            retry=running,
        )
    if occi.model.kind(NETWORK) and occi.model.kind(NETWORKINTERFACE):
        made["network"], _ = scaffold(occi, NETWORK, label="links")
        made["networkinterface"], _ = occi.create(
            NETWORKINTERFACE,
            {
                "occi.core.source": source,
                "occi.core.target": path_of(made["network"]),
                **nic_attributes(occi, "eth0", "52:54:00:0c:c1:01"),
            },
            label="links",
            setup=True,
            retry=running,
        )
    cache["links"] = made
    return made


def require_link(occi: OCCISession, links: dict[str, str], key: str) -> str:
    if key not in links:
        not_applicable(f"the endpoint does not offer the kinds needed for a {key}")
    return links[key]


def nic_attributes(occi: OCCISession, interface: str, mac: str) -> dict[str, object]:
    """The networkinterface attributes a client may send: mac (mutable, I12), and interface
    only where the query interface lets clients set it (I12 marks it immutable)."""
    values: dict[str, object] = {"occi.networkinterface.mac": mac}
    definition = occi.model.attribute_definitions(NETWORKINTERFACE).get(
        "occi.networkinterface.interface"
    )
    if definition is not None and definition.mutable:
        values["occi.networkinterface.interface"] = interface
    return values
