"""Tests for the requirement catalogue (conformance/requirements.yaml and its loader)."""

from __future__ import annotations

import dataclasses
import difflib
import os
import re
from collections import Counter
from pathlib import Path

import pytest
import yaml

from conformance.catalogue import (
    CAPABILITIES,
    ETSI_RE,
    ID_RE,
    LEVELS,
    PROFILES,
    Catalogue,
    CatalogueError,
    Requirement,
    default_catalogue,
    outcome_for_failure,
)

REPO = Path(__file__).resolve().parent.parent
CATALOGUE_FILE = REPO / "conformance" / "requirements.yaml"


def _shared_dir() -> Path:
    return Path(os.environ.get("OCCI_SHARED_DIR", REPO.parent / "shared"))


@pytest.fixture(scope="module")
def catalogue() -> Catalogue:
    return default_catalogue()


@pytest.fixture(scope="module")
def digest() -> dict[str, dict]:
    """Catalogue entries of the spec digest (section 1), keyed by id."""
    path = _shared_dir() / "spec" / "occi-digest.md"
    if not path.is_file():
        pytest.skip(f"spec digest not available at {path} (set OCCI_SHARED_DIR)")
    entries: dict[str, dict] = {}
    for block in re.findall(r"```yaml\n(.*?)```", path.read_text(encoding="utf-8"), re.S):
        for entry in yaml.safe_load(block):
            entries[entry["id"]] = entry
    assert entries, "no YAML requirement blocks found in the digest"
    return entries


# --- the packaged catalogue -------------------------------------------------------------------


def test_packaged_catalogue_loads_every_entry(catalogue: Catalogue) -> None:
    raw = yaml.safe_load(CATALOGUE_FILE.read_text(encoding="utf-8"))
    assert len(catalogue) == len(raw)
    assert 230 <= len(catalogue) <= 320


def test_load_by_path_equals_packaged(catalogue: Catalogue) -> None:
    assert Catalogue.load(CATALOGUE_FILE).ids == catalogue.ids


def test_ids_unique_and_well_formed(catalogue: Catalogue) -> None:
    raw_ids = [e["id"] for e in yaml.safe_load(CATALOGUE_FILE.read_text(encoding="utf-8"))]
    assert [i for i, n in Counter(raw_ids).items() if n > 1] == []
    assert [i for i in raw_ids if not ID_RE.match(i)] == []
    merged = [alias for r in catalogue for alias in r.merges]
    assert len(merged) == len(set(merged))
    assert set(merged).isdisjoint(raw_ids)


def test_profiles_constant() -> None:
    assert PROFILES == (
        "core",
        "http",
        "text-plain",
        "text-occi",
        "uri-list",
        "json",
        "infrastructure",
        "crtp",
        "egi-fedcloud",
        "occi-1.1",
    )


def test_every_profile_name_is_known(catalogue: Catalogue) -> None:
    used = {p for r in catalogue for p in r.profiles}
    assert used <= set(PROFILES)
    assert used == set(PROFILES), f"profiles without entries: {set(PROFILES) - used}"


@pytest.mark.parametrize("profile", [p for p in PROFILES if p not in ("crtp", "occi-1.1")])
def test_profile_has_must_entries(catalogue: Catalogue, profile: str) -> None:
    levels = {r.level for r in catalogue.by_profile(profile)}
    assert levels & {"MUST", "MUST NOT"}, f"{profile} has no MUST entries"


def test_only_platform_and_sla_lack_profiles(catalogue: Catalogue) -> None:
    unprofiled = [r for r in catalogue if not r.profiles]
    assert unprofiled, "Platform and SLA entries are expected, kept for cross-reference"
    for req in unprofiled:
        assert req.id.startswith(("PLAT-", "SLA-")), req.id
        assert req.level == "MAY"


def test_occi_11_profile_marks_exactly_the_11_only_entries(catalogue: Catalogue) -> None:
    for req in catalogue:
        assert ("occi-1.1" in req.profiles) == (req.occi == "1.1"), req.id


def test_etsi_ids_formatted(catalogue: Catalogue) -> None:
    etsi = [(r.id, t) for r in catalogue for t in r.etsi]
    assert etsi, "the ETSI/pOCCI mapping should be present"
    assert [pair for pair in etsi if not ETSI_RE.match(pair[1])] == []


def test_levels_and_capabilities_known(catalogue: Catalogue) -> None:
    for req in catalogue:
        assert req.level in LEVELS, req.id
        assert set(req.capability) <= set(CAPABILITIES), req.id


def test_entries_carry_what_a_test_writer_needs(catalogue: Catalogue) -> None:
    for req in catalogue:
        assert req.doc and req.statement and req.check, req.id
        assert "\n" not in req.check, req.id
        if req.interpretations:
            assert req.policy, f"{req.id}: interpretations without a policy"
            assert len(req.interpretations) >= 2 or req.id.startswith("EGI-"), req.id


