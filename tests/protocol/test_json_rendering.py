"""application/occi+json (J12): examples, interpretations and every error path."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
import yaml

from occi_protocol.definitions import INFRASTRUCTURE_MODEL, crtp_templates
from occi_protocol.errors import LocalProtocolError, ParseError
from occi_protocol.model import (
    Action,
    ActionInvocation,
    Attribute,
    Entity,
    Kind,
    Link,
    Mixin,
    Resource,
)
from occi_protocol.rendering import JSON, OCCI_JSON, Filter, rendering_for
from occi_protocol.rendering.json_rendering import JSON_RENDERING, MAX_DEPTH

J = JSON_RENDERING
INFRA = "http://schemas.ogf.org/occi/infrastructure#"
COMPUTE = INFRA + "compute"
NETWORK = INFRA + "network"
NIC = INFRA + "networkinterface"
START = "http://schemas.ogf.org/occi/infrastructure/compute/action#start"
STOP = "http://schemas.ogf.org/occi/infrastructure/compute/action#stop"
INVALID_DIR = Path(__file__).resolve().parents[2] / "fixtures" / "renderings" / "invalid" / "json"


def dumps(document: object) -> bytes:
    return json.dumps(document).encode()


# --- the interface ------------------------------------------------------------------------


def test_media_types_resolve_to_this_rendering() -> None:
    assert rendering_for(OCCI_JSON) is J
    assert rendering_for(JSON + "; charset=utf-8") is J
    assert J.media_type == "application/occi+json"


# --- J12 examples -------------------------------------------------------------------------

COMPUTE_EXAMPLE = {
    "kind": COMPUTE,
    "mixins": ["http://schemas.opennebula.org/occi/infrastructure#ubuntu_tpl"],
    "attributes": {
        "occi.compute.speed": 2,
        "occi.compute.memory": 4.0,
        "occi.compute.cores": 2,
        "org.example.tags": ["a", "b"],
        "org.example.meta": {"k": {"nested": [1, None]}},
    },
    "actions": [START],
    "id": "urn:uuid:996ad860-2a9a-504f-8861-aeafd0b2ae29",
    "links": [
        {
            "kind": NIC,
            "mixins": [
                "http://schemas.ogf.org/occi/infrastructure/networkinterface#ipnetworkinterface"
            ],
            "attributes": {"occi.networkinterface.address": "192.168.0.100"},
            "id": "urn:uuid:22fe83ae-a20f-54fc-b436-cec85c94c5e8",
            "source": {"location": "/compute/996ad860", "kind": COMPUTE},
            "target": {"location": "/network/1", "kind": NETWORK},
            "title": "eth0",
        }
    ],
    "summary": "A compute",
    "title": "Compute resource",
}


def test_resource_example_parses_to_the_model() -> None:
    resource = J.parse_entity([], dumps(COMPUTE_EXAMPLE))
    assert isinstance(resource, Resource)
    assert resource.kind == COMPUTE
    assert resource.mixins == ("http://schemas.opennebula.org/occi/infrastructure#ubuntu_tpl",)
    assert resource.actions == (START,)
    assert resource.location is None
    assert resource.attributes["occi.core.id"] == "urn:uuid:996ad860-2a9a-504f-8861-aeafd0b2ae29"
    assert resource.attributes["occi.core.title"] == "Compute resource"
    assert resource.attributes["occi.core.summary"] == "A compute"
    assert resource.attributes["occi.compute.cores"] == 2
    assert isinstance(resource.attributes["occi.compute.memory"], float)
    assert resource.attributes["org.example.meta"] == {"k": {"nested": [1, None]}}
    (link,) = resource.links
    assert isinstance(link, Link)
    assert link.source == "/compute/996ad860"
    assert link.target == "/network/1"
    assert link.attributes["occi.core.target.kind"] == NETWORK
    assert link.attributes["occi.core.source.kind"] == COMPUTE
    assert link.title == "eth0"


def test_resource_renders_back_to_the_example_member_for_member() -> None:
    resource = J.parse_entity([], dumps(COMPUTE_EXAMPLE))
    body = J.render_entity(resource).body
    assert json.loads(body) == COMPUTE_EXAMPLE
    # J12's member order, compact separators.
    assert list(json.loads(body)) == [
        "kind", "mixins", "attributes", "actions", "id", "links", "summary", "title"
    ]  # fmt: skip
    assert b": " not in body and b", " not in body


def test_render_is_compact_utf8_without_ascii_escapes() -> None:
    resource = Resource(
        kind=COMPUTE, attributes={"occi.core.id": "c1", "occi.core.title": 'caf\u00e9 \u2603 "q"'}
    )
    assert (
        J.render_entity(resource).body
        == ('{"kind":"' + COMPUTE + '","id":"c1","title":"café ☃ \\"q\\""}').encode()
    )
    assert J.render_entity(resource).headers == []


def test_occi_core_attributes_are_not_repeated_inside_attributes() -> None:
    """AMB-JSON-05: id, title, summary only at the top level."""
    resource = Resource(
        kind=COMPUTE,
        attributes={"occi.core.id": "c1", "occi.core.summary": "s", "occi.compute.cores": 1},
    )
    document = json.loads(J.render_entity(resource).body)
    assert document["attributes"] == {"occi.compute.cores": 1}
    assert document["id"] == "c1" and document["summary"] == "s"


def test_both_places_agreeing_are_accepted() -> None:
    body = dumps({"kind": COMPUTE, "id": "c1", "attributes": {"occi.core.id": "c1"}})
    assert J.parse_entity([], body).id == "c1"


def test_core_attributes_only_inside_attributes_are_accepted() -> None:
    """rOCCI style: occi.core.* in attributes; id read from there."""
    body = dumps({"kind": COMPUTE, "attributes": {"occi.core.id": "c1", "occi.core.title": "t"}})
    entity = J.parse_entity([], body)
    assert entity.id == "c1" and entity.title == "t"


def test_link_example() -> None:
    body = dumps(
        {
            "kind": NIC,
            "attributes": {"occi.networkinterface.interface": "eth0"},
            "actions": ["http://schemas.ogf.org/occi/infrastructure/networkinterface/action#up"],
            "id": "l1",
            "source": {"location": "/compute/c1"},
            "target": {"location": "/network/n1", "kind": NETWORK},
            "rel": NETWORK,  # JSON-LINK-03: tolerated, ignored
        }
    )
    link = J.parse_entity([], body)
    assert isinstance(link, Link)
    assert link.attributes == {
        "occi.networkinterface.interface": "eth0",
        "occi.core.id": "l1",
        "occi.core.source": "/compute/c1",
        "occi.core.target": "/network/n1",
        "occi.core.target.kind": NETWORK,
    }
    rendered = json.loads(J.render_entity(link).body)
    assert "rel" not in rendered
    assert rendered["source"] == {"location": "/compute/c1"}
    assert rendered["target"] == {"location": "/network/n1", "kind": NETWORK}
    assert list(rendered) == ["kind", "attributes", "actions", "id", "source", "target"]


def test_a_link_kind_without_source_is_a_link_only_with_a_model() -> None:
    body = dumps({"kind": NIC, "attributes": {"occi.networkinterface.interface": "eth1"}})
    assert isinstance(J.parse_entity([], body, INFRASTRUCTURE_MODEL), Link)
    assert type(J.parse_entity([], body)) is Resource


def test_a_link_update_without_endpoints_renders_without_them() -> None:
    link = Link(kind=NIC, attributes={"occi.networkinterface.interface": "eth1"})
    assert json.loads(J.render_entity(link).body) == {
        "kind": NIC,
        "attributes": {"occi.networkinterface.interface": "eth1"},
    }


def test_entity_location_is_not_rendered() -> None:
    """AMB-JSON-06: the schema forbids a location member; the id is the handle."""
    resource = Resource(kind=COMPUTE, attributes={"occi.core.id": "c1"}, location="/compute/c1")
    assert "location" not in json.loads(J.render_entity(resource).body)


def test_plain_entity_renders_as_a_resource() -> None:
    assert json.loads(J.render_entity(Entity(kind=COMPUTE)).body) == {"kind": COMPUTE}


# --- collections ---------------------------------------------------------------------------


def test_empty_collection() -> None:
    assert J.render_collection([]).body == b'{"resources":[]}'
    assert J.parse_entities([], b'{"resources": []}') == []
    assert J.parse_entities([], b'{"links": []}') == []
    assert J.parse_entities([], b"{}") == []  # rOCCI's empty collection (AMB-JSON-02)


def test_mixed_collection_has_both_keys() -> None:
    link = Link(
        kind=NIC,
        attributes={"occi.core.id": "l", "occi.core.source": "/c", "occi.core.target": "/n"},
    )
    resource = Resource(kind=COMPUTE, attributes={"occi.core.id": "c"})
    document = json.loads(J.render_collection([link, resource]).body)
    assert list(document) == ["resources", "links"]
    assert [r["id"] for r in document["resources"]] == ["c"]
    assert [r["id"] for r in document["links"]] == ["l"]
    assert J.parse_entities([], J.render_collection([link, resource]).body) == [resource, link]


def test_link_collection_only_has_links() -> None:
    link = Link(kind=NIC, attributes={"occi.core.source": "/c", "occi.core.target": "/n"})
    assert list(json.loads(J.render_collection([link]).body)) == ["links"]


def test_single_resource_and_collections_are_all_entity_bodies() -> None:
    one = {"kind": COMPUTE, "id": "a"}
    assert len(J.parse_entities([], dumps(one))) == 1
    assert len(J.parse_entities([], dumps({"resources": [one, {**one, "id": "b"}]}))) == 2
    assert J.parse_entity([], dumps({"resources": [one]})).id == "a"
    with pytest.raises(ParseError, match="expected one entity, got 2"):
        J.parse_entity([], dumps({"resources": [one, one]}))
    with pytest.raises(ParseError, match="expected one entity, got 0"):
        J.parse_entity([], b"{}")


def test_locations() -> None:
    body = J.render_locations(["/compute/a", "http://h/compute/b"]).body
    assert body == b'{"locations":["/compute/a","http://h/compute/b"]}'
    assert J.parse_locations([], body) == ["/compute/a", "http://h/compute/b"]
    assert J.parse_locations([], b'["/compute/a"]') == ["/compute/a"]  # erocci's bare array
    assert J.parse_locations([], b'{"locations": []}') == []


# --- categories ----------------------------------------------------------------------------


def test_query_interface_round_trips_the_whole_infrastructure_model() -> None:
    categories = [*INFRASTRUCTURE_MODEL, *crtp_templates()]
    body = J.render_categories(categories).body
    document = json.loads(body)
    assert list(document) == ["kinds", "mixins", "actions"]
    parsed = {c.id: c for c in J.parse_categories([], body)}
    assert parsed == {c.id: c for c in categories}


def test_kind_rendering() -> None:
    compute = INFRASTRUCTURE_MODEL.kind(COMPUTE)
    assert compute is not None
    (kind,) = json.loads(J.render_categories([compute]).body)["kinds"]
    assert list(kind) == [
        "term", "scheme", "title", "attributes", "actions", "parent", "location"
    ]  # fmt: skip
    assert kind["parent"] == "http://schemas.ogf.org/occi/core#resource"
    assert kind["attributes"]["occi.compute.cores"] == {
        "mutable": True,
        "required": False,
        "type": "number",
        "pattern": {
            "$schema": "http://json-schema.org/draft-04/schema#",
            "type": "integer",
            "minimum": 1,
        },
        "description": "CPU cores",
    }
    assert kind["attributes"]["occi.compute.architecture"]["pattern"]["enum"] == ["x86", "x64"]
    state = kind["attributes"]["occi.compute.state"]
    assert state["default"] == "inactive" and state["mutable"] is False


def test_user_mixin_posts_as_mixins_only() -> None:
    """JSON-QI-01: the digest's example, both ways."""
    example = {
        "mixins": [
            {
                "term": "jsontag",
                "scheme": "http://example.com/occi/tags#",
                "location": "/tags/jsontag/",
            }
        ]
    }
    (mixin,) = J.parse_categories([], dumps(example))
    assert mixin == Mixin(
        scheme="http://example.com/occi/tags#", term="jsontag", location="/tags/jsontag/"
    )
    assert json.loads(J.render_categories([mixin]).body) == example
    assert J.parse_categories([], dumps(example["mixins"][0])) == [mixin]  # a bare mixin


