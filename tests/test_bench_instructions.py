"""bench/instructions.py, run natively for a few requests: its set-up and
requests stay in step with the service (the full run needs valgrind)."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_every_scenario_answers_as_the_benchmark_expects():
    done = subprocess.run([sys.executable, "-m", "bench.instructions", "--dry-run", "--requests", "3"],
                          cwd=ROOT, capture_output=True, text=True, timeout=240)
    assert done.returncode == 0, done.stderr[-3000:]
    rows = {line.split("|")[1].strip(): line.split("|")[5].strip()
            for line in done.stdout.splitlines() if line.startswith("| ") and not line.startswith("| scenario")}
    assert rows == {"get": "200", "etag": "304", "counts": "200", "post": "202"}, done.stdout
