"""``one.vm.*``, ``one.vmpool.*``, ``one.template*``: virtual machines and VM templates."""

from __future__ import annotations

from . import documents, lifecycle
from .access import filter_pool, get_obj, paginate
from .errors import Code, OneError, action_error, allocate_error, api_error, internal_error
from .resources import build_disk, build_nic, release_all
from .state import LCM, VM, Perms, Session, Store, VirtualMachine, VmTemplate
from .template import Template, TemplateError


def parse(text: str) -> Template:
    """A template parameter; parse errors are INTERNAL, as in oned's RequestManager."""
    try:
        return Template.parse(text)
    except TemplateError as exc:
        raise internal_error(str(exc)) from None


def _check_capacity(tmpl: Template) -> None:
    memory = tmpl.get("MEMORY")
    if not isinstance(memory, str) or not memory.isdigit() or int(memory) <= 0:
        raise ValueError("MEMORY attribute must be a positive integer value.")
    cpu = tmpl.get("CPU")
    try:
        if not isinstance(cpu, str) or float(cpu) <= 0:
            raise ValueError
    except ValueError:
        raise ValueError("CPU attribute must be a positive float or integer value.") from None
    vcpu = tmpl.get("VCPU")
    if vcpu is not None and (not isinstance(vcpu, str) or not vcpu.isdigit() or int(vcpu) <= 0):
        raise ValueError("VCPU attribute must be a positive integer value.")


def create_vm(store: Store, session: Session, tmpl: Template, hold: bool) -> int:
    """What one.vm.allocate and one.template.instantiate share."""
    vm_id = store.new_id("vm", store.vms)
    name = tmpl.get_str("NAME") or f"one-{vm_id}"
    tmpl.remove("NAME")
    try:
        _check_capacity(tmpl)
    except ValueError as exc:
        raise allocate_error("VM", str(exc)) from None
    vm = VirtualMachine(
        id=vm_id,
        uid=session.uid,
        gid=session.gid,
        name=name,
        perms=Perms.from_octal("600"),
        regtime=store.clock.epoch(),
        stime=store.clock.epoch(),
    )
    building = Template()
    vm.template = building
    try:
        for attr, value in tmpl:
            if attr == "DISK" and isinstance(value, dict):
                building.add("DISK", build_disk(store, session, vm, value))
            elif attr == "NIC" and isinstance(value, dict):
                building.add("NIC", build_nic(store, session, vm, value))
            elif attr in ("DISK", "NIC"):
                raise action_error(f"{attr} must be a vector attribute")
    except OneError as exc:
        release_all(store, vm)
        if exc.code == Code.AUTHORIZATION:
            raise
        raise allocate_error("VM", exc.message) from None
    final = Template()
    for attr, value in tmpl:
        if attr in ("DISK", "NIC"):
            continue
        final.add(attr, value)
    final.items = [it for it in building if it[0] == "DISK"] + final.items
    final.items += [it for it in building if it[0] == "NIC"]
    _fill_context(final, vm_id)
    system_ds = next((d for d in store.datastores.values() if d.type == 1), None)
    final.set("VMID", str(vm_id))
    final.set("TM_MAD_SYSTEM", system_ds.tm_mad if system_ds else "ssh")
    final.set("AUTOMATIC_REQUIREMENTS", "(CLUSTER_ID = 0) & !(PUBLIC_CLOUD = YES)")
    final.set("AUTOMATIC_DS_REQUIREMENTS", '("CLUSTERS/ID" @> 0)')
    if final.vectors("NIC"):
        final.set("AUTOMATIC_NIC_REQUIREMENTS", '("CLUSTERS/ID" @> 0)')
    vm.template, vm.user_template = documents.split_vm_template(final)
    store.vms[vm_id] = vm
    lifecycle.start(store, vm, hold)
    return vm_id


