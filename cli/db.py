"""`atende db`: schema migrations for the database at ATENDE_DATABASE_URL."""

from __future__ import annotations

import typer
from rich.console import Console

from atende.adapters.sql.schema import SchemaError, display_url, pending, upgrade

from .runtime import environment

console = Console()
err_console = Console(stderr=True)

app = typer.Typer(help="The database schema: bring it up to date before `atende serve`.", no_args_is_help=True)


@app.callback()
def db() -> None:
    """The database schema (Alembic migrations shipped with atende; no alembic.ini needed)."""


@app.command("upgrade")
def upgrade_command() -> None:
    """Apply every pending migration (safe to run again: an up-to-date schema is left alone)."""
    url = environment().ATENDE_DATABASE_URL  # no config file needed to migrate
    where = display_url(url)
    try:
        missing = pending(url)
        if missing:
            upgrade(url)
    except SchemaError as error:
        err_console.print(f"[red]✗[/red] {error}")
        raise typer.Exit(1) from None
    if not missing:
        console.print(f"[green]✓[/green] {where} is up to date.")
        return
    console.print(f"[green]✓[/green] {where}: applied {len(missing)} migration(s): {', '.join(missing)}.")
