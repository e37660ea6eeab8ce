"""End to end: the reference server driven through a full scenario in every rendering.

Create compute, storage and network; link them; start and stop; tag with a user mixin;
filter; partial update; delete; 404 after. Requests are rendered with occi_protocol and sent
over real HTTP to a real server process.
"""

from __future__ import annotations

import uuid

import pytest
import urllib3

from occi_protocol.definitions import infrastructure as infra
from occi_protocol.model import ActionInvocation, Link, Mixin, Resource
from occi_protocol.rendering import OCCI_JSON, TEXT_OCCI, TEXT_PLAIN, rendering_for

RENDERINGS = [TEXT_PLAIN, TEXT_OCCI, OCCI_JSON]


class Client:
    def __init__(self, base: str, media_type: str) -> None:
        self.base = base
        self.media_type = media_type
        self.rendering = rendering_for(media_type)
        self.http = urllib3.PoolManager(retries=False, timeout=10.0)

    def send(self, method: str, path: str, rendered=None, headers=(), query: str = ""):
        wire = urllib3.HTTPHeaderDict()
        if not any(name == "Accept" for name, _ in headers):
            wire.add("Accept", self.media_type)
        body = b""
        if rendered is not None:
            wire.add("Content-Type", self.media_type)
            for name, value in rendered.headers:
                wire.add(name, value)
            body = rendered.body
        for name, value in headers:
            wire.add(name, value)
        url = self.base + path + query
        return self.http.request(method, url, body=body or None, headers=wire)

    def pairs(self, response) -> list[tuple[str, str]]:
        return list(response.headers.items())

    def entity(self, path: str):
        response = self.send("GET", path)
        assert response.status == 200, response.data
        return self.rendering.parse_entity(self.pairs(response), response.data)

    def listing(self, path: str, headers=()) -> list[str]:
        # JSON collections carry full entities but no locations: list as text/uri-list.
        media_type = "text/uri-list" if self.media_type == OCCI_JSON else self.media_type
        response = self.send("GET", path, headers=[*headers, ("Accept", media_type)])
        assert response.status == 200, response.data
        return rendering_for(media_type).parse_locations(self.pairs(response), response.data)

    def create(self, entity) -> str:
        response = self.send("POST", path_of(entity.kind), self.rendering.render_entity(entity))
        assert response.status == 201, response.data
        return response.headers["Location"].removeprefix(self.base)


def path_of(kind: str) -> str:
    found = infra.INFRASTRUCTURE_MODEL.kind(kind)
    assert found is not None and found.location
    return found.location


@pytest.mark.parametrize("media_type", RENDERINGS, ids=["text-plain", "text-occi", "json"])
def test_full_scenario(reference_server, media_type: str) -> None:
    c = Client(reference_server.url, media_type)
    tag = uuid.uuid4().hex[:8]

    compute = c.create(
        Resource(
            kind=infra.COMPUTE,
            attributes={"occi.core.title": f'vm {tag}, "quoted"; ok', "occi.compute.cores": 2},
        )
    )
    storage = c.create(Resource(kind=infra.STORAGE, attributes={"occi.storage.size": 10.0}))
    network = c.create(
        Resource(
            kind=infra.NETWORK,
            mixins=(infra.IPNETWORK,),
            attributes={"occi.network.address": "10.1.0.0/24", "occi.core.title": f"net {tag}"},
        )
    )
    nic = c.create(
        Link(
            kind=infra.NETWORKINTERFACE,
            attributes={"occi.core.source": compute, "occi.core.target": network},
        )
    )
    disk = c.create(
        Link(
            kind=infra.STORAGELINK,
            attributes={
                "occi.core.source": compute,
                "occi.core.target": storage,
                "occi.storagelink.deviceid": "/dev/vdb",
            },
        )
    )

    vm = c.entity(compute)
    assert vm.attributes["occi.compute.cores"] == 2
    assert vm.attributes["occi.core.title"] == f'vm {tag}, "quoted"; ok'
    assert vm.attributes["occi.compute.state"] == "inactive"
    # JSON has no member for a location (J12 forbids extra members): links are known by id.
    linked = {link.id for link in vm.links}
    assert {c.entity(nic).id, c.entity(disk).id} <= linked, "links are rendered inside their source"

    # start, then stop, following the compute state machine
    start = ActionInvocation(action=infra.START.id)
    response = c.send(
        "POST", compute, c.rendering.render_action_invocation(start), query="?action=start"
    )
    assert response.status == 200, response.data
    assert c.entity(compute).attributes["occi.compute.state"] == "active"
    response = c.send(
        "POST", compute, c.rendering.render_action_invocation(start), query="?action=start"
    )
    assert response.status == 409, "start on an active compute is not allowed"
    stop = ActionInvocation(action=infra.STOP.id, attributes={"method": "graceful"})
    response = c.send(
        "POST", compute, c.rendering.render_action_invocation(stop), query="?action=stop"
    )
    assert response.status == 200, response.data
    assert c.entity(compute).attributes["occi.compute.state"] == "inactive"

    # a user mixin, defined in the query interface, tagging the compute
    mixin = Mixin(
        scheme=f"http://example.org/tags/{tag}#", term="important", location=f"/tags/{tag}/"
    )
    response = c.send("POST", "/-/", c.rendering.render_categories([mixin]))
    assert response.status == 200, response.data
    response = c.send(
        "POST",
        mixin.location,
        c.rendering.render_locations([compute]),
    )
    assert response.status == 200, response.data
    assert mixin.id in c.entity(compute).mixins
    assert c.listing(mixin.location) == [reference_server.url + compute] or c.listing(
        mixin.location
    ) == [compute]

    # filtering a collection by attribute (text/occi header filter)
    if media_type != OCCI_JSON:
        found = c.listing(
            "/network/", headers=[("X-OCCI-Attribute", f'occi.core.title="net {tag}"')]
        )
        assert [loc.removeprefix(reference_server.url) for loc in found] == [network]

    # partial update keeps what it does not name
    update = Resource(kind=infra.COMPUTE, attributes={"occi.compute.memory": 4.0})
    response = c.send("POST", compute, c.rendering.render_entity(update))
    assert response.status == 200, response.data
    vm = c.entity(compute)
    assert vm.attributes["occi.compute.memory"] == 4.0
    assert vm.attributes["occi.compute.cores"] == 2

    # untag, then delete the mixin definition
    response = c.send("DELETE", "/-/", c.rendering.render_categories([mixin]))
    assert response.status == 200, response.data
    assert mixin.id not in c.entity(compute).mixins

    # deleting the compute takes its links along; then everything is 404
    assert c.send("DELETE", compute).status in (200, 204)
    for gone in (compute, nic, disk):
        assert c.send("GET", gone).status == 404
    for path in (storage, network):
        assert c.send("DELETE", path).status in (200, 204)
        assert c.send("GET", path).status == 404
