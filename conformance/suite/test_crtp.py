"""The Compute Resource Templates Profile (CRTP 1.1; digest §3, the paragraph after D32).

A CRTP endpoint offers resource templates small, medium and large (1/2/4 cores, 1/2/4 GiB
memory, 10/20/40 GiB ephemeral disk), optionally mem_small/medium/large, with the scheme
http://schemas.ogf.org/occi/infrastructure/compute/template/1.1#, and says so with an
``OCCI-CRTP/1.1`` (1.2) or ``OCCI-CRTP/1.0`` (1.1) Server token. Endpoints that advertise no
CRTP template are n/a throughout.
"""

from __future__ import annotations

import re

import pytest

from conformance.outcomes import not_applicable
from conformance.session import OCCISession
from conformance.suite import _infra as inf
from conformance.suite._infra import COMPUTE, RESOURCE_TPL
from occi_protocol.definitions.templates import CRTP_SCHEME, EPHEMERAL_SIZE
from occi_protocol.model import Mixin

requirement = pytest.mark.requirement

SIZES = {"small": (1, 1.0, 10.0), "medium": (2, 2.0, 20.0), "large": (4, 4.0, 40.0)}
MEMORY_HEAVY = ("mem_small", "mem_medium", "mem_large")
EPHEMERAL_DEVICE = "occi.compute.ephemeral_storage.deviceid"
_CRTP_TOKEN = re.compile(r"OCCI-CRTP/([0-9]+\.[0-9]+)")


def crtp_templates(occi: OCCISession) -> dict[str, Mixin]:
    """The CRTP templates the endpoint advertises, by term; n/a when there are none.

    A template counts when it uses the CRTP scheme, or when it is a resource template named
    small, medium or large on an endpoint whose Server header carries an OCCI-CRTP token
    (rOCCI-server's scheme is the CRTP one; others may use their own, CRTP-02 records it).
    """
    server = occi.discovery.exchange.header("server") or ""
    claims = bool(_CRTP_TOKEN.search(server))
    found: dict[str, Mixin] = {}
    for mixin in occi.model.mixins:
        named = mixin.term in SIZES or mixin.term in MEMORY_HEAVY
        if mixin.scheme == CRTP_SCHEME or (claims and named and RESOURCE_TPL in mixin.depends):
            found.setdefault(mixin.term, mixin)
    if not found:
        not_applicable("the endpoint advertises no CRTP resource template")
    return found


@requirement("CRTP-01")
def test_crtp_compute_and_resource_tpl(occi: OCCISession) -> None:
    crtp_templates(occi)
    assert occi.model.kind(COMPUTE) is not None, "a CRTP endpoint lacks infrastructure#compute"
    assert occi.model.mixin(RESOURCE_TPL) is not None, (
        "a CRTP endpoint lacks infrastructure#resource_tpl"
    )


@requirement("CRTP-02")
def test_crtp_small_medium_large(occi: OCCISession) -> None:
    found = crtp_templates(occi)
    missing = [t for t in SIZES if t not in found]
    assert not missing, f"the CRTP templates {missing} are not offered"
    families = {m.id for m in inf.templates(occi, RESOURCE_TPL)}
    for term in SIZES:
        assert found[term].id in families, (
            f"CRTP template {found[term].id} does not depend on infrastructure#resource_tpl"
        )
        if found[term].scheme != CRTP_SCHEME:
            occi.note("CRTP-02", f"template {term} uses the scheme {found[term].scheme}")


@requirement("CRTP-03")
def test_crtp_template_sizes(occi: OCCISession) -> None:
    found = crtp_templates(occi)
    inf.require_json_model(occi, "the template defaults")
    checked = 0
    for term, (cores, memory, ephemeral) in SIZES.items():
        if term not in found:
            continue
        defaults = inf.template_defaults(occi, found[term].id)
        expected = {
            "occi.compute.cores": cores,
            "occi.compute.memory": memory,
            EPHEMERAL_SIZE: ephemeral,
        }
        for name, value in expected.items():
            if name in defaults:
                assert defaults[name] == value, (
                    f"CRTP {term} advertises {name}={defaults[name]!r}; the profile fixes {value}"
                )
                checked += 1
    if not checked:
        not_applicable("the CRTP templates advertise no default sizes")


