"""The `atende` command."""

import typer

app = typer.Typer(no_args_is_help=True)


@app.command()
def version() -> None:
    """Print the version."""
    from atende import __version__

    typer.echo(__version__)
