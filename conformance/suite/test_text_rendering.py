"""The text renderings on the wire (T12 §4–7, H11 §3.5–3.6.6): what the endpoint sends, read
raw against the grammar, and what it accepts in the forms the grammar allows."""

from __future__ import annotations

import re

import pytest

from conformance.client import Exchange
from conformance.outcomes import not_applicable
from conformance.session import INFRA, OCCISession
from conformance.suite._wire import (
    COMPUTE,
    COMPUTE_ACTION,
    RESOURCE,
    STORAGE,
    UserMixins,
    category_params,
    existing_or_new,
    items,
    json_categories,
    json_qi,
    nic_attributes,
    occi_lines,
    parse_category,
    path_of,
    qi_category_values,
    require_link,
    shared_links,
    soft_warning,
    text_get,
    user_mixins_fixture,  # noqa: F401 - fixture
    version,
)
from occi_protocol import grammar
from occi_protocol.errors import ParseError
from occi_protocol.rendering import OCCI_JSON, TEXT_OCCI, TEXT_PLAIN

TEXT_TYPES = [TEXT_PLAIN, TEXT_OCCI]
CANONICAL_ORDER = ("scheme", "class", "title", "rel", "location", "attributes", "actions")


@pytest.fixture(params=TEXT_TYPES, ids=["text-plain", "text-occi"])
def text(request: pytest.FixtureRequest, occi: OCCISession) -> str:
    occi.require_rendering(request.param)
    return request.param


def _kind_category(term: str = "compute", klass: str = '"kind"', sep: str = ";") -> str:
    return f'{term}{sep}scheme="{INFRA}"{sep}class={klass}'


def _mixin_categories(occi: OCCISession) -> list[str]:
    """The site's os_tpl/resource_tpl as short Category values (sites need them)."""
    out = []
    for identifier in occi.compute_mixins():
        scheme, _, term = identifier.rpartition("#")
        out.append(f'{term};scheme="{scheme}#";class="mixin"')
    return out


def _post_compute(
    occi: OCCISession,
    media_type: str,
    categories: list[str],
    attributes: list[str],
    *,
    joined: bool = False,
    names: tuple[str, str] = ("Category", "X-OCCI-Attribute"),
    eol: str = "\r\n",
) -> Exchange:
    """POST a hand-written compute rendering; a success is registered for cleanup."""
    if not any("occi.core.title=" in a for a in attributes):
        attributes = [f"occi.core.title={grammar.quote(occi.title())}", *attributes]
    cat_lines = [", ".join(categories)] if joined else categories
    lines = [(names[0], c) for c in cat_lines] + [(names[1], a) for a in attributes]
    location = occi.require_kind(COMPUTE)
    if media_type == TEXT_OCCI:
        exchange = occi.client.post(
            location, headers=lines, body=b"", content_type=TEXT_OCCI, accept=TEXT_PLAIN
        )
    else:
        body = "".join(f"{n}: {v}{eol}" for n, v in lines)
        exchange = occi.client.post(location, body=body, content_type=TEXT_PLAIN, accept=TEXT_PLAIN)
    if exchange.status in (200, 201):
        occi.created.append(occi.location_of(exchange))
    return exchange


def _created(occi: OCCISession, exchange: Exchange, what: str) -> str:
    assert exchange.status in (200, 201), (
        f"creating a compute {what} answered {exchange.status}: {exchange.text[:300]}"
    )
    return occi.location_of(exchange)


def _raw_attributes(exchange: Exchange, media_type: str) -> dict[str, str]:
    """X-OCCI-Attribute name -> raw value text, as sent."""
    out = {}
    for item in items(occi_lines(exchange, media_type), "X-OCCI-Attribute"):
        name, _, raw = item.partition("=")
        out[name.strip()] = raw.strip()
    return out


# --- the query interface, raw ----------------------------------------------------------------


@pytest.mark.requirement("TEXT-CAT-01")
def test_category_values_follow_the_grammar(occi: OCCISession, text: str) -> None:
    for value in qi_category_values(occi, text):
        parsed = parse_category(value)
        canonical = [p for p in CANONICAL_ORDER if p in parsed.order]
        if list(parsed.order) != canonical:
            soft_warning(occi, "AMB-TXT-05", f"{parsed.id}: parameters in order {parsed.order}")


@pytest.mark.requirement("TEXT-GEN-03")
def test_everything_emitted_parses_strictly(occi: OCCISession, text: str) -> None:
    exchanges = [text_get(occi, "-/", text), text_get(occi, occi.require_kind(COMPUTE), text)]
    exchanges.append(text_get(occi, existing_or_new(occi), text))
    parsers = {
        "Category": grammar.parse_category_value,
        "Link": grammar.parse_link_value,
        "X-OCCI-Attribute": grammar.parse_attribute,
        "X-OCCI-Location": grammar.parse_location,
    }
    for exchange in exchanges:
        lines = occi_lines(exchange, text)
        for name, parse in parsers.items():
            for item in items(lines, name):
                try:
                    parse(item)
                except ParseError as exc:
                    raise AssertionError(
                        f"GET {exchange.url} ({text}) sent {name}: {item!r}, which breaks the"
                        f" T12 §4 grammar: {exc}"
                    ) from None


