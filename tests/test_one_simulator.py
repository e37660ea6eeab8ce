"""The oned simulator, driven as a real process through pyone and raw xmlrpc.client."""

from __future__ import annotations

import signal
import time
import xmlrpc.client

import pyone
import pytest

try:
    from tests.conftest_one import (
        ALICE,
        BOB,
        ONEADMIN,
        STEP_AT_SLOW_SPEED,
        one_process,
        one_sim,
        start_simulator,
        stop_simulator,
    )
except ImportError:  # tests/ is not a package: pytest put it on sys.path
    from conftest_one import (  # type: ignore[no-redef]
        ALICE,
        BOB,
        ONEADMIN,
        STEP_AT_SLOW_SPEED,
        one_process,
        one_sim,
        start_simulator,
        stop_simulator,
    )

from one_simulator.template import Template, TemplateError

__all__ = ["one_process", "one_sim"]  # fixtures imported for pytest

AUTHENTICATION, AUTHORIZATION, NO_EXISTS, ACTION = 0x100, 0x200, 0x400, 0x800
XML_RPC_API, INTERNAL, ALLOCATE = 0x1000, 0x2000, 0x4000

VM_TPL = 'NAME="t1" CPU="1" MEMORY="512" DISK=[IMAGE_ID="0"] NIC=[NETWORK_ID="0"]'


def steps(sim, n: int = 1) -> None:
    sim.raw().simulator.advance(n * STEP_AT_SLOW_SPEED)


def states(sim, session: str, vm_id: int) -> tuple[int, int]:
    vm = sim.pyone(session).vm.info(vm_id)
    return vm.STATE, vm.LCM_STATE


def running_vm(sim, session: str = ALICE, template: str = VM_TPL) -> int:
    vm_id = sim.pyone(session).vm.allocate(template)
    steps(sim, 3)
    assert states(sim, session, vm_id) == (3, 3)
    return vm_id


# --- protocol ------------------------------------------------------------------------


def test_startup_line_and_version(one_sim):
    assert "oned 6.10.0 simulator listening on http://127.0.0.1:" in one_sim.first_line
    assert one_sim.raw().one.system.version(ALICE) == [True, "6.10.0", 0]
    assert one_sim.pyone(ALICE).system.version() == "6.10.0"


def test_wrong_password_is_authentication_error(one_sim):
    answer = one_sim.raw().one.vm.info("alice:wrong", 0)
    assert answer[:3] == [
        False,
        "[one.vm.info] User couldn't be authenticated, aborting call.",
        AUTHENTICATION,
    ]
    with pytest.raises(pyone.OneAuthenticationException):
        one_sim.pyone("nobody:x").vmpool.info(-2, -1, -1, -1)


def test_unknown_method_is_a_fault(one_sim):
    with pytest.raises(xmlrpc.client.Fault) as err:
        one_sim.raw().one.vm.frobnicate(ALICE, 1)
    assert err.value.faultCode == -506
    with pytest.raises(pyone.OneException):
        one_sim.pyone(ALICE).vm.frobnicate(1)


def test_wrongly_typed_parameter_is_a_fault(one_sim):
    with pytest.raises(xmlrpc.client.Fault) as err:
        one_sim.raw().one.vm.info(ALICE, "zero")
    assert err.value.faultCode == -501
    with pytest.raises(xmlrpc.client.Fault):
        one_sim.raw().one.vm.info(ALICE)


def test_missing_object_is_no_exists(one_sim):
    answer = one_sim.raw().one.vm.info(ALICE, 42)
    assert answer[:3] == [False, "[one.vm.info] Error getting virtual machine [42].", NO_EXISTS]
    with pytest.raises(pyone.OneNoExistsException):
        one_sim.pyone(ALICE).image.info(999)


# --- life cycle ----------------------------------------------------------------------


def test_life_cycle_moves_in_real_time(one_sim):
    control = one_sim.raw().simulator
    control.set_speed(50)  # 0.06 s per step
    one = one_sim.pyone(ALICE)
    vm_id = one.template.instantiate(0, "real-time")
    order = [(1, 0), (3, 1), (3, 2), (3, 3)]
    seen = []
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        current = states(one_sim, ALICE, vm_id)
        if not seen or seen[-1] != current:
            seen.append(current)
        if current == (3, 3):
            break
        time.sleep(0.01)
    assert seen[-1] == (3, 3)
    assert [s for s in order if s in seen] == seen, seen  # never out of order


