"""Every document the oned simulator serves validates against OpenNebula's XSDs."""

from __future__ import annotations

import os
import xml.etree.ElementTree as ET
from functools import cache
from pathlib import Path

import pytest

try:
    from tests.conftest_one import ALICE, ONEADMIN, STEP_AT_SLOW_SPEED, one_process, one_sim
except ImportError:  # tests/ is not a package: pytest put it on sys.path
    from conftest_one import (  # type: ignore[no-redef]
        ALICE,
        ONEADMIN,
        STEP_AT_SLOW_SPEED,
        one_process,
        one_sim,
    )

__all__ = ["one_process", "one_sim"]  # fixtures imported for pytest

xmlschema = pytest.importorskip("xmlschema", reason="xmlschema is needed (pip install xmlschema)")

NS = "http://opennebula.org/XMLSchema"


def _xsd_dir() -> Path | None:
    shared = os.environ.get("OCCI_SHARED_DIR")
    base = Path(shared) if shared else Path(__file__).resolve().parents[2] / "shared"
    xsd = base / "opennebula-xsd"
    return xsd if (xsd / "vm.xsd").is_file() else None


XSD_DIR = _xsd_dir()
pytestmark = pytest.mark.skipif(
    XSD_DIR is None, reason="shared/opennebula-xsd not found (set OCCI_SHARED_DIR)"
)


@cache
def schema(name: str):
    assert XSD_DIR is not None
    return xmlschema.XMLSchema(str(XSD_DIR / name))


def validate(xml_text: str, xsd: str) -> None:
    """oned sends no namespace; the XSDs have one: qualify every element, then validate."""
    assert not xml_text.startswith("<?xml"), "oned sends no XML declaration"
    root = ET.fromstring(xml_text)
    for element in root.iter():
        element.tag = f"{{{NS}}}{element.tag}"
    schema(xsd).validate(root)


def ok(answer: list) -> str:
    assert answer[0] is True, answer
    return answer[1]


def steps(sim, n: int) -> None:
    sim.raw().simulator.advance(n * STEP_AT_SLOW_SPEED)


@pytest.fixture
def populated(one_sim):
    """One VM in several states, a new image, a new network, and a token."""
    raw = one_sim.raw().one
    running = ok(raw.template.instantiate(ALICE, 0, "xsd-running", False, "", False))
    ok(raw.vm.update(ALICE, running, "NOTE=\"<&> 'quoted'\"", 1))
    poweroff = ok(raw.vm.allocate(ALICE, 'CPU=1 MEMORY=64 NIC=[NETWORK_ID="1"]', False))
    done = ok(raw.vm.allocate(ALICE, 'CPU=1 MEMORY=64 GRAPHICS=[TYPE="VNC"]', False))
    ok(raw.vm.allocate(ALICE, 'CPU=1 MEMORY=64 SIMULATOR_FAIL="BOOT"', False))
    ok(raw.vm.allocate(ALICE, "CPU=1 MEMORY=64", True))  # HOLD
    image = ok(raw.image.allocate(ALICE, 'NAME="xsd" TYPE="DATABLOCK" SIZE="100"', 1))
    vnet = ok(raw.vn.allocate(ALICE, 'NAME="xsd" VN_MAD="bridge" AR=[TYPE="ETHER", SIZE="3"]', -1))
    steps(one_sim, 3)
    ok(raw.vm.attach(ALICE, running, f'DISK=[IMAGE_ID="{image}"]'))
    steps(one_sim, 1)  # HOTPLUG → RUNNING
    ok(raw.vm.attachnic(ALICE, running, f'NIC=[NETWORK_ID="{vnet}"]'))
    ok(raw.vm.action(ALICE, "poweroff-hard", poweroff))
    ok(raw.vm.action(ALICE, "terminate-hard", done))
    steps(one_sim, 2)
    ok(raw.user.login(ALICE, "alice", "", 600, -1))
    ok(raw.user.update(ALICE, 2, '<TEMPLATE><TAGS>{"a": "&lt;b&gt;"}</TAGS></TEMPLATE>', 1))
    template = ok(
        raw.template.allocate(ALICE, 'NAME="xsd" CPU="1" MEMORY="64" DISK=[IMAGE_ID="0"]')
    )
    return {
        "running": running,
        "poweroff": poweroff,
        "done": done,
        "image": image,
        "vnet": vnet,
        "template": template,
    }


@pytest.mark.parametrize("session", [ALICE, ONEADMIN])
def test_every_document_validates(one_sim, populated, session):
    raw = one_sim.raw().one
    documents = [
        (raw.vmpool.info(session, -2, -1, -1, -2), "vm_pool.xsd"),
        (raw.vmpool.infoextended(session, -2, -1, -1, -2), "vm_pool_extended.xsd"),
        (raw.templatepool.info(session, -2, -1, -1), "vmtemplate_pool.xsd"),
        (raw.template.info(session, 0), "vmtemplate.xsd"),
        (raw.template.info(session, populated["template"]), "vmtemplate.xsd"),
        (raw.imagepool.info(session, -2, -1, -1), "image_pool.xsd"),
        (raw.image.info(session, populated["image"]), "image.xsd"),
        (raw.image.info(session, 0), "image.xsd"),
        (raw.vnpool.info(session, -2, -1, -1), "vnet_pool.xsd"),
        (raw.vn.info(session, populated["vnet"]), "vnet.xsd"),
        (raw.vn.info(session, 0), "vnet.xsd"),
        (raw.datastorepool.info(session), "datastore_pool.xsd"),
        (raw.datastore.info(session, 0), "datastore.xsd"),
        (raw.userpool.info(session), "user_pool.xsd"),
        (raw.user.info(session, -1), "user.xsd"),
        (raw.user.info(session, 2), "user.xsd"),
        (raw.hostpool.info(session), "host_pool.xsd"),
        (raw.clusterpool.info(session), "cluster_pool.xsd"),
    ]
    documents += [(raw.vm.info(session, vm_id), "vm.xsd") for vm_id in range(5)]
    if session == ONEADMIN:
        documents.append((raw.system.config(session), "opennebula_configuration.xsd"))
    for answer, xsd in documents:
        validate(ok(answer), xsd)


def test_vm_states_covered(one_sim, populated):
    """The documents above really span several states (so the test means something)."""
    raw = one_sim.raw().one
    seen = {}
    for vm_id in range(5):
        root = ET.fromstring(ok(raw.vm.info(ALICE, vm_id)))
        seen[vm_id] = (int(root.findtext("STATE")), int(root.findtext("LCM_STATE")))
    assert set(seen.values()) >= {(3, 3), (8, 0), (6, 0), (3, 36), (2, 0)}


def test_escaping_survives(one_sim, populated):
    text = ok(one_sim.raw().one.vm.info(ALICE, populated["running"]))
    root = ET.fromstring(text)
    assert root.findtext("USER_TEMPLATE/NOTE") == "<&> 'quoted'"


def test_invalid_document_is_caught():
    """The validation helper does reject a document oned would never send."""
    with pytest.raises(xmlschema.XMLSchemaValidationError):
        validate("<IMAGE><ID>1</ID></IMAGE>", "image.xsd")
