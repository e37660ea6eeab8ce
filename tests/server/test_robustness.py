"""Bad input gets a 4xx naming what was wrong, never a 500, and changes nothing.

Also: parallel creates and updates lose nothing, and a file database survives a restart.
Everything talks HTTP to a real server process.
"""

from __future__ import annotations

import concurrent.futures
import json

import pytest
import urllib3
from hypothesis import given
from hypothesis import strategies as st

from occi_protocol.definitions import infrastructure as infra
from occi_protocol.model import Resource
from occi_protocol.rendering import OCCI_JSON, TEXT_OCCI, TEXT_PLAIN, rendering_for
from tests.conftest import start_reference_server

HTTP = urllib3.PoolManager(retries=False, timeout=10.0, maxsize=60)
COMPUTE = 'Category: compute; scheme="http://schemas.ogf.org/occi/infrastructure#"; class="kind"'


def count_all(base: str) -> int:
    response = HTTP.request("GET", base + "/", headers={"Accept": "text/uri-list"})
    assert response.status == 200
    return len([line for line in response.data.decode().splitlines() if line.strip()])


def create(base: str, title: str) -> str:
    body = f'{COMPUTE}\nX-OCCI-Attribute: occi.core.title="{title}"\n'
    response = HTTP.request(
        "POST", base + "/compute/", body=body, headers={"Content-Type": TEXT_PLAIN}
    )
    assert response.status == 201, response.data
    return response.headers["Location"]


@pytest.fixture(scope="module")
def existing(reference_server) -> str:
    return create(reference_server.url, "existing")


PATHS = st.sampled_from(
    [
        "/-/",
        "/.well-known/org/ogf/occi/-/",
        "/compute/",
        "/storage/",
        "/mixin/os_tpl/",
        "/",
        "/compute/nope",
        "/no/such/",
        "EXISTING",
        "EXISTING?action=start",
        "/compute/?action=stop",
        "/-/?x=%ff",
        "/compute/?page=-1&number=x",
    ]
)
CONTENT_TYPES = st.sampled_from(
    [
        TEXT_PLAIN,
        TEXT_OCCI,
        OCCI_JSON,
        "text/uri-list",
        "application/xml",
        "",
        "text/plain; charset=latin-1",
        "garbage",
    ]
)
LINES = st.sampled_from(
    [
        "Category: compute",
        'Category: compute; scheme="http://schemas.ogf.org/occi/infrastructure#"; class="kind"',
        'Category: compute; scheme="http://schemas.ogf.org/occi/infrastructure#',
        'Category: nosuch; scheme="http://example.org/x#"; class="kind"',
        'Category: start; scheme="http://schemas.ogf.org/occi/infrastructure/compute/action#"; class="action"',
        "X-OCCI-Attribute: occi.compute.cores=-1",
        'X-OCCI-Attribute: occi.compute.cores="two"',
        'X-OCCI-Attribute: occi.compute.state="active"',
        'X-OCCI-Attribute: occi.core.title="unterminated',
        "X-OCCI-Attribute: nosuch.attribute=1",
        "X-OCCI-Attribute: occi.compute.memory=.",
        'Link: </storage/x>; rel="http://schemas.ogf.org/occi/infrastructure#storage"',
        "X-OCCI-Location: not a uri",
        '{"kind": 3}',
        '{"resources": [{"kind": "nope"}]}',
        "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[",
    ]
)


@given(
    method=st.sampled_from(["GET", "POST", "PUT", "DELETE", "PATCH"]),
    path=PATHS,
    content_type=CONTENT_TYPES,
    lines=st.lists(LINES, max_size=4),
    noise=st.binary(max_size=40),
    header_lines=st.lists(
        LINES.filter(lambda s: ": " in s).map(lambda s: s.split(": ", 1)), max_size=3
    ),
    accept=st.sampled_from(
        [None, "*/*", TEXT_OCCI, OCCI_JSON, "text/uri-list", "image/png", "q=;;,"]
    ),
)
def test_garbage_never_500_and_4xx_changes_nothing(
    reference_server, existing, method, path, content_type, lines, noise, header_lines, accept
) -> None:
    base = reference_server.url
    path = path.replace("EXISTING", existing.removeprefix(base))
    before = count_all(base)
    headers = urllib3.HTTPHeaderDict()
    if content_type:
        headers.add("Content-Type", content_type)
    if accept is not None:
        headers.add("Accept", accept)
    for name, value in header_lines:
        if name.startswith(("Category", "X-OCCI", "Link")):
            headers.add(name, value)
    body = "\n".join(lines).encode() + noise
    response = HTTP.request(method, base + path, body=body or None, headers=headers)
    assert response.status < 500, response.data
    if response.status >= 400:
        assert response.data.strip(), "an error answer says what was wrong"
        assert count_all(base) == before, "a rejected request changed the server's state"


