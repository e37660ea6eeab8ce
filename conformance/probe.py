"""``occi-conformance probe``: a Nagios/ARGO probe built on the egi-fedcloud profile.

One line on stdout, exit status as Nagios reads it: 0 OK, 1 WARNING, 2 CRITICAL (3 UNKNOWN
for a probe that is misconfigured). A drop-in for the old ARGO OCCI probes.
"""

from __future__ import annotations

from conformance.results import ResultCollector

OK, WARNING, CRITICAL, UNKNOWN = 0, 1, 2, 3
NAMES = {OK: "OK", WARNING: "WARNING", CRITICAL: "CRITICAL", UNKNOWN: "UNKNOWN"}


def verdict(collector: ResultCollector | None, aborted: str | None = None) -> tuple[int, str]:
    """The probe's status and its one-line text (without the status word)."""
    if collector is None or not collector.records:
        return CRITICAL, aborted or "no check ran against the endpoint"
    records = collector.records
    failed = [r for r in records if r.new_failure]
    errors = [r for r in records if r.new_error]
    warned = [r for r in records if r.outcome == "warn" and r.known_reason is None]
    passed = sum(r.outcome == "pass" for r in records)
    counts = f"{passed}/{len(records)} checks passed"
    if failed:
        first = failed[0]
        return CRITICAL, (
            f"{len(failed)} MUST failure(s), {counts}; first: {','.join(first.requirements)} "
            + _first_line(first.message)
        )
    if errors:
        return CRITICAL, f"{len(errors)} check(s) could not run, {counts}; first: " + _first_line(
            errors[0].message
        )
    if collector.aborted:
        return CRITICAL, f"run {collector.aborted}, {counts}"
    if warned:
        return WARNING, f"{len(warned)} SHOULD warning(s), {counts}; first: " + ",".join(
            warned[0].requirements
        )
    return OK, f"{counts} ({collector.config.run_id})"


def _first_line(text: str, limit: int = 160) -> str:
    line = text.strip().splitlines()[0] if text.strip() else ""
    return line[:limit]


def line(status: int, text: str) -> str:
    # Nagios treats '|' as the start of performance data.
    return f"{NAMES[status]} - {text.replace('|', '/')}"
