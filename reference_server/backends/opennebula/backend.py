"""The OpenNebula backend: OCCI entities as oned objects (see the package docstring)."""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import ipaddress
import json
import math
import re
import time
import uuid
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from occi_protocol.definitions import INFRASTRUCTURE_MODEL, crtp_templates
from occi_protocol.definitions import infrastructure as infra
from occi_protocol.definitions.infrastructure11 import LEGACY_SSH_MIXIN, LEGACY_USER_DATA_MIXIN
from occi_protocol.model import Entity, Link, Mixin, Model, Resource
from reference_server.backends.base import (
    BackendError,
    Conflict,
    Forbidden,
    Invalid,
    NotFound,
    Unauthorized,
    User,
)
from reference_server.backends.opennebula import states
from reference_server.backends.opennebula.client import Connection, OneUser
from reference_server.backends.opennebula.templates import single, template_xml, vectors

OS_TPL_SCHEME = "http://schemas.opennebula.org/occi/infrastructure/os_tpl#"
USER_MIXIN_KEY = "OCCI_USER_MIXINS"  # user TEMPLATE: JSON list of the user's mixins
MIXINS_KEY = "OCCI_MIXINS"  # VM USER_TEMPLATE / image and vnet TEMPLATE: tags, resource_tpl
TITLE_KEY = "OCCI_TITLE"  # the title when NAME may differ (taken, empty; renamed via OCCI)
IDENTITY_KEY = "USER_IDENTITY"  # who asked for the object (accounting, shared-account mode)
DELETED_KEY = "OCCI_DELETED"  # VM USER_TEMPLATE: terminated through OCCI, gone for OCCI
NET_STATE_KEY = "OCCI_STATE"  # vnet TEMPLATE: "inactive" after OCCI down (no new NICs)
ETHER_RANGE = 254  # MAC-only address range of a network created without an address
MODEL_TTL = 10.0
POLL_SECONDS = 0.25

# The OCCI 1.1-era context mixins (rOCCI 1.x, ooi) are accepted beside the 1.2 ones.
BASE_MODEL = INFRASTRUCTURE_MODEL.extended(
    (*crtp_templates(), LEGACY_SSH_MIXIN, LEGACY_USER_DATA_MIXIN)
)
# Mixins the backend derives from oned's data instead of storing them.
_DERIVED = {infra.SSH_KEY, infra.USER_DATA, LEGACY_SSH_MIXIN.id, LEGACY_USER_DATA_MIXIN.id}

_LOCATIONS = {
    "compute": re.compile(r"/compute/(\d+)"),
    "storage": re.compile(r"/storage/(\d+)"),
    "network": re.compile(r"/network/(\d+)"),
    "nic": re.compile(r"/networkinterface/compute_(\d+)_nic_(\d+)"),
    "disk": re.compile(r"/storagelink/compute_(\d+)_disk_(\d+)"),
}
_COMPUTE_KINDS = {infra.COMPUTE, infra.NETWORKINTERFACE, infra.STORAGELINK}
_ARCH = {"x86_64": "x64", "amd64": "x64", "x64": "x64", "i686": "x86", "i386": "x86", "x86": "x86"}


@dataclass
class _Ctx:
    """One request's view of oned: the session's client and the OpenNebula user."""

    server: Any
    one: OneUser
    occi_name: str
    #: shared server account: objects are told apart by USER_IDENTITY
    scoped: bool
    session: str