@pytest.mark.requirement("TEXT-CAT-02")
def test_terms_follow_the_version_grammar(occi: OCCISession, text: str) -> None:
    pattern = grammar.term_pattern(version(occi))
    for value in qi_category_values(occi, text):
        term = grammar.split_params(value)[0]
        assert pattern.fullmatch(term), (
            f"term {term!r} breaks the OCCI {version(occi)} term grammar (T12 §4.1 / H11 §3.5.1)"
        )


@pytest.mark.requirement("TEXT-CAT-03")
def test_scheme_is_a_quoted_uri(occi: OCCISession, text: str) -> None:
    for value in qi_category_values(occi, text):
        term, params, _ = category_params(value)
        raw = params.get("scheme", "")
        assert len(raw) > 2 and raw[0] == raw[-1] == '"', (
            f"Category {term!r}: scheme {raw!r} is not a quoted string"
        )
        assert re.fullmatch(r"[A-Za-z][A-Za-z0-9+.\-]*:\S+", raw[1:-1]), (
            f"Category {term!r}: scheme {raw} is not an absolute URI"
        )
        if not raw[1:-1].endswith("#"):
            soft_warning(occi, "TEXT-CAT-03", f"scheme {raw} does not end in '#'")


@pytest.mark.requirement("TEXT-CAT-06")
def test_rel_holds_one_identifier(occi: OCCISession, text: str) -> None:
    parsed = [parse_category(v) for v in qi_category_values(occi, text)]
    by_id = {p.id: p for p in parsed}
    compute = by_id.get(COMPUTE)
    if compute is not None:
        assert compute.rel == (RESOURCE,), (
            f"compute is rendered with rel={compute.rel}; a kind's rel is its parent, core#resource"
        )
    for p in parsed:
        if p.category_class == "kind":
            assert len(p.rel) <= 1, f"kind {p.id} has rel={p.rel}; a kind has one parent"
        elif len(p.rel) > 1:
            soft_warning(occi, "AMB-TXT-04", f"mixin {p.id} renders rel with {len(p.rel)} ids")
    if occi.supports(OCCI_JSON):
        tree = occi.client.get("-/", accept=OCCI_JSON)
        for mixin in occi.parse(tree, "categories"):  # type: ignore[union-attr]
            depends = getattr(mixin, "depends", None)
            if depends and mixin.id in by_id:
                assert by_id[mixin.id].rel[:1] == depends[:1], (
                    f"mixin {mixin.id}: text rel={by_id[mixin.id].rel}, but its first depends in"
                    f" JSON is {depends[0]} (T12 §5.5.2: rel holds the first depends)"
                )


@pytest.mark.requirement("TEXT-CAT-07")
def test_locations_are_quoted_uris(occi: OCCISession, text: str) -> None:
    for value in qi_category_values(occi, text):
        term, params, _ = category_params(value)
        if "location" not in params:
            continue
        raw = params["location"]
        assert raw.startswith('"') and raw.endswith('"'), f"{term}: location {raw} is not quoted"
        assert grammar.URI_REFERENCE.fullmatch(raw[1:-1]), f"{term}: location {raw} is not a URI"
        assert occi.client.url(raw[1:-1]).startswith(("http://", "https://"))


@pytest.mark.requirement("TEXT-CAT-08")
def test_attribute_lists_carry_only_known_properties(occi: OCCISession, text: str) -> None:
    for value in qi_category_values(occi, text):
        term, params, _ = category_params(value)
        if "attributes" not in params:
            continue
        raw = params["attributes"]
        assert raw.startswith('"') and raw.endswith('"'), f"{term}: attributes {raw} is unquoted"
        try:
            definitions = grammar.parse_attribute_defs(grammar.unquote(raw))
        except ParseError as exc:
            raise AssertionError(f"{term}: attributes={raw} breaks T12 §4.1: {exc}") from None
        for name, props in definitions:
            assert props <= {"immutable", "required"}, f"{term} {name}: properties {props}"


@pytest.mark.requirement("TEXT-CAT-09")
def test_actions_name_action_categories(occi: OCCISession, text: str) -> None:
    parsed = [parse_category(v) for v in qi_category_values(occi, text)]
    actions = {p.id for p in parsed if p.category_class == "action"}
    for p in parsed:
        missing = [a for a in p.actions if a not in actions]
        assert not missing, f"{p.id} lists actions {missing} that are no action category in /-/"


@pytest.mark.requirement("TEXT-CAT-10")
def test_compute_state_is_immutable(occi: OCCISession, text: str) -> None:
    occi.require_kind(COMPUTE)
    parsed = {p.id: p for p in map(parse_category, qi_category_values(occi, text))}
    attributes = dict(parsed[COMPUTE].attributes)
    if "occi.compute.state" not in attributes:
        not_applicable("the compute kind does not list occi.compute.state itself")
    assert "immutable" in attributes["occi.compute.state"], (
        "occi.compute.state is listed without {immutable}; the server manages it (I12 table)"
    )


