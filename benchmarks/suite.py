"""Time the whole suite against the embedded reference server (every profile, destructive).

Runs ``occi-conformance run`` (the README's main job) as a subprocess a few times and prints
the wall time of each run, the median, and the test counts from results.json::

    python benchmarks/suite.py [--runs 3]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3)
    options = parser.parse_args()
    times = []
    for run in range(options.runs):
        with tempfile.TemporaryDirectory() as report_dir:
            started = time.perf_counter()
            done = subprocess.run(
                [sys.executable, "-m", "conformance", "run", "--report-dir", report_dir, "--quiet"],
                cwd=REPO,
                capture_output=True,
                text=True,
                check=False,
            )
            elapsed = time.perf_counter() - started
            times.append(elapsed)
            results = json.loads((Path(report_dir) / "results.json").read_text())
            totals = results["totals"]["all"]
            print(
                f"run {run + 1}: {elapsed:6.1f} s, exit {done.returncode}, "
                f"{len(results['results'])} tests: {totals}"
            )
    print(f"median {statistics.median(times):.1f} s over {len(times)} runs")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
