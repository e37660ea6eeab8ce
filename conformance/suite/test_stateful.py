"""A hypothesis state machine that creates, updates, acts on, links, tags, untags and deletes
the run's own entities in random orders and compares the endpoint with a model after every
step (destructive; bounded: few steps, few examples).

Only entities the machine made are looked at; its teardown deletes them all (links first),
and the session's clean-up catches anything left after a failure.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from conformance.client import Exchange
from conformance.outcomes import not_applicable
from conformance.session import OCCISession
from conformance.suite import _infra as inf
from conformance.suite._infra import COMPUTE, NETWORK, NETWORKINTERFACE, STORAGE, STORAGELINK
from occi_protocol.model import Mixin
from occi_protocol.rendering import TEXT_PLAIN
from occi_protocol.states import TRANSITIONS
from occi_protocol.testing.strategies import text_values

requirement = pytest.mark.requirement


@dataclass
class Tracked:
    kind: str
    title: str
    state: str | None = None
    tags: set[str] = field(default_factory=set)
    links: set[str] = field(default_factory=set)
    #: The action links of its last rendering (H12 §10.1: what may be invoked now); None
    #: when the endpoint renders none, and the spec's transition table is all there is.
    offered: frozenset[str] | None = None


class EntityMachine(RuleBasedStateMachine):
    occi: OCCISession
    tag: Mixin | None = None

    def __init__(self) -> None:
        super().__init__()
        self.model: dict[str, Tracked] = {}
        self.link_ends: dict[str, tuple[str, str]] = {}
        occi = self.occi
        self.kinds = [k for k in (COMPUTE, STORAGE, NETWORK) if occi.model.kind(k) is not None]
        self.link_kind = {
            STORAGE: STORAGELINK if occi.model.kind(STORAGELINK) is not None else None,
            NETWORK: NETWORKINTERFACE if occi.model.kind(NETWORKINTERFACE) is not None else None,
        }

    # -- rules (targets are drawn from the model, so every step does something) -----------

    @initialize()
    def seed(self) -> None:
        self._create(COMPUTE if COMPUTE in self.kinds else self.kinds[0])
        linkable = [k for k in (STORAGE, NETWORK) if k in self.kinds and self.link_kind[k]]
        self._create(linkable[0] if linkable else self.kinds[0])

    @precondition(lambda self: len(self.model) < 5)
    @rule(data=st.data())
    def create(self, data: st.DataObject) -> None:
        self._create(data.draw(st.sampled_from(self.kinds), label="kind"))

    def _create(self, kind_id: str) -> None:
        url = inf.create(self.occi, kind_id)
        entity = self.occi.read(url)
        title = str(entity.attributes.get("occi.core.title"))
        state = None
        if kind_id in TRANSITIONS:
            rows = TRANSITIONS[kind_id].values()
            stable = sorted({s for row in rows for s in [*row, *row.values()]})
            state = inf.settle(self.occi, url, kind_id, stable)
        self.model[url] = Tracked(kind_id, title, state, offered=_offered(self.occi.read(url)))

    @rule(data=st.data(), suffix=text_values())
    def update_title(self, data: st.DataObject, suffix: str) -> None:
        url = data.draw(st.sampled_from(sorted(self.model)), label="entity")
        title = f"{self.occi.run_id} {suffix}"
        kind_id = self.model[url].kind
        exchange = inf.partial_update(self.occi, url, kind_id, {"occi.core.title": title})
        assert exchange.status in (200, 201, 204), (
            f"a partial update of occi.core.title answered {exchange.status}"
        )
        self.model[url].title = title

    def _actionable(self) -> list[tuple[str, str]]:
        pairs = []
        for url, tracked in sorted(self.model.items()):
            if tracked.kind in TRANSITIONS and tracked.state is not None:
                for action, row in TRANSITIONS[tracked.kind].items():
                    if action.endswith("#save"):
                        continue  # save would make templates
                    if tracked.state in row and (
                        tracked.offered is None or action in tracked.offered
                    ):
                        pairs.append((url, action))
        return pairs

    @precondition(lambda self: self._actionable())
    @rule(data=st.data())
    def act(self, data: st.DataObject) -> None:
        url, action = data.draw(st.sampled_from(self._actionable()), label="action")
        tracked = self.model[url]
        wanted = TRANSITIONS[tracked.kind][action][tracked.state]  # type: ignore[index]
        inf.drive(self.occi, url, tracked.kind, action, wanted)
        tracked.state = wanted

    def _link_ends(self) -> list[tuple[str, str]]:
        sources = [u for u, t in sorted(self.model.items()) if t.kind == COMPUTE]
        # A storage is attached to one compute at a time on most clouds (persistent images,
        # volumes without multiattach), so a linked storage is not a target again.
        attached = {t for _, t in self.link_ends.values() if self.model[t].kind == STORAGE}
        targets = [
            u
            for u, t in sorted(self.model.items())
            if self.link_kind.get(t.kind) and u not in attached
        ]
        return [(s, t) for s in sources for t in targets]

    @precondition(lambda self: self._link_ends() and len(self.link_ends) < 4)
    @rule(data=st.data())
    def link(self, data: st.DataObject) -> None:
        source, target = data.draw(st.sampled_from(self._link_ends()), label="ends")
        target_kind = self.model[target].kind
        link_kind = self.link_kind[target_kind]
        assert link_kind is not None
        extra = {"occi.storagelink.deviceid": "/dev/vdc"} if link_kind == STORAGELINK else {}
        url = inf.create_link(self.occi, link_kind, source, target, extra, target_kind=target_kind)
        if self.model[source].state is not None:
            # An endpoint that links only running computes had it started (running_source).
            self.model[source].state = str(inf.state_of(self.occi.read(source), COMPUTE))
        self.link_ends[url] = (source, target)
        self.model[source].links.add(url)

    def _tagged(self, tagged: bool) -> list[str]:
        if self.tag is None:
            return []
        return [u for u, t in sorted(self.model.items()) if (self.tag.id in t.tags) == tagged]

    @precondition(lambda self: self._tagged(False))
    @rule(data=st.data())
    def tag_entity(self, data: st.DataObject) -> None:
        url = data.draw(st.sampled_from(self._tagged(False)), label="entity")
        exchange = self._tag_request("POST", url)
        assert exchange.status in (200, 204), (
            f"tagging through the mixin collection answered {exchange.status}"
        )
        if exchange.status == 204:
            self.occi.note("AMB-HTTP-07", "mixin association answered 204")
        self.model[url].tags.add(self.tag.id)  # type: ignore[union-attr]

    @precondition(lambda self: self._tagged(True))
    @rule(data=st.data())
    def untag_entity(self, data: st.DataObject) -> None:
        url = data.draw(st.sampled_from(self._tagged(True)), label="entity")
        exchange = self._tag_request("DELETE", url)
        assert exchange.status in (200, 204), f"untagging answered {exchange.status}"
        self.model[url].tags.discard(self.tag.id)  # type: ignore[union-attr]

    @precondition(lambda self: self.link_ends)
    @rule(data=st.data())
    def delete_link(self, data: st.DataObject) -> None:
        self._delete_link(data.draw(st.sampled_from(sorted(self.link_ends)), label="link"))

    @precondition(lambda self: len(self.model) > 2)
    @rule(data=st.data())
    def delete(self, data: st.DataObject) -> None:
        url = data.draw(st.sampled_from(sorted(self.model)), label="entity")
        for link_url, (source, target) in list(self.link_ends.items()):
            if url in (source, target):
                self._delete_link(link_url)
        exchange = self.occi.delete(url)
        assert exchange.status in inf.DELETED, f"DELETE {url} answered {exchange.status}"
        del self.model[url]
        assert inf.wait_gone(self.occi, url) in inf.GONE, f"{url} still exists after DELETE"

    # -- helpers -------------------------------------------------------------------------

    def _tag_request(self, method: str, url: str) -> Exchange:
        assert self.tag is not None
        return inf.tag_request(self.occi, method, self.tag, [url])

    def _delete_link(self, url: str) -> None:
        exchange = self.occi.delete(url)
        assert exchange.status in inf.DELETED, f"DELETE of link {url} answered {exchange.status}"
        source, _ = self.link_ends.pop(url)
        if source in self.model:
            self.model[source].links.discard(url)

    # -- the comparison ------------------------------------------------------------------

    @invariant()
    def endpoint_matches_model(self) -> None:
        for url, tracked in self.model.items():
            entity = self.occi.read(url)
            tracked.offered = _offered(entity)
            title = entity.attributes.get("occi.core.title")
            assert title == tracked.title, f"{url}: title {title!r}, expected {tracked.title!r}"
            if tracked.state is not None:
                state = entity.attributes.get(inf.STATE[tracked.kind])
                assert state == tracked.state, f"{url}: state {state!r}, expected {tracked.state!r}"
            if self.tag is not None:
                has = self.tag.id in entity.mixins
                assert has == (self.tag.id in tracked.tags), (
                    f"{url}: carries the user tag: {has}; expected {self.tag.id in tracked.tags}"
                )
            shown = {
                self.occi.client.url(link.location)
                for link in getattr(entity, "links", ())
                if link.location
            }
            assert tracked.links <= shown, (
                f"{url}: the rendering lists links {sorted(shown)}, missing "
                f"{sorted(tracked.links - shown)}"
            )
        for url in self.link_ends:
            assert self.occi.client.get(url, accept=TEXT_PLAIN).status == 200, f"link {url} is gone"
        if self.tag is not None and self.tag.location:
            listed = set(self.occi.list(self.tag.location))
            tagged = {u for u, t in self.model.items() if self.tag.id in t.tags}
            assert listed & set(self.model) == tagged, (
                f"the tag collection lists {sorted(listed & set(self.model))}; "
                f"the run tagged {sorted(tagged)}"
            )

    def teardown(self) -> None:
        for url in list(self.link_ends):
            self.occi.delete(url)
        for url in list(self.model):
            self.occi.delete(url)


def _offered(entity: object) -> frozenset[str] | None:
    actions = getattr(entity, "actions", ())
    return frozenset(actions) if actions else None


@pytest.mark.destructive
@requirement(
    "CORE-MUT-01",
    "HTTP-ENT-09",
    "HTTP-ENT-12",
    "INFRA-COMPUTE-06",
    "HTTP-LINK-04",
    "HTTP-LINK-03",
    "HTTP-COL-07",
    "HTTP-COL-11",
    "HTTP-FLT-04",
    "HTTP-ENT-17",
)
def test_entity_lifecycle_state_machine(occi: OCCISession) -> None:
    if not any(occi.model.kind(k) for k in (COMPUTE, STORAGE, NETWORK)):
        not_applicable("the endpoint offers no infrastructure resource kind")
    tag = inf.define_user_mixin(occi, "tag")
    EntityMachine.occi = occi
    EntityMachine.tag = tag
    try:
        run_state_machine_as_test(
            EntityMachine,
            settings=settings(
                max_examples=3,
                stateful_step_count=10,
                deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
            ),
        )
    finally:
        if tag is not None:
            removed = inf.delete_category(occi, tag.id)
            assert removed.status in (200, 204), (
                f"removing the run's user mixin answered {removed.status}"
            )
