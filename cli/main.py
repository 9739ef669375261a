"""The `atende` command: one Typer app, one sub-app per group."""

from __future__ import annotations

import typer

from . import config_cmd, db, intake, ops, serve, stats
from .simulate import simulate
from .standin import standin

app = typer.Typer(
    help="atende: customer service on WhatsApp, with agents who work from their own WhatsApp.",
    no_args_is_help=True,
    rich_markup_mode="rich",
)
app.add_typer(config_cmd.app, name="config")
app.add_typer(db.app, name="db")
app.add_typer(ops.queue_app, name="queue")
app.add_typer(ops.agents_app, name="agents")
app.add_typer(ops.conversations_app, name="conversations")
app.add_typer(intake.app, name="intake")
app.command()(simulate)
app.command()(standin)
app.command()(serve.serve)
app.command()(stats.stats)


@app.command()
def version() -> None:
    """Print atende's version."""
    from atende import __version__

    typer.echo(__version__)
