"""oned error codes and the failure responses built from them.

Messages follow oned's ``Request::failure_message`` (src/rm/Request.cc): every
message starts with ``[<method>] ``; NO_EXISTS reads ``Error getting <object> [<id>].``,
AUTHORIZATION ``User [<uid>] : Not authorized to perform <OP> <OBJ> [<id>].``.
"""

from __future__ import annotations

from enum import IntEnum


class Code(IntEnum):
    """oned's ``Request::ErrorCode`` values."""

    SUCCESS = 0x0000
    AUTHENTICATION = 0x0100
    AUTHORIZATION = 0x0200
    NO_EXISTS = 0x0400
    ACTION = 0x0800
    XML_RPC_API = 0x1000
    INTERNAL = 0x2000
    ALLOCATE = 0x4000
    LOCKED = 0x8000


#: Object kinds as oned names them in messages (``Request::object_name``).
OBJECT_NAMES = {
    "VM": "virtual machine",
    "HOST": "host",
    "NET": "virtual network",
    "IMAGE": "image",
    "USER": "user",
    "TEMPLATE": "virtual machine template",
    "GROUP": "group",
    "DATASTORE": "datastore",
    "CLUSTER": "cluster",
}


class OneError(Exception):
    """A failed call: raised inside handlers, turned into oned's failure array.

    ``message`` is the text after the ``[method]`` prefix; ``resp_id`` is the id of
    the object that caused the error (-1 when none), sent as the fourth element.
    """

    def __init__(self, code: Code, message: str, resp_id: int = -1) -> None:
        super().__init__(message)
        self.code = Code(code)
        self.message = message
        self.resp_id = resp_id


def no_exists(kind: str, oid: int) -> OneError:
    """``Error getting <object> [<id>].``"""
    return OneError(Code.NO_EXISTS, f"Error getting {OBJECT_NAMES[kind]} [{oid}].", oid)


def not_authorized(uid: int, op: str, kind: str, oid: int) -> OneError:
    """oned's AuthRequest message for a refused operation on one object."""
    suffix = f" [{oid}]" if oid >= 0 else ""
    return OneError(
        Code.AUTHORIZATION, f"User [{uid}] : Not authorized to perform {op} {kind}{suffix}.", oid
    )


def allocate_error(kind: str, detail: str = "") -> OneError:
    """``Error allocating a new <object>. <detail>``"""
    msg = f"Error allocating a new {OBJECT_NAMES[kind]}."
    return OneError(Code.ALLOCATE, f"{msg} {detail}" if detail else msg)


def action_error(message: str, resp_id: int = -1) -> OneError:
    """A request refused because of the object's state (or an unsupported action)."""
    return OneError(Code.ACTION, message, resp_id)


def api_error(message: str) -> OneError:
    """Bad parameters (oned's XML_RPC_API)."""
    return OneError(Code.XML_RPC_API, message)


def internal_error(message: str) -> OneError:
    """oned's INTERNAL, also used for template parse errors."""
    return OneError(Code.INTERNAL, message)


def failure(method: str, error: OneError) -> list:
    """The XML-RPC value oned returns for a failed call.

    oned sends ``[false, message, code, resp_id, replication_index]``; the last is an
    ``i8`` used only by HA followers, which stdlib ``xmlrpc`` cannot emit, so it is left
    out. Clients (pyone, Ruby OCA) read only the first three elements.
    """
    text = error.message
    if not text.startswith("["):
        text = f"[{method}] {text}"
    return [False, text, int(error.code), error.resp_id]


def authentication_failure(method: str) -> list:
    """The answer to a session that does not authenticate."""
    return failure(
        method, OneError(Code.AUTHENTICATION, "User couldn't be authenticated, aborting call.")
    )
