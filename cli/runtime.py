"""What every command needs first: the environment, the config file, and the database."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.markup import escape

from atende.application.settings import Settings
from atende.bootstrap import Runtime, build
from atende.config import ConfigError, Environment, load_config, load_environment

err_console = Console(stderr=True)


def environment() -> Environment:
    """The environment (DESIGN §2), or a clear message and exit 1."""
    try:
        return load_environment()
    except ConfigError as error:
        err_console.print(f"[red]✗[/red] {escape(str(error))}")
        raise typer.Exit(1) from None


def load_settings(config: Path | None = None) -> Settings:
    """The validated settings, or a clear message and exit 1: never a traceback."""
    path = config or Path(environment().ATENDE_CONFIG)
    try:
        return load_config(path).to_settings()
    except ConfigError as error:
        err_console.print(f"[red]✗[/red] {escape(str(error))}")
        err_console.print("Run [bold]atende config check[/bold] for every problem, with line numbers.")
        raise typer.Exit(1) from None


def open_runtime(config: Path | None = None, *, require_schema: bool = True) -> Runtime:
    settings = load_settings(config)
    url = environment().ATENDE_DATABASE_URL
    if require_schema:
        from atende.adapters.sql.schema import SchemaError, pending

        try:
            missing = pending(url)
        except SchemaError as error:
            err_console.print(f"[red]✗[/red] {escape(str(error))}")
            raise typer.Exit(1) from None
        if missing:
            err_console.print(
                f"[red]✗[/red] The database schema is not up to date ({len(missing)} migration(s) pending). "
                "Run [bold]atende db upgrade[/bold] first."
            )
            raise typer.Exit(1)
    return build(settings, url)
