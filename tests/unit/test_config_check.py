"""`atende config check`, run the way a user runs it: real files, real environment variables."""

from __future__ import annotations

from dataclasses import fields
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner, Result

from atende.application.texts import LOCALES, Texts, texts_for
from atende.cli import config_cmd
from atende.config import load_config
from tests.unit.test_config import BASE, ENVIRONMENT_VARIABLES, EXAMPLE, HOLIDAYS, MISTAKES, line_of, mistaken, write

SECRETS = {
    "WHATSAPP_ACCESS_TOKEN": "EAAsecret-token-111",
    "WHATSAPP_APP_SECRET": "app-secret-222",
    "WHATSAPP_VERIFY_TOKEN": "verify-token-333",
}
SERVE = {**SECRETS, "WHATSAPP_PHONE_NUMBER_ID": "109876543210"}


def atende() -> typer.Typer:
    """The sub-app mounted the way cli/main.py mounts it: `atende config …`."""
    root = typer.Typer()
    root.add_typer(config_cmd.app, name="config")
    return root


def check(*args: str, **environment: str) -> Result:
    """Run `atende config check ARGS` with only the given atende variables set."""
    env: dict[str, str | None] = dict.fromkeys(ENVIRONMENT_VARIABLES, None)
    env.update(environment)
    return CliRunner().invoke(atende(), ["config", "check", *args], env=env)


def test_the_example_passes_with_a_summary() -> None:
    result = check(ATENDE_CONFIG=str(EXAMPLE))

    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    for expected in ("Loja Exemplo", "financeiro", "Carla", "+55 11 99999-0003", "mon-fri 08:00-18:00"):
        assert expected in result.stdout
    assert "queue reminder 300 s (5 min)" in result.stdout
    assert "offer timeout 180 s (3 min)" in result.stdout
    assert "WHATSAPP_ACCESS_TOKEN     missing, needed by `atende serve`" in result.stdout
    assert f"✓ {EXAMPLE} is valid." in result.stdout
    assert "Customer reopen template atende_retorno (pt_BR)" in result.stdout
    assert "{{1}} business, {{2}} agent" in result.stdout


def test_without_a_customer_template_the_summary_says_what_agents_will_see(tmp_path: Path) -> None:
    result = check("--config", str(write(tmp_path, BASE)))

    assert result.exit_code == 0, result.output
    said = " ".join(result.stdout.split())
    assert "Customer reopen template: none" in said
    assert "[whatsapp] customer_reopen_template" in said


def test_the_config_option_overrides_the_environment(tmp_path: Path) -> None:
    result = check("--config", str(EXAMPLE), ATENDE_CONFIG=str(tmp_path / "nowhere.toml"))

    assert result.exit_code == 0, result.output


@pytest.mark.parametrize(("old", "new", "path", "words"), [m[1:] for m in MISTAKES], ids=[m[0] for m in MISTAKES])
def test_each_mistake_is_printed_with_file_line_and_path_and_fails(
    tmp_path: Path, old: str, new: str, path: str, words: list[str]
) -> None:
    text = mistaken(old, new)
    file = write(tmp_path, text)

    result = check(ATENDE_CONFIG=str(file))

    assert result.exit_code == 1
    location = f"{file}:{line_of(text, '# here')}: {path + ': ' if path else ''}"
    (line,) = [line for line in result.stderr.splitlines() if line.startswith(location)]
    for word in words:
        assert word in line
    assert "Traceback" not in result.output


def test_a_missing_file_fails_with_where_it_looked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)

    result = check()

    assert result.exit_code == 1
    assert result.stderr.startswith("atende.toml: config file not found")
    assert str(tmp_path / "atende.toml") in result.stderr
    assert "ATENDE_CONFIG" in result.stderr
    assert "examples/atende.toml" in result.stderr
    assert "Traceback" not in result.output


def test_a_warning_is_shown_but_does_not_fail(tmp_path: Path) -> None:
    file = write(tmp_path, mistaken('departments = ["financeiro", "suporte"]', 'departments = ["financeiro"]'))

    result = check(ATENDE_CONFIG=str(file))

    assert result.exit_code == 0, result.output
    assert f'{file}:8: departments[1]: warning: no agent serves "suporte"' in result.stderr


def test_missing_serve_variables_fail_only_with_serve(tmp_path: Path) -> None:
    file = write(tmp_path, BASE)

    without = check(ATENDE_CONFIG=str(file))
    strict = check("--serve", ATENDE_CONFIG=str(file), WHATSAPP_ACCESS_TOKEN="token")
    complete = check("--serve", ATENDE_CONFIG=str(file), **SERVE)

    assert without.exit_code == 0, without.output
    assert strict.exit_code == 1
    assert "WHATSAPP_ACCESS_TOKEN:" not in strict.stderr
    for name in ("WHATSAPP_APP_SECRET", "WHATSAPP_VERIFY_TOKEN", "WHATSAPP_PHONE_NUMBER_ID"):
        assert f"{name}: missing, needed by `atende serve`" in strict.stderr
    assert complete.exit_code == 0, complete.output


