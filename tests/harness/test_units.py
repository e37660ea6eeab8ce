"""Pieces of the harness without servers: baselines, masking, verdicts, profile detection,
escaping in the HTML report."""

from __future__ import annotations

import pytest

from conformance.baseline import load_baseline
from conformance.catalogue import default_catalogue
from conformance.client import Exchange
from conformance.config import ConfigError, SuiteConfig
from conformance.discovery import CRTP_SCHEME, INFRA, EndpointInfo
from conformance.masking import Masker, mask_url
from conformance.reports.html import render_html, worst
from conformance.results import ResultCollector, ResultRecord


def record(test: str, outcome: str, reqs=("HTTP-VER-01",), profiles=("http",)) -> ResultRecord:
    return ResultRecord(test, list(reqs), "MUST", outcome, 0.1, "msg", profiles=list(profiles))


def collector(*records: ResultRecord, baseline=None) -> ResultCollector:
    c = ResultCollector(
        SuiteConfig(endpoint="http://e/", profiles=["http", "json"]), default_catalogue()
    )
    c.baseline = baseline
    for r in records:
        c.add(r)
    return c


def test_baseline_marks_known_stale_and_unused(tmp_path):
    path = tmp_path / "b.yaml"
    path.write_text(
        "known_failures:\n"
        "  - {test: 's.py::test_a', reason: r1}\n"
        "  - {requirement: 'HTTP-HDR-*', reason: r2}\n"
        "  - {test: 's.py::test_gone', reason: r3}\n"
    )
    baseline = load_baseline(str(path))
    c = collector(
        record("s.py::test_a[json]", "fail"),
        record("s.py::test_b", "pass", reqs=("HTTP-HDR-03",)),
        record("s.py::test_c", "fail"),
        baseline=baseline,
    )
    assert [r.known_reason for r in c.records] == ["r1", None, None]
    assert [e.reason for e in baseline.stale] == ["r2"]
    assert [e.reason for e in baseline.unused] == ["r3"]
    assert [r.test for r in c.new_failures()] == ["s.py::test_c"]
    assert not c.conformant()


@pytest.mark.parametrize(
    "text",
    [
        "- {test: a}\n",
        "- {test: a, requirement: B, reason: r}\n",
        "- {tset: a, reason: r}\n",
        "{known_failures: 3}\n",
        "- [a]\n",
        "- {test: a, reason: '  '}\n",
    ],
)
def test_baseline_mistakes_are_config_errors(tmp_path, text):
    path = tmp_path / "b.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError):
        load_baseline(str(path))


def test_verdicts():
    c = collector(record("a", "pass"), record("b", "error", profiles=("json",)))
    verdicts = c.verdicts()
    assert verdicts["http"]["verdict"] == "conformant"
    assert verdicts["json"]["verdict"] == "incomplete"
    assert not c.conformant()
    assert collector(record("a", "warn"), record("b", "n/a", profiles=("json",))).conformant()
    assert collector(record("b", "n/a", profiles=("json",))).verdicts()["http"]["verdict"] == (
        "not tested"
    )
    assert worst(["pass", "warn", "n/a"]) == "warn" and worst([]) == "untested"


def test_masker_hides_secrets_and_url_passwords():
    mask = Masker(["s3cret-token", None, "ab"])
    assert mask("Bearer s3cret-token x ab") == "Bearer *** x ab"
    assert mask("see https://bob:pw@site:11443/-/") == "see https://bob:***@site:11443/-/"
    assert mask_url("https://bob:pw@site:11443/x") == "https://bob:***@site:11443/x"
    assert mask_url("https://site/x") == "https://site/x"


def test_default_profiles_follow_the_query_interface():
    info = EndpointInfo(200, "x OCCI/1.2", {INFRA + "compute", INFRA + "storage"}, json=False)
    assert info.default_profiles() == ["core", "http", "text-plain", "text-occi", "uri-list"]
    info = EndpointInfo(
        200,
        "rOCCI OCCI/1.1",
        {INFRA + "compute", INFRA + "storage", INFRA + "network", CRTP_SCHEME + "small"},
        json=True,
    )
    assert info.default_profiles()[5:] == ["json", "infrastructure", "crtp", "occi-1.1"]
    assert "occi-1.1" not in EndpointInfo(200, "x OCCI/1.1 OCCI/1.2").default_profiles()


def test_html_escapes_what_the_endpoint_sent():
    evil = record("s.py::test_x", "fail")
    evil.message = "<script>alert(1)</script> token s3cret-token"
    evil.exchanges = [
        Exchange(
            "GET",
            "http://e/-/",
            [("Authorization", "Bearer s3cret-token")],
            b"",
            200,
            [("X", "<img src=x>")],
            b"</pre><b>",
        )
    ]
    c = collector(evil)
    c.masker.add("s3cret-token")
    html = render_html(c)
    assert "<script>alert" not in html and "&lt;script&gt;" in html
    assert "<img src=x>" not in html and "</pre><b>" not in html
    assert "s3cret-token" not in html


def test_smallest_resource_template_is_chosen():
    from conformance.session import _template_size
    from occi_protocol.model import Attribute, Mixin

    tpl = "http://example.org/tpl#"
    base = "http://schemas.ogf.org/occi/infrastructure#resource_tpl"

    def mixin(term: str, cores: int | None = None) -> Mixin:
        attrs = () if cores is None else (Attribute(name="occi.compute.cores", default=cores),)
        return Mixin(scheme=tpl, term=term, depends=(base,), attributes=attrs)

    named = [mixin(t) for t in ("mem_large", "large", "medium", "extra_small", "small", "zeta")]
    assert [m.term for m in sorted(named, key=_template_size)] == [
        "extra_small",
        "small",
        "medium",
        "large",
        "mem_large",
        "zeta",
    ]
    # Defaults from the query interface win over names.
    sized = [mixin("small", 4), mixin("large", 1), mixin("medium")]
    assert [m.term for m in sorted(sized, key=_template_size)] == ["large", "small", "medium"]


def test_failure_message_is_the_tests_own_words():
    from conformance.plugin import _own_words

    rewritten = "GET answered 500; expect 200\nassert 500 == 200\n +  where 500 = x.status"
    assert _own_words(rewritten) == "GET answered 500; expect 200"
    bare = "assert 500 == 200\n +  where 500 = x.status"
    assert _own_words(bare) == bare
    assert _own_words("a message\nover two lines") == "a message\nover two lines"
