"""``occi-conformance`` (also ``python -m conformance``): certify an OCCI endpoint.

Subcommands: run, requirements, sweep, compare, probe, selftest (``--help`` on each).

Exit codes of ``run`` (the contract in design.md):
  0  conformant for the selected profiles: no fail outside the baseline, no error
  1  not conformant: a new fail (a broken MUST) — or the run could not certify: a test
     ended in error (harness or network fault), the suite did not collect, or the run was
     interrupted. An error is not evidence of non-conformance, but neither is it evidence
     of conformance, so a certification cannot pass with one; the report says which it was.
  2  usage or configuration error: bad option, bad config or baseline file, unknown
     profile, credentials refused, a selection that matches no test
  3  endpoint unreachable: the first request (GET /-/) got no HTTP answer at all
``probe`` uses the Nagios codes instead (0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN).
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from conformance import __version__
from conformance.catalogue import LEVELS, PROFILES
from conformance.client import AuthenticationFailed, EndpointUnreachable
from conformance.config import (
    AUTH_TYPES,
    HYPOTHESIS_PROFILES,
    ConfigError,
    SuiteConfig,
    load_config,
)

EXIT_OK, EXIT_NOT_CONFORMANT, EXIT_USAGE, EXIT_UNREACHABLE = 0, 1, 2, 3
PROG = "occi-conformance"


# -- arguments ---------------------------------------------------------------------------


def _connection_options(parser: argparse.ArgumentParser, endpoint_required: bool) -> None:
    group = parser.add_argument_group("endpoint and credentials")
    add = group.add_argument
    add("--endpoint", required=endpoint_required, metavar="URL", help="OCCI endpoint URL")
    add("--config", metavar="FILE", help="YAML configuration (options win over it)")
    add("--auth-type", choices=AUTH_TYPES, help="authentication (default none, or from config)")
    add("--username", help="Basic or Keystone user name")
    add("--password", help="Basic or Keystone password (better: OCCI_PASSWORD)")
    add("--token", help="OIDC/bearer access token or X-Auth-Token (better: OCCI_TOKEN)")
    add("--keystone-url", metavar="URL", help="Keystone v3 (default: from the 401 challenge)")
    add("--project", help="Keystone project to scope the token to")
    add("--client-cert", metavar="FILE", help="X.509 certificate or VOMS proxy (PEM)")
    add("--client-key", metavar="FILE", help="its key (default: in the certificate file)")
    add("--ca-path", metavar="PATH", help="CA bundle file, or a directory of CA certificates")
    add("--insecure", action="store_true", default=None, help="do not verify TLS certificates")
    add("--proxy", metavar="URL", help="HTTP proxy")
    add("--timeout", type=float, metavar="S", help="seconds per request (default 30)")
    add("--retries", type=int, metavar="N", help="connection retries (default 0)")


def _run_options(parser: argparse.ArgumentParser) -> None:
    add = parser.add_argument
    add(
        "--profile",
        action="append",
        choices=PROFILES,
        metavar="P",
        help=f"profile to certify (repeatable): {', '.join(PROFILES)}",
    )
    add("--requirement", action="append", metavar="GLOB", help="only tests naming these ids")
    add("-k", dest="keyword", metavar="EXPR", help="pytest -k expression on test names")
    add(
        "--destructive",
        action="store_true",
        default=None,
        help="also run tests that create, change and delete (everything is cleaned up)",
    )
    add(
        "--disposable",
        action="store_true",
        default=None,
        help="the endpoint is a throwaway: tests may delete whole collections and provider "
        "mixins (never on a shared site)",
    )
    add("--report-dir", metavar="DIR", help="where reports go (default reports/)")
    add("--baseline", metavar="FILE", help="YAML known failures; only new failures fail")
    add("--write-baseline", metavar="FILE", help="write this run's failures as a baseline")
    add("--run-id", help="tag for what this run creates (default generated)")
    add("--state-timeout", type=float, metavar="S", help="wait for state changes (default 300)")
    add("--os-tpl", metavar="TYPE-ID", help="OS template mixin for compute creation")
    add("--resource-tpl", metavar="TYPE-ID", help="resource template mixin for compute creation")
    add("--occi-version", choices=("auto", "1.1", "1.2"), help="OCCI version (default auto)")
    add("--hypothesis-profile", choices=HYPOTHESIS_PROFILES, help="default occi-dev")
    add("--hypothesis-seed", type=int, metavar="N", help="replay a run's property tests")
    add("--suite-dir", help=argparse.SUPPRESS)  # the harness's own tests use a small suite
    verbosity = parser.add_mutually_exclusive_group()
    verbosity.add_argument("-q", "--quiet", action="store_true", help="only the verdict")
    verbosity.add_argument("-v", "--verbose", action="store_true", help="one line per test")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="OCCI conformance suite and compliance harness.",
        epilog="Exit codes of run: 0 conformant, 1 not conformant (or not certifiable: a "
        "test errored or the run was interrupted), 2 usage or configuration error, "
        "3 endpoint unreachable.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = sub.add_parser(
        "run",
        help="run the suite (without --endpoint: against the "
        "embedded reference server, every profile)",
    )
    _connection_options(run, endpoint_required=False)
    _run_options(run)

    reqs = sub.add_parser("requirements", help="the requirement catalogue with test coverage")
    reqs.add_argument("--profile", action="append", choices=PROFILES, metavar="P")
    reqs.add_argument("--level", action="append", choices=LEVELS, metavar="L")
    reqs.add_argument("--uncovered", action="store_true", help="only ids no test names")
    reqs.add_argument("--format", choices=("table", "json"), default="table")
    reqs.add_argument("--suite-dir", help=argparse.SUPPRESS)

    sweep = sub.add_parser("sweep", help="delete the leftovers of a run (by its run id)")
    sweep.add_argument("--run-id", required=True)
    sweep.add_argument("--dry-run", action="store_true", help="only list what would go")
    _connection_options(sweep, endpoint_required=True)

    compare = sub.add_parser("compare", help="several runs' results side by side")
    compare.add_argument("results", nargs="+", metavar="RESULTS.json")
    compare.add_argument("--output", metavar="FILE", help="write there (.html → HTML)")
    compare.add_argument("--format", choices=("text", "html", "json"))

    probe = sub.add_parser("probe", help="Nagios/ARGO probe: the egi-fedcloud profile, one line")
    _connection_options(probe, endpoint_required=True)
    probe.add_argument(
        "--destructive",
        action="store_true",
        default=None,
        help="also create and delete a compute (like the ARGO VM probe)",
    )
    probe.add_argument("--report-dir", metavar="DIR", help="keep the reports there")
    probe.add_argument("--state-timeout", type=float, metavar="S")
    probe.add_argument("--os-tpl", metavar="TYPE-ID")
    probe.add_argument("--resource-tpl", metavar="TYPE-ID")
    probe.add_argument("--suite-dir", help=argparse.SUPPRESS)

    selftest = sub.add_parser("selftest", help="build the Docker image and certify it")
    selftest.add_argument(
        "--docker",
        action="store_true",
        required=True,
        help="use Docker (the only self-test there is)",
    )
    selftest.add_argument("--report-dir", metavar="DIR", default="reports/selftest")
    return parser


_OVERRIDES = {
    "endpoint": "endpoint",
    "profile": "profiles",
    "requirement": "requirements",
    "destructive": "destructive",
    "disposable": "disposable",
    "report_dir": "report_dir",
    "baseline": "baseline",
    "run_id": "run_id",
    "client_cert": "client_cert",
    "client_key": "client_key",
    "ca_path": "ca_path",
    "insecure": "insecure",
    "proxy": "proxy",
    "timeout": "timeout",
    "retries": "retries",
    "state_timeout": "state_timeout",
    "os_tpl": "os_tpl",
    "resource_tpl": "resource_tpl",
    "occi_version": "occi_version",
    "hypothesis_profile": "hypothesis_profile",
    "hypothesis_seed": "hypothesis_seed",
    "auth_type": "auth_type",
    "username": "auth_username",
    "password": "auth_password",
    "token": "auth_token",
    "keystone_url": "auth_keystone_url",
    "project": "auth_project",
}


def config_from(args: argparse.Namespace, **forced: object) -> SuiteConfig:
    overrides = {
        target: getattr(args, name)
        for name, target in _OVERRIDES.items()
        if getattr(args, name, None) is not None
    }
    overrides.update({k: v for k, v in forced.items() if v is not None})
    return load_config(getattr(args, "config", None), os.environ, overrides)


def _err(message: str) -> None:
    print(f"{PROG}: {message}", file=sys.stderr)


# -- run ---------------------------------------------------------------------------------


def cmd_run(args: argparse.Namespace, out: TextIO = sys.stdout) -> int:
    try:
        config = config_from(args)
        if config.baseline:
            from conformance.baseline import load_baseline

            load_baseline(config.baseline)
    except ConfigError as exc:
        _err(str(exc))
        return EXIT_USAGE
    verbosity = -1 if args.quiet else (1 if args.verbose else 0)
    suite_dir = Path(args.suite_dir) if args.suite_dir else None
    if config.endpoint is None:
        return _run_embedded(config, args, verbosity, suite_dir, out)
    return _run_against(config, args, verbosity, suite_dir, out)


def _run_embedded(
    config: SuiteConfig,
    args: argparse.Namespace,
    verbosity: int,
    suite_dir: Path | None,
    out: TextIO,
) -> int:
    from conformance.embedded import EmbeddedServer, EmbeddedServerError

    # --occi-version 1.1 certifies the server's legacy 1.1 mode (a 1.2 server judged by 1.1
    # rules would only show the differences between the versions).
    legacy = config.occi_version == "1.1"
    try:
        server = EmbeddedServer(("--occi-version", "1.1") if legacy else ())
        server.start()
    except EmbeddedServerError as exc:
        _err(f"cannot start the embedded reference server: {exc}")
        return EXIT_NOT_CONFORMANT
    try:
        if verbosity >= 0:
            mode = "dummy backend, legacy OCCI 1.1" if legacy else "dummy backend"
            print(f"embedded reference server ({mode}) on {server.url}", file=out)
        # The embedded server is a throwaway: certify every profile, destructive and
        # disposable tests too.
        config = dataclasses.replace(
            config,
            endpoint=server.url,
            profiles=config.profiles or list(PROFILES),
            destructive=True,
            disposable=True,
        )
        return _run_against(config, args, verbosity, suite_dir, out)
    finally:
        server.stop()


def _run_against(
    config: SuiteConfig,
    args: argparse.Namespace,
    verbosity: int,
    suite_dir: Path | None,
    out: TextIO,
) -> int:
    from conformance.connection import client_for
    from conformance.discovery import discover
    from conformance.masking import Masker

    mask = Masker(config.secrets())
    client = client_for(config)
    try:
        info = discover(client)
    except EndpointUnreachable as exc:
        _err(f"endpoint unreachable: {mask(str(exc))}")
        return EXIT_UNREACHABLE
    except AuthenticationFailed as exc:
        _err(f"authentication failed: {mask(str(exc))}")
        return EXIT_USAGE
    finally:
        client.close()
    if info.status in (401, 403):
        _err(
            f"the endpoint answered {info.status} to GET /-/: check the credentials "
            "(--auth-type, --username/--password, --token, --client-cert)"
        )
        return EXIT_USAGE
    if not config.profiles:
        config = dataclasses.replace(config, profiles=info.default_profiles())
    if verbosity >= 0:
        print(
            f"endpoint {mask(config.endpoint or '')}"
            + (f" ({info.server})" if info.server else "")
            + (f" answered GET /-/ with {info.status}" if info.status != 200 else ""),
            file=out,
        )
        print(
            f"run id {config.run_id}; profiles {', '.join(config.profiles)}; "
            + ("destructive" if config.destructive else "read-only (no --destructive)")
            + ("; disposable" if config.disposable else ""),
            file=out,
        )
    from conformance.runner import run_suite

    try:
        result = run_suite(
            config, verbosity=verbosity, stream=out, suite_dir=suite_dir, keyword=args.keyword
        )
    except KeyboardInterrupt:
        _err("interrupted")
        return EXIT_NOT_CONFORMANT
    return _conclude(result, config, args, verbosity, out)


def _conclude(
    result: object, config: SuiteConfig, args: argparse.Namespace, verbosity: int, out: TextIO
) -> int:
    import pytest

    from conformance.runner import RunResult

    assert isinstance(result, RunResult)
    collector = result.collector
    status = result.pytest_status
    for error in result.collection_errors:
        _err(f"the suite failed to collect: {error}")
    if status == pytest.ExitCode.USAGE_ERROR:
        return EXIT_USAGE
    if status == pytest.ExitCode.NO_TESTS_COLLECTED:
        _err("no suite test matches the selection (profiles, --requirement, -k)")
        return EXIT_USAGE
    if collector is None or not collector.finished:
        _err(f"the run did not complete (pytest exit {status})")
        return EXIT_NOT_CONFORMANT
    if verbosity >= 0 or not collector.conformant():
        summary(collector, out, verbose=verbosity > 0)
    if args.write_baseline:
        write_baseline(collector, args.write_baseline)
        print(f"baseline of this run's failures written to {args.write_baseline}", file=out)
    if result.collection_errors or status == pytest.ExitCode.INTERNAL_ERROR:
        return EXIT_NOT_CONFORMANT
    return EXIT_OK if collector.conformant() else EXIT_NOT_CONFORMANT


def summary(collector: object, out: TextIO, verbose: bool = False) -> None:
    """The end of a run: failures, baseline lists, leftovers, verdict per profile."""
    from conformance.reports.results_json import sweep_command
    from conformance.results import ResultCollector

    assert isinstance(collector, ResultCollector)
    mask = collector.masker
    new = collector.new_failures()
    if new:
        print(f"\n{len(new)} new failure(s):", file=out)
        for record in new:
            first = record.message.strip().splitlines()[0] if record.message.strip() else ""
            print(
                f"  {record.outcome.upper():5} {record.test} [{','.join(record.requirements)}]",
                file=out,
            )
            if first:
                print(f"        {mask(first)[:200]}", file=out)
    baseline = collector.baseline
    if baseline is not None:
        known = collector.known_failures()
        print(f"\nknown failures (baseline {baseline.path}): {len(known)}", file=out)
        for record in known:
            print(f"  KNOWN {record.test}: {record.known_reason}", file=out)
        print(f"stale baseline entries (now passing; remove them): {len(baseline.stale)}", file=out)
        for entry in baseline.stale:
            print(f"  STALE {entry.key}: {entry.reason}", file=out)
    if collector.leftovers:
        print(f"\n{len(collector.leftovers)} entit(y/ies) could not be deleted:", file=out)
        for url in collector.leftovers:
            print(f"  {mask(url)}", file=out)
        print(f"remove them with: {sweep_command(collector)}", file=out)
    hyp = collector.hypothesis
    if hyp.get("seed") is not None:
        print(
            f"\nhypothesis profile {hyp.get('profile')}, seed {hyp['seed']} "
            f"(replay: --hypothesis-seed {hyp['seed']})",
            file=out,
        )
    if collector.aborted:
        print(f"\nthe run was {collector.aborted}: not certified", file=out)
    print("\nverdict per profile:", file=out)
    for profile, data in collector.verdicts().items():
        counts = ", ".join(f"{k} {v}" for k, v in sorted(data["counts"].items()))  # type: ignore[union-attr]
        print(f"  {profile:<15} {str(data['verdict']).upper():<15} {counts}", file=out)
    overall = "CONFORMANT" if collector.conformant() else "NOT CONFORMANT"
    print(f"\n{overall} (run {collector.config.run_id})", file=out)
    if collector.written:
        print(
            "reports: "
            + ", ".join(collector.written)
            + f", {Path(collector.config.report_dir) / 'allure-results'}/",
            file=out,
        )


def write_baseline(collector: object, path: str) -> None:
    import yaml

    entries = [
        {"test": r.test, "reason": (r.message.strip().splitlines() or [r.outcome])[0][:200]}
        for r in collector.records  # type: ignore[attr-defined]
        if r.outcome in ("fail", "warn", "error")
    ]
    Path(path).write_text(
        "# Known failures, written by occi-conformance run --write-baseline.\n"
        "# Replace each reason with the ticket or the explanation.\n"
        + yaml.safe_dump(entries, sort_keys=False, allow_unicode=True),
        encoding="utf-8",
    )


# -- requirements ------------------------------------------------------------------------


def cmd_requirements(args: argparse.Namespace, out: TextIO = sys.stdout) -> int:
    from conformance.catalogue import default_catalogue
    from conformance.coverage import collect

    catalogue = default_catalogue()
    coverage = collect(Path(args.suite_dir) if args.suite_dir else None)
    by_req = coverage.by_requirement(catalogue)
    rows = [
        req
        for req in catalogue
        if (not args.profile or set(args.profile) & set(req.profiles))
        and (not args.level or req.level in args.level)
        and (not args.uncovered or not by_req[req.id])
    ]
    if args.format == "json":
        document = {
            "requirements": [
                {
                    "id": r.id,
                    "doc": r.doc,
                    "level": r.level,
                    "occi": r.occi,
                    "profiles": list(r.profiles),
                    "statement": r.statement,
                    "tests": by_req[r.id],
                }
                for r in rows
            ],
            "unknown_ids": coverage.unknown(catalogue),
            "untagged_tests": coverage.untagged(),
            "collection_errors": coverage.errors,
            "tests": len(coverage.tests),
        }
        json.dump(document, out, indent=2)
        out.write("\n")
    else:
        print(f"{'id':<16} {'level':<11} {'tests':>5}  {'doc':<18} profiles", file=out)
        for r in rows:
            print(
                f"{r.id:<16} {r.level:<11} {len(by_req[r.id]):>5}  {r.doc[:18]:<18} "
                f"{','.join(r.profiles)}",
                file=out,
            )
        covered = sum(1 for r in rows if by_req[r.id])
        print(
            f"\n{covered}/{len(rows)} requirement(s) named by at least one of "
            f"{len(coverage.tests)} suite test(s)",
            file=out,
        )
        for test, ids in coverage.unknown(catalogue).items():
            print(f"unknown id(s) {', '.join(ids)} in {test}", file=out)
        for test in coverage.untagged():
            print(f"no requirement marker: {test}", file=out)
    for error in coverage.errors:
        _err(f"collection error: {error}")
    return EXIT_NOT_CONFORMANT if coverage.errors else EXIT_OK


# -- sweep -------------------------------------------------------------------------------


def cmd_sweep(args: argparse.Namespace, out: TextIO = sys.stdout) -> int:
    from conformance.sweep import sweep

    try:
        config = config_from(args)
    except ConfigError as exc:
        _err(str(exc))
        return EXIT_USAGE
    try:
        result = sweep(config, dry_run=args.dry_run, report=lambda t: print(t, file=out))
    except EndpointUnreachable as exc:
        _err(f"endpoint unreachable: {exc}")
        return EXIT_UNREACHABLE
    except AuthenticationFailed as exc:
        _err(f"authentication failed: {exc}")
        return EXIT_USAGE
    except AssertionError as exc:  # the query interface did not parse
        _err(f"cannot read the query interface: {exc}")
        return EXIT_NOT_CONFORMANT
    from conformance.outcomes import HarnessError  # noqa: F401 - documented below

    verb = "would delete" if args.dry_run else "deleted"
    print(
        f"{verb} {len(result.deleted)} of {result.examined} entities examined "
        f"(run id {config.run_id})",
        file=out,
    )
    for url in result.unreadable:
        print(f"left alone (unreadable): {url}", file=out)
    return EXIT_NOT_CONFORMANT if result.failed else EXIT_OK


# -- compare -----------------------------------------------------------------------------


def cmd_compare(args: argparse.Namespace, out: TextIO = sys.stdout) -> int:
    from conformance.catalogue import default_catalogue
    from conformance.compare import CompareError, comparison, load_results, render_html, render_text

    try:
        runs = [load_results(p) for p in args.results]
    except CompareError as exc:
        _err(str(exc))
        return EXIT_USAGE
    data = comparison(runs, default_catalogue())
    fmt = args.format or ("html" if args.output and args.output.endswith(".html") else "text")
    if fmt == "html":
        text = render_html(data)
    elif fmt == "json":
        text = json.dumps(data, indent=2) + "\n"
    else:
        text = render_text(data)
    if args.output:
        Path(args.output).write_text(text, encoding="utf-8")
        print(f"comparison of {len(runs)} run(s) written to {args.output}", file=out)
    else:
        out.write(text)
    return EXIT_OK


# -- probe -------------------------------------------------------------------------------


def cmd_probe(args: argparse.Namespace, out: TextIO = sys.stdout) -> int:
    from conformance import probe
    from conformance.connection import client_for
    from conformance.discovery import discover
    from conformance.masking import Masker
    from conformance.runner import run_suite

    keep = args.report_dir
    report_dir = keep or tempfile.mkdtemp(prefix="occi-probe-")
    try:
        config = config_from(args, profiles=["egi-fedcloud"], report_dir=report_dir)
    except ConfigError as exc:
        print(probe.line(probe.UNKNOWN, f"configuration: {exc}"), file=out)
        return probe.UNKNOWN
    mask = Masker(config.secrets())
    try:
        client = client_for(config)
        try:
            discover(client)
        finally:
            client.close()
    except (EndpointUnreachable, AuthenticationFailed) as exc:
        print(probe.line(probe.CRITICAL, mask(f"unreachable: {exc}")[:300]), file=out)
        return probe.CRITICAL
    try:
        result = run_suite(
            config,
            verbosity=-1,
            stream=open(os.devnull, "w"),  # noqa: SIM115
            suite_dir=Path(args.suite_dir) if args.suite_dir else None,
        )
        status, text = probe.verdict(
            result.collector,
            None if result.pytest_status in (0, 1) else f"suite exit {result.pytest_status}",
        )
    finally:
        if not keep:
            import shutil

            shutil.rmtree(report_dir, ignore_errors=True)
    print(probe.line(status, mask(text)), file=out)
    return status


# -- selftest ----------------------------------------------------------------------------


def cmd_selftest(args: argparse.Namespace, out: TextIO = sys.stdout) -> int:
    try:
        from conformance.selftest import run_selftest
    except ImportError as exc:
        _err(f"the Docker self-test is not available in this installation ({exc})")
        return EXIT_USAGE
    return int(run_selftest(args.report_dir))


COMMANDS = {
    "run": cmd_run,
    "requirements": cmd_requirements,
    "sweep": cmd_sweep,
    "compare": cmd_compare,
    "probe": cmd_probe,
    "selftest": cmd_selftest,
}


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return COMMANDS[args.command](args)
    except KeyboardInterrupt:
        _err("interrupted")
        return EXIT_NOT_CONFORMANT


if __name__ == "__main__":
    sys.exit(main())
