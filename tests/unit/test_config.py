"""atende.toml and the environment: every mistake names its key path and its line; the example is valid."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from pydantic import ValidationError

from atende.application.failures import Failure
from atende.application.settings import AgentProfile
from atende.application.texts import texts_for
from atende.application.texts.en import EN
from atende.application.texts.pt_br import PT_BR
from atende.config import (
    DEFAULT_GRAPH_URL,
    SERVE_VARIABLES,
    ConfigError,
    Environment,
    TomlLocator,
    describe_holidays,
    describe_hours,
    load_config,
    load_environment,
    parse_hours,
)

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "atende.toml"
ENVIRONMENT_VARIABLES = ("ATENDE_CONFIG", "ATENDE_DATABASE_URL", "WHATSAPP_GRAPH_URL", *SERVE_VARIABLES)
SAO_PAULO = ZoneInfo("America/Sao_Paulo")

BASE = """\
[business]
name = "Loja Teste"

[[departments]]
key = "financeiro"
name = "Financeiro"

[[departments]]
key = "suporte"
name = "Suporte"

[[agents]]
name = "Ana"
phone = "5511999990001"
departments = ["financeiro"]

[[agents]]
name = "Bruno"
phone = "5511999990002"
departments = ["financeiro", "suporte"]
"""

# (id, text to replace in BASE, replacement, expected path, words the message must contain).
# The mistaken line carries the comment "# here": that is the line the problem must point to.
MISTAKES = [
    (
        "unknown department",
        'departments = ["financeiro", "suporte"]',
        'departments = ["financeiro", "suport"]  # here',
        "agents[1].departments[1]",
        ['unknown department "suport"', 'did you mean "suporte"'],
    ),
    (
        "duplicate phone",
        'phone = "5511999990002"',
        'phone = "5511999990001"  # here',
        "agents[1].phone",
        ['"5511999990001" is already Ana\'s phone', "line 14"],
    ),
    (
        "phone with symbols",
        'phone = "5511999990001"',
        'phone = "+55 11 99999-0001"  # here',
        "agents[0].phone",
        ['"+"', "spaces", "dashes", 'write "5511999990001"'],
    ),
    (
        "phone too short",
        'phone = "5511999990001"',
        'phone = "99990001"  # here',
        "agents[0].phone",
        ["has 8 digits", "10 to 15"],
    ),
    (
        "phone with letters",
        'phone = "5511999990001"',
        'phone = "55119999ANA01"  # here',
        "agents[0].phone",
        ["digits only"],
    ),
    (
        "phone as a number",
        'phone = "5511999990001"',
        "phone = 5511999990001  # here",
        "agents[0].phone",
        ["must be text in quotes", 'phone = "5511999990001"'],
    ),
    (
        "negative timer",
        'departments = ["financeiro", "suporte"]',
        'departments = ["financeiro", "suporte"]\n\n[timers]\noffer_timeout_seconds = -30  # here',
        "timers.offer_timeout_seconds",
        ["must be 0 or more", "-30", "0 turns it off"],
    ),
    (
        "timer in quotes",
        'departments = ["financeiro", "suporte"]',
        'departments = ["financeiro", "suporte"]\n\n[timers]\nqueue_reminder_seconds = "300"  # here',
        "timers.queue_reminder_seconds",
        ["whole number", "remove the quotes"],
    ),
    (
        "unknown key",
        'departments = ["financeiro"]',
        'departments = ["financeiro"]\ncapacidade = 2  # here',
        "agents[0].capacidade",
        ['unknown key "capacidade"', "capacity"],
    ),
    (
        "unknown table",
        'name = "Loja Teste"',
        'name = "Loja Teste"\n\n[timer]  # here\nqueue_reminder_seconds = 60',
        "timer",
        ["unknown table [timer]", 'did you mean "timers"'],
    ),
    (
        "key in the wrong table",
        'name = "Loja Teste"',
        'name = "Loja Teste"\noffer_timeout_seconds = 60  # here',
        "business.offer_timeout_seconds",
        ["unknown key", "belongs under [timers]"],
    ),
    (
        "bad locale",
        'name = "Loja Teste"',
        'name = "Loja Teste"\nlocale = "pt-PT"  # here',
        "business.locale",
        ['unknown locale "pt-PT"', '"pt-BR", "en"'],
    ),
    (
        "bad timezone",
        'name = "Loja Teste"',
        'name = "Loja Teste"\ntimezone = "America/Sao_Paolo"  # here',
        "business.timezone",
        ['unknown time zone "America/Sao_Paolo"', 'did you mean "America/Sao_Paulo"'],
    ),
    (
        "bad hours time",
        'name = "Financeiro"',
        'name = "Financeiro"\nhours = { mon-fri = "08:00-25:00" }  # here',
        "departments[0].hours.mon-fri",
        ['"25:00" is not a time of day', "HH:MM"],
    ),
    (
        "bad hours day",
        'name = "Suporte"',
        'name = "Suporte"\n\n[departments.hours]\nmon-fri = "08:00-18:00"\nsunday = "10:00-12:00"  # here',
        "departments[1].hours.sunday",
        ['"sunday" is not a day', "mon tue wed"],
    ),
    (
        "overlapping hours",
        'name = "Financeiro"',
        'name = "Financeiro"\nhours = { mon = ["08:00-12:00", "11:00-14:00"] }  # here',
        "departments[0].hours.mon",
        ["overlaps"],
    ),
    (
        "day given twice",
        'name = "Financeiro"',
        'name = "Financeiro"\nhours = { seg-sex = "08:00-18:00", qua = "09:00-10:00" }  # here',
        "departments[0].hours.qua",
        ['wed is already given by "seg-sex"'],
    ),
    (
        "hours not a table",
        'name = "Financeiro"',
        'name = "Financeiro"\nhours = "08:00-18:00"  # here',
        "departments[0].hours",
        ["must be a table of days"],
    ),
    (
        "duplicate department key",
        'key = "suporte"',
        'key = "financeiro"  # here',
        "departments[1].key",
        ['"financeiro" is already the key of departments[0].key, line 5'],
    ),
    (
        "key that is not a slug",
        'key = "suporte"',
        'key = "Suporte Técnico"  # here',
        "departments[1].key",
        ["lowercase letters", '"suporte-tecnico"'],
    ),
    (
        "capacity zero",
        'departments = ["financeiro"]',
        'departments = ["financeiro"]\ncapacity = 0  # here',
        "agents[0].capacity",
        ["must be 1 or more"],
    ),
    (
        "agent without departments",
        'departments = ["financeiro"]',
        "departments = []  # here",
        "agents[0].departments",
        ["must not be empty"],
    ),
    (
        "missing required key",
        '[[agents]]\nname = "Ana"\n',
        "[[agents]]  # here\n",
        "agents[0].name",
        ["is required"],
    ),
    (
        "rating in quotes",
        'departments = ["financeiro", "suporte"]',
        'departments = ["financeiro", "suporte"]\n\n[service]\nrating = "sim"  # here',
        "service.rating",
        ["true or false"],
    ),
    (
        "bad template name",
        'departments = ["financeiro", "suporte"]',
        'departments = ["financeiro", "suporte"]\n\n[whatsapp]\nagent_reopen_template = "Atende Agente"  # here',
        "whatsapp.agent_reopen_template",
        ["lowercase letters"],
    ),
    (
        "agent with neither phone nor user id",
        '[[agents]]\nname = "Bruno"\nphone = "5511999990002"',
        '[[agents]]  # here\nname = "Bruno"',
        "agents[1]",
        ['an agent needs phone = "…"', 'user_id = "…"'],
    ),
    (
        "username instead of a user id",
        'name = "Bruno"\nphone = "5511999990002"',
        'name = "Bruno"\nuser_id = "@bruno.loja"  # here',
        "agents[1].user_id",
        ["is a username", "from_user_id", "usernames change"],
    ),
    (
        "phone written as a user id",
        'name = "Bruno"\nphone = "5511999990002"',
        'name = "Bruno"\nuser_id = "5511999990002"  # here',
        "agents[1].user_id",
        ['write it as phone = "5511999990002"'],
    ),
    (
        "two agents with one user id",
        'name = "Bruno"\nphone = "5511999990002"',
        'name = "Bruno"\nuser_id = "BR.1349120865530274"\ndepartments = ["suporte"]\n\n'
        '[[agents]]\nname = "Carla"\nuser_id = "BR.1349120865530274"  # here',
        "agents[2].user_id",
        ["already Bruno's user id"],
    ),
    (
        "bad customer template name",
        'departments = ["financeiro", "suporte"]',
        'departments = ["financeiro", "suporte"]\n\n[whatsapp]\ncustomer_reopen_template = "atende-retorno"  # here',
        "whatsapp.customer_reopen_template",
        ["lowercase letters", "template"],
    ),
    (
        "customer template misspelt",
        'departments = ["financeiro", "suporte"]',
        'departments = ["financeiro", "suporte"]\n\n[whatsapp]\ncustomer_reopen_templat = "atende_retorno"  # here',
        "whatsapp.customer_reopen_templat",
        ['did you mean "customer_reopen_template"?'],
    ),
    (
        "negative idle hours",
        'departments = ["financeiro", "suporte"]',
        'departments = ["financeiro", "suporte"]\n\n[idle]\nassigned_hours = -1  # here',
        "idle.assigned_hours",
        ["must be 0 or more", "0 turns it off"],
    ),
    (
        "idle hours with a fraction",
        'departments = ["financeiro", "suporte"]',
        'departments = ["financeiro", "suporte"]\n\n[idle]\nmenu_hours = 1.5  # here',
        "idle.menu_hours",
        ["whole number"],
    ),
    (
        "idle key under timers",
        'departments = ["financeiro", "suporte"]',
        'departments = ["financeiro", "suporte"]\n\n[timers]\nmenu_hours = 4  # here',
        "timers.menu_hours",
        ['unknown key "menu_hours"', "belongs under [idle]"],
    ),
    (
        "holiday that is no date",
        'name = "Loja Teste"',
        'name = "Loja Teste"\nholidays = [2026-04-03, "2026-02-30"]  # here',
        "business.holidays[1]",
        ['"2026-02-30" is not a date', "2026-04-03", '"12-25"'],
    ),
    (
        "holiday with a time of day",
        'name = "Financeiro"',
        'name = "Financeiro"\nhours = { seg-sex = "08:00-18:00" }\nholidays = [2026-04-03T08:00:00]  # here',
        "departments[0].holidays[0]",
        ["has a time of day"],
    ),
    (
        "yearly holiday that is no day",
        'name = "Loja Teste"',
        'name = "Loja Teste"\nholidays = ["02-30"]  # here',
        "business.holidays[0]",
        ['"02-30" is not a date'],
    ),
    (
        "unknown text",
        'departments = ["financeiro", "suporte"]',
        'departments = ["financeiro", "suporte"]\n\n[texts]\ngreting = "Oi! Aqui é a {business}"  # here',
        "texts.greting",
        ['unknown text "greting"', 'did you mean "greeting"', "`atende config texts` lists every key"],
    ),
    (
        "unknown placeholder",
        'departments = ["financeiro", "suporte"]',
        'departments = ["financeiro", "suporte"]\n\n[texts]\ngreeting_named = "Oi, {nome}! Aqui é {business}"  # here',
        "texts.greeting_named",
        ["unknown placeholder {nome}", "{business}, {name}", 'did you mean "name"'],
    ),
    (
        "placeholder in a text that takes none",
        'departments = ["financeiro", "suporte"]',
        'departments = ["financeiro", "suporte"]\n\n[texts]\nmenu_left = "Até logo, {name}!"  # here',
        "texts.menu_left",
        ["unknown placeholder {name}", "takes no placeholders"],
    ),
    (
        "agent text without its customer",
        'departments = ["financeiro", "suporte"]',
        'departments = ["financeiro", "suporte"]\n\n[texts]\nended_done = "✅ Encerrado."  # here',
        "texts.ended_done",
        ["names the customer", "keep {code} and {name}"],
    ),
    (
        "agent text without its customer's code",
        'departments = ["financeiro", "suporte"]',
        'departments = ["financeiro", "suporte"]\n\n[texts]\nrelay_header = "💬 *{first}*"  # here',
        "texts.relay_header",
        ["keep {code} (docs/design.md §5)"],
    ),
    (
        "agent text without its marker",
        'departments = ["financeiro", "suporte"]',
        'departments = ["financeiro", "suporte"]\n\n[texts]\nended_done = "#{code} · {name} encerrado"  # here',
        "texts.ended_done",
        ["start it with ✅", "§5"],
    ),
    (
        "lone brace in a text",
        'departments = ["financeiro", "suporte"]',
        'departments = ["financeiro", "suporte"]\n\n[texts]\nmenu_reprompt = "Escolha: {options"  # here',
        "texts.menu_reprompt",
        ["write {{ or }}"],
    ),
    (
        "positional placeholder",
        'departments = ["financeiro", "suporte"]',
        'departments = ["financeiro", "suporte"]\n\n[texts]\nmenu_reprompt = "Escolha: {}"  # here',
        "texts.menu_reprompt",
        ["placeholders are named"],
    ),
    (
        "text that is not text",
        'departments = ["financeiro", "suporte"]',
        'departments = ["financeiro", "suporte"]\n\n[texts]\nmenu_left = 3  # here',
        "texts.menu_left",
        ["must be text in quotes"],
    ),
    (
        "unknown label of a text table",
        'departments = ["financeiro", "suporte"]',
        'departments = ["financeiro", "suporte"]\n\n[texts.usage]\npull = "⚠️ Use /puxar N"  # here',
        "texts.usage.pull",
        ['unknown label "pull"', "take, remove, transfer, switch, end"],
    ),
    (
        "weekdays that are not seven",
        'departments = ["financeiro", "suporte"]',
        'departments = ["financeiro", "suporte"]\n\n[texts]\nweekdays = ["seg", "ter"]  # here',
        "texts.weekdays",
        ["exactly 7 entries", "got 2"],
    ),
    (
        "unquoted text (syntax)",
        'name = "Loja Teste"',
        "name = Loja Teste  # here",
        "",
        ["TOML syntax", "quotes"],
    ),
    (
        "key set twice (syntax)",
        'key = "suporte"',
        'key = "suporte"\nkey = "vendas"  # here',
        "",
        ["TOML syntax", "already set"],
    ),
    (
        "unclosed table header (syntax)",
        '[[agents]]\nname = "Bruno"',
        '[[agents]  # here\nname = "Bruno"',
        "",
        ["TOML syntax"],
    ),
]


def mistaken(old: str, new: str) -> str:
    assert old in BASE, old
    return BASE.replace(old, new, 1)


def line_of(text: str, marker: str) -> int:
    """The 1-based line that holds `marker`."""
    return next(number for number, line in enumerate(text.split("\n"), start=1) if marker in line)


def write(folder: Path, text: str, name: str = "atende.toml") -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def clean_environment(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """No atende variable from the developer's shell leaks into a test."""
    for name in ENVIRONMENT_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


