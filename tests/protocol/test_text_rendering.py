"""text/plain and text/occi: the digest's examples and every tricky case of §2.2–2.5."""

from __future__ import annotations

import pytest

from occi_protocol.definitions import INFRASTRUCTURE_MODEL
from occi_protocol.errors import LocalProtocolError, ParseError
from occi_protocol.model import (
    LINK,
    RESOURCE,
    Action,
    ActionInvocation,
    Attribute,
    Kind,
    Link,
    Mixin,
    Resource,
)
from occi_protocol.rendering import TEXT_OCCI, TEXT_PLAIN, Filter, Rendering, rendering_for
from occi_protocol.rendering.text import (
    TEXT_OCCI_RENDERING,
    TEXT_PLAIN_RENDERING,
    TextRendering,
)
from occi_protocol.rendering.uri_list import URI_LIST_RENDERING

CORE = "http://schemas.ogf.org/occi/core#"
INFRA = "http://schemas.ogf.org/occi/infrastructure#"
ACTIONS = "http://schemas.ogf.org/occi/infrastructure/compute/action#"
COMPUTE = INFRA + "compute"
COMPUTE_CAT = f'compute;scheme="{INFRA}";class="kind"'
TAG_CAT = 'tag;scheme="http://example.org/tags#";class="mixin"'
BOTH = [TEXT_PLAIN_RENDERING, TEXT_OCCI_RENDERING]


def message(rendering: TextRendering, *lines: str, crlf: bool = False) -> tuple[list, bytes]:
    """The same OCCI lines as a text/plain body or as text/occi header pairs."""
    if rendering.in_body:
        end = "\r\n" if crlf else "\n"
        return [], "".join(line + end for line in lines).encode()
    headers = [("Content-Type", TEXT_OCCI)]
    for line in lines:
        name, _, value = line.partition(":")
        headers.append((name, value.strip()))
    return headers, b""


def lines_of(rendering: TextRendering, headers: list, body: bytes) -> list[str]:
    if rendering.in_body:
        assert headers == []
        text = body.decode()
        assert text == "" or text.endswith("\n")
        return text.splitlines()
    assert body == b"OK\n"
    return [f"{name}: {value}" for name, value in headers]


@pytest.fixture(params=BOTH, ids=lambda r: r.media_type)
def rendering(request: pytest.FixtureRequest) -> TextRendering:
    return request.param


def test_media_types() -> None:
    assert TEXT_PLAIN_RENDERING.media_type == TEXT_PLAIN
    assert TEXT_OCCI_RENDERING.media_type == TEXT_OCCI
    assert rendering_for("text/occi+plain; charset=utf-8") is TEXT_PLAIN_RENDERING
    assert rendering_for("Text/Plain") is TEXT_PLAIN_RENDERING
    assert rendering_for("text/occi") is TEXT_OCCI_RENDERING
    assert rendering_for("text/uri-list") is URI_LIST_RENDERING


@pytest.mark.parametrize("implementation", [*BOTH, URI_LIST_RENDERING])
def test_every_protocol_method_is_implemented(implementation: object) -> None:
    names = [n for n, v in vars(Rendering).items() if callable(v) and not n.startswith("_")]
    assert len(names) == 12
    for name in names:
        assert callable(getattr(type(implementation), name, None)), name


# --- §2.2 Category ----------------------------------------------------------------------------


