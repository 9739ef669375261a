"""The headless scenario player: example scenarios pass, failures and bad files are reported.

Scenarios run through `run_script` exactly as `atende simulate --script FILE --headless` runs
them: on a throwaway SQLite database with the config loader (`sqlite`), and on the in-memory
fakes (`memory`) so the player's own behaviour is pinned down independently of storage. The
default path is the webhook's (test_scenarios_webhook.py looks at it closely); `direct` is
used where a test is about what only the in-process path shows.
"""

from __future__ import annotations

import io
from datetime import UTC, datetime
from pathlib import Path

import pytest
import typer
from rich.console import Console
from typer.testing import CliRunner

from atende.adapters.clock import ManualClock
from atende.application.outbound import Audience, MenuBody, Option, Outgoing, ReadReceipt, TextBody
from atende.cli.simulate import simulate
from atende.simulator.boot import Boot
from atende.simulator.capturing_gateway import CapturingGateway
from atende.simulator.chat import Chats, Kind
from atende.simulator.headless import run_script
from atende.simulator.scenario import Expectation, Role, Say, ScenarioError, Wait, Write
from atende.simulator.scenario_file import parse_scenario

from ..databases import ENGINE, throwaway
from ..fakes import Store
from .boots import in_memory

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted((ROOT / "examples" / "scenarios").glob("*.toml"))
CONFIG = ROOT / "examples" / "atende.toml"


BOOTS: dict[str, Boot] = {ENGINE.lower(): throwaway, "memory": in_memory()}


def play(path: Path, boot: Boot = throwaway, *, direct: bool = False) -> tuple[int, str]:
    console = Console(record=True, width=120, file=io.StringIO())
    code = run_script(path, console, boot=boot, direct=direct)
    return code, console.export_text()


def scenario_file(tmp_path: Path, body: str, *, config: str | None = None) -> Path:
    """A scenario in tmp_path using the example config, unless `config` says otherwise."""
    path = tmp_path / "scenario.toml"
    header = f'config = "{CONFIG.as_posix()}"\n' if config is None else config
    path.write_text(header + body, encoding="utf-8")
    return path


# The shipped examples


def test_the_three_documented_examples_are_shipped() -> None:
    names = {p.stem for p in EXAMPLES}
    assert {"basic", "queue_and_reminders", "capacity_swipe_reply"} <= names
    assert {"weekend_customer_monday_template", "reopen_no_cross_talk", "username_customer"} <= names
    assert {
        "stale_menu_greeted_afresh",
        "silent_conversation_closed",
        "closed_until_after_carnival",
        "template_unanswered_closed",
    } <= names


def test_the_scenarios_readme_lists_every_example() -> None:
    table = (ROOT / "examples" / "scenarios" / "README.md").read_text(encoding="utf-8")
    assert [p.name for p in EXAMPLES if f"| `{p.name}` |" not in table] == []


@pytest.mark.parametrize("backend", BOOTS)
@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.stem)
def test_example_scenarios_pass(example: Path, backend: str) -> None:
    code, output = play(example, BOOTS[backend])

    assert code == 0, output
    assert "✓ all" in output
    assert "✗" not in output
    assert "🔔" in output
    assert "💬" in output


@pytest.mark.parametrize("direct", [False, True], ids=["webhook", "direct"])
def test_basic_transcript_shows_every_window_with_menus_media_and_reactions(direct: bool) -> None:
    code, output = play(ROOT / "examples" / "scenarios" / "basic.toml", direct=direct)

    assert code == 0, output
    assert "👤 Maria (Maria Silva) · customer" in output
    assert "🎧 Ana · agent" in output
    assert "🎧 Bruno · agent · +55 11 99999-0002 · no messages" in output
    if direct:  # the menu as atende wrote it, numbered
        assert "1. Financeiro — Boletos, pagamentos e notas fiscais" in output
    else:  # three departments: reply buttons, which WhatsApp shows without descriptions
        assert "1. Financeiro" in output
        assert "Boletos, pagamentos" not in output
    assert "☑ Financeiro (menu choice)" in output
    assert "📎 document boleto-marco.pdf" in output
    assert "reacted ❤️ to" in output


def test_queue_scenario_shows_reminders_and_the_queue_listing() -> None:
    code, output = play(ROOT / "examples" / "scenarios" / "queue_and_reminders.toml")

    assert code == 0, output
    assert "⏳ 2 aguardando em Financeiro" in output
    assert "📋 Fila · Financeiro" in output
    assert "› Fui cobrado duas vezes na fatura de fevereiro" in output