class OpenNebulaBackend:
    """OCCI over oned's XML-RPC API, acting as the caller's OpenNebula user."""

    name = "opennebula"
    server_managed = frozenset(
        {
            "occi.core.id",
            "occi.networkinterface.interface",
            "occi.networkinterface.mac",
            "occi.networkinterface.address",
            "occi.storagelink.deviceid",
        }
    )
    #: action links come from oned's states, not from the generic OCCI tables
    owns_action_links = True
    #: a compute's inline links become the NIC/DISK of its instantiate template
    creates_inline_links = True

    def __init__(self, url: str, timeout: float = 10.0, account: str | None = None) -> None:
        self.connection = Connection(url, timeout)
        self.timeout = timeout
        self._account = account
        self._models: dict[str, tuple[float, Model]] = {}

    @classmethod
    def from_settings(cls, settings: Any) -> OpenNebulaBackend:
        account = None
        if settings.one_auth_file:
            from reference_server.config import ConfigError

            try:
                account = Path(settings.one_auth_file).read_text(encoding="utf-8").strip()
            except OSError as exc:
                raise ConfigError(
                    f"cannot read one_auth_file {settings.one_auth_file}: {exc.strerror}"
                ) from None
            if ":" not in account or account.startswith(":"):
                raise ConfigError(f"{settings.one_auth_file} must hold one line user:password")
        return cls(settings.one_xmlrpc, settings.one_timeout, account)

    # -- sessions ----------------------------------------------------------------------

    def _session(self, user: User) -> tuple[str, bool]:
        secret = user.secret
        if secret:
            name, sep, _ = secret.partition(":")
            if sep and name == user.name:
                return secret, False  # X-Auth-Token "user:token" (rOCCI 2.x)
            if user.name == secret:  # a token without a user name: base64("user:token")?
                try:
                    decoded = base64.b64decode(secret, validate=True).decode("utf-8")
                except (binascii.Error, UnicodeDecodeError):
                    decoded = ""
                if ":" not in decoded:
                    raise Unauthorized(
                        "send an OpenNebula token as X-Auth-Token 'user:token' (or its base64)"
                    )
                return decoded, False
            return f"{user.name}:{secret}", False
        if self._account:
            return self._account, True
        raise Unauthorized(
            "the OpenNebula backend acts as the caller: run the server with --auth passthrough "
            "(or give it a server account with --one-auth-file)"
        )

    async def _ctx(self, user: User) -> _Ctx:
        session, scoped = self._session(user)
        server, one = await self.connection.login(session)
        return _Ctx(server, one, user.name, scoped, session)

    async def _call(self, ctx: _Ctx, method: str, *args: Any) -> Any:
        try:
            return await self.connection.call(ctx.server, method, *args)
        except Unauthorized:
            self.connection.forget(ctx.session)
            raise

    def _key(self, ctx: _Ctx) -> str:
        return f"{ctx.session}\0{ctx.occi_name}"

    # -- model -------------------------------------------------------------------------

    async def model(self, user: User) -> Model:
        ctx = await self._ctx(user)
        key = self._key(ctx)
        cached = self._models.get(key)
        if cached is not None and time.monotonic() - cached[0] < MODEL_TTL:
            return cached[1]
        pool = await self._call(ctx, "templatepool.info", -1, -1, -1)
        templates = [
            Mixin(
                scheme=OS_TPL_SCHEME,
                term=f"tpl_{t.ID}",
                title=single(t.TEMPLATE, "CLOUDKEEPER_APPLIANCE_TITLE") or str(t.NAME),
                depends=(infra.OS_TPL,),
                applies=(infra.COMPUTE,),
                location=f"/mixin/os_tpl/tpl_{t.ID}/",
            )
            for t in sorted(pool.VMTEMPLATE or [], key=lambda t: t.ID)
            if self._owned_or_shared(ctx, t)
        ]
        model = BASE_MODEL.extended((*templates, *self._user_mixins(ctx)))
        if len(self._models) > 4096:
            self._models.clear()
        self._models[key] = (time.monotonic(), model)
        return model

    def _forget_model(self, ctx: _Ctx) -> None:
        self._models.pop(self._key(ctx), None)

    def _user_mixins(self, ctx: _Ctx) -> list[Mixin]:
        raw = single(ctx.one.template, USER_MIXIN_KEY)
        try:
            stored = json.loads(raw) if raw else {}
        except ValueError:
            stored = {}
        mine = stored.get(ctx.occi_name, []) if isinstance(stored, dict) else []
        out = []
        for item in mine:
            try:
                out.append(
                    replace(
                        Mixin(scheme=item["scheme"], term=item["term"]),
                        title=item.get("title", ""),
                        location=item.get("location"),
                        depends=tuple(item.get("depends", ())),
                        applies=tuple(item.get("applies", ())),
                    )
                )
            except (KeyError, TypeError):
                continue  # a hand-edited entry; ignore it rather than fail every request
        return out

    async def _store_user_mixins(self, ctx: _Ctx, mixins: Sequence[Mixin]) -> None:
        raw = single(ctx.one.template, USER_MIXIN_KEY)
        try:
            stored = json.loads(raw) if raw else {}
        except ValueError:
            stored = {}
        if not isinstance(stored, dict):
            stored = {}
        stored[ctx.occi_name] = [
            {
                "scheme": m.scheme,
                "term": m.term,
                "title": m.title,
                "location": m.location,
                "depends": list(m.depends),
                "applies": list(m.applies),
            }
            for m in mixins
        ]
        text = json.dumps(stored, separators=(",", ":"))
        await self._call(ctx, "user.update", ctx.one.uid, template_xml([(USER_MIXIN_KEY, text)]), 1)
        ctx.one.template[USER_MIXIN_KEY] = text
        self.connection.forget(ctx.session)
        self._forget_model(ctx)

    async def create_user_mixin(self, user: User, mixin: Mixin) -> None:
        model = await self.model(user)
        if mixin.id in model:
            raise Conflict(f"category {mixin.id} already exists")
        taken = {c.location for c in (*model.kinds, *model.mixins) if c.location}
        if mixin.location in taken:
            raise Conflict(f"location {mixin.location} is already bound to another category")
        ctx = await self._fresh_ctx(user)
        await self._store_user_mixins(ctx, [*self._user_mixins(ctx), mixin])

    async def delete_user_mixin(self, user: User, mixin_id: str) -> None:
        model = await self.model(user)
        if mixin_id not in model:
            raise NotFound(f"no category {mixin_id}")
        ctx = await self._fresh_ctx(user)
        mine = self._user_mixins(ctx)
        if not any(m.id == mixin_id for m in mine):
            raise Forbidden(f"{mixin_id} is defined by the provider and cannot be deleted")
        for entity in await self.list_entities(user, mixin=mixin_id):
            if entity.location and not isinstance(entity, Link):
                await self.update_entity(user, entity.location, {}, remove_mixins=[mixin_id])
        await self._store_user_mixins(ctx, [m for m in mine if m.id != mixin_id])

    async def _fresh_ctx(self, user: User) -> _Ctx:
        """A context with the user document read now (before a read-modify-write)."""
        ctx = await self._ctx(user)
        document = await self._call(ctx, "user.info", -1)
        ctx.one.template = dict(getattr(document, "TEMPLATE", None) or {})
        return ctx

    # -- ownership ---------------------------------------------------------------------

    def _mine(self, ctx: _Ctx, obj: Any, template: Mapping[str, Any] | None) -> bool:
        if int(obj.UID) != ctx.one.uid:
            return False
        return not ctx.scoped or single(template, IDENTITY_KEY) == ctx.occi_name

    def _owned_or_shared(self, ctx: _Ctx, obj: Any) -> bool:
        """The caller's, or shared through OpenNebula's group/other USE permission."""
        if int(obj.UID) == ctx.one.uid:
            return True
        perms = getattr(obj, "PERMISSIONS", None)
        return bool(perms and (int(perms.GROUP_U) or int(perms.OTHER_U)))

    # -- reading -----------------------------------------------------------------------

    async def list_entities(
        self, user: User, kinds: Collection[str] | None = None, mixin: str | None = None
    ) -> list[Entity]:
        ctx = await self._ctx(user)
        model = await self.model(user)
        wanted = set(kinds) if kinds is not None else None
        jobs = []
        if wanted is None or wanted & _COMPUTE_KINDS:
            jobs.append(self._computes(ctx, model))
        if wanted is None or infra.STORAGE in wanted:
            jobs.append(self._storages(ctx))
        if wanted is None or infra.NETWORK in wanted:
            jobs.append(self._networks(ctx))
        found: list[Entity] = []
        for entities in await asyncio.gather(*jobs):
            for entity in entities:
                found.append(entity)
                found.extend(getattr(entity, "links", ()))
        return [
            e
            for e in found
            if (wanted is None or e.kind in wanted) and (mixin is None or mixin in e.mixins)
        ]

    async def _vm_pool(self, ctx: _Ctx) -> list[Any]:
        version = self.connection.version or (0,)
        method = "vmpool.infoextended" if version >= (5, 8) else "vmpool.info"
        pool = await self._call(ctx, method, -3, -1, -1, -1)
        vms = [vm for vm in pool.VM or [] if self._mine(ctx, vm, vm.USER_TEMPLATE)]
        return sorted(vms, key=lambda vm: vm.ID)

    async def _computes(self, ctx: _Ctx, model: Model) -> list[Entity]:
        out = []
        for vm in await self._vm_pool(ctx):
            entity = self._compute(vm, model)
            if entity is not None:
                out.append(entity)
        return out

    async def _storages(self, ctx: _Ctx) -> list[Entity]:
        pool = await self._call(ctx, "imagepool.info", -3, -1, -1)
        images = sorted(pool.IMAGE or [], key=lambda i: i.ID)
        out = []
        for image in images:
            if self._mine(ctx, image, image.TEMPLATE):
                entity = self._storage(image)
                if entity is not None:
                    out.append(entity)
        return out

    async def _networks(self, ctx: _Ctx) -> list[Entity]:
        pool = await self._call(ctx, "vnpool.info", -1, -1, -1)
        return [
            self._network(vn)
            for vn in sorted(pool.VNET or [], key=lambda v: v.ID)
            if self._mine(ctx, vn, vn.TEMPLATE) or (not ctx.scoped and self._shared(ctx, vn))
        ]

    def _shared(self, ctx: _Ctx, obj: Any) -> bool:
        return int(obj.UID) != ctx.one.uid and self._owned_or_shared(ctx, obj)

    async def get_entity(self, user: User, location: str) -> Entity:
        ctx = await self._ctx(user)
        return await self._get(ctx, await self.model(user), location)

    async def _get(self, ctx: _Ctx, model: Model, location: str) -> Entity:
        kind, ids = _parse_location(location)
        if kind in ("compute", "nic", "disk"):
            vm = await self._vm(ctx, ids[0])
            entity = self._compute(vm, model)
            if entity is None:
                raise NotFound(f"no entity at {location}")
            if kind == "compute":
                return entity
            for link in entity.links:  # type: ignore[attr-defined]
                if link.location == location:
                    return link
            raise NotFound(f"no entity at {location}")
        if kind == "storage":
            image = await self._info(ctx, "image.info", ids[0], location)
            entity = self._storage(image)
            readable = self._mine(ctx, image, image.TEMPLATE) or (
                not ctx.scoped and self._shared(ctx, image)
            )
        else:
            vn = await self._info(ctx, "vn.info", ids[0], location)
            entity = self._network(vn)
            readable = self._mine(ctx, vn, vn.TEMPLATE) or (
                not ctx.scoped and self._shared(ctx, vn)
            )
        if entity is None or not readable:
            raise NotFound(f"no entity at {location}")
        return entity

    async def _info(self, ctx: _Ctx, method: str, oid: int, location: str) -> Any:
        try:
            return await self._call(ctx, method, oid)
        except (NotFound, Forbidden):
            # Another user's object is simply not there for this caller.
            raise NotFound(f"no entity at {location}") from None

    async def _vm(self, ctx: _Ctx, vm_id: int) -> Any:
        vm = await self._info(ctx, "vm.info", vm_id, f"/compute/{vm_id}")
        if not self._mine(ctx, vm, vm.USER_TEMPLATE) or _gone(vm):
            raise NotFound(f"no entity at /compute/{vm_id}")
        return vm

    async def _writable(self, ctx: _Ctx, model: Model, location: str) -> Entity:
        entity = await self._get(ctx, model, location)
        kind, ids = _parse_location(location)
        if kind in ("storage", "network"):
            method = "image.info" if kind == "storage" else "vn.info"
            obj = await self._call(ctx, method, ids[0])
            if not self._mine(ctx, obj, obj.TEMPLATE):
                raise Forbidden(f"{location} is shared with you; only its owner may change it")
        return entity

    # -- oned objects as OCCI entities -------------------------------------------------

    def _compute(self, vm: Any, model: Model) -> Resource | None:
        if _gone(vm):
            return None
        view = states.compute_state(int(vm.STATE), int(vm.LCM_STATE))
        if view is None:
            return None
        template, user_template = vm.TEMPLATE or {}, vm.USER_TEMPLATE or {}
        location = f"/compute/{vm.ID}"
        attributes: dict[str, object] = {
            "occi.core.id": str(vm.ID),
            "occi.core.title": single(user_template, TITLE_KEY) or str(vm.NAME),
            "occi.compute.state": view.state,
        }
        if view.message:
            attributes["occi.compute.state.message"] = view.message
        summary = single(user_template, "DESCRIPTION")
        if summary:
            attributes["occi.core.summary"] = summary
        vcpu, cpu, memory = (single(template, k) for k in ("VCPU", "CPU", "MEMORY"))
        if vcpu and vcpu.isdigit():
            attributes["occi.compute.cores"] = int(vcpu)
        elif cpu:
            attributes["occi.compute.cores"] = max(1, math.ceil(float(cpu)))
        if memory and memory.isdigit():
            attributes["occi.compute.memory"] = int(memory) / 1024
        os_vector = (vectors(template, "OS") or [{}])[0]
        arch = _ARCH.get(os_vector.get("ARCH", "").lower())
        if arch:
            attributes["occi.compute.architecture"] = arch
        mixins: list[str] = []
        template_id = single(template, "TEMPLATE_ID")
        if template_id and f"{OS_TPL_SCHEME}tpl_{template_id}" in model:
            mixins.append(f"{OS_TPL_SCHEME}tpl_{template_id}")
        context = (vectors(template, "CONTEXT") or [{}])[0]
        key = context.get("SSH_PUBLIC_KEY") or context.get("SSH_KEY")
        if key and not key.startswith("$"):
            attributes["occi.credentials.ssh.publickey"] = key
            mixins.append(infra.SSH_KEY)
        if context.get("USER_DATA") and context.get("USERDATA_ENCODING") == "base64":
            attributes["occi.compute.userdata"] = context["USER_DATA"]
            mixins.append(infra.USER_DATA)
        hostname = context.get("SET_HOSTNAME")
        if hostname and not hostname.startswith("$"):
            attributes["occi.compute.hostname"] = hostname
        mixins.extend(m for m in _stored_mixins(user_template) if m in model and m not in mixins)
        link_state = states.link_state(view)
        links: list[Link] = []
        for nic in vectors(template, "NIC"):
            if not nic.get("NIC_ID", "").isdigit():
                continue
            nic_id = nic["NIC_ID"]
            link_attributes: dict[str, object] = {
                "occi.core.id": f"compute_{vm.ID}_nic_{nic_id}",
                "occi.core.source": location,
                "occi.core.target": f"/network/{nic.get('NETWORK_ID', '')}",
                "occi.core.target.kind": infra.NETWORK,
                "occi.networkinterface.interface": f"eth{nic_id}",
                "occi.networkinterface.mac": nic.get("MAC", ""),
                "occi.networkinterface.state": link_state,
            }
            if nic.get(TITLE_KEY):
                link_attributes["occi.core.title"] = nic[TITLE_KEY]
            link_mixins: tuple[str, ...] = ()
            if nic.get("IP"):
                link_attributes["occi.networkinterface.address"] = nic["IP"]
                link_attributes["occi.networkinterface.allocation"] = "dynamic"
                if nic.get("GATEWAY"):
                    link_attributes["occi.networkinterface.gateway"] = nic["GATEWAY"]
                link_mixins = (infra.IPNETWORKINTERFACE,)
            links.append(
                Link(
                    kind=infra.NETWORKINTERFACE,
                    mixins=link_mixins,
                    attributes=link_attributes,
                    location=f"/networkinterface/compute_{vm.ID}_nic_{nic_id}",
                )
            )
        for disk in vectors(template, "DISK"):
            if not disk.get("DISK_ID", "").isdigit() or not disk.get("IMAGE_ID"):
                continue  # volatile disks have no storage resource to point at
            disk_id = disk["DISK_ID"]
            disk_attributes: dict[str, object] = {
                "occi.core.id": f"compute_{vm.ID}_disk_{disk_id}",
                "occi.core.source": location,
                "occi.core.target": f"/storage/{disk['IMAGE_ID']}",
                "occi.core.target.kind": infra.STORAGE,
                "occi.storagelink.deviceid": f"/dev/{disk.get('TARGET', '')}",
                "occi.storagelink.state": link_state,
            }
            if disk.get(TITLE_KEY):
                disk_attributes["occi.core.title"] = disk[TITLE_KEY]
            links.append(
                Link(
                    kind=infra.STORAGELINK,
                    attributes=disk_attributes,
                    location=f"/storagelink/compute_{vm.ID}_disk_{disk_id}",
                )
            )
        return Resource(
            kind=infra.COMPUTE,
            mixins=tuple(mixins),
            attributes=attributes,
            location=location,
            actions=view.actions,
            links=tuple(links),
        )

    def _storage(self, image: Any) -> Resource | None:
        view = states.image_state(int(image.STATE))
        if view is None:
            return None
        template = image.TEMPLATE or {}
        attributes: dict[str, object] = {
            "occi.core.id": str(image.ID),
            "occi.core.title": single(template, TITLE_KEY) or str(image.NAME),
            "occi.storage.size": int(image.SIZE) / 1024,
            "occi.storage.state": view.state,
        }
        if view.message:
            attributes["occi.storage.state.message"] = view.message
        summary = single(template, "DESCRIPTION")
        if summary:
            attributes["occi.core.summary"] = summary
        return Resource(
            kind=infra.STORAGE,
            mixins=_stored_mixins(template),
            attributes=attributes,
            location=f"/storage/{image.ID}",
            actions=view.actions,
        )

    def _network(self, vn: Any) -> Resource:
        template = vn.TEMPLATE or {}
        down = single(template, NET_STATE_KEY) == "inactive"
        attributes: dict[str, object] = {
            "occi.core.id": str(vn.ID),
            "occi.core.title": single(template, TITLE_KEY) or str(vn.NAME),
            "occi.network.state": "inactive" if down else "active",
        }
        if down:
            attributes["occi.network.state.message"] = "down: takes no new networkinterfaces"
        summary = single(template, "DESCRIPTION")
        if summary:
            attributes["occi.core.summary"] = summary
        vlan = str(getattr(vn, "VLAN_ID", "") or single(template, "VLAN_ID") or "")
        if vlan.isdigit() and int(vlan) <= 4095:
            attributes["occi.network.vlan"] = int(vlan)
            attributes["occi.network.label"] = f"vlan{vlan}"
        mixins = list(_stored_mixins(template))
        address, mask = single(template, "NETWORK_ADDRESS"), single(template, "NETWORK_MASK")
        if address:
            try:
                network = ipaddress.ip_network(f"{address}/{mask or 32}", strict=False)
                attributes["occi.network.address"] = str(network)
            except ValueError:
                pass
            gateway = single(template, "GATEWAY")
            if gateway:
                attributes["occi.network.gateway"] = gateway
            attributes["occi.network.allocation"] = single(template, "OCCI_ALLOCATION") or "dynamic"
            if infra.IPNETWORK not in mixins:
                mixins.insert(0, infra.IPNETWORK)
        return Resource(
            kind=infra.NETWORK,
            mixins=tuple(mixins),
            attributes=attributes,
            location=f"/network/{vn.ID}",
            actions=(infra.NETWORK_ACTION + ("up" if down else "down"),),
        )

    # -- creating ----------------------------------------------------------------------

    async def create_entity(self, user: User, entity: Entity) -> Entity:
        if entity.location is not None:
            raise Invalid("OpenNebula chooses identifiers itself: create with POST, not PUT")
        ctx = await self._ctx(user)
        model = await self.model(user)
        if entity.kind == infra.COMPUTE:
            return await self._create_compute(ctx, model, entity)
        if entity.kind == infra.STORAGE:
            return await self._create_storage(ctx, model, entity)
        if entity.kind == infra.NETWORK:
            return await self._create_network(ctx, model, entity)
        if entity.kind in (infra.NETWORKINTERFACE, infra.STORAGELINK):
            return await self._create_link(ctx, model, entity)
        raise Invalid(f"the OpenNebula backend cannot create a {entity.kind}")

    async def _create_compute(self, ctx: _Ctx, model: Model, entity: Entity) -> Entity:
        attributes = entity.attributes
        os_tpls = [m for m in entity.mixins if m.startswith(OS_TPL_SCHEME + "tpl_")]
        if len(os_tpls) != 1:
            raise Invalid("a compute needs exactly one os_tpl mixin (see /mixin/os_tpl/)")
        template_id = int(os_tpls[0].rpartition("tpl_")[2])
        source = await self._call(ctx, "template.info", template_id)
        base = source.TEMPLATE or {}
        extra: list[tuple[str, Any]] = []
        cores, memory = attributes.get("occi.compute.cores"), attributes.get("occi.compute.memory")
        if cores is not None:
            extra += [("VCPU", str(int(_number(cores)))), ("CPU", str(int(_number(cores))))]
        if memory is not None:
            extra.append(("MEMORY", str(max(1, round(_number(memory) * 1024)))))
        arch = attributes.get("occi.compute.architecture")
        if arch:
            os_vector = (vectors(base, "OS") or [{}])[0]
            os_vector["ARCH"] = "x86_64" if arch == "x64" else "i686"
            extra.append(("OS", os_vector))
        context = _context(base, attributes)
        if context is not None:
            extra.append(("CONTEXT", context))
        summary = attributes.get("occi.core.summary")
        if summary is not None:  # also "": the os_tpl's DESCRIPTION is not the compute's
            extra.append(("DESCRIPTION", str(summary)))
        stored = [m for m in entity.mixins if m not in _DERIVED and m not in os_tpls]
        if stored:
            extra.append((MIXINS_KEY, " ".join(stored)))
        extra.append((IDENTITY_KEY, ctx.occi_name))
        nics, disks = await self._inline_links(ctx, model, entity)
        if nics:
            extra += [("NIC", nic) for nic in nics]  # replaces the template's NICs
        if disks:
            extra += [("DISK", d) for d in [*vectors(base, "DISK"), *disks]]
        name = str(attributes.get("occi.core.title") or f"occi-compute-{uuid.uuid4().hex[:8]}")
        vm_id = await self._call(
            ctx, "template.instantiate", template_id, name, False, template_xml(extra), False
        )
        try:
            return await self._get(ctx, model, f"/compute/{vm_id}")
        except BaseException:
            await self._terminate_quietly(ctx, int(vm_id))
            raise

    async def _inline_links(
        self, ctx: _Ctx, model: Model, entity: Entity
    ) -> tuple[list[dict[str, str]], list[dict[str, str]]]:
        """NIC and DISK vectors for the links sent inside a new compute (their source,
        the HTTP layer's placeholder, is the compute itself). A target the caller cannot
        see is a bad reference (400), as for a link created on its own."""
        nics, disks = [], []
        for link in getattr(entity, "links", ()):
            if link.kind == infra.NETWORKINTERFACE:
                vector = _nic_vector(link.attributes)
                target = f"/network/{vector['NETWORK_ID']}"
            elif link.kind == infra.STORAGELINK:
                vector = _disk_vector(link.attributes)
                target = f"/storage/{vector['IMAGE_ID']}"
            else:
                raise Invalid(
                    f"a compute's links must be networkinterfaces or storagelinks, not {link.kind}"
                )
            try:
                _check_up(await self._get(ctx, model, target))
            except NotFound:
                raise Invalid(f"link target {target} is not yours nor shared with you") from None
            (nics if link.kind == infra.NETWORKINTERFACE else disks).append(vector)
        return nics, disks

    async def _terminate_quietly(self, ctx: _Ctx, vm_id: int) -> None:
        with contextlib.suppress(BackendError):  # best effort: the caller gets the first error
            await self._call(ctx, "vm.action", "terminate-hard", vm_id)

    async def _create_storage(self, ctx: _Ctx, model: Model, entity: Entity) -> Entity:
        attributes = entity.attributes
        size_mb = max(1, math.ceil(_number(attributes["occi.storage.size"]) * 1024))
        items: list[tuple[str, Any]] = [
            ("TYPE", "DATABLOCK"),
            ("SIZE", str(size_mb)),
            ("PERSISTENT", "YES"),
            ("DEV_PREFIX", "vd"),
            (IDENTITY_KEY, ctx.occi_name),
        ]
        if attributes.get("occi.core.summary"):
            items.append(("DESCRIPTION", str(attributes["occi.core.summary"])))
        if entity.mixins:
            items.append((MIXINS_KEY, " ".join(entity.mixins)))
        datastore = await self._datastore(ctx, size_mb)
        image_id = await self._allocate_named(
            ctx, "image.allocate", attributes.get("occi.core.title"), "storage", items, datastore
        )
        return await self._get(ctx, model, f"/storage/{image_id}")

    async def _datastore(self, ctx: _Ctx, size_mb: int) -> int:
        pool = await self._call(ctx, "datastorepool.info")
        candidates = sorted(
            (d for d in pool.DATASTORE or [] if int(d.TYPE) == 0),
            key=lambda d: (int(d.FREE_MB) < size_mb, d.ID),
        )
        if not candidates:
            raise Conflict("OpenNebula offers no image datastore to this user")
        return int(candidates[0].ID)

    async def _allocate_named(
        self, ctx: _Ctx, method: str, title: object, noun: str, items: list, *args: Any
    ) -> int:
        """Allocate with NAME = the title; oned wants names unique per owner, so a taken
        name is retried once with a suffix, keeping the title in OCCI_TITLE."""
        name = str(title) if title else f"occi-{noun}-{uuid.uuid4().hex[:8]}"
        try:
            return int(await self._call(ctx, method, template_xml([("NAME", name), *items]), *args))
        except Invalid as exc:
            if not title or "already taken" not in exc.message:
                raise
        suffixed = [("NAME", f"{name}-{uuid.uuid4().hex[:6]}"), (TITLE_KEY, str(title)), *items]
        return int(await self._call(ctx, method, template_xml(suffixed), *args))

    async def _create_network(self, ctx: _Ctx, model: Model, entity: Entity) -> Entity:
        attributes = entity.attributes
        items: list[tuple[str, Any]] = [("VN_MAD", "bridge"), (IDENTITY_KEY, ctx.occi_name)]
        vlan = attributes.get("occi.network.vlan")
        if vlan is not None:
            items.append(("VLAN_ID", str(vlan)))
        if attributes.get("occi.core.summary"):
            items.append(("DESCRIPTION", str(attributes["occi.core.summary"])))
        cidr = attributes.get("occi.network.address")
        if cidr:
            items += _address_range(str(cidr), attributes.get("occi.network.gateway"))
            items.append(
                ("OCCI_ALLOCATION", str(attributes.get("occi.network.allocation") or "dynamic"))
            )
        else:
            # Without an address range oned has no lease to give a NIC: MAC addresses only.
            items.append(("AR", {"TYPE": "ETHER", "SIZE": str(ETHER_RANGE)}))
        stored = list(entity.mixins)
        if stored:
            items.append((MIXINS_KEY, " ".join(stored)))
        vn_id = await self._allocate_named(
            ctx, "vn.allocate", attributes.get("occi.core.title"), "network", items, -1
        )
        return await self._get(ctx, model, f"/network/{vn_id}")

    async def _create_link(self, ctx: _Ctx, model: Model, entity: Entity) -> Entity:
        attributes = entity.attributes
        source, target = attributes.get("occi.core.source"), attributes.get("occi.core.target")
        nic = entity.kind == infra.NETWORKINTERFACE
        source_match = _LOCATIONS["compute"].fullmatch(str(source))
        target_match = _LOCATIONS["network" if nic else "storage"].fullmatch(str(target))
        if source_match is None:
            raise Invalid(f"link source {source} is not one of your computes")
        if target_match is None:
            raise Invalid(
                f"the target of a {entity.kind} must be a {'network' if nic else 'storage'}"
            )
        vm_id = int(source_match.group(1))
        try:
            await self._vm(ctx, vm_id)
        except NotFound:
            raise Invalid(f"link source {source} is not one of your computes") from None
        target_location = f"/{'network' if nic else 'storage'}/{target_match.group(1)}"
        try:
            # An image still being made (LOCKED) cannot be attached yet: wait for it, the
            # way actions wait for a busy VM, within the oned time limit.
            _check_up(await self._settled(ctx, model, target_location))
        except NotFound:
            raise Invalid(
                f"link target {target_location} is not yours nor shared with you"
            ) from None
        vm = await self._ready_for_hotplug(ctx, vm_id)
        kind, prefix = ("NIC", "nic") if nic else ("DISK", "disk")
        before = {v.get(f"{kind}_ID") for v in vectors(vm.TEMPLATE, kind)}
        vector = _nic_vector(attributes) if nic else _disk_vector(attributes)
        await self._call(
            ctx, "vm.attachnic" if nic else "vm.attach", vm_id, template_xml([(kind, vector)])
        )
        vm = await self._call(ctx, "vm.info", vm_id)
        added = [
            v.get(f"{kind}_ID", "")
            for v in vectors(vm.TEMPLATE, kind)
            if v.get(f"{kind}_ID") not in before
        ]
        if not added:
            raise Conflict(f"OpenNebula did not attach the {prefix} to /compute/{vm_id}")
        new_id = max(added, key=lambda x: int(x) if x.isdigit() else -1)
        location = (
            f"/{'networkinterface' if nic else 'storagelink'}/compute_{vm_id}_{prefix}_{new_id}"
        )
        return await self._get(ctx, model, location)

    async def _ready_for_hotplug(self, ctx: _Ctx, vm_id: int) -> Any:
        """The VM once it can take a NIC or disk (RUNNING or POWEROFF). A VM still being
        deployed is waited for, within the oned time limit; then the answer is 409."""
        deadline = time.monotonic() + self.timeout
        while True:
            vm = await self._vm(ctx, vm_id)
            state = states.name(states.VM_STATES, int(vm.STATE))
            lcm = states.name(states.LCM_STATES, int(vm.LCM_STATE))
            if (state, lcm) == ("ACTIVE", "RUNNING") or state == "POWEROFF":
                return vm
            view = states.compute_state(int(vm.STATE), int(vm.LCM_STATE))
            if view is None or not view.busy or time.monotonic() > deadline:
                shown = lcm if state == "ACTIVE" else state
                raise Conflict(
                    f"/compute/{vm_id} must be active or inactive (powered off) to attach a "
                    f"link; OpenNebula reports it {shown}"
                )
            await asyncio.sleep(POLL_SECONDS)

    # -- changing ----------------------------------------------------------------------

    async def update_entity(
        self,
        user: User,
        location: str,
        attributes: Mapping[str, object],
        add_mixins: Sequence[str] = (),
        remove_mixins: Sequence[str] = (),
    ) -> Entity:
        ctx = await self._ctx(user)
        model = await self.model(user)
        entity = await self._writable(ctx, model, location)
        mixins = [m for m in entity.mixins if m not in remove_mixins]
        mixins += [m for m in add_mixins if m not in mixins]
        await self._apply(ctx, model, entity, dict(attributes), mixins)
        return await self._get(ctx, model, location)

    async def replace_entity(self, user: User, location: str, entity: Entity) -> Entity:
        ctx = await self._ctx(user)
        model = await self.model(user)
        current = await self._writable(ctx, model, location)
        changes = {k: v for k, v in entity.attributes.items() if current.attributes.get(k) != v}
        await self._apply(ctx, model, current, changes, list(entity.mixins))
        return await self._get(ctx, model, location)

    async def _apply(
        self,
        ctx: _Ctx,
        model: Model,
        entity: Entity,
        changes: dict[str, object],
        mixins: list[str],
    ) -> None:
        kind, ids = _parse_location(entity.location or "")
        for name in ("occi.core.id", f"occi.{kind}.state", f"occi.{kind}.state.message"):
            changes.pop(name, None)
        if kind in ("nic", "disk"):
            if changes or set(mixins) != set(entity.mixins):
                raise Conflict("OpenNebula cannot change an attached NIC or disk; re-attach it")
            return
        oid = ids[0]
        object_name = {"compute": "vm", "storage": "image", "network": "vn"}[kind]
        title = changes.pop("occi.core.title", None)
        summary = changes.pop("occi.core.summary", None)
        if kind == "compute":
            os_before = [m for m in entity.mixins if m.startswith(OS_TPL_SCHEME)]
            if [m for m in mixins if m.startswith(OS_TPL_SCHEME)] != os_before:
                raise Conflict("the os_tpl of an existing compute cannot change")
            resize = {}
            if "occi.compute.cores" in changes:
                cores = int(_number(changes.pop("occi.compute.cores")))
                resize.update(VCPU=str(cores), CPU=str(cores))
            if "occi.compute.memory" in changes:
                memory = _number(changes.pop("occi.compute.memory"))
                resize["MEMORY"] = str(max(1, round(memory * 1024)))
            for derived in ("occi.credentials.ssh.publickey", "occi.compute.userdata"):
                if derived in changes and changes[derived] == entity.attributes.get(derived):
                    changes.pop(derived)
            # Not applied on create either: the os_tpl's disks decide the VM's storage.
            changes.pop("occi.compute.ephemeral_storage.size", None)
            if changes:
                raise Conflict(
                    f"OpenNebula cannot change {', '.join(sorted(changes))} of an existing VM"
                )
            if resize:
                await self._settled(ctx, model, entity.location or "")
                await self._call(ctx, "vm.resize", oid, template_xml(resize.items()), False)
        elif kind == "storage":
            size = changes.pop("occi.storage.size", None)
            if size is not None and _number(size) != entity.attributes.get("occi.storage.size"):
                raise Conflict("OpenNebula cannot resize an image that is not attached")
        if changes and kind != "compute":
            raise Conflict(
                f"OpenNebula cannot change {', '.join(sorted(changes))} of an existing {kind}"
            )
        user_items: list[tuple[str, Any]] = []
        if title is not None and title != entity.attributes.get("occi.core.title"):
            user_items += await self._rename(ctx, kind, object_name, oid, str(title))
        if summary is not None:
            user_items.append(("DESCRIPTION", str(summary)))
        stored_before = [m for m in entity.mixins if not _derived(m, kind)]
        stored_after = [m for m in mixins if not _derived(m, kind)]
        if stored_after != stored_before:
            user_items.append((MIXINS_KEY, " ".join(stored_after)))
        if user_items:
            await self._call(ctx, f"{object_name}.update", oid, template_xml(user_items), 1)

    async def _rename(
        self, ctx: _Ctx, kind: str, object_name: str, oid: int, title: str
    ) -> list[tuple[str, Any]]:
        """NAME = the title. oned wants image and network names unique per owner (and not
        empty) while OCCI titles need not be: then NAME gets a suffix and the title is kept
        in OCCI_TITLE, as on create. Returns the template items to write."""
        name = title if title.strip() else f"occi-{kind}-{oid}"
        try:
            await self._call(ctx, f"{object_name}.rename", oid, name)
        except Conflict:
            if kind == "compute":  # VM names need not be unique: not a name clash
                raise
            await self._call(ctx, f"{object_name}.rename", oid, f"{name}-{uuid.uuid4().hex[:6]}")
        return [(TITLE_KEY, title)]

    async def delete_entity(self, user: User, location: str) -> None:
        ctx = await self._ctx(user)
        model = await self.model(user)
        await self._writable(ctx, model, location)
        kind, ids = _parse_location(location)
        if kind == "compute":
            # Marked first so the VM is gone for OCCI at once, while oned still runs its
            # SHUTDOWN → EPILOG → DONE.
            await self._call(ctx, "vm.update", ids[0], template_xml([(DELETED_KEY, "YES")]), 1)
            try:
                try:
                    await self._call(ctx, "vm.action", "terminate-hard", ids[0])
                except Conflict:
                    # oned cannot terminate a VM in some steps (PROLOG): let it settle first.
                    await self._settle_vm(ctx, ids[0])
                    await self._call(ctx, "vm.action", "terminate-hard", ids[0])
            except Conflict:
                await self._call(ctx, "vm.update", ids[0], template_xml([(DELETED_KEY, "NO")]), 1)
                raise
        elif kind in ("storage", "network"):
            await self._delete_when_released(ctx, kind, ids[0])
        else:
            vm_id, item = ids
            await self._ready_for_hotplug(ctx, vm_id)
            await self._call(ctx, "vm.detachnic" if kind == "nic" else "vm.detach", vm_id, item)
            await self._wait_detached(ctx, vm_id, "NIC" if kind == "nic" else "DISK", item)

    async def _delete_when_released(self, ctx: _Ctx, kind: str, oid: int) -> None:
        """image.delete / vn.delete. oned refuses while a VM holds the image or a lease; when
        every such VM was deleted through OCCI (and oned is only finishing it), wait for oned
        to release them, within the oned time limit."""
        method = "image.delete" if kind == "storage" else "vn.delete"
        deadline = time.monotonic() + self.timeout
        while True:
            try:
                await self._call(ctx, method, oid)
                return
            except Conflict:
                if time.monotonic() > deadline or not await self._held_by_gone_vms(ctx, kind, oid):
                    raise
            await asyncio.sleep(POLL_SECONDS)

    async def _held_by_gone_vms(self, ctx: _Ctx, kind: str, oid: int) -> bool:
        if kind == "storage":
            image = await self._call(ctx, "image.info", oid)
            holders = [int(i) for i in (getattr(image.VMS, "ID", None) or [])]
        else:
            vnet = await self._call(ctx, "vn.info", oid)
            holders = [
                int(lease.VM)
                for ar in (getattr(vnet.AR_POOL, "AR", None) or [])
                for lease in (getattr(getattr(ar, "LEASES", None), "LEASE", None) or [])
                if getattr(lease, "VM", None) is not None
            ]
        for vm_id in set(holders):
            try:
                vm = await self._call(ctx, "vm.info", vm_id)
            except (NotFound, Forbidden):
                return False  # someone else's VM uses it: a real conflict
            if not _gone(vm):
                return False
        return bool(holders)

    async def _wait_detached(self, ctx: _Ctx, vm_id: int, kind: str, item: int) -> None:
        """oned drops the NIC or disk when the hot-unplug ends; wait for that, briefly, so a
        GET right after the DELETE answers 404."""
        deadline = time.monotonic() + self.timeout / 2
        while time.monotonic() < deadline:
            vm = await self._call(ctx, "vm.info", vm_id)
            if not any(v.get(f"{kind}_ID") == str(item) for v in vectors(vm.TEMPLATE, kind)):
                return
            await asyncio.sleep(POLL_SECONDS)

    # -- actions -----------------------------------------------------------------------

    async def trigger_action(
        self, user: User, location: str, action: str, parameters: Mapping[str, object]
    ) -> Entity | Mixin:
        ctx = await self._ctx(user)
        model = await self.model(user)
        entity = await self._writable(ctx, model, location)
        kind, ids = _parse_location(location)
        term = action.rpartition("#")[2]
        message = str(entity.attributes.get("occi.compute.state.message") or "")
        if kind == "compute" and term == "stop" and message == f"{states.WAITING}PENDING":
            # Not deployed yet: oned's hold keeps it so until start releases it.
            with contextlib.suppress(Conflict):  # deployment began meanwhile: settle, poweroff
                await self._call(ctx, "vm.action", "hold", ids[0])
                return await self._get(ctx, model, location)
        entity = await self._settled(ctx, model, location)
        if action not in entity.actions:
            message = entity.attributes.get(f"occi.{kind}.state.message")
            state = entity.attributes.get(f"occi.{kind}.state")
            why = f" ({message})" if message else ""
            raise Conflict(f"{term} is not allowed while the {kind} is {state}{why}")
        if kind == "network":
            # OpenNebula networks have no link state: up/down is an OCCI-side flag that
            # stops new networkinterfaces to a network that is down.
            flag = "active" if term == "up" else "inactive"
            await self._call(ctx, "vn.update", ids[0], template_xml([(NET_STATE_KEY, flag)]), 1)
            return await self._get(ctx, model, location)
        method = str(parameters.get("method") or "")
        if kind == "compute":
            if term == "save":
                return await self._save(ctx, ids[0], parameters)
            held = str(entity.attributes.get("occi.compute.state.message", "")).startswith("held")
            one_action = {
                "start": "release" if held else "resume",
                "stop": "poweroff-hard" if method == "poweroff" else "poweroff",
                "restart": "reboot-hard" if method == "cold" else "reboot",
                "suspend": "stop" if method == "hibernate" else "suspend",
            }[term]
            await self._call(ctx, "vm.action", one_action, ids[0])
        else:
            await self._call(ctx, "image.enable", ids[0], term == "online")
        return await self._get(ctx, model, location)

    async def _settle_vm(self, ctx: _Ctx, vm_id: int) -> None:
        """Wait (within the oned time limit) until oned ends the VM's current step; read
        with vm.info, since a VM marked deleted is no longer an OCCI entity."""
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            vm = await self._call(ctx, "vm.info", vm_id)
            view = states.compute_state(int(vm.STATE), int(vm.LCM_STATE))
            if view is None or not view.busy:
                return
            await asyncio.sleep(POLL_SECONDS)

    async def _settled(self, ctx: _Ctx, model: Model, location: str) -> Entity:
        """The entity once oned has finished what it was doing (a VM deploying or hot-
        plugging, an image being made), or as it is when the oned time limit runs out."""
        deadline = time.monotonic() + self.timeout
        while True:
            entity = await self._get(ctx, model, location)
            kind = _parse_location(location)[0]
            message = str(entity.attributes.get(f"occi.{kind}.state.message") or "")
            if not message.startswith(states.WAITING) or time.monotonic() > deadline:
                return entity
            await asyncio.sleep(POLL_SECONDS)

    async def _save(self, ctx: _Ctx, vm_id: int, parameters: Mapping[str, object]) -> Mixin:
        """I12 save: the OS disk saved as a new image, and a VM template using it (what
        ``onevm save`` does in Ruby); the template is the new os_tpl."""
        vm = await self._vm(ctx, vm_id)
        disks = [d for d in vectors(vm.TEMPLATE, "DISK") if d.get("IMAGE_ID")]
        if not disks:
            raise Conflict(f"/compute/{vm_id} has no image-backed disk to save")
        name = str(parameters.get("name") or f"saved-compute-{vm_id}-{int(time.time())}")
        image_id = await self._call(
            ctx, "vm.disksaveas", vm_id, int(disks[0]["DISK_ID"]), name, "", -1
        )
        items: list[tuple[str, Any]] = [("NAME", name)]
        for key in ("CPU", "VCPU", "MEMORY"):
            value = single(vm.TEMPLATE, key)
            if value:
                items.append((key, value))
        items.append(("DISK", {"IMAGE_ID": str(image_id)}))
        for nic in vectors(vm.TEMPLATE, "NIC"):
            if nic.get("NETWORK_ID"):
                items.append(("NIC", {"NETWORK_ID": nic["NETWORK_ID"]}))
        for key in ("OS", "CONTEXT"):
            vector = (vectors(vm.TEMPLATE, key) or [None])[0]
            if vector:
                clean = {k: v for k, v in vector.items() if not k.startswith("ETH")}
                clean.pop("DISK_ID", None)
                clean.pop("TARGET", None)
                items.append((key, clean))
        items.append((IDENTITY_KEY, ctx.occi_name))
        try:
            template_id = await self._call(ctx, "template.allocate", template_xml(items))
        except BackendError:
            with contextlib.suppress(BackendError):
                await self._call(ctx, "image.delete", int(image_id))
            raise
        self._forget_model(ctx)
        return Mixin(
            scheme=OS_TPL_SCHEME,
            term=f"tpl_{template_id}",
            title=name,
            depends=(infra.OS_TPL,),
            applies=(infra.COMPUTE,),
            location=f"/mixin/os_tpl/tpl_{template_id}/",
        )

    async def close(self) -> None:
        self.connection.close()


