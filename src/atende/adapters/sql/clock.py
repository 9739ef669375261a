"""The database's own clock: the one time every host sharing the database agrees on."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import text
from sqlalchemy.engine import Connection

from .codec import from_stored

_NOW = {
    # clock_timestamp(), not now(): now() is frozen at the start of the transaction.
    "postgresql": "SELECT clock_timestamp()",
    # SQLite's 'now' is the host's clock, the only one a database file on that host has.
    "sqlite": "SELECT strftime('%Y-%m-%d %H:%M:%f', 'now')",
}


def database_now(connection: Connection) -> datetime:
    """What time the database says it is, as an aware UTC datetime."""
    query = _NOW.get(connection.dialect.name, "SELECT CURRENT_TIMESTAMP")
    value = connection.execute(text(query)).scalar_one()
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if not isinstance(value, datetime):
        raise TypeError(f"the database answered {value!r} for the time")
    return from_stored(value)
