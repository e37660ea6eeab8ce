"""Suite configuration: defaults, then a YAML file, then ``OCCI_*`` variables, then options.

YAML (every key optional)::

    endpoint: https://site.example.org:11443
    auth:                                           # every key optional
      type: basic          # none | basic | bearer | oidc | x-auth-token | keystone
      username: u          # basic, or Keystone password authentication
      password: p
      token: t             # bearer/oidc access token, or a ready X-Auth-Token
      keystone_url: null   # Keystone v3; default: the uri of a 401's WWW-Authenticate
      project: null        # Keystone project to scope the token to (name or id)
      domain: Default      # Keystone user and project domain
      identity_provider: egi.eu   # Keystone federation (OIDC token → Keystone token)
      protocol: openid
    client_cert: /tmp/x509up_u1000                  # X.509 certificate or VOMS proxy
    client_key: null                                # defaults to client_cert (proxy files)
    ca_path: /etc/grid-security/certificates/
    insecure: false
    proxy: null
    timeout: 30            # seconds per request
    retries: 0             # connection retries
    state_timeout: 300     # seconds to wait for a state change (a real cloud takes minutes)
    poll_interval: 2
    profiles: [core, http]
    requirements: ["HTTP-*"]
    destructive: false
    disposable: false      # a throwaway endpoint: tests may delete collections, provider mixins
    os_tpl: null           # type id of the OS template for compute creation
    resource_tpl: null     # type id of the resource template
    run_id: null           # tags what this run creates; generated when absent
    report_dir: reports
    baseline: null
    occi_version: auto     # auto | 1.2 | 1.1
    hypothesis_profile: occi-dev   # occi-dev (random, seed printed) | occi-ci (derandomised)
    hypothesis_seed: null  # replay a run's property tests

Keystone: when an answer is 401 with ``WWW-Authenticate: Keystone uri=...`` and a username and
password (or an OIDC token) are configured, the client gets a token from that Keystone v3 and
retries with ``X-Auth-Token`` (conformance/keystone.py).
"""

from __future__ import annotations

import dataclasses
import os
import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path

import yaml

from conformance.catalogue import PROFILES

ENV_PREFIX = "OCCI_"
AUTH_TYPES = ("none", "basic", "bearer", "oidc", "x-auth-token", "keystone")
HYPOTHESIS_PROFILES = ("occi-dev", "occi-ci")
#: A run id is a title prefix the sweep command deletes by: it must be long and plain enough
#: that it cannot match titles the run did not write.
RUN_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{7,63}$")


class ConfigError(ValueError):
    """A setting is missing or malformed (exit code 2)."""


@dataclass
class AuthConfig:
    type: str = "none"
    username: str | None = None
    password: str | None = None
    token: str | None = None
    keystone_url: str | None = None
    project: str | None = None
    domain: str = "Default"
    identity_provider: str = "egi.eu"
    protocol: str = "openid"


@dataclass
class SuiteConfig:
    endpoint: str | None = None
    auth: AuthConfig = field(default_factory=AuthConfig)
    client_cert: str | None = None
    client_key: str | None = None
    ca_path: str | None = None
    insecure: bool = False
    proxy: str | None = None
    timeout: float = 30.0
    retries: int = 0
    state_timeout: float = 300.0
    poll_interval: float = 2.0
    profiles: list[str] = field(default_factory=list)
    requirements: list[str] = field(default_factory=list)
    destructive: bool = False
    disposable: bool = False
    os_tpl: str | None = None
    resource_tpl: str | None = None
    run_id: str = field(default_factory=lambda: f"occi-conformance-{uuid.uuid4().hex[:8]}")
    report_dir: str = "reports"
    baseline: str | None = None
    occi_version: str = "auto"
    hypothesis_profile: str = "occi-dev"
    hypothesis_seed: int | None = None

    def secrets(self) -> list[str]:
        """Values that must never appear in a report."""
        return [s for s in (self.auth.password, self.auth.token) if s]

    def check(self) -> SuiteConfig:
        unknown = [p for p in self.profiles if p not in PROFILES]
        if unknown:
            raise ConfigError(
                f"unknown profile(s) {', '.join(unknown)}; known: {', '.join(PROFILES)}"
            )
        if self.auth.type not in AUTH_TYPES:
            raise ConfigError(f"auth type must be one of {', '.join(AUTH_TYPES)}")
        if self.auth.type == "basic" and not self.auth.username:
            raise ConfigError("basic auth needs a username")
        if self.auth.type in ("bearer", "oidc", "x-auth-token") and not self.auth.token:
            raise ConfigError(f"{self.auth.type} auth needs a token")
        if self.auth.type == "keystone" and not (
            self.auth.token or (self.auth.username and self.auth.password)
        ):
            raise ConfigError("keystone auth needs a username and password, or a token")
        if not RUN_ID_RE.match(self.run_id):
            raise ConfigError(
                f"run id {self.run_id!r} must be 8-64 letters, digits, '.', '_' or '-' "
                "(it is the tag the sweep command deletes by)"
            )
        if self.hypothesis_profile not in HYPOTHESIS_PROFILES:
            raise ConfigError(f"hypothesis profile must be one of {', '.join(HYPOTHESIS_PROFILES)}")
        if self.client_key and not self.client_cert:
            raise ConfigError("client_key needs client_cert")
        for name in ("client_cert", "client_key", "ca_path"):
            value = getattr(self, name)
            if value and not Path(value).exists():
                raise ConfigError(f"{name} {value} does not exist")
        if self.occi_version not in ("auto", "1.1", "1.2"):
            raise ConfigError("occi_version must be auto, 1.1 or 1.2")
        if self.endpoint is not None and not self.endpoint.startswith(("http://", "https://")):
            raise ConfigError(f"endpoint must be an http:// or https:// URL, not {self.endpoint!r}")
        if self.state_timeout <= 0 or self.timeout <= 0:
            raise ConfigError("timeouts must be positive")
        return self