def test_empty_category_collection() -> None:
    assert json.loads(J.render_categories([]).body) == {"kinds": [], "mixins": [], "actions": []}
    assert J.parse_categories([], b"{}") == []


def test_action_example_with_parameters() -> None:
    body = dumps(
        {
            "actions": [
                {
                    "term": "stop",
                    "scheme": "http://schemas.ogf.org/occi/infrastructure/compute/action#",
                    "title": "Stop Compute instance",
                    "attributes": {
                        "method": {
                            "mutable": True,
                            "required": False,
                            "type": "string",
                            "pattern": {
                                "$schema": "http://json-schema.org/draft-04/schema#",
                                "enum": ["graceful", "acpioff", "poweroff"],
                            },
                            "default": "poweroff",
                        }
                    },
                }
            ]
        }
    )
    (action,) = J.parse_categories([], body)
    assert isinstance(action, Action) and action.id == STOP
    (method,) = action.attributes
    assert method.type == "enum"
    assert method.enum == ("graceful", "acpioff", "poweroff")
    assert method.default == "poweroff" and method.mutable and not method.required


def _description(description: dict[str, object]) -> Attribute:
    body = dumps({"term": "m", "scheme": "http://e/x#", "attributes": {"a": description}})
    (mixin,) = J.parse_categories([], body)
    (attribute,) = mixin.attributes
    return attribute


