"""The benchmarks still run: no timing is asserted here (numbers live in docs/benchmarks.md)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_the_in_process_benchmarks_run_and_print_their_tables() -> None:
    # The webhook-ingest section needs wrk and starts three servers (~7 s): it is left to `bench/run.py`.
    done = subprocess.run(
        [sys.executable, str(REPO / "bench" / "run.py"), "--tiny", "--only", "usecase,scale"],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=REPO,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Use-case throughput" in done.stdout
    assert "Dispatch at scale" in done.stdout
    assert done.stdout.count("1 (baseline)") >= 4, "every table has its baseline row"
