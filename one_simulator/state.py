"""The simulated oned's objects, their permissions and the store that locks them.

One :class:`Store` holds every pool behind one re-entrant lock: requests are short,
and a single lock keeps VM, image and lease changes consistent the way oned's pool
locks do for one request. Time is the store's :class:`Clock`, which tests can move
forward (``simulator.advance``) instead of sleeping.
"""

from __future__ import annotations

import hashlib
import threading
import time
from dataclasses import dataclass, field

from .template import Template

# --- enumerations (numbers as in oned and pyone) ---------------------------------------

VM_STATES = [
    "INIT", "PENDING", "HOLD", "ACTIVE", "STOPPED", "SUSPENDED", "DONE", "FAILED",
    "POWEROFF", "UNDEPLOYED", "CLONING", "CLONING_FAILURE",
]  # fmt: skip
LCM_STATES = [
    "LCM_INIT", "PROLOG", "BOOT", "RUNNING", "MIGRATE", "SAVE_STOP", "SAVE_SUSPEND",
    "SAVE_MIGRATE", "PROLOG_MIGRATE", "PROLOG_RESUME", "EPILOG_STOP", "EPILOG", "SHUTDOWN",
    "CANCEL", "FAILURE", "CLEANUP_RESUBMIT", "UNKNOWN", "HOTPLUG", "SHUTDOWN_POWEROFF",
    "BOOT_UNKNOWN", "BOOT_POWEROFF", "BOOT_SUSPENDED", "BOOT_STOPPED", "CLEANUP_DELETE",
    "HOTPLUG_SNAPSHOT", "HOTPLUG_NIC", "HOTPLUG_SAVEAS", "HOTPLUG_SAVEAS_POWEROFF",
    "HOTPLUG_SAVEAS_SUSPENDED", "SHUTDOWN_UNDEPLOY", "EPILOG_UNDEPLOY", "PROLOG_UNDEPLOY",
    "BOOT_UNDEPLOY", "HOTPLUG_PROLOG_POWEROFF", "HOTPLUG_EPILOG_POWEROFF", "BOOT_MIGRATE",
    "BOOT_FAILURE", "BOOT_MIGRATE_FAILURE", "PROLOG_MIGRATE_FAILURE", "PROLOG_FAILURE",
    "EPILOG_FAILURE", "EPILOG_STOP_FAILURE", "EPILOG_UNDEPLOY_FAILURE",
    "PROLOG_MIGRATE_POWEROFF", "PROLOG_MIGRATE_POWEROFF_FAILURE", "PROLOG_MIGRATE_SUSPEND",
    "PROLOG_MIGRATE_SUSPEND_FAILURE", "BOOT_UNDEPLOY_FAILURE", "BOOT_STOPPED_FAILURE",
    "PROLOG_RESUME_FAILURE", "PROLOG_UNDEPLOY_FAILURE", "DISK_SNAPSHOT_POWEROFF",
    "DISK_SNAPSHOT_REVERT_POWEROFF", "DISK_SNAPSHOT_DELETE_POWEROFF",
    "DISK_SNAPSHOT_SUSPENDED", "DISK_SNAPSHOT_REVERT_SUSPENDED",
    "DISK_SNAPSHOT_DELETE_SUSPENDED", "DISK_SNAPSHOT", "DISK_SNAPSHOT_REVERT",
    "DISK_SNAPSHOT_DELETE", "PROLOG_MIGRATE_UNKNOWN", "PROLOG_MIGRATE_UNKNOWN_FAILURE",
    "DISK_RESIZE", "DISK_RESIZE_POWEROFF", "DISK_RESIZE_UNDEPLOYED", "HOTPLUG_NIC_POWEROFF",
    "HOTPLUG_RESIZE", "HOTPLUG_SAVEAS_UNDEPLOYED", "HOTPLUG_SAVEAS_STOPPED",
]  # fmt: skip
VM = {name: i for i, name in enumerate(VM_STATES)}
LCM = {name: i for i, name in enumerate(LCM_STATES)}

