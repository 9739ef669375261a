"""What bounds atende under the busy number's load: py-spy on `atende serve` while wrk saturates it.

    .venv/bin/pip install py-spy                # a bench-only tool, not a project dependency
    .venv/bin/python bench/profile_load.py [--engine sqlite|postgresql] [--workers N] [--seconds 10]

Seeds the desk of `load.py` (400 agents × 5, 2,000 customers), starts `atende serve` with the
Graph sink, records every serving process with `py-spy record --format raw` (run as root, or
with ptrace allowed) while wrk posts for `--seconds` and then `--drain` seconds more (the
loops still working through the backlog), and prints per thread the share of samples, then the
functions that hold the most samples inclusively (atende's, SQLAlchemy's, the drivers') and the
leaves where the time is spent.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

import busy
import ingest
import load
import pgcluster
from common import Databases

PY_SPY = Path(sys.executable).with_name("py-spy")


def summarize(raw: Path, top: int = 25) -> str:
    threads: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    leaves: Counter[str] = Counter()
    total = 0
    for line in raw.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        n = int(count)
        frames = stack.split(";")
        total += n
        threads[frames[0]] += n
        names = [_name(frame) for frame in frames[1:]]
        for name in set(names):
            inclusive[name] += n
        if names:
            leaves[names[-1]] += n
    if not total:
        return "no samples"
    lines = [f"{total:,} samples"]
    lines += ["threads:"] + [f"  {n / total:6.1%}  {name[:110]}" for name, n in threads.most_common(8)]
    lines += ["inclusive:"] + [f"  {n / total:6.1%}  {name}" for name, n in inclusive.most_common(top)]
    lines += ["leaves:"] + [f"  {n / total:6.1%}  {name}" for name, n in leaves.most_common(top)]
    return "\n".join(lines)


def _name(frame: str) -> str:
    """`function (path/to/file.py:line)` → `function (file.py)`, paths shortened to the package."""
    function, _, where = frame.partition(" (")
    path = where.rstrip(")").rsplit(":", 1)[0]
    for marker in ("site-packages/", "src/", "lib/python3.11/"):
        if marker in path:
            path = path.split(marker, 1)[1]
            break
    return f"{function} ({path})"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--engine", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--drain", type=int, default=10)
    args = parser.parse_args(argv)
    variant = load.Variant(f"{args.engine}, {args.workers}", args.engine, args.workers)
    desk = busy.Desk(busy.AGENTS, busy.CUSTOMERS)
    with tempfile.TemporaryDirectory(prefix="atende-profile-") as scratch_name:
        scratch = Path(scratch_name)
        cluster = pgcluster.Cluster(load.PG_PORT) if args.engine == "postgresql" else None
        try:
            if cluster is not None:
                cluster.start()
            url = load.database(variant, Databases(scratch), cluster, "profile")
            seeded_at = busy.now()
            busy.seed(url, desk, seeded_at.replace(microsecond=0) - timedelta(minutes=10))
            config = busy.write_config(scratch / "profile.toml", desk)
            notes = list(busy.Traffic(desk, seeded_at - timedelta(minutes=5)).mixed(4000 * args.seconds))
            pool = load.write_pool(scratch / "pool.txt", notes)
            with load.serving(variant, config, url) as (server, _sink):
                recorders = []
                for pid in server.worker_pids():
                    out = scratch / f"py-spy-{pid}.txt"
                    seconds = str(args.seconds + args.drain)
                    command = [str(PY_SPY), "record", "--format", "raw", "--rate", "200", "--nonblocking",
                               "--threads", "-d", seconds, "-o", str(out), "-p", str(pid)]  # fmt: skip
                    recorders.append(
                        (pid, out, subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE))
                    )
                time.sleep(0.5)
                run = ingest.run_wrk(server.url, pool, seconds=args.seconds, connections=64, wrap=False)
                print(f"wrk: {run.rate:,.0f} req/s, p99 {run.p99 * 1000:,.0f} ms; recording {args.drain} s more")
                for pid, out, recorder in recorders:
                    recorder.wait(args.seconds + args.drain + 60)
                    print(f"\n=== pid {pid} ===")
                    print(
                        summarize(out)
                        if out.exists()
                        else (recorder.stderr.read() if recorder.stderr else b"").decode()
                    )
                    if recorder.stderr:
                        recorder.stderr.close()
                print("\nwhat the server logged most (lines with digits folded):")
                for line, times in server.logged.most_common(8):
                    print(f"  {times:7,}  {line}")
        finally:
            if cluster is not None:
                cluster.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
