"""The XML documents oned returns, built with ElementTree (values are escaped by it).

Element order and presence follow the XSDs oned ships (share/doc/xsd, copied to
``shared/opennebula-xsd``): ``one.vmpool.info`` answers the short VM body of
``vm_pool.xsd``; ``one.vmpool.infoextended`` and ``one.vm.info`` the full ``vm.xsd`` VM.
oned sends no namespace and no XML declaration, and neither do we.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterable

from .resources import lease_address, used_leases
from .state import (
    LCM,
    PERM_NAMES,
    VM,
    Cluster,
    Datastore,
    Host,
    Image,
    Owned,
    Store,
    User,
    VirtualMachine,
    VmTemplate,
    VNet,
)
from .template import Template

# The VM TEMPLATE children vm.xsd allows, in its order; True = may be a vector.
VM_TEMPLATE_KEYS: dict[str, bool] = {
    "AUTOMATIC_DS_REQUIREMENTS": False,
    "AUTOMATIC_NIC_REQUIREMENTS": False,
    "AUTOMATIC_REQUIREMENTS": False,
    "CLONING_TEMPLATE_ID": False,
    "CONTEXT": True,
    "CPU": False,
    "CPU_COST": False,
    "DISK": True,
    "DISK_COST": False,
    "EMULATOR": False,
    "FEATURES": True,
    "HYPERV_OPTIONS": True,
    "GRAPHICS": True,
    "IMPORTED": False,
    "INPUT": True,
    "MEMORY": False,
    "MEMORY_COST": False,
    "MEMORY_MAX": False,
    "MEMORY_SLOTS": False,
    "MEMORY_RESIZE_MODE": False,
    "NIC": True,
    "NIC_ALIAS": True,
    "NIC_DEFAULT": True,
    "NUMA_NODE": True,
    "OS": True,
    "PCI": True,
    "RAW": True,
    "SECURITY_GROUP_RULE": True,
    "SPICE_OPTIONS": True,
    "SUBMIT_ON_HOLD": False,
    "TEMPLATE_ID": False,
    "TM_MAD_SYSTEM": False,
    "TOPOLOGY": True,
    "VCPU": False,
    "VCPU_MAX": False,
    "VMGROUP": True,
    "VMID": False,
    "VROUTER_ID": False,
    "VROUTER_KEEPALIVED_ID": False,
    "VROUTER_KEEPALIVED_PASSWORD": False,
}
REPEATABLE = {"DISK", "NIC", "NIC_ALIAS", "PCI", "SECURITY_GROUP_RULE"}
_ORDER = {name: i for i, name in enumerate(VM_TEMPLATE_KEYS)}

# What the short pool body keeps (oned's VirtualMachine::to_xml_short).
SHORT_DISK = {
    "DATASTORE", "DATASTORE_ID", "DISK_ID", "IMAGE", "IMAGE_ID", "IMAGE_STATE", "SIZE",
    "TARGET", "TYPE", "CLONE", "READONLY", "PERSISTENT", "SAVE",
}  # fmt: skip
SHORT_NIC = {
    "IP", "IP6", "IP6_GLOBAL", "IP6_LINK", "IP6_ULA", "MAC", "NETWORK", "NETWORK_ID",
    "NIC_ID", "SECURITY_GROUPS",
}  # fmt: skip
SHORT_USER_TEMPLATE = {"LABELS", "ERROR", "SCHED_MESSAGE", "SCHED_RANK", "SCHED_REQUIREMENTS"}


def split_vm_template(tmpl: Template) -> tuple[Template, Template]:
    """oned's split of an allocated template into TEMPLATE and USER_TEMPLATE."""
    system, user = Template(), Template()
    seen: set[str] = set()
    for name, value in tmpl:
        vector_ok = VM_TEMPLATE_KEYS.get(name)
        fits = vector_ok is not None and (vector_ok or isinstance(value, str))
        if fits and (name in REPEATABLE or name not in seen):
            system.add(name, value)
            seen.add(name)
        else:
            user.add(name, value)
    return system, user


def to_string(element: ET.Element) -> str:
    return ET.tostring(element, encoding="unicode")


