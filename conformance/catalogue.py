"""The requirement catalogue: what the suite checks, where the specs say so, and how strongly.

The catalogue lives in ``conformance/requirements.yaml`` (shipped as package data). Every suite
test names the requirement ids it checks; the runner uses the catalogue to select tests by
profile or id glob and to turn a broken requirement into an outcome (fail, warn or info).

Loading validates every entry and raises :class:`CatalogueError` naming the entry and the field
at fault, so a typo in the YAML never silently drops or mislabels a requirement.
"""

from __future__ import annotations

import fnmatch
import functools
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

__all__ = [
    "CAPABILITIES",
    "DOC_KEYS",
    "LEVELS",
    "OCCI_VERSIONS",
    "PROFILES",
    "Catalogue",
    "CatalogueError",
    "Interpretation",
    "Requirement",
    "default_catalogue",
    "outcome_for_failure",
]

#: Selection profiles, in the order the CLI and reports list them.
PROFILES: tuple[str, ...] = (
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

#: Requirement levels, strongest first.
LEVELS: tuple[str, ...] = (
    "MUST",
    "MUST NOT",
    "SHOULD",
    "SHOULD NOT",
    "MAY",
    "informative",
    "derived",
)

#: Values of a requirement's ``occi`` field.
OCCI_VERSIONS: tuple[str, ...] = ("1.2", "1.1", "both")

#: Optional endpoint features a requirement may depend on; without them its test is n/a.
CAPABILITIES: tuple[str, ...] = (
    "auth",
    "compute",
    "disposable",
    "filtering",
    "ipnetwork",
    "ipnetworkinterface",
    "links",
    "network",
    "networkinterface",
    "os-tpl",
    "pagination",
    "platform",
    "put-create",
    "put-replace",
    "resource-tpl",
    "sla",
    "ssh-key",
    "storage",
    "storagelink",
    "user-data",
    "user-mixins",
    "well-known",
)

#: Document keys a ``doc`` reference may start with (see the spec digest, section 0).
DOC_KEYS: tuple[str, ...] = (
    "C12",
    "H12",
    "T12",
    "J12",
    "I12",
    "P12",
    "S12",
    "C11",
    "I11",
    "H11",
    "CRTP",
    "EGI",
)
_DOC11_KEYS = ("C11", "I11", "H11")
_FILENAME = "requirements.yaml"

_OUTCOME_FOR_LEVEL = {
    "MUST": "fail",
    "MUST NOT": "fail",
    "SHOULD": "warn",
    "SHOULD NOT": "warn",
    "derived": "warn",
    "MAY": "info",
    "informative": "info",
}

ID_RE = re.compile(r"^[A-Z][A-Z0-9]*(?:-[A-Z][A-Z0-9]*)*-\d{2}[a-z]?$")
ETSI_RE = re.compile(r"^OCCI/(?:CORE|INFRA)/[A-Z]+/\d{3}$")
AMBIGUITY_RE = re.compile(r"^AMB-[A-Z]+-\d{2}$")
INTERPRETATION_ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]*$")

_REQUIRED_FIELDS = ("id", "doc", "level", "occi", "profiles", "statement", "check")
_OPTIONAL_FIELDS = (
    "doc11",
    "etsi",
    "capability",
    "destructive",
    "ambiguity",
    "interpretations",
    "policy",
    "merges",
    "note",
)
_KNOWN_FIELDS = frozenset(_REQUIRED_FIELDS + _OPTIONAL_FIELDS)


def outcome_for_failure(level: str) -> str:
    """Return the outcome a broken requirement of ``level`` gets: fail, warn or info."""
    try:
        return _OUTCOME_FOR_LEVEL[level]
    except KeyError:
        raise ValueError(f"unknown requirement level {level!r}; expected one of {LEVELS}") from None


class CatalogueError(ValueError):
    """The catalogue file is malformed or an entry breaks the schema."""


@dataclass(frozen=True, slots=True)
class Interpretation:
    """One reading of an ambiguous point, as seen in an implementation."""

    id: str
    summary: str


