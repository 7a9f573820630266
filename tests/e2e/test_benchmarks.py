"""Every benchmark still runs: each bench/*.py in its --smoke mode (small sizes, the same code path) against the
running stack, and ends with its RESULT line. Never a time: the figures live in bench/README.md."""
import os
import pathlib
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
BENCH = ROOT / "bench"
# Modes of one script that take another code path, kept alive too.
VARIANTS = {
    "colours.py": [["--live"]],
    "colour_sms_latency.py": [["--direct"]],
    "notifications_smtp.py": [["--sender-only"]],
}
RUNS = [[script.name] for script in sorted(BENCH.glob("*.py"))]
RUNS += [[name, *extra] for name, variants in VARIANTS.items() for extra in variants if (BENCH / name).exists()]


@pytest.mark.parametrize("argv", RUNS, ids=[" ".join(run) for run in RUNS])
def test_the_benchmark_runs_in_smoke_mode_and_prints_its_result(argv):
    done = subprocess.run([sys.executable, str(BENCH / argv[0]), *argv[1:], "--smoke"], cwd=ROOT,
                          capture_output=True, text=True, timeout=300, env=os.environ)
    lines = done.stdout.strip().splitlines()
    assert done.returncode == 0, f"exit {done.returncode}\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    assert lines and lines[-1].startswith("RESULT name="), f"no RESULT line at the end:\n{done.stdout[-3000:]}"
    assert sum(line.startswith("RESULT") for line in lines) == 1, "more than one RESULT line"
    assert all("=" in field for field in lines[-1].split()[1:]), f"not key=value throughout: {lines[-1]}"