# --- the example ------------------------------------------------------------------------------


def test_the_example_is_valid_and_becomes_the_expected_settings() -> None:
    config = load_config(EXAMPLE)
    settings = config.to_settings()

    assert config.warnings == ()
    assert settings.business_name == "Loja Exemplo"
    assert settings.locale == "pt-BR"
    assert [(d.key, d.name) for d in settings.departments] == [
        ("financeiro", "Financeiro"),
        ("suporte", "Suporte"),
        ("vendas", "Vendas"),
    ]
    assert settings.agents == (
        AgentProfile("5511999990001", "Ana", ("financeiro",), 1),
        AgentProfile("5511999990002", "Bruno", ("financeiro", "suporte"), 1),
        AgentProfile("5511999990003", "Carla", ("suporte", "vendas"), 3),
    )
    assert (settings.queue_reminder_seconds, settings.offer_timeout_seconds) == (300, 180)
    assert settings.position_update_seconds == 120
    assert settings.rating is True
    assert settings.history_lines == 10
    assert config.whatsapp.agent_reopen_template == "atende_agente"
    assert config.whatsapp.template_language == "pt_BR"
    assert settings.customer_reopen_template == "atende_retorno"


def test_the_example_hours_are_read_in_the_business_time_zone() -> None:
    departments = {d.key: d for d in load_config(EXAMPLE).to_settings().departments}
    financeiro, suporte, vendas = departments["financeiro"], departments["suporte"], departments["vendas"]

    assert financeiro.hours is not None
    assert financeiro.hours.timezone == "America/Sao_Paulo"
    lunch_break = ((time(8), time(12)), (time(13), time(17)))
    assert financeiro.hours.week == dict.fromkeys(range(5), lunch_break)
    assert suporte.hours is not None
    assert suporte.hours.week == {**dict.fromkeys(range(5), ((time(8), time(18)),)), 5: ((time(8), time(12)),)}
    assert vendas.hours is None

    monday_morning = datetime(2026, 3, 2, 10, 0, tzinfo=SAO_PAULO)
    assert financeiro.is_open(monday_morning)
    assert financeiro.is_open(monday_morning.astimezone(UTC))  # 13:00 UTC is 10:00 in São Paulo
    assert not financeiro.is_open(datetime(2026, 3, 2, 12, 30, tzinfo=SAO_PAULO))
    assert suporte.is_open(datetime(2026, 3, 7, 11, 0, tzinfo=SAO_PAULO))  # Saturday morning
    assert not suporte.is_open(datetime(2026, 3, 8, 11, 0, tzinfo=SAO_PAULO))  # Sunday
    assert vendas.is_open(datetime(2026, 3, 8, 3, 0, tzinfo=SAO_PAULO))