# -- helpers ---------------------------------------------------------------------------


def _parse_location(location: str) -> tuple[str, list[int]]:
    for kind, pattern in _LOCATIONS.items():
        match = pattern.fullmatch(location)
        if match:
            return kind, [int(g) for g in match.groups()]
    raise NotFound(f"no entity at {location}")


def _number(value: object) -> float:
    try:
        return float(str(value))
    except ValueError:
        raise Invalid(f"{value!r} is not a number") from None


def _check_up(target: Entity) -> None:
    if target.attributes.get("occi.network.state") == "inactive":
        raise Conflict(f"{target.location} is down; bring it up before linking to it")


def _gone(vm: Any) -> bool:
    return int(vm.STATE) == 6 or single(vm.USER_TEMPLATE, DELETED_KEY) == "YES"


def _stored_mixins(template: Mapping[str, Any] | None) -> tuple[str, ...]:
    return tuple((single(template, MIXINS_KEY) or "").split())


def _derived(mixin: str, kind: str) -> bool:
    if kind == "compute":
        return mixin in _DERIVED or mixin.startswith(OS_TPL_SCHEME)
    return False  # a network's ipnetwork is also derived from its address, and kept when set


def _context(base: Mapping[str, Any], attributes: Mapping[str, object]) -> dict[str, str] | None:
    """The template's CONTEXT plus the caller's key and user data (USERDATA_ENCODING=base64).
    Returned whole because an instantiate-time CONTEXT replaces the template's."""
    key = attributes.get("occi.credentials.ssh.publickey") or attributes.get(
        "org.openstack.credentials.publickey.data"
    )
    data = attributes.get("occi.compute.userdata") or attributes.get(
        "org.openstack.compute.user_data"
    )
    hostname = attributes.get("occi.compute.hostname")
    if not (key or data or hostname):
        return None
    context = (vectors(base, "CONTEXT") or [{"NETWORK": "YES"}])[0]
    if key:
        context["SSH_PUBLIC_KEY"] = str(key)
    if data:
        text = str(data)
        try:
            base64.b64decode(text, validate=True)
        except (binascii.Error, ValueError):
            text = base64.b64encode(text.encode("utf-8")).decode("ascii")
        context["USER_DATA"] = text
        context["USERDATA_ENCODING"] = "base64"
    if hostname:
        context["SET_HOSTNAME"] = str(hostname)
    return context