@pytest.mark.destructive
@requirement("CRTP-04")
def test_compute_from_crtp_template_has_its_sizes(occi: OCCISession) -> None:
    found = crtp_templates(occi)
    if "small" not in found:
        not_applicable("no CRTP small template (see CRTP-02)")
    small = found["small"].id
    families = {m.id for m in inf.templates(occi, RESOURCE_TPL)} | {small}
    others = [m for m in occi.compute_mixins() if m not in families]
    url, _ = occi.create(COMPUTE, mixins=[small, *others])
    entity = occi.read(url)
    assert small in entity.mixins, f"the compute created with {small} does not carry it"
    cores = entity.attributes.get("occi.compute.cores")
    memory = entity.attributes.get("occi.compute.memory")
    assert cores == 1, f"a compute from CRTP small has occi.compute.cores={cores!r}, not 1"
    assert memory == 1.0, f"a compute from CRTP small has occi.compute.memory={memory!r}, not 1.0"
    ephemeral = entity.attributes.get(EPHEMERAL_SIZE)
    assert ephemeral in (None, 10, 10.0), f"{EPHEMERAL_SIZE}={ephemeral!r}, not 10"


@requirement("CRTP-05")
def test_crtp_memory_heavy_templates(occi: OCCISession) -> None:
    found = crtp_templates(occi)
    present = [t for t in MEMORY_HEAVY if t in found]
    occi.note("CRTP-05", f"memory-heavy CRTP templates offered: {present or 'none'}")
    families = {m.id for m in inf.templates(occi, RESOURCE_TPL)}
    for term in present:
        assert found[term].id in families, f"{found[term].id} does not depend on resource_tpl"


@requirement("CRTP-06")
def test_crtp_server_token(occi: OCCISession) -> None:
    crtp_templates(occi)
    server = occi.discovery.exchange.header("server") or ""
    tokens = _CRTP_TOKEN.findall(server)
    wanted = "1.1" if inf.version(occi) == "1.2" else "1.0"
    assert wanted in tokens, (
        f"the Server header {server!r} lacks OCCI-CRTP/{wanted}, the profile token for "
        f"OCCI {inf.version(occi)}"
    )


@requirement("CRTP-07")
def test_crtp_ephemeral_storage_attributes(occi: OCCISession) -> None:
    found = crtp_templates(occi)
    names = inf.attribute_names(occi.model.kind(COMPUTE)) if occi.model.kind(COMPUTE) else set()
    for mixin in found.values():
        names |= inf.attribute_names(mixin)
    missing = [n for n in (EPHEMERAL_SIZE, EPHEMERAL_DEVICE) if n not in names]
    assert not missing, (
        f"neither the compute kind nor the CRTP templates advertise {', '.join(missing)}"
    )


@pytest.mark.destructive
@requirement("CRTP-08")
def test_at_most_one_crtp_template(occi: OCCISession) -> None:
    found = crtp_templates(occi)
    if "small" not in found or "medium" not in found:
        not_applicable("CRTP small and medium are both needed (see CRTP-02)")
    small, medium = found["small"].id, found["medium"].id
    families = {m.id for m in inf.templates(occi, RESOURCE_TPL)} | {small, medium}
    others = [m for m in occi.compute_mixins() if m not in families]
    url, _ = occi.create(COMPUTE, mixins=[small, *others])
    exchange = inf.partial_update(occi, url, COMPUTE, mixins=[medium])
    assert exchange.status < 500, f"attaching {medium} answered {exchange.status}"
    crtp = {m.id for m in found.values()}
    attached = [m for m in occi.read(url).mixins if m in crtp]
    if 400 <= exchange.status < 500:
        occi.note("AMB-INFRA-09", f"attaching a second CRTP template refused ({exchange.status})")
        assert attached == [small], (
            f"the refused attachment still changed the templates: {attached}"
        )
    else:
        assert len(attached) == 1, f"the compute carries several CRTP templates: {attached}"