def test_empty_description_takes_j12_defaults() -> None:
    """JSON-ADEF-05: {} is an immutable, optional string."""
    assert _description({}) == Attribute(name="a", type="string", mutable=False, required=False)


@pytest.mark.parametrize(
    ("description", "expected_type"),
    [
        ({"type": "number"}, "float"),
        ({"type": "number", "default": 2}, "integer"),
        ({"type": "number", "default": 2.0}, "float"),
        ({"type": "number", "pattern": {"type": "integer"}}, "integer"),
        ({"type": "number", "default": 2, "pattern": {"type": "number"}}, "float"),
        ({"type": "string", "pattern": {"format": "uri"}}, "uri"),
        ({"type": "string", "pattern": {"enum": ["a", "b"]}}, "enum"),
        ({"type": "boolean"}, "boolean"),
        ({"type": "array"}, "list"),
        ({"type": "object", "default": {"a": 1}}, "object"),
    ],
)
def test_model_types_are_restored(description: dict[str, object], expected_type: str) -> None:
    assert _description(description).type == expected_type


def test_numeric_bounds_from_pattern() -> None:
    attribute = _description({"type": "number", "pattern": {"minimum": 0, "maximum": 2.5}})
    assert (attribute.minimum, attribute.maximum) == (0, 2.5)


