"""Secrets never leave the process: every text a report writes goes through :class:`Masker`.

The client already masks credential headers in transcripts and curl lines; the masker also
catches a password or token that an endpoint echoed back, or that an assertion message quoted.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import urlsplit, urlunsplit

MASK = "***"
# Secrets shorter than this are not replaced inside other text: masking "a" would mangle
# every report, and a one-letter password is not worth protecting from itself.
_MIN_SECRET = 4
_USERINFO = re.compile(r"(?P<scheme>https?://)(?P<user>[^:/@\s]+):(?P<password>[^@/\s]+)@")


class Masker:
    """Replaces known secret values (and URL passwords) with ``***``."""

    def __init__(self, secrets: Iterable[str | None] = ()) -> None:
        self._secrets: set[str] = set()
        self.add(*secrets)

    def add(self, *secrets: str | None) -> None:
        for secret in secrets:
            if secret and len(secret) >= _MIN_SECRET:
                self._secrets.add(secret)

    def __call__(self, text: str) -> str:
        if not text:
            return text
        # Longest first, so a secret that contains another is masked whole.
        for secret in sorted(self._secrets, key=len, reverse=True):
            text = text.replace(secret, MASK)
        return _USERINFO.sub(lambda m: f"{m['scheme']}{m['user']}:{MASK}@", text)


def mask_url(url: str | None) -> str | None:
    """The URL with the password of its userinfo (if any) masked."""
    if not url:
        return url
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = f"{parts.username}:{MASK}@{parts.hostname}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit(parts._replace(netloc=netloc))
