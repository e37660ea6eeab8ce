"""OCCI 1.1 Infrastructure (I11 = GFD.184), as the differences from the 1.2 definitions
(digest §3, D23–D27): what a legacy (1.1) endpoint advertises.

- compute has occi.compute.speed instead of share, no state.message, no error state and no
  save action (D23);
- storage has the states online, offline, backup, snapshot, resize and degraded and the
  actions online, offline, backup, snapshot and resize(size) (D24);
- network and the links have no error state and no state.message (D25).

The ssh_key and user_data mixins and the link's occi.core.target.kind are new in 1.2
(D12, D27), so they are left out; in their place are the contextualisation mixins EGI's 1.1
sites offered under schemas.openstack.org (public_key, user_data). The other mixins keep
their 1.2 form (text renders no ``applies``).
"""

from __future__ import annotations

from dataclasses import replace

from occi_protocol.definitions import core
from occi_protocol.definitions import infrastructure as i12
from occi_protocol.model import Action, Attribute, Kind, Mixin, Model

STORAGE_STATES_11 = ("online", "offline", "backup", "snapshot", "resize", "degraded")

BACKUP = Action(scheme=i12.STORAGE_ACTION, term="backup", title="Back the storage up")
SNAPSHOT = Action(scheme=i12.STORAGE_ACTION, term="snapshot", title="Snapshot the storage")
RESIZE = Action(
    scheme=i12.STORAGE_ACTION,
    term="resize",
    title="Resize the storage",
    attributes=(Attribute(name="size", type="float", minimum=0, description="New size in GiB"),),
)


def _state11(name: str, values: tuple[str, ...], default: str) -> Attribute:
    """The 1.1 state attribute: the 1.2 one without the values 1.1 lacks; no .message."""
    return Attribute(
        name=name, type="enum", enum=values, mutable=False, default=default, description="State"
    )


def _without_state(kind: Kind) -> tuple[Attribute, ...]:
    return tuple(a for a in kind.attributes if ".state" not in a.name)


def _two_states(kind: Kind, name: str) -> Kind:
    """A network or link kind of 1.1: states active and inactive only (D25)."""
    state = _state11(name, ("active", "inactive"), "inactive")
    return replace(kind, attributes=(*_without_state(kind), state))


COMPUTE_KIND_11 = replace(
    i12.COMPUTE_KIND,
    actions=(i12.START.id, i12.STOP.id, i12.RESTART.id, i12.SUSPEND.id),
    attributes=(
        *(a for a in _without_state(i12.COMPUTE_KIND) if a.name != "occi.compute.share"),
        Attribute(
            name="occi.compute.speed", type="float", minimum=0, description="CPU clock in GHz"
        ),
        _state11("occi.compute.state", ("active", "inactive", "suspended"), "inactive"),
    ),
)
STORAGE_KIND_11 = replace(
    i12.STORAGE_KIND,
    actions=(i12.ONLINE.id, i12.OFFLINE.id, BACKUP.id, SNAPSHOT.id, RESIZE.id),
    attributes=(
        *_without_state(i12.STORAGE_KIND),
        _state11("occi.storage.state", STORAGE_STATES_11, "offline"),
    ),
)
NETWORK_KIND_11 = _two_states(i12.NETWORK_KIND, "occi.network.state")
NETWORKINTERFACE_KIND_11 = _two_states(i12.NETWORKINTERFACE_KIND, "occi.networkinterface.state")
STORAGELINK_KIND_11 = _two_states(i12.STORAGELINK_KIND, "occi.storagelink.state")

LINK_KIND_11 = replace(
    core.LINK_KIND,
    attributes=tuple(a for a in core.LINK_KIND.attributes if a.name != "occi.core.target.kind"),
)
CORE_CATEGORIES_11 = (core.ENTITY_KIND, core.RESOURCE_KIND, LINK_KIND_11)

#: The contextualisation mixins of the OCCI 1.1 era (rOCCI 1.x, ooi; EGI's 1.1 sites), under
#: schemas.openstack.org: a 1.1 endpoint's only ones, and accepted beside the 1.2 ones by the
#: OpenNebula backend.
LEGACY_SSH_MIXIN = Mixin(
    scheme="http://schemas.openstack.org/instance/credentials#",
    term="public_key",
    title="Legacy SSH public key",
    applies=(i12.COMPUTE,),
    location="/mixin/public_key/",
    attributes=(
        Attribute(name="org.openstack.credentials.publickey.data", description="Public key"),
    ),
)
LEGACY_USER_DATA_MIXIN = Mixin(
    scheme="http://schemas.openstack.org/compute/instance#",
    term="user_data",
    title="Legacy user data",
    applies=(i12.COMPUTE,),
    location="/mixin/openstack_user_data/",
    attributes=(Attribute(name="org.openstack.compute.user_data", description="Base64 user data"),),
)

ACTIONS_11 = (
    i12.START,
    i12.STOP,
    i12.RESTART,
    i12.SUSPEND,
    i12.UP,
    i12.DOWN,
    i12.ONLINE,
    i12.OFFLINE,
    BACKUP,
    SNAPSHOT,
    RESIZE,
)
INFRASTRUCTURE_CATEGORIES_11 = (
    COMPUTE_KIND_11,
    STORAGE_KIND_11,
    NETWORK_KIND_11,
    NETWORKINTERFACE_KIND_11,
    STORAGELINK_KIND_11,
    i12.IPNETWORK_MIXIN,
    i12.IPNETWORKINTERFACE_MIXIN,
    i12.OS_TPL_MIXIN,
    i12.RESOURCE_TPL_MIXIN,
    LEGACY_SSH_MIXIN,
    LEGACY_USER_DATA_MIXIN,
    *ACTIONS_11,
)
INFRASTRUCTURE_MODEL_11 = Model((*CORE_CATEGORIES_11, *INFRASTRUCTURE_CATEGORIES_11))
