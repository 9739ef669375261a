"""Logging for `atende serve`: secrets never reach a log line, phone numbers only by their tail.

uvicorn's access log prints the request target, query string included, and Meta's handshake
carries the verify token in it (`GET /webhook?hub.verify_token=…`): `RedactQuery` rewrites
such values before any handler formats the record.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from atende.adapters.whatsapp.graph import mask
from atende.application.errors import describe

__all__ = ["SECRET_PARAMETERS", "RedactQuery", "describe", "from_database", "logging_config", "mask", "redact"]

SECRET_PARAMETERS = ("hub.verify_token", "access_token")
_SECRET_IN_QUERY = re.compile(r"((?:^|[?&])(?:" + "|".join(re.escape(p) for p in SECRET_PARAMETERS) + r")=)[^&\s]*")


def redact(target: str) -> str:
    """A request target with the values of secret query parameters replaced by `***`."""
    return _SECRET_IN_QUERY.sub(r"\1***", target)


class RedactQuery(logging.Filter):
    """Redacts secret query parameters in every string argument of a record (the access log's path)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(redact(arg) if isinstance(arg, str) else arg for arg in record.args)
        elif isinstance(record.msg, str):
            record.msg = redact(record.msg)
        return True


_DATABASE_MODULES = ("sqlalchemy", "sqlite3", "psycopg", "alembic")


def from_database(error: BaseException) -> bool:
    """Whether the error comes from the database layer, whose messages quote SQL parameters."""
    return any(cls.__module__.split(".")[0] in _DATABASE_MODULES for cls in type(error).__mro__)


def logging_config(level: str = "INFO") -> dict[str, Any]:
    """uvicorn's own format for its loggers and atende's, with the access log redacted.

    Passed to uvicorn as `log_config`, so every worker process configures itself the same way.
    """
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"redact": {"()": "atende.webhook.logs.RedactQuery"}},
        "formatters": {
            "default": {
                "()": "uvicorn.logging.DefaultFormatter",
                "fmt": "%(asctime)s %(levelprefix)s %(message)s",
                "use_colors": None,
            },
            "atende": {
                "()": "uvicorn.logging.DefaultFormatter",
                "fmt": "%(asctime)s %(levelprefix)s %(name)s: %(message)s",
                "use_colors": None,
            },
            "access": {
                "()": "uvicorn.logging.AccessFormatter",
                "fmt": '%(asctime)s %(levelprefix)s %(client_addr)s - "%(request_line)s" %(status_code)s',
            },
        },
        "handlers": {
            "default": {"formatter": "default", "class": "logging.StreamHandler", "stream": "ext://sys.stderr"},
            "atende": {"formatter": "atende", "class": "logging.StreamHandler", "stream": "ext://sys.stderr"},
            "access": {
                "formatter": "access",
                "class": "logging.StreamHandler",
                "stream": "ext://sys.stdout",
                "filters": ["redact"],
            },
        },
        "loggers": {
            "uvicorn": {"handlers": ["default"], "level": level, "propagate": False},
            "uvicorn.error": {"level": level},
            "uvicorn.access": {"handlers": ["access"], "level": level, "propagate": False},
            "atende": {"handlers": ["atende"], "level": level, "propagate": False},
        },
    }
