"""`atende intake ls [--failed] [--json]` and `atende intake retry KEY|--all`, through the real CLI
on a real database: what is pending, what was set aside and why, and putting it back."""

from __future__ import annotations

import json
import random
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from atende.adapters.clock import ManualClock
from atende.application.arrivals import Inbound, StatusReport
from atende.bootstrap import bootstrap
from atende.cli.main import app
from atende.config import load_config
from atende.domain.content import Text
from tests.databases import sqlite_only

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "atende.toml"
MARIA, JOAO = "5511987654321", "5521912345678"


@pytest.fixture
def database(database_url: str) -> str:
    """Maria's message failed twice and waits for its next try; João's waits; a status reporting
    on a message to João was set aside."""
    url = database_url
    clock = ManualClock(datetime.now(UTC) - timedelta(minutes=5))
    with bootstrap(load_config(EXAMPLE).to_settings(), database_url=url, clock=clock, rng=random.Random(3)) as system:
        now = clock.now()
        system.atende.accept(
            [
                Inbound("wamid.maria", MARIA, "Maria Silva", now, Text("oi")),
                Inbound("wamid.joao", JOAO, "João Souza", now + timedelta(seconds=1), Text("boa tarde")),
                StatusReport("wamid.out1", "read", now + timedelta(seconds=2), JOAO),
            ]
        )
        with system.uow_factory() as uow:
            uow.intake.failed("wamid.maria", "KeyError: 'profile'")
            uow.intake.failed("wamid.maria", "KeyError: 'profile'")
            uow.intake.postpone("wamid.maria", now + timedelta(hours=1))
            uow.intake.done("status:wamid.out1:read", "ValueError: bad status (failed 5 times)")
            uow.commit()
    return url


def run(database: str, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(
        app, list(args), env={"ATENDE_DATABASE_URL": database, "ATENDE_CONFIG": str(EXAMPLE), "COLUMNS": "200"}
    )
    return result.exit_code, result.output


def test_intake_ls_shows_what_is_pending_with_attempts_and_last_error(database: str) -> None:
    code, output = run(database, "intake", "ls")

    assert code == 0, output
    assert "2 pending" in output
    assert output.index("wamid.maria") < output.index("wamid.joao")
    assert "KeyError: 'profile'" in output and "+55 11 98765-4321" in output
    assert "wamid.out1" not in output


def test_intake_ls_failed_shows_what_was_set_aside_and_why(database: str) -> None:
    code, output = run(database, "intake", "ls", "--failed")

    assert code == 0, output
    assert "1 set aside" in output
    assert "status:wamid.out1:read" in output and "ValueError: bad status (failed 5 times)" in output
    assert "wamid.maria" not in output


def test_intake_ls_json(database: str) -> None:
    code, output = run(database, "intake", "ls", "--json")
    assert code == 0, output
    pending = json.loads(output)
    assert [(a["key"], a["attempts"], a["error"]) for a in pending] == [
        ("wamid.maria", 2, "KeyError: 'profile'"),
        ("wamid.joao", 0, None),
    ]
    assert pending[0]["retry_at"] is not None and pending[0]["set_aside_at"] is None
    assert pending[0]["sender"] == MARIA and pending[0]["kind"] == "message"

    code, output = run(database, "intake", "ls", "--failed", "--json")
    assert code == 0, output
    [failed] = json.loads(output)
    assert (failed["key"], failed["kind"], failed["sender"]) == ("status:wamid.out1:read", "status", JOAO)
    assert failed["error"] == "ValueError: bad status (failed 5 times)" and failed["set_aside_at"] is not None


def test_intake_retry_puts_one_back_and_handling_it_again_is_safe(database: str) -> None:
    code, output = run(database, "intake", "retry", "status:wamid.out1:read")
    assert code == 0, output
    assert "put back to pending" in output

    assert run(database, "intake", "ls", "--failed")[1].strip() == "No arrivals set aside."
    code, output = run(database, "intake", "ls", "--json")
    assert [(a["key"], a["attempts"]) for a in json.loads(output)][-1] == ("status:wamid.out1:read", 0)

    with bootstrap(load_config(EXAMPLE).to_settings(), database_url=database) as system:
        system.atende.process_intake()  # the real clock: everything but Maria's postponed one is ready
    code, output = run(database, "intake", "ls", "--json")
    assert [a["key"] for a in json.loads(output)] == ["wamid.maria"]
    assert run(database, "intake", "retry", "status:wamid.out1:read")[0] == 1, "handled now: nothing to retry"


def test_intake_retry_all(database: str) -> None:
    code, output = run(database, "intake", "retry", "--all")
    assert code == 0, output
    assert "1 arrival(s) put back" in output
    code, output = run(database, "intake", "retry", "--all")
    assert (code, output.strip()) == (0, "Nothing was set aside.")


@pytest.mark.parametrize(
    ("args", "code", "said"),
    [
        (["wamid.nope"], 1, "No stored arrival has the key 'wamid.nope'"),
        (["wamid.maria"], 1, "wamid.maria is not set aside: it is still pending"),
        ([], 2, "Name one arrival's KEY, or --all"),
        (["wamid.maria", "--all"], 2, "Name one arrival's KEY, or --all"),
    ],
)
def test_intake_retry_refuses_what_it_cannot_put_back(database: str, args: list[str], code: int, said: str) -> None:
    exit_code, output = run(database, "intake", "retry", *args)
    assert exit_code == code, output
    assert said in output


@sqlite_only("SQLite's write lock; PostgreSQL readers never wait for writers")
def test_intake_ls_reads_beside_a_writer_holding_the_lock(database: str) -> None:
    """Listing never takes SQLite's write lock: it answers while `atende serve` holds it."""
    writer = sqlite3.connect(database.removeprefix("sqlite:///"), isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")
    try:
        code, output = run(database, "intake", "ls", "--failed")
    finally:
        writer.rollback()
        writer.close()
    assert code == 0, output
    assert "status:wamid.out1:read" in output