def test_deploy_steps_and_history(one_sim):
    one = one_sim.pyone(ALICE)
    vm_id = one.vm.allocate(VM_TPL)
    assert states(one_sim, ALICE, vm_id) == (1, 0)  # PENDING
    steps(one_sim)
    assert states(one_sim, ALICE, vm_id) == (3, 1)  # ACTIVE/PROLOG
    steps(one_sim)
    assert states(one_sim, ALICE, vm_id) == (3, 2)  # BOOT
    steps(one_sim)
    vm = one.vm.info(vm_id)
    assert (vm.STATE, vm.LCM_STATE, vm.PREV_LCM_STATE) == (3, 3, 2)
    assert vm.NAME == "t1" and f"one-{vm_id}" == vm.DEPLOY_ID
    assert vm.HISTORY_RECORDS.HISTORY[0].HOSTNAME == "sim-host-0"
    assert vm.TEMPLATE["NIC"]["IP"] == "203.0.113.10"
    assert vm.TEMPLATE["NIC"]["MAC"] == "02:00:cb:00:71:0a"
    assert vm.TEMPLATE["DISK"]["IMAGE"] == "ubuntu-22.04"


def test_poweroff_and_resume(one_sim):
    one = one_sim.pyone(ALICE)
    vm_id = running_vm(one_sim)
    assert one.vm.action("poweroff", vm_id) == vm_id
    assert states(one_sim, ALICE, vm_id) == (3, 18)  # SHUTDOWN_POWEROFF
    steps(one_sim)
    assert states(one_sim, ALICE, vm_id) == (8, 0)  # POWEROFF
    one.vm.action("resume", vm_id)
    assert states(one_sim, ALICE, vm_id) == (3, 20)  # BOOT_POWEROFF
    steps(one_sim)
    assert states(one_sim, ALICE, vm_id) == (3, 3)


def test_suspend_stop_and_resume_from_stopped(one_sim):
    one = one_sim.pyone(ALICE)
    vm_id = running_vm(one_sim)
    one.vm.action("suspend", vm_id)
    assert states(one_sim, ALICE, vm_id) == (3, 6)  # SAVE_SUSPEND
    steps(one_sim)
    assert states(one_sim, ALICE, vm_id) == (5, 0)  # SUSPENDED
    one.vm.action("stop", vm_id)
    assert states(one_sim, ALICE, vm_id) == (3, 10)  # EPILOG_STOP
    steps(one_sim)
    assert states(one_sim, ALICE, vm_id) == (4, 0)  # STOPPED
    one.vm.action("resume", vm_id)
    assert states(one_sim, ALICE, vm_id) == (1, 0)  # PENDING again
    seen = []
    for _ in range(3):
        steps(one_sim)
        seen.append(states(one_sim, ALICE, vm_id))
    assert seen == [(3, 9), (3, 22), (3, 3)]  # PROLOG_RESUME, BOOT_STOPPED, RUNNING
    assert len(one.vm.info(vm_id).HISTORY_RECORDS.HISTORY) == 2


def test_undeploy_resize_resume(one_sim):
    one = one_sim.pyone(ALICE)
    booting = one.vm.allocate(VM_TPL)
    steps(one_sim)
    with pytest.raises(pyone.OneActionException, match="not available for state PROLOG"):
        one.vm.resize(booting, 'CPU="2" MEMORY="2048"', False)
    vm_id = running_vm(one_sim)
    one.vm.action("undeploy-hard", vm_id)
    assert states(one_sim, ALICE, vm_id) == (3, 29)  # SHUTDOWN_UNDEPLOY
    steps(one_sim)
    assert states(one_sim, ALICE, vm_id) == (3, 30)  # EPILOG_UNDEPLOY
    steps(one_sim)
    assert states(one_sim, ALICE, vm_id) == (9, 0)  # UNDEPLOYED
    one.vm.resize(vm_id, 'VCPU="2"\nCPU="2"\nMEMORY="2048"', True)
    vm = one.vm.info(vm_id)
    assert (vm.TEMPLATE["CPU"], vm.TEMPLATE["VCPU"], vm.TEMPLATE["MEMORY"]) == ("2", "2", "2048")
    one.vm.action("resume", vm_id)
    steps(one_sim, 3)
    assert states(one_sim, ALICE, vm_id) == (3, 3)


def test_hot_resize_of_a_running_vm(one_sim):
    one = one_sim.pyone(ALICE)
    vm_id = running_vm(one_sim, template=VM_TPL + ' VCPU="1" VCPU_MAX="4" MEMORY_MAX="4096"')
    one.vm.resize(vm_id, 'VCPU="2"\nCPU="2"\nMEMORY="2048"', False)
    assert states(one_sim, ALICE, vm_id) == (3, 66)  # HOTPLUG_RESIZE
    assert one.vm.info(vm_id).TEMPLATE["MEMORY"] == "2048"
    with pytest.raises(pyone.OneActionException, match="not available for state HOTPLUG_RESIZE"):
        one.vm.resize(vm_id, 'MEMORY="1024"', False)
    steps(one_sim)
    assert states(one_sim, ALICE, vm_id) == (3, 3)
    with pytest.raises(pyone.OneActionException, match="higher than VCPU_MAX"):
        one.vm.resize(vm_id, 'VCPU="8"\nCPU="8"', False)
    assert one.vm.info(vm_id).TEMPLATE["VCPU"] == "2"


