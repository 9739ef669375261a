"""Sends that fail, by kind: what the use cases decide on, whatever number the provider used."""

from __future__ import annotations

from enum import StrEnum


class Failure(StrEnum):
    """What a failed send means for atende, whatever number the provider gave it.

    The gateway adapter decides the kind (it alone knows Meta's codes); the use cases act on it.
    """

    WINDOW_CLOSED = "window_closed"
    """The recipient has not written for 24 h: only an approved template gets through."""
    RATE_LIMITED = "rate_limited"
    """Too many, too fast (to this person or overall): wait, then the same send may succeed."""
    UNREACHABLE = "unreachable"
    """The recipient cannot receive WhatsApp messages (no account, blocked, unsupported app)."""
    CONTENT_REFUSED = "content_refused"
    """This message cannot go as it is: a file that cannot be fetched or sent, a type not allowed."""
    RETRYABLE = "retryable"
    """A passing fault (network, provider down): the same send may succeed later."""
    PERMANENT = "permanent"
    """Repeating it cannot help: it needs a fix, a template or an operator."""

    @property
    def retryable(self) -> bool:
        return self in (Failure.RATE_LIMITED, Failure.RETRYABLE)


class SendError(Exception):
    """A send the gateway could not complete, and what kind of failure it was.

    `retry_after` is how long the provider asked to wait, when it said; `code` is its own number
    for the error, kept for the record and for people (never decided on here).
    """

    def __init__(
        self,
        message: str,
        failure: Failure = Failure.PERMANENT,
        *,
        retry_after: float | None = None,
        code: int | None = None,
    ) -> None:
        super().__init__(message)
        self.failure = failure
        self.retry_after = retry_after
        self.code = code

    @property
    def retryable(self) -> bool:
        return self.failure.retryable
