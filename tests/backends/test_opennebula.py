"""The OpenNebula backend end to end: a real oned simulator process, a real reference server
process on the opennebula backend (passthrough auth), OCCI over HTTP, and pyone looking at
the simulator's side.
"""

from __future__ import annotations

import time
import xmlrpc.client
from collections.abc import Iterator
from pathlib import Path

import pyone
import pytest
import urllib3

from occi_protocol.definitions import CRTP_SCHEME
from occi_protocol.definitions import infrastructure as infra
from occi_protocol.model import ActionInvocation, Link, Mixin, Resource
from occi_protocol.rendering import OCCI_JSON, rendering_for

try:
    from tests.conftest import ServerProcess, start_reference_server
    from tests.conftest_one import RunningSimulator, start_simulator, stop_simulator
except ImportError:  # pragma: no cover - run from inside tests/
    from conftest import ServerProcess, start_reference_server  # type: ignore[no-redef]
    from conftest_one import (  # type: ignore[no-redef]
        RunningSimulator,
        start_simulator,
        stop_simulator,
    )

ALICE = ("alice", "alice-secret")
BOB = ("bob", "bob-secret")
OS_TPL = "http://schemas.opennebula.org/occi/infrastructure/os_tpl#tpl_"
SMALL = CRTP_SCHEME + "small"
STEP = 3000.0  # one simulator step at speed 0.001
JSON = rendering_for(OCCI_JSON)
INTERNAL, ACTION, ALLOCATE = 0x2000, 0x0800, 0x4000


class Client:
    """OCCI over HTTP as one user, in application/occi+json."""

    def __init__(self, base: str, user: tuple[str, str] | None = None, **headers: str) -> None:
        self.base = base
        self.http = urllib3.PoolManager(retries=False, timeout=30.0)
        self.headers = {"Accept": OCCI_JSON, **headers}
        if user:
            self.headers.update(urllib3.make_headers(basic_auth=":".join(user)))

    def send(self, method: str, path: str, rendered=None, query: str = ""):
        headers = dict(self.headers)
        body = None
        if rendered is not None:
            headers["Content-Type"] = OCCI_JSON
            body = rendered.body
        return self.http.request(method, self.base + path + query, body=body, headers=headers)

    def get(self, path: str):
        response = self.send("GET", path)
        assert response.status == 200, (path, response.status, response.data)
        return JSON.parse_entity(list(response.headers.items()), response.data)

    def create(self, entity, expect: int = 201) -> str:
        kind = infra.INFRASTRUCTURE_MODEL.kind(entity.kind)
        response = self.send("POST", kind.location, JSON.render_entity(entity))
        assert response.status == expect, response.data
        return response.headers.get("Location", "").removeprefix(self.base)

    def action(self, path: str, action, **attributes):
        invocation = ActionInvocation(action=action.id, attributes=attributes)
        return self.send(
            "POST", path, JSON.render_action_invocation(invocation), query=f"?action={action.term}"
        )

    def state(self, path: str) -> tuple[str, str | None]:
        attributes = self.get(path).attributes
        return attributes["occi.compute.state"], attributes.get("occi.compute.state.message")


def compute(template: int = 0, title: str | None = None) -> Resource:
    attributes = {"occi.core.title": title} if title else {}
    return Resource(
        kind=infra.COMPUTE, mixins=(f"{OS_TPL}{template}", SMALL), attributes=attributes
    )