def test_query_interface_long_form(rendering: TextRendering) -> None:
    kind = Kind(
        scheme=INFRA,
        term="compute",
        title='Compute, virtual; "big"',
        parent=RESOURCE,
        location="/compute/",
        attributes=(
            Attribute(name="occi.compute.cores", type="integer"),
            Attribute(name="occi.compute.state", mutable=False, required=True),
            Attribute(name="occi.compute.hostname", required=True),
        ),
        actions=(ACTIONS + "start", ACTIONS + "stop"),
    )
    tpl = Mixin(
        scheme="http://example.org/os#",
        term="ubuntu",
        depends=(INFRA + "os_tpl", "http://example.org/x#y"),
        applies=(COMPUTE,),
        location="/os/ubuntu/",
    )
    stop = Action(scheme=ACTIONS, term="stop", attributes=(Attribute(name="method"),))
    rendered = rendering.render_categories([kind, tpl, stop])
    assert lines_of(rendering, rendered.headers, rendered.body) == [
        f'Category: compute;scheme="{INFRA}";class="kind";title="Compute, virtual; \\"big\\"";'
        f'rel="{CORE}resource";location="/compute/";attributes="occi.compute.cores '
        'occi.compute.state{immutable required} occi.compute.hostname{required}";'
        f'actions="{ACTIONS}start {ACTIONS}stop"',
        # a mixin's rel is its first depends only; applies has no text form (TEXT-CAT-06)
        'Category: ubuntu;scheme="http://example.org/os#";class="mixin";'
        f'rel="{INFRA}os_tpl";location="/os/ubuntu/"',
        # an action has no location and no actions (TEXT-CAT-11)
        f'Category: stop;scheme="{ACTIONS}";class="action";attributes="method"',
    ]
    parsed = rendering.parse_categories(rendered.headers, rendered.body)
    assert parsed[0] == Kind(
        scheme=INFRA,
        term="compute",
        title='Compute, virtual; "big"',
        parent=RESOURCE,
        location="/compute/",
        attributes=(
            Attribute(name="occi.compute.cores"),
            Attribute(name="occi.compute.state", mutable=False, required=True),
            Attribute(name="occi.compute.hostname", required=True),
        ),
        actions=(ACTIONS + "start", ACTIONS + "stop"),
    )
    assert parsed[1] == Mixin(
        scheme="http://example.org/os#",
        term="ubuntu",
        depends=(INFRA + "os_tpl",),
        location="/os/ubuntu/",
    )
    assert parsed[2] == Action(scheme=ACTIONS, term="stop", attributes=(Attribute(name="method"),))


def test_whole_infrastructure_model_round_trips(rendering: TextRendering) -> None:
    rendered = rendering.render_categories(list(INFRASTRUCTURE_MODEL))
    parsed = rendering.parse_categories(rendered.headers, rendered.body)
    assert [c.id for c in parsed] == [c.id for c in INFRASTRUCTURE_MODEL]
    compute = next(c for c in parsed if c.id == COMPUTE)
    state = compute.attribute("occi.compute.state")
    assert state is not None and not state.mutable and not state.required


def test_case1_any_parameter_order(rendering: TextRendering) -> None:
    # erocci issue #15: location after attributes; accepted, re-emitted canonically
    h, b = message(
        rendering,
        f'Category: compute;class="kind";attributes="a.b";location="/c/";scheme="{INFRA}"',
    )
    (kind,) = rendering.parse_categories(h, b)
    assert isinstance(kind, Kind)
    assert kind.location == "/c/"
    out = rendering.render_categories([kind])
    assert lines_of(rendering, out.headers, out.body) == [
        f'Category: compute;scheme="{INFRA}";class="kind";location="/c/";attributes="a.b"'
    ]


def test_case2_trailing_semicolon_and_case3_unquoted_class(rendering: TextRendering) -> None:
    h, b = message(
        rendering,
        f'Category: compute;scheme="{INFRA}";class="kind";',
        'Category: tag;scheme="http://example.org/tags#";class=mixin',
    )
    parsed = rendering.parse_categories(h, b)
    assert [type(c) for c in parsed] == [Kind, Mixin]


def test_case4_comma_inside_title_in_a_comma_list(rendering: TextRendering) -> None:
    h, b = message(
        rendering,
        f'Category: {COMPUTE_CAT};title="A super, virtual computer", '
        'tag;scheme="http://example.org/tags#";class="mixin";title="x, y; z"',
    )
    parsed = rendering.parse_categories(h, b)
    assert [c.title for c in parsed] == ["A super, virtual computer", "x, y; z"]


def test_case5_scheme_without_hash_is_parsed(rendering: TextRendering) -> None:
    """Any absolute URI is a scheme (T12 §4.1); the suite only warns about a missing "#"
    (TEXT-CAT-03), so the parser must not refuse the endpoint's whole query interface."""
    h, b = message(
        rendering,
        'Category: small;scheme="http://example.org/tpl/";class="mixin";'
        'location="/tpl/small/";rel="http://example.org/tpl/base"',
    )
    (mixin,) = rendering.parse_categories(h, b)
    assert (mixin.scheme, mixin.term, mixin.id) == (
        "http://example.org/tpl/",
        "small",
        "http://example.org/tpl/small",
    )
    assert mixin.depends == ("http://example.org/tpl/base",)
    out = rendering.render_entity(Resource(kind=COMPUTE, mixins=(mixin.id,)))
    assert 'small;scheme="http://example.org/tpl/";class="mixin"' in "\n".join(
        lines_of(rendering, out.headers, out.body)
    )


