"""text/uri-list (RFC 2483; T12 §8): location lists only."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from occi_protocol.errors import LocalProtocolError, NotAcceptable, ParseError
from occi_protocol.model import ActionInvocation, Kind, Resource
from occi_protocol.rendering import URI_LIST
from occi_protocol.rendering.uri_list import URI_LIST_RENDERING as R
from occi_protocol.testing import strategies as occi_st


def test_media_type() -> None:
    assert R.media_type == URI_LIST


def test_render_locations_crlf() -> None:
    out = R.render_locations(["/compute/1", "http://h:1/compute/2"])
    assert (out.headers, out.body) == ([], b"/compute/1\r\nhttp://h:1/compute/2\r\n")
    assert R.render_locations([]).body == b""


def test_render_collection() -> None:
    out = R.render_collection([Resource(kind="http://x#c", location="/c/1")])
    assert out.body == b"/c/1\r\n"
    with pytest.raises(LocalProtocolError):
        R.render_collection([Resource(kind="http://x#c")])


@pytest.mark.parametrize("location", ["/a b", '/a"b', "/é", ""])
def test_render_refuses_non_uris(location: str) -> None:
    with pytest.raises(LocalProtocolError):
        R.render_locations([location])


def test_parse_comments_blank_lines_and_lf() -> None:
    body = b"# a comment\n/compute/1\n\n  /compute/2  \r\n#/not/this\n"
    assert R.parse_locations([], body) == ["/compute/1", "/compute/2"]


def test_parse_error_names_the_line() -> None:
    with pytest.raises(ParseError) as info:
        R.parse_locations([], b"/ok\r\nnot a uri\r\n")
    assert (info.value.line, info.value.text) == (2, "not a uri")
    assert "RFC 2483" in (info.value.rule or "")


@settings(max_examples=50)
@given(st.lists(occi_st.locations(), max_size=6))
def test_round_trip(locations: list[str]) -> None:
    assert R.parse_locations([], R.render_locations(locations).body) == locations


def test_commas_are_fine_here() -> None:
    assert R.parse_locations([], R.render_locations(["/a,b"]).body) == ["/a,b"]


@pytest.mark.parametrize(
    ("method", "argument"),
    [
        ("render_categories", [Kind(scheme="http://x#", term="c")]),
        ("render_entity", Resource(kind="http://x#c")),
        ("render_action_invocation", ActionInvocation(action="http://x#a")),
    ],
)
def test_only_lists_render(method: str, argument: object) -> None:
    with pytest.raises(NotAcceptable, match="only carries location lists") as info:
        getattr(R, method)(argument)
    assert info.value.status == 400  # TEXT-URI-02


@pytest.mark.parametrize(
    "method",
    [
        "parse_categories",
        "parse_entity",
        "parse_entities",
        "parse_action_invocation",
        "parse_filter",
    ],
)
def test_only_lists_parse(method: str) -> None:
    with pytest.raises(ParseError, match="only carries location lists"):
        getattr(R, method)([], b"/compute/1\r\n")


def test_render_error_is_a_comment() -> None:
    out = R.render_error(400, "text/uri-list only carries location lists\nmore")
    assert out.body == b"# text/uri-list only carries location lists\r\n"
    assert R.parse_locations([], out.body) == []
