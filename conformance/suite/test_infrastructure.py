"""OCCI Infrastructure (I12 = GFD.224, I11 = GFD.184): the model as advertised, the state
machines driven by actions, links between resources, and templates and contextualisation.

Version-aware (digest §3 D23–D29): the tables below are the spec's, per version; 1.2 rules
apply when the endpoint speaks 1.2 (also when it speaks 1.1 as well), 1.1 rules otherwise.
"""

from __future__ import annotations

from collections.abc import Mapping

import pytest

from conformance.outcomes import not_applicable
from conformance.session import OCCISession
from conformance.suite import _infra as inf
from conformance.suite._infra import (
    C_ACT,
    COMPUTE,
    IPNETWORK,
    IPNETWORKING_11,
    IPNETWORKINTERFACE,
    N_ACT,
    NETWORK,
    NETWORKINTERFACE,
    OS_TPL,
    RESOURCE_TPL,
    S_ACT,
    SSH_KEY,
    STORAGE,
    STORAGELINK,
    USER_DATA,
)
from occi_protocol.definitions.templates import CRTP_SCHEME, CRTP_SIZES
from occi_protocol.model import LINK, RESOURCE, Category, Entity
from occi_protocol.rendering import TEXT_OCCI, TEXT_PLAIN

requirement = pytest.mark.requirement
destructive = pytest.mark.destructive

KIND_PARENTS = {
    COMPUTE: RESOURCE,
    STORAGE: RESOURCE,
    NETWORK: RESOURCE,
    NETWORKINTERFACE: LINK,
    STORAGELINK: LINK,
}

# Spec attribute tables: name -> (type, mutable). Types: string, enum, integer, float.
_STATE_12 = {"state": ("enum", False), "state.message": ("string", False)}
SPEC_ATTRIBUTES: Mapping[str, Mapping[str, Mapping[str, tuple[str, bool]]]] = {
    "1.2": {
        COMPUTE: {
            "occi.compute.architecture": ("enum", True),
            "occi.compute.cores": ("integer", True),
            "occi.compute.hostname": ("string", True),
            "occi.compute.share": ("integer", True),
            "occi.compute.memory": ("float", True),
            "occi.compute.state": ("enum", False),
            "occi.compute.state.message": ("string", False),
        },
        NETWORK: {
            "occi.network.vlan": ("integer", True),
            "occi.network.label": ("string", True),
            "occi.network.state": ("enum", False),
            "occi.network.state.message": ("string", False),
        },
        STORAGE: {
            "occi.storage.size": ("float", True),
            "occi.storage.state": ("enum", False),
            "occi.storage.state.message": ("string", False),
        },
        NETWORKINTERFACE: {
            "occi.networkinterface.interface": ("string", False),
            "occi.networkinterface.mac": ("string", True),
            "occi.networkinterface.state": ("enum", False),
            "occi.networkinterface.state.message": ("string", False),
        },
        STORAGELINK: {
            "occi.storagelink.deviceid": ("string", True),
            "occi.storagelink.mountpoint": ("string", True),
            "occi.storagelink.state": ("enum", False),
            "occi.storagelink.state.message": ("string", False),
        },
    },
    "1.1": {
        COMPUTE: {
            "occi.compute.architecture": ("enum", True),
            "occi.compute.cores": ("integer", True),
            "occi.compute.hostname": ("string", True),
            "occi.compute.speed": ("float", True),
            "occi.compute.memory": ("float", True),
            "occi.compute.state": ("enum", False),
        },
        NETWORK: {
            "occi.network.vlan": ("integer", True),
            "occi.network.label": ("string", True),
            "occi.network.state": ("enum", False),
        },
        STORAGE: {"occi.storage.size": ("float", True), "occi.storage.state": ("enum", False)},
        NETWORKINTERFACE: {
            "occi.networkinterface.interface": ("string", False),
            "occi.networkinterface.mac": ("string", True),
            "occi.networkinterface.state": ("enum", False),
        },
        STORAGELINK: {
            "occi.storagelink.deviceid": ("string", True),
            "occi.storagelink.mountpoint": ("string", True),
            "occi.storagelink.state": ("enum", False),
        },
    },
}
MIXIN_ATTRIBUTES: Mapping[str, Mapping[str, tuple[str, bool]]] = {
    IPNETWORK: {
        "occi.network.address": ("string", True),
        "occi.network.gateway": ("string", True),
        "occi.network.allocation": ("enum", True),
    },
    IPNETWORKINTERFACE: {
        "occi.networkinterface.address": ("string", True),
        "occi.networkinterface.gateway": ("string", True),
        "occi.networkinterface.allocation": ("enum", True),
    },
    SSH_KEY: {"occi.credentials.ssh.publickey": ("string", True)},
    USER_DATA: {"occi.compute.userdata": ("string", True)},
}
ENUMS = {
    "occi.compute.architecture": {"x86", "x64"},
    "occi.network.allocation": {"dynamic", "static"},
    "occi.networkinterface.allocation": {"dynamic", "static"},
}
_JSON_TYPES = {
    "string": {"string", "uri", "enum"},
    "enum": {"enum", "string"},
    "integer": {"integer", "float"},  # JSON "number" without a schema type reads as float
    "float": {"float", "integer"},
}
#: The state attributes are server-managed (I): immutability is checked strictly; other
#: mutability differences are noted (INFRA-NIC-01/SLINK-01 policy: an infra-model warning).
_STRICT_MUTABILITY = {"state", "message"}


def _enum_values(kind_id: str, name: str, occi: OCCISession) -> set[str] | None:
    if name.endswith(".state"):
        return set(inf.STATE_VALUES[inf.version(occi)][kind_id])
    return ENUMS.get(name)