def test_terminate_releases_lease_and_image(one_sim):
    one = one_sim.pyone(ALICE)
    vm_id = running_vm(one_sim)
    assert one.image.info(0).STATE == 2  # USED
    assert one.vn.info(0).USED_LEASES == 1
    one.vm.action("terminate-hard", vm_id)
    assert states(one_sim, ALICE, vm_id) == (3, 12)  # SHUTDOWN
    steps(one_sim)
    assert states(one_sim, ALICE, vm_id) == (3, 11)  # EPILOG
    steps(one_sim)
    vm = one.vm.info(vm_id)
    assert (vm.STATE, vm.LCM_STATE) == (6, 0) and vm.ETIME > 0  # DONE
    assert one.image.info(0).STATE == 1
    assert one.vn.info(0).USED_LEASES == 0
    assert vm_id not in [v.ID for v in one.vmpool.info(-2, -1, -1, -1).VM]
    assert vm_id in [v.ID for v in one.vmpool.info(-2, -1, -1, -2).VM]


def test_terminate_pending_is_immediate_done(one_sim):
    one = one_sim.pyone(ALICE)
    vm_id = one.vm.allocate(VM_TPL, True)  # on hold
    assert states(one_sim, ALICE, vm_id) == (2, 0)
    one.vm.action("release", vm_id)
    assert states(one_sim, ALICE, vm_id) == (1, 0)
    one.vm.action("terminate", vm_id)
    assert states(one_sim, ALICE, vm_id) == (6, 0)


def test_invalid_action_is_action_error(one_sim):
    raw = one_sim.raw()
    vm_id = one_sim.pyone(ALICE).vm.allocate(VM_TPL)
    answer = raw.one.vm.action(ALICE, "poweroff", vm_id)
    assert answer[:3] == [
        False,
        '[one.vm.action] Error performing action "poweroff": This action is not available for'
        " state PENDING",
        ACTION,
    ]
    steps(one_sim)  # PROLOG
    answer = raw.one.vm.action(ALICE, "terminate", vm_id)
    assert answer[2] == ACTION and "Could not terminate VM" in answer[1] and "PROLOG" in answer[1]
    answer = raw.one.vm.action(ALICE, "explode", vm_id)
    assert answer[:3] == [False, '[one.vm.action] Action "explode" is not supported', ACTION]


@pytest.mark.parametrize(("template_id", "failure_lcm", "n_steps"), [(2, 36, 3), (3, 39, 2)])
def test_simulator_fail_templates(one_sim, template_id, failure_lcm, n_steps):
    one = one_sim.pyone(ALICE)
    vm_id = one.template.instantiate(template_id, "doomed")
    steps(one_sim, n_steps)
    assert states(one_sim, ALICE, vm_id) == (3, failure_lcm)
    steps(one_sim, 5)
    assert states(one_sim, ALICE, vm_id) == (3, failure_lcm)  # stays failed
    one.vm.action("terminate-hard", vm_id)
    assert states(one_sim, ALICE, vm_id) == (6, 0)


def test_attach_detach_disk_and_nic(one_sim):
    one = one_sim.pyone(ALICE)
    vm_id = running_vm(one_sim)
    one.vm.attach(vm_id, 'DISK=[IMAGE_ID="2"]')
    assert states(one_sim, ALICE, vm_id) == (3, 17)  # HOTPLUG
    assert one.image.info(2).STATE == 8  # USED_PERS (persistent)
    steps(one_sim)
    vm = one.vm.info(vm_id)
    assert vm.LCM_STATE == 3
    disks = vm.TEMPLATE["DISK"]
    assert [d["DISK_ID"] for d in disks] == ["0", "1"] and disks[1]["TARGET"] == "vdb"
    one.vm.detach(vm_id, 1)
    assert states(one_sim, ALICE, vm_id) == (3, 17)
    steps(one_sim)
    assert isinstance(one.vm.info(vm_id).TEMPLATE["DISK"], dict)
    assert one.image.info(2).STATE == 1
    one.vm.attachnic(vm_id, 'NIC=[NETWORK_ID="1"]')
    assert states(one_sim, ALICE, vm_id) == (3, 25)  # HOTPLUG_NIC
    steps(one_sim)
    nics = one.vm.info(vm_id).TEMPLATE["NIC"]
    assert nics[1]["NIC_ID"] == "1" and nics[1]["IP"] == "198.51.100.10"
    one.vm.detachnic(vm_id, 1)
    steps(one_sim)
    assert isinstance(one.vm.info(vm_id).TEMPLATE["NIC"], dict)
    assert one.vn.info(1).USED_LEASES == 0
    with pytest.raises(pyone.OneActionException):
        one.vm.detach(vm_id, 7)