@dataclass(frozen=True, slots=True)
class Requirement:
    """One catalogue entry. Field meanings are documented at the top of requirements.yaml."""

    id: str
    doc: str
    level: str
    occi: str
    profiles: tuple[str, ...]
    statement: str
    check: str
    doc11: str | None = None
    etsi: tuple[str, ...] = ()
    capability: tuple[str, ...] = ()
    destructive: bool = False
    ambiguity: tuple[str, ...] = ()
    interpretations: tuple[Interpretation, ...] = ()
    policy: str | None = None
    merges: tuple[str, ...] = ()
    note: str | None = None

    @property
    def failure_outcome(self) -> str:
        """Outcome when the endpoint breaks this requirement (see :func:`outcome_for_failure`)."""
        return outcome_for_failure(self.level)

    def applies_to(self, occi_version: str) -> bool:
        """Whether the requirement applies to an endpoint under test for ``occi_version``."""
        if occi_version not in ("1.1", "1.2"):
            raise ValueError(f"unknown OCCI version {occi_version!r}; expected '1.1' or '1.2'")
        return self.occi in ("both", occi_version)


class Catalogue:
    """An immutable, validated set of requirements with lookup and selection helpers."""

    def __init__(self, requirements: Iterable[Requirement]) -> None:
        self._by_id: dict[str, Requirement] = {}
        self._aliases: dict[str, str] = {}
        for req in requirements:
            if req.id in self._by_id or req.id in self._aliases:
                raise CatalogueError(f"duplicate requirement id {req.id!r}")
            self._by_id[req.id] = req
        for req in self._by_id.values():
            for alias in req.merges:
                if alias in self._by_id:
                    raise CatalogueError(
                        f"{req.id}: merged id {alias!r} is also a requirement of its own"
                    )
                if alias in self._aliases:
                    raise CatalogueError(
                        f"{req.id}: merged id {alias!r} is already merged into "
                        f"{self._aliases[alias]}"
                    )
                self._aliases[alias] = req.id

    # --- construction
    @classmethod
    def load(cls, path: str | Path | None = None) -> Catalogue:
        """Load a catalogue file; without ``path``, the one shipped with the package."""
        if path is None:
            return cls.from_yaml(_packaged_text(), source="conformance/requirements.yaml")
        path = Path(path)
        return cls.from_yaml(path.read_text(encoding="utf-8"), source=str(path))

    @classmethod
    def from_yaml(cls, text: str, source: str = "<string>") -> Catalogue:
        """Parse and validate catalogue YAML text; ``source`` names it in error messages."""
        try:
            data = yaml.load(text, Loader=_StrictLoader)
        except CatalogueError as exc:
            raise CatalogueError(f"{source}: {exc}") from None
        except yaml.YAMLError as exc:
            raise CatalogueError(f"{source}: not valid YAML: {exc}") from None
        return cls.from_data(data, source=source)

    @classmethod
    def from_data(cls, data: Any, source: str = "<data>") -> Catalogue:
        """Validate already-parsed data (a list of entry mappings)."""
        if not isinstance(data, list):
            raise CatalogueError(f"{source}: top level must be a list of requirements")
        reqs = []
        for index, raw in enumerate(data):
            try:
                reqs.append(_parse_entry(raw, index))
            except CatalogueError as exc:
                raise CatalogueError(f"{source}: {exc}") from None
        try:
            return cls(reqs)
        except CatalogueError as exc:
            raise CatalogueError(f"{source}: {exc}") from None

    # --- lookup
    def __iter__(self) -> Iterator[Requirement]:
        return iter(self._by_id.values())

    def __len__(self) -> int:
        return len(self._by_id)

    def __contains__(self, req_id: object) -> bool:
        return req_id in self._by_id or req_id in self._aliases

    @property
    def ids(self) -> tuple[str, ...]:
        """Own ids of all entries, in file order (merged ids not included)."""
        return tuple(self._by_id)

    def resolve(self, req_id: str) -> str:
        """Return the entry id for ``req_id``, following merges; KeyError if unknown."""
        if req_id in self._by_id:
            return req_id
        try:
            return self._aliases[req_id]
        except KeyError:
            raise KeyError(f"unknown requirement id {req_id!r}") from None

    def get(self, req_id: str) -> Requirement:
        """Return the entry for ``req_id`` (a merged id gives the entry it was merged into)."""
        return self._by_id[self.resolve(req_id)]

    # --- selection
    def by_profile(self, name: str) -> tuple[Requirement, ...]:
        """Entries selected by profile ``name``."""
        if name not in PROFILES:
            raise ValueError(f"unknown profile {name!r}; expected one of {PROFILES}")
        return tuple(r for r in self if name in r.profiles)

    def by_level(self, level: str) -> tuple[Requirement, ...]:
        """Entries of the given level."""
        if level not in LEVELS:
            raise ValueError(f"unknown level {level!r}; expected one of {LEVELS}")
        return tuple(r for r in self if r.level == level)

    def for_version(self, occi_version: str) -> tuple[Requirement, ...]:
        """Entries that apply to an endpoint of ``occi_version`` ("1.1" or "1.2")."""
        return tuple(r for r in self if r.applies_to(occi_version))

    def matching(self, pattern: str) -> tuple[Requirement, ...]:
        """Entries whose id, or a merged id, matches the case-sensitive glob ``pattern``."""
        return tuple(
            r
            for r in self
            if fnmatch.fnmatchcase(r.id, pattern)
            or any(fnmatch.fnmatchcase(alias, pattern) for alias in r.merges)
        )