def check_category_attributes(
    occi: OCCISession,
    category: Category,
    spec: Mapping[str, tuple[str, bool]],
    kind_for_states: str | None = None,
) -> None:
    """Names (text QI), server-managed immutability, and types and enums (JSON QI)."""
    names = inf.attribute_names(category)
    missing = sorted(set(spec) - names)
    assert not missing, f"{category.id} does not define {', '.join(missing)}"
    for name, (_, mutable) in spec.items():
        advertised = category.attribute(name)
        assert advertised is not None
        server_managed = name.rpartition(".")[2] in _STRICT_MUTABILITY
        if server_managed:
            assert not advertised.mutable, (
                f"{category.id}: {name} is server-managed (immutable in the spec) but the "
                "query interface advertises it mutable (no {immutable})"
            )
        elif advertised.mutable != mutable:
            inf.warn(
                occi,
                "AMB-CORE-02",
                f"{name} is advertised {'mutable' if advertised.mutable else 'immutable'}; "
                f"the spec table says {'mutable' if mutable else 'immutable'}",
            )
    model = inf.json_model(occi)
    described = model.get(category.id) if model is not None else None
    if described is None:
        return
    for name, (spec_type, _) in spec.items():
        attribute = described.attribute(name)
        assert attribute is not None, f"{category.id} in JSON lacks {name} (text lists it)"
        assert attribute.type in _JSON_TYPES[spec_type], (
            f"{category.id}: {name} has JSON type {attribute.type}; the spec type is {spec_type}"
        )
        if spec_type != "enum":
            continue
        expected = _enum_values(kind_for_states or category.id, name, occi)
        if not attribute.enum:
            occi.note("AMB-JSON-03", f"{name} is advertised without its enumeration")
            continue
        advertised = set(attribute.enum)
        assert expected is not None
        absent = expected - advertised
        assert not absent, (
            f"{category.id}: the enumeration of {name} lacks {sorted(absent)} "
            f"(advertised {sorted(advertised)})"
        )
        extra = advertised - expected
        tolerated = inf.TOLERATED_STATES.get(kind_for_states or category.id, frozenset())
        wrong = extra - tolerated if name.endswith(".state") else extra
        assert not wrong, (
            f"{category.id}: the enumeration of {name} has values outside OCCI "
            f"{inf.version(occi)}: {sorted(wrong)}"
        )
        if extra:
            occi.note("AMB-INFRA-02", f"{name} enumeration also offers {sorted(extra)}")


def check_action(
    occi: OCCISession, owner: Category, action_id: str, params: tuple[str, ...]
) -> None:
    action = occi.model.action(action_id)
    assert action is not None, f"the query interface has no action category {action_id}"
    assert action_id in owner.actions, f"{owner.id} does not reference its action {action_id}"  # type: ignore[attr-defined]
    declared = inf.attribute_names(action)
    missing = [p for p in params if p not in declared]
    assert not missing, f"action {action_id} does not declare the parameter(s) {missing}"
    if action_id in inf.METHODS and "method" in params:
        described = inf.json_attribute(occi, action_id, "method")
        if described is not None and described.enum:
            absent = set(inf.METHODS[action_id]) - set(described.enum)
            assert not absent, f"{action_id} method enumeration lacks {sorted(absent)}"


# ------------------------------------------------------------------------------------------
# The model (read-only)
# ------------------------------------------------------------------------------------------


@requirement("INFRA-GEN-01")
def test_infrastructure_kinds_have_core_parents(occi: OCCISession) -> None:
    offered = [k for k in (occi.model.kind(i) for i in KIND_PARENTS) if k is not None]
    if not offered:
        not_applicable("the endpoint offers no infrastructure kind")
    for found in offered:
        assert found.parent == KIND_PARENTS[found.id], (
            f"{found.id} has parent {found.parent!r}, not {KIND_PARENTS[found.id]}"
        )


@requirement("INFRA-GEN-03")
def test_infrastructure_kind_scheme(occi: OCCISession) -> None:
    terms = {k.rpartition("#")[2] for k in KIND_PARENTS}
    offered = [k for k in occi.model.kinds if k.term in terms]
    if not offered:
        not_applicable("the endpoint offers no kind named like an infrastructure kind")
    for found in offered:
        assert found.scheme == inf.INFRA, (
            f"kind {found.term} uses scheme {found.scheme!r}, not {inf.INFRA!r}"
        )


@requirement("INFRA-GEN-02")
def test_infrastructure_coverage(occi: OCCISession) -> None:
    offered = [k for k in KIND_PARENTS if occi.model.kind(k) is not None]
    occi.note(
        "INFRA-GEN-02",
        "infrastructure kinds offered: " + ", ".join(k.rpartition("#")[2] for k in offered)
        if offered
        else "none",
    )
    for kind_id in offered:
        assert occi.model.kind(kind_id).location, f"{kind_id} is offered without a location"  # type: ignore[union-attr]


@requirement("INFRA-COMPUTE-02")
def test_compute_kind_attributes_12(occi: OCCISession) -> None:
    inf.require_12(occi)
    compute = inf.kind(occi, COMPUTE)
    check_category_attributes(occi, compute, SPEC_ATTRIBUTES["1.2"][COMPUTE], COMPUTE)
    if "occi.compute.speed" in inf.attribute_names(compute):
        inf.warn(occi, "AMB-INFRA-02", "the 1.2 compute kind still lists occi.compute.speed")


@requirement("INFRA-COMPUTE-03")
def test_compute_kind_attributes_11(occi: OCCISession) -> None:
    inf.require_11(occi)
    compute = inf.kind(occi, COMPUTE)
    spec = SPEC_ATTRIBUTES["1.1"][COMPUTE]
    names = inf.attribute_names(compute)
    missing = sorted(set(spec) - names)
    assert not missing, f"the 1.1 compute kind does not define {', '.join(missing)}"
    state = compute.attribute("occi.compute.state")
    assert state is not None and not state.mutable, "occi.compute.state is not immutable"
    for name in ("occi.compute.share", "occi.compute.state.message"):
        extra = compute.attribute(name)
        assert extra is None or not extra.required, f"1.2's {name} is marked required"
    described = inf.json_attribute(occi, COMPUTE, "occi.compute.state")
    if described is not None and described.enum and occi.occi_version == "1.1":
        assert "error" not in described.enum, "the 1.1 compute state enumeration has error"


