"""Outcomes of a suite test and the exceptions that decide them.

pass: every named requirement held. fail / warn / info: a requirement broke, and its level
decides which (MUST → fail, SHOULD or derived → warn, MAY or informative → info). n/a: the
endpoint does not offer what the test needs. error: the harness or the network failed, not
the endpoint.
"""

from __future__ import annotations

import pytest

OUTCOMES = ("pass", "fail", "warn", "info", "n/a", "error")
NOT_APPLICABLE = "n/a: "


class HarnessError(Exception):
    """The suite itself could not do its work (not the endpoint's fault): outcome error."""


def not_applicable(reason: str) -> None:
    """End the running test as n/a: the endpoint lacks an optional capability."""
    pytest.skip(NOT_APPLICABLE + reason)
