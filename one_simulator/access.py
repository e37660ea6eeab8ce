"""Sessions, permission checks and pool filtering, as oned's RequestManager applies them."""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from typing import TypeVar

from .errors import Code, OneError, api_error, no_exists, not_authorized
from .state import Owned, Session, Store, can, hash_password

T = TypeVar("T", bound=Owned)

# Object kind names as oned's AuthRequest prints them.
AUTH_NAMES = {
    "VM": "VM",
    "IMAGE": "IMAGE",
    "NET": "NET",
    "TEMPLATE": "TEMPLATE",
    "DATASTORE": "DATASTORE",
    "USER": "USER",
}

DEFAULT_TOKEN_SECONDS = 36000


def authenticate(store: Store, session: object) -> Session | None:
    """``user:password`` (SHA-256 compared) or ``user:token`` from one.user.login."""
    if not isinstance(session, str) or ":" not in session:
        return None
    name, secret = session.split(":", 1)
    user = next((u for u in store.users.values() if u.name == name), None)
    if user is None or not user.enabled:
        return None
    groups = set(user.groups)
    gid = user.gid
    if hash_password(secret) != user.password_hash:
        now = store.clock.epoch()
        user.tokens = [t for t in user.tokens if t.expires > now]
        token = next((t for t in user.tokens if secrets.compare_digest(t.token, secret)), None)
        if token is None:
            return None
        if token.egid >= 0:
            # A token scoped to one group acts with that group only.
            gid, groups = token.egid, {token.egid}
    return Session(user.id, user.name, gid, store.group_name(gid), groups)


def get_obj(
    store: Store, table: dict[int, T], kind: str, oid: object, session: Session, op: str
) -> T:
    """Fetch one object and check ``op`` on it: NO_EXISTS, then AUTHORIZATION."""
    if not isinstance(oid, int) or isinstance(oid, bool):
        raise api_error("Object id must be an integer")
    obj = table.get(oid)
    if obj is None:
        raise no_exists(kind, oid)
    if not can(session, obj, op):
        raise not_authorized(session.uid, op, AUTH_NAMES[kind], oid)
    return obj


def filter_pool(session: Session, objs: Iterable[T], flag: int) -> list[T]:
    """oned's pool filter: -4 primary group, -3 mine, -2 all, -1 mine + my groups, ≥0 a UID.

    Every flag is further limited to what the caller may USE (oned's ACL filter).
    """
    objs = list(objs)
    if flag == -3:
        return [o for o in objs if o.uid == session.uid]
    visible = [o for o in objs if can(session, o, "USE")]
    if flag == -2:
        return visible
    if flag == -1:
        return [o for o in visible if o.uid == session.uid or o.gid in session.group_ids]
    if flag == -4:
        return [o for o in visible if o.gid == session.gid]
    if flag >= 0:
        return [o for o in visible if o.uid == flag]
    raise OneError(Code.XML_RPC_API, "Incorrect filter_flag.")


def paginate(objs: list[T], start: int, end: int) -> list[T]:
    """oned's range: ``end >= -1`` is an id range [start, end]; ``end < -1`` is
    offset ``start`` with page size ``-end``. Results are in API_LIST_ORDER DESC."""
    ordered = sorted(objs, key=lambda o: o.id, reverse=True)
    if end < -1:
        offset = max(start, 0)
        return ordered[offset : offset + (-end)]
    return [o for o in ordered if (start < 0 or o.id >= start) and (end < 0 or o.id <= end)]


def new_token() -> str:
    return secrets.token_hex(20)