def test_doc11_uses_11_documents(catalogue: Catalogue) -> None:
    for req in catalogue:
        if req.doc11 is not None:
            assert re.match(r"^(C11|I11|H11) ", req.doc11), req.id


def test_level_counts_are_plausible(catalogue: Catalogue) -> None:
    counts = Counter(r.level for r in catalogue)
    assert counts["MUST"] + counts["MUST NOT"] > len(catalogue) / 2
    assert counts["SHOULD"] > 0 and counts["MAY"] > 0 and counts["derived"] > 0


# --- against the spec digest ------------------------------------------------------------------


def test_every_digest_id_is_an_entry_or_merged(catalogue: Catalogue, digest: dict) -> None:
    missing = sorted(i for i in digest if i not in catalogue)
    assert missing == []


def test_digest_etsi_ids_all_mapped(catalogue: Catalogue, digest: dict) -> None:
    text = (_shared_dir() / "spec" / "occi-digest.md").read_text(encoding="utf-8")
    named = set(re.findall(r"OCCI/(?:CORE|INFRA)/[A-Z]+/\d{3}", text))
    mapped = {t for r in catalogue for t in r.etsi}
    assert named - mapped == set()


def test_statements_are_own_words(catalogue: Catalogue, digest: dict) -> None:
    """No statement or check repeats a long run of the digest's wording (lists of names aside)."""
    limit = 75  # identifier lists legitimately overlap by up to ~70 characters

    def longest_common_run(a: str, b: str) -> int:
        a, b = " ".join(a.lower().split()), " ".join(b.lower().split())
        matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
        return matcher.find_longest_match(0, len(a), 0, len(b)).size

    copied = []
    for req in catalogue:
        for source_id in (req.id, *req.merges):
            source = digest.get(source_id)
            if source is None:
                continue
            if longest_common_run(req.statement, source["req"]) >= limit:
                copied.append(f"{req.id} statement")
            if longest_common_run(req.check, source["test"]) >= limit:
                copied.append(f"{req.id} check")
    assert copied == []


# --- lookup and selection ---------------------------------------------------------------------


def test_get_and_merged_ids(catalogue: Catalogue) -> None:
    req = catalogue.get("CORE-MUT-02")
    assert req.level == "MUST NOT"
    assert {i.id for i in req.interpretations} >= {"status-400", "status-403", "status-409"}
    merged_into = next(r for r in catalogue if r.merges)
    alias = merged_into.merges[0]
    assert alias in catalogue
    assert catalogue.get(alias) is merged_into
    assert catalogue.resolve(alias) == merged_into.id
    with pytest.raises(KeyError, match="NOPE-XX-01"):
        catalogue.get("NOPE-XX-01")
    assert "NOPE-XX-01" not in catalogue


def test_by_profile_selects_only_that_profile(catalogue: Catalogue) -> None:
    json_reqs = catalogue.by_profile("json")
    assert json_reqs and all("json" in r.profiles for r in json_reqs)
    assert catalogue.get("JSON-CAT-01") in json_reqs
    assert catalogue.get("HTTP-NS-01") not in json_reqs
    with pytest.raises(ValueError, match="unknown profile"):
        catalogue.by_profile("xml")


def test_matching_glob(catalogue: Catalogue) -> None:
    ids = {r.id for r in catalogue.matching("HTTP-PAG-*")}
    assert ids == {"HTTP-PAG-01", "HTTP-PAG-02", "HTTP-PAG-03"}
    assert catalogue.matching("http-pag-*") == ()
    # HTTP-QI-04 was merged into HTTP-SC-05, so a QI glob still finds the test that checks it
    assert catalogue.get("HTTP-SC-05") in catalogue.matching("HTTP-QI-*")


def test_by_level_and_for_version(catalogue: Catalogue) -> None:
    assert all(r.level == "SHOULD" for r in catalogue.by_level("SHOULD"))
    v12 = catalogue.for_version("1.2")
    v11 = catalogue.for_version("1.1")
    assert catalogue.get("HTTP-NS-04") in v11 and catalogue.get("HTTP-NS-04") not in v12
    assert catalogue.get("HTTP-PAG-02") in v12 and catalogue.get("HTTP-PAG-02") not in v11
    assert catalogue.get("HTTP-QI-01") in v11 and catalogue.get("HTTP-QI-01") in v12
    with pytest.raises(ValueError):
        catalogue.for_version("2.0")
    with pytest.raises(ValueError):
        catalogue.by_level("RECOMMENDED")


def test_iteration_keeps_file_order(catalogue: Catalogue) -> None:
    raw_ids = [e["id"] for e in yaml.safe_load(CATALOGUE_FILE.read_text(encoding="utf-8"))]
    assert [r.id for r in catalogue] == raw_ids