@pytest.mark.requirement("TEXT-CAT-11")
def test_action_categories_have_no_location_or_actions(occi: OCCISession, text: str) -> None:
    for value in qi_category_values(occi, text):
        term, params, _ = category_params(value)
        if params.get("class", "").strip('"') != "action":
            continue
        assert "location" not in params and "actions" not in params, (
            f"action {term} carries {[p for p in ('location', 'actions') if p in params]};"
            " T12 §5.2: an action category has neither"
        )


@pytest.mark.requirement("TEXT-CAT-12")
def test_query_interface_holds_only_categories(occi: OCCISession, text: str) -> None:
    exchange = text_get(occi, "-/", text)
    lines = occi_lines(exchange, text)
    others = [name for name, _ in lines if name.lower() not in ("category", "x-occi-category")]
    assert not others, f"the {text} query interface carries {sorted(set(others))} besides Category"


@pytest.mark.requirement("TEXT-ATTR-02")
def test_attribute_names_follow_the_version_grammar(occi: OCCISession, text: str) -> None:
    pattern = grammar.attribute_name_pattern(version(occi))
    names = [n for c in occi.model for a in c.attributes for n in [a.name]]
    entity = text_get(occi, existing_or_new(occi), text)
    names += list(_raw_attributes(entity, text))
    bad = sorted({n for n in names if pattern.fullmatch(n) is None})
    assert not bad, f"attribute names that break the OCCI {version(occi)} grammar: {bad}"


@pytest.mark.requirement("TEXT-OCCI-05")
def test_output_uses_the_spec_header_names(occi: OCCISession) -> None:
    occi.require_rendering(TEXT_OCCI)
    variants = set()
    for location in ("-/", occi.require_kind(COMPUTE), existing_or_new(occi)):
        exchange = text_get(occi, location, TEXT_OCCI)
        variants |= {
            n for n, _ in exchange.headers if n.lower() in ("x-occi-category", "x-occi-link")
        }
    assert not variants, f"text/occi output uses variant header names {sorted(variants)}"


# --- entities and collections, raw -----------------------------------------------------------


@pytest.mark.requirement("TEXT-RES-01")
def test_resource_rendering_composition(occi: OCCISession, text: str) -> None:
    exchange = text_get(occi, existing_or_new(occi), text)
    categories = [parse_category(v) for v in items(occi_lines(exchange, text), "Category")]
    assert categories, f"the {text} resource rendering has no Category"
    kinds = [c.id for c in categories if c.category_class == "kind"]
    assert len(kinds) == 1, f"the resource rendering has {len(kinds)} kind categories: {kinds}"
    if text == TEXT_PLAIN:
        rank = {"category": 0, "link": 1, "x-occi-attribute": 2}
        order = [rank.get(n.lower(), 3) for n, _ in occi_lines(exchange, text)]
        if order != sorted(order):
            soft_warning(occi, "AMB-TXT-05", "resource lines are not Category, Link, Attribute")


@pytest.mark.requirement("TEXT-ATTR-01")
def test_attributes_follow_the_grammar(occi: OCCISession, text: str) -> None:
    exchange = text_get(occi, existing_or_new(occi), text)
    found = items(occi_lines(exchange, text), "X-OCCI-Attribute")
    assert found, f"the {text} rendering of an entity carries no X-OCCI-Attribute"
    for item in found:
        try:
            grammar.parse_attribute(item)
        except ParseError as exc:
            raise AssertionError(f"X-OCCI-Attribute {item!r} breaks T12 §4.3: {exc}") from None


@pytest.mark.requirement("TEXT-ATTR-07")
def test_entity_renders_occi_core_id(occi: OCCISession, text: str) -> None:
    if version(occi) != "1.2":
        pytest.skip("n/a: the fixed core attribute names are stated by T12 (1.2)")
    exchange = text_get(occi, existing_or_new(occi), text)
    assert "occi.core.id" in _raw_attributes(exchange, text), (
        "the entity rendering lacks occi.core.id (T12 §5.5.1)"
    )


@pytest.mark.requirement("TEXT-ACTL-01")
def test_action_links_match_their_rel(occi: OCCISession, text: str) -> None:
    exchange = text_get(occi, existing_or_new(occi), text)
    for item in items(occi_lines(exchange, text), "Link"):
        if "?action=" not in item:
            continue
        target = item.split(">", 1)[0].lstrip("<")
        term = target.rpartition("?action=")[2]
        _, params, _ = category_params(item)
        rel = params.get("rel", "").strip('"')
        assert rel.rpartition("#")[2] == term, f"action link {item!r}: ?action={term} vs rel {rel}"
        assert occi.model.action(rel) is not None, f"action link rel {rel} is no action in /-/"