def _fill_context(tmpl: Template, vm_id: int) -> None:
    """oned adds the context disk id and, with NETWORK=YES, the ETHx_ values."""
    contexts = tmpl.vectors("CONTEXT")
    if not contexts:
        return
    context = contexts[0]
    disks = tmpl.vectors("DISK")
    context.setdefault("DISK_ID", str(len(disks)))
    context.setdefault("TARGET", "hda")
    if context.get("NETWORK", "").upper() == "YES":
        for nic in tmpl.vectors("NIC"):
            prefix = f"ETH{nic['NIC_ID']}"
            if "IP" in nic:
                context.setdefault(f"{prefix}_IP", nic["IP"])
            context.setdefault(f"{prefix}_MAC", nic["MAC"])
            context.setdefault(f"{prefix}_NETWORK", nic["NETWORK"])


# --- methods ---------------------------------------------------------------------------


def vm_allocate(store: Store, s: Session, template: str, hold: bool = False) -> int:
    return create_vm(store, s, parse(template), hold)


def vm_info(store: Store, s: Session, oid: int, decrypt: bool = False) -> str:
    vm = get_obj(store, store.vms, "VM", oid, s, "USE")
    return documents.to_string(documents.vm(store, vm))


def vm_action(store: Store, s: Session, action: str, oid: int) -> int:
    vm = get_obj(store, store.vms, "VM", oid, s, "MANAGE")
    lifecycle.perform(store, vm, action)
    return oid


def _single_vector(tmpl: Template, name: str) -> dict[str, str]:
    vectors = tmpl.vectors(name)
    if len(vectors) != 1 or len(tmpl) != 1:
        raise action_error(f"The template must contain exactly one {name} vector attribute")
    return vectors[0]


def vm_attach(store: Store, s: Session, oid: int, template: str) -> int:
    vm = get_obj(store, store.vms, "VM", oid, s, "MANAGE")
    disk = _single_vector(parse(template), "DISK")
    lifecycle.check_hotplug(vm, "disk", detach=False)
    vm.template.add("DISK", build_disk(store, s, vm, disk))
    lifecycle.begin_hotplug(store, vm, "disk", None)
    return oid


def vm_detach(store: Store, s: Session, oid: int, disk_id: int) -> int:
    vm = get_obj(store, store.vms, "VM", oid, s, "MANAGE")
    lifecycle.check_hotplug(vm, "disk", detach=True)
    if not any(d.get("DISK_ID") == str(disk_id) for d in vm.template.vectors("DISK")):
        raise action_error(f"VM {oid}: DISK {disk_id} does not exist", oid)
    lifecycle.begin_hotplug(store, vm, "disk", ("DISK", disk_id))
    return oid


def vm_attachnic(store: Store, s: Session, oid: int, template: str) -> int:
    vm = get_obj(store, store.vms, "VM", oid, s, "MANAGE")
    nic = _single_vector(parse(template), "NIC")
    lifecycle.check_hotplug(vm, "nic", detach=False)
    vm.template.add("NIC", build_nic(store, s, vm, nic))
    lifecycle.begin_hotplug(store, vm, "nic", None)
    return oid


def vm_detachnic(store: Store, s: Session, oid: int, nic_id: int) -> int:
    vm = get_obj(store, store.vms, "VM", oid, s, "MANAGE")
    lifecycle.check_hotplug(vm, "nic", detach=True)
    if not any(n.get("NIC_ID") == str(nic_id) for n in vm.template.vectors("NIC")):
        raise action_error(f"VM {oid}: NIC {nic_id} does not exist", oid)
    lifecycle.begin_hotplug(store, vm, "nic", ("NIC", nic_id))
    return oid


RESIZE_STATES = ("POWEROFF", "UNDEPLOYED", "PENDING", "HOLD", "CLONING", "CLONING_FAILURE")