@pytest.mark.parametrize(
    ("body", "content_type", "status", "needle"),
    [
        (
            'Category: compute; scheme="http://schemas.ogf.org/occi/infrastructure#',
            TEXT_PLAIN,
            400,
            "line 1",
        ),
        (
            'Category: nosuch; scheme="http://example.org/x#"; class="kind"',
            TEXT_PLAIN,
            400,
            "nosuch",
        ),
        (
            COMPUTE + '\nX-OCCI-Attribute: occi.compute.cores="two"',
            TEXT_PLAIN,
            400,
            "occi.compute.cores",
        ),
        (COMPUTE + '\nX-OCCI-Attribute: occi.compute.state="active"', TEXT_PLAIN, 403, "immutable"),
        (COMPUTE + "\nX-OCCI-Attribute: no.such=1", TEXT_PLAIN, 400, "no.such"),
        (COMPUTE, "application/xml", 415, "application/xml"),
        (b"Category: \xff\xfe", TEXT_PLAIN, 400, "UTF-8"),
        (
            '{"kind": "http://schemas.ogf.org/occi/infrastructure#storage"}',
            OCCI_JSON,
            400,
            "occi.storage.size",
        ),
    ],
    ids=[
        "bad-syntax",
        "unknown-kind",
        "wrong-type",
        "immutable",
        "unknown-attribute",
        "wrong-content-type",
        "invalid-utf8",
        "missing-required",
    ],
)
def test_bad_requests_name_what_was_wrong(
    reference_server, body, content_type, status, needle
) -> None:
    base = reference_server.url
    before = count_all(base)
    path = "/storage/" if "storage" in str(body) else "/compute/"
    response = HTTP.request("POST", base + path, body=body, headers={"Content-Type": content_type})
    assert response.status == status, response.data
    assert needle.lower() in response.data.decode("utf-8", "replace").lower()
    assert count_all(base) == before


def test_body_too_large_is_413(reference_server) -> None:
    body = COMPUTE + "\n" + 'X-OCCI-Attribute: occi.core.summary="' + "x" * (2 << 20) + '"\n'
    response = HTTP.request(
        "POST", reference_server.url + "/compute/", body=body, headers={"Content-Type": TEXT_PLAIN}
    )
    assert response.status == 413


def test_fifty_parallel_creates_give_fifty_entities(reference_server) -> None:
    base = reference_server.url
    with concurrent.futures.ThreadPoolExecutor(max_workers=50) as pool:
        made = list(pool.map(lambda i: create(base, f"parallel-{i}"), range(50)))
    assert len(set(made)) == 50
    listed = HTTP.request(
        "GET", base + "/compute/", headers={"Accept": "text/uri-list"}
    ).data.decode()
    assert all(location in listed for location in made)


def test_concurrent_updates_of_different_attributes_lose_nothing(reference_server) -> None:
    base = reference_server.url
    location = create(base, "concurrent")
    names = [
        "occi.core.summary",
        "occi.compute.hostname",
        "occi.compute.cores",
        "occi.compute.memory",
    ]
    values = ['"s"', '"host.example.org"', "3", "2.5"]

    def update(pair: tuple[str, str]) -> int:
        body = f"{COMPUTE}\nX-OCCI-Attribute: {pair[0]}={pair[1]}\n"
        return HTTP.request(
            "POST", location, body=body, headers={"Content-Type": TEXT_PLAIN}
        ).status

    with concurrent.futures.ThreadPoolExecutor(max_workers=4) as pool:
        assert list(pool.map(update, zip(names, values, strict=True))) == [200] * 4
    response = HTTP.request("GET", location, headers={"Accept": OCCI_JSON})
    attributes = json.loads(response.data)["attributes"]
    assert attributes["occi.compute.cores"] == 3
    assert attributes["occi.compute.memory"] == 2.5
    assert attributes["occi.compute.hostname"] == "host.example.org"
    assert json.loads(response.data).get("summary", attributes.get("occi.core.summary")) == "s"


def test_state_survives_a_restart(tmp_path) -> None:
    database = tmp_path / "state.sqlite3"
    first = start_reference_server(tmp_path, "--database", str(database))
    try:
        location = create(first.url, "durable").removeprefix(first.url)
    finally:
        first.stop()
    second = start_reference_server(tmp_path, "--database", str(database))
    try:
        response = HTTP.request("GET", second.url + location, headers={"Accept": OCCI_JSON})
        assert response.status == 200
        assert json.loads(response.data)["title"] == "durable"
    finally:
        second.stop()


def test_rendering_for_rejects_unknown_media_type() -> None:
    with pytest.raises(KeyError):
        rendering_for("application/xml")
    assert rendering_for("text/plain; charset=utf-8").media_type == TEXT_PLAIN
    assert Resource(kind=infra.COMPUTE).kind == infra.COMPUTE
