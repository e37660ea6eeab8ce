"""What EGI FedCloud's ARGO probes checked before a site could serve OCCI (research §3).

OCCI-Context / OCCI-Categories (nagios-promoo ``occi categories``): the core and
infrastructure kinds, os_tpl and resource_tpl, the contextualisation mixins, and a listing
of every infrastructure kind location. OCCI-VM (``check_occi_compute_create``): a compute
from the site's os_tpl and resource_tpl becomes active and is deleted within 300 s
(``state_timeout``), polled every few seconds.
"""

from __future__ import annotations

import time

import pytest

from conformance.outcomes import not_applicable
from conformance.session import OCCISession
from conformance.suite import _infra as inf
from conformance.suite._infra import COMPUTE, OS_TPL, RESOURCE_TPL
from occi_protocol.model import ENTITY, LINK, RESOURCE, Mixin
from occi_protocol.rendering import TEXT_PLAIN

requirement = pytest.mark.requirement

REQUIRED_KINDS = (ENTITY, RESOURCE, LINK, COMPUTE, inf.NETWORK, inf.NETWORKINTERFACE)
#: OCCI-Context ran with --optional storage storagelink.
OPTIONAL_KINDS = (inf.STORAGE, inf.STORAGELINK)
INFRA_KINDS = (COMPUTE, inf.STORAGE, inf.NETWORK, inf.NETWORKINTERFACE, inf.STORAGELINK)
CONTEXT_12 = (inf.SSH_KEY, inf.USER_DATA)
CONTEXT_LEGACY = (
    "http://schemas.openstack.org/instance/credentials#public_key",
    "http://schemas.openstack.org/compute/instance#user_data",
)


def resolve_template(occi: OCCISession, family: str, configured: str | None) -> Mixin | None:
    """The probe's -M/-R rule: a full id, ``short#term``, or a bare term of the family."""
    candidates = inf.templates(occi, family)
    if not configured:
        return candidates[0] if candidates else None
    for mixin in candidates:
        if configured in (mixin.id, mixin.term) or configured.endswith("#" + mixin.term):
            return mixin
    return None


@requirement("EGI-CAT-01")
def test_egi_kinds(occi: OCCISession) -> None:
    missing = [k for k in REQUIRED_KINDS if occi.model.kind(k) is None]
    assert not missing, f"the model lacks the kinds {missing} (OCCI-Context: CRITICAL)"
    absent = [k for k in OPTIONAL_KINDS if occi.model.kind(k) is None]
    if absent:
        inf.warn(occi, "EGI-CAT-01", f"optional kinds absent (the probe only warned): {absent}")


@requirement("EGI-CAT-02")
def test_egi_template_mixins(occi: OCCISession) -> None:
    for family, configured in (
        (OS_TPL, occi.config.os_tpl),
        (RESOURCE_TPL, occi.config.resource_tpl),
    ):
        assert occi.model.mixin(family) is not None, f"the model lacks {family}"
        chosen = resolve_template(occi, family, configured)
        if configured:
            assert chosen is not None, (
                f"the configured template {configured!r} is not a mixin depending on {family}"
            )
        else:
            assert chosen is not None, f"no template depends on {family}; a VM cannot be built"


@requirement("EGI-CTX-01")
def test_egi_context_mixins(occi: OCCISession) -> None:
    modern = all(occi.model.mixin(m) is not None for m in CONTEXT_12)
    legacy = all(occi.model.mixin(m) is not None for m in CONTEXT_LEGACY)
    assert modern or legacy, (
        "neither the OCCI 1.2 contextualisation mixins (credentials#ssh_key, compute#user_data) "
        "nor the legacy schemas.openstack.org pair (public_key, user_data) are offered"
    )
    occi.note(
        "EGI-CTX-01",
        "context mixins: "
        + ("occi-12 " if modern else "")
        + ("openstack-legacy" if legacy else ""),
    )