@pytest.mark.requirement("CORE-ACT-01")
def test_offered_actions_belong_to_kind_or_mixins(occi: OCCISession, rendering: str) -> None:
    url = existing_or_new(occi)
    exchange = occi.client.get(url, accept=rendering)
    assert exchange.status == 200, f"GET {url} answered {exchange.status}"
    entity = occi.parse(exchange, "entity")
    allowed = set(occi.model.applicable_actions(entity.kind, entity.mixins))  # type: ignore[union-attr]
    extra = [a for a in entity.actions if a not in allowed]  # type: ignore[union-attr]
    assert not extra, (
        f"the entity offers actions {extra} that neither its kind nor its mixins define"
        " (C12 §5.3.5)"
    )


@pytest.mark.requirement("TEXT-OCCI-01")
def test_text_occi_data_in_headers_body_ok(occi: OCCISession) -> None:
    occi.require_rendering(TEXT_OCCI)
    for location in ("-/", existing_or_new(occi)):
        exchange = text_get(occi, location, TEXT_OCCI)
        assert occi_lines(exchange, TEXT_OCCI), (
            f"GET {location} as text/occi carries no OCCI header"
        )
        body = exchange.text.strip()
        if body == "":
            soft_warning(occi, "AMB-HTTP-16", f"text/occi answer to {location} has an empty body")
        else:
            assert body == "OK", f"the text/occi body of GET {location} is {body[:80]!r}, not OK"


@pytest.mark.requirement("TEXT-LOC-01", "TEXT-LOC-02")
def test_collection_is_only_locations(occi: OCCISession, text: str) -> None:
    member = existing_or_new(occi)  # the listing must name it: nothing passes vacuously
    location = occi.require_kind(COMPUTE)
    exchange = occi.client.get(location, accept=text)
    assert exchange.status in (200, 204), f"GET {location} answered {exchange.status}"
    lines = occi_lines(exchange, text)
    listed = items(lines, "X-OCCI-Location")
    if text == TEXT_OCCI and not listed and exchange.header_lines("location"):
        # rOCCI-core 5 lists text/occi collections as Location headers (digest §2.5 item 3):
        # a variant name, which AMB-TXT-02 reports as a warning.
        soft_warning(
            occi,
            "AMB-TXT-02",
            "the text/occi collection lists members in Location headers, not X-OCCI-Location",
        )
        listed = [v.strip() for h in exchange.header_lines("location") for v in h.split(",")]
    others = [n for n, _ in lines if n.lower() != "x-occi-location"]
    assert not others, (
        f"the {text} collection carries {sorted(set(others))} besides X-OCCI-Location"
    )
    for item in listed:
        assert grammar.URI_REFERENCE.fullmatch(item), f"X-OCCI-Location {item!r} is not a URI"
        assert occi.client.url(item).startswith(("http://", "https://"))
    names = sorted({n for n, _ in exchange.headers}) if text == TEXT_OCCI else []
    assert path_of(member) in {path_of(occi.client.url(item)) for item in listed}, (
        f"the {text} rendering of {location} ({exchange.status}) does not name its member"
        f" {member} in an X-OCCI-Location line (T12 §4.4); it names {len(listed)} location(s)"
        + (f"; response headers: {names}" if names else "")
    )


@pytest.mark.requirement("TEXT-ATTR-04")
def test_booleans_are_bare(occi: OCCISession) -> None:
    occi.require_rendering(OCCI_JSON)
    tree = json_qi(occi)
    booleans = {
        name
        for category in json_categories(tree, "kinds") + json_categories(tree, "mixins")
        for name, desc in (category.get("attributes") or {}).items()
        if isinstance(desc, dict) and desc.get("type") == "boolean"
    }
    exchange = text_get(occi, existing_or_new(occi), TEXT_PLAIN)
    present = {n: v for n, v in _raw_attributes(exchange, TEXT_PLAIN).items() if n in booleans}
    if not present:
        not_applicable("no boolean attribute is rendered on the entity read")
    for name, value in present.items():
        assert value in ("true", "false"), f"boolean {name} is rendered as {value!r}"


# --- what the server accepts (destructive) -------------------------------------------------


@pytest.mark.destructive
@pytest.mark.requirement("TEXT-CAT-04")
@pytest.mark.parametrize("klass", ['"kind"', "kind"], ids=["quoted", "bare"])
def test_class_quoted_or_bare(occi: OCCISession, text: str, klass: str) -> None:
    exchange = _post_compute(
        occi, text, [_kind_category(klass=klass), *_mixin_categories(occi)], []
    )
    _created(occi, exchange, f"with class={klass}")


@pytest.mark.destructive
@pytest.mark.requirement("TEXT-CAT-16")
def test_long_form_and_trailing_semicolon(occi: OCCISession, text: str) -> None:
    kind = occi.model.kind(COMPUTE)
    assert kind is not None
    long_form = _kind_category() + f';title="{kind.title or "Compute"}";rel="{RESOURCE}"'
    if kind.location:
        long_form += f';location="{kind.location}"'
    exchange = _post_compute(occi, text, [long_form, *_mixin_categories(occi)], [])
    _created(occi, exchange, "with the kind in long form")
    exchange = _post_compute(occi, text, [_kind_category() + ";", *_mixin_categories(occi)], [])
    _created(occi, exchange, 'with a trailing ";" after the kind')


