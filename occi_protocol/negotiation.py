"""Content negotiation (H12 §3.7; RFC 9110 §12.5.1 Accept, §8.3 Content-Type).

The server offers the renderings in its order of preference; a client's ``Accept`` ranks
them by q-value and specificity. Without an ``Accept`` header, or with ``*/*``, the first
offer wins: text/plain, as OCCI 1.1 requires (H11 §3.6.6).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from occi_protocol.errors import NotAcceptable

_TOKEN = r"[!#$%&'*+.^_`|~0-9A-Za-z-]+"
_RANGE = re.compile(rf"\s*({_TOKEN})/({_TOKEN})\s*((?:;[^;]*)*)$")
_PARAM = re.compile(rf"\s*({_TOKEN})\s*=\s*(\"(?:[^\"\\]|\\.)*\"|{_TOKEN})\s*$")
_QVALUE = re.compile(r"(?:0(?:\.[0-9]{0,3})?|1(?:\.0{0,3})?)$")


@dataclass(frozen=True, slots=True)
class MediaRange:
    """One element of an ``Accept`` header."""

    type: str
    subtype: str
    q: float = 1.0
    params: dict[str, str] = field(default_factory=dict)

    def matches(self, media_type: str) -> bool:
        main, _, sub = media_type.lower().partition("/")
        return self.type in ("*", main) and self.subtype in ("*", sub)

    @property
    def specificity(self) -> int:
        return (self.type != "*") + (self.subtype != "*")


def parse_params(text: str) -> dict[str, str] | None:
    """``;name=value`` parameters, names lower-cased, quotes removed; None if malformed."""
    params: dict[str, str] = {}
    for piece in text.split(";")[1:] if text.startswith(";") else []:
        if not piece.strip():
            continue
        match = _PARAM.match(piece)
        if match is None:
            return None
        value = match.group(2)
        if value.startswith('"'):
            value = re.sub(r"\\(.)", r"\1", value[1:-1])
        params[match.group(1).lower()] = value
    return params


def parse_accept(value: str) -> list[MediaRange]:
    """The media ranges of an ``Accept`` value; malformed elements are skipped, as RFC 9110
    lets a recipient ignore what it cannot parse."""
    ranges: list[MediaRange] = []
    for element in _split_commas(value):
        match = _RANGE.match(element)
        if match is None:
            continue
        params = parse_params(match.group(3).strip())
        if params is None:
            continue
        q = 1.0
        if "q" in params:
            if not _QVALUE.match(params["q"]):
                continue
            q = float(params.pop("q"))
        ranges.append(MediaRange(match.group(1).lower(), match.group(2).lower(), q, params))
    return ranges


def _split_commas(value: str) -> list[str]:
    parts, current, quoted, escaped = [], [], False, False
    for char in value:
        if escaped:
            escaped = False
        elif char == "\\" and quoted:
            escaped = True
        elif char == '"':
            quoted = not quoted
        elif char == "," and not quoted:
            parts.append("".join(current))
            current = []
            continue
        current.append(char)
    parts.append("".join(current))
    return [p for p in parts if p.strip()]


def negotiate(accept: str | None, offered: Sequence[str]) -> str:
    """The offered media type the client prefers.

    Each offer takes the q-value of the most specific range that matches it; the highest q
    wins, ties going to the server's order. An ``Accept`` that names nothing parseable is
    treated as absent.

    Raises:
        NotAcceptable: every offer is excluded (q=0 or no matching range).
    """
    if not offered:
        raise ValueError("nothing offered")
    if accept is None or not accept.strip():
        return offered[0]
    ranges = parse_accept(accept)
    if not ranges:
        return offered[0]
    best: tuple[float, int] | None = None
    chosen = None
    for index, media_type in enumerate(offered):
        matching = [r for r in ranges if r.matches(media_type)]
        if not matching:
            continue
        q = max(matching, key=lambda r: r.specificity).q
        if q > 0 and (best is None or (q, -index) > best):
            best, chosen = (q, -index), media_type
    if chosen is None:
        raise NotAcceptable(
            f"none of the renderings this resource has ({', '.join(offered)}) is acceptable "
            f"to Accept: {accept}"
        )
    return chosen


def parse_content_type(value: str | None) -> tuple[str, dict[str, str]]:
    """``(media_type, params)`` of a ``Content-Type`` value, media type lower-cased.

    An absent or malformed value gives ``("", {})``: the caller decides what that means.
    """
    if not value:
        return "", {}
    match = _RANGE.match(value)
    if match is None:
        return "", {}
    params = parse_params(match.group(3).strip()) or {}
    return f"{match.group(1).lower()}/{match.group(2).lower()}", params