@requirement("EGI-LOC-01")
def test_egi_kind_locations_list(occi: OCCISession) -> None:
    offered = [k for k in INFRA_KINDS if occi.model.kind(k) is not None]
    if not offered:
        not_applicable("the endpoint offers no infrastructure kind")
    for kind_id in offered:
        location = occi.require_kind(kind_id)
        exchange = occi.client.get(location, accept=TEXT_PLAIN)
        assert exchange.status in (200, 204), (
            f"listing {kind_id} at {location} answered {exchange.status}"
        )
        if exchange.status == 204:
            occi.note("AMB-HTTP-05", f"the empty {kind_id} collection answered 204")
        elif exchange.body.strip():
            occi.parse(exchange, "locations")


class ProbeVM:
    """The compute of the OCCI-VM probe, shared by its two checks."""

    url: str | None = None
    started: float = 0.0


@pytest.fixture(scope="module")
def probe_vm(occi: OCCISession) -> ProbeVM:
    return ProbeVM()


def _create_probe_vm(occi: OCCISession, vm: ProbeVM) -> str:
    occi.require_kind(COMPUTE)
    mixins = []
    for family, configured in (
        (OS_TPL, occi.config.os_tpl),
        (RESOURCE_TPL, occi.config.resource_tpl),
    ):
        chosen = resolve_template(occi, family, configured)
        if chosen is None:
            not_applicable(f"no {family} template to build the probe VM (see EGI-CAT-02)")
        assert chosen is not None
        mixins.append(chosen.id)
    vm.started = time.monotonic()
    url, _ = occi.create(
        COMPUTE, mixins=mixins, label="EGI-SAM", attributes={"occi.compute.hostname": "egi-sam"}
    )
    vm.url = url
    return url


@pytest.mark.destructive
@requirement("EGI-VM-01")
def test_egi_vm_becomes_active(occi: OCCISession, probe_vm: ProbeVM) -> None:
    url = _create_probe_vm(occi, probe_vm)
    entity = occi.wait_for(url, "occi.compute.state", ["active", "inactive", "error"])
    state = entity.attributes.get("occi.compute.state")
    if state == "inactive":
        # I12's figure starts a compute inactive (AMB-INFRA-08); the probe waited for a VM
        # that boots by itself. A spec-conformant server gets the start its diagram needs.
        exchange = inf.trigger(occi, url, inf.C_ACT + "start")
        if exchange.status in (400, 409):
            occi.note("AMB-HTTP-08", f"start on a booting VM answered {exchange.status}")
        else:
            inf.check_action_answer(occi, exchange, "start on the new probe VM")
        occi.note("EGI-VM-01", "the new compute was inactive; the suite started it")
    remaining = max(1.0, occi.config.state_timeout - (time.monotonic() - probe_vm.started))
    entity = occi.wait_for(url, "occi.compute.state", ["active", "error"], timeout=remaining)
    state = entity.attributes.get("occi.compute.state")
    assert state == "active", f"the probe VM went to {state!r} instead of active"
    occi.note("EGI-VM-01", f"active after {time.monotonic() - probe_vm.started:.1f} s")


@pytest.mark.destructive
@requirement("EGI-VM-02")
def test_egi_vm_deleted(occi: OCCISession, probe_vm: ProbeVM) -> None:
    url = probe_vm.url or _create_probe_vm(occi, probe_vm)
    exchange = occi.delete(url)
    assert exchange.status in inf.DELETED, (
        f"DELETE of the probe VM answered {exchange.status}, not 200 or 204"
    )
    if exchange.status == 202:
        occi.note("EGI-VM-02", "DELETE of the probe VM answered 202 (asynchronous)")
    status = inf.wait_gone(occi, url)
    assert status in inf.GONE, (
        f"the deleted probe VM still answers GET with {status} after "
        f"{occi.config.state_timeout:g} s"
    )
