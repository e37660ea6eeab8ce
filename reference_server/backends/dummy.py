"""The dummy backend: entities in SQLite (a file, or memory), state machines simulated.

Actions take effect at once, following the transition tables of
:mod:`occi_protocol.states`. Each user sees only what they created. Every method runs one
short transaction under a lock, so concurrent requests never interleave inside one change
(50 parallel creates give 50 entities; concurrent updates of different attributes both stay).
"""

from __future__ import annotations

import json
import random
import re
import sqlite3
import threading
import uuid
from collections.abc import Collection, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

from occi_protocol import states
from occi_protocol.definitions import INFRASTRUCTURE_MODEL
from occi_protocol.definitions import infrastructure as infra
from occi_protocol.definitions.infrastructure11 import INFRASTRUCTURE_MODEL_11
from occi_protocol.model import Entity, Link, Mixin, Model, Resource
from reference_server.backends.base import Conflict, Forbidden, Invalid, NotFound, User
from reference_server.backends.seed import load_templates

_SCHEMA = """
CREATE TABLE IF NOT EXISTS entities (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    location TEXT NOT NULL UNIQUE,
    owner TEXT NOT NULL,
    kind TEXT NOT NULL,
    mixins TEXT NOT NULL,
    attributes TEXT NOT NULL,
    source TEXT,
    target TEXT
);
CREATE INDEX IF NOT EXISTS entities_owner_kind ON entities (owner, kind);
CREATE INDEX IF NOT EXISTS entities_source ON entities (source);
CREATE INDEX IF NOT EXISTS entities_target ON entities (target);
CREATE TABLE IF NOT EXISTS user_mixins (
    owner TEXT NOT NULL,
    id TEXT NOT NULL,
    location TEXT NOT NULL,
    document TEXT NOT NULL,
    PRIMARY KEY (owner, id)
);
"""

_SEGMENT = re.compile(r"[A-Za-z0-9._~:@!$&'()*+,;=-]{1,200}")

_LINK_STATE_FOLLOWS = {
    infra.NETWORKINTERFACE: "occi.networkinterface.state",
    infra.STORAGELINK: "occi.storagelink.state",
}