@pytest.mark.destructive
@pytest.mark.requirement("TEXT-CAT-17")
def test_whitespace_after_semicolons(occi: OCCISession, text: str) -> None:
    exchange = _post_compute(
        occi, text, [_kind_category(klass="kind", sep="; "), *_mixin_categories(occi)], []
    )
    _created(occi, exchange, 'written "compute; scheme=...; class=kind"')


@pytest.mark.destructive
@pytest.mark.requirement("TEXT-CAT-13")
def test_lowercase_header_names(occi: OCCISession) -> None:
    occi.require_rendering(TEXT_OCCI)
    exchange = _post_compute(
        occi,
        TEXT_OCCI,
        [_kind_category(), *_mixin_categories(occi)],
        ['occi.core.summary="lower"'],
        names=("category", "x-occi-attribute"),
    )
    url = _created(occi, exchange, "with lowercase category:/x-occi-attribute: headers")
    assert occi.read(url).attributes.get("occi.core.summary") == "lower", (
        "the lowercase x-occi-attribute header was ignored; header names are case-insensitive"
    )


@pytest.mark.destructive
@pytest.mark.requirement("TEXT-CAT-13b")
def test_lowercase_body_keys(occi: OCCISession) -> None:
    exchange = _post_compute(
        occi,
        TEXT_PLAIN,
        [_kind_category(), *_mixin_categories(occi)],
        [],
        names=("category", "x-occi-attribute"),
    )
    url = _created(occi, exchange, "with lowercase category:/x-occi-attribute: body keys")
    emitted = occi_lines(text_get(occi, url, TEXT_PLAIN), TEXT_PLAIN)
    bad = sorted({n for n, _ in emitted if n not in ("Category", "Link", "X-OCCI-Attribute")})
    assert not bad, f"the server emits non-canonical body keys {bad}"


@pytest.mark.destructive
@pytest.mark.requirement("TEXT-PLAIN-02")
def test_crlf_body_is_accepted(occi: OCCISession) -> None:
    exchange = _post_compute(occi, TEXT_PLAIN, [_kind_category(), *_mixin_categories(occi)], [])
    _created(occi, exchange, "with a CRLF-terminated text/plain body")


@pytest.mark.destructive
@pytest.mark.requirement("TEXT-PLAIN-02b")
def test_lf_body_is_accepted_and_output_uses_crlf(occi: OCCISession) -> None:
    exchange = _post_compute(
        occi, TEXT_PLAIN, [_kind_category(), *_mixin_categories(occi)], [], eol="\n"
    )
    url = _created(occi, exchange, "with an LF-only text/plain body")
    body = text_get(occi, url, TEXT_PLAIN).body
    assert b"\n" not in body.replace(b"\r\n", b""), (
        "the server's text/plain output ends lines with a bare LF; the ABNF uses CRLF (T12 §5)"
    )


def _memory_template_default(occi: OCCISession, name: str) -> bool:
    defs = occi.model.attribute_definitions(COMPUTE, occi.compute_mixins())
    return name in defs and any(
        m.attribute(name) is not None for m in occi.model.mixin_closure(occi.compute_mixins())
    )


@pytest.mark.destructive
@pytest.mark.requirement("TEXT-ATTR-06")
def test_escaped_quote_does_not_end_the_string(occi: OCCISession, text: str) -> None:
    title = occi.title() + " How's your quotes escaping? \", occi.compute.memory=1.0"
    header = f"occi.compute.memory=3.6, occi.core.title={grammar.quote(title)}"
    exchange = _post_compute(occi, text, [_kind_category(), *_mixin_categories(occi)], [header])
    url = _created(occi, exchange, "with an escaped quote in the title")
    entity = occi.read(url)
    assert entity.attributes.get("occi.core.title") == title, (
        f"the title reads back as {entity.attributes.get('occi.core.title')!r}, not {title!r}"
    )
    memory = entity.attributes.get("occi.compute.memory")
    if memory != 3.6:
        assert _memory_template_default(occi, "occi.compute.memory"), (
            f"occi.compute.memory reads back as {memory!r}, not 3.6"
        )
        occi.note("AMB-INFRA-06", f"template memory {memory} won over the explicit 3.6")


@pytest.mark.destructive
@pytest.mark.requirement("TEXT-ATTR-10")
def test_several_attributes_in_one_header(occi: OCCISession, text: str) -> None:
    header = f"occi.compute.cores=2, occi.core.summary={grammar.quote('x, y')}"
    exchange = _post_compute(occi, text, [_kind_category(), *_mixin_categories(occi)], [header])
    url = _created(occi, exchange, "with a comma list of attributes")
    entity = occi.read(url)
    assert entity.attributes.get("occi.core.summary") == "x, y", (
        f"summary reads back as {entity.attributes.get('occi.core.summary')!r}, not 'x, y'"
    )
    cores = entity.attributes.get("occi.compute.cores")
    if cores != 2:
        assert _memory_template_default(occi, "occi.compute.cores"), f"cores reads back {cores!r}"
        occi.note("AMB-INFRA-06", f"template cores {cores} won over the explicit 2")


