"""`atende simulate`: the Textual simulator, or the headless scenario player with `--headless`.

A plain typed function, so the root app mounts it with `app.command()(simulate)` and the
help text comes from this docstring and the option annotations.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.markup import escape

from .runtime import environment

if TYPE_CHECKING:
    from atende.simulator.boot import Boot

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
    customers: Annotated[
        int,
        typer.Option("--customers", min=1, max=10, help="Customer windows to open (more can be added with F9)."),
    ] = 3,
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
    """Simulate customers and agents talking through atende, with no WhatsApp account needed.

    Without options: a window per agent of the config (or of a bundled demo business) and [bold]--customers[/bold] customer windows side by side; what you type goes to the real webhook as WhatsApp would post it, and what atende sends shows in the right window.

    [bold]--script FILE[/bold] plays a scenario in those windows, then leaves them open for you.

    With [bold]--script FILE --headless[/bold]: play the scenario, print every window, then each expectation. Each step goes through the production path: a signed Cloud API notification posted to the webhook, and what atende sends is caught by a local Graph API stand-in. [bold]--direct[/bold] skips both.

    Exit code: 0 when all expectations hold, 1 when one fails, 2 when the scenario file is wrong.
    """  # noqa: E501 - typer keeps a docstring's line breaks, so each paragraph is one line
    if headless:
        if script is None:
            err_console.print("[red]✗[/red] --headless plays a scenario: give it with [bold]--script FILE[/bold].")
            raise typer.Exit(2)
        from atende.simulator.headless import run_script

        raise typer.Exit(run_script(script, Console(width=width), direct=direct))
    raise typer.Exit(_interactive(script, customers))


def _interactive(script: Path | None, customers: int) -> int:
    from atende.config import ConfigError
    from atende.simulator.app import SimulatorApp
    from atende.simulator.boot import business, storage
    from atende.simulator.live import LiveSession

    env = environment()
    if script is not None:
        return _play_in_windows(script, storage(env))
    try:
        chosen = business(env)
    except ConfigError as error:
        err_console.print(f"[red]✗[/red] {escape(str(error))}")
        err_console.print("Run [bold]atende config check[/bold] for every problem, with line numbers.")
        return 1
    session = LiveSession(chosen.settings, customers=customers, boot=storage(env), config_path=chosen.path)
    SimulatorApp(session, source=chosen.source).run()
    return 0


def _play_in_windows(path: Path, boot: Boot) -> int:
    """The scenario's people in windows, its steps played one by one; the windows stay open."""
    from atende.simulator.app import SimulatorApp
    from atende.simulator.live import LiveSession
    from atende.simulator.people import people_for
    from atende.simulator.scenario import ScenarioError
    from atende.simulator.scenario_config import scenario_settings
    from atende.simulator.scenario_file import load_scenario
    from atende.simulator.transcript import render_error

    try:
        scenario = load_scenario(path)
        settings = scenario_settings(scenario)
        people = people_for(scenario, settings)
    except ScenarioError as error:
        render_error(err_console, error)
        return 2
    config = scenario.config if isinstance(scenario.config, Path) else None
    session = LiveSession(
        settings, people=people, boot=boot, start=scenario.start, seed=scenario.seed, config_path=config
    )
    SimulatorApp(session, source=str(path), script=scenario).run()
    return 0