def test_attach_needs_running_or_poweroff(one_sim):
    vm_id = one_sim.pyone(ALICE).vm.allocate(VM_TPL)
    answer = one_sim.raw().one.vm.attach(ALICE, vm_id, 'DISK=[IMAGE_ID="1"]')
    assert answer[2] == ACTION and "wrong state PENDING" in answer[1]


def test_vm_update_rename_and_user_template(one_sim):
    one = one_sim.pyone(ALICE)
    vm_id = one.vm.allocate(VM_TPL + ' DESCRIPTION="d" LABEL="x"')
    one.vm.update(vm_id, 'LABEL="y"', 1)
    one.vm.rename(vm_id, "renamed")
    vm = one.vm.info(vm_id)
    assert vm.NAME == "renamed"
    assert vm.USER_TEMPLATE["LABEL"] == "y" and vm.USER_TEMPLATE["DESCRIPTION"] == "d"
    one.vm.update(vm_id, 'ONLY="1"', 0)
    assert dict(one.vm.info(vm_id).USER_TEMPLATE) == {"ONLY": "1"}


def test_disksaveas_creates_an_image(one_sim):
    one = one_sim.pyone(ALICE)
    vm_id = running_vm(one_sim)
    one.vm.action("poweroff", vm_id)
    steps(one_sim)
    image_id = one.vm.disksaveas(vm_id, 0, "snapshot-of-root", "", -1)
    assert states(one_sim, ALICE, vm_id) == (3, 27)  # HOTPLUG_SAVEAS_POWEROFF
    img = one.image.info(image_id)
    assert (img.NAME, img.STATE, img.UID, img.SIZE) == ("snapshot-of-root", 4, 2, 2252)
    steps(one_sim)
    assert states(one_sim, ALICE, vm_id) == (8, 0)
    assert one.image.info(image_id).STATE == 1


def test_concurrent_clients(one_sim):
    from concurrent.futures import ThreadPoolExecutor

    def allocate(_):
        return one_sim.pyone(ALICE).vm.allocate("CPU=1 MEMORY=64")

    with ThreadPoolExecutor(max_workers=8) as pool:
        ids = list(pool.map(allocate, range(16)))
    assert len(set(ids)) == 16
    assert len(one_sim.pyone(ALICE).vmpool.info(-3, -1, -1, -1).VM) == 16


def test_update_type_must_be_replace_or_merge(one_sim):
    vm_id = one_sim.pyone(ALICE).vm.allocate("CPU=1 MEMORY=64")
    answer = one_sim.raw().one.vm.update(ALICE, vm_id, 'A="1"', 7)
    assert answer[2] == XML_RPC_API


def test_pool_short_body_has_no_context(one_sim):
    one = one_sim.pyone(ALICE)
    vm_id = one.template.instantiate(
        0, "ctx", False, 'CONTEXT=[SSH_PUBLIC_KEY="ssh-ed25519 AAAA k"]'
    )
    short = one.vmpool.info(-3, -1, -1, -1).VM[0]
    assert vm_id == short.ID and "CONTEXT" not in short.TEMPLATE
    full = one.vmpool.infoextended(-3, -1, -1, -1).VM[0]
    assert full.TEMPLATE["CONTEXT"]["SSH_PUBLIC_KEY"] == "ssh-ed25519 AAAA k"


def test_pool_ranges_and_pagination(one_sim):
    one = one_sim.pyone(ALICE)
    ids = [one.vm.allocate(VM_TPL) for _ in range(4)]
    assert [v.ID for v in one.vmpool.info(-3, -1, -1, -1).VM] == ids[::-1]  # DESC
    assert [v.ID for v in one.vmpool.info(-3, ids[1], ids[2], -1).VM] == [ids[2], ids[1]]
    assert [v.ID for v in one.vmpool.info(-3, 1, -2, -1).VM] == [ids[2], ids[1]]


# --- authorization -------------------------------------------------------------------


def test_users_do_not_see_or_touch_each_others_vms(one_sim):
    vm_id = one_sim.pyone(ALICE).vm.allocate(VM_TPL)
    raw = one_sim.raw()
    answer = raw.one.vm.info(BOB, vm_id)
    assert answer[:3] == [
        False,
        f"[one.vm.info] User [3] : Not authorized to perform USE VM [{vm_id}].",
        AUTHORIZATION,
    ]
    with pytest.raises(pyone.OneAuthorizationException):
        one_sim.pyone(BOB).vm.action("terminate-hard", vm_id)
    bob_pool = one_sim.pyone(BOB).vmpool.info(-2, -1, -1, -1)
    assert not getattr(bob_pool, "VM", [])
    admin_pool = one_sim.pyone(ONEADMIN).vmpool.info(-2, -1, -1, -1)
    assert [v.ID for v in admin_pool.VM] == [vm_id]