@pytest.mark.destructive
@pytest.mark.requirement("TEXT-ATTR-11")
@pytest.mark.parametrize("attribute", ["occi.compute.cores=", "occi.compute.memory=."])
def test_degenerate_numbers_are_refused(occi: OCCISession, attribute: str) -> None:
    exchange = _post_compute(
        occi, TEXT_PLAIN, [_kind_category(), *_mixin_categories(occi)], [attribute]
    )
    assert exchange.status == 400, f"X-OCCI-Attribute {attribute} answered {exchange.status}"


@pytest.mark.destructive
@pytest.mark.requirement("TEXT-ATTR-12")
def test_empty_string_is_a_value(occi: OCCISession) -> None:
    exchange = _post_compute(
        occi, TEXT_PLAIN, [_kind_category(), *_mixin_categories(occi)], ['occi.core.summary=""']
    )
    url = _created(occi, exchange, 'with occi.core.summary=""')
    assert occi.read(url).attributes.get("occi.core.summary") in ("", None)


@pytest.mark.destructive
@pytest.mark.requirement("TEXT-ATTR-03", "TEXT-ATTR-05")
def test_numbers_bare_and_enums_quoted(occi: OCCISession, text: str) -> None:
    url, _ = occi.create_compute(attributes={"occi.compute.cores": 2, "occi.compute.memory": 2.0})
    raw = _raw_attributes(text_get(occi, url, text), text)
    for name in ("occi.compute.cores", "occi.compute.memory"):
        if name in raw:
            assert re.fullmatch(r"[0-9]+(\.[0-9]+)?", raw[name]), (
                f"{name} is rendered as {raw[name]}; numbers are bare digits (T12 §4.3)"
            )
    if "occi.compute.cores" in raw:
        assert re.fullmatch(r"[0-9]+", raw["occi.compute.cores"]), "cores is not an integer"
    assert "occi.compute.state" in raw, "the compute rendering lacks occi.compute.state"
    assert raw["occi.compute.state"].startswith('"'), (
        f"occi.compute.state is rendered as {raw['occi.compute.state']}; enum values are quoted"
    )


@pytest.mark.destructive
@pytest.mark.requirement("TEXT-OCCI-03")
def test_separators_are_quoted_in_headers(occi: OCCISession) -> None:
    occi.require_rendering(TEXT_OCCI)
    title = occi.title() + " a, b; c"
    url, _ = occi.create_compute(attributes={"occi.core.title": title})
    exchange = text_get(occi, url, TEXT_OCCI)
    raw = _raw_attributes(exchange, TEXT_OCCI).get("occi.core.title", "")
    assert raw == grammar.quote(title), f"the title is rendered as {raw!r}"
    assert occi.parse(exchange, "entity").attributes.get("occi.core.title") == title  # type: ignore[union-attr]


@pytest.mark.destructive
@pytest.mark.requirement("TEXT-OCCI-04")
def test_large_header_is_not_truncated(occi: OCCISession) -> None:
    occi.require_rendering(TEXT_OCCI)
    summary = "s" * 8192
    exchange = _post_compute(
        occi,
        TEXT_OCCI,
        [_kind_category(), *_mixin_categories(occi)],
        [f"occi.core.summary={grammar.quote(summary)}"],
    )
    if exchange.status in (400, 413, 431):
        occi.note("TEXT-OCCI-04", f"an 8 KiB header was refused with {exchange.status}")
        return
    url = _created(occi, exchange, "with an 8 KiB summary header")
    got = occi.read(url).attributes.get("occi.core.summary")
    assert got == summary, f"the 8 KiB summary came back with {len(str(got))} characters"


# --- actions -------------------------------------------------------------------------------


def _action_links(occi: OCCISession, url: str) -> list[str]:
    return list(occi.read(url).actions)


@pytest.mark.destructive
@pytest.mark.requirement("TEXT-RES-03", "TEXT-ACTL-02")
def test_action_invocation_and_action_links(occi: OCCISession) -> None:
    url, _ = occi.create_compute()
    state = occi.read(url).attributes.get("occi.compute.state")
    if state != "active":
        start = occi.client.post(
            url,
            params={"action": "start"},
            content_type=TEXT_OCCI,
            accept=TEXT_PLAIN,
            headers=[("Category", f'start;scheme="{COMPUTE_ACTION}";class="action"')],
        )
        assert start.status in (200, 204), f"start answered {start.status}"
        occi.wait_for(url, "occi.compute.state", ["active"])
    assert COMPUTE_ACTION + "stop" in _action_links(occi, url), (
        "an active compute renders no stop action link (T12 §5.1.1)"
    )
    stop = occi.client.post(
        url,
        params={"action": "stop"},
        content_type=TEXT_OCCI,
        accept=TEXT_PLAIN,
        headers=[
            ("Category", f'stop;scheme="{COMPUTE_ACTION}";class="action"'),
            ("X-OCCI-Attribute", 'method="poweroff"'),
        ],
    )
    if stop.status == 204:
        soft_warning(occi, "AMB-HTTP-07", "the stop action answered 204")
    else:
        assert stop.status == 200, f"stop with its Category and method answered {stop.status}"


