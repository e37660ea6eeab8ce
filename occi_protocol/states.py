"""The state machines of the infrastructure kinds (I12 figures compute-, network- and
storage-state), as transition tables: ``TRANSITIONS[kind][action][from_state] = to_state``.

An action absent from a state's row is not allowed there; a server answers 409 (H12 §3.6).
restart and save are not drawn in the compute figure; table 3 says both pass through stop and
start and end active, so they run from active and end active. The OCCI 1.1 storage actions
backup, snapshot and resize (I11 figure 4) pass through their own states and end online; a
1.2 model has none of them, so their rows never apply there.
"""

from __future__ import annotations

from collections.abc import Mapping

from occi_protocol.definitions import infrastructure as infra

_C = infra.COMPUTE_ACTION
_N = infra.NETWORK_ACTION
_S = infra.STORAGE_ACTION

TRANSITIONS: Mapping[str, Mapping[str, Mapping[str, str]]] = {
    infra.COMPUTE: {
        _C + "start": {"inactive": "active", "suspended": "active"},
        _C + "stop": {"active": "inactive"},
        _C + "restart": {"active": "active"},
        _C + "suspend": {"active": "suspended"},
        _C + "save": {"active": "active"},
    },
    infra.NETWORK: {
        _N + "up": {"inactive": "active"},
        _N + "down": {"active": "inactive"},
    },
    infra.STORAGE: {
        _S + "online": {"offline": "online"},
        _S + "offline": {"online": "offline"},
        _S + "backup": {"online": "online"},
        _S + "snapshot": {"online": "online"},
        _S + "resize": {"online": "online"},
    },
}

#: The attribute that holds each kind's state.
STATE_ATTRIBUTE: Mapping[str, str] = {
    infra.COMPUTE: "occi.compute.state",
    infra.NETWORK: "occi.network.state",
    infra.STORAGE: "occi.storage.state",
    infra.NETWORKINTERFACE: "occi.networkinterface.state",
    infra.STORAGELINK: "occi.storagelink.state",
}

#: The state a new instance of each kind starts in.
INITIAL_STATE: Mapping[str, str] = {
    infra.COMPUTE: "inactive",
    infra.NETWORK: "inactive",
    infra.STORAGE: "offline",
    infra.NETWORKINTERFACE: "inactive",
    infra.STORAGELINK: "inactive",
}


def next_state(kind: str, action: str, state: str) -> str | None:
    """The state ``action`` leads to from ``state``, or None where it is not allowed."""
    return TRANSITIONS.get(kind, {}).get(action, {}).get(state)


def allowed_actions(kind: str, state: str) -> list[str]:
    """The actions allowed in ``state``: what a server renders as action links."""
    return [action for action, row in TRANSITIONS.get(kind, {}).items() if state in row]