@requirement("INFRA-COMPUTE-05")
def test_compute_actions(occi: OCCISession) -> None:
    compute = inf.kind(occi, COMPUTE)
    wanted = {
        C_ACT + "start": (),
        C_ACT + "stop": ("method",),
        C_ACT + "restart": ("method",),
        C_ACT + "suspend": ("method",),
    }
    if inf.version(occi) == "1.2":
        wanted[C_ACT + "save"] = ("method", "name")
    for action_id, params in wanted.items():
        check_action(occi, compute, action_id, params)


@requirement("INFRA-NET-01")
def test_network_kind_attributes(occi: OCCISession) -> None:
    network = inf.kind(occi, NETWORK)
    check_category_attributes(occi, network, SPEC_ATTRIBUTES[inf.version(occi)][NETWORK], NETWORK)
    vlan = inf.json_attribute(occi, NETWORK, "occi.network.vlan")
    if vlan is not None and (vlan.minimum is not None or vlan.maximum is not None):
        assert (vlan.minimum or 0) >= 0 and (vlan.maximum is None or vlan.maximum <= 4095), (
            f"occi.network.vlan is bounded {vlan.minimum}..{vlan.maximum}, outside 0..4095"
        )


@requirement("INFRA-NET-02")
def test_network_actions(occi: OCCISession) -> None:
    network = inf.kind(occi, NETWORK)
    for term in ("up", "down"):
        check_action(occi, network, N_ACT + term, ())


@requirement("INFRA-STOR-01")
def test_storage_kind_attributes(occi: OCCISession) -> None:
    storage = inf.kind(occi, STORAGE)
    check_category_attributes(occi, storage, SPEC_ATTRIBUTES[inf.version(occi)][STORAGE], STORAGE)


@requirement("INFRA-STOR-03")
def test_storage_actions_12(occi: OCCISession) -> None:
    inf.require_12(occi)
    storage = inf.kind(occi, STORAGE)
    for term in ("online", "offline"):
        check_action(occi, storage, S_ACT + term, ())
    legacy = [
        a for a in storage.actions if a.rpartition("#")[2] in ("backup", "snapshot", "resize")
    ]
    if legacy:
        inf.warn(occi, "AMB-INFRA-02", f"the 1.2 storage kind still offers {legacy}")


@requirement("INFRA-STOR-02")
def test_storage_actions_11(occi: OCCISession) -> None:
    inf.require_11(occi)
    storage = inf.kind(occi, STORAGE)
    for term in ("online", "offline", "backup", "snapshot"):
        check_action(occi, storage, S_ACT + term, ())
    check_action(occi, storage, S_ACT + "resize", ("size",))
    described = inf.json_attribute(occi, STORAGE, "occi.storage.state")
    if described is not None and described.enum:
        absent = {"backup", "snapshot", "resize", "degraded"} - set(described.enum)
        assert not absent, f"the 1.1 storage state enumeration lacks {sorted(absent)}"


@requirement("INFRA-NIC-01")
def test_networkinterface_kind_attributes(occi: OCCISession) -> None:
    nic = inf.kind(occi, NETWORKINTERFACE)
    assert nic.parent == LINK, f"networkinterface has parent {nic.parent!r}, not core#link"
    check_category_attributes(
        occi, nic, SPEC_ATTRIBUTES[inf.version(occi)][NETWORKINTERFACE], NETWORKINTERFACE
    )


@requirement("INFRA-SLINK-01")
def test_storagelink_kind_attributes(occi: OCCISession) -> None:
    slink = inf.kind(occi, STORAGELINK)
    assert slink.parent == LINK, f"storagelink has parent {slink.parent!r}, not core#link"
    check_category_attributes(
        occi, slink, SPEC_ATTRIBUTES[inf.version(occi)][STORAGELINK], STORAGELINK
    )


def _ipnetwork_id(occi: OCCISession) -> str:
    if occi.model.mixin(IPNETWORK) is not None:
        return IPNETWORK
    if inf.speaks_11(occi) and occi.model.mixin(IPNETWORKING_11) is not None:
        occi.note("AMB-INFRA-05", "the 1.1 IPNetworking mixin uses the table's term ipnetworking")
        return IPNETWORKING_11
    not_applicable("the endpoint does not offer the ipnetwork mixin")
    raise AssertionError  # unreachable


@requirement("INFRA-IPNET-01")
def test_ipnetwork_mixin(occi: OCCISession) -> None:
    mixin_id = _ipnetwork_id(occi)
    if inf.version(occi) != "1.2":
        return
    described = inf.json_model(occi)
    if described is None or described.mixin(mixin_id) is None:
        occi.note("INFRA-IPNET-01", "applies not checked: no JSON query interface")
        return
    applies = described.mixin(mixin_id).applies  # type: ignore[union-attr]
    assert NETWORK in applies, f"{mixin_id} applies to {list(applies)}, not to the network kind"


@requirement("INFRA-IPNET-02")
def test_ipnetwork_attributes(occi: OCCISession) -> None:
    mixin_id = _ipnetwork_id(occi)
    check_category_attributes(occi, occi.model.mixin(mixin_id), MIXIN_ATTRIBUTES[IPNETWORK])  # type: ignore[arg-type]


@requirement("INFRA-IPNIC-01")
def test_ipnetworkinterface_mixin(occi: OCCISession) -> None:
    mixin = occi.model.mixin(IPNETWORKINTERFACE)
    if mixin is None:
        misspelt = IPNETWORKINTERFACE.replace("infrastructure", "infrastucture")
        assert occi.model.mixin(misspelt) is None or not inf.speaks_11(occi), (
            "only the 1.1 table's misspelt scheme 'infrastucture' is offered"
        )
        not_applicable("the endpoint does not offer the ipnetworkinterface mixin")
    assert mixin is not None
    j12 = [a for a in inf.attribute_names(mixin) if a.startswith("occi.infrastructure.")]
    assert not j12, f"ipnetworkinterface uses the J12 example names {j12}, not I12's"
    check_category_attributes(occi, mixin, MIXIN_ATTRIBUTES[IPNETWORKINTERFACE])
    described = inf.json_model(occi)
    if inf.version(occi) == "1.2" and described is not None:
        applies = described.mixin(IPNETWORKINTERFACE).applies  # type: ignore[union-attr]
        assert NETWORKINTERFACE in applies, (
            f"ipnetworkinterface applies to {list(applies)}, not to networkinterface"
        )