@pytest.mark.destructive
@pytest.mark.requirement("TEXT-ACTL-02b")
def test_inactive_compute_lists_start_not_stop(occi: OCCISession) -> None:
    url, _ = occi.create_compute()
    entity = occi.read(url)
    if entity.attributes.get("occi.compute.state") != "inactive":
        not_applicable(f"the new compute is {entity.attributes.get('occi.compute.state')!r}")
    assert COMPUTE_ACTION + "start" in entity.actions, "an inactive compute does not offer start"
    assert COMPUTE_ACTION + "stop" not in entity.actions, "an inactive compute offers stop"


@pytest.mark.destructive
@pytest.mark.requirement("CORE-ACT-02")
def test_start_on_active_compute(occi: OCCISession) -> None:
    url, _ = occi.create_compute()
    category = [("Category", f'start;scheme="{COMPUTE_ACTION}";class="action"')]
    for _ in range(2):
        exchange = occi.client.post(
            url,
            params={"action": "start"},
            headers=category,
            content_type=TEXT_OCCI,
            accept=TEXT_PLAIN,
        )
        if exchange.status < 300:
            occi.wait_for(url, "occi.compute.state", ["active"])
    occi.note("AMB-HTTP-08", f"start on an active compute answered {exchange.status}")
    assert exchange.status < 500, f"start on an active compute answered {exchange.status}"


@pytest.mark.destructive
@pytest.mark.requirement("CORE-ACT-03")
def test_collection_action_of_another_kind(occi: OCCISession) -> None:
    location = occi.require_kind(STORAGE)
    exchange = occi.client.post(
        location,
        params={"action": "start"},
        content_type=TEXT_OCCI,
        accept=TEXT_PLAIN,
        headers=[("Category", f'start;scheme="{COMPUTE_ACTION}";class="action"')],
    )
    assert 400 <= exchange.status < 500, (
        f"the compute start action on the storage collection answered {exchange.status}; an"
        " action only applies to members of the kind that defines it"
    )


# --- categories and locations in requests with user mixins ----------------------------------


@pytest.mark.destructive
@pytest.mark.requirement("TEXT-CAT-14")
@pytest.mark.parametrize("joined", [False, True], ids=["repeated", "comma-joined"])
def test_categories_repeated_or_joined_headers(
    occi: OCCISession, user_mixins: UserMixins, joined: bool
) -> None:
    occi.require_rendering(TEXT_OCCI)
    tag = user_mixins.define()
    tag_value = f'{tag.term};scheme="{tag.scheme}";class="mixin"'
    exchange = _post_compute(
        occi, TEXT_OCCI, [_kind_category(), *_mixin_categories(occi), tag_value], [], joined=joined
    )
    url = _created(
        occi, exchange, "with kind and tag " + ("in one header" if joined else "repeated")
    )
    assert tag.id in occi.read(url).mixins, "the compute does not carry the tag sent with it"


@pytest.mark.destructive
@pytest.mark.requirement("TEXT-CAT-15")
def test_comma_list_in_a_body_line(occi: OCCISession, user_mixins: UserMixins) -> None:
    tag = user_mixins.define()
    tag_value = f'{tag.term};scheme="{tag.scheme}";class="mixin"'
    exchange = _post_compute(
        occi, TEXT_PLAIN, [_kind_category(), *_mixin_categories(occi), tag_value], [], joined=True
    )
    url = _created(occi, exchange, "with one comma-joined Category body line")
    assert tag.id in occi.read(url).mixins, "the compute does not carry the tag"


@pytest.mark.destructive
@pytest.mark.requirement("TEXT-CAT-05")
def test_title_escapes_round_trip(occi: OCCISession, user_mixins: UserMixins, text: str) -> None:
    title = 'occi-conformance "quoted", a; b \\ back'
    tag = user_mixins.define(title=title, media_type=text)
    for value in qi_category_values(occi, text):
        if grammar.split_params(value)[0] == tag.term and f'"{tag.scheme}"' in value:
            assert parse_category(value).title == title, (
                f"the user mixin's title is rendered as {value!r}; it must read back as {title!r}"
            )
            return
    raise AssertionError(f"the user mixin {tag.id} is not in the {text} query interface")


@pytest.mark.destructive
@pytest.mark.requirement("TEXT-LOC-03")
@pytest.mark.parametrize("joined", [True, False], ids=["comma-list", "repeated"])
def test_locations_comma_list_or_repeated(
    occi: OCCISession, user_mixins: UserMixins, joined: bool
) -> None:
    occi.require_rendering(TEXT_OCCI)
    tag = user_mixins.define()
    location = user_mixins.location(tag)
    first, _ = occi.create_compute()
    second, _ = occi.create_compute()
    values = [first, second]
    headers = (
        [("X-OCCI-Location", ", ".join(values))]
        if joined
        else [("X-OCCI-Location", v) for v in values]
    )
    exchange = occi.client.post(
        location, headers=headers, content_type=TEXT_OCCI, accept=TEXT_PLAIN
    )
    assert exchange.status in (200, 204), f"associating two computes answered {exchange.status}"
    for url in values:
        assert tag.id in occi.read(url).mixins, f"{url} was not associated with the tag"


