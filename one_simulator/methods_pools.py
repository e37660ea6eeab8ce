"""Images, virtual networks, datastores, users, hosts, clusters and ``one.system.*``."""

from __future__ import annotations

from . import documents
from .access import DEFAULT_TOKEN_SECONDS, filter_pool, get_obj, new_token, paginate
from .errors import (
    Code,
    OneError,
    action_error,
    allocate_error,
    no_exists,
    not_authorized,
)
from .methods_vm import parse, update_template
from .resources import used_leases
from .seed import make_ar
from .state import (
    IMAGE_STATES,
    IMAGE_TYPES,
    IMG,
    Image,
    LoginToken,
    Perms,
    Session,
    Store,
    VNet,
    can,
)
from .template import Template

# --- images ----------------------------------------------------------------------------


def new_image(store: Store, s: Session, tmpl: Template, ds_id: int, skip_check: bool) -> int:
    """Allocate an image in LOCKED; it turns READY one step later."""
    ds = store.datastores.get(ds_id)
    if ds is None:
        raise no_exists("DATASTORE", ds_id)
    if not can(s, ds, "USE"):
        raise not_authorized(s.uid, "USE", "DATASTORE", ds_id)
    if ds.type == 1:
        raise allocate_error("IMAGE", "New images cannot be allocated in a system datastore.")
    name = tmpl.get_str("NAME")
    if not name:
        raise allocate_error("IMAGE", "NAME cannot be empty.")
    type_name = (tmpl.get_str("TYPE") or "OS").upper()
    if type_name not in IMAGE_TYPES:
        raise allocate_error("IMAGE", f"Unknown TYPE: {type_name}.")
    size_text = tmpl.get_str("SIZE")
    path = tmpl.get_str("PATH")
    if type_name == "DATABLOCK" and not size_text and not path:
        raise allocate_error("IMAGE", "SIZE is mandatory for DATABLOCK images without PATH.")
    if type_name != "DATABLOCK" and not path and not tmpl.get_str("SOURCE"):
        raise allocate_error("IMAGE", "No PATH nor SOURCE in template.")
    if size_text and not size_text.isdigit():
        raise allocate_error("IMAGE", "SIZE must be an integer (MB).")
    size = int(size_text) if size_text else 1024
    if not skip_check and size > ds.free_mb:
        raise action_error("Not enough space in datastore")
    taken = next((i for i in store.images.values() if i.name == name and i.uid == s.uid), None)
    if taken is not None:
        raise allocate_error("IMAGE", f"NAME is already taken by IMAGE {taken.id}.")
    persistent = tmpl.get_str("PERSISTENT").upper() in ("YES", "TRUE", "1")
    for attr in ("NAME", "TYPE", "PERSISTENT", "PATH", "SOURCE", "SIZE"):
        tmpl.remove(attr)
    image_id = store.new_id("image", store.images)
    now = store.clock.epoch()
    store.images[image_id] = Image(
        id=image_id,
        uid=s.uid,
        gid=s.gid,
        name=name,
        perms=Perms.from_octal("600"),
        regtime=now,
        modtime=now,
        template=tmpl,
        type=IMAGE_TYPES.index(type_name),
        persistent=persistent,
        state=IMG["LOCKED"],
        prev_state=IMG["INIT"],
        size_mb=size,
        ds_id=ds_id,
        path=path,
        source=f"/var/lib/one//datastores/{ds_id}/{image_id:032x}",
    )
    ds.free_mb = max(0, ds.free_mb - size)
    store.image_timers.append((store.clock.now() + store.step(), image_id, "READY"))
    return image_id


def image_allocate(store, s, template: str, ds_id: int, skip_check: bool = False) -> int:
    return new_image(store, s, parse(template), ds_id, skip_check)


def image_info(store: Store, s: Session, oid: int, decrypt: bool = False) -> str:
    img = get_obj(store, store.images, "IMAGE", oid, s, "USE")
    return documents.to_string(documents.image(store, img))


def imagepool_info(store: Store, s: Session, flag: int, start: int, end: int) -> str:
    items = paginate(filter_pool(s, store.images.values(), flag), start, end)
    return documents.to_string(
        documents.pool("IMAGE_POOL", (documents.image(store, i) for i in items))
    )


def image_delete(store: Store, s: Session, oid: int, force: bool = False) -> int:
    img = get_obj(store, store.images, "IMAGE", oid, s, "MANAGE")
    if img.vms:
        raise action_error(
            f"Cannot delete image {oid}: There are {len(img.vms)} VMs using it.", oid
        )
    if img.state == IMG["DELETE"]:
        raise action_error(f"Cannot delete image {oid}: it is already being deleted.", oid)
    img.prev_state, img.state = img.state, IMG["DELETE"]
    store.image_timers.append((store.clock.now() + store.step(), oid, "DELETE"))
    return oid


