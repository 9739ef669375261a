"""`atende intake ls [--failed] [--json]` and `atende intake retry KEY|--all`.

What the webhook acknowledged and atende has not handled: pending arrivals (with their failed
attempts and next try) and, with `--failed`, those set aside after failing again and again.
Listing reads apart from any writer (never SQLite's write lock); `retry` puts set-aside arrivals
back to pending, and handling them again is safe: it is idempotent
(docs/adr/0014-intake-faults-and-batches.md).
"""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from atende.application.ports import ArrivalState
from atende.application.texts.formatting import phone

from .ops import ConfigOption, JsonFlag, _local, _print_json
from .runtime import err_console, open_system

console = Console()

app = typer.Typer(help="Stored notifications not handled yet, and replaying those set aside.", no_args_is_help=True)

LIST_LIMIT = 1000


@app.command("ls")
def intake_ls(
    failed: Annotated[bool, typer.Option("--failed", help="Those set aside instead of those pending.")] = False,
    as_json: JsonFlag = False,
    config: ConfigOption = None,
) -> None:
    """Pending arrivals (attempts, next try, last error), or with --failed those set aside (reason)."""
    with open_system(config) as system:  # its connections closed before anything is printed
        arrivals = system.atende.stored_arrivals(set_aside=failed, limit=LIST_LIMIT)
    if as_json:
        _print_json(arrivals)
        return
    zone = system.settings.timezone
    what = "set aside" if failed else "pending"
    if not arrivals:
        console.print(f"No arrivals {what}.")
        return
    table = Table(title=f"{len(arrivals)} {what}", title_justify="left")
    table.add_column("key")
    table.add_column("kind")
    table.add_column("sender")
    table.add_column("written")
    table.add_column("set aside" if failed else "received")
    table.add_column("attempts", justify="right")
    if not failed:
        table.add_column("next try")
    table.add_column("reason" if failed else "last error")
    for arrival in arrivals:
        when = arrival.set_aside_at if failed else arrival.received_at
        row = [
            escape(arrival.key),
            arrival.kind,
            phone(arrival.sender),
            _local(arrival.at, zone, seconds=True),
            _local(when, zone, seconds=True) if when else "",
            str(arrival.attempts),
        ]
        if not failed:
            row.append(_local(arrival.retry_at, zone, seconds=True) if arrival.retry_at else "")
        row.append(escape(arrival.error or ""))
        table.add_row(*row)
    console.print(table)
    if len(arrivals) == LIST_LIMIT:
        console.print(f"  (the oldest {LIST_LIMIT}; use --json for the same)")


@app.command("retry")
def intake_retry(
    key: Annotated[str | None, typer.Argument(help="The arrival's key, as `intake ls --failed` shows it.")] = None,
    every: Annotated[bool, typer.Option("--all", help="Every arrival set aside.")] = False,
    config: ConfigOption = None,
) -> None:
    """Put an arrival set aside (or --all of them) back to pending; the intake handles it again."""
    if (key is None) == (not every):
        err_console.print("[red]✗[/red] Name one arrival's KEY, or --all (not both).")
        raise typer.Exit(2)
    with open_system(config) as system:
        count, state = system.atende.put_back(None if every else key)
    if every:
        console.print(f"✓ {count} arrival(s) put back to pending." if count else "Nothing was set aside.")
        return
    if count:
        console.print(f"✓ {escape(key or '')} put back to pending; the intake handles it again shortly.")
        return
    if state is None:
        err_console.print(f"[red]✗[/red] No stored arrival has the key {escape(repr(key))}.")
    else:
        done = "already handled" if state is ArrivalState.HANDLED else "still pending"
        err_console.print(f"[red]✗[/red] {escape(key or '')} is not set aside: it is {done}.")
    raise typer.Exit(1)
