"""The OCCI 1.2 reference server: a thin ASGI adapter over :mod:`occi_protocol`."""

__version__ = "0.1.0"

#: Every response names the server, the OCCI version and the CRTP profile (H12 §5.3; the
#: CRTP profile asks for its own token).
SERVER_HEADER = f"occi-reference-server/{__version__} OCCI/1.2 OCCI-CRTP/1.1"