def _check_family(occi: OCCISession, family: str) -> list[str]:
    found = inf.templates(occi, family)
    if not found:
        not_applicable(f"the endpoint offers no template depending on {family}")
    assert occi.model.mixin(family) is not None, (
        f"templates depend on {family}, but the query interface does not offer that mixin"
    )
    text_only = [m.id for m in found if family not in m.depends]
    model = inf.json_model(occi)
    for template_id in text_only:
        # Text rel carries only the first depends (TEXT-CAT-06); JSON must then show it.
        described = model.mixin(template_id) if model is not None else None
        assert described is not None and family in described.depends, (
            f"template {template_id} does not depend on {family}"
        )
    return [m.id for m in found]


@requirement("INFRA-OSTPL-01")
def test_os_templates_offered(occi: OCCISession) -> None:
    assert inf.templates(occi, OS_TPL), "no mixin depends on infrastructure#os_tpl"


@requirement("INFRA-OSTPL-02")
def test_os_templates_depend_on_os_tpl(occi: OCCISession) -> None:
    _check_family(occi, OS_TPL)


@requirement("INFRA-RESTPL-01")
def test_resource_templates_depend_on_resource_tpl(occi: OCCISession) -> None:
    _check_family(occi, RESOURCE_TPL)


@requirement("INFRA-RESTPL-03")
def test_resource_templates_list_defaults(occi: OCCISession) -> None:
    inf.require_12(occi)
    model = inf.require_json_model(occi, "attribute defaults of resource templates")
    found = inf.templates(occi, RESOURCE_TPL)
    if not found:
        not_applicable("the endpoint offers no resource template")
    bare = [
        m.id
        for m in found
        if not any(a.default is not None for a in model.mixin(m.id).attributes)  # type: ignore[union-attr]
    ]
    assert not bare, f"resource templates without attribute defaults: {bare}"


def _check_compute_only(occi: OCCISession, mixin_id: str) -> None:
    model = inf.json_model(occi)
    if model is None or model.mixin(mixin_id) is None:
        return
    applies = list(model.mixin(mixin_id).applies)  # type: ignore[union-attr]
    assert applies == [COMPUTE], f"{mixin_id} applies to {applies}, not exactly [compute]"


@requirement("INFRA-CRED-01")
def test_ssh_key_offered(occi: OCCISession) -> None:
    inf.require_12(occi)
    assert occi.model.mixin(SSH_KEY) is not None, f"{SSH_KEY} is not offered"


@requirement("INFRA-CTX-01")
def test_user_data_offered(occi: OCCISession) -> None:
    inf.require_12(occi)
    assert occi.model.mixin(USER_DATA) is not None, f"{USER_DATA} is not offered"


# ------------------------------------------------------------------------------------------
# Instances (destructive)
# ------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def compute(occi: OCCISession) -> str:
    """One compute shared by the link tests (a link needs a source)."""
    inf.kind(occi, COMPUTE)
    return inf.create(occi, COMPUTE, setup=True)


@pytest.fixture(scope="module")
def network(occi: OCCISession) -> str:
    inf.kind(occi, NETWORK)
    return inf.create(occi, NETWORK, setup=True)


@pytest.fixture(scope="module")
def storage(occi: OCCISession) -> str:
    inf.kind(occi, STORAGE)
    return inf.create(occi, STORAGE, setup=True)


@pytest.fixture(scope="module")
def nic(occi: OCCISession, compute: str, network: str) -> str:
    inf.kind(occi, NETWORKINTERFACE)
    return inf.create_link(occi, NETWORKINTERFACE, compute, network, target_kind=NETWORK)


@pytest.fixture(scope="module")
def slink(occi: OCCISession, compute: str, storage: str) -> str:
    inf.kind(occi, STORAGELINK)
    return inf.create_link(
        occi,
        STORAGELINK,
        compute,
        storage,
        {"occi.storagelink.deviceid": "/dev/vdb"},
        target_kind=STORAGE,
    )


@destructive
@requirement("INFRA-COMPUTE-01")
def test_compute_renders_compute_kind(occi: OCCISession, rendering: str) -> None:
    url = inf.create(occi, COMPUTE, media_type=rendering)
    entity = occi.read(url, rendering)
    assert entity.kind == COMPUTE, f"the new compute renders kind {entity.kind!r}, not {COMPUTE}"


@destructive
@requirement("INFRA-COMPUTE-04")
def test_compute_state_always_present(occi: OCCISession, rendering: str, compute: str) -> None:
    entity = occi.read(compute, rendering)
    inf.check_state_value(occi, COMPUTE, entity.attributes.get("occi.compute.state"), compute)


@destructive
@requirement("INFRA-COMPUTE-06")
def test_compute_state_machine(occi: OCCISession) -> None:
    url = inf.create(occi, COMPUTE)
    initial = inf.settle(occi, url, COMPUTE, ["active", "inactive", "suspended"])
    occi.note("AMB-INFRA-08", f"a new compute settles in state {initial!r}")
    if initial != "active":
        inf.drive(occi, url, COMPUTE, C_ACT + "start", "active")
    inf.drive(occi, url, COMPUTE, C_ACT + "suspend", "suspended")
    inf.drive(occi, url, COMPUTE, C_ACT + "start", "active")
    inf.drive(occi, url, COMPUTE, C_ACT + "stop", "inactive")


