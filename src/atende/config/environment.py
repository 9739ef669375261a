"""The deployment's environment variables: where the config file and the database are, and the secrets.

This is the one settings module that reads the process environment (through pydantic-settings);
the rest of the package works on the file `atende.toml`.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from pydantic import Field, SecretStr, ValidationError, field_serializer, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from atende.config.problems import ConfigError, Problem

DEFAULT_CONFIG_PATH = "./atende.toml"
DEFAULT_DATABASE_URL = "sqlite:///./atende.db"
DEFAULT_GRAPH_URL = "https://graph.facebook.com/v24.0"

SERVE_VARIABLES = (
    "WHATSAPP_ACCESS_TOKEN",
    "WHATSAPP_APP_SECRET",
    "WHATSAPP_VERIFY_TOKEN",
    "WHATSAPP_PHONE_NUMBER_ID",
)
"""What `atende serve` cannot run without; `config check` only reports them unless asked."""


def mask_url(url: str) -> str:
    """The URL with its password replaced, so a database URL can be printed."""
    try:
        parts = urlsplit(url)
        password = parts.password
    except ValueError:
        return url.split("://", 1)[0] + "://***" if "://" in url else "***"
    if not password:
        return url
    netloc = parts.netloc.replace(f":{password}@", ":***@", 1)
    return urlunsplit(parts._replace(netloc=netloc))


def _check_database_url(url: str) -> str:
    """Only the two engines atende is tested on, spelled the way SQLAlchemy needs them."""
    shown = mask_url(url)
    scheme, separator, rest = url.partition("://")
    examples = "sqlite:///./atende.db or postgresql+psycopg://user:password@host/atende"
    if not separator:
        raise ValueError(f'"{shown}" is not a database URL; use {examples}')
    if scheme == "sqlite":
        if rest and not rest.startswith("/"):
            raise ValueError(
                f'"{shown}": a SQLite path needs three slashes for a relative file (sqlite:///./atende.db) '
                "and four for an absolute one (sqlite:////var/lib/atende/atende.db)"
            )
        return url
    if scheme == "postgresql+psycopg":
        if not rest or rest == "/":
            raise ValueError(f'"{shown}" names no server or database; e.g. postgresql+psycopg://user:pw@host/atende')
        return url
    if scheme in {"postgres", "postgresql", "postgresql+psycopg2"}:
        fixed = mask_url("postgresql+psycopg://" + rest)
        raise ValueError(f'"{shown}": atende uses the psycopg 3 driver; write {fixed}')
    raise ValueError(f'unsupported database "{scheme}"; atende runs on {examples}')


def _check_graph_url(url: str) -> str:
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        raise ValueError(f'"{url}" is not an http(s) URL; the default is {DEFAULT_GRAPH_URL}')
    return url.rstrip("/")


class Environment(BaseSettings):
    """The deployment's environment variables (docs/design.md §2): where things are, and the secrets.

    Secrets are `SecretStr`, and the database URL (which may hold a password) is left out of the
    repr and masked in dumps, so printing or logging this object never shows them;
    `hide_input_in_errors` keeps them out of validation errors too.
    """

    model_config = SettingsConfigDict(
        env_ignore_empty=True,
        extra="ignore",
        frozen=True,
        hide_input_in_errors=True,
    )

    ATENDE_CONFIG: Path = Field(default=Path(DEFAULT_CONFIG_PATH))
    ATENDE_DATABASE_URL: str = Field(default=DEFAULT_DATABASE_URL, repr=False)
    WHATSAPP_ACCESS_TOKEN: SecretStr | None = None
    WHATSAPP_APP_SECRET: SecretStr | None = None
    WHATSAPP_VERIFY_TOKEN: SecretStr | None = None
    WHATSAPP_PHONE_NUMBER_ID: str | None = None
    WHATSAPP_GRAPH_URL: str = DEFAULT_GRAPH_URL

    @field_validator("ATENDE_DATABASE_URL")
    @classmethod
    def _database_url(cls, value: str) -> str:
        return _check_database_url(value.strip())

    @field_validator("WHATSAPP_GRAPH_URL")
    @classmethod
    def _graph_url(cls, value: str) -> str:
        return _check_graph_url(value.strip())

    @field_serializer("ATENDE_DATABASE_URL")
    def _dump_database_url(self, value: str) -> str:
        return mask_url(value)

    @property
    def safe_database_url(self) -> str:
        """The database URL with any password masked, for messages."""
        return mask_url(self.ATENDE_DATABASE_URL)

    def serve_status(self) -> dict[str, bool]:
        """Each variable `atende serve` needs → whether it is set (never its value)."""
        return {name: _is_set(getattr(self, name)) for name in SERVE_VARIABLES}

    def missing_for_serve(self) -> list[str]:
        """The variables `atende serve` needs and does not have, in the order of docs/design.md §2."""
        return [name for name, present in self.serve_status().items() if not present]


def _is_set(value: SecretStr | str | None) -> bool:
    if isinstance(value, SecretStr):
        value = value.get_secret_value()
    return bool(value and value.strip())


def load_environment(**overrides: Any) -> Environment:
    """Read the environment; a bad value becomes a `ConfigError` naming the variable, without its value."""
    try:
        return Environment(**overrides)
    except ValidationError as exc:
        problems = []
        for error in exc.errors():
            name = str(error["loc"][0]) if error["loc"] else ""
            cause = error.get("ctx", {}).get("error")
            problems.append(Problem(name, None, str(cause) if cause else error["msg"]))
        raise ConfigError(problems) from None


def config_path(environment: Environment | None = None) -> Path:
    """ATENDE_CONFIG, even when another variable made the environment as a whole invalid
    (`config check` still has a file to check then)."""
    if environment is not None:
        return environment.ATENDE_CONFIG
    return Path(os.environ.get("ATENDE_CONFIG") or DEFAULT_CONFIG_PATH)