def test_pool_filters(one_sim):
    alice, bob = one_sim.pyone(ALICE), one_sim.pyone(BOB)
    # Seed templates: oneadmin's, group users, GROUP_U.
    assert {t.ID for t in alice.templatepool.info(-1, -1, -1).VMTEMPLATE} == {0, 1, 2, 3}
    assert not getattr(alice.templatepool.info(-3, -1, -1), "VMTEMPLATE", [])
    assert {t.ID for t in alice.templatepool.info(0, -1, -1).VMTEMPLATE} == {0, 1, 2, 3}
    assert {n.ID for n in alice.vnpool.info(-2, -1, -1).VNET} == {0, 1}
    assert {n.ID for n in bob.vnpool.info(-2, -1, -1).VNET} == {0, 2}
    assert {n.ID for n in bob.vnpool.info(-3, -1, -1).VNET} == {2}
    with pytest.raises(pyone.OneAuthorizationException):
        bob.vn.info(1)
    answer = one_sim.raw().one.vm.allocate(BOB, 'CPU=1 MEMORY=64 NIC=[NETWORK_ID="1"]')
    assert answer[2] == AUTHORIZATION and "USE NET [1]" in answer[1]


def test_user_info_and_pool(one_sim):
    alice = one_sim.pyone(ALICE)
    me = alice.user.info(-1)
    assert (me.ID, me.NAME, me.GNAME, list(me.GROUPS.ID)) == (2, "alice", "users", [1, 100])
    assert [u.NAME for u in alice.userpool.info().USER] == ["alice"]
    assert len(one_sim.pyone(ONEADMIN).userpool.info().USER) == 3
    with pytest.raises(pyone.OneAuthorizationException):
        alice.user.info(3)
    with pytest.raises(pyone.OneAuthorizationException):
        alice.system.config()
    assert one_sim.pyone(ONEADMIN).system.config() is not None


def test_user_update_merges_or_replaces_own_template(one_sim):
    alice = one_sim.pyone(ALICE)
    assert alice.user.update(2, 'SSH_PUBLIC_KEY="ssh-ed25519 AAAA alice" NOTE="a"', 1) == 2
    alice.user.update(2, '<TEMPLATE><NOTE>{"json": "with \\"quotes\\""}</NOTE></TEMPLATE>', 1)
    template = alice.user.info(-1).TEMPLATE
    assert template["SSH_PUBLIC_KEY"] == "ssh-ed25519 AAAA alice"
    assert template["NOTE"] == '{"json": "with \\"quotes\\""}'
    alice.user.update(2, 'ONLY="1"', 0)
    assert dict(alice.user.info(-1).TEMPLATE) == {"ONLY": "1"}
    # Another user's template is the admin's business only.
    with pytest.raises(pyone.OneAuthorizationException):
        one_sim.pyone(BOB).user.update(2, 'X="bob"', 1)
    one_sim.pyone(ONEADMIN).user.update(3, 'SET_BY="admin"', 1)
    assert one_sim.pyone(BOB).user.info(-1).TEMPLATE["SET_BY"] == "admin"
    raw = one_sim.raw().one
    assert raw.user.update(ALICE, 99, 'A="1"', 1)[:3] == [
        False,
        "[one.user.update] Error getting user [99].",
        NO_EXISTS,
    ]
    assert raw.user.update(ALICE, 2, 'A="1"', 5)[2] == XML_RPC_API
    assert raw.user.update(ALICE, 2, "A=[", 1)[2] == INTERNAL


