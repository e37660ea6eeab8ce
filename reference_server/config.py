"""Server settings: defaults, then a YAML file, then ``OCCI_SERVER_*`` variables, then options.

Every setting has one name used in all four places: ``max_body`` is ``max_body:`` in YAML,
``OCCI_SERVER_MAX_BODY`` in the environment and ``--max-body`` on the command line.
"""

from __future__ import annotations

import dataclasses
import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass, fields
from pathlib import Path

import yaml

ENV_PREFIX = "OCCI_SERVER_"


class ConfigError(ValueError):
    """A setting is missing or malformed; the message names it."""


@dataclass(frozen=True)
class Settings:
    backend: str = "dummy"
    #: dummy backend: "1.1" plays a legacy OCCI 1.1 endpoint (for the suite's occi-1.1 profile)
    occi_version: str = "1.2"
    listen: str = "127.0.0.1:8080"
    #: dummy backend: SQLite file, or ":memory:"
    database: str = ":memory:"
    #: dummy backend: templates seed (default fixtures/seeds/dummy.yaml of the checkout)
    seed: str | None = None
    auth: str = "open"
    users_file: str | None = None
    tokens_file: str | None = None
    #: serve without authentication on a non-loopback address
    allow_anonymous: bool = False
    max_body: int = 1 << 20
    log_level: str = "info"
    access_log: bool = False
    #: opennebula backend: oned's XML-RPC endpoint, e.g. http://127.0.0.1:2633/RPC2
    one_xmlrpc: str | None = None
    #: opennebula backend: seconds to wait for oned before answering 504
    one_timeout: float = 10.0
    #: opennebula backend: file holding "user:password" of a server account (optional)
    one_auth_file: str | None = None

    @property
    def host(self) -> str:
        return _split_listen(self.listen)[0]

    @property
    def port(self) -> int:
        return _split_listen(self.listen)[1]

    def check(self) -> Settings:
        """Raise :class:`ConfigError` for settings that cannot work together."""
        host, _ = _split_listen(self.listen)
        if self.auth == "open" and not self.allow_anonymous and not _is_loopback(host):
            raise ConfigError(
                f"refusing to serve {self.listen} without authentication: set auth to local "
                "or passthrough, or allow_anonymous"
            )
        if self.occi_version not in ("1.1", "1.2"):
            raise ConfigError(f"occi_version must be 1.1 or 1.2, not {self.occi_version!r}")
        if self.occi_version == "1.1" and self.backend != "dummy":
            raise ConfigError("occi_version 1.1 (a legacy endpoint) needs the dummy backend")
        if self.backend == "opennebula" and not self.one_xmlrpc:
            raise ConfigError("the opennebula backend needs one_xmlrpc (--one-xmlrpc URL)")
        if self.max_body < 1:
            raise ConfigError("max_body must be a positive number of bytes")
        return self


def _split_listen(listen: str) -> tuple[str, int]:
    host, sep, port = listen.rpartition(":")
    if not sep or not port.isdigit() or not 0 <= int(port) <= 65535:
        raise ConfigError(f"listen must be HOST:PORT, not {listen!r}")
    return host.strip("[]") or "127.0.0.1", int(port)


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _convert(name: str, raw: object, kind: type) -> object:
    if raw is None:
        return None
    if kind is bool:
        if isinstance(raw, bool):
            return raw
        text = str(raw).strip().lower()
        if text in ("1", "true", "yes", "on"):
            return True
        if text in ("0", "false", "no", "off", ""):
            return False
        raise ConfigError(f"{name} must be true or false, not {raw!r}")
    try:
        return kind(raw)
    except (TypeError, ValueError):
        raise ConfigError(f"{name} must be a {kind.__name__}, not {raw!r}") from None


_TYPES = {"str": str, "int": int, "float": float, "bool": bool, "str | None": str}


def load_settings(
    config_file: str | None = None,
    environ: Mapping[str, str] | None = None,
    overrides: Mapping[str, object] | None = None,
) -> Settings:
    """Merge the four sources; later ones win. ``overrides`` holds only what was given."""
    values: dict[str, object] = {}
    known = {f.name: _TYPES[str(f.type)] for f in fields(Settings)}
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
            if name not in known:
                raise ConfigError(f"{config_file}: unknown setting {key!r}")
            values[name] = _convert(name, raw, known[name])
    for key, raw in (environ or {}).items():
        if key.startswith(ENV_PREFIX):
            name = key[len(ENV_PREFIX) :].lower()
            if name not in known:
                raise ConfigError(f"unknown setting in the environment: {key}")
            values[name] = _convert(key, raw, known[name])
    for name, raw in (overrides or {}).items():
        if raw is not None:
            values[name] = _convert(name, raw, known[name])
    return dataclasses.replace(Settings(), **values).check()  # type: ignore[arg-type]
