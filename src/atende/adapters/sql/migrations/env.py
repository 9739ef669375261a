"""Alembic's entry point, run by `atende.adapters.sql.schema` with the connection to migrate."""

from __future__ import annotations

from typing import Any

from alembic import context
from alembic.autogenerate.api import AutogenContext
from sqlalchemy.engine import Connection

from atende.adapters.sql import tables
from atende.adapters.sql.engine import connect

config = context.config
target_metadata = tables.metadata


def render_item(kind: str, obj: Any, autogen: AutogenContext) -> str | bool:
    """Write our column types as plain SQLAlchemy ones, so revisions never import app code."""
    if kind == "type" and isinstance(obj, tables.UtcDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def options() -> dict[str, Any]:
    return {
        "target_metadata": target_metadata,
        "render_item": render_item,
        "render_as_batch": True,  # SQLite alters tables by rebuilding them
        "compare_type": True,
    }


def run(connection: Connection) -> None:
    # The engine from `connect` makes SQLite DDL transactional too: a failed step changes nothing.
    context.configure(connection=connection, transactional_ddl=True, **options())
    with context.begin_transaction():
        context.run_migrations()


def main() -> None:
    if context.is_offline_mode():
        context.configure(url=config.get_main_option("sqlalchemy.url"), literal_binds=True, **options())
        with context.begin_transaction():
            context.run_migrations()
        return
    given = config.attributes.get("connection")
    if given is not None:
        run(given)
        return
    url = config.get_main_option("sqlalchemy.url")
    assert url, "set sqlalchemy.url or pass a connection in config.attributes"
    engine = connect(url)
    try:
        with engine.begin() as connection:
            run(connection)
    finally:
        engine.dispose()


main()
