"""occi-conformance: the OCCI conformance suite and compliance harness."""

__version__ = "0.1.0"