def image_persistent(store: Store, s: Session, oid: int, persistent: bool) -> int:
    img = get_obj(store, store.images, "IMAGE", oid, s, "MANAGE")
    if img.vms:
        raise action_error(
            f"Cannot change persistent state of image {oid}: it is in use by VMs.", oid
        )
    if img.state not in (IMG["READY"], IMG["DISABLED"], IMG["ERROR"]):
        raise action_error(
            f"Cannot change persistent state of image {oid} in state {IMAGE_STATES[img.state]}.",
            oid,
        )
    img.persistent = bool(persistent)
    return oid


def image_enable(store: Store, s: Session, oid: int, enable: bool) -> int:
    img = get_obj(store, store.images, "IMAGE", oid, s, "MANAGE")
    target = IMG["READY"] if enable else IMG["DISABLED"]
    source = IMG["DISABLED"] if enable else IMG["READY"]
    if img.state == target:
        return oid
    if img.state != source:
        verb = "enabled" if enable else "disabled"
        raise action_error(f"Image {oid} cannot be {verb} in state {IMAGE_STATES[img.state]}.", oid)
    img.prev_state, img.state = img.state, target
    return oid


def image_rename(store: Store, s: Session, oid: int, name: str) -> int:
    img = get_obj(store, store.images, "IMAGE", oid, s, "MANAGE")
    _rename(store.images.values(), img, name, "IMAGE")
    return oid


def image_update(store: Store, s: Session, oid: int, template: str, how: int = 0) -> int:
    img = get_obj(store, store.images, "IMAGE", oid, s, "MANAGE")
    img.template = update_template(img.template, template, how)
    return oid


def _rename(pool, obj, name: str, kind: str) -> None:
    if not name.strip():
        raise action_error("New name cannot be empty", obj.id)
    clash = next((o for o in pool if o.name == name and o.uid == obj.uid and o is not obj), None)
    if clash is not None:
        raise action_error(f'{kind} named "{name}" already exists with ID {clash.id}', obj.id)
    obj.name = name


# --- virtual networks ------------------------------------------------------------------


def vn_allocate(store: Store, s: Session, template: str, cluster_id: int = -1) -> int:
    tmpl = parse(template)
    cid = 0 if cluster_id == -1 else cluster_id
    if cid not in store.clusters:
        raise no_exists("CLUSTER", cid)
    name = tmpl.get_str("NAME")
    if not name:
        raise allocate_error("NET", "NAME cannot be empty.")
    vn_mad = tmpl.get_str("VN_MAD")
    if not vn_mad:
        raise allocate_error("NET", "VN_MAD has to be defined.")
    taken = next((n for n in store.vnets.values() if n.name == name and n.uid == s.uid), None)
    if taken is not None:
        raise allocate_error("NET", f"NAME is already taken by NET {taken.id}.")
    vnet_id = store.new_id("vnet", store.vnets)
    vnet = VNet(
        id=vnet_id,
        uid=s.uid,
        gid=s.gid,
        name=name,
        perms=Perms.from_octal("600"),
        regtime=store.clock.epoch(),
        vn_mad=vn_mad,
        bridge=tmpl.get_str("BRIDGE") or f"onebr{vnet_id}",
        phydev=tmpl.get_str("PHYDEV"),
        vlan_id=tmpl.get_str("VLAN_ID"),
        clusters=[cid],
    )
    try:
        for i, ar in enumerate(tmpl.vectors("AR")):
            vnet.ars.append(make_ar(i, ar))
    except ValueError as exc:
        raise allocate_error("NET", str(exc)) from None
    tmpl.remove("NAME")
    tmpl.remove("AR")
    vnet.template = tmpl
    store.vnets[vnet_id] = vnet
    return vnet_id


def vn_info(store: Store, s: Session, oid: int, decrypt: bool = False) -> str:
    vnet = get_obj(store, store.vnets, "NET", oid, s, "USE")
    return documents.to_string(documents.vnet(store, vnet))


def vnpool_info(store: Store, s: Session, flag: int, start: int, end: int) -> str:
    items = paginate(filter_pool(s, store.vnets.values(), flag), start, end)
    return documents.to_string(
        documents.pool("VNET_POOL", (documents.vnet(store, n, pool=True) for n in items))
    )


def vn_delete(store: Store, s: Session, oid: int) -> int:
    vnet = get_obj(store, store.vnets, "NET", oid, s, "MANAGE")
    if used_leases(vnet):
        raise action_error("Can not remove a virtual network with leases in use", oid)
    del store.vnets[oid]
    return oid


