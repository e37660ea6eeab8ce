"""Backends by name. ``create_backend`` builds the one the settings name."""

from __future__ import annotations

from pathlib import Path

from reference_server.backends.base import Backend
from reference_server.config import ConfigError, Settings

NAMES = ("dummy", "opennebula")


def create_backend(settings: Settings) -> Backend:
    if settings.backend == "dummy":
        from reference_server.backends.dummy import DummyBackend

        seed = Path(settings.seed) if settings.seed else None
        return DummyBackend(settings.database, seed, settings.occi_version)
    if settings.backend == "opennebula":
        from reference_server.backends.opennebula import OpenNebulaBackend

        return OpenNebulaBackend.from_settings(settings)
    raise ConfigError(f"unknown backend {settings.backend!r}; choose one of {', '.join(NAMES)}")