def vm_resize(store: Store, s: Session, oid: int, template: str, enforce: bool = False) -> int:
    """Cold resize in the states oned allows; a RUNNING VM is resized hot (oned >= 6.0:
    HOTPLUG_RESIZE for a step), within VCPU_MAX / MEMORY_MAX when the VM sets them."""
    vm = get_obj(store, store.vms, "VM", oid, s, "MANAGE")
    tmpl = parse(template)
    running = vm.state == VM["ACTIVE"] and vm.lcm_state == LCM["RUNNING"]
    if not running and vm.state not in (VM[name] for name in RESIZE_STATES):
        raise action_error(f"Resize action is not available for state {vm.state_str()}", oid)
    updates = {}
    for name, kind in (("CPU", float), ("VCPU", int), ("MEMORY", int)):
        value = tmpl.get_str(name)
        if not value:
            continue
        try:
            number = kind(value)
        except ValueError:
            raise action_error(f"{name} attribute must be a positive number", oid) from None
        if number < 0:
            raise action_error(f"{name} attribute must be a positive number", oid)
        if number > 0:
            updates[name] = value
    if running:
        for name, limit in (("VCPU", "VCPU_MAX"), ("MEMORY", "MEMORY_MAX")):
            most = vm.template.get_str(limit)
            if name in updates and most.isdigit() and int(updates[name]) > int(most):
                raise action_error(f"Number of {name} is higher than {limit} ({most})", oid)
    for name, value in updates.items():
        vm.template.set(name, value)
    if running and updates:
        lifecycle.schedule(store, vm, ("ACTIVE", "HOTPLUG_RESIZE"), [("ACTIVE", "RUNNING", "")])
    return oid


def vm_rename(store: Store, s: Session, oid: int, name: str) -> int:
    vm = get_obj(store, store.vms, "VM", oid, s, "MANAGE")
    if not name.strip():
        raise action_error("New name cannot be empty", oid)
    vm.name = name
    return oid


def update_template(current: Template, text: str, how: int) -> Template:
    """one.*.update: 0 replaces the (user) template, 1 merges into it."""
    new = parse(text)
    if how == 0:
        return new
    if how == 1:
        merged = current.copy()
        merged.merge(new)
        return merged
    raise api_error("Wrong update type, must be 0 (replace) or 1 (merge)")


def vm_update(store: Store, s: Session, oid: int, template: str, how: int = 0) -> int:
    vm = get_obj(store, store.vms, "VM", oid, s, "MANAGE")
    vm.user_template = update_template(vm.user_template, template, how)
    return oid


def vm_disksaveas(
    store: Store,
    s: Session,
    oid: int,
    disk_id: int,
    name: str,
    img_type: str = "",
    snap_id: int = -1,
) -> int:
    from .methods_pools import new_image  # one module per pool; import here avoids a cycle

    vm = get_obj(store, store.vms, "VM", oid, s, "MANAGE")
    running = vm.state == VM["ACTIVE"] and vm.lcm_state == 3
    if not (running or vm.state in (VM["POWEROFF"], VM["SUSPENDED"])):
        raise action_error(f"Could not save disk of VM {oid}, wrong state {vm.state_str()}.", oid)
    disk = next((d for d in vm.template.vectors("DISK") if d.get("DISK_ID") == str(disk_id)), None)
    if disk is None or not disk.get("IMAGE_ID", "").isdigit():
        raise action_error(f"VM {oid}: DISK {disk_id} does not exist or has no image", oid)
    source = store.images.get(int(disk["IMAGE_ID"]))
    ds_id = source.ds_id if source else 1
    tmpl = Template(
        [
            ("NAME", name),
            ("TYPE", img_type or "OS"),
            ("SIZE", disk.get("SIZE", "0")),
            ("SOURCE", disk.get("SOURCE", "")),
        ]
    )
    image_id = new_image(store, s, tmpl, ds_id, skip_check=True)
    back = (
        ("ACTIVE", "RUNNING")
        if running
        else (("POWEROFF", "LCM_INIT") if vm.state == VM["POWEROFF"] else ("SUSPENDED", "LCM_INIT"))
    )
    lcm = (
        "HOTPLUG_SAVEAS"
        if running
        else (
            "HOTPLUG_SAVEAS_POWEROFF" if vm.state == VM["POWEROFF"] else "HOTPLUG_SAVEAS_SUSPENDED"
        )
    )
    lifecycle.schedule(store, vm, ("ACTIVE", lcm), [(back[0], back[1], "")])
    return image_id