def test_case6_term_case_is_valid_in_1_2(rendering: TextRendering) -> None:
    h, b = message(rendering, 'Category: My.Tag;scheme="http://example.org/t#";class="mixin"')
    (mixin,) = rendering.parse_categories(h, b)
    assert mixin.term == "My.Tag"


@pytest.mark.parametrize(
    ("attributes", "ok"),
    [
        ('"a{immutable   required} b{required} c"', True),
        ('"test{asdasd}"', False),  # pOCCI text-error-attrdef.txt
        ('"a{immutable"', False),
        ('"a}"', False),
        ('"a{immutable}}"', False),
    ],
)
def test_case7_property_braces(rendering: TextRendering, attributes: str, ok: bool) -> None:
    h, b = message(rendering, f"Category: {COMPUTE_CAT};attributes={attributes}")
    if ok:
        (kind,) = rendering.parse_categories(h, b)
        assert [(a.name, a.mutable, a.required) for a in kind.attributes] == [
            ("a", False, True),
            ("b", True, True),
            ("c", True, False),
        ]
    else:
        with pytest.raises(ParseError) as info:
            rendering.parse_categories(h, b)
        assert info.value.rule == "T12 §4.1 Category"


def test_case8_empty_lists_are_omitted_and_refused(rendering: TextRendering) -> None:
    out = rendering.render_categories([Kind(scheme=INFRA, term="compute")])
    assert lines_of(rendering, out.headers, out.body) == [f"Category: {COMPUTE_CAT}"]
    for param in ('attributes=""', 'actions=""'):
        h, b = message(rendering, f"Category: {COMPUTE_CAT};{param}")
        with pytest.raises(ParseError):
            rendering.parse_categories(h, b)


@pytest.mark.parametrize("name", ["category", "CATEGORY", "X-OCCI-Category", "x_occi_category"])
def test_case9_line_names(rendering: TextRendering, name: str) -> None:
    h, b = message(rendering, f"{name}: {COMPUTE_CAT}")
    assert [c.id for c in rendering.parse_categories(h, b)] == [COMPUTE]


def test_category_collection_holds_categories_only(rendering: TextRendering) -> None:
    h, b = message(rendering, f"Category: {COMPUTE_CAT}", "X-OCCI-Attribute: a=1")
    with pytest.raises(ParseError, match="no place") as info:
        rendering.parse_categories(h, b)
    assert info.value.line == 2
    assert info.value.rule == "T12 §5.4 category collection"


def test_kind_with_two_parents(rendering: TextRendering) -> None:
    h, b = message(rendering, f'Category: {COMPUTE_CAT};rel="{CORE}resource {CORE}entity"')
    with pytest.raises(ParseError, match="one parent"):
        rendering.parse_categories(h, b)


def test_mixin_rel_list_is_read_leniently(rendering: TextRendering) -> None:
    # rOCCI renders depends + applies in rel (AMB-TXT-04)
    h, b = message(rendering, f'Category: {TAG_CAT};rel="{INFRA}os_tpl {COMPUTE}"')
    (mixin,) = rendering.parse_categories(h, b)
    assert isinstance(mixin, Mixin)
    assert mixin.depends == (INFRA + "os_tpl", COMPUTE)


# --- §2.3 Link --------------------------------------------------------------------------------

COMPUTE_LINES = (
    f"Category: {COMPUTE_CAT}",
    f"Category: {TAG_CAT}",
    f'Link: </network/n1>;rel="{INFRA}network";self="/link/networkinterface/l1";'
    f'category="{INFRA}networkinterface";occi.networkinterface.interface=eth0;'
    'occi.networkinterface.mac="aa:bb:cc:dd:ee:ff";occi.core.title="a;b, c"',
    f'Link: </compute/c1?action=start>;rel="{ACTIONS}start"',
    'X-OCCI-Attribute: occi.core.id="c1"',
    "X-OCCI-Attribute: occi.compute.cores=2",
)