def test_rocci_string_pattern_is_the_regex() -> None:
    """AMB-JSON-03: rOCCI sends Ruby regex text as the pattern."""
    attribute = _description({"type": "string", "pattern": "(?-mix:^(x86|x64)$)"})
    assert attribute.coerce("x86") == "x86"
    with pytest.raises(ValueError):
        attribute.coerce("arm")


def test_peer_pattern_keeps_json_schema_search_semantics() -> None:
    attribute = _description({"pattern": {"pattern": "ab+c"}})
    assert attribute.coerce("xx abbc yy") == "xx abbc yy"
    assert attribute.coerce("x\nabc\n") == "x\nabc\n"
    with pytest.raises(ValueError):
        attribute.coerce("ac")


def test_our_anchored_pattern_comes_back_unchanged() -> None:
    for regex in [r"[a-z]+", r"a|b", r"(a)|(b)", r"x\)", r"[)(]", r"^a$|b"]:
        rendered = {"pattern": {"pattern": f"^(?:{regex})$"}}
        assert _description(rendered).pattern == regex


def test_unknown_description_members_are_ignored() -> None:
    assert _description({"type": "boolean", "x-extra": 1}).type == "boolean"


# --- action invocation, error body, filter ------------------------------------------------


def test_action_invocation_example() -> None:
    body = dumps({"action": STOP, "attributes": {"method": "graceful"}})
    invocation = J.parse_action_invocation([], body)
    assert invocation == ActionInvocation(action=STOP, attributes={"method": "graceful"})
    assert J.render_action_invocation(invocation).body == body.replace(b" ", b"")
    assert J.render_action_invocation(ActionInvocation(action=START)).body == (
        b'{"action":"' + START.encode() + b'"}'
    )
    assert J.parse_action_invocation([], dumps({"action": START})).attributes == {}


def test_error_body_is_roccis() -> None:
    body = J.render_error(404, "no such entity: é").body
    assert body == '{"status":404,"error":"no such entity: é"}'.encode()


def test_filter_is_empty() -> None:
    assert J.parse_filter([("Category", "x")], b"") == Filter()


def test_byte_order_mark_is_ignored() -> None:
    assert J.parse_entity([], b"\xef\xbb\xbf" + dumps({"kind": COMPUTE})).kind == COMPUTE


# --- every parse error ----------------------------------------------------------------------