def _vms(store: Store, s: Session, flag: int, start: int, end: int, state: int, query: str):
    vms = filter_pool(s, store.vms.values(), flag)
    if state == -1:
        vms = [v for v in vms if v.state != VM["DONE"]]
    elif state >= 0:
        vms = [v for v in vms if v.state == state]
    elif state != -2:
        raise api_error("Incorrect state filter")
    if query:
        key, _, value = query.partition("=")
        key = key.strip().upper()
        vms = [
            v
            for v in vms
            if (key == "NAME" and v.name == value)
            or v.template.get_str(key) == value
            or v.user_template.get_str(key) == value
        ]
    return paginate(vms, start, end)


def vmpool_info(store, s, flag: int, start: int, end: int, state: int, query: str = "") -> str:
    vms = _vms(store, s, flag, start, end, state, query)
    return documents.to_string(documents.vm_pool(store, vms, extended=False))


def vmpool_infoextended(
    store, s, flag: int, start: int, end: int, state: int, query: str = ""
) -> str:
    vms = _vms(store, s, flag, start, end, state, query)
    return documents.to_string(documents.vm_pool(store, vms, extended=True))


def templatepool_info(store: Store, s: Session, flag: int, start: int, end: int) -> str:
    items = paginate(filter_pool(s, store.templates.values(), flag), start, end)
    return documents.to_string(
        documents.pool("VMTEMPLATE_POOL", (documents.vmtemplate(store, t) for t in items))
    )


def template_info(
    store: Store, s: Session, oid: int, extended: bool = False, decrypt: bool = False
) -> str:
    tpl = get_obj(store, store.templates, "TEMPLATE", oid, s, "USE")
    return documents.to_string(documents.vmtemplate(store, tpl))


def template_allocate(store: Store, s: Session, template: str) -> int:
    """A new VM template owned by the caller (umask 177: 600), NAME unique per owner."""
    tmpl = parse(template)
    name = tmpl.get_str("NAME").strip()
    if not name:
        raise allocate_error("TEMPLATE", "NAME cannot be empty.")
    taken = next((t for t in store.templates.values() if t.name == name and t.uid == s.uid), None)
    if taken is not None:
        raise allocate_error("TEMPLATE", f"NAME is already taken by TEMPLATE {taken.id}.")
    tmpl.remove("NAME")  # oned keeps the name in the object, not in its TEMPLATE
    template_id = store.new_id("template", store.templates)
    store.templates[template_id] = VmTemplate(
        id=template_id,
        uid=s.uid,
        gid=s.gid,
        name=name,
        perms=Perms.from_octal("600"),
        regtime=store.clock.epoch(),
        template=tmpl,
    )
    return template_id


def template_instantiate(
    store: Store,
    s: Session,
    oid: int,
    name: str = "",
    hold: bool = False,
    extra: str = "",
    persistent: bool = False,
) -> int:
    tpl = get_obj(store, store.templates, "TEMPLATE", oid, s, "USE")
    tmpl = tpl.template.copy()
    if extra.strip():
        tmpl.merge(parse(extra))
    tmpl.set("TEMPLATE_ID", str(tpl.id))
    vm_id = store.next_ids.get("vm", 0)
    tmpl.set("NAME", name or f"{tpl.name}-{max([vm_id, *(i + 1 for i in store.vms)])}")
    return create_vm(store, s, tmpl, hold)
