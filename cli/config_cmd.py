"""`atende config check`: is atende.toml (and the environment) fit to run atende? And
`atende config texts`: every sentence atende says, ready to be copied into `[texts]`.

Every mistake is printed at once, as `atende.toml:12: agents[1].phone: …` so that editors and
terminals can jump to it. Secrets are only ever reported as "set" or "missing".
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from atende.application.texts import LOCALES, Texts
from atende.application.texts.formatting import phone
from atende.application.texts.overrides import catalog
from atende.config import (
    DEFAULT_GRAPH_URL,
    Config,
    ConfigError,
    Environment,
    Problem,
    config_path,
    describe_holidays,
    describe_hours,
    load_config,
    load_environment,
)

app = typer.Typer(help="The configuration: atende.toml and the environment variables.", no_args_is_help=True)

ConfigOption = Annotated[
    Path | None, typer.Option("--config", help="Config file (default: $ATENDE_CONFIG, else ./atende.toml).")
]
ServeFlag = Annotated[
    bool, typer.Option("--serve", help="Also fail when a variable that `atende serve` needs is missing.")
]


@app.callback()
def config_group() -> None:
    """The configuration: atende.toml and the environment variables."""


@app.command()
def check(config: ConfigOption = None, serve: ServeFlag = False) -> None:
    """Validate the config file and the environment: print every mistake with its line, exit 1 on any error."""
    out = Console(highlight=False, soft_wrap=True)
    err = Console(stderr=True, highlight=False, soft_wrap=True)
    errors = 0

    environment: Environment | None = None
    try:
        environment = load_environment()
    except ConfigError as error:
        errors += _report(err, error.problems)

    path = config or config_path(environment)
    label = str(path)
    loaded: Config | None = None
    try:
        loaded = load_config(path)
    except ConfigError as error:
        errors += _report(err, error.problems, label)
        _report(err, error.warnings, label)
    else:
        _report(err, loaded.warnings, label)

    if environment is not None and serve:
        missing = [Problem(name, None, "missing, needed by `atende serve`") for name in environment.missing_for_serve()]
        errors += _report(err, missing)

    if loaded is not None:
        _summary(out, loaded, label)
        if environment is not None:
            _environment(out, environment)

    if errors:
        err.print(Text(f"✗ {errors} problem{'s' if errors > 1 else ''}: atende cannot start like this.", style="red"))
        raise typer.Exit(1)
    out.print(Text(f"✓ {label} is valid.", style="green"))


LocaleOption = Annotated[str, typer.Option("--locale", help="The catalog to list: pt-BR (default) or en.")]


@app.command()
def texts(locale: LocaleOption = "pt-BR") -> None:
    """Every sentence atende says, as a [texts] table: copy the ones to change into atende.toml."""
    if locale not in LOCALES:
        known = ", ".join(LOCALES)
        Console(stderr=True).print(Text(f"✗ unknown locale {locale!r}; use one of {known}", style="red"))
        raise typer.Exit(1)
    typer.echo(texts_table(LOCALES[locale], locale), nl=False)


def texts_table(catalog_texts: Texts, locale: str) -> str:
    """The catalog as TOML that `[texts]` accepts, tables and lists included, in catalog order."""
    plain: list[str] = []
    tables: list[str] = []
    for key, value in catalog(catalog_texts).items():
        match value:
            case str():
                plain.append(f"{key} = {_toml_string(value)}")
            case dict():
                rows = "\n".join(f"{label} = {_toml_string(text)}" for label, text in value.items())
                tables.append(f"\n[texts.{key}]\n{rows}")
            case tuple() if value and isinstance(value[0], tuple):
                titles = ", ".join(_toml_string(title) for _, title in value)
                plain.append(f"{key} = [{titles}]  # titles, best score first")
            case tuple():
                plain.append(f"{key} = [{', '.join(_toml_string(word) for word in value)}]")
    header = (
        f"# Every sentence atende says ({locale}), as atende.toml's [texts] takes it. Copy only the\n"
        "# ones to change; `atende config check` checks their {placeholders} and markers.\n"
    )
    return header + "[texts]\n" + "\n".join(plain) + "\n" + "\n".join(tables) + "\n"


def _toml_string(text: str) -> str:
    """A TOML basic string: JSON's escapes are TOML's (quotes, backslashes, newlines)."""
    return json.dumps(text, ensure_ascii=False)


def _report(console: Console, problems: Iterable[Problem], file: str | None = None) -> int:
    """Print each problem on its own line (red errors, yellow warnings); return how many were errors."""
    count = 0
    for problem in problems:
        console.print(Text(problem.render(file), style="yellow" if problem.warning else "red"))
        count += not problem.warning
    return count


def _seconds(value: int, *, zero: str = "off") -> str:
    if value == 0:
        return zero
    return f"{value} s ({value // 60} min)" if value % 60 == 0 else f"{value} s"


def _after(hours: int) -> str:
    return f"after {hours} h" if hours else "never"


def _summary(console: Console, config: Config, label: str) -> None:
    """What atende understood: the reader checks it against what they meant."""
    business = config.business
    console.print(Text.assemble((label, "bold"), f": {business.name} · {business.locale} · {business.timezone}"))

    served_by: dict[str, list[str]] = {department.key: [] for department in config.departments}
    for agent in config.agents:
        for key in agent.departments:
            served_by.setdefault(key, []).append(agent.name)

    departments = Table("key", "name", "hours", "agents", title="Departments", title_justify="left", box=None)
    for department in config.departments:
        agents = ", ".join(served_by[department.key]) or Text("nobody", style="yellow")
        hours = describe_hours(department.hours)
        holidays = [*business.holidays, *department.holidays] if department.hours else []
        if holidays:
            hours += f" · closed {describe_holidays(holidays)}"
        departments.add_row(department.key, department.name, hours, agents)
    console.print(departments)

    agents_table = Table("name", "whatsapp", "departments", "capacity", title="Agents", title_justify="left", box=None)
    agents_table.columns[3].justify = "right"
    for agent in config.agents:
        named = " · ".join(n for n in (phone(agent.phone) if agent.phone else "", agent.user_id or "") if n)
        serves = (", ".join(agent.departments) or "—") + (" · supervisor" if agent.supervisor else "")
        agents_table.add_row(agent.name, named, serves, str(agent.capacity))
    console.print(agents_table)

    timers, service, whatsapp = config.timers, config.service, config.whatsapp
    console.print(
        "Timers: "
        f"queue reminder {_seconds(timers.queue_reminder_seconds)} · "
        f"offer timeout {_seconds(timers.offer_timeout_seconds)} · "
        f"position update {_seconds(timers.position_update_seconds, zero='on every message')}"
    )
    console.print(
        f"Service: rating {'on' if service.rating else 'off'} · history {service.history_lines} lines · "
        f"agent reopen template {whatsapp.agent_reopen_template} ({whatsapp.template_language})"
    )
    idle = config.idle
    console.print(
        f"Idle: a menu is forgotten {_after(idle.menu_hours)} · a rating question {_after(idle.rating_hours)} · "
        f"an assignment silent on both sides closes {_after(idle.assigned_hours)} · "
        "queued customers keep their place"
    )
    console.print(
        f"Storage: handled arrivals, message keys and sent messages kept {config.storage.retention_days} days, "
        "then pruned (conversations and their record are kept)"
    )
    if config.texts:
        console.print(f"Texts: {len(config.texts)} replaced in {business.locale}: {', '.join(config.texts)}")
    customer = whatsapp.customer_reopen_template
    console.print(
        f"Customer reopen template {customer} ({whatsapp.template_language}): an agent answering a customer "
        "silent for over 24 h sends it first ({{1}} business, {{2}} agent); the words follow the answer"
        if customer
        else Text(
            "Customer reopen template: none — a customer silent for over 24 h cannot be reached until they "
            "write; agents are warned (in the 🔔 and /ativos) before they write. Set "
            "[whatsapp] customer_reopen_template to an approved template.",
            style="yellow",
        )
    )


def _environment(console: Console, environment: Environment) -> None:
    """Where atende will connect, and whether each secret is there; never a secret's value."""
    table = Table("variable", "value", title="Environment", title_justify="left", box=None)
    table.add_row("ATENDE_DATABASE_URL", environment.safe_database_url)
    graph = environment.WHATSAPP_GRAPH_URL
    table.add_row("WHATSAPP_GRAPH_URL", graph + (" (default)" if graph == DEFAULT_GRAPH_URL else ""))
    for name, present in environment.serve_status().items():
        status = Text("set", style="green") if present else Text("missing, needed by `atende serve`", style="yellow")
        table.add_row(name, status)
    console.print(table)