def test_requirement_is_frozen(catalogue: Catalogue) -> None:
    req = catalogue.get("HTTP-QI-01")
    with pytest.raises(dataclasses.FrozenInstanceError):
        req.level = "MAY"  # type: ignore[misc]
    assert isinstance(req, Requirement)
    assert isinstance(req.profiles, tuple)


# --- outcomes ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("level", "outcome"),
    [
        ("MUST", "fail"),
        ("MUST NOT", "fail"),
        ("SHOULD", "warn"),
        ("SHOULD NOT", "warn"),
        ("derived", "warn"),
        ("MAY", "info"),
        ("informative", "info"),
    ],
)
def test_outcome_for_failure(level: str, outcome: str) -> None:
    assert outcome_for_failure(level) == outcome


def test_outcome_covers_all_levels_and_rejects_unknown() -> None:
    assert {outcome_for_failure(level) for level in LEVELS} == {"fail", "warn", "info"}
    with pytest.raises(ValueError, match="RECOMMENDED"):
        outcome_for_failure("RECOMMENDED")


def test_failure_outcome_property(catalogue: Catalogue) -> None:
    assert catalogue.get("HTTP-QI-01").failure_outcome == "fail"
    assert catalogue.get("HTTP-HDR-03").failure_outcome == "warn"


# --- validation errors ------------------------------------------------------------------------

VALID = """\
- id: CORE-XX-01
  doc: C12 §5.2
  level: MUST
  occi: both
  profiles: [core]
  statement: 'A statement.'
  check: 'A check.'
"""


def test_minimal_valid_entry() -> None:
    cat = Catalogue.from_yaml(VALID)
    req = cat.get("CORE-XX-01")
    assert req.doc11 is None and req.etsi == () and req.capability == ()
    assert req.destructive is False and req.interpretations == () and req.merges == ()


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ("  colour: blue\n", "unknown field(s) colour"),
        ("  etsi: OCCI/CORE/X/1\n", "etsi id"),
        ("  capability: teleport\n", "unknown capability 'teleport'"),
        ("  doc11: C12 §5\n", "doc11 reference"),
        ("  ambiguity: [AMB-1]\n", "ambiguity"),
        ("  destructive: sometimes\n", "destructive must be true or false"),
        ("  interpretations: [{id: a, summary: x}]\n", "need a policy"),
        ("  interpretations: [{id: A B, summary: x}]\n  policy: p\n", "interpretation id"),
        ("  merges: [CORE-XX-01]\n", "merged id"),
        ("  level: MUST\n", "duplicate key 'level'"),
    ],
)
def test_bad_optional_fields(extra: str, message: str) -> None:
    with pytest.raises(CatalogueError, match=re.escape(message)):
        Catalogue.from_yaml(VALID + extra)


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("profiles: [core]", "profiles: [core, xml]", "unknown profile 'xml'"),
        ("level: MUST", "level: RECOMMENDED", "level 'RECOMMENDED'"),
        ("occi: both", "occi: 1.2", "quote it"),
        ("profiles: [core]", "profiles: [core, occi-1.1]", "occi-1.1 profile"),
        ("id: CORE-XX-01", "id: core-xx-1", "not of the form"),
        ("doc: C12 §5.2", "doc: RFC 7230", "does not start with"),
        ("  check: 'A check.'\n", "", "missing field(s) check"),
        ("statement: 'A statement.'", "statement: ''", "statement must be a non-empty string"),
    ],
)
def test_bad_required_fields(old: str, new: str, message: str) -> None:
    text = VALID.replace(old, new)
    assert text != VALID
    with pytest.raises(CatalogueError, match=re.escape(message)):
        Catalogue.from_yaml(text)


def test_duplicate_id_rejected() -> None:
    with pytest.raises(CatalogueError, match="duplicate requirement id 'CORE-XX-01'"):
        Catalogue.from_yaml(VALID + VALID)


def test_merged_id_clash_rejected() -> None:
    other = VALID.replace("CORE-XX-01", "CORE-XX-02") + "  merges: [CORE-XX-01]\n"
    with pytest.raises(CatalogueError, match="also a requirement of its own"):
        Catalogue.from_yaml(VALID + other)


def test_error_names_source_and_entry(tmp_path: Path) -> None:
    path = tmp_path / "cat.yaml"
    path.write_text(VALID.replace("level: MUST", "level: must"), encoding="utf-8")
    with pytest.raises(CatalogueError) as info:
        Catalogue.load(path)
    assert str(path) in str(info.value)
    assert "entry #1 (CORE-XX-01)" in str(info.value)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{a: 1}", "top level must be a list"),
        ("- just a string", "must be a mapping"),
        ("- [unclosed", "not valid YAML"),
    ],
)
def test_malformed_documents(text: str, message: str) -> None:
    with pytest.raises(CatalogueError, match=re.escape(message)):
        Catalogue.from_yaml(text)
