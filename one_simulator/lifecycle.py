"""The VM state machine and its timing, after oned's DispatchManager and LifeCycleManager.

An accepted action changes the VM's state at once (as oned does when it triggers the
LCM) and queues the later transitions as timed :class:`~.state.Step` s, one
``store.step()`` apart. :func:`advance` applies every step that is due; the server calls
it under the store lock before each request, so clients see states move over time.
"""

from __future__ import annotations

from .errors import OneError, action_error
from .resources import release_all, release_image, release_lease
from .state import IMG, LCM, LCM_STATES, VM, History, Step, Store, VirtualMachine

# Actions oned still accepts under their 4.x names (RequestManagerVirtualMachine.cc).
COMPAT_ACTIONS = {
    "shutdown": "terminate",
    "shutdown-hard": "terminate-hard",
    "delete": "terminate-hard",
}

RUNNING_LIKE = (LCM["RUNNING"], LCM["UNKNOWN"])

FAILURE_LCM = {name for name in LCM if name.endswith("_FAILURE")}


def set_state(vm: VirtualMachine, state: int, lcm: int) -> None:
    if (state, lcm) != (vm.state, vm.lcm_state):
        vm.prev_state, vm.prev_lcm_state = vm.state, vm.lcm_state
        vm.state, vm.lcm_state = state, lcm


def schedule(
    store: Store,
    vm: VirtualMachine,
    now: tuple[str, str] | None,
    steps: list[tuple[str, str, str]],
) -> None:
    """Move to ``now`` (state, lcm names) at once, then through ``steps`` one step apart."""
    if now is not None:
        set_state(vm, VM[now[0]], LCM[now[1]])
    at = store.clock.now()
    vm.plan = []
    for state, lcm, hook in steps:
        at += store.step()
        vm.plan.append(Step(at, VM[state], LCM[lcm], hook))


def boot_plan(vm: VirtualMachine) -> list[tuple[str, str, str]]:
    """PENDING → PROLOG → BOOT → RUNNING, or the failure ``SIMULATOR_FAIL`` asks for."""
    fail = (
        vm.user_template.get_str("SIMULATOR_FAIL") or vm.template.get_str("SIMULATOR_FAIL")
    ).upper()
    if fail == "PROLOG":
        return [("ACTIVE", "PROLOG", "deploy"), ("ACTIVE", "PROLOG_FAILURE", "")]
    if fail == "BOOT":
        return [
            ("ACTIVE", "PROLOG", "deploy"),
            ("ACTIVE", "BOOT", ""),
            ("ACTIVE", "BOOT_FAILURE", ""),
        ]
    return [("ACTIVE", "PROLOG", "deploy"), ("ACTIVE", "BOOT", ""), ("ACTIVE", "RUNNING", "")]


def start(store: Store, vm: VirtualMachine, hold: bool) -> None:
    """A new VM: HOLD, or PENDING with the deploy steps queued."""
    if hold:
        set_state(vm, VM["HOLD"], LCM["LCM_INIT"])
        vm.plan = []
    else:
        schedule(store, vm, ("PENDING", "LCM_INIT"), boot_plan(vm))


# --- hooks run when a step lands -------------------------------------------------------


def _hook(store: Store, vm: VirtualMachine, hook: str) -> None:
    now = store.clock.epoch()
    if hook == "deploy":
        host = next(iter(store.hosts.values()), None)
        system_ds = next((d for d in store.datastores.values() if d.type == 1), None)
        vm.history.append(
            History(
                seq=len(vm.history),
                hid=host.id if host else 0,
                hostname=host.name if host else "localhost",
                cid=host.cluster_id if host else 0,
                ds_id=system_ds.id if system_ds else 0,
                stime=now,
                tm_mad=system_ds.tm_mad if system_ds else "ssh",
            )
        )
        vm.deploy_id = f"one-{vm.id}"
        if host and vm.id not in host.vms:
            host.vms.append(vm.id)
    elif hook in ("leave", "done"):
        if vm.history and vm.history[-1].etime == 0:
            vm.history[-1].etime = now
        for host in store.hosts.values():
            if vm.id in host.vms:
                host.vms.remove(vm.id)
        if hook == "done":
            release_all(store, vm)
            vm.etime = now
    elif hook == "detach" and vm.detaching:
        kind, item_id = vm.detaching
        vm.detaching = None
        for vector in vm.template.vectors(kind):
            if vector.get(f"{kind}_ID") == str(item_id):
                if kind == "DISK" and vector.get("IMAGE_ID", "").isdigit():
                    release_image(store, int(vector["IMAGE_ID"]), vm.id)
                if kind == "NIC":
                    release_lease(store, vector, vm.id)
                vm.template.items = [it for it in vm.template.items if it[1] is not vector]