def test_an_agent_may_be_named_by_phone_by_user_id_or_both(tmp_path: Path) -> None:
    text = BASE.replace(
        'name = "Bruno"\nphone = "5511999990002"', 'name = "Bruno"\nuser_id = "BR.13491208655302741918"'
    ) + ('\n[[agents]]\nname = "Carla"\nphone = "5511999990003"\nuser_id = "BR.99"\ndepartments = ["suporte"]\n')
    settings = load_config(write(tmp_path, text)).to_settings()

    assert settings.agents[1:] == (
        AgentProfile("BR.13491208655302741918", "Bruno", ("financeiro", "suporte"), user_id="BR.13491208655302741918"),
        AgentProfile("5511999990003", "Carla", ("suporte",), user_id="BR.99"),
    )
    assert settings.agent("BR.99") is settings.agent("5511999990003") is settings.agents[2]
    assert settings.agent_name("BR.13491208655302741918") == "Bruno"
    assert settings.agent("") is None


def test_a_supervisor_may_serve_no_department_and_an_agent_may_not(tmp_path: Path) -> None:
    supervisor = '\n[[agents]]\nname = "Sofia"\nphone = "5511999990009"\ndepartments = []\nsupervisor = true\n'
    settings = load_config(write(tmp_path, BASE + supervisor)).to_settings()
    assert settings.agents[2] == AgentProfile("5511999990009", "Sofia", (), supervisor=True)
    assert settings.is_supervisor("5511999990009") and not settings.is_supervisor("5511999990001")

    ordinary = supervisor.replace("supervisor = true", "supervisor = false  # here")
    text = BASE + ordinary
    with pytest.raises(ConfigError) as caught:
        load_config(write(tmp_path, text))
    [problem] = caught.value.problems
    assert problem.path == "agents[2].departments"
    assert problem.line == line_of(text, "departments = []")
    assert "must not be empty" in problem.message and "supervisor = true" in problem.message