def test_secrets_are_never_printed(tmp_path: Path) -> None:
    database = "postgresql+psycopg://atende:db-password-444@db.internal/atende"

    valid = check(ATENDE_CONFIG=str(EXAMPLE), ATENDE_DATABASE_URL=database, **SERVE)
    broken = check(ATENDE_CONFIG=str(write(tmp_path, "[business\n")), ATENDE_DATABASE_URL=database, **SERVE)

    assert valid.exit_code == 0, valid.output
    assert "postgresql+psycopg://atende:***@db.internal/atende" in valid.stdout
    assert "WHATSAPP_APP_SECRET       set" in valid.stdout
    assert broken.exit_code == 1
    for result in (valid, broken):
        for secret in [*SECRETS.values(), "db-password-444"]:
            assert secret not in result.output


def test_a_bad_database_url_fails_without_showing_its_password() -> None:
    result = check(ATENDE_CONFIG=str(EXAMPLE), ATENDE_DATABASE_URL="postgres://atende:db-password-444@db/atende")

    assert result.exit_code == 1
    assert "ATENDE_DATABASE_URL: " in result.stderr
    assert "postgresql+psycopg://atende:***@db/atende" in result.stderr
    assert "db-password-444" not in result.output


def test_the_summary_shows_idle_rules_holidays_and_replaced_texts(tmp_path: Path) -> None:
    text = HOLIDAYS + '\n[idle]\nrating_hours = 0\n\n[texts]\nmenu_left = "Até mais!"\n'

    result = check(ATENDE_CONFIG=str(write(tmp_path, text)))

    assert result.exit_code == 0, result.output
    said = " ".join(result.stdout.split())
    for holiday in ("closed 2026-04-03", "2026-04-21", "every 12-25", "2026-02-17"):
        assert holiday in said
    assert (
        "Idle: a menu is forgotten after 12 h · a rating question never · "
        "an assignment silent on both sides closes after 20 h · queued customers keep their place"
    ) in said
    assert "Texts: 1 replaced in pt-BR: menu_left" in said


def test_a_texts_mistake_fails_the_check_with_its_line(tmp_path: Path) -> None:
    text = BASE + '\n[texts]\nmenu_left = "Até mais!"\nrelay_header = "*{first}* #{code}"\n'
    file = write(tmp_path, text)

    result = check(ATENDE_CONFIG=str(file))

    assert result.exit_code == 1
    assert f"{file}:{line_of(text, 'relay_header')}: texts.relay_header: a message to an agent opens" in result.stderr
    assert "start it with 💬" in result.stderr


@pytest.mark.parametrize("locale", ["pt-BR", "en"])
def test_config_texts_lists_every_sentence_as_a_texts_table_that_checks_clean(tmp_path: Path, locale: str) -> None:
    listed = CliRunner().invoke(atende(), ["config", "texts", "--locale", locale])
    assert listed.exit_code == 0, listed.output
    text = BASE.replace('name = "Loja Teste"', f'name = "Loja Teste"\nlocale = "{locale}"') + "\n" + listed.stdout

    config = load_config(write(tmp_path, text))

    assert config.warnings == ()
    settings = config.to_settings()
    assert texts_for(locale, settings.text_overrides) == LOCALES[locale], "every default is a valid override of itself"
    assert len(config.texts) == len(fields(Texts))


def test_config_texts_refuses_an_unknown_locale() -> None:
    result = CliRunner().invoke(atende(), ["config", "texts", "--locale", "pt-PT"])

    assert result.exit_code == 1
    assert "unknown locale 'pt-PT'" in result.stderr


def test_a_supervisor_without_departments_passes_and_an_ordinary_agent_without_them_fails(tmp_path: Path) -> None:
    supervisor = '\n[[agents]]\nname = "Sofia"\nphone = "5511999990009"\ndepartments = []\nsupervisor = true\n'
    passed = check(ATENDE_CONFIG=str(write(tmp_path, BASE + supervisor)))
    assert passed.exit_code == 0, passed.output
    assert "Sofia" in passed.output and "— · supervisor" in passed.output

    ordinary = supervisor.replace("supervisor = true", "")
    failed = check(ATENDE_CONFIG=str(write(tmp_path, BASE + ordinary, "ordinary.toml")))
    assert failed.exit_code == 1
    assert "agents[2].departments: must not be empty" in " ".join(failed.output.split())