def test_resource_with_links_and_actions(rendering: TextRendering) -> None:
    h, b = message(rendering, *COMPUTE_LINES)
    entity = rendering.parse_entity(h, b)
    assert entity == Resource(
        kind=COMPUTE,
        mixins=("http://example.org/tags#tag",),
        attributes={"occi.core.id": "c1", "occi.compute.cores": 2},
        location="/compute/c1",  # from the action link
        actions=(ACTIONS + "start",),
        links=(
            Link(
                kind=INFRA + "networkinterface",
                attributes={
                    "occi.networkinterface.interface": "eth0",
                    "occi.networkinterface.mac": "aa:bb:cc:dd:ee:ff",
                    "occi.core.title": "a;b, c",  # case 6: quoted ";" does not split
                    "occi.core.target": "/network/n1",
                    "occi.core.target.kind": INFRA + "network",
                    "occi.core.source": "/compute/c1",
                },
                location="/link/networkinterface/l1",
            ),
        ),
    )
    out = rendering.render_entity(entity)
    rendered_lines = lines_of(rendering, out.headers, out.body)
    assert rendered_lines[:2] == list(COMPUTE_LINES[:2])
    assert rendered_lines[3] == COMPUTE_LINES[3]
    assert rendered_lines[4:] == list(COMPUTE_LINES[4:])
    assert 'occi.networkinterface.interface="eth0"' in rendered_lines[2]
    assert rendering.parse_entity(out.headers, out.body) == entity


def test_case1_link_attributes_only_after_category(rendering: TextRendering) -> None:
    h, b = message(
        rendering,
        f"Category: {COMPUTE_CAT}",
        f'Link: </network/n1>;rel="{INFRA}network";occi.networkinterface.interface="eth0"',
    )
    with pytest.raises(ParseError, match="before category=") as info:
        rendering.parse_entity(h, b)
    assert (info.value.line, info.value.rule) == (2, "T12 §4.2 Link")


def test_case2_untyped_link_values_and_case3_unquoted_category(rendering: TextRendering) -> None:
    link_kind = INFRA + "networkinterface"
    h, b = message(
        rendering,
        f"Category: {COMPUTE_CAT}",
        f'Link: </n/1>;rel="{INFRA}network";category={link_kind};'
        "occi.networkinterface.interface=eth0",
        f'Link: </n/2>;rel="{INFRA}network";category="{link_kind}";'
        'occi.networkinterface.interface="eth0"',
    )
    entity = rendering.parse_entity(h, b)
    assert isinstance(entity, Resource)
    values = [link.attributes["occi.networkinterface.interface"] for link in entity.links]
    assert values == ["eth0", "eth0"]
    assert all(link.kind == link_kind for link in entity.links)


def test_case4_action_link_term_must_match(rendering: TextRendering) -> None:
    h, b = message(
        rendering,
        f"Category: {COMPUTE_CAT}",
        f'Link: </compute/1?action=stop>;rel="{ACTIONS}start"',
    )
    with pytest.raises(ParseError, match="differs") as info:
        rendering.parse_entity(h, b)
    assert (info.value.line, info.value.rule) == (2, "T12 §4.2 action Link")


def test_case5_action_links_and_links_in_one_comma_list(rendering: TextRendering) -> None:
    h, b = message(
        rendering,
        f"Category: {COMPUTE_CAT}",
        f'Link: </compute/1?action=stop>;rel="{ACTIONS}stop", </storage/s,1>;rel="{INFRA}storage";'
        f'category="{INFRA}storagelink"',
    )
    entity = rendering.parse_entity(h, b)
    assert isinstance(entity, Resource)
    assert entity.actions == (ACTIONS + "stop",)
    assert [link.attributes["occi.core.target"] for link in entity.links] == ["/storage/s,1"]


def test_case7_inline_link_may_repeat_source_and_target(rendering: TextRendering) -> None:
    h, b = message(
        rendering,
        f"Category: {COMPUTE_CAT}",
        f'Link: </storage/1>;rel="{INFRA}storage";category="{INFRA}storagelink";'
        'occi.core.source="/compute/9";occi.core.target="/storage/1"',
    )
    entity = rendering.parse_entity(h, b)
    assert isinstance(entity, Resource)
    assert entity.links[0].source == "/compute/9"
    h, b = message(
        rendering,
        f"Category: {COMPUTE_CAT}",
        f'Link: </storage/1>;rel="{INFRA}storage";category="{INFRA}storagelink";'
        'occi.core.target="/storage/2"',
    )
    with pytest.raises(ParseError, match="differs"):
        rendering.parse_entity(h, b)


