"""What Meta's error codes mean for atende: every code is read here, and nowhere else.

Meta advises acting on `code`, never on titles or subcodes. The application sees only the
kind of failure (`atende.application.failures.Failure`); the numbers stay in this adapter,
carried along for the record.
"""

from __future__ import annotations

from atende.application.failures import Failure

THROUGHPUT_LIMIT = 130429
PAIR_RATE_LIMIT = 131056
WINDOW_CLOSED = 131047
UNDELIVERABLE = 131026
UNSUPPORTED_TYPE = 131051
MEDIA_DOWNLOAD_ERROR = 131052
MEDIA_UPLOAD_ERROR = 131053
INVALID_PARAMETER = 131009
ACCESS_TOKEN = 190

RATE_LIMIT_CODES = frozenset({4, 80007, THROUGHPUT_LIMIT, PAIR_RATE_LIMIT})
"""App, account, throughput and pair (per-recipient) rate limits."""

CONTENT_CODES = frozenset({UNSUPPORTED_TYPE, MEDIA_DOWNLOAD_ERROR, MEDIA_UPLOAD_ERROR})
"""The message itself cannot go: a file WhatsApp could not fetch or send, a type it does not take."""

RETRYABLE_CODES = frozenset(
    {
        1,  # API unknown: "possibly a temporary issue due to downtime"
        2,  # API service: temporary downtime
        131000,  # something went wrong
        131016,  # service unavailable
        131057,  # account in maintenance (throughput upgrade)
        133004,  # server temporarily unavailable
    }
)
"""Codes where the same request may succeed later, whatever the HTTP status."""

PERMANENT_CODES = frozenset({0, 10, 100, 200, ACCESS_TOKEN, 131008, INVALID_PARAMETER, 131021})
"""Codes where repeating the request cannot help: it needs a fix or an operator."""

MEDIA_REFUSED_CODES = frozenset({MEDIA_UPLOAD_ERROR, INVALID_PARAMETER})
"""A media id Meta will not send (expired, or another number's): download and upload the file again."""


def failure_of(code: int | None, status: int | None = None) -> Failure:
    """The kind of failure: Meta's code decides when it is known; otherwise the HTTP status
    (none at all meaning no answer came: worth another try)."""
    if code == WINDOW_CLOSED:
        return Failure.WINDOW_CLOSED
    if code in RATE_LIMIT_CODES:
        return Failure.RATE_LIMITED
    if code == UNDELIVERABLE:
        return Failure.UNREACHABLE
    if code in CONTENT_CODES:
        return Failure.CONTENT_REFUSED
    if code in RETRYABLE_CODES:
        return Failure.RETRYABLE
    if code in PERMANENT_CODES:
        return Failure.PERMANENT
    if status == 429:
        return Failure.RATE_LIMITED
    if status is None or status >= 500 or status == 408:
        return Failure.RETRYABLE
    return Failure.PERMANENT


def is_retryable(status: int | None, code: int | None) -> bool:
    return failure_of(code, status).retryable
