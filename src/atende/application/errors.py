"""Errors as people read them in logs and in `atende intake ls`."""

from __future__ import annotations


def describe(error: BaseException) -> str:
    """An error's type and first line: enough to diagnose, without the `[parameters: …]` that
    SQLAlchemy appends (they hold phone numbers and what customers wrote)."""
    text = str(error)
    first = text.splitlines()[0] if text else ""
    return f"{type(error).__name__}: {first[:300]}" if first else type(error).__name__
