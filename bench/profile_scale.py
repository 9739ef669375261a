"""Where an enqueue and a tick spend their time with a long line: pyinstrument over `scale.Line`.

    .venv/bin/pip install pyinstrument          # a bench-only tool, not a project dependency
    .venv/bin/python bench/profile_scale.py 10000

Builds the dispatch-at-scale desk (20 busy agents) with N waiting, then profiles a few
enqueues (menu untimed, choice profiled, leave untimed) and ticks, and prints each call tree
(frames under 2 % hidden).
"""

from __future__ import annotations

import random
import sys
import tempfile
from pathlib import Path

import scale
from common import Databases, shop
from pyinstrument import Profiler

from atende.bootstrap import bootstrap


def main(argv: list[str]) -> int:
    waiting = int(argv[0]) if argv else 10_000
    with tempfile.TemporaryDirectory(prefix="atende-profile-") as scratch:
        url, path = Databases(Path(scratch)).fresh("profile")
        system = bootstrap(shop(scale.AGENTS, capacity=1), database_url=url, rng=random.Random(5))
        try:
            line = scale.Line(system, path)
            line.open_desk()
            line.grow_to(waiting)
            for name, action in (("enqueue (receive of a department choice)", "enqueue"), ("tick", "tick")):
                profiler = Profiler(interval=0.0005)
                for _ in range(5):
                    if action == "enqueue":
                        customer = line.new_customer()
                        line.say(customer, "Oi")
                        profiler.start()
                        line.say(customer, "1")
                        profiler.stop()
                        line.say(customer, "sair")
                    else:
                        profiler.start()
                        system.atende.tick()
                        profiler.stop()
                print(f"\n=== {name}, {waiting:,} waiting, 5 calls ===")
                print(profiler.output_text(unicode=True, color=False, show_all=False, time="percent_of_total"))
        finally:
            system.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