@destructive
@requirement("INFRA-COMPUTE-06")
def test_compute_action_in_wrong_state(occi: OCCISession) -> None:
    url = inf.create(occi, COMPUTE)
    inf.bring_to(occi, url, "active")
    exchange = inf.trigger(occi, url, C_ACT + "start")
    inf.check_conflict(occi, exchange, "start on an active compute")
    state = inf.state_of(occi.read(url), COMPUTE)
    assert state == "active", f"start on an active compute changed its state to {state!r}"


@destructive
@requirement("INFRA-COMPUTE-08")
def test_compute_restart_ends_active(occi: OCCISession) -> None:
    url = inf.create(occi, COMPUTE)
    inf.bring_to(occi, url, "active")
    inf.drive(occi, url, COMPUTE, C_ACT + "restart", "active")


@destructive
@requirement("INFRA-COMPUTE-07")
def test_compute_save_makes_os_template(occi: OCCISession) -> None:
    inf.require_12(occi)
    if C_ACT + "save" not in inf.kind(occi, COMPUTE).actions:
        not_applicable("the compute kind does not offer save (see INFRA-COMPUTE-05)")
    url = inf.create(occi, COMPUTE)
    inf.bring_to(occi, url, "active")
    name = f"{occi.run_id}-saved"
    exchange = inf.trigger(occi, url, C_ACT + "save", {"method": "hot", "name": name})
    assert exchange.status == 200, (
        f"save answered {exchange.status}, not 200: {exchange.text[:300]}"
    )
    categories = occi.parse(exchange, "categories")
    made = [c for c in categories if OS_TPL in getattr(c, "depends", ())]  # type: ignore[union-attr]
    assert made, "the save answer renders no mixin depending on infrastructure#os_tpl"
    template = made[0]
    try:
        listed = occi.parse(occi.client.get("-/", accept=TEXT_PLAIN), "categories")
        assert template.id in {c.id for c in listed}, (  # type: ignore[union-attr]
            f"the saved template {template.id} does not appear in the query interface"
        )
        occi.note("INFRA-COMPUTE-07", f"save honoured the name: {name in template.id}")
    finally:
        removed = inf.delete_category(occi, template.id)
        occi.note("INFRA-COMPUTE-07", f"removing the saved template answered {removed.status}")


@destructive
@requirement("INFRA-COMPUTE-09")
def test_compute_enum_domains(occi: OCCISession) -> None:
    exchange = inf.try_create(
        occi, COMPUTE, {"occi.compute.architecture": "sparc"}, occi.compute_mixins()
    )
    assert 400 <= exchange.status < 500, (
        f'a compute with occi.compute.architecture="sparc" answered {exchange.status}, not 400'
    )
    if exchange.status != 400:
        occi.note("AMB-HTTP-10", f"an enum value out of domain answered {exchange.status}")
    url = inf.create(occi, COMPUTE)
    inf.bring_to(occi, url, "active")
    refused = inf.trigger(occi, url, C_ACT + "stop", {"method": "nuke"})
    assert 400 <= refused.status < 500, f'stop with method="nuke" answered {refused.status}'
    state = inf.state_of(occi.read(url), COMPUTE)
    assert state == "active", f"a refused stop still changed the state to {state!r}"


@destructive
@requirement("INFRA-NET-01")
def test_network_state_present(occi: OCCISession, network: str) -> None:
    entity = occi.read(network)
    assert entity.kind == NETWORK, f"the network renders kind {entity.kind!r}"
    inf.check_state_value(occi, NETWORK, entity.attributes.get("occi.network.state"), network)


@destructive
@requirement("INFRA-NET-03")
def test_network_state_machine(occi: OCCISession) -> None:
    url = inf.create(occi, NETWORK)
    initial = inf.settle(occi, url, NETWORK, ["active", "inactive"])
    occi.note("AMB-INFRA-08", f"a new network settles in state {initial!r}")
    if initial == "inactive":
        inf.drive(occi, url, NETWORK, N_ACT + "up", "active")
        inf.drive(occi, url, NETWORK, N_ACT + "down", "inactive")
    else:
        inf.drive(occi, url, NETWORK, N_ACT + "down", "inactive")
        inf.drive(occi, url, NETWORK, N_ACT + "up", "active")


@destructive
@requirement("INFRA-NET-04")
def test_network_vlan_range(occi: OCCISession) -> None:
    inf.kind(occi, NETWORK)
    exchange = inf.try_create(occi, NETWORK, {"occi.network.vlan": 5000})
    assert 400 <= exchange.status < 500, f"a network with vlan=5000 answered {exchange.status}"


@destructive
@requirement("INFRA-IPNET-03")
def test_network_with_ipnetwork(occi: OCCISession) -> None:
    inf.kind(occi, NETWORK)
    mixin_id = _ipnetwork_id(occi)
    url = inf.create(occi, NETWORK, {"occi.network.address": "10.0.0.0/24"}, [mixin_id])
    entity = occi.read(url)
    assert mixin_id in entity.mixins, f"the network does not carry {mixin_id}"
    address = entity.attributes.get("occi.network.address")
    assert address == "10.0.0.0/24", f"occi.network.address reads {address!r}, not 10.0.0.0/24"


@destructive
@requirement("INFRA-STOR-01")
def test_storage_size_and_state(occi: OCCISession, storage: str) -> None:
    entity = occi.read(storage)
    assert entity.kind == STORAGE, f"the storage renders kind {entity.kind!r}"
    size = entity.attributes.get("occi.storage.size")
    assert isinstance(size, int | float) and not isinstance(size, bool), (
        f"occi.storage.size reads {size!r}, not a number (multiplicity 1: always present)"
    )
    inf.check_state_value(occi, STORAGE, entity.attributes.get("occi.storage.state"), storage)


