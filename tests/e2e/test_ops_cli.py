"""The ops views — `atende queue ls`, `agents ls`, `conversations ls|show` — on a real database."""

from __future__ import annotations

import json
import os
import random
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from atende.adapters.clock import ManualClock
from atende.application.arrivals import Inbound
from atende.bootstrap import bootstrap
from atende.cli.main import app
from atende.config import load_config
from atende.domain.content import Choice, Text
from tests.databases import sqlite_only

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "atende.toml"
ANA, BRUNO = "5511999990001", "5511999990002"
MARIA, JOAO, PEDRO = "5511987654321", "5521912345678", "5531998765432"


@pytest.fixture
def database(database_url: str) -> str:
    """Ana serves Maria; João and Pedro wait in Financeiro; Bruno is offline."""
    url = database_url
    clock = ManualClock(datetime.now(UTC) - timedelta(hours=1))  # the CLI reads the real clock
    system = bootstrap(load_config(EXAMPLE).to_settings(), database_url=url, clock=clock, rng=random.Random(3))
    atende = system.atende
    atende.sync_roster()
    ids = iter(range(1000))

    def says(sender: str, name: str, content: Text | Choice) -> None:
        clock.advance(30)
        atende.receive(Inbound(f"wamid.{next(ids)}", sender, name, clock.now(), content))

    says(ANA, "Ana", Text("/entrar"))
    for wa_id, name in ((MARIA, "Maria Silva"), (JOAO, "João Souza"), (PEDRO, "Pedro Lima")):
        says(wa_id, name, Text("oi"))
        says(wa_id, name, Choice("dept:financeiro", "Financeiro"))
    says(ANA, "Ana", Text("Olá, Maria!"))
    system.close()
    return url


def run(database: str, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args), env={"ATENDE_DATABASE_URL": database, "ATENDE_CONFIG": str(EXAMPLE)})
    return result.exit_code, result.output


def test_queue_ls_shows_who_waits_in_order_and_the_agents(database: str) -> None:
    code, output = run(database, "queue", "ls", "--department", "financeiro")

    assert code == 0, output
    assert "2 waiting" in output
    assert output.index("João Souza") < output.index("Pedro Lima")
    assert "Ana: busy (1/1)" in output and "Bruno: offline (0/1)" in output
    assert "Suporte" not in output


def test_queue_ls_json_has_positions_and_waits(database: str) -> None:
    code, output = run(database, "queue", "ls", "--json")

    assert code == 0, output
    queues = {q["key"]: q for q in json.loads(output)}
    waiting = queues["financeiro"]["waiting"]
    assert [(w["position"], w["wa_id"]) for w in waiting] == [(1, JOAO), (2, PEDRO)]
    assert waiting[0]["waited_seconds"] > waiting[1]["waited_seconds"] > 0
    assert queues["suporte"]["waiting"] == []


def test_queue_ls_refuses_an_unknown_department(database: str) -> None:
    code, output = run(database, "queue", "ls", "--department", "rh")

    assert code == 1
    assert "Unknown department 'rh'" in output


def test_agents_ls_json(database: str) -> None:
    code, output = run(database, "agents", "ls", "--json")

    assert code == 0, output
    agents = {a["name"]: a for a in json.loads(output)}
    assert (agents["Ana"]["status"], agents["Ana"]["load"]) == ("busy", 1)
    assert agents["Bruno"]["status"] == "offline"
    assert agents["Carla"]["capacity"] == 3


def test_conversations_ls_and_show(database: str) -> None:
    code, output = run(database, "conversations", "ls", "--json")
    assert code == 0, output
    rows = json.loads(output)
    maria = next(r for r in rows if r["customer"]["wa_id"] == MARIA)
    assert (maria["stage"], maria["agent"]) == ("assigned", ANA)

    code, output = run(database, "conversations", "show", f"#{maria['code']}")

    assert code == 0, output
    assert "Ana: Olá, Maria!" in output
    assert "EnteredQueue" in output and "Assigned" in output


def test_conversations_show_an_unknown_code(database: str) -> None:
    code, output = run(database, "conversations", "show", "ZZZZ")

    assert code == 1
    assert "No conversation #ZZZZ" in output


def test_ops_views_refuse_a_database_that_was_never_upgraded(bare_database_url: str) -> None:
    code, output = run(bare_database_url, "queue", "ls")

    assert code == 1
    assert "atende db" in output and "upgrade" in output and "pending" in output


@sqlite_only("its one write lock; a PostgreSQL view's READ ONLY transaction is checked in integration")
@pytest.mark.parametrize("view", [("queue", "ls"), ("agents", "ls"), ("conversations", "ls")])
def test_ops_views_answer_while_a_writer_holds_sqlites_lock(database: str, view: tuple[str, ...]) -> None:
    """`atende queue ls` beside a busy `atende serve`: a view reads a snapshot and never waits for
    the write lock (one that began with BEGIN IMMEDIATE would wait the whole busy timeout, 30 s)."""
    writer = sqlite3.connect(database.removeprefix("sqlite:///"), isolation_level=None)
    try:
        writer.execute("BEGIN IMMEDIATE")
        writer.execute("UPDATE agents SET name = name")
        environment = {**os.environ, "ATENDE_DATABASE_URL": database, "ATENDE_CONFIG": str(EXAMPLE)}
        atende = Path(sys.executable).parent / "atende"
        done = subprocess.run(
            [str(atende), *view], env=environment, capture_output=True, text=True, timeout=15, check=False
        )
    finally:
        writer.rollback()
        writer.close()
    assert done.returncode == 0, done.stderr
    assert "Ana" in done.stdout
