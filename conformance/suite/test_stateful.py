"""A hypothesis state machine that creates, updates, acts on, links, tags, untags and deletes
the run's own entities in random orders and compares the endpoint with a model after every
step (destructive; bounded: few steps, few examples).

Only entities the machine made are looked at; its teardown deletes them all (links first),
and the session's clean-up catches anything left after a failure.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlsplit

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    consumes,
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
from occi_protocol.rendering import TEXT_OCCI, TEXT_PLAIN
from occi_protocol.states import TRANSITIONS
from occi_protocol.testing.strategies import text_values

requirement = pytest.mark.requirement
TAG_SCHEME = "http://occi-conformance.example.org/tags#"


@dataclass
class Tracked:
    kind: str
    title: str
    state: str | None = None
    tags: set[str] = field(default_factory=set)
    links: set[str] = field(default_factory=set)


def user_tag(occi: OCCISession) -> Mixin | None:
    """Define one user mixin for the run (POST /-/), or None if the endpoint refuses."""
    term = "tag-" + occi.run_id.rpartition("-")[2]
    base = urlsplit(occi.client.endpoint).path.rstrip("/")
    location = f"{base}/occi-conformance-{term}/"
    line = f'{term};scheme="{TAG_SCHEME}";class="mixin";location="{location}"'
    exchange = occi.client.request(
        "POST", "/-/", headers=[("Category", line)], content_type=TEXT_OCCI, accept=TEXT_PLAIN
    )
    if exchange.status not in (200, 201, 204):
        occi.note("HTTP-QI-05", f"defining a user mixin answered {exchange.status}")
        return None
    listed = occi.parse(occi.client.get("/-/", accept=TEXT_PLAIN), "categories")
    for category in listed:  # type: ignore[attr-defined]
        if category.id == TAG_SCHEME + term and isinstance(category, Mixin):
            return category
    raise AssertionError(f"the user mixin {TAG_SCHEME + term} is not in the query interface")


class EntityMachine(RuleBasedStateMachine):
    occi: OCCISession
    tag: Mixin | None = None

    resources = Bundle("resources")
    links = Bundle("links")

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

    # -- rules ---------------------------------------------------------------------------

    @rule(target=resources, data=st.data())
    def create(self, data: st.DataObject) -> str:
        kind_id = data.draw(st.sampled_from(self.kinds), label="kind")
        url = inf.create(self.occi, kind_id)
        entity = self.occi.read(url)
        title = str(entity.attributes.get("occi.core.title"))
        state = None
        if kind_id in TRANSITIONS:
            stable = sorted({s for row in TRANSITIONS[kind_id].values() for s in [*row, *row.values()]})
            state = inf.settle(self.occi, url, kind_id, stable)
        self.model[url] = Tracked(kind_id, title, state)
        return url

    @rule(url=resources, suffix=text_values())
    def update_title(self, url: str, suffix: str) -> None:
        if url not in self.model:
            return
        title = f"{self.occi.run_id} {suffix}"
        exchange = inf.partial_update(self.occi, url, self.model[url].kind, {"occi.core.title": title})
        assert exchange.status in (200, 201, 204), (
            f"a partial update of occi.core.title answered {exchange.status}"
        )
        self.model[url].title = title

    @rule(url=resources, data=st.data())
    def act(self, url: str, data: st.DataObject) -> None:
        tracked = self.model.get(url)
        if tracked is None or tracked.kind not in TRANSITIONS or tracked.state is None:
            return
        allowed = [a for a, row in TRANSITIONS[tracked.kind].items() if tracked.state in row]
        allowed = [a for a in allowed if not a.endswith("#save")]  # save makes templates
        if not allowed:
            return
        action = data.draw(st.sampled_from(sorted(allowed)), label="action")
        wanted = TRANSITIONS[tracked.kind][action][tracked.state]
        inf.drive(self.occi, url, tracked.kind, action, wanted)
        tracked.state = wanted

    @rule(target=links, source=resources, target_=resources)
    def link(self, source: str, target_: str) -> str:
        ends = (self.model.get(source), self.model.get(target_))
        if ends[0] is None or ends[1] is None or ends[0].kind != COMPUTE:
            return ""
        link_kind = self.link_kind.get(ends[1].kind)
        if link_kind is None:
            return ""
        extra = {"occi.storagelink.deviceid": "/dev/vdc"} if link_kind == STORAGELINK else {}
        url = inf.create_link(self.occi, link_kind, source, target_, extra, target_kind=ends[1].kind)
        self.link_ends[url] = (source, target_)
        ends[0].links.add(url)
        return url

    @precondition(lambda self: self.tag is not None)
    @rule(url=resources)
    def tag_entity(self, url: str) -> None:
        if url not in self.model or self.tag is None:
            return
        exchange = self._tag_request("POST", url)
        assert exchange.status in (200, 204), f"tagging through the mixin collection answered {exchange.status}"
        if exchange.status == 204:
            self.occi.note("AMB-HTTP-07", "mixin association answered 204")
        self.model[url].tags.add(self.tag.id)

    @precondition(lambda self: self.tag is not None)
    @rule(url=resources)
    def untag_entity(self, url: str) -> None:
        tracked = self.model.get(url)
        if tracked is None or self.tag is None or self.tag.id not in tracked.tags:
            return
        exchange = self._tag_request("DELETE", url)
        assert exchange.status in (200, 204), f"untagging answered {exchange.status}"
        tracked.tags.discard(self.tag.id)

    @rule(url=consumes(links))
    def delete_link(self, url: str) -> None:
        if url not in self.link_ends:
            return
        self._delete_link(url)

    @rule(url=consumes(resources))
    def delete(self, url: str) -> None:
        if url not in self.model:
            return
        for link_url, (source, target) in list(self.link_ends.items()):
            if url in (source, target):
                self._delete_link(link_url)
        exchange = self.occi.delete(url)
        assert exchange.status in inf.DELETED, f"DELETE {url} answered {exchange.status}"
        del self.model[url]
        assert inf.wait_gone(self.occi, url) in inf.GONE, f"{url} still exists after DELETE"

    # -- helpers -------------------------------------------------------------------------

    def _tag_request(self, method: str, url: str) -> Exchange:
        assert self.tag is not None and self.tag.location
        return self.occi.client.request(
            method,
            self.tag.location,
            headers=[("X-OCCI-Location", url)],
            content_type=TEXT_OCCI,
            accept=TEXT_PLAIN,
        )

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
    tag = user_tag(occi)
    EntityMachine.occi = occi
    EntityMachine.tag = tag
    try:
        run_state_machine_as_test(
            EntityMachine,
            settings=settings(
                max_examples=4,
                stateful_step_count=8,
                deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
            ),
        )
    finally:
        if tag is not None:
            removed = inf.delete_category(occi, tag.id)
            assert removed.status in (200, 204), f"removing the run's user mixin answered {removed.status}"