def test_template_allocate_makes_an_instantiable_template(one_sim):
    alice = one_sim.pyone(ALICE)
    template_id = alice.template.allocate(
        'NAME="saved" CPU="1" MEMORY="256" DISK=[IMAGE_ID="0"] NIC=[NETWORK_ID="1"]'
    )
    tpl = alice.template.info(template_id)
    assert (tpl.NAME, tpl.UID, tpl.GID, tpl.UNAME) == ("saved", 2, 1, "alice")
    perms = tpl.PERMISSIONS
    assert (perms.OWNER_U, perms.OWNER_M, perms.GROUP_U, perms.OTHER_U) == (1, 1, 0, 0)
    assert "NAME" not in tpl.TEMPLATE and tpl.TEMPLATE["MEMORY"] == "256"
    assert template_id in [t.ID for t in alice.templatepool.info(-3, -1, -1).VMTEMPLATE]
    # 600: bob sees neither the template nor can he use it.
    assert template_id not in [
        t.ID for t in one_sim.pyone(BOB).templatepool.info(-2, -1, -1).VMTEMPLATE
    ]
    with pytest.raises(pyone.OneAuthorizationException):
        one_sim.pyone(BOB).template.instantiate(template_id, "stolen")
    vm = alice.vm.info(alice.template.instantiate(template_id, "from-saved"))
    assert vm.TEMPLATE["TEMPLATE_ID"] == str(template_id)
    assert vm.TEMPLATE["DISK"]["IMAGE_ID"] == "0" and vm.TEMPLATE["NIC"]["NETWORK_ID"] == "1"
    raw = one_sim.raw().one
    answer = raw.template.allocate(ALICE, 'NAME="saved" CPU="1" MEMORY="64"')
    assert answer[:3] == [
        False,
        "[one.template.allocate] Error allocating a new virtual machine template."
        f" NAME is already taken by TEMPLATE {template_id}.",
        ALLOCATE,
    ]
    assert raw.template.allocate(BOB, 'NAME="saved" CPU="1" MEMORY="64"')[0] is True
    assert raw.template.allocate(ALICE, 'CPU="1" MEMORY="64"')[2] == ALLOCATE
    assert raw.template.allocate(ALICE, 'NAME="x" CPU=[')[2] == INTERNAL


# --- login tokens --------------------------------------------------------------------


def test_login_token_sessions(one_sim):
    token = one_sim.pyone(ALICE).user.login("alice", "", 600, -1)
    assert len(token) == 40
    by_token = one_sim.pyone(f"alice:{token}")
    assert by_token.user.info(-1).NAME == "alice"
    assert token == by_token.user.info(-1).LOGIN_TOKEN[0].TOKEN
    # A server account (oneadmin) may mint tokens for a user, scoped to one group.
    scoped = one_sim.pyone(ONEADMIN).user.login("alice", "", 600, 100)
    as_fedcloud = one_sim.pyone(f"alice:{scoped}")
    vm_id = as_fedcloud.vm.allocate('CPU=1 MEMORY=64 NIC=[NETWORK_ID="1"]')
    assert one_sim.pyone(ALICE).vm.info(vm_id).GID == 100
    # The scoped session has left the users group: its shared image is out of reach.
    with pytest.raises(pyone.OneAuthorizationException, match="USE IMAGE"):
        as_fedcloud.vm.allocate(VM_TPL)
    with pytest.raises(pyone.OneAuthorizationException):
        one_sim.pyone(BOB).user.login("alice", "", 600, -1)
    with pytest.raises(pyone.OneActionException):
        one_sim.pyone(ONEADMIN).user.login("bob", "", 600, 100)  # bob is not in fedcloud
    steps(one_sim)  # 3000 s: past the 600 s expiry
    answer = one_sim.raw().one.user.info(f"alice:{token}", -1)
    assert answer[2] == AUTHENTICATION


# --- failures ------------------------------------------------------------------------


def test_fault_injection_and_delay(one_sim):
    control = one_sim.raw().simulator
    control.set_fail("one.vm.info", INTERNAL, "oned is on fire", 1)
    answer = one_sim.raw().one.vm.info(ALICE, 0)
    assert answer[:3] == [False, "[one.vm.info] oned is on fire", INTERNAL]
    assert one_sim.raw().one.vm.info(ALICE, 0)[2] == NO_EXISTS  # fault used up
    control.set_fail("*", AUTHORIZATION)
    with pytest.raises(pyone.OneAuthorizationException):
        one_sim.pyone(ALICE).system.version()
    control.clear_fail()
    control.set_delay(0.4, "one.system.version")
    started = time.monotonic()
    one_sim.pyone(ALICE).system.version()
    assert time.monotonic() - started >= 0.4
    control.reset()
    with pytest.raises(xmlrpc.client.Fault):
        control.set_fail("one.no.such", INTERNAL)


def test_allocate_failures(one_sim):
    raw = one_sim.raw().one
    answer = raw.vm.allocate(ALICE, 'NAME="x" CPU="1"')
    assert answer[:3] == [
        False,
        "[one.vm.allocate] Error allocating a new virtual machine. MEMORY attribute must be a"
        " positive integer value.",
        ALLOCATE,
    ]
    answer = raw.vm.allocate(ALICE, 'CPU=1 MEMORY=64 DISK=[IMAGE_ID="77"]')
    assert answer[2] == ALLOCATE and "Error getting image [77]" in answer[1]
    answer = raw.vm.allocate(ALICE, 'NAME="x" CPU=[')
    assert answer[2] == INTERNAL and answer[1].startswith("[one.vm.allocate] Parse error")
    image = 'NAME="disk" TYPE="DATABLOCK" SIZE="10"'
    assert raw.image.allocate(ALICE, image, 1)[0] is True
    answer = raw.image.allocate(ALICE, image, 1)
    assert answer[2] == ALLOCATE and "NAME is already taken by IMAGE" in answer[1]
    # oned answers a full datastore with ACTION (RequestManagerAllocate.cc).
    answer = raw.image.allocate(ALICE, 'NAME="big" TYPE="DATABLOCK" SIZE="10"', 100)
    assert answer[:3] == [False, "[one.image.allocate] Not enough space in datastore", ACTION]
    answer = raw.image.allocate(ALICE, 'NAME="sys" TYPE="DATABLOCK" SIZE="10"', 0)
    assert answer[2] == ALLOCATE
    answer = raw.vn.allocate(ALICE, 'NAME="n" AR=[TYPE="IP4", SIZE="4"]', -1)
    assert answer[2] == ALLOCATE