def _sub(parent: ET.Element, tag: str, value: object = None) -> ET.Element:
    element = ET.SubElement(parent, tag)
    if value is not None:
        element.text = str(value)
    return element


def _ids(parent: ET.Element, tag: str, ids: Iterable[int]) -> None:
    element = _sub(parent, tag)
    for oid in sorted(ids):
        _sub(element, "ID", oid)


def _owner(parent: ET.Element, store: Store, obj: Owned) -> None:
    _sub(parent, "ID", obj.id)
    _sub(parent, "UID", obj.uid)
    _sub(parent, "GID", obj.gid)
    _sub(parent, "UNAME", store.user_name(obj.uid))
    _sub(parent, "GNAME", store.group_name(obj.gid))
    _sub(parent, "NAME", obj.name)


def _perms(parent: ET.Element, obj: Owned) -> None:
    element = _sub(parent, "PERMISSIONS")
    for name, bit in zip(PERM_NAMES, obj.perms.bits, strict=True):
        _sub(element, name, bit)


def _template(parent: ET.Element, tag: str, tmpl: Template) -> None:
    tmpl.to_xml(_sub(parent, tag))


def _pool(tag: str, items: Iterable[ET.Element]) -> ET.Element:
    root = ET.Element(tag)
    root.extend(items)
    return root


# --- VM --------------------------------------------------------------------------------


def vm(store: Store, obj: VirtualMachine) -> ET.Element:
    """A full VM (vm.xsd), as one.vm.info and one.vmpool.infoextended send it."""
    root = ET.Element("VM")
    _owner(root, store, obj)
    _perms(root, obj)
    _sub(root, "LAST_POLL", obj.last_poll)
    _sub(root, "STATE", obj.state)
    _sub(root, "LCM_STATE", obj.lcm_state)
    _sub(root, "PREV_STATE", obj.prev_state)
    _sub(root, "PREV_LCM_STATE", obj.prev_lcm_state)
    _sub(root, "RESCHED", obj.resched)
    _sub(root, "STIME", obj.stime)
    _sub(root, "ETIME", obj.etime)
    _sub(root, "DEPLOY_ID", obj.deploy_id)
    monitoring = _sub(root, "MONITORING")
    if obj.state == VM["ACTIVE"] and obj.lcm_state == LCM["RUNNING"]:
        memory = obj.template.get_str("MEMORY", "0")
        _sub(monitoring, "CPU", "1.0")
        _sub(monitoring, "ID", obj.id)
        _sub(monitoring, "MEMORY", int(memory) * 1024 if memory.isdigit() else 0)
        _sub(monitoring, "NETRX", 0)
        _sub(monitoring, "NETTX", 0)
        _sub(monitoring, "TIMESTAMP", store.clock.epoch())
    _sub(root, "SCHED_ACTIONS")
    template = _sub(root, "TEMPLATE")
    ordered = sorted(obj.template, key=lambda item: _ORDER.get(item[0], len(_ORDER)))
    Template(ordered).to_xml(template)
    _template(root, "USER_TEMPLATE", obj.user_template)
    records = _sub(root, "HISTORY_RECORDS")
    for h in obj.history:
        record = _sub(records, "HISTORY")
        for tag, value in (
            ("OID", obj.id), ("SEQ", h.seq), ("HOSTNAME", h.hostname), ("HID", h.hid),
            ("CID", h.cid), ("STIME", h.stime), ("ETIME", h.etime), ("VM_MAD", h.vm_mad),
            ("TM_MAD", h.tm_mad), ("DS_ID", h.ds_id), ("PLAN_ID", -1), ("ACTION_ID", -1),
            ("PSTIME", h.stime), ("PETIME", h.stime), ("RSTIME", h.stime), ("RETIME", h.etime),
            ("ESTIME", 0), ("EETIME", 0), ("ACTION", h.action), ("UID", obj.uid),
            ("GID", obj.gid), ("REQUEST_ID", -1),
        ):  # fmt: skip
            _sub(record, tag, value)
    backups = _sub(root, "BACKUPS")
    _sub(backups, "BACKUP_CONFIG")
    _sub(backups, "BACKUP_IDS")
    return root