# --- links ---------------------------------------------------------------------------------


def _owned_links(occi: OCCISession, url: str, text: str) -> list[str]:
    exchange = text_get(occi, url, text)
    return [i for i in items(occi_lines(exchange, text), "Link") if "?action=" not in i]


@pytest.mark.destructive
@pytest.mark.requirement("TEXT-LINK-01", "TEXT-LINK-02")
def test_link_values_follow_the_grammar(occi: OCCISession, text: str) -> None:
    links = shared_links(occi)
    owned = _owned_links(occi, links["compute"], text)
    if len(links) == 1:
        not_applicable("the endpoint offers no link kind to create")
    assert owned, f"the compute owns links, but its {text} rendering shows no Link"
    for item in owned:
        _, _, order = category_params(item)
        extra = [p for p in order if p not in ("rel", "self", "category")]
        if extra:
            assert "category" in order and order.index("category") < order.index(extra[0]), (
                f"Link {item!r} carries attributes without a preceding category= (T12 §4.2)"
            )
        link = grammar.parse_link_value(item)
        target_kind = occi.read(occi.client.url(link.target)).kind
        assert target_kind in link.rel, f"Link rel {link.rel} lacks the target's kind {target_kind}"


@pytest.mark.destructive
@pytest.mark.requirement("TEXT-LINK-04")
def test_owned_link_carries_self_category_attributes(occi: OCCISession, text: str) -> None:
    links = shared_links(occi)
    require_link(occi, links, "storagelink")
    for item in _owned_links(occi, links["compute"], text):
        link = grammar.parse_link_value(item)
        if INFRA + "storagelink" in link.category:
            assert link.self_location, f"the storagelink Link {item!r} has no self="
            assert "occi.storagelink.deviceid" in dict(link.attributes), (
                f"the storagelink Link {item!r} lacks occi.storagelink.deviceid"
            )
            return
    raise AssertionError("the compute's rendering has no Link with category ...#storagelink")


@pytest.mark.destructive
@pytest.mark.requirement("TEXT-RES-02")
def test_link_instance_rendering(occi: OCCISession, text: str) -> None:
    url = require_link(occi, shared_links(occi), "networkinterface")
    exchange = text_get(occi, url, text)
    lines = occi_lines(exchange, text)
    kinds = [c for c in map(parse_category, items(lines, "Category")) if c.category_class == "kind"]
    assert len(kinds) == 1, f"the link rendering has {len(kinds)} kind categories"
    raw = _raw_attributes(exchange, text)
    assert "occi.core.source" in raw and "occi.core.target" in raw, (
        f"the link rendering lacks source or target; attributes: {sorted(raw)}"
    )


@pytest.mark.destructive
@pytest.mark.requirement("TEXT-LINK-03")
@pytest.mark.parametrize("value", ["eth1", '"eth1"'], ids=["token", "quoted"])
def test_inline_link_attribute_bare_or_quoted(occi: OCCISession, text: str, value: str) -> None:
    links = shared_links(occi)
    network = require_link(occi, links, "network")
    # occi.core.title is a mutable link attribute every link has; interface is immutable (I12).
    link = (
        f'<{path_of(network)}>;rel="{INFRA}network";category="{INFRA}networkinterface"'
        f";occi.core.title={value}"
        + "".join(
            f";{name}={grammar.render_value(v)}"
            for name, v in nic_attributes(occi, "eth1", "52:54:00:0c:c1:02").items()
        )
    )
    categories = [_kind_category(), *_mixin_categories(occi)]
    title = f"occi.core.title={grammar.quote(occi.title())}"
    if text == TEXT_OCCI:
        headers = [("Category", c) for c in categories] + [
            ("Link", link),
            ("X-OCCI-Attribute", title),
        ]
        exchange = occi.client.post(
            occi.require_kind(COMPUTE), headers=headers, content_type=TEXT_OCCI, accept=TEXT_PLAIN
        )
    else:
        body = "".join(f"Category: {c}\r\n" for c in categories) + f"Link: {link}\r\n"
        body += f"X-OCCI-Attribute: {title}\r\n"
        exchange = occi.client.post(
            occi.require_kind(COMPUTE), body=body, content_type=TEXT_PLAIN, accept=TEXT_PLAIN
        )
    url = _created(occi, exchange, f"with an inline link attribute written {value}")
    occi.created.append(url)  # posted by hand, not through _post_compute
    titles = [
        dict(grammar.parse_link_value(i).attributes).get("occi.core.title")
        for i in _owned_links(occi, url, TEXT_PLAIN)
    ]
    assert "eth1" in titles, (
        f"the inline link sent with occi.core.title={value} reads back with titles {titles};"
        " a link attribute value is a token or a quoted-string (T12 §4.2)"
    )