def test_link_instance(rendering: TextRendering) -> None:
    link = Link(
        kind=INFRA + "storagelink",
        attributes={
            "occi.core.id": "l1",
            "occi.core.source": "/compute/1",
            "occi.core.target": "/storage/1",
            "occi.storagelink.deviceid": "/dev/vdb",
        },
        location="/link/storagelink/l1",
        actions=("http://example.org/la#poke",),
    )
    out = rendering.render_entity(link)
    assert lines_of(rendering, out.headers, out.body) == [
        f'Category: storagelink;scheme="{INFRA}";class="kind"',
        'Link: </link/storagelink/l1?action=poke>;rel="http://example.org/la#poke"',
        'X-OCCI-Attribute: occi.core.id="l1"',
        'X-OCCI-Attribute: occi.core.source="/compute/1"',
        'X-OCCI-Attribute: occi.core.target="/storage/1"',
        'X-OCCI-Attribute: occi.storagelink.deviceid="/dev/vdb"',
    ]
    assert rendering.parse_entity(out.headers, out.body) == link


def test_link_kind_from_the_model(rendering: TextRendering) -> None:
    h, b = message(rendering, f'Category: networkinterface;scheme="{INFRA}";class="kind"')
    assert type(rendering.parse_entity(h, b)) is Resource
    assert type(rendering.parse_entity(h, b, INFRASTRUCTURE_MODEL)) is Link


def test_link_instance_has_no_inline_links(rendering: TextRendering) -> None:
    h, b = message(
        rendering,
        f'Category: storagelink;scheme="{INFRA}";class="kind"',
        f'Link: </storage/1>;rel="{INFRA}storage"',
        'X-OCCI-Attribute: occi.core.source="/compute/1", occi.core.target="/storage/1"',
    )
    with pytest.raises(ParseError, match="action links only") as info:
        rendering.parse_entity(h, b)
    assert info.value.line == 2


# --- §2.4 Attribute ---------------------------------------------------------------------------


def test_reference_escaping_case(rendering: TextRendering) -> None:
    # test_occi_11 test_syntax (TEXT-ATTR-06): memory must come out as 3.6
    h, b = message(
        rendering,
        f"Category: {COMPUTE_CAT}",
        "X-OCCI-Attribute: occi.compute.memory=3.6, occi.core.title=\"How's your quotes "
        'escaping? \\", occi.compute.memory=1.0"',
    )
    entity = rendering.parse_entity(h, b)
    assert entity.attributes == {
        "occi.compute.memory": 3.6,
        "occi.core.title": "How's your quotes escaping? \", occi.compute.memory=1.0",
    }


def test_case1_numbers_and_quoted_numbers(rendering: TextRendering) -> None:
    h, b = message(
        rendering, f"Category: {COMPUTE_CAT}", 'X-OCCI-Attribute: a.int=2, a.str="2", a.f=2.0'
    )
    attributes = rendering.parse_entity(h, b).attributes
    assert attributes == {"a.int": 2, "a.str": "2", "a.f": 2.0}
    assert [type(v) for v in attributes.values()] == [int, str, float]


@pytest.mark.parametrize("value", ["", ".", "-1", "1e3", "+2", "TRUE", "active"])
def test_case2_degenerate_values(rendering: TextRendering, value: str) -> None:
    h, b = message(rendering, f"Category: {COMPUTE_CAT}", f"X-OCCI-Attribute: a.b={value}")
    with pytest.raises(ParseError) as info:
        rendering.parse_entity(h, b)
    assert info.value.rule == "T12 §4.3 X-OCCI-Attribute"
    assert info.value.line == 2
    assert info.value.text is not None and f"a.b={value}" in info.value.text


def test_case3_booleans_and_case4_enums(rendering: TextRendering) -> None:
    h, b = message(
        rendering,
        f"Category: {COMPUTE_CAT}",
        'X-OCCI-Attribute: a.t=true, a.f=false, a.s="true", occi.compute.state="active"',
    )
    assert rendering.parse_entity(h, b).attributes == {
        "a.t": True,
        "a.f": False,
        "a.s": "true",
        "occi.compute.state": "active",
    }