def advance(store: Store) -> None:
    """Apply every VM step and image timer that is due (call with the store locked)."""
    now = store.clock.now()
    for vm in store.vms.values():
        while vm.plan and vm.plan[0].at <= now:
            step = vm.plan.pop(0)
            set_state(vm, step.state, step.lcm)
            if step.hook:
                _hook(store, vm, step.hook)
    due = [t for t in store.image_timers if t[0] <= now]
    store.image_timers = [t for t in store.image_timers if t[0] > now]
    for _, image_id, what in sorted(due):
        image = store.images.get(image_id)
        if image is None:
            continue
        if what == "READY" and image.state == IMG["LOCKED"]:
            image.prev_state, image.state = image.state, IMG["READY"]
        elif what == "DELETE":
            ds = store.datastores.get(image.ds_id)
            if ds is not None:
                ds.free_mb = min(ds.total_mb, ds.free_mb + image.size_mb)
            del store.images[image_id]


def finish_now(store: Store, vm: VirtualMachine) -> None:
    """Straight to DONE (terminate of a VM that never ran, or cleanup of a failure)."""
    vm.plan = []
    set_state(vm, VM["DONE"], LCM["LCM_INIT"])
    _hook(store, vm, "done")


# --- actions ---------------------------------------------------------------------------


def _not_available(action: str, vm: VirtualMachine) -> OneError:
    return action_error(
        f'Error performing action "{action}": This action is not available for state'
        f" {vm.state_str()}",
        vm.id,
    )


