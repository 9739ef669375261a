"""atende's benchmarks: one command, every number next to a baseline measured in the same run.

    .venv/bin/python bench/run.py            # the full run, ~1.5 min
    .venv/bin/python bench/run.py --quick    # the same, shorter (< 30 s): noisier
    .venv/bin/python bench/run.py --only usecase,scale --markdown

Sections (see each module's docstring for exactly what is measured):
- ingest  — the webhook over HTTP on 127.0.0.1 under wrk, vs a raw ASGI app that checks the HMAC;
- usecase — `Atende.receive` in-process on SQLite, vs one plain sqlite3 insert per transaction;
- scale   — one more enqueue / dispatch sweep / tick with 10, 100, 1000 waiting, vs 10 waiting;
- tui     — `atende simulate` with 10 windows of long chats: Enter to bubble, vs a bare Textual app.

Exit status 1 when a check failed (a 200 not stored, failed requests, a missing tool): the
numbers of such a run are not to be quoted.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

import fault
import ingest
import load
import scale
import usecase
from common import Databases, Section
from rich import box
from rich.console import Console
from rich.table import Table

import tui

SECTIONS = ("ingest", "usecase", "scale", "tui", "load", "fault")
DEFAULT = ("ingest", "usecase", "scale", "tui")
"""`load` (~6 min) and `fault` (~6 min) run only when asked for with --only."""
REPO = Path(__file__).resolve().parent.parent


def machine() -> str:
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    return (
        f"{os.cpu_count()} CPUs · {platform.system()} {platform.release()} · Python {platform.python_version()} · "
        f"SQLite {sqlite3.sqlite_version} · load average at start {load}"
    )


def revision() -> str:
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=REPO, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            capture_output=True,
            text=True,
            cwd=REPO,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown revision"
    return f"{head}{' + uncommitted changes' if dirty else ''}"


def ratio_text(ratio: float | None, baseline: bool) -> str:
    if baseline:
        return "1 (baseline)"
    if ratio is None:
        return ""
    if ratio >= 10:
        return f"{ratio:,.0f}×"
    return f"{ratio:.2f}×" if ratio >= 0.1 else f"{ratio:.3f}×"


def table(section: Section, markdown: bool) -> Table:
    result = Table(title=None if markdown else section.title, box=box.MARKDOWN if markdown else box.SIMPLE_HEAD)
    result.add_column("measured")
    for column in section.columns:
        result.add_column(column, justify="right")
    if section.ratio_label:
        result.add_column(section.ratio_label, justify="right")
    for row in section.rows:
        style = "dim" if row.baseline and not markdown else None
        cells = [row.label, *(row.values.get(c, "") for c in section.columns)]
        if section.ratio_label:
            cells.append(ratio_text(row.ratio, row.baseline))
        result.add_row(*cells, style=style)
    return result


def render(console: Console, section: Section, markdown: bool) -> None:
    if markdown:
        console.print(f"\n### {section.title}\n")
    if section.rows:
        console.print(table(section, markdown))
    elif not markdown:
        console.print(f"[bold]{section.title}[/bold]")
    for note in section.notes:
        console.print(f"{'- ' if markdown else '  '}{note}", highlight=False, soft_wrap=markdown)
    for problem in section.problems:
        console.print(
            f"[bold red]✗ {problem}[/bold red]" if not markdown else f"- **✗ {problem}**",
            highlight=False,
            soft_wrap=markdown,
        )


def parse(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    size = parser.add_mutually_exclusive_group()
    size.add_argument("--quick", action="store_true", help="shorter runs (< 30 s in all), noisier numbers")
    size.add_argument("--tiny", action="store_true", help="a few seconds, for the smoke test: numbers mean nothing")
    parser.add_argument("--only", default=",".join(DEFAULT), help=f"comma-separated subset of {','.join(SECTIONS)}")
    parser.add_argument("--engines", default="sqlite,postgresql", help="load and fault: which databases")
    parser.add_argument("--markdown", action="store_true", help="print Markdown tables (for docs/benchmarks.md)")
    args = parser.parse_args(argv)
    args.sections = [s.strip() for s in args.only.split(",") if s.strip()]
    unknown = set(args.sections) - set(SECTIONS)
    if unknown:
        parser.error(f"unknown section(s) {', '.join(sorted(unknown))}; choose from {', '.join(SECTIONS)}")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse(argv)
    mode = "tiny" if args.tiny else "quick" if args.quick else "full"
    width = 200 if args.markdown else max(140, shutil.get_terminal_size((140, 24)).columns)
    console = Console(width=width, highlight=not args.markdown)
    command = "python bench/run.py" + (f" --{mode}" if mode != "full" else "")
    if args.only != ",".join(DEFAULT):
        command += f" --only {args.only}"
    if args.markdown:
        command += " --markdown"
    console.print(f"[bold]atende benchmarks[/bold] — `{command}` ({mode})", highlight=False)
    console.print(f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC · {revision()} · {machine()}", highlight=False)

    started = time.perf_counter()
    sections: list[Section] = []
    with tempfile.TemporaryDirectory(prefix="atende-bench-") as scratch:
        databases = Databases(Path(scratch))
        if "ingest" in args.sections:
            budget = {"full": ingest.FULL, "quick": ingest.QUICK, "tiny": ingest.TINY}[mode]
            try:
                if ingest.wrk_path() is None:
                    raise ingest.WrkError(ingest.INSTALL_HINT)
                sections.append(ingest.Ingest(databases, Path(scratch), budget).measure())
            except (ingest.WrkError, RuntimeError) as error:
                failed = Section("Webhook ingest — not measured", columns=())
                failed.problems.append(str(error))
                sections.append(failed)
            render(console, sections[-1], args.markdown)
        if "usecase" in args.sections:
            budget_u = {"full": usecase.FULL, "quick": usecase.QUICK, "tiny": usecase.TINY}[mode]
            sections.append(usecase.measure(databases, budget_u))
            render(console, sections[-1], args.markdown)
        if "scale" in args.sections:
            budget_s = {"full": scale.FULL, "quick": scale.QUICK, "tiny": scale.TINY}[mode]
            sections.append(scale.measure(databases, budget_s))
            render(console, sections[-1], args.markdown)
        if "tui" in args.sections:
            budget_t = {"full": tui.FULL, "quick": tui.QUICK, "tiny": tui.TINY}[mode]
            sections.append(tui.measure(budget_t))
            render(console, sections[-1], args.markdown)
        engines = {e.strip() for e in args.engines.split(",")}
        if "load" in args.sections:
            budget_l = {"full": load.FULL, "quick": load.QUICK, "tiny": load.TINY}[mode]
            variants = tuple(v for v in load.VARIANTS if v.engine in engines)
            for section in load.measure(databases, Path(scratch), budget_l, variants):
                sections.append(section)
                render(console, section, args.markdown)
        if "fault" in args.sections:
            budget_f = {"full": fault.FULL, "quick": fault.QUICK, "tiny": fault.TINY}[mode]
            variants_f = tuple(v for v in fault.VARIANTS if v.engine in engines)
            for section in fault.measure(databases, Path(scratch), budget_f, variants_f):
                sections.append(section)
                render(console, section, args.markdown)

    console.print(f"\nTook {time.perf_counter() - started:.0f} s.", highlight=False)
    return 1 if any(s.problems for s in sections) else 0


if __name__ == "__main__":
    sys.exit(main())
