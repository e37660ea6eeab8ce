"""XML-RPC wiring: method table, parameter checks, sessions, faults and the control API.

Every ``one.*`` call runs under the store lock: due life-cycle steps are applied, the
session is authenticated, an injected fault (``simulator.set_fail``) answers instead of
the method if one is set, and the result is wrapped as ``[True, value, 0]`` or oned's
failure array. Unknown methods and wrongly typed parameters are XML-RPC faults, as
xmlrpc-c (oned's XML-RPC library) answers them.
"""

from __future__ import annotations

import socketserver
import sys
import threading
import time
import traceback
import xmlrpc.client
from collections.abc import Callable
from pathlib import Path
from typing import Any
from xmlrpc.server import SimpleXMLRPCRequestHandler, SimpleXMLRPCServer

from . import lifecycle, methods_pools, methods_vm
from .access import authenticate
from .errors import Code, OneError, authentication_failure, failure
from .seed import load_seed
from .state import LCM_STATES, VM_STATES, Fault, Store

BASE_STEP_SECONDS = 3.0

# Fault codes as xmlrpc-c sends them.
FAULT_TYPE = -501
FAULT_NO_METHOD = -506

# name → (handler, parameter types after the session, how many are required).
# Types: i int, b bool, s string.
METHODS: dict[str, tuple[Callable[..., Any], str, int]] = {
    "one.system.version": (methods_pools.system_version, "", 0),
    "one.system.config": (methods_pools.system_config, "", 0),
    "one.user.info": (methods_pools.user_info, "ib", 1),
    "one.user.login": (methods_pools.user_login, "ssii", 3),
    "one.user.update": (methods_pools.user_update, "isi", 2),
    "one.userpool.info": (methods_pools.userpool_info, "", 0),
    "one.vmpool.info": (methods_vm.vmpool_info, "iiiis", 4),
    "one.vmpool.infoextended": (methods_vm.vmpool_infoextended, "iiiis", 4),
    "one.vm.info": (methods_vm.vm_info, "ib", 1),
    "one.vm.allocate": (methods_vm.vm_allocate, "sb", 1),
    "one.vm.action": (methods_vm.vm_action, "si", 2),
    "one.vm.attach": (methods_vm.vm_attach, "is", 2),
    "one.vm.detach": (methods_vm.vm_detach, "ii", 2),
    "one.vm.attachnic": (methods_vm.vm_attachnic, "is", 2),
    "one.vm.detachnic": (methods_vm.vm_detachnic, "ii", 2),
    "one.vm.resize": (methods_vm.vm_resize, "isb", 2),
    "one.vm.rename": (methods_vm.vm_rename, "is", 2),
    "one.vm.update": (methods_vm.vm_update, "isi", 2),
    "one.vm.disksaveas": (methods_vm.vm_disksaveas, "iissi", 3),
    "one.templatepool.info": (methods_vm.templatepool_info, "iii", 3),
    "one.template.info": (methods_vm.template_info, "ibb", 1),
    "one.template.allocate": (methods_vm.template_allocate, "s", 1),
    "one.template.instantiate": (methods_vm.template_instantiate, "isbsb", 1),
    "one.imagepool.info": (methods_pools.imagepool_info, "iii", 3),
    "one.image.info": (methods_pools.image_info, "ib", 1),
    "one.image.allocate": (methods_pools.image_allocate, "sib", 2),
    "one.image.delete": (methods_pools.image_delete, "ib", 1),
    "one.image.persistent": (methods_pools.image_persistent, "ib", 2),
    "one.image.enable": (methods_pools.image_enable, "ib", 2),
    "one.image.rename": (methods_pools.image_rename, "is", 2),
    "one.image.update": (methods_pools.image_update, "isi", 2),
    "one.vnpool.info": (methods_pools.vnpool_info, "iii", 3),
    "one.vn.info": (methods_pools.vn_info, "ib", 1),
    "one.vn.allocate": (methods_pools.vn_allocate, "si", 1),
    "one.vn.delete": (methods_pools.vn_delete, "i", 1),
    "one.vn.update": (methods_pools.vn_update, "isi", 2),
    "one.vn.rename": (methods_pools.vn_rename, "is", 2),
    "one.vn.add_ar": (methods_pools.vn_add_ar, "is", 2),
    "one.datastorepool.info": (methods_pools.datastorepool_info, "", 0),
    "one.datastore.info": (methods_pools.datastore_info, "ib", 1),
    "one.hostpool.info": (methods_pools.hostpool_info, "", 0),
    "one.clusterpool.info": (methods_pools.clusterpool_info, "", 0),
}

_TYPES = {"i": (int, "integer"), "b": (bool, "boolean"), "s": (str, "string")}


def check_params(method: str, params: tuple) -> None:
    """Raise an XML-RPC fault when the parameters do not match the signature."""
    _, types, required = METHODS[method]
    if not params or not isinstance(params[0], str):
        raise xmlrpc.client.Fault(
            FAULT_TYPE, f"{method}: the first parameter must be the session string"
        )
    args = params[1:]
    if not required <= len(args) <= len(types):
        raise xmlrpc.client.Fault(
            FAULT_TYPE,
            f"{method}: expected {required}..{len(types)} parameters after the session,"
            f" got {len(args)}",
        )
    for position, (value, code) in enumerate(zip(args, types, strict=False), start=2):
        kind, name = _TYPES[code]
        # bool is an int subclass in Python; xmlrpc-c keeps the two apart.
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            raise xmlrpc.client.Fault(
                FAULT_TYPE, f"{method}: parameter {position} must be of type {name}"
            )