def vm_short(store: Store, obj: VirtualMachine) -> ET.Element:
    """The trimmed VM of one.vmpool.info (vm_pool.xsd): no CONTEXT, trimmed DISK/NIC."""
    root = ET.Element("VM")
    _owner(root, store, obj)
    for tag, value in (
        ("LAST_POLL", obj.last_poll), ("STATE", obj.state), ("LCM_STATE", obj.lcm_state),
        ("RESCHED", obj.resched), ("STIME", obj.stime), ("ETIME", obj.etime),
        ("DEPLOY_ID", obj.deploy_id),
    ):  # fmt: skip
        _sub(root, tag, value)
    template = _sub(root, "TEMPLATE")
    for name in ("CPU", "MEMORY", "VCPU"):
        if obj.template.get_str(name):
            _sub(template, name, obj.template.get_str(name))
    for name, keep in (("DISK", SHORT_DISK), ("NIC", SHORT_NIC)):
        for vector in obj.template.vectors(name):
            element = _sub(template, name)
            for key, value in vector.items():
                if key in keep:
                    _sub(element, key, value)
    for graphics in obj.template.vectors("GRAPHICS")[:1]:
        Template([("GRAPHICS", graphics)]).to_xml(template)
    _sub(root, "MONITORING")
    user = _sub(root, "USER_TEMPLATE")
    obj.user_template.to_xml(user, SHORT_USER_TEMPLATE)
    records = _sub(root, "HISTORY_RECORDS")
    for h in obj.history[-1:]:
        record = _sub(records, "HISTORY")
        for tag, value in (
            ("OID", obj.id), ("SEQ", h.seq), ("HOSTNAME", h.hostname), ("HID", h.hid),
            ("CID", h.cid), ("DS_ID", h.ds_id), ("VM_MAD", h.vm_mad), ("TM_MAD", h.tm_mad),
            ("ACTION", h.action),
        ):  # fmt: skip
            _sub(record, tag, value)
    return root


def vm_pool(store: Store, vms: Iterable[VirtualMachine], extended: bool) -> ET.Element:
    build = vm if extended else vm_short
    return _pool("VM_POOL", (build(store, v) for v in vms))


# --- templates, images, networks, datastores -------------------------------------------


def vmtemplate(store: Store, obj: VmTemplate) -> ET.Element:
    root = ET.Element("VMTEMPLATE")
    _owner(root, store, obj)
    _perms(root, obj)
    _sub(root, "REGTIME", obj.regtime)
    _template(root, "TEMPLATE", obj.template)
    return root


def image(store: Store, obj: Image) -> ET.Element:
    root = ET.Element("IMAGE")
    _owner(root, store, obj)
    _perms(root, obj)
    ds = store.datastores.get(obj.ds_id)
    for tag, value in (
        ("TYPE", obj.type), ("DISK_TYPE", 0), ("PERSISTENT", int(obj.persistent)),
        ("REGTIME", obj.regtime), ("MODTIME", obj.modtime or obj.regtime),
        ("SOURCE", obj.source), ("PATH", obj.path), ("FORMAT", obj.format), ("FS", ""),
        ("SIZE", obj.size_mb), ("STATE", obj.state), ("PREV_STATE", obj.prev_state),
        ("RUNNING_VMS", len(obj.vms)), ("CLONING_OPS", 0), ("CLONING_ID", -1),
        ("TARGET_SNAPSHOT", -1), ("DATASTORE_ID", obj.ds_id),
        ("DATASTORE", ds.name if ds else ""),
    ):  # fmt: skip
        _sub(root, tag, value)
    _ids(root, "VMS", obj.vms)
    _ids(root, "CLONES", [])
    _ids(root, "APP_CLONES", [])
    _template(root, "TEMPLATE", obj.template)
    snapshots = _sub(root, "SNAPSHOTS")
    _sub(snapshots, "ALLOW_ORPHANS", "YES")
    _sub(snapshots, "CURRENT_BASE", -1)
    _sub(snapshots, "NEXT_SNAPSHOT", 0)
    _sub(root, "BACKUP_INCREMENTS")
    return root


