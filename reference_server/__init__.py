"""The OCCI 1.2 reference server: a thin ASGI adapter over :mod:`occi_protocol`."""

__version__ = "0.1.0"

#: The CRTP profile version that goes with each OCCI version (CRTP asks for its own token).
_CRTP = {"1.2": "1.1", "1.1": "1.0"}


def server_header(occi_version: str = "1.2") -> str:
    """Every response names the server, the OCCI version and the CRTP profile (H12 §5.3)."""
    crtp = _CRTP[occi_version]
    return f"occi-reference-server/{__version__} OCCI/{occi_version} OCCI-CRTP/{crtp}"


SERVER_HEADER = server_header()
