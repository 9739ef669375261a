"""How a simulation gets its atende: the composition root, on storage the caller picks.

The player decides how atende is reached (a capturing gateway, or the webhook and a Graph API
stand-in); a boot decides only where atende keeps its data. The default is what the contract
promises for a headless run: a fresh SQLite database per run, migrated to the current schema
and thrown away afterwards. Tests boot on the in-memory fakes the same way.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from atende.application.settings import Settings
from atende.bootstrap import System, bootstrap, ensure_schema
from atende.config import Environment, load_config

DEMO_CONFIG = Path(__file__).with_name("demo.toml")
"""The business played when there is no config file: always open, three agents."""


class Boot(Protocol):
    """Starts atende for one run (`wiring` goes to `bootstrap` as is) and tears it down afterwards."""

    def __call__(self, settings: Settings, **wiring: Any) -> AbstractContextManager[System]: ...


@contextmanager
def throwaway_sqlite(settings: Settings, **wiring: Any) -> Iterator[System]:
    """atende on a SQLite file of its own, schema upgraded as `atende db upgrade` would."""
    with tempfile.TemporaryDirectory(prefix="atende-simulate-") as folder:
        url = f"sqlite:///{Path(folder) / 'simulate.db'}"
        with bootstrap(settings, database_url=url, migrate=True, **wiring) as system:
            yield system


def on_database(url: str) -> Boot:
    """atende on a database of the user's (ATENDE_DATABASE_URL), which must be up to date."""

    def boot(settings: Settings, **wiring: Any) -> AbstractContextManager[System]:
        ensure_schema(url)
        return bootstrap(settings, database_url=url, **wiring)

    return boot


@dataclass(frozen=True)
class Business:
    """The business a simulation plays: its settings, and where they came from."""

    settings: Settings
    source: str
    """What the header says: the config file's path, or that it is the bundled demo."""
    path: Path | None
    """The config file; None for the bundled demo."""


def business(env: Environment) -> Business:
    """ATENDE_CONFIG when set, else ./atende.toml when there is one, else the bundled demo.

    Raises `ConfigError` (with every problem) for a config that is there but wrong.
    """
    if "ATENDE_CONFIG" in env.model_fields_set or env.ATENDE_CONFIG.is_file():
        path = env.ATENDE_CONFIG
        return Business(load_config(path).to_settings(), str(path), path)
    return Business(load_config(DEMO_CONFIG).to_settings(), "built-in demo", None)


def storage(env: Environment) -> Boot:
    """A throwaway SQLite database unless ATENDE_DATABASE_URL names one."""
    if "ATENDE_DATABASE_URL" in env.model_fields_set:
        return on_database(env.ATENDE_DATABASE_URL)
    return throwaway_sqlite