def vn_update(store: Store, s: Session, oid: int, template: str, how: int = 0) -> int:
    vnet = get_obj(store, store.vnets, "NET", oid, s, "MANAGE")
    vnet.template = update_template(vnet.template, template, how)
    return oid


def vn_rename(store: Store, s: Session, oid: int, name: str) -> int:
    vnet = get_obj(store, store.vnets, "NET", oid, s, "MANAGE")
    _rename(store.vnets.values(), vnet, name, "NET")
    return oid


def vn_add_ar(store: Store, s: Session, oid: int, template: str) -> int:
    # oned asks ADMIN on the network for address-range changes.
    vnet = get_obj(store, store.vnets, "NET", oid, s, "ADMIN")
    tmpl = parse(template)
    ars = tmpl.vectors("AR")
    if not ars:
        raise action_error("Wrong number of AR attributes: at least one AR is needed", oid)
    next_id = max((ar.ar_id for ar in vnet.ars), default=-1) + 1
    try:
        new = [make_ar(next_id + i, ar) for i, ar in enumerate(ars)]
    except ValueError as exc:
        raise action_error(f"Error adding address range: {exc}", oid) from None
    vnet.ars.extend(new)
    return oid


# --- datastores, hosts, clusters -------------------------------------------------------


def datastore_info(store: Store, s: Session, oid: int, decrypt: bool = False) -> str:
    ds = get_obj(store, store.datastores, "DATASTORE", oid, s, "USE")
    return documents.to_string(documents.datastore(store, ds))


def datastorepool_info(store: Store, s: Session) -> str:
    items = paginate(filter_pool(s, store.datastores.values(), -2), -1, -1)
    return documents.to_string(
        documents.pool("DATASTORE_POOL", (documents.datastore(store, d) for d in items))
    )


def hostpool_info(store: Store, s: Session) -> str:
    hosts = sorted(store.hosts.values(), key=lambda h: h.id, reverse=True)
    return documents.to_string(
        documents.pool("HOST_POOL", (documents.host(store, h) for h in hosts))
    )


def clusterpool_info(store: Store, s: Session) -> str:
    clusters = sorted(store.clusters.values(), key=lambda c: c.id, reverse=True)
    return documents.to_string(
        documents.pool("CLUSTER_POOL", (documents.cluster(store, c) for c in clusters))
    )


# --- users and system ------------------------------------------------------------------


def user_info(store: Store, s: Session, oid: int, decrypt: bool = False) -> str:
    uid = s.uid if oid == -1 else oid
    user = store.users.get(uid)
    if user is None:
        raise no_exists("USER", uid)
    if uid != s.uid and not s.is_admin:
        raise not_authorized(s.uid, "USE", "USER", uid)
    return documents.to_string(documents.user(store, user, tokens=uid == s.uid or s.is_admin))


def user_update(store: Store, s: Session, oid: int, template: str, how: int = 0) -> int:
    """A user's TEMPLATE; a user manages itself (oned's owner of a USER is the user)."""
    user = store.users.get(oid)
    if user is None:
        raise no_exists("USER", oid)
    if oid != s.uid and not s.is_admin:
        raise not_authorized(s.uid, "MANAGE", "USER", oid)
    user.template = update_template(user.template, template, how)
    return oid


def userpool_info(store: Store, s: Session) -> str:
    users = [u for u in store.users.values() if s.is_admin or u.id == s.uid]
    users.sort(key=lambda u: u.id, reverse=True)
    return documents.to_string(documents.user_pool(store, users, tokens_for=s.uid))


def user_login(
    store: Store, s: Session, username: str, token: str, expire: int, egid: int = -1
) -> str:
    """Issue (or with expire 0, revoke) a login token, as keystorm and onetoken use it."""
    user = next((u for u in store.users.values() if u.name == username), None)
    if user is None:
        raise OneError(Code.NO_EXISTS, f"Error getting user {username}.")
    if user.id != s.uid and not s.is_admin:
        raise not_authorized(s.uid, "MANAGE", "USER", user.id)
    if egid != -1 and egid not in user.groups:
        raise action_error("EGID is not in user group list", user.id)
    if expire == 0:
        user.tokens = [t for t in user.tokens if token and t.token != token]
        return token
    seconds = DEFAULT_TOKEN_SECONDS if expire < 0 else expire
    value = token or new_token()
    user.tokens = [t for t in user.tokens if t.token != value]
    user.tokens.append(LoginToken(value, store.clock.epoch() + seconds, egid))
    return value


def system_version(store: Store, s: Session) -> str:
    return store.version


def system_config(store: Store, s: Session) -> str:
    if not s.is_admin:
        raise OneError(
            Code.AUTHORIZATION,
            f"User [{s.uid}] : Not authorized to perform action on configuration.",
        )
    return documents.to_string(documents.config())