class DummyBackend:
    """See the module docstring. ``database`` is a file path or ``":memory:"``."""

    name = "dummy"
    #: Attributes this backend fills in itself, so clients may omit them on create.
    server_managed = frozenset(
        {
            "occi.core.id",
            "occi.networkinterface.interface",
            "occi.networkinterface.mac",
            "occi.networkinterface.address",
        }
    )

    def __init__(
        self, database: str = ":memory:", seed: Path | None = None, occi_version: str = "1.2"
    ) -> None:
        #: "1.1" plays a legacy endpoint: the I11 categories, and terms in the 1.1 grammar.
        self.occi_version = occi_version
        self._lock = threading.Lock()
        self._db = sqlite3.connect(database, check_same_thread=False, isolation_level=None)
        self._db.execute(
            "PRAGMA journal_mode=WAL" if database != ":memory:" else "PRAGMA foreign_keys=ON"
        )
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(_SCHEMA)
        self._templates = load_templates(seed)
        if occi_version == "1.1":
            self._templates = [_term_11(t) for t in self._templates]
            self._base = INFRASTRUCTURE_MODEL_11.extended(self._templates)
        else:
            self._base = INFRASTRUCTURE_MODEL.extended(self._templates)
        self._models: dict[str, Model] = {}

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    # -- model -------------------------------------------------------------------------

    async def model(self, user: User) -> Model:
        cached = self._models.get(user.name)
        if cached is None:
            with self._lock:
                rows = self._db.execute(
                    "SELECT document FROM user_mixins WHERE owner = ? ORDER BY rowid", (user.name,)
                ).fetchall()
            cached = self._base.extended(_mixin_from_json(row[0]) for row in rows)
            self._models[user.name] = cached
        return cached

    async def create_user_mixin(self, user: User, mixin: Mixin) -> None:
        model = await self.model(user)
        if mixin.id in model:
            raise Conflict(f"category {mixin.id} already exists")
        taken = {c.location for c in model.kinds + model.mixins if c.location}
        if mixin.location in taken:
            raise Conflict(f"location {mixin.location} is already bound to another category")
        with self._transaction() as db:
            db.execute(
                "INSERT INTO user_mixins (owner, id, location, document) VALUES (?, ?, ?, ?)",
                (user.name, mixin.id, mixin.location, _mixin_to_json(mixin)),
            )
        self._models.pop(user.name, None)

    async def delete_user_mixin(self, user: User, mixin_id: str) -> None:
        model = await self.model(user)
        if mixin_id not in model:
            raise NotFound(f"no category {mixin_id}")
        with self._transaction() as db:
            deleted = db.execute(
                "DELETE FROM user_mixins WHERE owner = ? AND id = ?", (user.name, mixin_id)
            ).rowcount
            if not deleted:
                raise Forbidden(f"{mixin_id} is defined by the provider and cannot be deleted")
            for location, mixins in db.execute(
                "SELECT location, mixins FROM entities WHERE owner = ?", (user.name,)
            ).fetchall():
                present = json.loads(mixins)
                if mixin_id in present:
                    present.remove(mixin_id)
                    db.execute(
                        "UPDATE entities SET mixins = ? WHERE location = ?",
                        (json.dumps(present), location),
                    )
        self._models.pop(user.name, None)

    # -- reading -----------------------------------------------------------------------

    async def list_entities(
        self, user: User, kinds: Collection[str] | None = None, mixin: str | None = None
    ) -> list[Entity]:
        with self._lock:
            rows = self._db.execute(
                "SELECT location, kind, mixins, attributes FROM entities WHERE owner = ? "
                "ORDER BY seq",
                (user.name,),
            ).fetchall()
        wanted = set(kinds) if kinds is not None else None
        entities = []
        for location, kind, mixins_json, attributes in rows:
            if wanted is not None and kind not in wanted:
                continue
            mixins = json.loads(mixins_json)
            if mixin is not None and mixin not in mixins:
                continue
            entities.append(_entity(location, kind, mixins, json.loads(attributes)))
        return entities

    async def get_entity(self, user: User, location: str) -> Entity:
        with self._lock:
            return self._get(user, location)

    def _row(self, user: User, location: str) -> tuple[str, list[str], dict[str, object]]:
        row = self._db.execute(
            "SELECT kind, mixins, attributes FROM entities WHERE location = ? AND owner = ?",
            (location, user.name),
        ).fetchone()
        if row is None:
            raise NotFound(f"no entity at {location}")
        return row[0], json.loads(row[1]), json.loads(row[2])

    def _get(self, user: User, location: str) -> Entity:
        kind, mixins, attributes = self._row(user, location)
        if self._base.is_link_kind(kind):
            return self._with_link_state(user, _entity(location, kind, mixins, attributes))
        links = [
            self._with_link_state(user, _entity(loc, k, json.loads(m), json.loads(a)))
            for loc, k, m, a in self._db.execute(
                "SELECT location, kind, mixins, attributes FROM entities "
                "WHERE source = ? AND owner = ? ORDER BY seq",
                (location, user.name),
            ).fetchall()
        ]
        return Resource(
            kind=kind,
            mixins=tuple(mixins),
            attributes=attributes,
            location=location,
            links=tuple(links),  # type: ignore[arg-type]
        )

    def _with_link_state(self, user: User, link: Entity) -> Entity:
        # Infrastructure links are up while their source resource is active.
        name = _LINK_STATE_FOLLOWS.get(link.kind)
        if name is None or not isinstance(link, Link) or link.source is None:
            return link
        row = self._db.execute(
            "SELECT attributes FROM entities WHERE location = ? AND owner = ?",
            (link.source, user.name),
        ).fetchone()
        source_state = json.loads(row[0]).get("occi.compute.state") if row else None
        state = "active" if source_state == "active" else "inactive"
        return link.with_attributes(**{name.replace(".", "_"): state})

    # -- writing -----------------------------------------------------------------------

    async def create_entity(self, user: User, entity: Entity) -> Entity:
        model = await self.model(user)
        kind = model.kind(entity.kind)
        if kind is None or kind.location is None:
            raise Invalid(f"kind {entity.kind} cannot be instantiated")
        # C12 §5.5.1: the id should be a URN; the location's last segment is its UUID, or
        # the client's proposed id where it gave one.
        proposed = entity.attributes.get("occi.core.id")
        raw = str(uuid.uuid4())
        identifier = str(proposed) if proposed else f"urn:uuid:{raw}"
        # A proposed id names the location only where it is a plain path segment.
        segment = str(proposed) if proposed and _SEGMENT.fullmatch(str(proposed)) else raw
        location = entity.location or f"{kind.location}{segment}"
        attributes = dict(entity.attributes)
        attributes["occi.core.id"] = identifier
        state_name = states.STATE_ATTRIBUTE.get(entity.kind)
        if state_name is not None:
            attributes[state_name] = states.INITIAL_STATE[entity.kind]
        is_link = model.is_link_kind(entity.kind)
        with self._transaction() as db:
            if db.execute("SELECT 1 FROM entities WHERE location = ?", (location,)).fetchone():
                raise Conflict(f"an entity already exists at {location}")
            if (
                proposed
                and db.execute(
                    "SELECT 1 FROM entities "
                    "WHERE json_extract(attributes, '$.\"occi.core.id\"') = ?",
                    (identifier,),
                ).fetchone()
            ):
                raise Conflict(f"the id {identifier} is taken (C12 §5.5: ids are unique)")
            source = target = None
            if is_link:
                source, target = self._check_link(db, user, model, entity.kind, attributes)
                self._fill_link(db, entity.kind, entity.mixins, source, attributes)
            db.execute(
                "INSERT INTO entities (location, owner, kind, mixins, attributes, source, target)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    location,
                    user.name,
                    entity.kind,
                    json.dumps(list(entity.mixins)),
                    json.dumps(attributes),
                    source,
                    target,
                ),
            )
        return await self.get_entity(user, location)

    def _check_link(
        self,
        db: sqlite3.Connection,
        user: User,
        model: Model,
        kind: str,
        attributes: dict[str, object],
    ) -> tuple[str, str]:
        source, target = attributes.get("occi.core.source"), attributes.get("occi.core.target")
        if not isinstance(source, str) or not isinstance(target, str):
            raise Invalid("a link needs occi.core.source and occi.core.target")
        source_row = db.execute(
            "SELECT kind FROM entities WHERE location = ? AND owner = ?", (source, user.name)
        ).fetchone()
        if source_row is None or model.is_link_kind(source_row[0]):
            raise Invalid(f"link source {source} is not one of your resources")
        target_row = None
        if target.startswith("/"):
            target_row = db.execute(
                "SELECT kind FROM entities WHERE location = ? AND owner = ?", (target, user.name)
            ).fetchone()
            if target_row is None:
                raise Invalid(f"link target {target} is not one of your resources")
            attributes["occi.core.target.kind"] = target_row[0]
        expected = {infra.NETWORKINTERFACE: infra.NETWORK, infra.STORAGELINK: infra.STORAGE}
        if kind in expected:
            if source_row[0] != infra.COMPUTE:
                raise Invalid(f"the source of a {kind} must be a compute")
            if target_row is None or target_row[0] != expected[kind]:
                raise Invalid(f"the target of a {kind} must be a {expected[kind]}")
        return source, target

    def _fill_link(
        self,
        db: sqlite3.Connection,
        kind: str,
        mixins: Sequence[str],
        source: str,
        attributes: dict[str, object],
    ) -> None:
        if kind != infra.NETWORKINTERFACE:
            return
        if "occi.networkinterface.interface" not in attributes:
            count = db.execute(
                "SELECT COUNT(*) FROM entities WHERE source = ? AND kind = ?", (source, kind)
            ).fetchone()[0]
            attributes["occi.networkinterface.interface"] = f"eth{count}"
        if "occi.networkinterface.mac" not in attributes:
            octets = [random.randrange(256) for _ in range(3)]
            attributes["occi.networkinterface.mac"] = "02:00:00:" + ":".join(
                f"{o:02x}" for o in octets
            )
        if infra.IPNETWORKINTERFACE in mixins and "occi.networkinterface.address" not in attributes:
            attributes["occi.networkinterface.address"] = (
                f"10.{random.randrange(256)}.{random.randrange(256)}.{random.randrange(1, 255)}"
            )

    async def update_entity(
        self,
        user: User,
        location: str,
        attributes: Mapping[str, object],
        add_mixins: Sequence[str] = (),
        remove_mixins: Sequence[str] = (),
    ) -> Entity:
        with self._transaction() as db:
            _, mixins, current = self._row(user, location)
            current.update(attributes)
            mixins = [m for m in mixins if m not in remove_mixins]
            mixins.extend(m for m in add_mixins if m not in mixins)
            db.execute(
                "UPDATE entities SET attributes = ?, mixins = ? WHERE location = ?",
                (json.dumps(current), json.dumps(mixins), location),
            )
        return await self.get_entity(user, location)

    async def replace_entity(self, user: User, location: str, entity: Entity) -> Entity:
        with self._transaction() as db:
            self._row(user, location)
            db.execute(
                "UPDATE entities SET attributes = ?, mixins = ? WHERE location = ?",
                (json.dumps(dict(entity.attributes)), json.dumps(list(entity.mixins)), location),
            )
        return await self.get_entity(user, location)

    async def delete_entity(self, user: User, location: str) -> None:
        with self._transaction() as db:
            self._row(user, location)
            # A resource takes its links with it, whichever end it is (C12 §5.5.2).
            db.execute(
                "DELETE FROM entities "
                "WHERE owner = ? AND (location = ? OR source = ? OR target = ?)",
                (user.name, location, location, location),
            )

    async def trigger_action(
        self, user: User, location: str, action: str, parameters: Mapping[str, object]
    ) -> Entity | Mixin:
        with self._transaction() as db:
            kind, _, attributes = self._row(user, location)
            state_name = states.STATE_ATTRIBUTE.get(kind)
            current = attributes.get(state_name) if state_name else None
            target = states.next_state(kind, action, str(current))
            if state_name is None or target is None:
                raise Conflict(
                    f"action {action} is not allowed while {state_name or 'the state'} "
                    f"is {current!r}"
                )
            attributes[state_name] = target
            attributes.pop(state_name + ".message", None)
            db.execute(
                "UPDATE entities SET attributes = ? WHERE location = ?",
                (json.dumps(attributes), location),
            )
        if action == infra.SAVE.id:
            return await self._save(user, location, parameters)
        return await self.get_entity(user, location)

    async def _save(self, user: User, location: str, parameters: Mapping[str, object]) -> Mixin:
        # I12 §3.1: save makes an OS template referring to a copy of the compute.
        model = await self.model(user)
        name = str(parameters.get("name") or f"saved-{uuid.uuid4().hex[:8]}")
        term = "".join(c if c.isalnum() or c in "-_." else "-" for c in name)
        scheme = f"http://occi.example.org/occi/users/{user.name}/os_tpl#"
        template = Mixin(
            scheme=scheme,
            term=term,
            title=f"Saved from {location}",
            depends=(infra.OS_TPL,),
            applies=(infra.COMPUTE,),
            location=f"/mixin/os_tpl/{user.name}/{term}/",
        )
        if template.id in model:
            raise Conflict(f"an OS template named {name!r} already exists")
        await self.create_user_mixin(user, template)
        return template

    async def close(self) -> None:
        with self._lock:
            self._db.close()


def _entity(location: str, kind: str, mixins: list[str], attributes: dict[str, object]) -> Entity:
    if "occi.core.source" in attributes:
        return Link(kind=kind, mixins=tuple(mixins), attributes=attributes, location=location)
    return Resource(kind=kind, mixins=tuple(mixins), attributes=attributes, location=location)


def _mixin_to_json(mixin: Mixin) -> str:
    return json.dumps(
        {
            "scheme": mixin.scheme,
            "term": mixin.term,
            "title": mixin.title,
            "location": mixin.location,
            "depends": list(mixin.depends),
            "applies": list(mixin.applies),
        }
    )


def _mixin_from_json(document: str) -> Mixin:
    data = json.loads(document)
    return replace(
        Mixin(scheme=data["scheme"], term=data["term"]),
        title=data.get("title", ""),
        location=data.get("location"),
        depends=tuple(data.get("depends", ())),
        applies=tuple(data.get("applies", ())),
    )


def _term_11(mixin: Mixin) -> Mixin:
    """A seed template under the 1.1 term grammar (H11 §3.5.1: lower case, no dots)."""
    return replace(mixin, term=re.sub(r"[^a-z0-9_-]", "_", mixin.term.lower()))