_LINK = b'{"kind": "a#b", "source": {"location": "/a"}, '  # a link body, to be completed
PARSE_ERRORS = [
    # (method, body, rule substring, pointer; None = a syntax error, checked by line)
    ("parse_entity", b"", "RFC 8259 JSON text", ""),
    ("parse_entity", b"  \n", "RFC 8259 JSON text", ""),
    ("parse_entity", b"\xc3\x28", "RFC 8259 \u00a78.1", ""),
    ("parse_entity", b'{"kind": "a#b",}', "RFC 8259 JSON text", None),
    ("parse_entity", b'{"kind": "a#b"} x', "RFC 8259 JSON text", None),
    ("parse_entity", b"{'kind': 'a#b'}", "RFC 8259 JSON text", None),
    ("parse_entity", b'{"kind": "a#b", "title": "\x01"}', "RFC 8259 JSON text", None),
    ("parse_entity", b'{"kind": "a#b", "kind": "c#d"}', "RFC 8259 \u00a74", "/kind"),
    (
        "parse_entity",
        b'{"kind": "a#b", "attributes": {"x": Infinity}}',
        "RFC 8259",
        "/attributes/x",
    ),
    (
        "parse_entity",
        b'{"kind": "a#b", "attributes": {"x": -Infinity}}',
        "RFC 8259",
        "/attributes/x",
    ),
    (
        "parse_entity",
        b'{"kind": "a#b", "attributes": {"x": 9223372036854775808}}',
        "\u00a76",
        "/attributes/x",
    ),
    (
        "parse_entity",
        b'{"kind": "a#b", "attributes": {"x": -1' + b"0" * 5000 + b"}}",
        "\u00a76",
        "/attributes/x",
    ),
    ("parse_entity", b'{"kind": "a#b", "attributes": {"x": 1.5e400}}', "\u00a76", "/attributes/x"),
    ("parse_entity", b'{"kind": "a#b", "title": "\\udc00"}', "\u00a78.2", "/title"),
    (
        "parse_entity",
        b'{"kind": "a#b", "attributes": {"\\ud800x": 1}}',
        "\u00a78.2",
        "/attributes/\ud800x",
    ),
    ("parse_entity", b"[" * 100_000, "nesting limit", ""),
    (
        "parse_entity",
        b'{"kind": "a#b", "attributes": {"x": ' + b"[" * MAX_DEPTH + b"]" * MAX_DEPTH + b"}}",
        "nesting limit",
        "/attributes/x" + "/0" * (MAX_DEPTH - 2),
    ),
    ("parse_entity", b"[]", "J12 \u00a73.3", ""),
    ("parse_entity", b'"kind"', "J12 \u00a73.3", ""),
    ("parse_entity", b'{"id": "x"}', "J12 \u00a73.3", "/id"),
    ("parse_entity", b'{"kind": 1}', "J12 \u00a73.1.1 resource", "/kind"),
    ("parse_entity", b'{"kind": "compute"}', "J12 \u00a73.1.1 resource", "/kind"),
    ("parse_entity", b'{"kind": "a#"}', "J12 \u00a73.1.1 resource", "/kind"),
    ("parse_entity", b'{"kind": "a #b"}', "J12 \u00a73.1.1 resource", "/kind"),
    ("parse_entity", b'{"kind": "a#b", "location": "/x"}', "J12 \u00a73.1.1 resource", "/location"),
    ("parse_entity", b'{"kind": "a#b", "mixins": "c#d"}', "J12 \u00a73.1.1 resource", "/mixins"),
    (
        "parse_entity",
        b'{"kind": "a#b", "mixins": ["c#d", "e"]}',
        "J12 \u00a73.1.1 resource",
        "/mixins/1",
    ),
    ("parse_entity", b'{"kind": "a#b", "actions": [1]}', "J12 \u00a73.1.1 resource", "/actions/0"),
    ("parse_entity", b'{"kind": "a#b", "id": 7}', "J12 \u00a73.1.1 resource", "/id"),
    ("parse_entity", b'{"kind": "a#b", "title": null}', "J12 \u00a73.1.1 resource", "/title"),
    ("parse_entity", b'{"kind": "a#b", "summary": []}', "J12 \u00a73.1.1 resource", "/summary"),
    ("parse_entity", b'{"kind": "a#b", "links": {}}', "J12 \u00a73.1.1 resource", "/links"),
    ("parse_entity", b'{"kind": "a#b", "links": ["/l/1"]}', "J12 \u00a73.1.2 link", "/links/0"),
    (
        "parse_entity",
        b'{"kind": "a#b", "links": [{"kind": "c#d", "source": {"location": "/a"}}]}',
        "J12 \u00a73.1.2 link",
        "/links/0/target",
    ),
    ("parse_entity", b'{"kind": "a#b", "attributes": []}', "J12 \u00a73.5", "/attributes"),
    (
        "parse_entity",
        b'{"kind": "a#b", "attributes": {"x": null}}',
        "J12 \u00a73.5",
        "/attributes/x",
    ),
    (
        "parse_entity",
        b'{"kind": "a#b", "attributes": {".x": 1}}',
        "J12 \u00a73.5",
        "/attributes/.x",
    ),
    (
        "parse_entity",
        b'{"kind": "a#b", "attributes": {"a/b~c": 1}}',
        "J12 \u00a73.5",
        "/attributes/a~1b~0c",
    ),
    (
        "parse_entity",
        b'{"kind": "a#b", "title": "t", "attributes": {"occi.core.title": "u"}}',
        "AMB-JSON-05",
        "/attributes/occi.core.title",
    ),
    (
        "parse_entity",
        b'{"kind": "a#b", "summary": "t", "attributes": {"occi.core.summary": 1}}',
        "AMB-JSON-05",
        "/attributes/occi.core.summary",
    ),
    (
        "parse_entity",
        b'{"kind": "a#b", "source": {"location": "/a"}}',
        "J12 \u00a73.1.2 link",
        "/target",
    ),
    (
        "parse_entity",
        b'{"kind": "a#b", "source": "/a", "target": {"location": "/b"}}',
        "J12 \u00a73.1.2.1",
        "/source",
    ),
    (
        "parse_entity",
        b'{"kind": "a#b", "source": {"kind": "c#d"}, "target": {"location": "/b"}}',
        "J12 \u00a73.1.2.1",
        "/source/location",
    ),
    (
        "parse_entity",
        b'{"kind": "a#b", "source": {"location": "/a"}, "target": {"location": ""}}',
        "J12 \u00a73.1.2.1",
        "/target/location",
    ),
    (
        "parse_entity",
        b'{"kind": "a#b", "source": {"location": "/a"}, "target": {"location": "/b", "kind": "x"}}',
        "J12 \u00a73.1.2.1",
        "/target/kind",
    ),
    (
        "parse_entity",
        _LINK + b'"target": {"location": "/b", "self": "/b"}}',
        "J12 \u00a73.1.2.1",
        "/target/self",
    ),
    (
        "parse_entity",
        _LINK + b'"target": {"location": "/b"}, "summary": "s"}',
        "J12 \u00a73.1.2 link",
        "/summary",
    ),
    (
        "parse_entity",
        b'{"kind": "a#b", "source": {"location": "/a"}, "target": {"location": "/b"}, "rel": 1}',
        "J12 \u00a73.1.2 link",
        "/rel",
    ),
    (
        "parse_entity",
        _LINK
        + b'"target": {"location": "/b", "kind": "c#d"},'
        + b'"attributes": {"occi.core.target.kind": "e#f"}}',
        "AMB-JSON-05",
        "/attributes/occi.core.target.kind",
    ),
    ("parse_entities", b'{"resources": {}}', "J12 \u00a73.3", "/resources"),
    ("parse_entities", b'{"resources": [], "kinds": []}', "J12 \u00a73.3", "/kinds"),
    (
        "parse_entities",
        b'{"resources": [{"kind": "a#b", "source": {"location": "/a"}}]}',
        "J12 \u00a73.1.1 resource",
        "/resources/0/source",
    ),
    (
        "parse_entities",
        b'{"links": [{"kind": "a#b", "target": {"location": "/a"}}]}',
        "J12 \u00a73.1.2 link",
        "/links/0/source",
    ),
    ("parse_categories", b"[]", "J12 \u00a73.4", ""),
    ("parse_categories", b'{"kinds": [], "resources": []}', "J12 \u00a73.4", "/resources"),
    ("parse_categories", b'{"kinds": {}}', "J12 \u00a73.4", "/kinds"),
    ("parse_categories", b'{"kinds": [{"term": "a"}]}', "J12 \u00a73.2.1 kind", "/kinds/0/scheme"),
    (
        "parse_categories",
        b'{"kinds": [{"term": "", "scheme": "s#"}]}',
        "J12 \u00a73.2.1 kind",
        "/kinds/0/term",
    ),
    (
        "parse_categories",
        b'{"kinds": [{"term": "a b", "scheme": "s#"}]}',
        "J12 \u00a73.2.1 kind",
        "/kinds/0/term",
    ),
    (
        "parse_categories",
        b'{"kinds": [{"term": "a", "scheme": "s#", "class": "kind"}]}',
        "J12 \u00a73.2.1 kind",
        "/kinds/0/class",
    ),
    (
        "parse_categories",
        b'{"kinds": [{"term": "a", "scheme": "s#", "parent": "core"}]}',
        "J12 \u00a73.2.1 kind",
        "/kinds/0/parent",
    ),
    (
        "parse_categories",
        b'{"kinds": [{"term": "a", "scheme": "s#", "location": 1}]}',
        "J12 \u00a73.2.1 kind",
        "/kinds/0/location",
    ),
    (
        "parse_categories",
        b'{"kinds": [{"term": "a", "scheme": "s#", "actions": "s#x"}]}',
        "J12 \u00a73.2.1 kind",
        "/kinds/0/actions",
    ),
    (
        "parse_categories",
        b'{"kinds": [{"term": "a", "scheme": "s#", "attributes": []}]}',
        "J12 \u00a73.2.1 kind",
        "/kinds/0/attributes",
    ),
    (
        "parse_categories",
        b'{"mixins": [{"term": "a", "scheme": "s#", "depends": ["x"]}]}',
        "J12 \u00a73.2.2 mixin",
        "/mixins/0/depends/0",
    ),
    (
        "parse_categories",
        b'{"mixins": [{"term": "a", "scheme": "s#", "applies": "k#c"}]}',
        "J12 \u00a73.2.2 mixin",
        "/mixins/0/applies",
    ),
    (
        "parse_categories",
        b'{"mixins": [{"term": "a", "scheme": "s#", "parent": "k#c"}]}',
        "J12 \u00a73.2.2 mixin",
        "/mixins/0/parent",
    ),
    (
        "parse_categories",
        b'{"actions": [{"term": "a", "scheme": "s#", "location": "/a"}]}',
        "J12 \u00a73.2.3 action",
        "/actions/0/location",
    ),
    ("parse_categories", b'{"term": "a"}', "J12 \u00a73.2.2 mixin", "/scheme"),
    (
        "parse_categories",
        b'{"actions": [{"term": "a", "scheme": "s#", "attributes": {"m": 1}}]}',
        "J12 \u00a73.5.1",
        "/actions/0/attributes/m",
    ),
    (
        "parse_categories",
        b'{"actions": [{"term": "a", "scheme": "s#", "attributes": {"m m": {}}}]}',
        "J12 \u00a73.5",
        "/actions/0/attributes/m m",
    ),
]


