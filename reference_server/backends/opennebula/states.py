"""OpenNebula states as OCCI states, and which OCCI actions each one allows.

OCCI 1.2 has no "waiting" compute state. A VM between two stable states shows
``occi.compute.state.message`` = ``"waiting: <STATE or LCM_STATE>"`` and no actions, and its
OCCI state follows the compute's state diagram (I12 §3.1), where only actions move a
compute: while an *action* is being carried out the VM shows the OCCI state it is
*leaving* (a VM powering off is still ``active``, one booting from POWEROFF still
``inactive``), so clients polling for the state an action leads to never see it early;
while a VM is being *deployed* (PENDING, PROLOG*, BOOT, also when start resumes a
STOPPED or UNDEPLOYED VM through PENDING) it shows ``active``, the state it was created or
started into, because nothing but an action may move an ``inactive`` compute to ``active``,
and it offers the actions of an active compute: stop of a PENDING VM is oned's ``hold``
(shown inactive, "held"); any other action waits for the VM to settle (within the oned time
limit), then applies, or answers 409 if oned is still deploying it.

======================================  ==============  ===================================
OpenNebula STATE / LCM_STATE             OCCI state      actions (message)
======================================  ==============  ===================================
ACTIVE/RUNNING                           active          stop restart suspend save
POWEROFF, UNDEPLOYED                     inactive        start
SUSPENDED, STOPPED (saved to disk)       suspended       start
HOLD                                     inactive        start (= release) ("held")
INIT, PENDING, CLONING, ACTIVE/PROLOG,
  PROLOG_RESUME/UNDEPLOY, BOOT,
  BOOT_STOPPED/UNDEPLOY, CLEANUP_RESUBMIT active         stop restart suspend save
  (being deployed)                                       ("waiting: <STATE>")
ACTIVE/BOOT_POWEROFF, BOOT_UNKNOWN,
  other *_POWEROFF, *_UNDEPLOYED         inactive        – ("waiting: <LCM>")
ACTIVE/*_SUSPENDED, PROLOG_MIGRATE_SUSP  suspended       – ("waiting: <LCM>")
ACTIVE/other transitional (SHUTDOWN*,
  SAVE_*, EPILOG*, MIGRATE*, HOTPLUG*,
  DISK_SNAPSHOT*, DISK_RESIZE, BACKUP)   active          – ("waiting: <LCM>")
ACTIVE/*FAILURE*, FAILED,
  CLONING_FAILURE                        error           – ("<LCM>: …")
ACTIVE/UNKNOWN                           error           – ("UNKNOWN: not monitored")
DONE                                     (gone: 404)
======================================  ==============  ===================================

Images: READY → online (offline); USED, USED_PERS → online ("in use by a VM", no action);
DISABLED → offline (online); INIT, LOCKED*, CLONE → online "waiting: LOCKED" (a new
storage is being made, and comes up online); ERROR → error; DELETE → gone. Virtual
networks have no state in OpenNebula: see the backend (up/down is an OCCI-side flag).
"""

from __future__ import annotations

from dataclasses import dataclass

from occi_protocol.definitions import infrastructure as infra


def _names(text: str) -> tuple[str, ...]:
    return tuple(text.split())


VM_STATES = _names(
    "INIT PENDING HOLD ACTIVE STOPPED SUSPENDED DONE FAILED POWEROFF UNDEPLOYED CLONING "
    "CLONING_FAILURE"
)

LCM_STATES = _names(
    """LCM_INIT PROLOG BOOT RUNNING MIGRATE SAVE_STOP SAVE_SUSPEND SAVE_MIGRATE
PROLOG_MIGRATE PROLOG_RESUME EPILOG_STOP EPILOG SHUTDOWN CANCEL FAILURE CLEANUP_RESUBMIT
UNKNOWN HOTPLUG SHUTDOWN_POWEROFF BOOT_UNKNOWN BOOT_POWEROFF BOOT_SUSPENDED BOOT_STOPPED
CLEANUP_DELETE HOTPLUG_SNAPSHOT HOTPLUG_NIC HOTPLUG_SAVEAS HOTPLUG_SAVEAS_POWEROFF
HOTPLUG_SAVEAS_SUSPENDED SHUTDOWN_UNDEPLOY EPILOG_UNDEPLOY PROLOG_UNDEPLOY BOOT_UNDEPLOY
HOTPLUG_PROLOG_POWEROFF HOTPLUG_EPILOG_POWEROFF BOOT_MIGRATE BOOT_FAILURE
BOOT_MIGRATE_FAILURE PROLOG_MIGRATE_FAILURE PROLOG_FAILURE EPILOG_FAILURE
EPILOG_STOP_FAILURE EPILOG_UNDEPLOY_FAILURE PROLOG_MIGRATE_POWEROFF
PROLOG_MIGRATE_POWEROFF_FAILURE PROLOG_MIGRATE_SUSPEND PROLOG_MIGRATE_SUSPEND_FAILURE
BOOT_UNDEPLOY_FAILURE BOOT_STOPPED_FAILURE PROLOG_RESUME_FAILURE PROLOG_UNDEPLOY_FAILURE
DISK_SNAPSHOT_POWEROFF DISK_SNAPSHOT_REVERT_POWEROFF DISK_SNAPSHOT_DELETE_POWEROFF
DISK_SNAPSHOT_SUSPENDED DISK_SNAPSHOT_REVERT_SUSPENDED DISK_SNAPSHOT_DELETE_SUSPENDED
DISK_SNAPSHOT DISK_SNAPSHOT_REVERT DISK_SNAPSHOT_DELETE PROLOG_MIGRATE_UNKNOWN
PROLOG_MIGRATE_UNKNOWN_FAILURE DISK_RESIZE DISK_RESIZE_POWEROFF DISK_RESIZE_UNDEPLOYED
HOTPLUG_NIC_POWEROFF HOTPLUG_RESIZE HOTPLUG_SAVEAS_UNDEPLOYED HOTPLUG_SAVEAS_STOPPED BACKUP
BACKUP_POWEROFF RESTORE"""
)