def wait_for(predicate, timeout: float = 10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError("condition not reached in time")


def vm_id(location: str) -> int:
    return int(location.rsplit("/", 1)[1])


def live_vms(sim: RunningSimulator) -> list[int]:
    pool = sim.pyone("oneadmin:opennebula").vmpool.info(-2, -1, -1, -1)
    return [vm.ID for vm in pool.VM or []]


@pytest.fixture(scope="module")
def sim() -> Iterator[RunningSimulator]:
    process = start_simulator("--speed", "50")
    yield process
    stop_simulator(process)


@pytest.fixture(scope="module")
def server(sim, tmp_path_factory) -> Iterator[ServerProcess]:
    process = start_reference_server(
        tmp_path_factory.mktemp("one"),
        "--backend", "opennebula", "--one-xmlrpc", sim.url, "--auth", "passthrough",
        "--one-timeout", "3",
    )  # fmt: skip
    yield process
    process.stop()


@pytest.fixture
def control(sim) -> xmlrpc.client.ServerProxy:
    """The simulator, reset to its seed and running fast."""
    proxy = sim.raw()
    proxy.simulator.reset()
    proxy.simulator.set_speed(50)
    return proxy


@pytest.fixture
def alice(server, control) -> Client:
    return Client(server.url, ALICE)


def test_model_offers_the_users_templates_and_crtp(alice: Client) -> None:
    response = alice.send("GET", "/-/")
    assert response.status == 200
    categories = {
        c.id for c in JSON.parse_categories(list(response.headers.items()), response.data)
    }
    assert {f"{OS_TPL}0", f"{OS_TPL}1", SMALL, CRTP_SCHEME + "mem_large"} <= categories
    assert infra.SSH_KEY in categories and infra.USER_DATA in categories


def test_compute_life_cycle_follows_oned(server, control, sim) -> None:
    """PENDING → RUNNING → POWEROFF → RUNNING → DONE on oned; OCCI shows
    waiting (active, being deployed) → active → inactive → active → 404."""
    control.simulator.set_speed(0.001)  # only advance() moves the simulator
    client = Client(server.url, ALICE)
    one = sim.pyone("alice:alice-secret")
    location = client.create(compute(title="life"))
    vid = vm_id(location)

    vm = one.vm.info(vid)
    assert (vm.STATE, vm.LCM_STATE) == (pyone.VM_STATE.PENDING, 0)
    # Created to run: active while oned deploys it, so it never moves without an action.
    assert client.state(location) == ("active", "waiting: PENDING")
    assert set(client.get(location).actions) == {
        infra.STOP.id,
        infra.RESTART.id,
        infra.SUSPEND.id,
        infra.SAVE.id,
    }
    started = time.monotonic()
    response = client.action(location, infra.RESTART)
    assert response.status == 409, "a VM that never settles cannot be restarted"
    assert time.monotonic() - started >= 2.5, "it was waited for, up to the oned time limit"
    assert one.vm.info(vid).STATE == pyone.VM_STATE.PENDING

    control.simulator.advance(STEP)
    assert one.vm.info(vid).LCM_STATE == pyone.LCM_STATE.PROLOG
    assert client.state(location) == ("active", "waiting: PROLOG")
    control.simulator.advance(2 * STEP)
    vm = one.vm.info(vid)
    assert (vm.STATE, vm.LCM_STATE) == (pyone.VM_STATE.ACTIVE, pyone.LCM_STATE.RUNNING)
    entity = client.get(location)
    assert entity.attributes["occi.compute.state"] == "active"
    assert "occi.compute.state.message" not in entity.attributes
    assert set(entity.actions) == {infra.STOP.id, infra.RESTART.id, infra.SUSPEND.id, infra.SAVE.id}

    response = client.action(location, infra.STOP)
    assert response.status == 200, response.data
    assert one.vm.info(vid).LCM_STATE == pyone.LCM_STATE.SHUTDOWN_POWEROFF
    assert client.state(location) == ("active", "waiting: SHUTDOWN_POWEROFF")
    control.simulator.advance(STEP)
    assert one.vm.info(vid).STATE == pyone.VM_STATE.POWEROFF
    assert client.state(location) == ("inactive", None)

    assert client.action(location, infra.START).status == 200
    assert one.vm.info(vid).LCM_STATE == pyone.LCM_STATE.BOOT_POWEROFF
    assert client.state(location) == ("inactive", "waiting: BOOT_POWEROFF")
    control.simulator.advance(STEP)
    assert one.vm.info(vid).LCM_STATE == pyone.LCM_STATE.RUNNING
    assert client.state(location) == ("active", None)

    assert client.send("DELETE", location).status == 200
    assert client.send("GET", location).status == 404, "gone for OCCI at once"
    assert one.vm.info(vid).STATE == pyone.VM_STATE.ACTIVE  # oned is still shutting it down
    control.simulator.advance(3 * STEP)
    assert one.vm.info(vid).STATE == pyone.VM_STATE.DONE
    assert client.send("GET", location).status == 404
    assert location not in str(client.send("GET", "/compute/").data)


def test_stop_before_deployment_holds_the_vm(server, control, sim) -> None:
    control.simulator.set_speed(0.001)
    client = Client(server.url, ALICE)
    one = sim.pyone("alice:alice-secret")
    location = client.create(compute())
    assert client.action(location, infra.STOP, method="graceful").status == 200
    assert one.vm.info(vm_id(location)).STATE == pyone.VM_STATE.HOLD
    assert client.state(location) == ("inactive", "held: start releases it")
    control.simulator.advance(3 * STEP)
    assert client.state(location)[0] == "inactive", "a held VM stays put"
    assert client.action(location, infra.START).status == 200
    assert one.vm.info(vm_id(location)).STATE == pyone.VM_STATE.PENDING
    assert client.state(location) == ("active", "waiting: PENDING")


def test_actions_wait_for_a_deploying_vm(alice: Client, control, sim) -> None:
    control.simulator.set_speed(5)  # 0.6 s a step: PROLOG and BOOT take ~1.2 s
    location = alice.create(compute())
    wait_for(lambda: alice.state(location)[1] in ("waiting: PROLOG", "waiting: BOOT"))
    response = alice.action(location, infra.SUSPEND)
    assert response.status == 200, response.data
    assert wait_for(lambda: alice.state(location) == ("suspended", None))


def test_suspend_and_restart_map_to_oned_actions(alice: Client, sim) -> None:
    location = alice.create(compute())
    wait_for(lambda: alice.state(location) == ("active", None))
    assert alice.action(location, infra.RESTART, method="cold").status == 200
    assert alice.action(location, infra.SUSPEND).status == 200
    assert wait_for(lambda: alice.state(location) == ("suspended", None))
    one = sim.pyone("alice:alice-secret")
    assert one.vm.info(vm_id(location)).STATE == pyone.VM_STATE.SUSPENDED
    assert alice.action(location, infra.STOP).status == 409
    assert alice.action(location, infra.START).status == 200
    assert wait_for(lambda: alice.state(location) == ("active", None))


def test_storage_network_and_links(alice: Client, sim) -> None:
    one = sim.pyone("alice:alice-secret")
    storage = alice.create(
        Resource(
            kind=infra.STORAGE, attributes={"occi.storage.size": 2.0, "occi.core.title": "data"}
        )
    )
    image = one.image.info(vm_id(storage))
    assert (image.TYPE, image.SIZE, image.PERSISTENT) == (2, 2048, 1)
    assert wait_for(lambda: alice.get(storage).attributes["occi.storage.state"] == "online")
    assert alice.get(storage).attributes["occi.storage.size"] == 2.0

    network = alice.create(
        Resource(
            kind=infra.NETWORK,
            mixins=(infra.IPNETWORK,),
            attributes={
                "occi.core.title": "lan",
                "occi.network.address": "192.0.2.0/24",
                "occi.network.gateway": "192.0.2.1",
            },
        )
    )
    vnet = one.vn.info(vm_id(network))
    ar = vnet.AR_POOL.AR[0]
    assert (ar.IP, int(ar.SIZE)) == ("192.0.2.2", 253)
    seen = alice.get(network).attributes
    assert seen["occi.network.address"] == "192.0.2.0/24"
    assert seen["occi.network.gateway"] == "192.0.2.1"
    assert seen["occi.network.state"] == "active"

    location = alice.create(compute())
    nic = alice.create(
        Link(
            kind=infra.NETWORKINTERFACE,
            attributes={"occi.core.source": location, "occi.core.target": network},
        )
    )
    disk = alice.create(
        Link(
            kind=infra.STORAGELINK,
            attributes={
                "occi.core.source": location,
                "occi.core.target": storage,
                "occi.storagelink.deviceid": "/dev/vdb",
            },
        )
    )
    assert nic.startswith(f"/networkinterface/compute_{vm_id(location)}_nic_")
    assert disk.startswith(f"/storagelink/compute_{vm_id(location)}_disk_")
    vm = one.vm.info(vm_id(location))
    nics = vm.TEMPLATE["NIC"] if isinstance(vm.TEMPLATE["NIC"], list) else [vm.TEMPLATE["NIC"]]
    disks = vm.TEMPLATE["DISK"] if isinstance(vm.TEMPLATE["DISK"], list) else [vm.TEMPLATE["DISK"]]
    assert any(n["NETWORK_ID"] == str(vm_id(network)) and n["IP"] == "192.0.2.2" for n in nics)
    assert any(d["IMAGE_ID"] == str(vm_id(storage)) and d["TARGET"] == "vdb" for d in disks)

    link = alice.get(nic)
    assert link.attributes["occi.networkinterface.address"] == "192.0.2.2"
    assert link.attributes["occi.core.target"].endswith(network)
    wait_for(lambda: alice.get(nic).attributes["occi.networkinterface.state"] == "active")
    assert alice.get(disk).attributes["occi.storagelink.deviceid"] == "/dev/vdb"
    linked = {ln.id for ln in alice.get(location).links}
    assert {nic.rsplit("/", 1)[1], disk.rsplit("/", 1)[1]} <= linked

    assert alice.send("DELETE", storage).status == 409, "oned refuses to delete a used image"
    assert alice.send("DELETE", nic).status == 200
    assert alice.send("GET", nic).status == 404
    assert alice.send("DELETE", disk).status == 200
    assert alice.send("GET", disk).status == 404
    assert alice.send("DELETE", location).status == 200
    wait_for(lambda: one.image.info(vm_id(storage)).STATE == pyone.IMAGE_STATES.READY)
    assert alice.send("DELETE", storage).status == 200
    assert alice.send("GET", storage).status == 404
    assert alice.send("DELETE", network).status == 200
    assert alice.send("GET", network).status == 404


def test_inline_links_go_into_the_instantiate_template(alice: Client, control, sim) -> None:
    """Inline links become the VM's NIC/DISK at instantiate time: no hot-plug, so the
    create succeeds while the VM is still PENDING (an attach would have to wait)."""
    control.simulator.set_speed(0.001)  # nothing moves by itself
    entity = Resource(
        kind=infra.COMPUTE,
        mixins=(f"{OS_TPL}0", SMALL),
        links=(
            Link(
                kind=infra.NETWORKINTERFACE,
                attributes={
                    "occi.core.target": "/network/1",
                    "occi.core.title": "lan",
                    "occi.networkinterface.mac": "52:54:00:00:00:01",  # oned picks the MAC
                },
            ),
            Link(
                kind=infra.STORAGELINK,
                attributes={"occi.core.target": "/storage/2", "occi.storagelink.deviceid": "vdc"},
            ),
        ),
    )
    location = alice.create(entity)
    vm = sim.pyone("alice:alice-secret").vm.info(vm_id(location))
    assert (vm.STATE, vm.LCM_STATE) == (pyone.VM_STATE.PENDING, 0), "created, not hot-plugged"
    nic = vm.TEMPLATE["NIC"]
    assert isinstance(nic, dict) and nic["NETWORK_ID"] == "1", (
        "the inline NIC replaces the os_tpl's"
    )
    disks = {d["IMAGE_ID"]: d["TARGET"] for d in vm.TEMPLATE["DISK"]}
    assert disks == {"0": "vda", "2": "vdc"}, "the os_tpl's disk stays, the inline one is added"
    links = {ln.kind: ln.attributes for ln in alice.get(location).links}
    assert links[infra.NETWORKINTERFACE]["occi.core.target"].endswith("/network/1")
    assert links[infra.NETWORKINTERFACE]["occi.core.source"].endswith(location)
    assert links[infra.NETWORKINTERFACE]["occi.core.title"] == "lan", "kept in the NIC vector"
    assert links[infra.NETWORKINTERFACE]["occi.networkinterface.mac"] == nic["MAC"]
    assert nic["MAC"].startswith("02:00:")
    assert links[infra.STORAGELINK]["occi.core.target"].endswith("/storage/2")
    assert links[infra.STORAGELINK]["occi.storagelink.deviceid"] == "/dev/vdc"
    control.simulator.advance(3 * STEP)
    assert alice.state(location) == ("active", None)


def test_inline_link_to_an_unknown_target_creates_nothing(alice: Client, sim) -> None:
    before = live_vms(sim)
    entity = Resource(
        kind=infra.COMPUTE,
        mixins=(f"{OS_TPL}0", SMALL),
        links=(Link(kind=infra.STORAGELINK, attributes={"occi.core.target": "/storage/999"}),),
    )
    response = alice.send("POST", "/compute/", JSON.render_entity(entity))
    assert response.status == 400, response.data
    assert b"/storage/999" in response.data
    assert live_vms(sim) == before


def test_deleting_targets_right_after_their_compute(alice: Client, control, sim) -> None:
    """oned keeps the image and the lease until the deleted VM is DONE: the storage and
    network deletes wait for that instead of answering 409."""
    one = sim.pyone("alice:alice-secret")
    storage = alice.create(Resource(kind=infra.STORAGE, attributes={"occi.storage.size": 1.0}))
    network = alice.create(Resource(kind=infra.NETWORK, attributes={"occi.core.title": "l2"}))
    wait_for(lambda: alice.get(storage).attributes.get("occi.storage.state.message") is None)
    links = (
        Link(kind=infra.NETWORKINTERFACE, attributes={"occi.core.target": network}),
        Link(kind=infra.STORAGELINK, attributes={"occi.core.target": storage}),
    )
    location = alice.create(Resource(kind=infra.COMPUTE, mixins=(f"{OS_TPL}0",), links=links))
    wait_for(lambda: alice.state(location) == ("active", None))
    control.simulator.set_speed(5)  # 0.6 s a step: SHUTDOWN → EPILOG → DONE takes ~1.2 s
    assert alice.send("DELETE", storage).status == 409, "in use by a live compute"
    assert alice.send("DELETE", location).status == 200
    assert one.vm.info(vm_id(location)).STATE != pyone.VM_STATE.DONE
    assert alice.send("DELETE", storage).status == 200
    assert alice.send("DELETE", network).status == 200
    assert one.vm.info(vm_id(location)).STATE == pyone.VM_STATE.DONE


def test_context_and_sizes_reach_the_vm(alice: Client, sim) -> None:
    entity = Resource(
        kind=infra.COMPUTE,
        mixins=(f"{OS_TPL}0", CRTP_SCHEME + "medium", infra.SSH_KEY, infra.USER_DATA),
        attributes={
            "occi.credentials.ssh.publickey": "ssh-ed25519 AAAAC3Nza alice@example",
            "occi.compute.userdata": "I2Nsb3VkLWNvbmZpZwo=",
        },
    )
    location = alice.create(entity)
    vm = sim.pyone("alice:alice-secret").vm.info(vm_id(location))
    context = vm.TEMPLATE["CONTEXT"]
    assert context["SSH_PUBLIC_KEY"] == "ssh-ed25519 AAAAC3Nza alice@example"
    assert (context["USER_DATA"], context["USERDATA_ENCODING"]) == (
        "I2Nsb3VkLWNvbmZpZwo=",
        "base64",
    )
    assert context["NETWORK"] == "YES", "the template's own context is kept"
    assert (vm.TEMPLATE["VCPU"], vm.TEMPLATE["MEMORY"]) == ("2", "2048")
    seen = alice.get(location)
    assert seen.attributes["occi.compute.cores"] == 2
    assert seen.attributes["occi.compute.memory"] == 2.0
    assert {infra.SSH_KEY, infra.USER_DATA, CRTP_SCHEME + "medium"} <= set(seen.mixins)


def test_compute_without_os_tpl_is_refused(alice: Client, sim) -> None:
    before = live_vms(sim)
    response = alice.send(
        "POST", "/compute/", JSON.render_entity(Resource(kind=infra.COMPUTE, mixins=(SMALL,)))
    )
    assert response.status == 400
    assert b"os_tpl" in response.data
    assert live_vms(sim) == before


def test_failed_template_is_an_error_state(alice: Client) -> None:
    location = alice.create(compute(template=3))  # SIMULATOR_FAIL=PROLOG
    _, message = wait_for(lambda: (s := alice.state(location))[0] == "error" and s)
    assert message.startswith("PROLOG_FAILURE")
    assert alice.send("DELETE", location).status == 200


def test_storage_offline_and_online(alice: Client, sim) -> None:
    storage = alice.create(Resource(kind=infra.STORAGE, attributes={"occi.storage.size": 1.0}))
    wait_for(lambda: alice.get(storage).attributes["occi.storage.state"] == "online")
    assert alice.action(storage, infra.OFFLINE).status == 200
    one = sim.pyone("alice:alice-secret")
    assert one.image.info(vm_id(storage)).STATE == pyone.IMAGE_STATES.DISABLED
    assert alice.get(storage).attributes["occi.storage.state"] == "offline"
    assert alice.action(storage, infra.ONLINE).status == 200
    assert alice.get(storage).attributes["occi.storage.state"] == "online"


def test_network_down_refuses_new_interfaces_until_up(alice: Client, sim) -> None:
    """oned networks have no link state: down is an OCCI flag kept in the vnet's template
    that stops new networkinterfaces (standalone or inline), and up lifts it."""
    assert alice.get("/network/1").actions == (infra.DOWN.id,)
    assert alice.action("/network/1", infra.DOWN).status == 200
    seen = alice.get("/network/1")
    assert seen.attributes["occi.network.state"] == "inactive"
    assert seen.actions == (infra.UP.id,)
    assert sim.pyone("alice:alice-secret").vn.info(1).TEMPLATE["OCCI_STATE"] == "inactive"
    assert alice.action("/network/1", infra.DOWN).status == 409, "down is not an action now"
    before = live_vms(sim)
    inline = Resource(
        kind=infra.COMPUTE,
        mixins=(f"{OS_TPL}0", SMALL),
        links=(Link(kind=infra.NETWORKINTERFACE, attributes={"occi.core.target": "/network/1"}),),
    )
    response = alice.send("POST", "/compute/", JSON.render_entity(inline))
    assert response.status == 409 and b"down" in response.data
    assert live_vms(sim) == before
    location = alice.create(compute())
    standalone = Link(
        kind=infra.NETWORKINTERFACE,
        attributes={"occi.core.source": location, "occi.core.target": "/network/1"},
    )
    response = alice.send("POST", "/networkinterface/", JSON.render_entity(standalone))
    assert response.status == 409
    assert alice.action("/network/1", infra.UP).status == 200
    assert alice.get("/network/1").attributes["occi.network.state"] == "active"
    alice.create(standalone)


def test_network_without_address_gets_mac_leases(alice: Client, sim) -> None:
    network = alice.create(Resource(kind=infra.NETWORK, attributes={"occi.core.title": "l2"}))
    ar = sim.pyone("alice:alice-secret").vn.info(vm_id(network)).AR_POOL.AR[0]
    assert ar.TYPE == "ETHER" and int(ar.SIZE) > 0
    location = alice.create(compute())
    link = alice.create(
        Link(
            kind=infra.NETWORKINTERFACE,
            attributes={"occi.core.source": location, "occi.core.target": network},
        )
    )
    assert alice.get(link).attributes["occi.networkinterface.mac"].startswith("02:00")


def test_users_stay_apart(server, alice: Client, sim) -> None:
    bob = Client(server.url, BOB)
    location = alice.create(compute(title="alice-only"))
    assert bob.send("GET", location).status == 404
    assert bob.send("DELETE", location).status == 404
    assert location not in str(bob.send("GET", "/compute/").data)
    assert bob.send("GET", "/network/1").status == 404, "alice's private network"
    assert location in str(alice.send("GET", "/compute/").data)
    # bob cannot link alice's compute to anything either
    response = bob.send(
        "POST",
        "/networkinterface/",
        JSON.render_entity(
            Link(
                kind=infra.NETWORKINTERFACE,
                attributes={"occi.core.source": location, "occi.core.target": "/network/2"},
            )
        ),
    )
    assert response.status == 400
    # a network shared with the group is readable, not changeable
    assert bob.send("GET", "/network/0").status == 200
    assert bob.send("DELETE", "/network/0").status == 403


def test_credentials(server, control, sim) -> None:
    assert Client(server.url, ("alice", "wrong")).send("GET", "/compute/").status == 401
    assert Client(server.url, ("mallory", "x")).send("GET", "/compute/").status == 401
    assert Client(server.url).send("GET", "/compute/").status == 401
    token = sim.pyone("alice:alice-secret").user.login("alice", "", 3600, -1)
    with_token = Client(server.url, **{"X-Auth-Token": f"alice:{token}"})
    assert with_token.send("GET", "/compute/").status == 200
    forged = Client(server.url, **{"X-Auth-Token": "alice:not-a-token"})
    assert forged.send("GET", "/compute/").status == 401


@pytest.mark.parametrize(
    ("method", "code", "status"),
    [
        ("one.vm.info", 0x0100, 401),
        ("one.vm.action", 0x0200, 403),
        ("one.vm.info", 0x0400, 404),
        ("one.vm.info", INTERNAL, 502),
        ("one.vm.action", ACTION, 409),
    ],
)
def test_oned_error_codes(alice: Client, control, method: str, code: int, status: int) -> None:
    location = alice.create(compute())
    wait_for(lambda: alice.state(location) == ("active", None))
    control.simulator.set_fail(method, code, "injected", 1)
    if method == "one.vm.action":
        response = alice.action(location, infra.STOP)
    else:
        response = alice.send("GET", location)
    assert response.status == status, response.data
    if status not in (401, 404):  # 404 is "no entity", whoever's object it was
        assert b"injected" in response.data
    assert alice.send("GET", location).status == 200, "the next call works again"


def test_allocate_error_is_400_with_onedes_message(alice: Client, control, sim) -> None:
    control.simulator.set_fail("one.template.instantiate", ALLOCATE, "quota exceeded", 1)
    before = live_vms(sim)
    response = alice.send("POST", "/compute/", JSON.render_entity(compute()))
    assert response.status == 400
    assert b"quota exceeded" in response.data
    assert live_vms(sim) == before


def test_failing_create_leaves_no_vm(alice: Client, control, sim) -> None:
    before = live_vms(sim)
    control.simulator.set_fail("one.vm.info", INTERNAL, "broken read", 1)
    response = alice.send("POST", "/compute/", JSON.render_entity(compute()))
    assert response.status == 502
    one = sim.pyone("oneadmin:opennebula")
    new = [i for i in one.vmpool.info(-2, -1, -1, -2).VM or [] if i.ID not in before]
    assert new, "the VM was allocated before the failure"
    assert all(vm.STATE == pyone.VM_STATE.DONE for vm in new), "and terminated after it"


def test_failing_inline_link_leaves_no_vm(alice: Client, sim) -> None:
    before = live_vms(sim)
    entity = Resource(
        kind=infra.COMPUTE,
        mixins=(f"{OS_TPL}0", SMALL),
        links=(Link(kind=infra.NETWORKINTERFACE, attributes={"occi.core.target": "/network/2"}),),
    )
    response = alice.send("POST", "/compute/", JSON.render_entity(entity))
    assert response.status == 400, "bob's network is not alice's to use"
    assert live_vms(sim) == before


def test_vm_pool_uses_infoextended(alice: Client, control) -> None:
    alice.create(compute())
    control.simulator.set_fail("one.vmpool.info", INTERNAL, "short body", -1)
    assert alice.send("GET", "/compute/").status == 200
    control.simulator.clear_fail()
    control.simulator.set_fail("one.vmpool.infoextended", INTERNAL, "extended", 1)
    assert alice.send("GET", "/compute/").status == 502


def test_user_mixins_tag_entities(server, alice: Client, control, sim) -> None:
    mixin = Mixin(scheme="http://example.org/tags#", term="important", location="/tags/important/")
    assert alice.send("POST", "/-/", JSON.render_categories([mixin])).status == 200
    one = sim.pyone("alice:alice-secret")
    stored = one.user.info(-1).TEMPLATE["OCCI_USER_MIXINS"]
    assert "http://example.org/tags#" in stored, "the definition lives in oned, not the server"
    location = alice.create(compute())
    response = alice.send("POST", "/tags/important/", JSON.render_locations([location]))
    assert response.status == 200, response.data
    assert mixin.id in alice.get(location).mixins
    assert mixin.id in one.vm.info(vm_id(location)).USER_TEMPLATE["OCCI_MIXINS"].split()
    assert location in str(alice.send("GET", "/tags/important/").data)
    bob = Client(server.url, BOB)
    assert mixin.id not in str(bob.send("GET", "/-/").data), "alice's tag is hers alone"
    assert location not in str(bob.send("GET", "/tags/important/").data)
    assert alice.send("DELETE", "/-/", JSON.render_categories([mixin])).status == 200
    assert mixin.id not in alice.get(location).mixins, "deleting the tag untags its entities"
    assert "important" not in one.user.info(-1).TEMPLATE["OCCI_USER_MIXINS"]


def test_save_returns_an_os_tpl(alice: Client, sim) -> None:
    location = alice.create(compute())
    wait_for(lambda: alice.state(location) == ("active", None))
    response = alice.action(location, infra.SAVE, name="snap")
    assert response.status == 200, response.data
    saved = JSON.parse_categories(list(response.headers.items()), response.data)
    assert saved and saved[0].id.startswith(OS_TPL)
    template_id = int(saved[0].term.removeprefix("tpl_"))
    one = sim.pyone("alice:alice-secret")
    template = one.template.info(template_id)
    assert template.NAME == "snap" and template.UID == 2
    image = one.image.info(int(template.TEMPLATE["DISK"]["IMAGE_ID"]))
    assert image.NAME == "snap", "the template boots the saved disk"
    wait_for(lambda: one.image.info(image.ID).STATE == pyone.IMAGE_STATES.READY)
    again = alice.create(Resource(kind=infra.COMPUTE, mixins=(saved[0].id, SMALL), attributes={}))
    assert saved[0].id in alice.get(again).mixins, "the saved os_tpl makes new computes"


# -- oned away or slow: separate processes, so the shared simulator keeps running -------


def test_oned_unreachable_is_503_and_server_keeps_serving(tmp_path: Path) -> None:
    one = start_simulator("--speed", "50")
    server = start_reference_server(
        tmp_path, "--backend", "opennebula", "--one-xmlrpc", one.url, "--auth", "passthrough",
        "--one-timeout", "2",
    )  # fmt: skip
    try:
        client = Client(server.url, ALICE)
        assert client.send("GET", "/compute/").status == 200
        stop_simulator(one)
        for _ in range(2):
            started = time.monotonic()
            response = client.send("GET", "/compute/")
            assert response.status == 503, response.data
            assert time.monotonic() - started < 2.5
        assert server.process.poll() is None
    finally:
        server.stop()
        stop_simulator(one)


def test_slow_oned_is_504_within_the_timeout(tmp_path: Path) -> None:
    one = start_simulator("--speed", "50")
    server = start_reference_server(
        tmp_path, "--backend", "opennebula", "--one-xmlrpc", one.url, "--auth", "passthrough",
        "--one-timeout", "1",
    )  # fmt: skip
    try:
        client = Client(server.url, ALICE)
        assert client.send("GET", "/compute/").status == 200
        one.raw().simulator.set_delay(3.0, "*")
        started = time.monotonic()
        response = client.send("GET", "/compute/")
        assert response.status == 504, response.data
        assert time.monotonic() - started < 2.0
        assert b"within 1 s" in response.data
        one.raw().simulator.set_delay(0.0, "*")
        assert client.send("GET", "/compute/").status == 200, "serving again once oned is fast"
    finally:
        server.stop()
        stop_simulator(one)


def test_shared_account_mode_records_the_identity(sim, control, tmp_path: Path) -> None:
    account = tmp_path / "one_auth"
    account.write_text("alice:alice-secret\n")
    server = start_reference_server(
        tmp_path, "--backend", "opennebula", "--one-xmlrpc", sim.url, "--auth", "open",
        "--one-auth-file", str(account),
    )  # fmt: skip
    try:
        client = Client(server.url)
        location = client.create(compute())
        vm = sim.pyone("alice:alice-secret").vm.info(vm_id(location))
        assert vm.USER_TEMPLATE["USER_IDENTITY"] == "anonymous"
        assert location in str(client.send("GET", "/compute/").data)
        # alice's own VMs made outside OCCI carry no identity: not the anonymous caller's
        own = sim.pyone("alice:alice-secret").template.instantiate(0, "direct", False, "", False)
        assert client.send("GET", f"/compute/{own}").status == 404
    finally:
        server.stop()
