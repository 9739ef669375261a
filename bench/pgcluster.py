"""A throwaway PostgreSQL cluster on 127.0.0.1 for the load and fault runs (../shared STACK.md's recipe).

    with Cluster(port=55444) as cluster:
        url = cluster.fresh_database("load")    # postgresql+psycopg://postgres@127.0.0.1:55444/load

`ATENDE_BENCH_POSTGRES_URL` (a server URL, database part ignored) uses a running server instead.
The cluster keeps fsync on: these runs measure durable acknowledgements, not a test suite's
shortcuts. Debian's packages never start a server and `postgres` refuses to run as root, so
the server runs as the `postgres` user when we are root.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from types import TracebackType

POSTGRES_URL_VARIABLE = "ATENDE_BENCH_POSTGRES_URL"


class ClusterError(RuntimeError):
    pass


def _pg_bin() -> Path | None:
    roots = sorted(Path("/usr/lib/postgresql").glob("*/bin"), key=lambda p: [int(x) for x in p.parent.name.split(".")])
    return roots[-1] if roots else None


def available() -> bool:
    return bool(os.environ.get(POSTGRES_URL_VARIABLE)) or (
        _pg_bin() is not None and shutil.which("runuser") is not None
    )


class Cluster:
    """initdb + pg_ctl start on `port`; `stop` (or leaving the `with`) removes every file."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.external = os.environ.get(POSTGRES_URL_VARIABLE, "")
        self._root: Path | None = None
        self._bin = _pg_bin()

    def __enter__(self) -> Cluster:
        if not self.external:
            self.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None) -> None:
        self.stop()

    def _as_postgres(self, *command: str) -> None:
        prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        done = subprocess.run([*prefix, *command], capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise ClusterError(f"{Path(command[0]).name} failed: {(done.stderr or done.stdout).strip()[-600:]}")

    def start(self) -> None:
        if self._bin is None:
            raise ClusterError("PostgreSQL is not installed (apt-get install -y postgresql)")
        self._root = Path(tempfile.mkdtemp(prefix="atende-bench-pg-"))
        if os.geteuid() == 0:
            shutil.chown(self._root, "postgres", "postgres")
        data = self._root / "data"
        self._as_postgres(
            str(self._bin / "initdb"),
            "-D",
            str(data),
            "-U",
            "postgres",
            "-A",
            "trust",
            "-E",
            "UTF8",
            "--locale=C.UTF-8",
            "--no-sync",
            "--no-instructions",
        )
        options = f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self._root} -c max_connections=200"
        self._as_postgres(
            str(self._bin / "pg_ctl"), "-D", str(data), "-l", str(self._root / "server.log"), "-w", "-t", "30",
            "-o", options, "start",
        )  # fmt: skip

    def stop(self) -> None:
        if self._root is None or self._bin is None:
            return
        with contextlib.suppress(ClusterError):
            self._as_postgres(
                str(self._bin / "pg_ctl"), "-D", str(self._root / "data"), "-m", "immediate", "-w", "stop"
            )
        shutil.rmtree(self._root, ignore_errors=True)
        self._root = None

    def server_url(self, database: str) -> str:
        if self.external:
            base = self.external.rsplit("/", 1)[0]
            return f"{base}/{database}"
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def copy_database(self, source_url: str, name: str) -> str:
        """A copy of the database behind `source_url` (`CREATE DATABASE … TEMPLATE`); its URL."""
        import psycopg

        source = source_url.rsplit("/", 1)[1]
        admin = self.server_url("postgres").replace("postgresql+psycopg://", "postgresql://")
        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            connection.execute(f'CREATE DATABASE "{name}" TEMPLATE "{source}"')
        return self.server_url(name)

    def fresh_database(self, name: str) -> str:
        """An empty database `name` (dropped first if it exists); its SQLAlchemy URL."""
        import psycopg

        admin = self.server_url("postgres").replace("postgresql+psycopg://", "postgresql://")
        with psycopg.connect(admin, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            connection.execute(f'CREATE DATABASE "{name}"')
        return self.server_url(name)