IMAGE_STATES = _names(
    "INIT READY USED DISABLED LOCKED ERROR CLONE DELETE USED_PERS LOCKED_USED LOCKED_USED_PERS"
)

_C = infra.COMPUTE_ACTION
START, STOP, RESTART, SUSPEND, SAVE = (
    _C + t for t in ("start", "stop", "restart", "suspend", "save")
)
ONLINE, OFFLINE = infra.STORAGE_ACTION + "online", infra.STORAGE_ACTION + "offline"
ACTIVE_ACTIONS = (STOP, RESTART, SUSPEND, SAVE)

# Transitional LCM states of an ACTIVE VM that come from a stopped or suspended machine.
_FROM_INACTIVE = {
    "BOOT_POWEROFF", "BOOT_UNKNOWN", "HOTPLUG_PROLOG_POWEROFF",
    "HOTPLUG_EPILOG_POWEROFF", "HOTPLUG_NIC_POWEROFF", "HOTPLUG_SAVEAS_POWEROFF",
    "HOTPLUG_SAVEAS_UNDEPLOYED", "HOTPLUG_SAVEAS_STOPPED", "DISK_SNAPSHOT_POWEROFF",
    "DISK_SNAPSHOT_REVERT_POWEROFF", "DISK_SNAPSHOT_DELETE_POWEROFF", "DISK_RESIZE_POWEROFF",
    "DISK_RESIZE_UNDEPLOYED", "PROLOG_MIGRATE_POWEROFF", "BACKUP_POWEROFF", "RESTORE",
}  # fmt: skip
# LCM states of a VM being deployed (created, or started from STOPPED/UNDEPLOYED): active.
_DEPLOYING = {
    "PROLOG", "BOOT", "PROLOG_RESUME", "PROLOG_UNDEPLOY", "BOOT_STOPPED", "BOOT_UNDEPLOY",
    "CLEANUP_RESUBMIT",
}  # fmt: skip
_FROM_SUSPENDED = {
    "BOOT_SUSPENDED", "HOTPLUG_SAVEAS_SUSPENDED", "DISK_SNAPSHOT_SUSPENDED",
    "DISK_SNAPSHOT_REVERT_SUSPENDED", "DISK_SNAPSHOT_DELETE_SUSPENDED", "PROLOG_MIGRATE_SUSPEND",
}  # fmt: skip


#: How a transitional state's message starts.
WAITING = "waiting: "


@dataclass(frozen=True)
class OcciState:
    state: str
    message: str | None = None
    actions: tuple[str, ...] = ()
    #: between two stable states: actions and hot-plugging must wait
    busy: bool = False


def name(table: tuple[str, ...], value: int) -> str:
    return table[value] if 0 <= value < len(table) else f"STATE_{value}"


def compute_state(state: int, lcm: int) -> OcciState | None:
    """The OCCI view of a VM in ``state``/``lcm``; None for DONE (the VM is gone)."""
    vm, lcm_name = name(VM_STATES, state), name(LCM_STATES, lcm)
    if vm == "DONE":
        return None
    if vm == "ACTIVE":
        if lcm_name == "RUNNING":
            return OcciState("active", None, ACTIVE_ACTIONS)
        if lcm_name in _DEPLOYING:
            return OcciState("active", f"{WAITING}{lcm_name}", ACTIVE_ACTIONS, busy=True)
        if "FAILURE" in lcm_name:
            return OcciState("error", f"{lcm_name}: OpenNebula could not complete the operation")
        if lcm_name == "UNKNOWN":
            return OcciState("error", "UNKNOWN: the hypervisor no longer reports this VM")
        waiting = f"{WAITING}{lcm_name}"
        if lcm_name in _FROM_INACTIVE:
            return OcciState("inactive", waiting, busy=True)
        if lcm_name in _FROM_SUSPENDED:
            return OcciState("suspended", waiting, busy=True)
        return OcciState("active", waiting, busy=True)
    if vm in ("POWEROFF", "UNDEPLOYED"):
        return OcciState("inactive", None if vm == "POWEROFF" else "undeployed", (START,))
    if vm in ("SUSPENDED", "STOPPED"):
        return OcciState("suspended", None if vm == "SUSPENDED" else "saved to disk", (START,))
    if vm == "HOLD":
        return OcciState("inactive", "held: start releases it", (START,))
    if vm in ("INIT", "PENDING", "CLONING"):
        return OcciState("active", f"{WAITING}{vm}", ACTIVE_ACTIONS, busy=True)
    return OcciState("error", f"{vm}: OpenNebula could not complete the operation")


def image_state(state: int) -> OcciState | None:
    """The OCCI view of an image; None for DELETE (being removed: gone)."""
    image = name(IMAGE_STATES, state)
    if image == "DELETE":
        return None
    if image == "READY":
        return OcciState("online", None, (OFFLINE,))
    if image in ("USED", "USED_PERS"):
        return OcciState("online", "in use by a VM")
    if image == "DISABLED":
        return OcciState("offline", None, (ONLINE,))
    if image == "ERROR":
        return OcciState("error", "ERROR: OpenNebula could not create the image")
    return OcciState("online", f"{WAITING}{image}", busy=True)


def link_state(compute: OcciState) -> str:
    """A NIC or disk is up while its VM runs."""
    if compute.state == "error":
        return "error"
    return "active" if compute.state == "active" and not compute.busy else "inactive"