IMAGE_STATES = [
    "INIT", "READY", "USED", "DISABLED", "LOCKED", "ERROR", "CLONE", "DELETE", "USED_PERS",
    "LOCKED_USED", "LOCKED_USED_PERS",
]  # fmt: skip
IMG = {name: i for i, name in enumerate(IMAGE_STATES)}
IMAGE_TYPES = ["OS", "CDROM", "DATABLOCK", "KERNEL", "RAMDISK", "CONTEXT"]
DATASTORE_TYPES = ["IMAGE", "SYSTEM", "FILE"]

ONEADMIN_UID = 0
ONEADMIN_GID = 0

# --- permissions -----------------------------------------------------------------------

OPS = {"USE": 0, "MANAGE": 1, "ADMIN": 2}


@dataclass
class Perms:
    """oned's nine permission bits: owner/group/other × use/manage/admin."""

    bits: list[int] = field(default_factory=lambda: [1, 1, 0, 0, 0, 0, 0, 0, 0])

    @classmethod
    def from_octal(cls, text: str | int) -> Perms:
        """``"640"`` → owner use+manage, group use (4 use, 2 manage, 1 admin)."""
        digits = str(text).rjust(3, "0")
        if len(digits) != 3 or any(d not in "01234567" for d in digits):
            raise ValueError(f"permissions must be three octal digits, got {text!r}")
        bits = []
        for digit in digits:
            value = int(digit)
            bits += [int(bool(value & 4)), int(bool(value & 2)), int(bool(value & 1))]
        return cls(bits)

    def allows(self, who: int, op: str) -> bool:
        """``who`` 0 owner, 1 group, 2 other."""
        return bool(self.bits[who * 3 + OPS[op]])


PERM_NAMES = [f"{who}_{op}" for who in ("OWNER", "GROUP", "OTHER") for op in ("U", "M", "A")]


def hash_password(password: str) -> str:
    """oned's core driver stores SHA-256 hex of the password."""
    return hashlib.sha256(password.encode()).hexdigest()


# --- objects ---------------------------------------------------------------------------


@dataclass
class Group:
    id: int
    name: str


@dataclass
class LoginToken:
    token: str
    expires: float
    egid: int


@dataclass
class User:
    id: int
    name: str
    password_hash: str
    gid: int
    groups: list[int]
    auth_driver: str = "core"
    enabled: bool = True
    template: Template = field(default_factory=Template)
    tokens: list[LoginToken] = field(default_factory=list)


@dataclass
class Owned:
    """What every pool object shares: id, owner, group, name, permissions."""

    id: int
    uid: int
    gid: int
    name: str
    perms: Perms = field(default_factory=Perms)
    regtime: int = 0
    template: Template = field(default_factory=Template)


@dataclass
class VmTemplate(Owned):
    pass


@dataclass
class Image(Owned):
    type: int = 0
    persistent: bool = False
    state: int = IMG["READY"]
    prev_state: int = IMG["INIT"]
    size_mb: int = 0
    ds_id: int = 1
    path: str = ""
    source: str = ""
    format: str = "qcow2"
    vms: list[int] = field(default_factory=list)
    modtime: int = 0


@dataclass
class AddressRange:
    ar_id: int
    type: str  # IP4 or ETHER
    size: int
    mac: str
    ip: str | None = None
    extra: dict[str, str] = field(default_factory=dict)
    leases: dict[int, int] = field(default_factory=dict)  # index -> VM id
    next_index: int = 0


@dataclass
class VNet(Owned):
    bridge: str = ""
    vn_mad: str = "bridge"
    phydev: str = ""
    vlan_id: str = ""
    clusters: list[int] = field(default_factory=lambda: [0])
    ars: list[AddressRange] = field(default_factory=list)


@dataclass
class Datastore(Owned):
    type: int = 0
    ds_mad: str = "fs"
    tm_mad: str = "ssh"
    total_mb: int = 102400
    free_mb: int = 102400
    state: int = 0
    clusters: list[int] = field(default_factory=lambda: [0])


@dataclass
class Host:
    id: int
    name: str
    cluster_id: int = 0
    im_mad: str = "kvm"
    vm_mad: str = "kvm"
    max_mem_kb: int = 16 * 1024 * 1024
    max_cpu: int = 800
    vms: list[int] = field(default_factory=list)