@destructive
@requirement("INFRA-STOR-03")
def test_storage_resize_by_update(occi: OCCISession) -> None:
    inf.require_12(occi)
    url = inf.create(occi, STORAGE, {"occi.storage.size": 1.0}, setup=True)
    size = occi.read(url).attributes.get("occi.storage.size")
    # Grow from what the server made of the request (it may round sizes up).
    wanted = float(size) + 1.0 if isinstance(size, (int, float)) else 2.0
    exchange = inf.partial_update(occi, url, STORAGE, {"occi.storage.size": wanted})
    occi.note("INFRA-STOR-03", f"resizing storage by partial update answered {exchange.status}")
    assert exchange.status < 500, (
        f"updating occi.storage.size answered {exchange.status}; I12 resizes by updating it "
        "(a 4xx if resizing is impossible), never 5xx"
    )
    if 400 <= exchange.status < 500:
        not_applicable(
            f"the endpoint does not resize storage (a size update answered {exchange.status})"
        )
    assert exchange.status in (200, 201, 202, 204), (
        f"a partial update of occi.storage.size answered {exchange.status}, not 200"
    )
    # Real clouds resize asynchronously: poll until GET shows the new size.
    occi.wait_for(url, "occi.storage.size", [wanted])


@destructive
@requirement("INFRA-STOR-04")
def test_storage_state_machine(occi: OCCISession) -> None:
    url = inf.create(occi, STORAGE, setup=True)
    initial = inf.settle(occi, url, STORAGE, ["online", "offline"])
    occi.note("AMB-INFRA-08", f"a new storage settles in state {initial!r}")  # any is fine
    if initial == "offline":
        inf.drive(occi, url, STORAGE, S_ACT + "online", "online")
        inf.drive(occi, url, STORAGE, S_ACT + "offline", "offline")
    else:
        inf.drive(occi, url, STORAGE, S_ACT + "offline", "offline")
        inf.drive(occi, url, STORAGE, S_ACT + "online", "online")


@destructive
@requirement("INFRA-NIC-01")
def test_networkinterface_instance(occi: OCCISession, nic: str) -> None:
    entity = occi.read(nic)
    assert entity.kind == NETWORKINTERFACE, f"the link renders kind {entity.kind!r}"
    for name in ("occi.networkinterface.interface", "occi.networkinterface.mac"):
        value = entity.attributes.get(name)
        assert isinstance(value, str) and value, f"the networkinterface shows {name}={value!r}"
    value = entity.attributes.get("occi.networkinterface.state")
    inf.check_state_value(occi, NETWORKINTERFACE, value, nic)


@destructive
@requirement("INFRA-NIC-02")
def test_link_states_in_enumeration(occi: OCCISession, compute: str) -> None:
    seen = 0
    for kind_id in (NETWORKINTERFACE, STORAGELINK):
        if occi.model.kind(kind_id) is None:
            continue
        location = occi.require_kind(kind_id)
        for url in occi.list(location):
            if url not in occi.created:
                continue  # only the run's own links
            value = occi.read(url).attributes.get(inf.STATE[kind_id])
            inf.check_state_value(occi, kind_id, value, url)
            seen += 1
    if not seen:
        not_applicable("the run created no networkinterface or storagelink to look at")


def _addressed_network(occi: OCCISession, fallback: str) -> str:
    """A network with an address range of its own (the ipnetwork mixin, 10.0.0.0/24), so a
    static address in it can be leased; ``fallback`` where the endpoint has no ipnetwork."""
    if occi.model.mixin(IPNETWORK) is None:
        return fallback
    return inf.create(
        occi,
        NETWORK,
        {
            "occi.network.address": "10.0.0.0/24",
            "occi.network.gateway": "10.0.0.1",
            "occi.network.allocation": "static",
        },
        [IPNETWORK],
        setup=True,
    )


@destructive
@requirement("INFRA-IPNIC-01")
def test_networkinterface_with_ipnetworkinterface(
    occi: OCCISession, compute: str, network: str
) -> None:
    inf.kind(occi, NETWORKINTERFACE)
    if occi.model.mixin(IPNETWORKINTERFACE) is None:
        not_applicable("the endpoint does not offer the ipnetworkinterface mixin")
    target = _addressed_network(occi, network)
    static = {
        "occi.networkinterface.address": "10.0.0.42",
        "occi.networkinterface.allocation": "static",
    }
    values = {"occi.core.source": inf.ref(compute), "occi.core.target": inf.ref(target)}
    exchange = inf.try_create(occi, NETWORKINTERFACE, {**values, **static}, [IPNETWORKINTERFACE])
    if exchange.status in (200, 201):
        url = occi.location_of(exchange)
    else:
        # A static lease is the provider's to grant (the address may be taken, or the
        # network may hand out addresses itself); the MUST is only that the mixin's link
        # shows an address, so ask for a dynamic one instead.
        occi.note(
            "INFRA-IPNIC-01",
            f"a static address 10.0.0.42 on {inf.ref(target)} answered {exchange.status}",
        )
        url = inf.create_link(
            occi,
            NETWORKINTERFACE,
            compute,
            target,
            {"occi.networkinterface.allocation": "dynamic"},
            [IPNETWORKINTERFACE],
            target_kind=NETWORK,
        )
    entity = occi.read(url)
    assert IPNETWORKINTERFACE in entity.mixins, "the link does not carry ipnetworkinterface"
    address = entity.attributes.get("occi.networkinterface.address")
    assert isinstance(address, str) and address, (
        f"a link carrying ipnetworkinterface shows occi.networkinterface.address={address!r}"
    )
    if exchange.status in (200, 201) and address != "10.0.0.42":
        occi.note("INFRA-IPNIC-01", f"static address 10.0.0.42 read back as {address!r}")


@destructive
@requirement("INFRA-SLINK-01")
def test_storagelink_instance(occi: OCCISession, slink: str) -> None:
    entity = occi.read(slink)
    assert entity.kind == STORAGELINK, f"the link renders kind {entity.kind!r}"
    deviceid = entity.attributes.get("occi.storagelink.deviceid")
    assert deviceid == "/dev/vdb", f"occi.storagelink.deviceid reads {deviceid!r}, not /dev/vdb"
    value = entity.attributes.get("occi.storagelink.state")
    inf.check_state_value(occi, STORAGELINK, value, slink)