def test_swipe_replies_are_shown_as_quotes() -> None:
    code, output = play(ROOT / "examples" / "scenarios" / "capacity_swipe_reply.toml")

    assert code == 0, output
    assert "↩ Pedro: A tela do notebook fica piscando" in output  # in Pedro's window, above Carla's answer


# Expectations that do not hold


def test_a_failing_expectation_exits_1_and_names_its_step(tmp_path: Path) -> None:
    path = scenario_file(
        tmp_path,
        """
[[step]]
customer = "Maria"
says = "Oi"

[[step]]
customer = "Maria"
chooses = "vendas"
expect = [{ window = "Ana", contains = "🔔" }]
""",
    )

    code, output = play(path)

    assert code == 1
    assert "✗ 1 of 1 expectations failed" in output
    failing = next(line for line in output.splitlines() if line.startswith("│ ✗"))
    assert "step 2 (line 7)" in failing
    assert "Ana" in failing
    assert "“🔔”" in failing


def test_expect_not_and_final_expectations_fail_too(tmp_path: Path) -> None:
    path = scenario_file(
        tmp_path,
        """
[[step]]
customer = "Maria"
says = "Oi"
expect_not = [{ window = "Maria" }]

[[expect]]
window = "Maria"
contains = "nunca enviado"

[[expect]]
window = "Maria"
contains = "Com qual setor"
count = 2
""",
    )

    code, output = play(path)

    assert code == 1
    assert "✗ 3 of 3 expectations failed" in output
    assert "nothing at all" in output
    assert "end (line 8)" in output
    assert "exactly 2 × “Com qual setor”" in output


def test_a_step_that_cannot_be_played_stops_the_run(tmp_path: Path) -> None:
    path = scenario_file(
        tmp_path,
        """
[[step]]
customer = "Maria"
says = "Oi"

[[step]]
customer = "Maria"
reply_to = "algo que ninguém mandou"
says = "?"

[[step]]
customer = "Maria"
says = "never played"
""",
    )

    code, output = play(path)

    assert code == 1
    assert "stopped at step 2 (line 7)" in output
    assert "Maria has received no message containing 'algo que ninguém mandou'" in output
    assert "never played" not in output


def test_a_menu_option_that_was_never_offered_stops_the_run(tmp_path: Path) -> None:
    path = scenario_file(
        tmp_path,
        """
[[step]]
customer = "Maria"
says = "Oi"

[[step]]
customer = "Maria"
chooses = "RH"
""",
    )

    code, output = play(path)

    assert code == 1
    assert "latest menu has no option 'RH'" in output
    assert "options: Financeiro, Suporte, Vendas" in output


# Scenario files that are wrong: exit 2, a clear message, never a traceback

MALFORMED = {
    "toml-syntax": ('config = "x.toml"\n[[step]\ncustomer = "Maria"\n', ["not valid TOML", "line 2"]),
    "unknown-key": (
        f'config = "{CONFIG.as_posix()}"\n\n[[step]]\ncustomer = "Maria"\nsayz = "Oi"\n',
        ["step 1 (line 3): unknown key 'sayz' (did you mean 'says'?)"],
    ),
    "no-kind": (
        f'config = "{CONFIG.as_posix()}"\n[[step]]\nsays = "Oi"\n',
        ["step 1 (line 2): a step has exactly one of customer = …, agent = … or wait = …"],
    ),
    "two-actions": (
        f'config = "{CONFIG.as_posix()}"\n[[step]]\ncustomer = "Maria"\nsays = "Oi"\nchooses = "1"\n',
        ["exactly one of says, chooses, sends, location, contact, reacts"],
    ),
    "no-config": ('[[step]]\ncustomer = "Maria"\nsays = "Oi"\n', ["config is missing"]),
    "no-steps": (f'config = "{CONFIG.as_posix()}"\n', ["no steps"]),
    "bad-wait": (f'config = "{CONFIG.as_posix()}"\n[[step]]\nwait = -5\n', ["wait must be a number of seconds"]),
    "bad-media": (
        f'config = "{CONFIG.as_posix()}"\n[[step]]\ncustomer = "Maria"\nsends = "gif"\n',
        ["sends must be one of image, audio, voice, video, document, sticker"],
    ),
    "expect-without-text": (
        f'config = "{CONFIG.as_posix()}"\n[[step]]\ncustomer = "Maria"\nsays = "Oi"\nexpect = [{{ window = "Ana" }}]\n',
        ['expect needs contains = "…"'],
    ),
    "unknown-agent": (
        f'config = "{CONFIG.as_posix()}"\n[[step]]\nagent = "Anna"\nsays = "/entrar"\n',
        ["step 1 (line 2): no agent named 'Anna' in the config (did you mean 'Ana'?)"],
    ),
    "unknown-window": (
        f'config = "{CONFIG.as_posix()}"\n[[step]]\ncustomer = "Maria"\nsays = "Oi"\n'
        'expect = [{ window = "Mария", contains = "x" }]\n',
        ["expectation about window 'Mария', but nobody has that name"],
    ),
    "customer-named-like-agent": (
        f'config = "{CONFIG.as_posix()}"\n[[step]]\ncustomer = "Ana"\nsays = "Oi"\n',
        ["'Ana' is an agent in the config"],
    ),
    "missing-config-file": (
        'config = "nowhere.toml"\n[[step]]\ncustomer = "Maria"\nsays = "Oi"\n',
        ["no config file at"],
    ),
    "bad-inline-config": (
        '[config]\nbusiness = { name = "X" }\ndepartments = [{ key = "a", name = "A" }]\n'
        'agents = [{ name = "Ana", phone = "abc", departments = ["a"] }]\n'
        '[[step]]\ncustomer = "Maria"\nsays = "Oi"\n',
        ["config.agents[0].phone"],
    ),
}