def test_case6_comma_lists_and_repeated_lines(rendering: TextRendering) -> None:
    h, b = message(
        rendering,
        f"Category: {COMPUTE_CAT}",
        'X-OCCI-Attribute: occi.compute.cores=2, occi.core.title="a, b"',
        "X-OCCI-Attribute: occi.compute.memory=4.0",
    )
    assert rendering.parse_entity(h, b).attributes == {
        "occi.compute.cores": 2,
        "occi.core.title": "a, b",
        "occi.compute.memory": 4.0,
    }


def test_case7_whitespace_around_equals(rendering: TextRendering) -> None:
    h, b = message(rendering, f"Category: {COMPUTE_CAT}", 'X-OCCI-Attribute: a.b = "x" ,c = 1')
    entity = rendering.parse_entity(h, b)
    assert entity.attributes == {"a.b": "x", "c": 1}
    out = rendering.render_entity(entity)
    assert lines_of(rendering, out.headers, out.body)[1:] == [
        'X-OCCI-Attribute: a.b="x"',
        "X-OCCI-Attribute: c=1",
    ]


def test_case8_empty_string_and_case9_complex_values(rendering: TextRendering) -> None:
    entity = Resource(kind=COMPUTE, attributes={"occi.core.summary": "", "x.list": ["a"]})
    out = rendering.render_entity(entity)
    assert lines_of(rendering, out.headers, out.body)[1:] == [
        'X-OCCI-Attribute: occi.core.summary=""',
        'X-OCCI-Attribute: x.list="[\\"a\\"]"',
    ]
    parsed = rendering.parse_entity(out.headers, out.body)
    assert parsed.attributes == {"occi.core.summary": "", "x.list": '["a"]'}


def test_case10_unknown_attribute_names_are_parsed(rendering: TextRendering) -> None:
    # whether an unknown name is allowed is the model's business (validation), not the grammar's
    h, b = message(rendering, f"Category: {COMPUTE_CAT}", 'X-OCCI-Attribute: no.such.thing="x"')
    assert rendering.parse_entity(h, b).attributes == {"no.such.thing": "x"}


def test_duplicate_attribute(rendering: TextRendering) -> None:
    h, b = message(
        rendering,
        f"Category: {COMPUTE_CAT}",
        "X-OCCI-Attribute: a.b=1",
        "X-OCCI-Attribute: c=2, a.b=1",
    )
    with pytest.raises(ParseError, match="twice") as info:
        rendering.parse_entity(h, b)
    assert (info.value.line, info.value.rule) == (3, "T12 §4.3 X-OCCI-Attribute")


def test_render_refuses_what_the_grammar_cannot_carry(rendering: TextRendering) -> None:
    for attributes in ({"a": -1}, {"a": float("nan")}, {"a": "x\ny"}, {"bad name": 1}):
        with pytest.raises(LocalProtocolError):
            rendering.render_entity(Resource(kind=COMPUTE, attributes=attributes))
    with pytest.raises(LocalProtocolError, match="location"):
        rendering.render_entity(Resource(kind=COMPUTE, actions=(ACTIONS + "start",)))
    with pytest.raises(LocalProtocolError):
        rendering.render_entity(Resource(kind="no-hash"))


def test_none_attributes_are_not_rendered(rendering: TextRendering) -> None:
    out = rendering.render_entity(Resource(kind=COMPUTE, attributes={"a": None, "b": 1}))
    assert lines_of(rendering, out.headers, out.body)[1:] == ["X-OCCI-Attribute: b=1"]


# --- entity composition (T12 §5.1) ----------------------------------------------------------


def test_two_kinds(rendering: TextRendering) -> None:
    h, b = message(
        rendering, f"Category: {COMPUTE_CAT}", f'Category: storage;scheme="{INFRA}";class="kind"'
    )
    with pytest.raises(ParseError, match="more than one") as info:
        rendering.parse_entity(h, b)
    assert (info.value.line, info.value.rule) == (2, "T12 §5.1.1 resource rendering")


def test_no_kind(rendering: TextRendering) -> None:
    h, b = message(rendering, f"Category: {TAG_CAT}", "X-OCCI-Attribute: a=1")
    with pytest.raises(ParseError, match="no Category") as info:
        rendering.parse_entity(h, b)
    assert info.value.line == 1
    with pytest.raises(ParseError, match="no Category"):
        rendering.parse_entity(*message(rendering))