@destructive
@requirement("INFRA-LINK-01")
def test_networkinterface_to_storage_refused(occi: OCCISession, compute: str, storage: str) -> None:
    inf.kind(occi, NETWORKINTERFACE)
    values = {
        "occi.core.source": inf.ref(compute),
        "occi.core.target": inf.ref(storage),
        "occi.networkinterface.interface": "eth9",
        "occi.networkinterface.mac": "02:00:0a:00:00:99",
    }
    exchange = inf.try_create(occi, NETWORKINTERFACE, values)
    assert 400 <= exchange.status < 500, (
        f"a networkinterface whose target is a storage answered {exchange.status}, not 4xx"
    )


# -- templates ------------------------------------------------------------------------------


def _family_ids(entity: Entity, family: set[str]) -> list[str]:
    return [m for m in entity.mixins if m in family]


def associate(occi: OCCISession, url: str, mixin_id: str) -> int:
    """Attach a mixin to an entity: partial update first, then the mixin collection (both
    are H12 ways); returns the status of the way that was used last."""
    entity = occi.read(url)
    exchange = inf.partial_update(occi, url, entity.kind, mixins=[mixin_id])
    if exchange.status in (200, 201, 202, 204):
        return exchange.status
    location = occi.model.mixin(mixin_id).location  # type: ignore[union-attr]
    if not location:
        return exchange.status
    fallback = occi.client.request(
        "POST",
        location,
        headers=[("X-OCCI-Location", url)],
        content_type=TEXT_OCCI,
        accept=TEXT_PLAIN,
    )
    occi.note(
        "INFRA-RESTPL-02",
        f"attaching by partial update answered {exchange.status}; through the mixin "
        f"collection {fallback.status}",
    )
    return fallback.status


@destructive
@requirement("INFRA-OSTPL-01b")
def test_default_os_template(occi: OCCISession) -> None:
    resource = [m.id for m in inf.templates(occi, RESOURCE_TPL)][:1]
    configured = [occi.config.resource_tpl] if occi.config.resource_tpl else resource
    exchange = inf.try_create(occi, COMPUTE, {}, configured)
    assert exchange.status < 500, f"a compute without os_tpl answered {exchange.status}"
    if exchange.status not in (200, 201):
        occi.note("INFRA-OSTPL-01b", f"a compute without os_tpl is refused ({exchange.status})")
        return
    entity = occi.read(occi.location_of(exchange))
    chosen = inf.mixins_of_family(occi, entity, OS_TPL)
    assert len(chosen) <= 1, f"a compute without os_tpl got several OS templates {chosen}"
    occi.note("INFRA-OSTPL-01b", f"a compute without os_tpl got {chosen or 'no template'}")


@destructive
@requirement("INFRA-OSTPL-02")
def test_compute_from_os_template(occi: OCCISession) -> None:
    found = _check_family(occi, OS_TPL)
    chosen = occi.config.os_tpl or found[0]
    resource = [m for m in occi.compute_mixins() if m != chosen and m not in found]
    url, _ = occi.create(COMPUTE, mixins=[chosen, *resource])
    entity = occi.read(url)
    assert chosen in entity.mixins, f"the compute created with {chosen} does not carry it"


@destructive
@requirement("INFRA-RESTPL-01")
def test_compute_from_both_templates(occi: OCCISession) -> None:
    found = _check_family(occi, RESOURCE_TPL)
    chosen = occi.compute_mixins()
    url, _ = occi.create(COMPUTE, mixins=chosen)
    entity = occi.read(url)
    missing = [m for m in chosen if m not in entity.mixins]
    assert not missing, f"the compute created with {chosen} does not carry {missing}"
    assert any(m in entity.mixins for m in found)


def _two_templates(occi: OCCISession, family: str) -> tuple[str, str]:
    found = [m.id for m in inf.templates(occi, family)]
    crtp = [CRTP_SCHEME + t for t in ("small", "medium")]
    if all(t in found for t in crtp):
        return crtp[0], crtp[1]
    if len(found) < 2:
        not_applicable(f"the endpoint offers fewer than two templates depending on {family}")
    return found[0], found[1]


def _compute_with(occi: OCCISession, family: str, template: str) -> str:
    others = [
        m for m in occi.compute_mixins() if m not in {t.id for t in inf.templates(occi, family)}
    ]
    url, _ = occi.create(COMPUTE, mixins=[template, *others])
    assert template in occi.read(url).mixins, f"the compute does not carry {template}"
    return url


@destructive
@requirement("INFRA-OSTPL-03")
def test_os_template_swap(occi: OCCISession) -> None:
    inf.require_12(occi)
    old, new = _two_templates(occi, OS_TPL)
    url = _compute_with(occi, OS_TPL, old)
    status = associate(occi, url, new)
    assert status < 500 or status == 501, f"attaching a second os_tpl answered {status}"
    family = {t.id for t in inf.templates(occi, OS_TPL)}
    attached = _family_ids(occi.read(url), family)
    if status in (200, 201, 202, 204):
        assert attached == [new], (
            f"after attaching {new} the compute carries the OS templates {attached}; "
            "only the new one may remain"
        )
        occi.note("AMB-INFRA-09", "os_tpl swap supported: the old template was replaced")
    else:
        assert attached == [old], (
            f"the os_tpl swap was refused ({status}) but the compute now carries {attached}"
        )
        occi.note("AMB-INFRA-09", f"os_tpl swap refused with {status}")


@destructive
@requirement("INFRA-RESTPL-02")
def test_resource_template_swap(occi: OCCISession) -> None:
    inf.require_12(occi)
    old, new = _two_templates(occi, RESOURCE_TPL)
    url = _compute_with(occi, RESOURCE_TPL, old)
    status = associate(occi, url, new)
    assert status in (200, 201, 202, 204), (
        f"attaching resource template {new} to a compute with {old} answered {status}; "
        "the new template must replace the old one"
    )
    entity = occi.read(url)
    attached = _family_ids(entity, {t.id for t in inf.templates(occi, RESOURCE_TPL)})
    assert attached == [new], f"after attaching {new} the compute carries {attached}"
    sizes = template_sizes(occi, new)
    for name in ("occi.compute.cores", "occi.compute.memory"):
        if name in sizes and name in entity.attributes:
            got = entity.attributes[name]
            assert got == sizes[name], f"{name} is {got!r}; template {new} sets {sizes[name]!r}"


