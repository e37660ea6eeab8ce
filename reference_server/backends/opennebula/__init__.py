"""The OpenNebula backend: OCCI 1.2 in front of oned's XML-RPC API, through pyone.

Start::

    python -m reference_server --backend opennebula \\
        --one-xmlrpc http://127.0.0.1:2633/RPC2 --auth passthrough [--one-timeout 10]

Authentication (passthrough, as rOCCI-server 2.x)
    The caller's own OpenNebula credentials become the pyone session: HTTP Basic
    ``user:password`` gives the session ``user:password``; ``X-Auth-Token: user:token`` (a
    login token from ``oneuser token-create``/``one.user.login``, or the base64 of
    ``user:token`` as rOCCI 2.x tokens were) gives ``user:token``. oned checks every call,
    so its ACLs, quotas and groups apply unchanged and the server keeps no password file;
    an AUTHENTICATION answer is a 401. A checked session (client plus the user's id,
    groups and template) is cached for 60 s, keyed by a hash of the session.
    Without passthrough credentials, ``--one-auth-file FILE`` (one line ``user:password``)
    makes every caller act as that one OpenNebula account, told apart by the
    ``USER_IDENTITY`` each created object records: a single-account mode for demos and
    self-tests, not for production (oned cannot enforce the separation there).

Isolation
    Computes and storages are listed with pool filter -3 (the caller's own); networks and
    os_tpl templates with -1 (own plus what the caller's groups share, because a user must
    reach the provider's networks and images). A shared object can be read, not changed
    (403); another user's private object is 404.

Mapping (rOCCI-server's, with fixes)
    * compute ↔ VM via ``one.template.instantiate(os_tpl, name, extra)``: the os_tpl
      (``tpl_<template id>``, location ``/mixin/os_tpl/tpl_<id>/``) gives DISK/NIC/OS;
      occi.compute.cores → VCPU and CPU, memory (GiB) → MEMORY (MiB), architecture →
      OS/ARCH, hostname → CONTEXT/SET_HOSTNAME; ssh_key → CONTEXT/SSH_PUBLIC_KEY; user_data
      → CONTEXT/USER_DATA with USERDATA_ENCODING=base64 (encoded when not base64 already);
      the legacy ``org.openstack.*`` context attributes are accepted too. The resource_tpl
      is CRTP 1.1 (occi_protocol.definitions.crtp_templates); its sizes arrive as the
      compute's attributes. occi.compute.ephemeral_storage.size is not applied.
    * storage ↔ persistent DATABLOCK image (size GiB ↔ SIZE MiB) in the first image
      datastore with room; online/offline ↔ ``one.image.enable``.
    * network ↔ virtual network (VN_MAD bridge; occi.network.address CIDR → an IP4 AR over
      the hosts without the gateway, NETWORK_ADDRESS/MASK, GATEWAY; vlan → VLAN_ID).
      Without an address it gets a MAC-only (ETHER) range. oned networks have no link
      state: up/down is an OCCI flag (``OCCI_STATE`` in the vnet TEMPLATE); a network that
      is down takes no new networkinterfaces (409).
    * networkinterface ↔ NIC (``/networkinterface/compute_<vm>_nic_<NIC_ID>``,
      ``vm.attachnic``/``detachnic``); storagelink ↔ DISK (``/storagelink/compute_<vm>_disk_
      <DISK_ID>``, ``vm.attach``/``detach``). Attaching to a VM that is still deploying
      waits for it (within the oned time limit), then answers 409. A client's mac is not
      passed on (oned leases MACs; NIC/MAC is restricted); a link's title is kept in its
      NIC/DISK vector (``OCCI_TITLE``).
    * Inline links of a compute create (``creates_inline_links``: the HTTP layer hands
      them over in ``Resource.links``) become the NIC/DISK of the instantiate template.
    * Compute DELETE marks the VM (USER_TEMPLATE OCCI_DELETED=YES) and runs
      ``terminate-hard``; a marked or DONE VM is 404 at once.
    * save ↔ ``vm.disksaveas`` of the first image disk + ``template.allocate`` of a template
      using it; the answer is the new os_tpl mixin.
    * States and actions: :mod:`.states` (table in its docstring); an action or DELETE
      on a busy VM waits for it to settle within the oned time limit.
    * Mapping, errors and limits in full: ``docs/opennebula.md``.

User mixins (tags)
    Definitions live in the OpenNebula user's own TEMPLATE (``OCCI_USER_MIXINS``, JSON,
    written with ``one.user.update`` merge); which entities carry them is in each object's
    template (VM USER_TEMPLATE, image/vnet TEMPLATE: ``OCCI_MIXINS``, space-separated ids).
    Both are in oned, so the server stays stateless and scales out.

Failures
    Every pyone call runs in a bounded thread pool, awaited with ``one_timeout`` (the HTTP
    socket has the same timeout): 504 when oned is slow, 503 when it cannot be reached,
    502 for oned INTERNAL errors or XML-RPC faults. oned's codes: AUTHENTICATION 401,
    AUTHORIZATION 403, NO_EXISTS 404, ACTION/LOCKED 409, ALLOCATE/XML_RPC_API 400 with
    oned's message. A compute whose create fails after the VM exists is terminated.
    ``one.vmpool.infoextended`` is used from oned 5.8 (the short pool body lacks NICs).
"""

from reference_server.backends.opennebula.backend import OpenNebulaBackend

__all__ = ["OpenNebulaBackend"]