_SCALARS = {f.name: f for f in fields(SuiteConfig) if f.name not in ("auth", "profiles")}


def _convert(name: str, raw: object) -> object:
    current = getattr(SuiteConfig(), name, None)
    if name in ("profiles", "requirements"):
        if isinstance(raw, str):
            return [p.strip() for p in raw.split(",") if p.strip()]
        if isinstance(raw, list):
            return [str(p) for p in raw]
        raise ConfigError(f"{name} must be a list")
    if isinstance(current, bool):
        text = str(raw).strip().lower()
        if isinstance(raw, bool):
            return raw
        if text in ("1", "true", "yes", "on"):
            return True
        if text in ("0", "false", "no", "off", ""):
            return False
        raise ConfigError(f"{name} must be true or false, not {raw!r}")
    if isinstance(current, float):
        try:
            return float(raw)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            raise ConfigError(f"{name} must be a number, not {raw!r}") from None
    if isinstance(current, int) or name == "hypothesis_seed":
        if raw is None:
            return None
        try:
            return int(raw)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            raise ConfigError(f"{name} must be a whole number, not {raw!r}") from None
    return None if raw is None else str(raw)


def load_config(
    config_file: str | None = None,
    environ: Mapping[str, str] | None = None,
    overrides: Mapping[str, object] | None = None,
) -> SuiteConfig:
    """Merge the sources; later ones win. ``overrides`` holds only options actually given."""
    values: dict[str, object] = {}
    auth: dict[str, object] = {}
    if config_file:
        try:
            data = yaml.safe_load(Path(config_file).read_text(encoding="utf-8")) or {}
        except OSError as exc:
            raise ConfigError(f"cannot read config file {config_file}: {exc.strerror}") from None
        except yaml.YAMLError as exc:
            raise ConfigError(f"config file {config_file} is not valid YAML: {exc}") from None
        if not isinstance(data, Mapping):
            raise ConfigError(f"config file {config_file} must hold a mapping")
        for key, raw in data.items():
            name = str(key).replace("-", "_")
            if name == "auth":
                if not isinstance(raw, Mapping):
                    raise ConfigError("auth must be a mapping")
                auth.update({str(k): v for k, v in raw.items()})
            elif name in _SCALARS or name in ("profiles", "requirements"):
                values[name] = _convert(name, raw)
            else:
                raise ConfigError(f"{config_file}: unknown setting {key!r}")
    env = environ if environ is not None else os.environ
    auth_env = {
        "AUTH": "type",
        "USERNAME": "username",
        "PASSWORD": "password",
        "TOKEN": "token",
        "KEYSTONE_URL": "keystone_url",
        "PROJECT": "project",
    }
    for key, raw in env.items():
        if not key.startswith(ENV_PREFIX) or key.startswith("OCCI_SERVER_"):
            continue
        name = key[len(ENV_PREFIX) :]
        if name in auth_env:
            auth[auth_env[name]] = raw
        elif name.lower() in _SCALARS or name.lower() in ("profiles", "requirements"):
            values[name.lower()] = _convert(name.lower(), raw)
        elif name == "PROFILE":
            values["profiles"] = _convert("profiles", raw)
    for name, raw in (overrides or {}).items():
        if raw is None:
            continue
        if name.startswith("auth_"):
            auth[name[5:]] = raw
        else:
            values[name] = _convert(name, raw)
    known_auth = {f.name for f in fields(AuthConfig)}
    for key in auth:
        if key not in known_auth:
            raise ConfigError(f"unknown auth setting {key!r}")
    if auth.get("token") and "type" not in auth:
        auth["type"] = "bearer"
    config = dataclasses.replace(SuiteConfig(), **values)  # type: ignore[arg-type]
    config.auth = AuthConfig(**{k: (None if v is None else str(v)) for k, v in auth.items()})
    return config.check()