def template_sizes(occi: OCCISession, template_id: str) -> dict[str, object]:
    """The sizes a template sets: its JSON defaults, else the CRTP table for CRTP terms."""
    sizes = inf.template_defaults(occi, template_id)
    scheme, _, term = template_id.rpartition("#")
    if not sizes and scheme + "#" == CRTP_SCHEME and term in CRTP_SIZES:
        _, cores, memory, _ = CRTP_SIZES[term]
        sizes = {"occi.compute.cores": cores, "occi.compute.memory": memory}
    return sizes


@destructive
@requirement("INFRA-RESTPL-04")
def test_resource_template_overrides_sizes(occi: OCCISession) -> None:
    inf.require_12(occi)
    candidates = [
        (t.id, template_sizes(occi, t.id).get("occi.compute.cores"))
        for t in inf.templates(occi, RESOURCE_TPL)
    ]
    usable = [(t, c) for t, c in candidates if isinstance(c, int) and c != 8]
    if not usable:
        not_applicable("no resource template advertises its core count")
    template, cores = usable[0]
    others = [m for m in occi.compute_mixins() if m not in {t for t, _ in candidates}]
    exchange = inf.try_create(occi, COMPUTE, {"occi.compute.cores": 8}, [template, *others])
    assert exchange.status < 500, f"cores=8 with template {template} answered {exchange.status}"
    if exchange.status not in (200, 201):
        occi.note("AMB-INFRA-06", f"cores=8 with a template is refused ({exchange.status})")
        return
    got = occi.read(occi.location_of(exchange)).attributes.get("occi.compute.cores")
    assert got in (8, cores), f"cores=8 with template {template} ({cores}) gave cores={got!r}"
    reading = "template-wins" if got == cores else "explicit-wins"
    occi.note("AMB-INFRA-06", f"{reading}: cores=8 with a {cores}-core template gives {got}")


# -- contextualisation ----------------------------------------------------------------------


def _applies_to_compute_only(occi: OCCISession, mixin_id: str, attribute: str) -> None:
    inf.require_12(occi)
    inf.mixin(occi, mixin_id)
    checked = False
    if inf.json_model(occi) is not None:
        _check_compute_only(occi, mixin_id)
        checked = True
    if occi.model.kind(STORAGE) is not None:
        exchange = inf.try_create(
            occi, STORAGE, {"occi.storage.size": 1.0, attribute: "x"}, [mixin_id]
        )
        assert 400 <= exchange.status < 500, (
            f"a storage carrying {mixin_id} (which applies to compute only) answered "
            f"{exchange.status}, not 4xx"
        )
        checked = True
    if not checked:
        not_applicable("neither a JSON query interface nor a storage kind to check against")


@destructive
@requirement("INFRA-CRED-01b")
def test_ssh_key_applies_to_compute_only(occi: OCCISession) -> None:
    _applies_to_compute_only(occi, SSH_KEY, "occi.credentials.ssh.publickey")


@destructive
@requirement("INFRA-CTX-01b")
def test_user_data_applies_to_compute_only(occi: OCCISession) -> None:
    _applies_to_compute_only(occi, USER_DATA, "occi.compute.userdata")


PUBLIC_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOCCIconformanceTESTKEY0000000000000 suite@occi"
USER_DATA_VALUE = "I2Nsb3VkLWNvbmZpZwpydW5jbWQ6CiAgLSBlY2hvIG9jY2kK"  # base64 cloud-config


@destructive
@requirement("INFRA-CRED-02")
def test_compute_with_ssh_key(occi: OCCISession) -> None:
    inf.require_12(occi)
    mixin = inf.mixin(occi, SSH_KEY)
    check_category_attributes(occi, mixin, MIXIN_ATTRIBUTES[SSH_KEY])
    url = inf.create(occi, COMPUTE, {"occi.credentials.ssh.publickey": PUBLIC_KEY}, [SSH_KEY])
    entity = occi.read(url)
    assert SSH_KEY in entity.mixins, "the compute created with ssh_key does not carry it"
    shown = entity.attributes.get("occi.credentials.ssh.publickey")
    if shown is None:
        inf.warn(occi, "INFRA-CRED-02", "the public key is hidden in the compute rendering")
    else:
        assert shown == PUBLIC_KEY, f"occi.credentials.ssh.publickey reads {shown!r}"


@destructive
@requirement("INFRA-CTX-02")
def test_compute_with_user_data(occi: OCCISession) -> None:
    inf.require_12(occi)
    mixin = inf.mixin(occi, USER_DATA)
    assert "occi.compute.userdata" in inf.attribute_names(mixin), (
        "user_data does not define occi.compute.userdata"
    )
    url = inf.create(occi, COMPUTE, {"occi.compute.userdata": USER_DATA_VALUE}, [USER_DATA])
    entity = occi.read(url)
    assert USER_DATA in entity.mixins, "the compute created with user_data does not carry it"
    shown = entity.attributes.get("occi.compute.userdata")
    assert shown in (None, USER_DATA_VALUE), f"occi.compute.userdata reads {shown!r}"
    exchange = inf.partial_update(occi, url, COMPUTE, {"occi.compute.userdata": "Y2hhbmdlZA=="})
    assert exchange.status < 500, f"updating occi.compute.userdata answered {exchange.status}"
    if exchange.status in (200, 201, 202, 204):
        inf.warn(occi, "AMB-INFRA-07", "update-accepted: occi.compute.userdata changed after boot")
    else:
        occi.note("AMB-INFRA-07", f"update-refused with {exchange.status}")
