"""Schema migrations in code: upgrade a database, or tell what it is missing (serve refuses then)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from . import migrations
from .engine import connect, read_only


class SchemaError(RuntimeError):
    """The schema cannot be checked or brought up to date; the message says why, for people."""


class UnknownRevision(SchemaError):
    """The database was migrated by a newer atende than this one."""


class DatabaseUnreachable(SchemaError):
    """The database could not be opened (wrong URL, server down, no permission)."""


@contextmanager
def _reaching(url: str) -> Iterator[None]:
    try:
        yield
    except DBAPIError as error:
        raise DatabaseUnreachable(f"cannot use the database at {display_url(url)}: {error.orig}") from error


def alembic_config(url: str | None = None) -> Config:
    """Alembic's configuration without an alembic.ini: the scripts ship inside the package."""
    config = Config()
    config.set_main_option("script_location", str(Path(migrations.__file__).parent))
    if url is not None:
        config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))  # configparser interpolation
    return config


def upgrade(url: str, revision: str = "head") -> None:
    """Apply every pending migration, in one transaction."""
    engine = connect(url)
    try:
        with _reaching(url), engine.begin() as connection:
            config = alembic_config()
            config.attributes["connection"] = connection
            command.upgrade(config, revision)
    finally:
        engine.dispose()


def pending(url: str) -> list[str]:
    """Revisions not applied yet, oldest first; empty when the schema is up to date."""
    script = ScriptDirectory.from_config(alembic_config())
    everything = [rev.revision for rev in reversed(list(script.walk_revisions()))]
    if _missing_file(url):
        return everything  # and do not create an empty file just by looking
    engine = connect(url)
    try:
        with _reaching(url), engine.connect() as connection:
            # Looking never waits for SQLite's write lock (a busy `atende serve` holds it).
            current = MigrationContext.configure(read_only(connection)).get_current_heads()
    finally:
        engine.dispose()
    unknown = [head for head in current if head not in everything]
    if unknown:
        raise UnknownRevision(
            f"the database at {display_url(url)} is at revision {', '.join(unknown)}, "
            "which this version of atende does not know: upgrade atende"
        )
    applied = {rev.revision for head in current for rev in script.iterate_revisions(head, "base")}
    return [revision for revision in everything if revision not in applied]


def display_url(url: str) -> str:
    """The URL with its password hidden, fit for printing."""
    return make_url(url).render_as_string(hide_password=True)


def _missing_file(url: str) -> bool:
    parsed = make_url(url)
    database = parsed.database or ""
    if parsed.get_backend_name() != "sqlite" or database in ("", ":memory:") or database.startswith("file:"):
        return False
    return not Path(database).exists()
