"""`atende stats` and `atende stats --staffing` on a real database, as an operator runs them.

The database holds a known morning (tests.day.a_morning: Monday 2026-03-02 in São Paulo) and the
config file names the same business, so every printed figure can be checked by hand.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from atende.adapters.sql.engine import connect
from atende.adapters.sql.unit_of_work import SqlUnitOfWork
from atende.cli.main import app
from tests.databases import fresh_database
from tests.day import a_morning
from tests.world import ANA, World

CONFIG = """\
[business]
name = "Loja Exemplo"

[[departments]]
key = "financeiro"
name = "Financeiro"

[[departments]]
key = "suporte"
name = "Suporte"

[[departments]]
key = "vendas"
name = "Vendas"

[[departments]]
key = "trocas"
name = "Trocas"

[[agents]]
name = "Ana"
phone = "5511900000001"
departments = ["financeiro"]

[[agents]]
name = "Bruno"
phone = "5511900000002"
departments = ["financeiro", "suporte"]

[[agents]]
name = "Carla"
phone = "5511900000003"
departments = ["suporte", "vendas", "trocas"]
capacity = 3
"""
CONTRACT_KEYS = {
    "department", "offered", "answered", "abandoned", "asa_seconds", "aht_seconds", "service_level", "rating_average",
}  # fmt: skip
MONDAY = ("--until", "2026-03-02")


@pytest.fixture
def environment(tmp_path: Path, database_url: str) -> Iterator[dict[str, str]]:
    url = database_url
    engine = connect(url)
    try:
        a_morning(World(uow_factory=lambda: SqlUnitOfWork(engine)))
    finally:
        engine.dispose()
    (tmp_path / "atende.toml").write_text(CONFIG, encoding="utf-8")
    yield {"ATENDE_DATABASE_URL": url, "ATENDE_CONFIG": str(tmp_path / "atende.toml")}


def run(environment: dict[str, str], *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, ["stats", *args], env={**environment, "COLUMNS": "80"})
    return result.exit_code, result.output


def test_stats_json_is_the_contract_shape_with_the_morning_figures(environment: dict[str, str]) -> None:
    code, output = run(environment, *MONDAY, "--json")

    assert code == 0, output
    figures = json.loads(output)
    departments = {row["department"]: row for row in figures["departments"]}
    assert list(departments) == ["financeiro", "suporte", "vendas", "trocas"]
    assert all(set(row) == CONTRACT_KEYS for row in figures["departments"])
    assert departments["financeiro"] == {
        "department": "financeiro",
        "offered": 3,
        "answered": 2,
        "abandoned": 1,
        "asa_seconds": 120.0,
        "aht_seconds": 300.0,
        "service_level": 0.3333,
        "rating_average": 2.0,
    }
    assert departments["suporte"] == {
        "department": "suporte", "offered": 0, "answered": 0, "abandoned": 0,
        "asa_seconds": None, "aht_seconds": None, "service_level": None, "rating_average": None,
    }  # fmt: skip
    assert figures["total"]["offered"] == 3
    assert figures["agents"] == [
        {"agent": ANA, "name": "Ana", "conversations": 2, "aht_seconds": 300.0, "rating_average": 2.0, "ratings": 2}
    ]
    assert figures["period"]["from"].startswith("2026-03-02T00:00:00-03:00")
    assert figures["period"]["threshold_seconds"] == 20.0


def test_stats_threshold_and_department(environment: dict[str, str]) -> None:
    code, output = run(environment, *MONDAY, "--json", "--threshold", "300", "--department", "financeiro")

    assert code == 0, output
    [row] = json.loads(output)["departments"]
    assert row["service_level"] == 0.6667  # João's 240 s wait is within 300 s


def test_stats_tables_show_the_figures_and_the_hourly_chart(environment: dict[str, str]) -> None:
    code, output = run(environment, *MONDAY)

    assert code == 0, output
    assert "Service figures · Mon 2026-03-02 (America/Sao_Paulo)" in output
    lines = output.splitlines()
    assert lines[1].split() == [
        "department", "offered", "answered", "abandoned", "removed", "ASA", "AHT", "SL≤20s", "rating"
    ]  # fmt: skip
    financeiro = next(line for line in lines if line.startswith("Financeiro"))
    assert financeiro.split() == ["Financeiro", "3", "2", "1", "0", "2", "min", "5", "min", "33", "%", "2.0", "(2)"]
    assert max(len(line) for line in lines) <= 80
    assert "total" in output and "Per agent" in output
    hour = next(line for line in output.splitlines() if line.strip().startswith("10h"))
    assert "█" in hour and "3" in hour and "2 min" in hour


def test_today_is_empty_for_a_morning_long_past(environment: dict[str, str]) -> None:
    code, output = run(environment, "--json")

    assert code == 0, output
    assert all(row["offered"] == 0 for row in json.loads(output)["departments"])


def test_an_empty_report_says_which_days_the_record_holds(environment: dict[str, str], tmp_path: Path) -> None:
    code, output = run(environment)

    assert code == 0, output
    assert "No arrivals in this period." in output
    assert "The record holds arrivals on Mon 2026-03-02: try --until 2026-03-02 --days 1." in " ".join(output.split())

    with fresh_database(tmp_path) as empty:
        code, output = run({**environment, "ATENDE_DATABASE_URL": empty})
    assert code == 0, output
    assert "Nobody has queued yet" in output


def test_staffing_json_is_the_contract_shape(environment: dict[str, str]) -> None:
    code, output = run(environment, *MONDAY, "--days", "7", "--staffing", "80/20", "--json")

    assert code == 0, output
    advice = json.loads(output)
    assert advice["target"] == {"service_level": 0.8, "seconds": 20.0}
    rows = {(r["department"], r["weekday"], r["hour"]): r for r in advice["rows"]}
    assert rows["financeiro", 0, 10] == {
        "department": "financeiro",
        "weekday": 0,
        "hour": 10,
        "arrivals_per_hour": 3.0,
        "aht_seconds": 300.0,
        "agents_needed": 2,
        "agents_checked_in": 1.0,
    }


def test_staffing_grid_marks_the_hour_short_of_agents(environment: dict[str, str]) -> None:
    code, output = run(environment, *MONDAY, "--days", "7", "--staffing", "80/20")

    assert code == 0, output
    assert "Staffing for 80 % answered within 20 s · measured Mon 2026-03-02" in output
    assert "Financeiro" in output and "Mon" in output
    ten = next(line for line in output.splitlines() if line.strip().startswith("10h"))
    assert ten.split()[:2] == ["10h", "2/1"]  # Financeiro: 2 needed, 1 (Ana) checked in


@pytest.mark.parametrize(
    ("args", "code", "words"),
    [
        (("--department", "rh"), 1, "Unknown department 'rh'"),
        (("--staffing", "80"), 2, "80/20"),
        (("--until", "ontem"), 2, "2026-03-02"),
        (("--days", "0"), 2, "--days"),
    ],
)
def test_stats_refuses_what_it_cannot_do(
    environment: dict[str, str], args: tuple[str, ...], code: int, words: str
) -> None:
    result = CliRunner().invoke(app, ["stats", *args], env=environment)
    assert result.exit_code == code, result.output
    assert words in " ".join(result.output.split())
    assert "Traceback" not in result.output


def test_the_figures_of_a_finished_scenario_run(bare_database_url: str) -> None:
    """A supervisor's day played headless and kept (--keep), then `atende stats` on what it stored."""
    root = Path(__file__).resolve().parents[2]
    url = bare_database_url  # --keep migrates it
    runner = CliRunner()
    played = runner.invoke(
        app,
        ["simulate", "--script", str(root / "examples/scenarios/supervisor_day.toml"), "--headless", "--keep", url],
    )
    assert played.exit_code == 0, played.output
    environment = {"ATENDE_DATABASE_URL": url, "ATENDE_CONFIG": str(root / "examples/atende.toml")}

    code, output = run(environment, *MONDAY, "--json")
    assert code == 0, output
    figures = {row["department"]: row for row in json.loads(output)["departments"]}
    assert (figures["financeiro"]["offered"], figures["financeiro"]["answered"]) == (3, 2)
    assert (figures["vendas"]["offered"], figures["vendas"]["answered"]) == (1, 1)
    assert figures["financeiro"]["rating_average"] == 2.5

    code, output = run(environment, *MONDAY, "--staffing", "80/20", "--json")
    assert code == 0, output
    rows = {(r["department"], r["weekday"], r["hour"]) for r in json.loads(output)["rows"]}
    assert {("financeiro", 0, 10), ("vendas", 0, 10)} <= rows
