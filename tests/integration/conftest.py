"""Real databases for adapter tests: a fresh, migrated database per test (tests/databases.py).

Set ATENDE_TEST_DATABASE_URL=postgresql+psycopg://… to run them on PostgreSQL instead of SQLite;
`sqlite_url` is always SQLite, for what only SQLite has (its file, its write lock).
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy.engine import Engine

from atende.adapters.sql.engine import connect
from atende.adapters.sql.schema import upgrade
from atende.adapters.sql.unit_of_work import SqlUnitOfWork
from tests.databases import fresh_database


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
def database_url(tmp_path: Path) -> Iterator[str]:
    """A migrated, empty database of its own: SQLite by default, PostgreSQL when configured."""
    with fresh_database(tmp_path) as url:
        yield url


@pytest.fixture
def bare_database_url(tmp_path: Path) -> Iterator[str]:
    """A database without any schema, for migrations to start from: SQLite, or PostgreSQL."""
    with fresh_database(tmp_path, migrated=False) as url:
        yield url


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = connect(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def uow_factory(engine: Engine) -> Callable[[], SqlUnitOfWork]:
    return lambda: SqlUnitOfWork(engine)