def _description_error(description: str) -> tuple[str, bytes, str, str]:
    body = '{"mixins": [{"term": "a", "scheme": "s#", "attributes": {"x": ' + description + "}}]}"
    return ("parse_categories", body.encode(), "J12 \u00a73.5.1", "/mixins/0/attributes/x/")


DESCRIPTION_ERRORS = [
    ('{"mutable": "yes"}', "mutable"),
    ('{"required": 1}', "required"),
    ('{"type": "integer"}', "type"),
    ('{"type": ["string"]}', "type"),
    ('{"description": 3}', "description"),
    ('{"pattern": 3}', "pattern"),
    ('{"pattern": "("}', "pattern"),
    ('{"pattern": {"pattern": "(?<name>x)"}}', "pattern/pattern"),
    ('{"pattern": {"pattern": 1}}', "pattern/pattern"),
    ('{"type": "string", "pattern": {"type": "integer"}}', "pattern/type"),
    ('{"type": "number", "pattern": {"type": "string"}}', "pattern/type"),
    ('{"pattern": {"enum": "a"}}', "pattern/enum"),
    ('{"pattern": {"enum": ["a", 1]}}', "pattern/enum"),
    ('{"type": "number", "pattern": {"minimum": "0"}}', "pattern/minimum"),
    ('{"type": "number", "pattern": {"maximum": true}}', "pattern/maximum"),
    ('{"type": "number", "default": "2"}', "default"),
    ('{"type": "number", "default": true}', "default"),
    ('{"type": "number", "pattern": {"type": "integer"}, "default": 2.5}', "default"),
    ('{"type": "boolean", "default": 0}', "default"),
    ('{"type": "string", "default": 1}', "default"),
    ('{"type": "array", "default": {}}', "default"),
    ('{"type": "object", "default": []}', "default"),
]
PARSE_ERRORS += [
    (*_description_error(description)[:3], _description_error(description)[3] + member)
    for description, member in DESCRIPTION_ERRORS
]
PARSE_ERRORS += [
    ("parse_action_invocation", b"[]", "J12 \u00a73.1.1.1", ""),
    ("parse_action_invocation", b"{}", "J12 \u00a73.1.1.1", "/action"),
    ("parse_action_invocation", b'{"action": "stop"}', "J12 \u00a73.1.1.1", "/action"),
    ("parse_action_invocation", b'{"action": ["a#b"]}', "J12 \u00a73.1.1.1", "/action"),
    (
        "parse_action_invocation",
        b'{"action": "a#b", "attributes": []}',
        "J12 \u00a73.5",
        "/attributes",
    ),
    (
        "parse_action_invocation",
        b'{"action": "a#b", "attributes": {"m": null}}',
        "J12 \u00a73.5",
        "/attributes/m",
    ),
    (
        "parse_action_invocation",
        b'{"action": "a#b", "method": "x"}',
        "J12 \u00a73.1.1.1",
        "/method",
    ),
    ("parse_action_invocation", b"\xff", "\u00a78.1", ""),
    ("parse_locations", b'{"locations": "/a"}', "AMB-JSON-04", "/locations"),
    ("parse_locations", b"{}", "AMB-JSON-04", "/locations"),
    ("parse_locations", b'{"locations": [], "x": 1}', "AMB-JSON-04", "/x"),
    ("parse_locations", b'{"locations": ["/a", ""]}', "AMB-JSON-04", "/locations/1"),
    ("parse_locations", b'["/a b"]', "AMB-JSON-04", "/0"),
    ("parse_locations", b'"/a"', "AMB-JSON-04", ""),
]


