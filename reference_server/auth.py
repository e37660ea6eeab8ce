"""Who is calling: HTTP Basic (a users file), bearer tokens (a tokens file), or nobody.

Modes:
  ``open``        no credentials asked; everyone is the user ``anonymous`` (default on
                  loopback).
  ``local``       Basic against the users file and/or tokens (``X-Auth-Token`` or
                  ``Authorization: Bearer``) against the tokens file.
  ``passthrough`` credentials are not checked here but handed to the backend, which checks
                  them with the cloud stack (the OpenNebula backend acts as the user).

Users file (YAML)::

    users:
      alice: {password: "s3cret"}                 # or
      bob: {password_sha256: "<hex digest>"}

Tokens file (YAML)::

    tokens:
      "0123abcd": alice
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from reference_server.backends.base import User

MODES = ("open", "local", "passthrough")
ANONYMOUS = User("anonymous")


class AuthConfigError(ValueError):
    """A users or tokens file is unreadable or malformed."""


@dataclass(frozen=True)
class Credentials:
    """What a request presented, before checking."""

    scheme: str  # "basic" | "bearer" | ""
    name: str = ""
    secret: str = ""


@dataclass
class Authenticator:
    mode: str = "open"
    #: user name → ("plain" | "sha256", value)
    users: Mapping[str, tuple[str, str]] = field(default_factory=dict)
    tokens: Mapping[str, str] = field(default_factory=dict)
    realm: str = "occi"

    @classmethod
    def from_files(
        cls, mode: str, users_file: Path | None = None, tokens_file: Path | None = None
    ) -> Authenticator:
        if mode not in MODES:
            raise AuthConfigError(f"auth mode must be one of {', '.join(MODES)}, not {mode!r}")
        users: dict[str, tuple[str, str]] = {}
        tokens: dict[str, str] = {}
        if users_file is not None:
            for name, entry in _section(users_file, "users").items():
                if isinstance(entry, Mapping) and "password_sha256" in entry:
                    users[str(name)] = ("sha256", str(entry["password_sha256"]).lower())
                elif isinstance(entry, Mapping) and "password" in entry:
                    users[str(name)] = ("plain", str(entry["password"]))
                else:
                    raise AuthConfigError(
                        f"{users_file}: user {name!r} needs password or password_sha256"
                    )
        if tokens_file is not None:
            tokens = {str(k): str(v) for k, v in _section(tokens_file, "tokens").items()}
        if mode == "local" and not users and not tokens:
            raise AuthConfigError("auth mode 'local' needs a users file or a tokens file")
        return cls(mode=mode, users=users, tokens=tokens)

    @property
    def challenge(self) -> str:
        return f'Basic realm="{self.realm}", Bearer realm="{self.realm}"'

    def authenticate(self, headers: Mapping[str, str]) -> User | None:
        """The user the headers prove, or None (answer 401). ``headers`` keys are lower-case."""
        if self.mode == "open":
            return ANONYMOUS
        credentials = read_credentials(headers)
        if credentials is None:
            return None
        if self.mode == "passthrough":
            return User(credentials.name or credentials.secret, credentials.secret)
        if credentials.scheme == "basic":
            stored = self.users.get(credentials.name)
            if stored is not None and _password_matches(stored, credentials.secret):
                return User(credentials.name)
            return None
        name = self.tokens.get(credentials.secret)
        return User(name) if name is not None else None


def read_credentials(headers: Mapping[str, str]) -> Credentials | None:
    """Basic, Bearer or X-Auth-Token credentials; None when absent or malformed."""
    token = headers.get("x-auth-token")
    if token:
        name, sep, _ = token.partition(":")
        return Credentials("bearer", name if sep else "", token.strip())
    authorization = headers.get("authorization", "")
    scheme, _, value = authorization.strip().partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return Credentials("bearer", "", value.strip())
    if scheme.lower() == "basic":
        try:
            decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            return None
        name, sep, password = decoded.partition(":")
        if sep and name:
            return Credentials("basic", name, password)
    return None


def _password_matches(stored: tuple[str, str], given: str) -> bool:
    kind, value = stored
    if kind == "sha256":
        given = hashlib.sha256(given.encode("utf-8")).hexdigest()
    return hmac.compare_digest(value.encode("utf-8"), given.encode("utf-8"))


def _section(path: Path, key: str) -> Mapping[str, object]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except OSError as exc:
        raise AuthConfigError(f"cannot read {path}: {exc.strerror}") from None
    except yaml.YAMLError as exc:
        raise AuthConfigError(f"{path} is not valid YAML: {exc}") from None
    section = data.get(key) if isinstance(data, Mapping) else None
    if not isinstance(section, Mapping):
        raise AuthConfigError(f"{path} needs a mapping under {key!r}")
    return section