def _nic_vector(attributes: Mapping[str, object]) -> dict[str, str]:
    match = _LOCATIONS["network"].fullmatch(str(attributes.get("occi.core.target")))
    if match is None:
        raise Invalid("the target of a networkinterface must be a network")
    vector = {"NETWORK_ID": match.group(1)}
    if attributes.get("occi.networkinterface.address"):
        vector["IP"] = str(attributes["occi.networkinterface.address"])
    # occi.networkinterface.mac is not passed on: oned leases MACs from the network's
    # address ranges, and NIC/MAC is a restricted attribute for non-admin users. A client
    # must send some mac (the kind marks it required); the NIC shows the one oned gave.
    return _titled(vector, attributes)


def _titled(vector: dict[str, str], attributes: Mapping[str, object]) -> dict[str, str]:
    """A link's title travels in its NIC/DISK vector (oned keeps unknown vector keys)."""
    title = attributes.get("occi.core.title")
    if title:
        vector[TITLE_KEY] = str(title)
    return vector


def _disk_vector(attributes: Mapping[str, object]) -> dict[str, str]:
    match = _LOCATIONS["storage"].fullmatch(str(attributes.get("occi.core.target")))
    if match is None:
        raise Invalid("the target of a storagelink must be a storage")
    vector = {"IMAGE_ID": match.group(1)}
    device = str(attributes.get("occi.storagelink.deviceid") or "").removeprefix("/dev/")
    if device:
        if not re.fullmatch(r"[a-z]{2,4}[a-z0-9]*", device):
            raise Invalid(f"occi.storagelink.deviceid {device!r} is not a device like /dev/vdb")
        vector["TARGET"] = device
    else:
        vector["DEV_PREFIX"] = "vd"
    return _titled(vector, attributes)


