"""What every ops command needs first: the environment, the config file, and an up-to-date database.

The system itself comes from the composition root; here each way of failing becomes one clear
message and exit 1, never a traceback.
"""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.markup import escape

from atende.adapters.sql.schema import SchemaError
from atende.bootstrap import SchemaOutdated, System, bootstrap, ensure_schema, load_settings
from atende.config import ConfigError, Environment, load_environment

err_console = Console(stderr=True)


def environment() -> Environment:
    """The environment (docs/design.md §2), or a clear message and exit 1."""
    try:
        return load_environment()
    except ConfigError as error:
        err_console.print(f"[red]✗[/red] {escape(str(error))}")
        raise typer.Exit(1) from None


def open_system(config: Path | None = None) -> System:
    """atende on the configured database, for reading and acting on it from the terminal."""
    env = environment()
    try:
        settings = load_settings(env, config)
    except ConfigError as error:
        err_console.print(f"[red]✗[/red] {escape(str(error))}")
        err_console.print("Run [bold]atende config check[/bold] for every problem, with line numbers.")
        raise typer.Exit(1) from None
    url = env.ATENDE_DATABASE_URL
    try:
        ensure_schema(url)
    except SchemaError as error:
        err_console.print(f"[red]✗[/red] {escape(str(error))}")
        raise typer.Exit(1) from None
    except SchemaOutdated as error:
        err_console.print(
            f"[red]✗[/red] The database schema is not up to date ({len(error.missing)} migration(s) pending). "
            "Run [bold]atende db upgrade[/bold] first."
        )
        raise typer.Exit(1) from None
    return bootstrap(settings, database_url=url)