class Simulator:
    """The object behind the XML-RPC server: oned's methods plus ``simulator.*``."""

    def __init__(self, seed: str | Path | None = None, speed: float = 1.0) -> None:
        self.seed = seed
        self.speed = speed
        self.store = self._fresh_store()

    def _fresh_store(self) -> Store:
        store = load_seed(self.seed)
        store.step_seconds = BASE_STEP_SECONDS / self.speed
        return store

    # --- dispatch ----------------------------------------------------------------------
    def _dispatch(self, method: str, params: tuple) -> Any:
        if method.startswith("simulator."):
            return self._control(method, params)
        if method not in METHODS:
            raise xmlrpc.client.Fault(FAULT_NO_METHOD, f"Method '{method}' not defined")
        check_params(method, params)
        delay = self.store.delays.get(method, self.store.delays.get("*", 0.0))
        if delay > 0:
            time.sleep(delay)  # outside the lock: a slow oned, not a stuck one
        with self.store.lock:
            return self._call(method, params)

    def _call(self, method: str, params: tuple) -> list:
        store = self.store
        lifecycle.advance(store)
        fault = store.faults.get(method) or store.faults.get("*")
        if fault is not None:
            if fault.remaining > 0:
                fault.remaining -= 1
                if fault.remaining == 0:
                    store.faults = {k: v for k, v in store.faults.items() if v is not fault}
            return failure(method, OneError(Code(fault.code), fault.message))
        session = authenticate(store, params[0])
        if session is None:
            return authentication_failure(method)
        handler = METHODS[method][0]
        try:
            return [True, handler(store, session, *params[1:]), 0]
        except OneError as exc:
            return failure(method, exc)
        except Exception as exc:  # a simulator bug must not look like a network failure
            traceback.print_exc(file=sys.stderr)
            return failure(method, OneError(Code.INTERNAL, f"Internal simulator error: {exc}"))

    # --- control namespace -------------------------------------------------------------
    def _control(self, method: str, params: tuple) -> Any:
        name = method.removeprefix("simulator.")
        handler = getattr(self, f"control_{name}", None)
        if handler is None:
            raise xmlrpc.client.Fault(FAULT_NO_METHOD, f"Method '{method}' not defined")
        try:
            return handler(*params)
        except (TypeError, ValueError) as exc:
            raise xmlrpc.client.Fault(FAULT_TYPE, f"{method}: {exc}") from None

    def control_reset(self) -> bool:
        fresh = self._fresh_store()
        with self.store.lock:
            self.store = fresh
        return True

    def control_set_fail(self, method: str, code: int, message: str = "", count: int = -1) -> bool:
        if method != "*" and method not in METHODS:
            raise ValueError(f"unknown oned method {method!r}")
        code_value = Code(int(code))
        if code_value == Code.SUCCESS:
            raise ValueError("code must be an error code, not SUCCESS")
        text = message or f"Simulated {code_value.name} failure"
        with self.store.lock:
            self.store.faults[method] = Fault(int(code_value), text, int(count))
        return True

    def control_clear_fail(self, method: str = "") -> bool:
        with self.store.lock:
            if method:
                self.store.faults.pop(method, None)
            else:
                self.store.faults.clear()
        return True

    def control_set_delay(self, seconds: float, method: str = "*") -> bool:
        seconds = float(seconds)
        if seconds < 0:
            raise ValueError("seconds must be >= 0")
        with self.store.lock:
            self.store.delays[method] = seconds
        return True

    def control_set_speed(self, factor: float) -> bool:
        factor = float(factor)
        if factor <= 0:
            raise ValueError("factor must be > 0")
        with self.store.lock:
            self.speed = factor
            self.store.step_seconds = BASE_STEP_SECONDS / factor
        return True

    def control_advance(self, seconds: float) -> bool:
        seconds = float(seconds)
        if seconds < 0:
            raise ValueError("seconds must be >= 0")
        with self.store.lock:
            self.store.clock.offset += seconds
            lifecycle.advance(self.store)
        return True

    def control_state(self) -> dict:
        with self.store.lock:
            lifecycle.advance(self.store)
            return {
                "step_seconds": self.store.step_seconds,
                "vms": {
                    str(vm.id): [VM_STATES[vm.state], LCM_STATES[vm.lcm_state]]
                    for vm in self.store.vms.values()
                },
            }


class _Handler(SimpleXMLRPCRequestHandler):
    rpc_paths = ("/RPC2",)


class ThreadedXMLRPCServer(socketserver.ThreadingMixIn, SimpleXMLRPCServer):
    daemon_threads = True
    allow_reuse_address = True


def make_server(
    host: str, port: int, simulator: Simulator, log_requests: bool = False
) -> ThreadedXMLRPCServer:
    server = ThreadedXMLRPCServer(
        (host, port), requestHandler=_Handler, logRequests=log_requests, allow_none=False
    )
    server.register_instance(simulator)
    return server


def serve_in_thread(server: ThreadedXMLRPCServer) -> threading.Thread:
    """Run ``serve_forever`` in a daemon thread (for embedding in tests)."""
    thread = threading.Thread(target=server.serve_forever, name="one-simulator", daemon=True)
    thread.start()
    return thread