def _address_range(cidr: str, gateway: object) -> list[tuple[str, Any]]:
    """NETWORK_ADDRESS/MASK, GATEWAY and an IP4 address range over the CIDR's hosts (all
    usable addresses but the gateway's)."""
    try:
        network = ipaddress.ip_network(cidr, strict=False)
    except ValueError:
        raise Invalid(f"occi.network.address {cidr!r} is not a CIDR block") from None
    if network.version != 4:
        raise Invalid("only IPv4 address ranges are supported by this backend")
    first = network.network_address + (1 if network.prefixlen < 31 else 0)
    size = (network.num_addresses - 2) if network.prefixlen < 31 else network.num_addresses
    items: list[tuple[str, Any]] = [
        ("NETWORK_ADDRESS", str(network.network_address)),
        ("NETWORK_MASK", str(network.netmask)),
    ]
    if gateway:
        try:
            gw = ipaddress.ip_address(str(gateway))
        except ValueError:
            raise Invalid(f"occi.network.gateway {gateway!r} is not an IP address") from None
        if gw not in network:
            raise Invalid(f"gateway {gw} is not inside {network}")
        items.append(("GATEWAY", str(gw)))
        if gw == first and size > 1:
            first, size = first + 1, size - 1
    items.append(("AR", {"TYPE": "IP4", "IP": str(first), "SIZE": str(max(1, size))}))
    return items