@pytest.mark.parametrize(
    ("method", "body", "rule", "pointer"),
    PARSE_ERRORS,
    ids=[f"{m}-{i}" for i, (m, *_rest) in enumerate(PARSE_ERRORS)],
)
def test_parse_error(method: str, body: bytes, rule: str, pointer: str | None) -> None:
    with pytest.raises(ParseError) as caught:
        getattr(J, method)([], body)
    error = caught.value
    assert error.status == 400
    assert error.rule is not None and rule in error.rule, error
    assert error.message
    if pointer is None:
        assert error.line is not None and error.line >= 1, error
    else:
        assert error.text == pointer, error


def test_syntax_error_names_line_and_text() -> None:
    with pytest.raises(ParseError) as caught:
        J.parse_entity([], b'{\n"kind": "a#b",\n"id": }\n')
    assert caught.value.line == 3
    assert caught.value.text == '"id": }'
    assert "column 7" in caught.value.message


def test_unknown_member_message_names_it() -> None:
    with pytest.raises(ParseError, match="unknown member 'location' in a resource"):
        J.parse_entity([], b'{"kind": "a#b", "location": "/x"}')
    with pytest.raises(ParseError, match="lacks the required member 'kind'"):
        J.parse_entities([], b'{"resources": [{"id": "x"}]}')
    with pytest.raises(ParseError, match="must be a string, got a number"):
        J.parse_entity([], b'{"kind": "a#b", "id": 7}')


