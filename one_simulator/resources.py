"""What a VM holds: image disks and network leases, acquired and released as oned does."""

from __future__ import annotations

from .errors import action_error, no_exists, not_authorized
from .seed import int_to_ip
from .state import (
    IMG,
    AddressRange,
    Image,
    Session,
    Store,
    VirtualMachine,
    VNet,
    can,
)
from .template import Vector

TARGET_LETTERS = "abcdefghijklmnopqrstuvwxyz"


def lease_address(ar: AddressRange, index: int) -> tuple[str | None, str]:
    """The (IP, MAC) of the ``index``-th address of an address range."""
    mac_int = int(ar.mac.replace(":", ""), 16) + index
    mac = ":".join(f"{(mac_int >> s) & 0xFF:02x}" for s in range(40, -1, -8))
    if ar.ip is None:
        return None, mac
    base = sum(int(p) << (8 * (3 - i)) for i, p in enumerate(ar.ip.split(".")))
    return int_to_ip(base + index), mac


def used_leases(vnet: VNet) -> int:
    return sum(len(ar.leases) for ar in vnet.ars)


def resolve_image(store: Store, session: Session, disk: Vector) -> Image:
    """The image a DISK names by IMAGE_ID, or by IMAGE (+ IMAGE_UNAME / IMAGE_UID)."""
    if "IMAGE_ID" in disk:
        text = disk["IMAGE_ID"]
        if not text.lstrip("-").isdigit():
            raise action_error(f"Wrong IMAGE_ID {text!r} in DISK")
        image = store.images.get(int(text))
        if image is None:
            raise no_exists("IMAGE", int(text))
    else:
        name = disk["IMAGE"]
        owner = session.uid
        if "IMAGE_UNAME" in disk:
            owner = next((u.id for u in store.users.values() if u.name == disk["IMAGE_UNAME"]), -1)
        elif "IMAGE_UID" in disk and disk["IMAGE_UID"].isdigit():
            owner = int(disk["IMAGE_UID"])
        image = next((i for i in store.images.values() if i.name == name and i.uid == owner), None)
        if image is None:
            raise action_error(f"Image {name!r} does not exist for user {owner}")
    if not can(session, image, "USE"):
        raise not_authorized(session.uid, "USE", "IMAGE", image.id)
    return image


def acquire_image(store: Store, image: Image, vm_id: int) -> None:
    """Take an image for a VM: READY → USED (USED_PERS if persistent)."""
    usable = (IMG["READY"], IMG["USED"]) if not image.persistent else (IMG["READY"],)
    if image.state not in usable:
        if image.persistent and image.state == IMG["USED_PERS"]:
            raise action_error(
                f"Cannot acquire image {image.id}, it is persistent and already in use"
            )
        raise action_error(f"Cannot acquire image {image.id}, it is not ready")
    image.vms.append(vm_id)
    image.state = IMG["USED_PERS"] if image.persistent else IMG["USED"]


def release_image(store: Store, image_id: int, vm_id: int) -> None:
    image = store.images.get(image_id)
    if image is None or vm_id not in image.vms:
        return
    image.vms.remove(vm_id)
    if not image.vms and image.state in (IMG["USED"], IMG["USED_PERS"]):
        image.state = IMG["READY"]


def build_disk(store: Store, session: Session, vm: VirtualMachine, disk: Vector) -> Vector:
    """Complete a DISK vector the way oned fills it (DISK_ID, TARGET, SOURCE, ...)."""
    disk_id = next_id(vm.template.vectors("DISK"), "DISK_ID")
    if "IMAGE_ID" not in disk and "IMAGE" not in disk:
        size = disk.get("SIZE", "")
        if not size.isdigit():
            raise action_error("DISK without IMAGE needs a SIZE (volatile disk)")
        return {
            **disk,
            "DISK_ID": str(disk_id),
            "TARGET": disk.get("TARGET") or new_target(vm, disk.get("DEV_PREFIX", "vd")),
            "TYPE": disk.get("TYPE", "fs"),
            "DISK_TYPE": "FILE",
        }
    image = resolve_image(store, session, disk)
    acquire_image(store, image, vm.id)
    ds = store.datastores.get(image.ds_id)
    prefix = disk.get("DEV_PREFIX") or image.template.get_str("DEV_PREFIX") or "vd"
    filled = {
        **{k: v for k, v in disk.items() if k not in ("IMAGE_UNAME", "IMAGE_UID")},
        "CLONE": "NO" if image.persistent else "YES",
        "CLONE_TARGET": "SYSTEM",
        "DATASTORE": ds.name if ds else "",
        "DATASTORE_ID": str(image.ds_id),
        "DEV_PREFIX": prefix,
        "DISK_ID": str(disk_id),
        "DISK_TYPE": "FILE",
        "DRIVER": image.format,
        "FORMAT": image.format,
        "IMAGE": image.name,
        "IMAGE_ID": str(image.id),
        "IMAGE_STATE": str(image.state),
        "IMAGE_UNAME": store.user_name(image.uid),
        "ORIGINAL_SIZE": str(image.size_mb),
        "READONLY": "NO",
        "SAVE": "YES" if image.persistent else "NO",
        "SIZE": disk.get("SIZE") or str(image.size_mb),
        "SOURCE": image.source,
        "TARGET": disk.get("TARGET") or new_target(vm, prefix),
        "TM_MAD": ds.tm_mad if ds else "ssh",
        "TYPE": "FILE",
    }
    if image.persistent:
        filled["PERSISTENT"] = "YES"
    return filled