def perform(store: Store, vm: VirtualMachine, action: str) -> None:
    """Apply ``one.vm.action``; raise an ACTION OneError when the state forbids it."""
    name = COMPAT_ACTIONS.get(action, action)
    state, lcm = vm.state, vm.lcm_state
    active = state == VM["ACTIVE"]
    running = active and lcm in RUNNING_LIKE
    hard = name.endswith("-hard")

    if name in ("terminate", "terminate-hard"):
        if state in (VM["SUSPENDED"], VM["POWEROFF"], VM["STOPPED"], VM["UNDEPLOYED"]):
            schedule(store, vm, ("ACTIVE", "EPILOG"), [("DONE", "LCM_INIT", "done")])
        elif state in (VM["INIT"], VM["PENDING"], VM["HOLD"], VM["CLONING"], VM["CLONING_FAILURE"]):
            finish_now(store, vm)
        elif state == VM["DONE"]:
            return
        elif running or (hard and active and lcm == LCM["SHUTDOWN"]):
            schedule(
                store,
                vm,
                ("ACTIVE", "SHUTDOWN"),
                [("ACTIVE", "EPILOG", "leave"), ("DONE", "LCM_INIT", "done")],
            )
        elif active and LCM_STATES[lcm] in FAILURE_LCM:
            finish_now(store, vm)
        else:
            raise action_error(
                f'Error performing action "{name}": Could not terminate VM {vm.id}, wrong state'
                f" {vm.state_str()}.",
                vm.id,
            )
    elif name in ("poweroff", "poweroff-hard"):
        if running or (hard and active and lcm == LCM["SHUTDOWN_POWEROFF"]):
            schedule(store, vm, ("ACTIVE", "SHUTDOWN_POWEROFF"), [("POWEROFF", "LCM_INIT", "")])
        else:
            raise _not_available(name, vm)
    elif name in ("undeploy", "undeploy-hard"):
        if state == VM["POWEROFF"]:
            schedule(
                store, vm, ("ACTIVE", "EPILOG_UNDEPLOY"), [("UNDEPLOYED", "LCM_INIT", "leave")]
            )
        elif running or (hard and active and lcm == LCM["SHUTDOWN_UNDEPLOY"]):
            schedule(
                store,
                vm,
                ("ACTIVE", "SHUTDOWN_UNDEPLOY"),
                [("ACTIVE", "EPILOG_UNDEPLOY", ""), ("UNDEPLOYED", "LCM_INIT", "leave")],
            )
        else:
            raise _not_available(name, vm)
    elif name == "suspend":
        if not running:
            raise _not_available(name, vm)
        schedule(store, vm, ("ACTIVE", "SAVE_SUSPEND"), [("SUSPENDED", "LCM_INIT", "")])
    elif name == "stop":
        if running:
            schedule(
                store,
                vm,
                ("ACTIVE", "SAVE_STOP"),
                [("ACTIVE", "EPILOG_STOP", ""), ("STOPPED", "LCM_INIT", "leave")],
            )
        elif state == VM["SUSPENDED"]:
            schedule(store, vm, ("ACTIVE", "EPILOG_STOP"), [("STOPPED", "LCM_INIT", "leave")])
        else:
            raise _not_available(name, vm)
    elif name == "resume":
        if state == VM["SUSPENDED"]:
            schedule(store, vm, ("ACTIVE", "BOOT_SUSPENDED"), [("ACTIVE", "RUNNING", "")])
        elif state == VM["POWEROFF"]:
            schedule(store, vm, ("ACTIVE", "BOOT_POWEROFF"), [("ACTIVE", "RUNNING", "")])
        elif state in (VM["STOPPED"], VM["UNDEPLOYED"]):
            kind = "RESUME" if state == VM["STOPPED"] else "UNDEPLOY"
            boot = "BOOT_STOPPED" if state == VM["STOPPED"] else "BOOT_UNDEPLOY"
            schedule(
                store,
                vm,
                ("PENDING", "LCM_INIT"),
                [
                    ("ACTIVE", f"PROLOG_{kind}", "deploy"),
                    ("ACTIVE", boot, ""),
                    ("ACTIVE", "RUNNING", ""),
                ],
            )
        else:
            raise _not_available(name, vm)
    elif name in ("reboot", "reboot-hard"):
        if not running:
            raise _not_available(name, vm)
    elif name == "hold":
        if state != VM["PENDING"]:
            raise _not_available(name, vm)
        vm.plan = []
        set_state(vm, VM["HOLD"], LCM["LCM_INIT"])
    elif name == "release":
        if state != VM["HOLD"]:
            raise _not_available(name, vm)
        schedule(store, vm, ("PENDING", "LCM_INIT"), boot_plan(vm))
    elif name in ("resched", "unresched"):
        if not (running or state == VM["POWEROFF"]):
            raise _not_available(name, vm)
        vm.resched = 1 if name == "resched" else 0
    else:
        raise action_error(f'Action "{action}" is not supported', vm.id)


def check_hotplug(vm: VirtualMachine, what: str, detach: bool) -> bool:
    """Attach/detach needs RUNNING or POWEROFF; return True when RUNNING."""
    running = vm.state == VM["ACTIVE"] and vm.lcm_state == LCM["RUNNING"]
    if not (running or vm.state == VM["POWEROFF"]):
        verb = {
            ("disk", False): "attach a new disk to",
            ("disk", True): "detach disk from",
            ("nic", False): "add a new NIC to",
            ("nic", True): "detach NIC from",
        }[(what, detach)]
        raise action_error(f"Could not {verb} VM {vm.id}, wrong state {vm.state_str()}.", vm.id)
    return running


def begin_hotplug(store: Store, vm: VirtualMachine, what: str, detach: tuple | None) -> None:
    """Move a DISK ("disk") or NIC ("nic") hot-plug through its HOTPLUG* state.

    ``detach`` is ("DISK"|"NIC", id) for a detach, removed when the step lands.
    """
    running = check_hotplug(vm, what, detach is not None)
    vm.detaching = detach
    if what == "disk":
        if running:
            lcm = "HOTPLUG"
        else:
            lcm = "HOTPLUG_EPILOG_POWEROFF" if detach else "HOTPLUG_PROLOG_POWEROFF"
    else:
        lcm = "HOTPLUG_NIC" if running else "HOTPLUG_NIC_POWEROFF"
    hook = "detach" if detach else ""
    back = ("ACTIVE", "RUNNING", hook) if running else ("POWEROFF", "LCM_INIT", hook)
    schedule(store, vm, ("ACTIVE", lcm), [back])