# --- images and networks -------------------------------------------------------------


def test_datablock_image_life(one_sim):
    one = one_sim.pyone(ALICE)
    free_before = one.datastore.info(1).FREE_MB
    image_id = one.image.allocate(
        {"TEMPLATE": {"NAME": "data", "TYPE": "DATABLOCK", "SIZE": "2048", "PERSISTENT": "YES"}}, 1
    )  # pyone sends nested dicts as XML
    img = one.image.info(image_id)
    assert (img.STATE, img.PERSISTENT, img.SIZE, img.TYPE) == (4, 1, 2048, 2)  # LOCKED
    assert free_before - 2048 == one.datastore.info(1).FREE_MB
    steps(one_sim)
    assert one.image.info(image_id).STATE == 1  # READY
    vm_id = running_vm(one_sim, template=f'CPU=1 MEMORY=64 DISK=[IMAGE_ID="{image_id}"]')
    assert one.image.info(image_id).STATE == 8
    with pytest.raises(pyone.OneActionException):
        one.image.delete(image_id)
    with pytest.raises(pyone.OneActionException):
        one.image.persistent(image_id, False)
    one.vm.action("terminate-hard", vm_id)
    steps(one_sim, 2)
    one.image.enable(image_id, False)
    assert one.image.info(image_id).STATE == 3  # DISABLED
    one.image.enable(image_id, True)
    one.image.rename(image_id, "data2")
    one.image.update(image_id, 'DESCRIPTION="x"', 1)
    img = one.image.info(image_id)
    assert img.NAME == "data2" and img.TEMPLATE["DESCRIPTION"] == "x"
    one.image.delete(image_id)
    assert one.image.info(image_id).STATE == 7  # DELETE
    steps(one_sim)
    with pytest.raises(pyone.OneNoExistsException):
        one.image.info(image_id)
    assert free_before == one.datastore.info(1).FREE_MB


def test_network_leases_and_ranges(one_sim):
    alice, admin = one_sim.pyone(ALICE), one_sim.pyone(ONEADMIN)
    vnet_id = alice.vn.allocate(
        'NAME="mine" VN_MAD="vxlan" AR=[TYPE="IP4", IP="192.0.2.10", SIZE="2"]', -1
    )
    vm_a = alice.vm.allocate(f'CPU=1 MEMORY=64 NIC=[NETWORK_ID="{vnet_id}"]')
    vm_b = alice.vm.allocate(f'CPU=1 MEMORY=64 NIC=[NETWORK_ID="{vnet_id}"]')
    assert alice.vm.info(vm_b).TEMPLATE["NIC"]["IP"] == "192.0.2.11"
    answer = one_sim.raw().one.vm.allocate(ALICE, f'CPU=1 MEMORY=64 NIC=[NETWORK_ID="{vnet_id}"]')
    assert answer[2] == ALLOCATE and "Cannot get IP/MAC lease" in answer[1]
    vnet = alice.vn.info(vnet_id)
    leases = vnet.AR_POOL.AR[0].LEASES.LEASE
    assert [(lease.IP, lease.VM) for lease in leases] == [
        ("192.0.2.10", vm_a),
        ("192.0.2.11", vm_b),
    ]
    with pytest.raises(pyone.OneActionException):
        alice.vn.delete(vnet_id)
    with pytest.raises(pyone.OneAuthorizationException):
        alice.vn.add_ar(vnet_id, 'AR=[TYPE="IP4", IP="192.0.2.100", SIZE="5"]')
    admin.vn.add_ar(vnet_id, 'AR=[TYPE="IP4", IP="192.0.2.100", SIZE="5"]')
    vm_c = alice.vm.allocate(f'CPU=1 MEMORY=64 NIC=[NETWORK_ID="{vnet_id}"]')
    assert alice.vm.info(vm_c).TEMPLATE["NIC"]["IP"] == "192.0.2.100"
    for vm_id in (vm_a, vm_b, vm_c):
        alice.vm.action("terminate", vm_id)
    alice.vn.rename(vnet_id, "mine2")
    alice.vn.update(vnet_id, 'GATEWAY="192.0.2.1"', 1)
    assert alice.vn.info(vnet_id).TEMPLATE["GATEWAY"] == "192.0.2.1"
    assert alice.vn.delete(vnet_id) == vnet_id