def test_a_small_file_gets_safe_defaults(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, BASE))
    settings = config.to_settings()

    assert config.business.timezone == "America/Sao_Paulo"
    assert settings.locale == "pt-BR"
    assert (settings.queue_reminder_seconds, settings.offer_timeout_seconds) == (300, 180)
    assert (settings.rating, settings.history_lines) == (True, 10)
    assert config.whatsapp.agent_reopen_template == "atende_agente"
    assert settings.customer_reopen_template is None, "a template must be approved first: off by default"
    assert all(d.hours is None for d in settings.departments)
    assert [a.capacity for a in settings.agents] == [1, 1]


# --- every mistake: its path, its line, what to do --------------------------------------------


@pytest.mark.parametrize(("old", "new", "path", "words"), [m[1:] for m in MISTAKES], ids=[m[0] for m in MISTAKES])
def test_a_mistake_names_its_path_and_line(tmp_path: Path, old: str, new: str, path: str, words: list[str]) -> None:
    text = mistaken(old, new)
    file = write(tmp_path, text)

    with pytest.raises(ConfigError) as caught:
        load_config(file)

    problems = [p for p in caught.value.problems if p.path == path]
    assert problems, [p.render() for p in caught.value.problems]
    problem = problems[0]
    assert problem.line == line_of(text, "# here")
    for word in words:
        assert word in problem.message
    assert f"{file}:{problem.line}: {path + ': ' if path else ''}" in str(caught.value)


