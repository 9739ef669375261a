"""Migrations: an empty database is brought to exactly the schema the code describes."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text
from typer.testing import CliRunner

from atende.adapters import tables
from atende.adapters.database import connect
from atende.adapters.schema import UnknownRevision, pending, upgrade
from atende.cli.db import app


def diffs(url: str) -> list[object]:
    engine = connect(url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            return list(compare_metadata(context, tables.metadata))
    finally:
        engine.dispose()


def table_names(url: str) -> set[str]:
    engine = connect(url)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_upgrade_creates_every_table_and_pending_empties(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    assert pending(url) == ["0001"]
    assert not (tmp_path / "fresh.db").exists(), "looking does not create the file"
    upgrade(url)
    assert table_names(url) == set(tables.metadata.tables) | {"alembic_version"}
    assert pending(url) == []
    upgrade(url)  # again: nothing to do, nothing breaks
    assert pending(url) == []


def test_an_empty_database_file_is_outdated(tmp_path: Path) -> None:
    path = tmp_path / "empty.db"
    path.touch()
    assert pending(f"sqlite:///{path}") == ["0001"]


def test_the_migrated_schema_matches_the_code(database_url: str, tmp_path: Path) -> None:
    assert diffs(database_url) == []
    empty = f"sqlite:///{tmp_path / 'empty.db'}"
    assert len(diffs(empty)) >= len(tables.metadata.tables), "the comparison does see missing tables"


def test_a_revision_from_a_newer_atende_is_reported(sqlite_url: str) -> None:
    engine = connect(sqlite_url)
    with engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    engine.dispose()
    with pytest.raises(UnknownRevision, match="9999"):
        pending(sqlite_url)


def said(output: str) -> str:
    """Rich wraps lines at the terminal width: compare words, not line breaks."""
    return " ".join(output.split())


def test_atende_db_upgrade(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("ATENDE_DATABASE_URL", url)
    runner = CliRunner()
    first = runner.invoke(app, ["upgrade"])
    assert first.exit_code == 0, first.output
    assert "applied 1 migration(s): 0001" in said(first.output)
    assert pending(url) == []
    second = runner.invoke(app, ["upgrade"])
    assert second.exit_code == 0, second.output
    assert "is up to date" in said(second.output)


def test_atende_db_upgrade_explains_an_unreachable_database(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ATENDE_DATABASE_URL", "postgresql+psycopg://atende:secret@127.0.0.1:1/atende")
    result = CliRunner().invoke(app, ["upgrade"])
    assert result.exit_code == 1
    assert "cannot use the database" in said(result.output)
    assert "secret" not in result.output