@dataclass
class Cluster:
    id: int
    name: str


@dataclass
class History:
    seq: int
    hid: int
    hostname: str
    cid: int
    ds_id: int
    stime: int
    etime: int = 0
    action: int = 0
    vm_mad: str = "kvm"
    tm_mad: str = "ssh"


@dataclass
class Step:
    """A timed transition: at ``at`` the VM moves to (state, lcm) and ``hook`` runs."""

    at: float
    state: int
    lcm: int
    hook: str = ""


@dataclass
class VirtualMachine(Owned):
    state: int = VM["PENDING"]
    lcm_state: int = LCM["LCM_INIT"]
    prev_state: int = VM["PENDING"]
    prev_lcm_state: int = LCM["LCM_INIT"]
    resched: int = 0
    stime: int = 0
    etime: int = 0
    deploy_id: str = ""
    last_poll: int = 0
    user_template: Template = field(default_factory=Template)
    history: list[History] = field(default_factory=list)
    plan: list[Step] = field(default_factory=list)
    # Disk/NIC id being hot-plugged out, removed when the HOTPLUG step ends.
    detaching: tuple[str, int] | None = None

    def state_str(self) -> str:
        """oned's ``state_str``: the LCM name while ACTIVE, else the VM state name."""
        if self.state == VM["ACTIVE"]:
            return LCM_STATES[self.lcm_state]
        return VM_STATES[self.state]


# --- sessions --------------------------------------------------------------------------


@dataclass
class Session:
    """Who is calling: resolved from ``user:password`` or ``user:token``."""

    uid: int
    uname: str
    gid: int
    gname: str
    group_ids: set[int]

    @property
    def is_admin(self) -> bool:
        return self.uid == ONEADMIN_UID or ONEADMIN_GID in self.group_ids


def can(session: Session, obj: Owned, op: str) -> bool:
    """oned's permission check (no ACL rules beyond the admin group)."""
    if session.is_admin:
        return True
    if obj.uid == session.uid and obj.perms.allows(0, op):
        return True
    if obj.gid in session.group_ids and obj.perms.allows(1, op):
        return True
    return obj.perms.allows(2, op)


# --- clock and store -------------------------------------------------------------------


class Clock:
    """Monotonic time plus an offset tests can push forward."""

    def __init__(self) -> None:
        self.offset = 0.0

    def now(self) -> float:
        return time.monotonic() + self.offset

    def epoch(self) -> int:
        """Wall-clock seconds for STIME/REGTIME fields, moved by the same offset."""
        return int(time.time() + self.offset)


@dataclass
class Fault:
    code: int
    message: str
    remaining: int  # -1 = forever


class Store:
    """Every pool, the id counters, the clock and the injected faults."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.clock = Clock()
        self.version = "6.10.0"
        self.step_seconds = 2.0
        self.groups: dict[int, Group] = {}
        self.users: dict[int, User] = {}
        self.clusters: dict[int, Cluster] = {}
        self.hosts: dict[int, Host] = {}
        self.datastores: dict[int, Datastore] = {}
        self.images: dict[int, Image] = {}
        self.vnets: dict[int, VNet] = {}
        self.templates: dict[int, VmTemplate] = {}
        self.vms: dict[int, VirtualMachine] = {}
        self.next_ids: dict[str, int] = {}
        self.faults: dict[str, Fault] = {}
        self.delays: dict[str, float] = {}
        # Image timers: (due, image id, what) with what "READY" or "DELETE".
        self.image_timers: list[tuple[float, int, str]] = []

    def new_id(self, pool: str, existing: dict) -> int:
        """The next id of a pool: one past the highest ever used (oned never reuses)."""
        start = max([self.next_ids.get(pool, 0), *(i + 1 for i in existing)])
        self.next_ids[pool] = start + 1
        return start

    def step(self) -> float:
        """Seconds one life-cycle step lasts at the current speed."""
        return self.step_seconds

    def user_name(self, uid: int) -> str:
        user = self.users.get(uid)
        return user.name if user else ""

    def group_name(self, gid: int) -> str:
        group = self.groups.get(gid)
        return group.name if group else ""