def vnet(store: Store, obj: VNet, pool: bool = False) -> ET.Element:
    """A VNET; in pools the ARs carry no leases (vnet_pool.xsd)."""
    root = ET.Element("VNET")
    _owner(root, store, obj)
    _perms(root, obj)
    _ids(root, "CLUSTERS", obj.clusters)
    _sub(root, "BRIDGE", obj.bridge)
    _sub(root, "BRIDGE_TYPE", "linux")
    _sub(root, "STATE", 1)
    _sub(root, "PREV_STATE", 0)
    _sub(root, "PARENT_NETWORK_ID", "")
    _sub(root, "TEMPLATE_ID", -1)
    _sub(root, "VN_MAD", obj.vn_mad)
    _sub(root, "PHYDEV", obj.phydev)
    _sub(root, "VLAN_ID", obj.vlan_id)
    _sub(root, "OUTER_VLAN_ID", "")
    _sub(root, "VLAN_ID_AUTOMATIC", 0)
    _sub(root, "OUTER_VLAN_ID_AUTOMATIC", 0)
    _sub(root, "USED_LEASES", used_leases(obj))
    for tag in ("VROUTERS", "UPDATED_VMS", "OUTDATED_VMS", "UPDATING_VMS", "ERROR_VMS"):
        _ids(root, tag, [])
    _template(root, "TEMPLATE", obj.template)
    ar_pool = _sub(root, "AR_POOL")
    for ar in obj.ars:
        element = _sub(ar_pool, "AR")
        _sub(element, "AR_ID", ar.ar_id)
        if ar.ip is not None:
            _sub(element, "IP", ar.ip)
        _sub(element, "MAC", ar.mac)
        _sub(element, "NEXT_INDEX", ar.next_index)
        _sub(element, "SIZE", ar.size)
        _sub(element, "TYPE", ar.type)
        if pool:
            continue
        last_ip, last_mac = lease_address(ar, ar.size - 1)
        _sub(element, "MAC_END", last_mac)
        if last_ip is not None:
            _sub(element, "IP_END", last_ip)
        _sub(element, "USED_LEASES", len(ar.leases))
        leases = _sub(element, "LEASES")
        for index, vm_id in sorted(ar.leases.items()):
            lease = _sub(leases, "LEASE")
            ip, mac = lease_address(ar, index)
            if ip is not None:
                _sub(lease, "IP", ip)
            _sub(lease, "MAC", mac)
            _sub(lease, "VM", vm_id)
    return root


def datastore(store: Store, obj: Datastore) -> ET.Element:
    root = ET.Element("DATASTORE")
    _owner(root, store, obj)
    _perms(root, obj)
    for tag, value in (
        ("DS_MAD", obj.ds_mad), ("TM_MAD", obj.tm_mad),
        ("BASE_PATH", f"/var/lib/one//datastores/{obj.id}"), ("TYPE", obj.type),
        ("DISK_TYPE", 0), ("STATE", obj.state),
    ):  # fmt: skip
        _sub(root, tag, value)
    _ids(root, "CLUSTERS", obj.clusters)
    _sub(root, "TOTAL_MB", obj.total_mb)
    _sub(root, "FREE_MB", obj.free_mb)
    _sub(root, "USED_MB", obj.total_mb - obj.free_mb)
    _ids(root, "IMAGES", [i.id for i in store.images.values() if i.ds_id == obj.id])
    ds_type = ("IMAGE_DS", "SYSTEM_DS", "FILE_DS")[obj.type]
    tmpl = Template([("DS_MAD", obj.ds_mad), ("TM_MAD", obj.tm_mad), ("TYPE", ds_type)])
    tmpl.merge(obj.template)
    _template(root, "TEMPLATE", tmpl)
    return root


# --- users, hosts, clusters, config ----------------------------------------------------


def _quotas(parent: ET.Element) -> None:
    for tag in ("DATASTORE_QUOTA", "NETWORK_QUOTA", "VM_QUOTA", "IMAGE_QUOTA"):
        _sub(parent, tag)


