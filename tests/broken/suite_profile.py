"""A pytest plugin loaded (``-p suite_profile``) into the suite runs against variants.

It registers the hypothesis profile ``occi-broken``: derandomised (the plain server and an
allowed variant see the same examples, so their results compare), no example database
(nothing written into the checkout), and no shrinking: against a broken variant almost every
property fails, and shrinking each failure costs tens of seconds without changing whether the
variant is caught. ``report_multiple_bugs`` is off so a failure surfaces as the assertion
itself, which the plugin reports as ``fail``.
"""

from __future__ import annotations

from hypothesis import HealthCheck, Phase, settings

PROFILE = "occi-broken"

settings.register_profile(
    PROFILE,
    max_examples=25,
    deadline=None,
    derandomize=True,
    database=None,
    phases=(Phase.explicit, Phase.reuse, Phase.generate),
    report_multiple_bugs=False,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