@functools.cache
def default_catalogue() -> Catalogue:
    """The packaged catalogue, loaded once per process."""
    return Catalogue.load()


# --- YAML loading ---------------------------------------------------------------------------


def _packaged_text() -> str:
    """Text of the catalogue shipped in the package."""
    try:
        return resources.files("conformance").joinpath(_FILENAME).read_text("utf-8")
    except (TypeError, NotADirectoryError):
        # Python 3.11 cannot read resources of a namespace package (no __init__.py) imported
        # from a relative sys.path entry; the file sits next to this module either way.
        return Path(__file__).with_name(_FILENAME).read_text("utf-8")


class _StrictLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """Safe loader that rejects duplicate mapping keys (PyYAML keeps the last one silently)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                line = key_node.start_mark.line + 1
                raise CatalogueError(f"line {line}: duplicate key {key!r}")
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


# --- entry validation -----------------------------------------------------------------------


def _parse_entry(raw: Any, index: int) -> Requirement:
    if not isinstance(raw, Mapping):
        raise CatalogueError(f"entry #{index + 1}: must be a mapping, got {type(raw).__name__}")
    label = f"entry #{index + 1}"
    if isinstance(raw.get("id"), str):
        label = f"entry #{index + 1} ({raw['id']})"

    def fail(message: str) -> CatalogueError:
        return CatalogueError(f"{label}: {message}")

    unknown = sorted(str(k) for k in raw if k not in _KNOWN_FIELDS)
    if unknown:
        raise fail(f"unknown field(s) {', '.join(unknown)}")
    missing = [k for k in _REQUIRED_FIELDS if k not in raw]
    if missing:
        raise fail(f"missing field(s) {', '.join(missing)}")

    req_id = _text(raw, "id", fail)
    if not ID_RE.match(req_id):
        raise fail(f"id {req_id!r} is not of the form AREA-GROUP-NN (optional suffix letter)")

    doc = _text(raw, "doc", fail)
    _check_doc(doc, DOC_KEYS, "doc", fail)
    doc11 = _opt_text(raw, "doc11", fail)
    if doc11 is not None:
        _check_doc(doc11, _DOC11_KEYS, "doc11", fail)

    level = raw["level"]
    if level not in LEVELS:
        raise fail(f"level {level!r} is not one of {', '.join(LEVELS)}")
    occi = raw["occi"]
    if occi not in OCCI_VERSIONS:
        hint = " (quote it: YAML reads 1.2 as a number)" if isinstance(occi, float) else ""
        raise fail(f"occi {occi!r} is not one of {', '.join(OCCI_VERSIONS)}{hint}")

    profiles = _names(raw, "profiles", fail, allow_scalar=False)
    for name in profiles:
        if name not in PROFILES:
            raise fail(f"unknown profile {name!r}; expected one of {', '.join(PROFILES)}")
    if ("occi-1.1" in profiles) != (occi == "1.1"):
        raise fail("the occi-1.1 profile is for exactly the entries with occi '1.1'")

    statement = _text(raw, "statement", fail, one_line=True)
    check = _text(raw, "check", fail, one_line=True)

    etsi = _names(raw, "etsi", fail)
    for test_id in etsi:
        if not ETSI_RE.match(test_id):
            raise fail(f"etsi id {test_id!r} is not of the form OCCI/CORE|INFRA/GROUP/NNN")
    capability = _names(raw, "capability", fail)
    for cap in capability:
        if cap not in CAPABILITIES:
            raise fail(f"unknown capability {cap!r}; expected one of {', '.join(CAPABILITIES)}")
    ambiguity = _names(raw, "ambiguity", fail)
    for amb in ambiguity:
        if not AMBIGUITY_RE.match(amb):
            raise fail(f"ambiguity {amb!r} is not of the form AMB-AREA-NN")
    merges = _names(raw, "merges", fail)
    for alias in merges:
        if not ID_RE.match(alias) or alias == req_id:
            raise fail(f"merged id {alias!r} is not a well-formed id other than the entry's own")

    destructive = raw.get("destructive", False)
    if not isinstance(destructive, bool):
        raise fail("destructive must be true or false")

    interpretations = _interpretations(raw, fail)
    policy = _opt_text(raw, "policy", fail)
    if interpretations and policy is None:
        raise fail("interpretations need a policy saying what the suite accepts")

    return Requirement(
        id=req_id,
        doc=doc,
        level=level,
        occi=occi,
        profiles=profiles,
        statement=statement,
        check=check,
        doc11=doc11,
        etsi=etsi,
        capability=capability,
        destructive=destructive,
        ambiguity=ambiguity,
        interpretations=interpretations,
        policy=policy,
        merges=merges,
        note=_opt_text(raw, "note", fail),
    )


def _text(raw: Mapping[str, Any], key: str, fail: Any, one_line: bool = False) -> str:
    value = raw[key]
    if not isinstance(value, str) or not value.strip():
        raise fail(f"{key} must be a non-empty string")
    if one_line and "\n" in value.strip():
        raise fail(f"{key} must fit on one line")
    return value.strip()


def _opt_text(raw: Mapping[str, Any], key: str, fail: Any) -> str | None:
    return _text(raw, key, fail) if raw.get(key) is not None else None


def _names(
    raw: Mapping[str, Any], key: str, fail: Any, allow_scalar: bool = True
) -> tuple[str, ...]:
    """A list of strings; a single string is accepted where ``allow_scalar``."""
    value = raw.get(key)
    if value is None:
        return ()
    if allow_scalar and isinstance(value, str):
        value = [value]
    if not isinstance(value, Sequence) or isinstance(value, str):
        raise fail(f"{key} must be a list")
    if not all(isinstance(v, str) and v for v in value):
        raise fail(f"{key} must hold non-empty strings only")
    if len(set(value)) != len(value):
        raise fail(f"{key} lists a value twice")
    return tuple(value)


def _check_doc(doc: str, keys: tuple[str, ...], field: str, fail: Any) -> None:
    for part in doc.split("; "):
        head = part.split(" ", 1)[0]
        if head not in keys:
            raise fail(f"{field} reference {part!r} does not start with one of {', '.join(keys)}")


def _interpretations(raw: Mapping[str, Any], fail: Any) -> tuple[Interpretation, ...]:
    value = raw.get("interpretations")
    if value is None:
        return ()
    if not isinstance(value, list) or not value:
        raise fail("interpretations must be a non-empty list")
    result = []
    for item in value:
        if not isinstance(item, Mapping) or set(item) != {"id", "summary"}:
            raise fail("each interpretation must have exactly the keys id and summary")
        interp_id, summary = item["id"], item["summary"]
        if not isinstance(interp_id, str) or not INTERPRETATION_ID_RE.match(interp_id):
            raise fail(f"interpretation id {interp_id!r} must be lowercase letters, digits, '-'")
        if not isinstance(summary, str) or not summary.strip():
            raise fail(f"interpretation {interp_id!r} needs a summary")
        result.append(Interpretation(interp_id, summary.strip()))
    if len({i.id for i in result}) != len(result):
        raise fail("interpretation ids must be unique within an entry")
    return tuple(result)
