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
from pathlib import Path
from typing import Any, Protocol

from atende.application.settings import Settings
from atende.bootstrap import System, bootstrap


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
