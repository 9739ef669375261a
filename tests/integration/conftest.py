"""Real databases for adapter tests: a fresh, migrated SQLite file per test (or PostgreSQL).

Set ATENDE_TEST_DATABASE_URL=postgresql+psycopg://… to run the database-agnostic tests on
PostgreSQL instead; that database is wiped and migrated before each test.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Engine

from atende.adapters.sql.engine import connect
from atende.adapters.sql.schema import upgrade
from atende.adapters.sql.unit_of_work import SqlUnitOfWork

EXTERNAL_URL = os.environ.get("ATENDE_TEST_DATABASE_URL", "")


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Migrating once and copying the file keeps each test's fresh database cheap."""
    path = tmp_path_factory.mktemp("template") / "atende.db"
    upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture
def sqlite_url(tmp_path: Path, migrated_template: Path) -> str:
    path = tmp_path / "atende.db"
    shutil.copyfile(migrated_template, path)
    return f"sqlite:///{path}"


@pytest.fixture
def database_url(request: pytest.FixtureRequest) -> str:
    """A migrated, empty database: SQLite by default, the external one when configured."""
    if not EXTERNAL_URL:
        url: str = request.getfixturevalue("sqlite_url")
        return url
    _wipe(EXTERNAL_URL)
    upgrade(EXTERNAL_URL)
    return EXTERNAL_URL


@pytest.fixture
def bare_database_url(tmp_path: Path) -> str:
    """A database without any schema, for migrations to start from: SQLite, or the external one."""
    if not EXTERNAL_URL:
        return f"sqlite:///{tmp_path / 'bare.db'}"
    _wipe(EXTERNAL_URL)
    return EXTERNAL_URL


def _wipe(url: str) -> None:
    engine = connect(url)
    try:
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
    finally:
        engine.dispose()


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = connect(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def uow_factory(engine: Engine) -> Callable[[], SqlUnitOfWork]:
    return lambda: SqlUnitOfWork(engine)
