"""A simulated OpenNebula ``oned`` XML-RPC endpoint for tests, demos and the Docker self-test.

Run ``occi-one-simulator --listen 127.0.0.1:2633 [--speed F] [--seed FILE]`` (or
``python -m one_simulator``) and point pyone at ``http://127.0.0.1:2633/RPC2``.

What behaves like oned
    * Answers ``[True, value, 0]`` or ``[False, "[one.x.y] message", code, resp_id]``
      with oned's codes (0x0100 AUTHENTICATION … 0x8000 LOCKED) and oned's message texts;
      unknown methods and badly typed parameters are XML-RPC faults (-506 / -501).
    * Sessions ``user:password`` (SHA-256 checked) or ``user:token`` from
      ``one.user.login``; permissions are oned's owner/group/other bits (new objects get
      600, umask 177), oneadmin and the oneadmin group may do anything; pool filters
      -4/-3/-2/-1/≥0 and ranges/pagination as in the API docs, newest first (DESC).
    * VMs move over time, one step = 3 s / ``--speed``: PENDING → PROLOG → BOOT →
      RUNNING; actions pass through SHUTDOWN, SHUTDOWN_POWEROFF, SAVE_SUSPEND,
      SAVE_STOP/EPILOG_STOP, SHUTDOWN_UNDEPLOY/EPILOG_UNDEPLOY, BOOT_POWEROFF,
      BOOT_SUSPENDED, PROLOG_RESUME/BOOT_STOPPED, HOTPLUG, HOTPLUG_NIC, EPILOG → DONE;
      ``one.vm.resize`` of a RUNNING VM is a hot resize (HOTPLUG_RESIZE for a step, bounded
      by VCPU_MAX/MEMORY_MAX when set), as in oned 6.x.
    * Users update their own TEMPLATE (``one.user.update``; others' only as admin);
      ``one.template.allocate`` makes a VM template owned by the caller (600, NAME unique
      per owner), as ``onevm save`` needs.
      Deleted VMs stay in the pool as DONE. A template attribute ``SIMULATOR_FAIL="PROLOG"``
      or ``"BOOT"`` ends the deploy in PROLOG_FAILURE / BOOT_FAILURE.
    * Images start LOCKED and become READY a step later; USED (USED_PERS when
      persistent) while a VM holds them. Leases come from IP4/ETHER address ranges; MACs
      are ``02:00`` + the IPv4 bytes as oned's default MAC_PREFIX does.
    * Documents validate against OpenNebula's XSDs; ``one.vmpool.info`` answers the
      short VM body (no CONTEXT; use ``one.vmpool.infoextended`` or ``one.vm.info``).
      Attributes vm.xsd does not list in a VM's TEMPLATE go to USER_TEMPLATE.

Control namespace (``simulator.*``, no session parameter, plain return values)
    ``simulator.reset()``
        Reload the seed, drop every fault and delay.
    ``simulator.set_fail(method, code, message="", count=-1)``
        The next ``count`` calls (-1: all) of ``method`` (``"*"``: every oned method)
        answer ``[False, "[method] message", code, -1]`` without running.
    ``simulator.clear_fail(method="")``
        Remove one injected failure, or all.
    ``simulator.set_delay(seconds, method="*")``
        Sleep before answering ``method`` (a slow oned, for timeout tests).
    ``simulator.set_speed(factor)``
        Life-cycle speed (step = 3 s / factor) for transitions scheduled from now on.
    ``simulator.advance(seconds)``
        Move the simulator's clock forward (no sleeping in tests).
    ``simulator.state()``
        ``{"step_seconds": s, "vms": {"<id>": [STATE, LCM_STATE]}}``, for debugging.

Seed format (YAML; default ``fixtures/opennebula/seed.yaml``)
    ``version``: the string one.system.version returns.
    ``groups``: ``[{id, name}]`` (0 must be oneadmin, 1 is conventionally users).
    ``users``: ``[{id, name, password, group, groups?: [names], template?}]``; oneadmin
    (id 0) is required.
    ``clusters``: ``[{id, name}]``; ``hosts``: ``[{id, name, cluster}]``.
    ``datastores``: ``[{id, name, type: IMAGE|SYSTEM|FILE, ds_mad?, tm_mad?, total_mb?,
    free_mb?, perms?, template?}]`` (``free_mb: 0`` makes image.allocate fail with
    ACTION "Not enough space in datastore", as oned does).
    ``images``: ``[{id, name, owner?, group?, perms?, type: OS|DATABLOCK|…, datastore,
    size_mb, persistent?, path?, template?}]``.
    ``networks``: ``[{id, name, owner?, group?, perms?, vn_mad?, bridge?, template?,
    ars: [{type: IP4|ETHER, ip?, size, mac?}]}]``.
    ``templates``: ``[{id, name, owner?, group?, perms?, template: "<ONe template text>"}]``.
    ``owner`` and ``group`` are names (or ids) and default to oneadmin and the owner's
    group; ``perms`` is octal as ``onevm chmod`` takes it (4 use, 2 manage, 1 admin),
    default ``600``; ``template`` is ONe template text or a mapping of attributes.
"""