# --- render errors -------------------------------------------------------------------------


def _nested(levels: int) -> list[object]:
    value: list[object] = []
    for _ in range(levels - 1):
        value = [value]
    return value


RENDER_ERRORS = [
    Resource(kind=COMPUTE, attributes={"x": math.nan}),
    Resource(kind=COMPUTE, attributes={"x": math.inf}),
    Resource(kind=COMPUTE, attributes={"x": 2**63}),
    Resource(kind=COMPUTE, attributes={"x": -(2**63) - 1}),
    Resource(kind=COMPUTE, attributes={"x": None}),
    Resource(kind=COMPUTE, attributes={"x": {1: "a"}}),
    Resource(kind=COMPUTE, attributes={"x": {"a", "b"}}),
    Resource(kind=COMPUTE, attributes={"x": "\ud800"}),
    Resource(kind=COMPUTE, attributes={"occi.core.title": 3}),
    Resource(kind=COMPUTE, attributes={"occi.core.id": ["a"]}),
    Resource(kind=COMPUTE, attributes={"x": _nested(MAX_DEPTH - 1)}),
    Link(kind=NIC, attributes={"occi.core.target.kind": NETWORK}),
]


@pytest.mark.parametrize("entity", RENDER_ERRORS, ids=range(len(RENDER_ERRORS)))
def test_render_refuses_what_json_cannot_carry(entity: Entity) -> None:
    with pytest.raises(LocalProtocolError):
        J.render_entity(entity)


def test_render_refuses_bad_categories_and_values() -> None:
    with pytest.raises(LocalProtocolError):
        J.render_categories([Kind(scheme="s#", term="k", title="\udfff")])
    with pytest.raises(LocalProtocolError):
        J.render_categories(
            [Mixin(scheme="s#", term="m", attributes=(Attribute(name="a", default=math.nan),))]
        )
    with pytest.raises(LocalProtocolError):
        J.render_action_invocation(ActionInvocation(action=STOP, attributes={"m": None}))
    with pytest.raises(LocalProtocolError):
        J.render_locations(["/a", 3])  # type: ignore[list-item]


def test_deepest_allowed_value_renders_and_parses() -> None:
    # The root object and "attributes" take two levels; the value may take the rest.
    resource = Resource(kind=COMPUTE, attributes={"x": _nested(MAX_DEPTH - 2)})
    assert J.parse_entity([], J.render_entity(resource).body) == resource


# --- the invalid corpus --------------------------------------------------------------------


def _corpus() -> list[dict[str, object]]:
    if not INVALID_DIR.is_dir():
        return []
    return yaml.safe_load((INVALID_DIR / "index.yaml").read_text(encoding="utf-8"))


CORPUS = _corpus()


def test_corpus_lists_every_file() -> None:
    if not INVALID_DIR.is_dir():
        pytest.skip(f"no fixtures at {INVALID_DIR}")
    listed = {entry["file"] for entry in CORPUS}
    assert listed == {p.name for p in INVALID_DIR.glob("*.json")}


@pytest.mark.parametrize("entry", CORPUS, ids=[str(e["file"]) for e in CORPUS])
def test_invalid_corpus(entry: dict[str, object]) -> None:
    body = (INVALID_DIR / str(entry["file"])).read_bytes()
    with pytest.raises(ParseError) as caught:
        getattr(J, str(entry["method"]))([], body)
    error = caught.value
    assert error.rule is not None and str(entry["rule"]) in error.rule, error
    if entry["pointer"] is None:
        assert error.line is not None, error
    else:
        assert error.text is not None and str(entry["pointer"]) in error.text, error