def test_action_category_in_entity(rendering: TextRendering) -> None:
    h, b = message(
        rendering, f"Category: {COMPUTE_CAT}", f'Category: start;scheme="{ACTIONS}";class=action'
    )
    with pytest.raises(ParseError, match="no action Category"):
        rendering.parse_entity(h, b)


def test_location_lines_have_no_place_in_an_entity(rendering: TextRendering) -> None:
    h, b = message(rendering, f"Category: {COMPUTE_CAT}", "X-OCCI-Location: /compute/1")
    with pytest.raises(ParseError, match="no place"):
        rendering.parse_entity(h, b)


def test_parse_entities_is_the_one_entity(rendering: TextRendering) -> None:
    h, b = message(rendering, f"Category: {COMPUTE_CAT}")
    assert rendering.parse_entities(h, b) == [Resource(kind=COMPUTE)]


def test_instance_categories_in_long_form_are_accepted(rendering: TextRendering) -> None:
    # AMB-TXT-09: extra parameters in an instance's categories
    h, b = message(rendering, f'Category: {COMPUTE_CAT};title="Compute";location="/compute/"')
    assert rendering.parse_entity(h, b) == Resource(kind=COMPUTE)


# --- §2.5 Location ----------------------------------------------------------------------------


def test_locations_repeated_and_comma_lists(rendering: TextRendering) -> None:
    h, b = message(
        rendering,
        "X-OCCI-Location: /compute/1, /compute/2",
        "X-OCCI-Location: http://occi.example.org:11443/compute/3",
        "x-occi-location: /compute/4,",
    )
    assert rendering.parse_locations(h, b) == [
        "/compute/1",
        "/compute/2",
        "http://occi.example.org:11443/compute/3",
        "/compute/4",
    ]


def test_render_locations_one_per_line(rendering: TextRendering) -> None:
    out = rendering.render_locations(["/compute/1", "http://h/compute/2"])
    assert lines_of(rendering, out.headers, out.body) == [
        "X-OCCI-Location: /compute/1",
        "X-OCCI-Location: http://h/compute/2",
    ]
    with pytest.raises(LocalProtocolError, match="comma"):
        rendering.render_locations(["/compute/a,b"])
    with pytest.raises(LocalProtocolError):
        rendering.render_locations(["/compute/a b"])


def test_empty_collection() -> None:
    # text/plain: empty body; text/occi: no location headers and body OK (digest §2.5 case 4)
    assert TEXT_PLAIN_RENDERING.render_collection([]).body == b""
    occi = TEXT_OCCI_RENDERING.render_collection([])
    assert (occi.headers, occi.body) == ([], b"OK\n")
    assert TEXT_PLAIN_RENDERING.parse_locations([], b"") == []
    assert TEXT_OCCI_RENDERING.parse_locations([("Content-Length", "2")], b"OK") == []


def test_render_collection(rendering: TextRendering) -> None:
    entities = [Resource(kind=COMPUTE, location="/compute/1"), Link(kind=LINK, location="/l/2")]
    out = rendering.render_collection(entities)
    assert rendering.parse_locations(out.headers, out.body) == ["/compute/1", "/l/2"]
    with pytest.raises(LocalProtocolError):
        rendering.render_collection([Resource(kind=COMPUTE)])


def test_http_location_is_not_an_occi_location() -> None:
    headers = [("Location", "/compute/1"), ("X-OCCI-Location", "/compute/2")]
    assert TEXT_OCCI_RENDERING.parse_locations(headers, b"OK") == ["/compute/2"]


def test_location_errors(rendering: TextRendering) -> None:
    h, b = message(rendering, "X-OCCI-Location: /compute/1", 'X-OCCI-Location: /a, "/b"')
    with pytest.raises(ParseError, match="not a URI") as info:
        rendering.parse_locations(h, b)
    assert (info.value.line, info.value.rule) == (2, "T12 §4.4 X-OCCI-Location")
    h, b = message(rendering, f"Category: {COMPUTE_CAT}")
    with pytest.raises(ParseError, match="no place") as info:
        rendering.parse_locations(h, b)
    assert info.value.rule == "T12 §5.3 entity collection"


# --- action invocation, filter, errors --------------------------------------------------------


def test_action_invocation(rendering: TextRendering) -> None:
    invocation = ActionInvocation(action=ACTIONS + "stop", attributes={"method": "poweroff"})
    out = rendering.render_action_invocation(invocation)
    assert lines_of(rendering, out.headers, out.body) == [
        f'Category: stop;scheme="{ACTIONS}";class="action"',
        'X-OCCI-Attribute: method="poweroff"',
    ]
    assert rendering.parse_action_invocation(out.headers, out.body) == invocation