@pytest.mark.parametrize("case", MALFORMED)
def test_a_malformed_scenario_exits_2_with_a_clear_message(tmp_path: Path, case: str) -> None:
    body, fragments = MALFORMED[case]
    path = tmp_path / "bad.toml"
    path.write_text(body, encoding="utf-8")

    code, output = play(path)

    assert code == 2, output
    assert output.startswith(f"✗ scenario {path}")
    for fragment in fragments:
        assert fragment in output
    assert "Traceback" not in output


def test_a_missing_scenario_file_exits_2(tmp_path: Path) -> None:
    code, output = play(tmp_path / "nope.toml")

    assert code == 2
    assert "cannot read the file" in output
    assert "Traceback" not in output


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    body = f'config = "{CONFIG.as_posix()}"\n[[step]]\ncustomer = "Maria"\nsayz = "Oi"\n[[step]]\nwait = 0\n'
    with pytest.raises(ScenarioError) as raised:
        parse_scenario(body, tmp_path / "s.toml")

    assert len(raised.value.problems) == 3  # unknown key, no action, bad wait


# The format and the pieces


def test_scenario_format_reference() -> None:
    scenario = parse_scenario(
        """
title = "T"
config = "../atende.toml"
start = 2026-03-03T12:00:00Z
seed = 3

[[step]]
customer = "Maria"
name = "Maria Silva"
phone = "5511987654321"
says = "Oi"
expect = [{ window = "Maria", contains = "setor" }]

[[step]]
wait = 90
expect_not = [{ window = "Ana" }]

[[expect]]
window = "Maria"
contains = "fila"
""",
        Path("/scenarios/s.toml"),
    )

    assert scenario.title == "T"
    assert scenario.config == Path("/atende.toml")
    assert scenario.start == datetime(2026, 3, 3, 12, tzinfo=UTC)
    assert scenario.seed == 3
    first, second = scenario.steps
    assert first.event == Write(Role.CUSTOMER, "Maria", Say("Oi"), None, "5511987654321", "Maria Silva")
    assert first.expect == (Expectation("Maria", "setor", line=7),)
    assert first.line == 7
    assert second.event == Wait(90.0)
    assert second.expect == (Expectation("Ana", None, negated=True, line=14),)
    assert scenario.final == (Expectation("Maria", "fila", line=18),)


def test_a_customer_may_be_known_only_by_a_bsuid() -> None:
    source = Path("/scenarios/s.toml")
    head = 'config = "../atende.toml"\n[[step]]\ncustomer = "Rita"\n'

    good = parse_scenario(head + 'user_id = "BR.4f1c"\nsays = "Oi"\n', source)
    with pytest.raises(ScenarioError) as caught:
        parse_scenario(head + 'user_id = "@rita"\nsays = "Oi"\n', source)

    assert good.steps[0].event == Write(Role.CUSTOMER, "Rita", Say("Oi"), user_id="BR.4f1c")
    assert "user_id is a business-scoped user id" in caught.value.problems[0]