def test_all_mistakes_are_reported_at_once_in_line_order(tmp_path: Path) -> None:
    text = mistaken('phone = "5511999990001"', 'phone = "+5511999990001"').replace(
        '"financeiro", "suporte"]', '"financeiro", "vendas"]'
    )

    with pytest.raises(ConfigError) as caught:
        load_config(write(tmp_path, text))

    assert [(p.path, p.line) for p in caught.value.problems] == [
        ("agents[0].phone", 14),
        ("agents[1].departments[1]", 20),
    ]


def test_an_element_of_a_multiline_list_is_found_on_its_own_line(tmp_path: Path) -> None:
    text = mistaken('departments = ["financeiro", "suporte"]', 'departments = [\n  "financeiro",\n  "suprote",\n]')

    with pytest.raises(ConfigError) as caught:
        load_config(write(tmp_path, text))

    (problem,) = caught.value.problems
    assert (problem.path, problem.line) == ("agents[1].departments[1]", line_of(text, '"suprote"'))


def test_a_missing_file_says_where_it_looked_and_where_to_start(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        load_config(tmp_path / "atende.toml")

    (problem,) = caught.value.problems
    assert problem.line is None
    assert "not found" in problem.message
    assert str(tmp_path / "atende.toml") in problem.message
    assert "ATENDE_CONFIG" in problem.message
    assert "examples/atende.toml" in problem.message


def test_a_file_that_is_not_utf8_is_reported_with_its_line(tmp_path: Path) -> None:
    path = tmp_path / "atende.toml"
    path.write_bytes(b'[business]\nname = "Lo\xe7a"\n')

    with pytest.raises(ConfigError) as caught:
        load_config(path)

    (problem,) = caught.value.problems
    assert (problem.line, "UTF-8" in problem.message) == (2, True)


def test_at_least_one_department_is_needed(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        load_config(write(tmp_path, '[business]\nname = "Loja"\n'))

    (problem,) = caught.value.problems
    assert (problem.path, problem.line) == ("departments", None)
    assert "at least one [[departments]]" in problem.message


def test_a_missing_business_table_is_named(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        load_config(write(tmp_path, BASE.replace('[business]\nname = "Loja Teste"\n', "")))

    assert [(p.path, p.message) for p in caught.value.problems] == [("business", "the [business] table is missing")]


def test_a_single_bracket_array_is_explained(tmp_path: Path) -> None:
    text = '[business]\nname = "Loja"\n\n[departments]  # here\nkey = "financeiro"\nname = "Financeiro"\n'

    with pytest.raises(ConfigError) as caught:
        load_config(write(tmp_path, text))

    (problem,) = caught.value.problems
    assert (problem.path, problem.line) == ("departments", 4)
    assert "[[departments]]" in problem.message


def test_a_department_nobody_serves_is_a_warning_not_an_error(tmp_path: Path) -> None:
    text = mistaken('departments = ["financeiro", "suporte"]', 'departments = ["financeiro"]')

    config = load_config(write(tmp_path, text))

    (warning,) = config.warnings
    assert warning.warning
    assert (warning.path, warning.line) == ("departments[1]", 8)
    assert 'no agent serves "suporte"' in warning.message


# --- idle rules and holidays --------------------------------------------------------------------


def test_idle_rules_have_safe_defaults_and_can_be_changed_or_turned_off(tmp_path: Path) -> None:
    defaults = load_config(write(tmp_path, BASE)).to_settings()
    changed = load_config(
        write(tmp_path, BASE + "\n[idle]\nmenu_hours = 2\nrating_hours = 0\nassigned_hours = 48\n", "changed.toml")
    ).to_settings()

    assert (defaults.menu_idle_hours, defaults.rating_idle_hours, defaults.assigned_idle_hours) == (12, 12, 20)
    assert (changed.menu_idle_hours, changed.rating_idle_hours, changed.assigned_idle_hours) == (2, 0, 48)


def test_intake_attempts_default_to_five_and_must_be_at_least_one(tmp_path: Path) -> None:
    assert load_config(write(tmp_path, BASE)).to_settings().intake_attempts == 5
    two = load_config(write(tmp_path, BASE + "\n[intake]\nattempts = 2\n", "two.toml"))
    assert two.to_settings().intake_attempts == 2
    with pytest.raises(ConfigError) as refused:
        load_config(write(tmp_path, BASE + "\n[intake]\nattempts = 0\n", "zero.toml"))
    assert "intake.attempts" in str(refused.value)


HOLIDAYS = BASE.replace(
    'name = "Loja Teste"', 'name = "Loja Teste"\nholidays = [2026-04-03, "2026-04-21", "12-25"]'
).replace(
    'key = "financeiro"\nname = "Financeiro"',
    'key = "financeiro"\nname = "Financeiro"\nhours = { seg-sex = "08:00-18:00" }\nholidays = ["2026-02-17"]',
)


def test_holidays_close_the_departments_with_hours(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, HOLIDAYS))
    financeiro, suporte = config.to_settings().departments

    assert config.warnings == ()
    assert financeiro.hours is not None
    assert financeiro.hours.holidays.dates == {date(2026, 4, 3), date(2026, 4, 21), date(2026, 2, 17)}
    assert financeiro.hours.holidays.yearly == {(12, 25)}
    assert not financeiro.is_open(datetime(2026, 4, 3, 10, tzinfo=SAO_PAULO))  # Good Friday
    assert not financeiro.is_open(datetime(2027, 12, 25, 10, tzinfo=SAO_PAULO))  # every Christmas
    assert financeiro.is_open(datetime(2026, 4, 2, 10, tzinfo=SAO_PAULO))
    assert suporte.hours is None and suporte.is_open(datetime(2026, 4, 3, 10, tzinfo=SAO_PAULO))


def test_holidays_that_close_nothing_are_a_warning(tmp_path: Path) -> None:
    text = BASE.replace('name = "Loja Teste"', 'name = "Loja Teste"\nholidays = ["12-25"]').replace(
        'key = "suporte"\nname = "Suporte"', 'key = "suporte"\nname = "Suporte"\nholidays = [2026-04-03]'
    )

    config = load_config(write(tmp_path, text))

    assert [(w.path, w.line) for w in config.warnings] == [("business.holidays", 3), ("departments[1].holidays", 12)]
    assert all(w.warning and "always open" in w.message for w in config.warnings)


def test_holidays_are_described_briefly() -> None:
    assert describe_holidays([date(2026, 4, 3), (12, 25)]) == "2026-04-03 · every 12-25"


# --- [texts] ------------------------------------------------------------------------------------

TEXTS = (
    BASE
    + """
[texts]
greeting = "Oi! Aqui é a *{business}*. Escolha um setor:"
leave_words = ["Tchau", "Sair"]
rating_options = ["Ótimo!", "Ok", "Ruim"]
ended_done = \"\"\"✅ #{code} · {name}:
atendimento encerrado.\"\"\"

[texts.usage]
take = "⚠️ Para puxar: /puxar N ou /puxar #CÓD."

[texts.failure_reasons]
window_closed = "a janela de 24 horas está fechada"
"""
)


def test_texts_overrides_replace_the_catalogs_words_key_by_key(tmp_path: Path) -> None:
    config = load_config(write(tmp_path, TEXTS))
    settings = config.to_settings()
    texts = texts_for(settings.locale, settings.text_overrides)

    assert config.warnings == ()
    assert texts.greeting == "Oi! Aqui é a *{business}*. Escolha um setor:"
    assert texts.leave_words == ("tchau", "sair"), "compared with what customers type: folded"
    assert texts.rating_options == ((3, "Ótimo!"), (2, "Ok"), (1, "Ruim"))
    assert texts.ended_done == "✅ #{code} · {name}:\natendimento encerrado."
    assert texts.usage == {**PT_BR.usage, "take": "⚠️ Para puxar: /puxar N ou /puxar #CÓD."}
    assert texts.failure_reasons[Failure.WINDOW_CLOSED] == "a janela de 24 horas está fechada"
    assert texts.greeting_named == PT_BR.greeting_named, "what is not overridden stays"
    assert texts_for("pt-BR") is PT_BR


def test_a_text_that_leaves_out_a_detail_is_a_warning_not_an_error(tmp_path: Path) -> None:
    text = BASE + '\n[texts]\nqueued = "Você está na fila de *{department}*, posição {position}."\n'

    config = load_config(write(tmp_path, text))

    (warning,) = config.warnings
    assert (warning.path, warning.line, warning.warning) == ("texts.queued", line_of(text, "queued ="), True)
    assert "leaves out {estimate}" in warning.message


def test_texts_are_checked_against_the_business_locale(tmp_path: Path) -> None:
    text = BASE.replace('name = "Loja Teste"', 'name = "Loja Teste"\nlocale = "en"') + (
        '\n[texts]\nleave_words = ["bye"]\nended_done = "✅ #{code} · {name} closed."\n'
    )

    settings = load_config(write(tmp_path, text)).to_settings()

    texts = texts_for(settings.locale, settings.text_overrides)
    assert (texts.leave_words, texts.ended_done, texts.greeting) == (
        ("bye",),
        "✅ #{code} · {name} closed.",
        EN.greeting,
    )


# --- opening hours ----------------------------------------------------------------------------


def test_hours_accept_portuguese_and_english_days_lists_and_closed_days() -> None:
    week = parse_hours({"seg-sex": ["08:00-12:00", "13:00-18:00"], "sáb": "8:00 - 12:00", "sun": "closed"})

    assert week[0] == week[4] == ((time(8), time(12)), (time(13), time(18)))
    assert week[5] == ((time(8), time(12)),)
    assert 6 not in week


def test_hours_can_run_to_or_past_midnight_and_ranges_of_days_wrap() -> None:
    week = parse_hours({"fri-sat": "18:00-24:00", "sun": "22:00-02:00"})

    assert week[4] == week[5] == ((time(18), time.max),)
    assert week[6] == ((time(22), time.max),)
    assert week[0] == ((time(0), time(2)),)  # Sunday night goes on into Monday
    assert sorted(parse_hours({"fri-mon": "10:00-11:00"})) == [0, 4, 5, 6]


def test_hours_are_described_briefly() -> None:
    assert describe_hours(parse_hours({"mon-fri": "08:00-18:00", "sat": "08:00-12:00"})) == (
        "mon-fri 08:00-18:00 · sat 08:00-12:00"
    )
    assert describe_hours(None) == "always open"


# --- the locator ------------------------------------------------------------------------------


def test_the_locator_counts_arrays_of_tables_and_follows_sub_tables() -> None:
    text = """\
[[departments]]
key = "a"
notes = '''
[[departments]]
key = "not a key"
'''

[[departments]]
key = "b"
[departments.hours]
mon = "08:00-18:00"

[[agents]]
name = "Ana"
contact.email = "ana@example.com"
"""
    locate = TomlLocator(text).line_of

    assert locate(("departments", 0, "key")) == 2
    assert locate(("departments", 1)) == 8
    assert locate(("departments", 1, "key")) == 9
    assert locate(("departments", 1, "hours", "mon")) == 11
    assert locate(("agents", 0, "contact", "email")) == 15
    assert locate(("agents", 0, "phone")) == 13  # not written: its table's header
    assert locate(("nowhere",)) is None


# --- the environment --------------------------------------------------------------------------


def test_the_environment_has_defaults_and_says_what_serve_misses(clean_environment: pytest.MonkeyPatch) -> None:
    environment = Environment()

    read = (environment.ATENDE_CONFIG, environment.ATENDE_DATABASE_URL, environment.WHATSAPP_GRAPH_URL)
    assert read == (
        Path("atende.toml"),
        "sqlite:///./atende.db",
        DEFAULT_GRAPH_URL,
    )
    assert environment.missing_for_serve() == list(SERVE_VARIABLES)


def test_the_environment_reads_its_variables(clean_environment: pytest.MonkeyPatch, tmp_path: Path) -> None:
    clean_environment.setenv("ATENDE_CONFIG", str(tmp_path / "loja.toml"))
    clean_environment.setenv("ATENDE_DATABASE_URL", "postgresql+psycopg://atende:pw@db/atende")
    clean_environment.setenv("WHATSAPP_ACCESS_TOKEN", "token")
    clean_environment.setenv("WHATSAPP_APP_SECRET", "secret")
    clean_environment.setenv("WHATSAPP_VERIFY_TOKEN", "  ")  # blank is not set
    clean_environment.setenv("WHATSAPP_PHONE_NUMBER_ID", "")
    clean_environment.setenv("WHATSAPP_GRAPH_URL", "http://127.0.0.1:9000/v24.0/")

    environment = Environment()

    read = (environment.ATENDE_CONFIG, environment.WHATSAPP_GRAPH_URL)
    assert read == (
        tmp_path / "loja.toml",
        "http://127.0.0.1:9000/v24.0",
    )
    assert environment.safe_database_url == "postgresql+psycopg://atende:***@db/atende"
    assert environment.missing_for_serve() == ["WHATSAPP_VERIFY_TOKEN", "WHATSAPP_PHONE_NUMBER_ID"]


def test_secrets_never_show_in_repr_or_str(clean_environment: pytest.MonkeyPatch) -> None:
    secrets = {"WHATSAPP_ACCESS_TOKEN": "EAAtoken123", "WHATSAPP_APP_SECRET": "appsecret456"}
    secrets |= {"WHATSAPP_VERIFY_TOKEN": "verify789"}
    for name, value in secrets.items():
        clean_environment.setenv(name, value)
    clean_environment.setenv("ATENDE_DATABASE_URL", "postgresql+psycopg://atende:dbpass000@db/atende")

    environment = Environment()
    shown = f"{environment!r} {environment!s} {environment.model_dump_json()} {environment.safe_database_url}"

    assert environment.missing_for_serve() == ["WHATSAPP_PHONE_NUMBER_ID"]
    for value in [*secrets.values(), "dbpass000"]:
        assert value not in shown


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("postgres://atende:dbpass000@db/atende", ["psycopg 3", "postgresql+psycopg://atende:***@db/atende"]),
        ("mysql://atende:dbpass000@db/atende", ['unsupported database "mysql"']),
        ("sqlite://atende.db", ["three slashes"]),
        ("atende.db", ["not a database URL"]),
    ],
)
def test_a_bad_database_url_is_explained_without_its_password(
    clean_environment: pytest.MonkeyPatch, url: str, words: list[str]
) -> None:
    clean_environment.setenv("ATENDE_DATABASE_URL", url)

    with pytest.raises(ConfigError) as caught:
        load_environment()
    with pytest.raises(ValidationError) as raw:
        Environment()

    (problem,) = caught.value.problems
    assert problem.path == "ATENDE_DATABASE_URL"
    for word in words:
        assert word in problem.message
    assert "dbpass000" not in str(caught.value)
    assert "dbpass000" not in str(raw.value)


@pytest.mark.parametrize("url", ["sqlite:///./atende.db", "sqlite:////var/lib/atende.db", "sqlite://"])
def test_sqlite_urls_are_accepted(clean_environment: pytest.MonkeyPatch, url: str) -> None:
    environment = load_environment(ATENDE_DATABASE_URL=url)

    assert environment.safe_database_url == url


def test_a_bad_graph_url_is_explained(clean_environment: pytest.MonkeyPatch) -> None:
    clean_environment.setenv("WHATSAPP_GRAPH_URL", "graph.facebook.com")

    with pytest.raises(ConfigError) as caught:
        load_environment()

    (problem,) = caught.value.problems
    assert problem.path == "WHATSAPP_GRAPH_URL"
    assert "http(s)" in problem.message
