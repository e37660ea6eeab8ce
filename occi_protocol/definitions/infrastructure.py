"""OCCI 1.2 Infrastructure categories (I12 §3, tables 1–15).

``required`` means what C12 means by it: the client must supply the value at creation.
Multiplicity-1 attributes the provider manages (states, interface names, assigned addresses)
are therefore not required, as J12's own example marks occi.compute.state (AMB-CORE-01).

Locations are this project's defaults; a provider picks its own (H12 §3.1), so clients and
the conformance suite always read them from the query interface.
"""

from __future__ import annotations

from occi_protocol.definitions.core import CORE_CATEGORIES
from occi_protocol.model import LINK, RESOURCE, Action, Attribute, Kind, Mixin, Model

INFRA = "http://schemas.ogf.org/occi/infrastructure#"
COMPUTE = INFRA + "compute"
STORAGE = INFRA + "storage"
NETWORK = INFRA + "network"
NETWORKINTERFACE = INFRA + "networkinterface"
STORAGELINK = INFRA + "storagelink"
OS_TPL = INFRA + "os_tpl"
RESOURCE_TPL = INFRA + "resource_tpl"
IPNETWORK = "http://schemas.ogf.org/occi/infrastructure/network#ipnetwork"
IPNETWORKINTERFACE = (
    "http://schemas.ogf.org/occi/infrastructure/networkinterface#ipnetworkinterface"
)
SSH_KEY = "http://schemas.ogf.org/occi/infrastructure/credentials#ssh_key"
USER_DATA = "http://schemas.ogf.org/occi/infrastructure/compute#user_data"

COMPUTE_ACTION = "http://schemas.ogf.org/occi/infrastructure/compute/action#"
NETWORK_ACTION = "http://schemas.ogf.org/occi/infrastructure/network/action#"
STORAGE_ACTION = "http://schemas.ogf.org/occi/infrastructure/storage/action#"

_OCTET = r"(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])"
_IPV4 = rf"(?:{_OCTET}\.){{3}}{_OCTET}"
_IPV6 = r"[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*"
IP_PATTERN = rf"(?:{_IPV4}|{_IPV6})"
CIDR_PATTERN = rf"(?:{_IPV4}/(?:3[0-2]|[12]?[0-9])|{_IPV6}/(?:12[0-8]|1[01][0-9]|[1-9]?[0-9]))"
MAC_PATTERN = r"[0-9A-Fa-f]{2}(?::[0-9A-Fa-f]{2}){5}"
#: occi.network.label is a token (RFC 7230 tchar).
TOKEN_PATTERN = r"[!#$%&'*+.^_`|~0-9A-Za-z-]+"


def _state(name: str, values: tuple[str, ...], default: str) -> tuple[Attribute, Attribute]:
    return (
        Attribute(
            name=name,
            type="enum",
            enum=values,
            mutable=False,
            default=default,
            description="Current state",
        ),
        Attribute(name=name + ".message", mutable=False, description="Reason for the state"),
    )


def _method(*values: str) -> Attribute:
    return Attribute(name="method", type="enum", enum=values, description="How to do it")


START = Action(scheme=COMPUTE_ACTION, term="start", title="Start the compute")
STOP = Action(
    scheme=COMPUTE_ACTION,
    term="stop",
    title="Stop the compute",
    attributes=(_method("graceful", "acpioff", "poweroff"),),
)
RESTART = Action(
    scheme=COMPUTE_ACTION,
    term="restart",
    title="Restart the compute",
    attributes=(_method("graceful", "warm", "cold"),),
)
SUSPEND = Action(
    scheme=COMPUTE_ACTION,
    term="suspend",
    title="Suspend the compute",
    attributes=(_method("hibernate", "suspend"),),
)
SAVE = Action(
    scheme=COMPUTE_ACTION,
    term="save",
    title="Save the compute as an OS template",
    attributes=(
        _method("hot", "deferred"),
        Attribute(name="name", description="Name of the new OS template"),
    ),
)
UP = Action(scheme=NETWORK_ACTION, term="up", title="Bring the network up")
DOWN = Action(scheme=NETWORK_ACTION, term="down", title="Take the network down")
ONLINE = Action(scheme=STORAGE_ACTION, term="online", title="Bring the storage online")
OFFLINE = Action(scheme=STORAGE_ACTION, term="offline", title="Take the storage offline")

COMPUTE_KIND = Kind(
    scheme=INFRA,
    term="compute",
    title="Compute resource",
    parent=RESOURCE,
    location="/compute/",
    actions=(START.id, STOP.id, RESTART.id, SUSPEND.id, SAVE.id),
    attributes=(
        Attribute(
            name="occi.compute.architecture",
            type="enum",
            enum=("x86", "x64"),
            description="CPU architecture",
        ),
        Attribute(name="occi.compute.cores", type="integer", minimum=1, description="CPU cores"),
        Attribute(name="occi.compute.hostname", description="Fully qualified host name"),
        Attribute(
            name="occi.compute.share", type="integer", minimum=0, description="Relative CPU share"
        ),
        Attribute(name="occi.compute.memory", type="float", minimum=0, description="RAM in GiB"),
        *_state("occi.compute.state", ("active", "inactive", "suspended", "error"), "inactive"),
    ),
)

