"""Loading the simulator's initial state from a YAML seed (format in the package docstring)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from .state import (
    DATASTORE_TYPES,
    IMAGE_TYPES,
    AddressRange,
    Cluster,
    Datastore,
    Group,
    Host,
    Image,
    Perms,
    Store,
    User,
    VmTemplate,
    VNet,
    hash_password,
)
from .template import Template, TemplateError

DEFAULT_SEED = Path(__file__).resolve().parent.parent / "fixtures" / "opennebula" / "seed.yaml"


class SeedError(ValueError):
    """A seed file that cannot be loaded; the message names the entry."""


def load_seed(path: str | Path | None = None) -> Store:
    """Read a seed file (default: ``fixtures/opennebula/seed.yaml``) into a new store."""
    seed_path = Path(path) if path else DEFAULT_SEED
    try:
        data = yaml.safe_load(seed_path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise SeedError(f"cannot read seed {seed_path}: {exc}") from None
    except yaml.YAMLError as exc:
        raise SeedError(f"seed {seed_path} is not valid YAML: {exc}") from None
    if not isinstance(data, dict):
        raise SeedError(f"seed {seed_path} must be a mapping at the top level")
    store = Store()
    try:
        _fill(store, data)
    except (KeyError, TypeError, ValueError, TemplateError) as exc:
        raise SeedError(f"seed {seed_path}: {exc}") from None
    return store


def _template(value: Any, where: str) -> Template:
    """A seed ``template:`` is ONe template text or a mapping of attributes."""
    if value is None:
        return Template()
    if isinstance(value, str):
        return Template.parse(value)
    if isinstance(value, dict):
        items = []
        for key, val in value.items():
            if isinstance(val, dict):
                items.append((str(key).upper(), {str(k).upper(): str(v) for k, v in val.items()}))
            else:
                items.append((str(key).upper(), str(val)))
        return Template(items)
    raise ValueError(f"{where}: template must be text or a mapping")


def _by_name(table: dict, name: Any, what: str) -> int:
    if isinstance(name, int):
        if name not in table:
            raise ValueError(f"unknown {what} id {name}")
        return name
    for oid, obj in table.items():
        if obj.name == name:
            return oid
    raise ValueError(f"unknown {what} {name!r}")


def _owned(store: Store, entry: dict, kind: str) -> dict[str, Any]:
    uid = _by_name(store.users, entry.get("owner", "oneadmin"), "user")
    default_gid = store.users[uid].gid
    gid = _by_name(store.groups, entry["group"], "group") if "group" in entry else default_gid
    return {
        "id": int(entry["id"]),
        "uid": uid,
        "gid": gid,
        "name": str(entry["name"]),
        "perms": Perms.from_octal(entry.get("perms", "600")),
        "regtime": store.clock.epoch(),
        "template": _template(entry.get("template"), f"{kind} {entry['name']}"),
    }


def _fill(store: Store, data: dict) -> None:
    store.version = str(data.get("version", store.version))
    for entry in data.get("groups", []):
        store.groups[int(entry["id"])] = Group(int(entry["id"]), str(entry["name"]))
    for entry in data.get("users", []):
        gid = _by_name(store.groups, entry["group"], "group")
        extra = [_by_name(store.groups, g, "group") for g in entry.get("groups", [])]
        store.users[int(entry["id"])] = User(
            id=int(entry["id"]),
            name=str(entry["name"]),
            password_hash=hash_password(str(entry["password"])),
            gid=gid,
            groups=sorted({gid, *extra}),
            template=_template(entry.get("template"), f"user {entry['name']}"),
        )
    if not any(u.name == "oneadmin" for u in store.users.values()):
        raise ValueError("the seed must define the oneadmin user")
    for entry in data.get("clusters", [{"id": 0, "name": "default"}]):
        store.clusters[int(entry["id"])] = Cluster(int(entry["id"]), str(entry["name"]))
    for entry in data.get("hosts", []):
        store.hosts[int(entry["id"])] = Host(
            int(entry["id"]), str(entry["name"]), int(entry.get("cluster", 0))
        )
    for entry in data.get("datastores", []):
        ds_type = str(entry.get("type", "IMAGE")).upper()
        if ds_type not in DATASTORE_TYPES:
            raise ValueError(f"datastore {entry['name']}: type must be one of {DATASTORE_TYPES}")
        total = int(entry.get("total_mb", 102400))
        store.datastores[int(entry["id"])] = Datastore(
            **_owned(store, {"perms": "644", **entry}, "datastore"),
            type=DATASTORE_TYPES.index(ds_type),
            ds_mad=str(entry.get("ds_mad", "" if ds_type == "SYSTEM" else "fs")),
            tm_mad=str(entry.get("tm_mad", "ssh")),
            total_mb=total,
            free_mb=int(entry.get("free_mb", total)),
        )
    for entry in data.get("images", []):
        img_type = str(entry.get("type", "OS")).upper()
        if img_type not in IMAGE_TYPES:
            raise ValueError(f"image {entry['name']}: type must be one of {IMAGE_TYPES}")
        ds_id = _by_name(store.datastores, entry.get("datastore", 1), "datastore")
        store.images[int(entry["id"])] = Image(
            **_owned(store, entry, "image"),
            type=IMAGE_TYPES.index(img_type),
            persistent=bool(entry.get("persistent", False)),
            size_mb=int(entry.get("size_mb", 1024)),
            ds_id=ds_id,
            path=str(entry.get("path", "")),
            source=f"/var/lib/one/datastores/{ds_id}/{entry['id']:032x}",
            format=str(entry.get("format", "qcow2")),
        )
    for entry in data.get("networks", []):
        vnet = VNet(
            **_owned(store, entry, "network"),
            vn_mad=str(entry.get("vn_mad", "bridge")),
            bridge=str(entry.get("bridge", f"onebr{entry['id']}")),
            phydev=str(entry.get("phydev", "")),
            vlan_id=str(entry.get("vlan_id", "")),
        )
        for i, ar in enumerate(entry.get("ars", [])):
            vnet.ars.append(make_ar(i, {k.upper(): str(v) for k, v in ar.items()}))
        store.vnets[vnet.id] = vnet
    for entry in data.get("templates", []):
        store.templates[int(entry["id"])] = VmTemplate(**_owned(store, entry, "template"))


MAC_PREFIX = "02:00"


def _ip_to_int(ip: str) -> int:
    parts = ip.split(".")
    if len(parts) != 4 or not all(p.isdigit() and int(p) < 256 for p in parts):
        raise ValueError(f"{ip!r} is not an IPv4 address")
    return sum(int(p) << (8 * (3 - i)) for i, p in enumerate(parts))


def int_to_ip(value: int) -> str:
    return ".".join(str((value >> s) & 0xFF) for s in (24, 16, 8, 0))


def make_ar(ar_id: int, attrs: dict[str, str]) -> AddressRange:
    """An address range from ``AR=[TYPE=IP4, IP=..., SIZE=...]`` attributes (ValueError if bad)."""
    ar_type = attrs.get("TYPE", "").upper()
    if ar_type not in ("IP4", "ETHER"):
        raise ValueError(f"Unknown or missing TYPE for address range ({attrs.get('TYPE', '')!r})")
    size_text = attrs.get("SIZE", "")
    if not size_text.isdigit() or int(size_text) <= 0:
        raise ValueError("Wrong SIZE for address range")
    ip = None
    if ar_type == "IP4":
        if "IP" not in attrs:
            raise ValueError("Wrong or missing IP for address range")
        ip = attrs["IP"]
        base = _ip_to_int(ip)
        if base + int(size_text) > 0xFFFFFFFF:
            raise ValueError("Address range does not fit in IPv4")
        mac = attrs.get("MAC") or MAC_PREFIX + "".join(
            f":{(base >> s) & 0xFF:02x}" for s in (24, 16, 8, 0)
        )
    else:
        mac = attrs.get("MAC") or f"{MAC_PREFIX}:00:00:{ar_id:02x}:00"
    extra = {k: v for k, v in attrs.items() if k not in ("TYPE", "SIZE", "IP", "MAC", "AR_ID")}
    return AddressRange(ar_id=ar_id, type=ar_type, size=int(size_text), mac=mac, ip=ip, extra=extra)
