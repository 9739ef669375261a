"""Statements several stores share: insert-if-new, and telling a lost race from a failure."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import cache
from typing import Any, TypeVar

from sqlalchemy import Column, Table, insert
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError, IntegrityError

from atende.domain.exceptions import ConcurrencyConflict

from .engine import lost_a_race
from .rows import Values

ConnectionSource = Callable[[], Connection]
"""Stores ask for the connection when they first need it: no lock is taken before that."""

Result = TypeVar("Result")


def racing(what: str, statement: Callable[[], Result]) -> Result:
    """Run a statement whose row another transaction may be writing at the same moment.

    PostgreSQL at REPEATABLE READ aborts the later one (it cannot see the winner's row in its
    snapshot); that is a lost race, and the use case runs again on a fresh snapshot.
    """
    try:
        return statement()
    except DBAPIError as error:
        if lost_a_race(error):
            raise ConcurrencyConflict(f"{what} written concurrently") from error
        raise


def insert_new(connection: Connection, table: Table, values: Values, key: Column[Any]) -> bool:
    """INSERT unless a row with this key exists; True when this call stored it."""
    return values[key.name] in insert_all_new(connection, table, [values], key)


def insert_all_new(connection: Connection, table: Table, rows: Sequence[Values], key: Column[Any]) -> set[Any]:
    """INSERT each row unless one with its key exists; returns the keys this call stored.

    One statement for all of them (SQLAlchemy sends the rows as one multi-row INSERT): building
    and compiling a statement per row costs several times what SQLite takes to store it.
    """
    if not rows:
        return set()
    dialect = connection.dialect.name
    if dialect not in ("sqlite", "postgresql"):
        return {row[key.name] for row in rows if insert_new_in_savepoint(connection, table, row)}
    # RETURNING rather than rowcount: drivers disagree on the rowcount of a skipped insert.
    statement = _insert_new_returning(dialect, table, key)
    what = f"{table.name} {rows[0][key.name]}" + (f" and {len(rows) - 1} more" if len(rows) > 1 else "")
    stored = racing(what, lambda: connection.execute(statement, list(rows)))
    return set(stored.scalars())


@cache
def _insert_new_returning(dialect: str, table: Table, key: Column[Any]) -> Any:
    insert_into = sqlite.insert if dialect == "sqlite" else postgresql.insert
    return insert_into(table).on_conflict_do_nothing(index_elements=[key]).returning(key)


def insert_new_in_savepoint(connection: Connection, table: Table, values: Values) -> bool:
    """Any other engine: the duplicate fails inside a savepoint, which keeps the transaction."""
    try:
        with connection.begin_nested():
            connection.execute(insert(table).values(**values))
    except IntegrityError:
        return False
    return True