def test_pyone_parses_every_document(one_sim, capfd):
    alice = one_sim.pyone(ALICE)
    vm_id = alice.template.instantiate(0, "doc")
    steps(one_sim, 3)
    docs = {
        "vmpool": alice.vmpool.info(-2, -1, -1, -1),
        "vmpool_ext": alice.vmpool.infoextended(-2, -1, -1, -1),
        "vm": alice.vm.info(vm_id),
        "templatepool": alice.templatepool.info(-2, -1, -1),
        "template": alice.template.info(0),
        "imagepool": alice.imagepool.info(-2, -1, -1),
        "image": alice.image.info(0),
        "vnpool": alice.vnpool.info(-2, -1, -1),
        "vn": alice.vn.info(0),
        "datastorepool": alice.datastorepool.info(),
        "datastore": alice.datastore.info(1),
        "userpool": alice.userpool.info(),
        "user": alice.user.info(-1),
        "hostpool": alice.hostpool.info(),
        "clusterpool": alice.clusterpool.info(),
    }
    assert vm_id == docs["vmpool"].VM[0].ID
    assert docs["vm"].TEMPLATE["CONTEXT"]["ETH0_IP"] == "203.0.113.10"
    assert docs["templatepool"].VMTEMPLATE[0].TEMPLATE["MEMORY"]
    assert docs["template"].TEMPLATE["DISK"]["IMAGE_ID"] == "0"
    assert docs["image"].NAME == "ubuntu-22.04" and [vm_id] == docs["image"].VMS.ID
    assert docs["vn"].AR_POOL.AR[0].IP == "203.0.113.10"
    assert {d.ID for d in docs["datastorepool"].DATASTORE} == {0, 1, 2, 100}
    assert docs["datastore"].TEMPLATE["TYPE"] == "IMAGE_DS"
    assert [vm_id] == docs["hostpool"].HOST[0].VMS.ID
    assert docs["clusterpool"].CLUSTER[0].NAME == "default"
    assert docs["user"].NAME == "alice"
    assert "Warnings" not in capfd.readouterr().err  # generateDS found nothing to complain about


# --- process -------------------------------------------------------------------------


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_clean_shutdown_on_signal(sig):
    sim = start_simulator()
    assert sim.raw().one.system.version(ALICE)[0] is True
    code, out = stop_simulator(sim, sig)
    assert code == 0 and "stopped" in out


def test_bad_seed_exits_with_usage_error(tmp_path):
    bad = tmp_path / "seed.yaml"
    bad.write_text("users: [{id: 2, name: x, password: y, group: nope}]\n")
    with pytest.raises(RuntimeError, match="unknown group"):
        start_simulator("--seed", str(bad))


# --- the template syntax -------------------------------------------------------------


def test_template_parser_reads_oned_syntax():
    tmpl = Template.parse(
        'name = "a \\"b\\"" # comment\n'
        "cpu=0.5 EMPTY =\n"
        'DISK = [ IMAGE_ID = "3",\n  TARGET = vda ]\n'
        'DISK=[IMAGE="x", IMAGE_UNAME=alice]\n'
    )
    assert tmpl.items == [
        ("NAME", 'a "b"'),
        ("CPU", "0.5"),
        ("EMPTY", ""),
        ("DISK", {"IMAGE_ID": "3", "TARGET": "vda"}),
        ("DISK", {"IMAGE": "x", "IMAGE_UNAME": "alice"}),
    ]
    xml = Template.parse(
        "<TEMPLATE><NAME><![CDATA[a<b]]></NAME><NIC><NETWORK_ID>0</NETWORK_ID></NIC></TEMPLATE>"
    )
    assert xml.items == [("NAME", "a<b"), ("NIC", {"NETWORK_ID": "0"})]


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("NAME", "line 1, column 5"),
        ('A="x', "line 1, column 3"),
        ("A=[B=1 C=2]", "line 1, column 8"),
        ("A=[]", "line 1, column 4"),
        ("A=1\n=2", "line 2, column 1"),
        ('A="x]]>"', "CDATA"),
        ("<TEMPLATE><A><B><C>1</C></B></A></TEMPLATE>", "nested"),
        ("<TEMPLATE>", "XML"),
    ],
)
def test_template_parser_rejects_bad_input(text, where):
    with pytest.raises(TemplateError, match="Parse error") as err:
        Template.parse(text)
    assert where in str(err.value)