@pytest.mark.parametrize(
    "lines",
    [
        (),
        (f"Category: {COMPUTE_CAT}",),
        (f'Category: stop;scheme="{ACTIONS}";class=action, start;scheme="{ACTIONS}";class=action',),
        (f'Category: stop;scheme="{ACTIONS}";class=action', f'Link: </x>;rel="{INFRA}compute"'),
    ],
)
def test_action_invocation_errors(rendering: TextRendering, lines: tuple[str, ...]) -> None:
    h, b = message(rendering, *lines)
    with pytest.raises(ParseError) as info:
        rendering.parse_action_invocation(h, b)
    assert info.value.rule == "T12 §5.1.1.1 action invocation"


def test_filter(rendering: TextRendering) -> None:
    h, b = message(
        rendering,
        f"Category: {COMPUTE_CAT}, {TAG_CAT}",
        'X-OCCI-Attribute: occi.core.title="web, 1"',
    )
    assert rendering.parse_filter(h, b) == Filter(
        categories=(COMPUTE, "http://example.org/tags#tag"),
        attributes={"occi.core.title": "web, 1"},
    )
    assert rendering.parse_filter(*message(rendering)) == Filter()


def test_render_error(rendering: TextRendering) -> None:
    out = rendering.render_error(404, "no such entity")
    assert out == type(out)(headers=[], body=b"no such entity\n")


# --- where the lines live ---------------------------------------------------------------------


def test_text_plain_crlf_and_lf() -> None:
    lines = (f"Category: {COMPUTE_CAT}", "X-OCCI-Attribute: a=1")
    for crlf in (False, True):
        h, b = message(TEXT_PLAIN_RENDERING, *lines, crlf=crlf)
        assert TEXT_PLAIN_RENDERING.parse_entity(h, b).attributes == {"a": 1}


def test_text_plain_line_numbers_count_blank_lines() -> None:
    body = f"\nCategory: {COMPUTE_CAT}\r\n\r\nX-OCCI-Attribute: a=-1\r\n".encode()
    with pytest.raises(ParseError) as info:
        TEXT_PLAIN_RENDERING.parse_entity([], body)
    assert (info.value.line, info.value.text) == (4, "X-OCCI-Attribute: a=-1")


def test_text_plain_ignores_headers_and_text_occi_ignores_the_body() -> None:
    headers = [("Category", COMPUTE_CAT)]
    body = f"Category: {TAG_CAT}\n".encode()
    assert TEXT_PLAIN_RENDERING.parse_filter(headers, body).categories == (
        "http://example.org/tags#tag",
    )
    assert TEXT_OCCI_RENDERING.parse_filter(headers, body).categories == (COMPUTE,)


def test_text_occi_numbers_occi_headers_only() -> None:
    headers = [
        ("Host", "x"),
        ("Category", COMPUTE_CAT),
        ("Accept", "*/*"),
        ("X-OCCI-Attribute", "a=1"),
        ("X-OCCI-Attribute", "b=oops"),
    ]
    with pytest.raises(ParseError) as info:
        TEXT_OCCI_RENDERING.parse_entity(headers, b"")
    assert (info.value.line, info.value.text) == (3, "X-OCCI-Attribute: b=oops")


@pytest.mark.parametrize(
    ("body", "why"),
    [
        (b"Category compute\n", "Name: value"),
        (b"Content-Type: text/plain\n", "unknown line name"),
        (b" Category: x\n", "Name: value"),
        (b"\xff\xfe\n", "not UTF-8"),
    ],
)
def test_text_plain_malformed_lines(body: bytes, why: str) -> None:
    with pytest.raises(ParseError, match=why) as info:
        TEXT_PLAIN_RENDERING.parse_categories([], body)
    assert info.value.rule == "T12 §6 text/plain"


def test_unicode_line_separators_stay_inside_values() -> None:
    entity = Resource(kind=COMPUTE, attributes={"occi.core.title": "a\u2028b\u0085c"})
    out = TEXT_PLAIN_RENDERING.render_entity(entity)
    assert TEXT_PLAIN_RENDERING.parse_entity([], out.body) == entity
