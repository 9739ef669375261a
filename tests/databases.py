"""A fresh, migrated database for each test: SQLite by default, PostgreSQL when asked for.

`ATENDE_TEST_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/atende` runs every test
that stores something on PostgreSQL: the URL names a server and a database the tests may
connect to; each test gets a database of its own, created from a template migrated once per
test process (`CREATE DATABASE … TEMPLATE`, a file copy on the server: tens of milliseconds),
and dropped after it. Without it, each test gets a copy of a migrated SQLite file.

Tests that only make sense on one engine say so: `sqlite_only(reason)` skips on PostgreSQL,
`needs_postgresql` skips (with why) when no PostgreSQL was given.
"""

from __future__ import annotations

import itertools
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any

import psycopg
import pytest
from alembic import command
from sqlalchemy.engine import make_url

from atende.adapters.sql.engine import connect
from atende.adapters.sql.schema import alembic_config, upgrade
from atende.application.settings import Settings
from atende.bootstrap import System, bootstrap

EXTERNAL_URL = os.environ.get("ATENDE_TEST_DATABASE_URL", "")
ON_POSTGRESQL = make_url(EXTERNAL_URL).get_backend_name() == "postgresql" if EXTERNAL_URL else False
ENGINE = "PostgreSQL" if ON_POSTGRESQL else "SQLite"

needs_postgresql = pytest.mark.skipif(
    not ON_POSTGRESQL,
    reason="needs PostgreSQL: set ATENDE_TEST_DATABASE_URL=postgresql+psycopg://… (README, Tests)",
)


def sqlite_only(reason: str) -> pytest.MarkDecorator:
    """Skip on the PostgreSQL run: what the test checks exists only on SQLite (`reason` says what)."""
    return pytest.mark.skipif(ON_POSTGRESQL, reason=f"SQLite only: {reason}")


_names = itertools.count(1)


class _Templates:
    """The migrated templates of this test process, made on first use."""

    sqlite: Path | None = None
    postgresql: str | None = None


_made = _Templates()


def _server(database: str) -> str:
    """The external URL pointed at another database of the same server."""
    return make_url(EXTERNAL_URL).set(database=database).render_as_string(hide_password=False)


def _admin() -> psycopg.Connection[Any]:
    url = make_url(EXTERNAL_URL).set(drivername="postgresql")
    return psycopg.connect(url.render_as_string(hide_password=False), autocommit=True)


def _prefix() -> str:
    """Names unique to this test process (pytest-xdist workers share the server)."""
    return f"atende_t{os.getpid()}"


def _postgresql_template() -> str:
    if _made.postgresql is None:
        name = f"{_prefix()}_template"
        with _admin() as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            admin.execute(f'CREATE DATABASE "{name}"')
        upgrade(_server(name))  # disposes its engine: nobody is left connected to the template
        _made.postgresql = name
    return _made.postgresql


def _sqlite_migrated() -> Path:
    if _made.sqlite is None:
        folder = Path(tempfile.mkdtemp(prefix="atende-template-"))
        path = folder / "atende.db"
        upgrade(f"sqlite:///{path}")
        _made.sqlite = path
    return _made.sqlite


@contextmanager
def fresh_database(folder: Path | None = None, *, migrated: bool = True) -> Iterator[str]:
    """The URL of a database nobody else uses, migrated (or empty, for migrations to start from);
    a PostgreSQL database is dropped afterwards, a SQLite file lives in `folder` (or a temp dir)."""
    if ON_POSTGRESQL:
        name = f"{_prefix()}_{next(_names)}"
        template = f' TEMPLATE "{_postgresql_template()}"' if migrated else ""
        with _admin() as admin:
            admin.execute(f'CREATE DATABASE "{name}"{template}')
        try:
            yield _server(name)
        finally:
            with _admin() as admin:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        return
    with _folder(folder) as where:
        path = where / f"atende-{next(_names)}.db"
        if migrated:
            shutil.copyfile(_sqlite_migrated(), path)
        yield f"sqlite:///{path}"


@contextmanager
def _folder(folder: Path | None) -> Iterator[Path]:
    if folder is not None:
        yield folder
        return
    with tempfile.TemporaryDirectory(prefix="atende-test-") as made:
        yield Path(made)


@contextmanager
def _throwaway(settings: Settings, **wiring: Any) -> Iterator[System]:
    with fresh_database() as url, bootstrap(settings, database_url=url, **wiring) as system:
        yield system


def throwaway(settings: Settings, **wiring: Any) -> AbstractContextManager[System]:
    """A simulator `Boot` on a fresh test database of the engine under test."""
    return _throwaway(settings, **wiring)


def drop_leftovers() -> None:
    """Drop this process's template (at the end of the session)."""
    if _made.postgresql is not None:
        with _admin() as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{_made.postgresql}" WITH (FORCE)')
        _made.postgresql = None
    if _made.sqlite is not None:
        shutil.rmtree(_made.sqlite.parent, ignore_errors=True)
        _made.sqlite = None


def downgrade(url: str, revision: str) -> None:
    """Take a database's schema back to `revision` (the migration tests go down and up again)."""
    engine = connect(url)
    try:
        with engine.begin() as connection:
            config = alembic_config()
            config.attributes["connection"] = connection
            command.downgrade(config, revision)
    finally:
        engine.dispose()
