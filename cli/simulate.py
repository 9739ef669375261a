"""`atende simulate`: the headless scenario player (the interactive TUI mounts here later).

A plain typed function, so the root app mounts it with `app.command()(simulate)` and the
help text comes from this docstring and the option annotations.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

err_console = Console(stderr=True)


def simulate(
    script: Annotated[
        Path | None,
        typer.Option("--script", help="Scenario file (TOML) to play.", dir_okay=False),
    ] = None,
    headless: Annotated[
        bool,
        typer.Option("--headless", help="Play the scenario without the TUI and print every window's transcript."),
    ] = False,
    direct: Annotated[
        bool,
        typer.Option(
            "--direct",
            help="Call atende in-process instead of posting signed webhooks and sending to a local Graph API stand-in.",
        ),
    ] = False,
    width: Annotated[
        int | None,
        typer.Option("--width", min=60, help="Output width in columns (default: the terminal's)."),
    ] = None,
) -> None:
    """Simulate customers and agents talking through atende.

    With [bold]--script FILE --headless[/bold]: play the scenario, print every window, then each expectation.
    Each step goes through the production path: a signed Cloud API notification posted to the webhook,
    and what atende sends is caught by a local Graph API stand-in. [bold]--direct[/bold] skips both.

    Exit code: 0 when all expectations hold, 1 when one fails, 2 when the scenario file is wrong.
    """
    if not headless:
        err_console.print(
            "[red]✗[/red] The interactive simulator is not available yet: use [bold]--script FILE --headless[/bold]."
        )
        raise typer.Exit(2)
    if script is None:
        err_console.print("[red]✗[/red] --headless plays a scenario: give it with [bold]--script FILE[/bold].")
        raise typer.Exit(2)
    from atende.simulator.headless import run_script

    raise typer.Exit(run_script(script, Console(width=width), direct=direct))