STORAGE_KIND = Kind(
    scheme=INFRA,
    term="storage",
    title="Storage resource",
    parent=RESOURCE,
    location="/storage/",
    actions=(ONLINE.id, OFFLINE.id),
    attributes=(
        Attribute(
            name="occi.storage.size",
            type="float",
            minimum=0,
            required=True,
            description="Size in GiB",
        ),
        *_state("occi.storage.state", ("online", "offline", "error"), "offline"),
    ),
)

NETWORK_KIND = Kind(
    scheme=INFRA,
    term="network",
    title="Network resource",
    parent=RESOURCE,
    location="/network/",
    actions=(UP.id, DOWN.id),
    attributes=(
        Attribute(
            name="occi.network.vlan", type="integer", minimum=0, maximum=4095, description="VLAN"
        ),
        Attribute(name="occi.network.label", pattern=TOKEN_PATTERN, description="Label"),
        *_state("occi.network.state", ("active", "inactive", "error"), "inactive"),
    ),
)

NETWORKINTERFACE_KIND = Kind(
    scheme=INFRA,
    term="networkinterface",
    title="Network interface link",
    parent=LINK,
    location="/networkinterface/",
    attributes=(
        Attribute(
            name="occi.networkinterface.interface",
            mutable=False,
            description="Interface name, e.g. eth0",
        ),
        Attribute(
            name="occi.networkinterface.mac",
            pattern=MAC_PATTERN,
            description="MAC address (assigned by the provider when not given)",
        ),
        *_state("occi.networkinterface.state", ("active", "inactive", "error"), "inactive"),
    ),
)

STORAGELINK_KIND = Kind(
    scheme=INFRA,
    term="storagelink",
    title="Storage link",
    parent=LINK,
    location="/storagelink/",
    attributes=(
        Attribute(
            name="occi.storagelink.deviceid",
            required=True,
            description="Device id, e.g. /dev/vdb",
        ),
        Attribute(name="occi.storagelink.mountpoint", description="Mount point in the guest"),
        *_state("occi.storagelink.state", ("active", "inactive", "error"), "inactive"),
    ),
)

IPNETWORK_MIXIN = Mixin(
    scheme="http://schemas.ogf.org/occi/infrastructure/network#",
    term="ipnetwork",
    title="IP networking",
    applies=(NETWORK,),
    location="/mixin/ipnetwork/",
    attributes=(
        Attribute(name="occi.network.address", pattern=CIDR_PATTERN, description="CIDR block"),
        Attribute(name="occi.network.gateway", pattern=IP_PATTERN, description="Gateway"),
        Attribute(
            name="occi.network.allocation",
            type="enum",
            enum=("dynamic", "static"),
            description="Address allocation",
        ),
    ),
)

IPNETWORKINTERFACE_MIXIN = Mixin(
    scheme="http://schemas.ogf.org/occi/infrastructure/networkinterface#",
    term="ipnetworkinterface",
    title="IP network interface",
    applies=(NETWORKINTERFACE,),
    location="/mixin/ipnetworkinterface/",
    attributes=(
        Attribute(
            name="occi.networkinterface.address",
            pattern=IP_PATTERN,
            description="IP address (assigned by the provider when not given)",
        ),
        Attribute(name="occi.networkinterface.gateway", pattern=IP_PATTERN, description="Gateway"),
        Attribute(
            name="occi.networkinterface.allocation",
            type="enum",
            enum=("dynamic", "static"),
            required=True,
            default="dynamic",
            description="Address allocation",
        ),
    ),
)

OS_TPL_MIXIN = Mixin(
    scheme=INFRA, term="os_tpl", title="OS template", applies=(COMPUTE,), location="/mixin/os_tpl/"
)
RESOURCE_TPL_MIXIN = Mixin(
    scheme=INFRA,
    term="resource_tpl",
    title="Resource template",
    applies=(COMPUTE,),
    location="/mixin/resource_tpl/",
)

SSH_KEY_MIXIN = Mixin(
    scheme="http://schemas.ogf.org/occi/infrastructure/credentials#",
    term="ssh_key",
    title="SSH public key credentials",
    applies=(COMPUTE,),
    location="/mixin/ssh_key/",
    attributes=(
        Attribute(
            name="occi.credentials.ssh.publickey",
            required=True,
            description="SSH public key to inject",
        ),
    ),
)

USER_DATA_MIXIN = Mixin(
    scheme="http://schemas.ogf.org/occi/infrastructure/compute#",
    term="user_data",
    title="Contextualisation data",
    applies=(COMPUTE,),
    location="/mixin/user_data/",
    attributes=(
        Attribute(
            name="occi.compute.userdata",
            required=True,
            description="Contextualisation data, run at the end of boot",
        ),
    ),
)

ACTIONS = (START, STOP, RESTART, SUSPEND, SAVE, UP, DOWN, ONLINE, OFFLINE)
INFRASTRUCTURE_CATEGORIES = (
    COMPUTE_KIND,
    STORAGE_KIND,
    NETWORK_KIND,
    NETWORKINTERFACE_KIND,
    STORAGELINK_KIND,
    IPNETWORK_MIXIN,
    IPNETWORKINTERFACE_MIXIN,
    OS_TPL_MIXIN,
    RESOURCE_TPL_MIXIN,
    SSH_KEY_MIXIN,
    USER_DATA_MIXIN,
    *ACTIONS,
)
INFRASTRUCTURE_MODEL = Model((*CORE_CATEGORIES, *INFRASTRUCTURE_CATEGORIES))
