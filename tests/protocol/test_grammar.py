"""The text-rendering grammar (occi_protocol.grammar) against the digest's §2 summaries."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from occi_protocol import grammar
from occi_protocol.errors import LocalProtocolError, ParseError
from occi_protocol.testing import strategies as occi_st

INFRA = "http://schemas.ogf.org/occi/infrastructure#"

# --- lexemes: terms and attribute names per profile (digest D6, D7) --------------------------


@pytest.mark.parametrize(
    ("term", "ok12", "ok11"),
    [
        ("compute", True, True),
        ("os_tpl", True, True),
        ("ubuntu-22", True, True),
        ("Compute", True, False),
        ("my.tag", True, False),
        ("0day", True, False),
        ("_x", False, False),
        ("-x", False, False),
        (".x", False, False),
        ("", False, False),
        ("a b", False, False),
        ("café", False, False),
    ],
)
def test_term_per_profile(term: str, ok12: bool, ok11: bool) -> None:
    assert (grammar.TERM12.fullmatch(term) is not None) is ok12
    assert (grammar.TERM11.fullmatch(term) is not None) is ok11
    assert grammar.term_pattern("1.1") is grammar.TERM11
    assert grammar.term_pattern("1.2") is grammar.TERM12


@pytest.mark.parametrize(
    ("name", "ok12", "ok11"),
    [
        ("occi.compute.cores", True, True),
        ("occi.core.target.kind", True, True),
        ("method", True, True),
        ("occi.agreement.agreedAt", True, False),
        ("occi.compute.2x", True, False),
        ("occi..cores", True, False),
        ("occi.cores.", True, False),
        (".occi", False, False),
        ("occi cores", False, False),
        ("", False, False),
    ],
)
def test_attribute_name_per_profile(name: str, ok12: bool, ok11: bool) -> None:
    assert (grammar.ATTRIBUTE_NAME12.fullmatch(name) is not None) is ok12
    assert (grammar.ATTRIBUTE_NAME11.fullmatch(name) is not None) is ok11


@pytest.mark.parametrize(
    ("scheme", "ok"),
    [
        (INFRA, True),
        ("http://schemas.ogf.org/occi/infrastructure/compute/action#", True),
        ("urn:x-occi:my#", True),
        ("http://schemas.ogf.org/occi/infrastructure", True),  # legal; the suite warns
        ("/occi/infrastructure#", False),  # not absolute
        ("http://a#b#", False),
        ('http://a"b#', False),
        ("http://a b#", False),
    ],
)
def test_scheme(scheme: str, ok: bool) -> None:
    assert (grammar.SCHEME.fullmatch(scheme) is not None) is ok


def test_type_id_splits_after_the_hash() -> None:
    match = grammar.TYPE_ID.fullmatch(INFRA + "compute")
    assert match is not None
    assert match.groups() == (INFRA, "compute")
    assert grammar.TYPE_ID.fullmatch(INFRA) is None


@pytest.mark.parametrize(
    ("text", "ok"),
    [("kind", True), ('"mixin"', True), ("action", True), ("Kind", False), ('"kind', False)],
)
def test_class(text: str, ok: bool) -> None:
    assert (grammar.CLASS.fullmatch(text) is not None) is ok


@pytest.mark.parametrize(
    ("text", "is_int", "is_float"),
    [
        ("2", True, False),
        ("0", True, False),
        ("2.0", False, True),
        ("3.", False, True),
        (".5", False, True),
        ("", False, False),
        (".", False, False),
        ("-1", False, False),
        ("1e3", False, False),
        ("+2", False, False),
    ],
)
def test_numbers(text: str, is_int: bool, is_float: bool) -> None:
    assert (grammar.INT.fullmatch(text) is not None) is is_int
    assert (grammar.FLOAT.fullmatch(text) is not None) is is_float


@pytest.mark.parametrize(
    ("text", "ok"),
    [
        ('""', True),
        ('"a, b; c"', True),
        ('"say \\"hi\\""', True),
        ('"back\\\\slash"', True),
        ('"tab\there"', True),
        ('"é☃"', True),
        ('"unterminated', False),
        ('"bare " quote"', False),
        ('"ends in backslash\\"', False),
        ('"line\nbreak"', False),
        ("unquoted", False),
    ],
)
def test_quoted_string(text: str, ok: bool) -> None:
    assert (grammar.QUOTED_STRING.fullmatch(text) is not None) is ok


# --- quote / unquote ------------------------------------------------------------------------


@settings(max_examples=200)
@given(occi_st.text_values())
def test_quote_round_trip(text: str) -> None:
    quoted = grammar.quote(text)
    assert grammar.QUOTED_STRING.fullmatch(quoted)
    assert grammar.unquote(quoted) == text


def test_quote_escapes() -> None:
    assert grammar.quote('a "b" \\c') == '"a \\"b\\" \\\\c"'
    assert grammar.unquote('"\\a\\b"') == "ab"  # quoted-pair of any VCHAR


@pytest.mark.parametrize("char", ["\n", "\r", "\x00", "\x1b", "\x7f"])
def test_quote_refuses_control_characters(char: str) -> None:
    with pytest.raises(LocalProtocolError, match="control character"):
        grammar.quote(f"a{char}b")


@pytest.mark.parametrize("text", ['"open', "bare", '"a"b"'])
def test_unquote_errors(text: str) -> None:
    with pytest.raises(ParseError) as info:
        grammar.unquote(text)
    assert info.value.rule == grammar.RULE_QUOTED_STRING


# --- lists and parameters -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "parts"),
    [
        ("a, b", ["a", "b"]),
        ('a="x, y", b=2', ['a="x, y"', "b=2"]),
        ('t="q \\", still", u=1', ['t="q \\", still"', "u=1"]),
        ("a,, ,b,", ["a", "b"]),
        ("", []),
        (" a ", ["a"]),
    ],
)
def test_split_list(value: str, parts: list[str]) -> None:
    assert grammar.split_list(value) == parts


def test_split_list_angle_keeps_uri_commas() -> None:
    value = '</a,b>;rel="x", </c>;rel="y"'
    assert grammar.split_list(value, angle=True) == ['</a,b>;rel="x"', '</c>;rel="y"']
    assert len(grammar.split_list(value)) == 3


def test_split_list_unterminated_quote() -> None:
    with pytest.raises(ParseError) as info:
        grammar.split_list('a="open, b=2')
    assert info.value.rule == grammar.RULE_QUOTED_STRING


@pytest.mark.parametrize(
    ("value", "parts"),
    [
        ('compute;scheme="s#";class="kind"', ["compute", 'scheme="s#"', 'class="kind"']),
        ('compute ; scheme="s#" ;class=kind;', ["compute", 'scheme="s#"', "class=kind"]),
        ('t;title="a;b"', ["t", 'title="a;b"']),
        ("t", ["t"]),
    ],
)
def test_split_params(value: str, parts: list[str]) -> None:
    assert grammar.split_params(value) == parts


@pytest.mark.parametrize("value", ["a;;b", ";a", "a;;"])
def test_split_params_empty_parameter(value: str) -> None:
    with pytest.raises(ParseError, match="empty parameter"):
        grammar.split_params(value)


# --- values ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "text"),
    [
        ("x", '"x"'),
        ('a"b', '"a\\"b"'),
        ("", '""'),
        (2, "2"),
        (0, "0"),
        (2.0, "2.0"),
        (3.6, "3.6"),
        (1e-7, "0.0000001"),
        (1e16, "10000000000000000.0"),
        (-0.0, "0.0"),
        (True, "true"),
        (False, "false"),
        (["a"], '"[\\"a\\"]"'),
        ({"k": 1}, '"{\\"k\\": 1}"'),
    ],
)
def test_render_value(value: object, text: str) -> None:
    assert grammar.render_value(value) == text


@pytest.mark.parametrize("value", [-1, -0.5, float("inf"), float("nan"), None, b"x", "a\nb"])
def test_render_value_refuses(value: object) -> None:
    with pytest.raises(LocalProtocolError):
        grammar.render_value(value)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ('"2"', "2"),
        ("2", 2),
        ("2.5", 2.5),
        ("3.", 3.0),
        (".5", 0.5),
        ("true", True),
        ("false", False),
        ('"true"', "true"),
        ('""', ""),
        ('"a \\"b\\""', 'a "b"'),
    ],
)
def test_parse_value(text: str, value: object) -> None:
    parsed = grammar.parse_value(text)
    assert parsed == value
    assert type(parsed) is type(value)


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("", "empty value"),
        (".", "bare"),
        ("-1", "signed"),
        ("+2.5", "signed"),
        ("1e3", "exponent"),
        ("2.5E-3", "exponent"),
        ("True", "lower case"),
        ("active", "must be quoted"),
        ('"open', "malformed quoted string"),
    ],
)
def test_parse_value_errors(text: str, why: str) -> None:
    with pytest.raises(ParseError, match=why) as info:
        grammar.parse_value(text)
    assert info.value.rule == grammar.RULE_ATTRIBUTE


@settings(max_examples=300)
@given(occi_st.attribute_values())
def test_value_round_trip(value: object) -> None:
    parsed = grammar.parse_value(grammar.render_value(value))
    assert parsed == value
    assert type(parsed) is type(value)


@given(st.floats(min_value=0, allow_nan=False, allow_infinity=False))
def test_float_rendering_has_no_exponent(value: float) -> None:
    assert grammar.FLOAT.fullmatch(grammar.render_value(value))


def test_parse_attribute_tolerates_space_around_equals() -> None:
    assert grammar.parse_attribute("occi.compute.cores = 2") == ("occi.compute.cores", 2)
    assert grammar.format_attribute("occi.compute.cores", 2) == "occi.compute.cores=2"
    with pytest.raises(ParseError, match="name=value"):
        grammar.parse_attribute("occi.compute.cores")
    with pytest.raises(ParseError, match="invalid attribute name"):
        grammar.parse_attribute('bad name="x"')


# --- Category values (T12 §4.1) -------------------------------------------------------------


def test_parse_category_long_form() -> None:
    value = grammar.parse_category_value(
        'compute;scheme="http://schemas.ogf.org/occi/infrastructure#";class="kind";'
        'title="Compute, \\"big\\"; resource";rel="http://schemas.ogf.org/occi/core#resource";'
        'location="/compute/";attributes="occi.compute.cores occi.compute.state{immutable  '
        'required} occi.core.id{immutable}";'
        'actions="http://schemas.ogf.org/occi/infrastructure/compute/action#start"'
    )
    assert value.id == INFRA + "compute"
    assert value.category_class == "kind"
    assert value.title == 'Compute, "big"; resource'
    assert value.rel == ("http://schemas.ogf.org/occi/core#resource",)
    assert value.location == "/compute/"
    assert value.attributes == (
        ("occi.compute.cores", frozenset()),
        ("occi.compute.state", frozenset({"immutable", "required"})),
        ("occi.core.id", frozenset({"immutable"})),
    )
    assert value.actions == ("http://schemas.ogf.org/occi/infrastructure/compute/action#start",)
    assert value.order == ("scheme", "class", "title", "rel", "location", "attributes", "actions")


def test_category_format_is_canonical_and_round_trips() -> None:
    text = (
        'tag;scheme="http://example.org/tags#";class="mixin";title="a \\"b\\"";'
        'rel="http://schemas.ogf.org/occi/infrastructure#os_tpl";location="/tag/";'
        'attributes="x{immutable required} y{required} z";actions="http://example.org/a#go"'
    )
    assert grammar.format_category_value(grammar.parse_category_value(text)) == text


def test_category_any_order_unquoted_class_trailing_semicolon() -> None:
    value = grammar.parse_category_value(
        'compute; class=kind ; location="/c/";scheme="http://schemas.ogf.org/occi/infrastructure#";'
    )
    assert value.category_class == "kind"
    assert value.location == "/c/"
    assert value.order == ("class", "location", "scheme")


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ('compute;class="kind"', "missing scheme"),
        ('compute;scheme="s#";class=kind', "not an absolute URI"),
        ("compute;scheme=http://x#;class=kind", "scheme: expected a quoted string"),
        ('compute;scheme="http://x#";class="thing"', "class must be"),
        ('Com pute;scheme="http://x#";class="kind"', "invalid term"),
        ('c;scheme="http://x#";class="kind";colour="red"', "unknown parameter"),
        ('c;scheme="http://x#";class="kind";class="kind"', "given twice"),
        ('c;scheme="http://x#";class="kind";attributes="a{asdasd}"', "properties must be"),
        ('c;scheme="http://x#";class="kind";attributes="a{immutable"', "brace"),
        ('c;scheme="http://x#";class="kind";attributes="a}"', "brace"),
        ('c;scheme="http://x#";class="kind";attributes="a{}"', "properties must be"),
        ('c;scheme="http://x#";class="kind";attributes=""', "at least one"),
        ('c;scheme="http://x#";class="kind";actions=""', "empty list"),
        ('c;scheme="http://x#";class="kind";rel="nothash"', "not a type identifier"),
        ('c;scheme="http://x#";class="action";location="/c/"', "no location"),
        ('c;scheme="http://x#";class="kind";location="a b"', "not a URI reference"),
        ('c;scheme="http://x#";class="kind";title="open', "quoted string"),
    ],
)
def test_category_errors(text: str, why: str) -> None:
    with pytest.raises(ParseError, match=why):
        grammar.parse_category_value(text)


def test_format_category_refuses_bad_values() -> None:
    good = grammar.CategoryValue(term="t", scheme="http://x#", category_class="kind")
    grammar.format_category_value(good)
    for bad in (
        grammar.CategoryValue(term="t t", scheme="http://x#", category_class="kind"),
        grammar.CategoryValue(term="t", scheme="/x#", category_class="kind"),
        grammar.CategoryValue(term="t", scheme="http://x#", category_class="kinds"),
        grammar.CategoryValue(term="t", scheme="http://x#", category_class="kind", rel=("x",)),
    ):
        with pytest.raises(LocalProtocolError):
            grammar.format_category_value(bad)


# --- Link values (T12 §4.2) -----------------------------------------------------------------


def test_parse_link_value() -> None:
    link = grammar.parse_link_value(
        '</network/1>;rel="http://schemas.ogf.org/occi/infrastructure#network";'
        'self="/link/networkinterface/9";'
        'category="http://schemas.ogf.org/occi/infrastructure#networkinterface '
        'http://schemas.ogf.org/occi/infrastructure/networkinterface#ipnetworkinterface";'
        'occi.networkinterface.interface=eth0;occi.networkinterface.mac="aa:bb";x.n=2;'
        'occi.core.title="a;b, c"'
    )
    assert link.target == "/network/1"
    assert not link.is_action
    assert link.self_location == "/link/networkinterface/9"
    assert link.category[0] == INFRA + "networkinterface"
    assert dict(link.attributes) == {
        "occi.networkinterface.interface": "eth0",  # an untyped token (digest §2.3 case 2)
        "occi.networkinterface.mac": "aa:bb",
        "x.n": 2,
        "occi.core.title": "a;b, c",
    }


def test_link_unquoted_category() -> None:
    link = grammar.parse_link_value(f'</s/1>;rel="{INFRA}storage";category={INFRA}storagelink')
    assert link.category == (INFRA + "storagelink",)


def test_action_link() -> None:
    link = grammar.parse_link_value(
        '</compute/1?action=start>;rel="http://schemas.ogf.org/occi/infrastructure/compute/action#start"'
    )
    assert link.is_action
    assert link.action_base == "/compute/1"
    formatted = grammar.format_action_link(
        "/compute/1", "http://schemas.ogf.org/occi/infrastructure/compute/action#start"
    )
    assert grammar.parse_link_value(formatted) == link


@pytest.mark.parametrize(
    ("text", "why", "rule"),
    [
        (f'/c/1;rel="{INFRA}compute"', "starts with", grammar.RULE_LINK),
        ('</c/1>;self="/l/1"', "missing rel", grammar.RULE_LINK),
        (f'</c/1>;rel="{INFRA}compute";x.a=1', "before category=", grammar.RULE_LINK),
        (
            f'</c/1?action=stop>;rel="{INFRA[:-1]}/compute/action#start"',
            "differs",
            grammar.RULE_ACTION_LINK,
        ),
        (f'</c/1>;rel="{INFRA}compute";rel="{INFRA}compute"', "twice", grammar.RULE_LINK),
        (f'</c/1>;rel="{INFRA}c";category="{INFRA}l";a=x y', "neither", grammar.RULE_LINK),
        (f'</c 1>;rel="{INFRA}c"', "not a URI", grammar.RULE_LINK),
        (f'</c/1;rel="{INFRA}c"', "unterminated", grammar.RULE_LINK),
    ],
)
def test_link_errors(text: str, why: str, rule: str) -> None:
    with pytest.raises(ParseError, match=why) as info:
        grammar.parse_link_value(text)
    assert info.value.rule == rule


def test_format_link_needs_category_for_attributes() -> None:
    value = grammar.LinkValue(target="/n/1", rel=(INFRA + "network",), attributes=(("a", 1),))
    with pytest.raises(LocalProtocolError, match="category"):
        grammar.format_link_value(value)