def test_an_inline_config_is_validated_like_a_file(tmp_path: Path) -> None:
    path = scenario_file(
        tmp_path,
        """
[[step]]
customer = "Maria"
says = "Oi"
expect = [{ window = "Maria", contains = "Olá, Maria! Você está falando com *Padaria*" }]

[[step]]
customer = "Maria"
chooses = "Pães"
expect = [{ window = "Zé", contains = "🔔" }]
""",
        config='[config]\nbusiness = { name = "Padaria" }\n'
        'departments = [{ key = "paes", name = "Pães" }, { key = "bolos", name = "Bolos" }]\n'
        'agents = [{ name = "Zé", phone = "5511912345678", departments = ["paes", "bolos"] }]\n',
    )

    code, output = play(path)

    assert code == 1, output  # Zé never checked in: the 🔔 cannot arrive
    assert "✓ │ step 1" in output
    assert "✗ │ step 2" in output


def test_the_channel_answers_with_fresh_ids_and_shows_each_message_to_its_recipient() -> None:
    chats = Chats()
    channel = CapturingGateway(chats, ManualClock(datetime(2026, 3, 2, 13, tzinfo=UTC)))
    at = datetime(2026, 3, 2, 13, tzinfo=UTC)
    menu = MenuBody("Com qual setor?", "Ver setores", (Option("dept:a", "A", "aa"), Option("dept:b", "B")))

    first = channel.send(Outgoing("1", "551100000001", Audience.CUSTOMER, menu, at))
    second = channel.send(Outgoing("2", "551100000002", Audience.AGENT, TextBody("🔔 oi"), at))
    channel.send(Outgoing("3", "551100000001", Audience.CUSTOMER, ReadReceipt("wamid.IN1"), at))

    assert first != second
    assert first.startswith("wamid.")
    [shown] = chats.received("551100000001")
    assert shown.id == first
    assert shown.kind is Kind.MENU
    assert shown.plain() == "Com qual setor?\n1. A — aa\n2. B"
    assert [b.text for b in chats.received("551100000002")] == ["🔔 oi"]
    assert chats.is_read("wamid.IN1")


# The command


def test_the_simulate_command_plays_a_scenario_and_returns_its_exit_code(tmp_path: Path) -> None:
    app = typer.Typer()
    app.command()(simulate)
    runner = CliRunner()

    passed = runner.invoke(app, ["--script", str(ROOT / "examples" / "scenarios" / "basic.toml"), "--headless"])
    malformed = runner.invoke(app, ["--script", str(tmp_path / "missing.toml"), "--headless"])
    no_script = runner.invoke(app, ["--headless"])
    malformed_in_windows = runner.invoke(app, ["--script", str(tmp_path / "missing.toml")])  # refused before opening

    assert passed.exit_code == 0, passed.output
    assert "✓ all" in passed.output
    assert malformed.exit_code == 2
    assert no_script.exit_code == 2 and "--script FILE" in no_script.output
    assert malformed_in_windows.exit_code == 2


def test_media_and_locations_are_labelled_and_brackets_are_shown_as_typed(tmp_path: Path) -> None:
    path = scenario_file(
        tmp_path,
        """
[[step]]
customer = "Rita"
says = "oi"

[[step]]
customer = "Rita"
chooses = "3"

[[step]]
customer = "Rita"
sends = "image"
caption = "foto do produto [quebrado]"

[[step]]
agent = "Carla"
says = "/entrar"
expect = [{ window = "Carla", contains = "[image] 💬 *Rita*" }]

[[step]]
agent = "Carla"
location = { latitude = -23.56, longitude = -46.65, name = "Loja", address = "Av. Paulista, 1000" }
expect = [{ window = "Rita", contains = "Paulista" }]
""",
    )

    code, output = play(path)

    assert code == 0, output
    assert "📎 image  foto do produto [quebrado]" in output
    assert "“[image] 💬 *Rita*”" in output
    assert "📍 Loja · Av. Paulista, 1000  (location -23.56, -46.65)" in output


def test_a_crash_inside_atende_stops_the_run_with_its_traceback(tmp_path: Path) -> None:
    """Handling a message fails (its storage does): the player reports it at the step, with its traceback."""
    path = scenario_file(tmp_path, '\n[[step]]\ncustomer = "Maria"\nsays = "Oi"\n')
    store = Store()
    store.broken["inbox.first_time"] = RuntimeError("boom")

    code, output = play(path, in_memory(store), direct=True)

    assert code == 1
    assert "stopped at step 1 (line 3)" in output
    assert "atende raised RuntimeError: boom" in output
    assert "Traceback" in output
