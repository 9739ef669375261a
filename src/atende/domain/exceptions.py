"""Domain errors: a rule was broken, and the caller decides how to tell the person."""

from __future__ import annotations


class DomainError(Exception):
    """Base for every rule the domain refuses to break."""


class InvalidTransition(DomainError):
    """A conversation or agent was asked to move to a state it cannot reach from where it is."""


class ConcurrencyConflict(DomainError):
    """Someone else changed the same aggregate first; the whole use case is retried."""