def new_target(vm: VirtualMachine, prefix: str) -> str:
    taken = {d.get("TARGET", "") for d in vm.template.vectors("DISK")}
    for letter in TARGET_LETTERS:
        if f"{prefix}{letter}" not in taken:
            return f"{prefix}{letter}"
    raise action_error("No free disk target left")


def next_id(vectors: list[Vector], key: str) -> int:
    ids = [int(v[key]) for v in vectors if v.get(key, "").isdigit()]
    return max(ids) + 1 if ids else 0


def resolve_vnet(store: Store, session: Session, nic: Vector) -> VNet:
    if "NETWORK_ID" in nic:
        text = nic["NETWORK_ID"]
        if not text.lstrip("-").isdigit():
            raise action_error(f"Wrong NETWORK_ID {text!r} in NIC")
        vnet = store.vnets.get(int(text))
        if vnet is None:
            raise no_exists("NET", int(text))
    elif "NETWORK" in nic:
        owner = session.uid
        if "NETWORK_UNAME" in nic:
            owner = next((u.id for u in store.users.values() if u.name == nic["NETWORK_UNAME"]), -1)
        vnet = next(
            (n for n in store.vnets.values() if n.name == nic["NETWORK"] and n.uid == owner), None
        )
        if vnet is None:
            raise action_error(f"Virtual network {nic['NETWORK']!r} does not exist")
    else:
        raise action_error("NIC must name a NETWORK_ID or a NETWORK")
    if not can(session, vnet, "USE"):
        raise not_authorized(session.uid, "USE", "NET", vnet.id)
    return vnet


def take_lease(vnet: VNet, vm_id: int, want_ip: str | None, want_mac: str | None) -> tuple:
    """Reserve an address for a VM; returns (ar, ip, mac). OneError when none is free."""
    for ar in vnet.ars:
        for index in _candidates(ar):
            ip, mac = lease_address(ar, index)
            if want_ip and ip != want_ip:
                continue
            if want_mac and mac.lower() != want_mac.lower():
                continue
            if index in ar.leases:
                if want_ip or want_mac:
                    raise action_error(
                        f"Cannot get IP/MAC lease from virtual network {vnet.id}:"
                        f" {want_ip or want_mac} is already in use"
                    )
                continue
            ar.leases[index] = vm_id
            ar.next_index = (index + 1) % ar.size
            return ar, ip, mac
    raise action_error(f"Cannot get IP/MAC lease from virtual network {vnet.id}.")


def _candidates(ar: AddressRange) -> list[int]:
    return [(ar.next_index + i) % ar.size for i in range(ar.size)]


def release_lease(store: Store, nic: Vector, vm_id: int) -> None:
    vnet = store.vnets.get(int(nic.get("NETWORK_ID", "-1") or -1))
    if vnet is None:
        return
    for ar in vnet.ars:
        if str(ar.ar_id) != nic.get("AR_ID"):
            continue
        for index, owner in list(ar.leases.items()):
            if owner == vm_id and lease_address(ar, index)[1] == nic.get("MAC"):
                del ar.leases[index]


def build_nic(store: Store, session: Session, vm: VirtualMachine, nic: Vector) -> Vector:
    """Complete a NIC vector: a lease (IP, MAC) from the network and its bridge."""
    vnet = resolve_vnet(store, session, nic)
    ar, ip, mac = take_lease(vnet, vm.id, nic.get("IP"), nic.get("MAC"))
    nic_id = next_id(vm.template.vectors("NIC"), "NIC_ID")
    filled = {
        **{k: v for k, v in nic.items() if k not in ("NETWORK_UNAME",)},
        "AR_ID": str(ar.ar_id),
        "BRIDGE": vnet.bridge,
        "BRIDGE_TYPE": "linux",
        "CLUSTER_ID": ",".join(str(c) for c in vnet.clusters),
        "MAC": mac,
        "NAME": f"NIC{nic_id}",
        "NETWORK": vnet.name,
        "NETWORK_ID": str(vnet.id),
        "NETWORK_UNAME": store.user_name(vnet.uid),
        "NIC_ID": str(nic_id),
        "SECURITY_GROUPS": nic.get("SECURITY_GROUPS", "0"),
        "TARGET": f"one-{vm.id}-{nic_id}",
        "VN_MAD": vnet.vn_mad,
    }
    if ip is not None:
        filled["IP"] = ip
    if vnet.phydev:
        filled["PHYDEV"] = vnet.phydev
    return dict(sorted(filled.items()))


def release_all(store: Store, vm: VirtualMachine) -> None:
    """Free every lease and image a VM holds (on DONE)."""
    for nic in vm.template.vectors("NIC"):
        release_lease(store, nic, vm.id)
    for disk in vm.template.vectors("DISK"):
        if disk.get("IMAGE_ID", "").isdigit():
            release_image(store, int(disk["IMAGE_ID"]), vm.id)