def user(store: Store, obj: User, tokens: bool, in_pool: bool = False) -> ET.Element:
    root = ET.Element("USER")
    _sub(root, "ID", obj.id)
    _sub(root, "GID", obj.gid)
    _ids(root, "GROUPS", obj.groups)
    _sub(root, "GNAME", store.group_name(obj.gid))
    _sub(root, "NAME", obj.name)
    _sub(root, "PASSWORD", obj.password_hash)
    _sub(root, "AUTH_DRIVER", obj.auth_driver)
    _sub(root, "ENABLED", int(obj.enabled))
    for token in obj.tokens if tokens else []:
        element = _sub(root, "LOGIN_TOKEN")
        _sub(element, "TOKEN", token.token)
        _sub(element, "EXPIRATION_TIME", int(token.expires))
        _sub(element, "EGID", token.egid)
    _template(root, "TEMPLATE", obj.template)
    if not in_pool:
        _quotas(root)
        _quotas(_sub(root, "DEFAULT_USER_QUOTAS"))
    return root


def user_pool(store: Store, users: Iterable[User], tokens_for: int) -> ET.Element:
    root = ET.Element("USER_POOL")
    for obj in users:
        root.append(user(store, obj, obj.id == tokens_for, in_pool=True))
        quotas = _sub(root, "QUOTAS")
        _sub(quotas, "ID", obj.id)
        _quotas(quotas)
    _quotas(_sub(root, "DEFAULT_USER_QUOTAS"))
    return root


def host(store: Store, obj: Host) -> ET.Element:
    root = ET.Element("HOST")
    cluster = store.clusters.get(obj.cluster_id)
    for tag, value in (
        ("ID", obj.id), ("NAME", obj.name), ("STATE", 2), ("PREV_STATE", 2),
        ("IM_MAD", obj.im_mad), ("VM_MAD", obj.vm_mad), ("CLUSTER_ID", obj.cluster_id),
        ("CLUSTER", cluster.name if cluster else ""),
    ):  # fmt: skip
        _sub(root, tag, value)
    running = [store.vms[i] for i in obj.vms if i in store.vms]
    mem_kb = sum(int(v.template.get_str("MEMORY", "0") or 0) * 1024 for v in running)
    cpu = sum(int(float(v.template.get_str("CPU", "0") or 0) * 100) for v in running)
    share = _sub(root, "HOST_SHARE")
    for tag, value in (
        ("MEM_USAGE", mem_kb), ("CPU_USAGE", cpu), ("TOTAL_MEM", obj.max_mem_kb),
        ("TOTAL_CPU", obj.max_cpu), ("MAX_MEM", obj.max_mem_kb), ("MAX_CPU", obj.max_cpu),
        ("RUNNING_VMS", len(running)), ("VMS_THREAD", 0),
    ):  # fmt: skip
        _sub(share, tag, value)
    datastores = _sub(share, "DATASTORES")
    for tag in ("DISK_USAGE", "FREE_DISK", "MAX_DISK", "USED_DISK"):
        _sub(datastores, tag, 0)
    _sub(share, "PCI_DEVICES")
    _sub(share, "NUMA_NODES")
    _ids(root, "VMS", obj.vms)
    _template(root, "TEMPLATE", Template([("HYPERVISOR", obj.vm_mad)]))
    _sub(root, "MONITORING")
    return root


def cluster(store: Store, obj: Cluster) -> ET.Element:
    root = ET.Element("CLUSTER")
    _sub(root, "ID", obj.id)
    _sub(root, "NAME", obj.name)
    _ids(root, "HOSTS", [h.id for h in store.hosts.values() if h.cluster_id == obj.id])
    _ids(root, "DATASTORES", [d.id for d in store.datastores.values() if obj.id in d.clusters])
    _ids(root, "VNETS", [n.id for n in store.vnets.values() if obj.id in n.clusters])
    _template(root, "TEMPLATE", Template([("RESERVED_CPU", ""), ("RESERVED_MEM", "")]))
    return root


def config() -> ET.Element:
    """A minimal OPENNEBULA_CONFIGURATION (elements in opennebula_configuration.xsd order)."""
    root = ET.Element("OPENNEBULA_CONFIGURATION")
    _sub(root, "API_LIST_ORDER", "DESC")
    _sub(root, "DATASTORE_CAPACITY_CHECK", "yes")
    _sub(root, "DEFAULT_DEVICE_PREFIX", "vd")
    _sub(root, "DEFAULT_UMASK", "177")
    _sub(root, "MAC_PREFIX", "02:00")
    return root


pool = _pool
