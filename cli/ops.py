"""Ops views: `atende queue ls`, `atende agents ls`, `atende conversations ls|show`."""

from __future__ import annotations

import dataclasses
import json
from datetime import datetime
from enum import Enum
from pathlib import Path
from typing import Annotated, Any
from zoneinfo import ZoneInfo

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from atende.application.queries import agents_view, conversation_detail, queue_view
from atende.application.texts import texts_for
from atende.application.texts.formatting import describe, duration, phone

from .runtime import err_console, open_system

console = Console()

queue_app = typer.Typer(help="The queues: who waits where, and the agents who serve them.", no_args_is_help=True)
agents_app = typer.Typer(help="Agents and their status.", no_args_is_help=True)
conversations_app = typer.Typer(help="Conversations, recent and in detail.", no_args_is_help=True)

JsonFlag = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]
ConfigOption = Annotated[Path | None, typer.Option("--config", help="Config file (default: $ATENDE_CONFIG).")]


def _plain(value: Any) -> Any:
    """Dataclasses, enums and datetimes as JSON-ready values."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value) if f.name != "events"}
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def _local(moment: datetime, timezone: str, *, seconds: bool = False) -> str:
    """Times in the business's own zone, as the people running the operation read them."""
    return moment.astimezone(ZoneInfo(timezone)).strftime("%Y-%m-%d %H:%M" + (":%S" if seconds else ""))


def _print_json(value: Any) -> None:
    typer.echo(json.dumps(_plain(value), ensure_ascii=False, indent=2))


@queue_app.command("ls")
def queue_ls(
    department: Annotated[str | None, typer.Option("--department", help="Only this department key.")] = None,
    as_json: JsonFlag = False,
    config: ConfigOption = None,
) -> None:
    """Per department: who waits, since when, in which position; and its agents."""
    system = open_system(config)
    settings = system.settings
    if department is not None and settings.department(department) is None:
        known = ", ".join(d.key for d in settings.departments)
        err_console.print(f"[red]✗[/red] Unknown department {department!r}. Known: {known}")
        raise typer.Exit(1)
    now = system.clock.now()
    with system, system.reader() as uow:
        queues = queue_view(uow, settings, now, department)
    if as_json:
        _print_json(queues)
        return
    texts = texts_for("en")
    for queue in queues:
        table = Table(title=f"{queue.name} ({queue.key}) · {len(queue.waiting)} waiting", title_justify="left")
        table.add_column("#", justify="right")
        table.add_column("code")
        table.add_column("customer")
        table.add_column("since")
        table.add_column("waited", justify="right")
        for row in queue.waiting:
            table.add_row(
                str(row.position),
                row.code,
                f"{row.name} · {phone(row.wa_id)}",
                _local(row.since, settings.timezone),
                duration(texts, row.waited_seconds),
            )
        console.print(table)
        agents = " · ".join(f"{a.name}: {a.status} ({a.load}/{a.capacity})" for a in queue.agents) or "no agents"
        console.print(f"  agents: {agents}\n")


@agents_app.command("ls")
def agents_ls(as_json: JsonFlag = False, config: ConfigOption = None) -> None:
    """Every agent: status (available / busy / paused / offline), load and departments."""
    system = open_system(config)
    with system, system.reader() as uow:
        agents = agents_view(uow, system.settings)
    if as_json:
        _print_json(agents)
        return
    table = Table("agent", "phone", "status", "load", "departments", "active")
    for agent in agents:
        table.add_row(
            agent.name,
            phone(agent.phone),
            agent.status,
            f"{agent.load}/{agent.capacity}",
            ", ".join(agent.departments),
            f"#{agent.active}" if agent.active else "",
        )
    console.print(table)


@conversations_app.command("ls")
def conversations_ls(
    limit: Annotated[int, typer.Option(help="How many, newest first.")] = 50,
    as_json: JsonFlag = False,
    config: ConfigOption = None,
) -> None:
    """The latest conversations, newest first."""
    system = open_system(config)
    with system, system.reader() as uow:
        rows = list(uow.conversations.recent(limit))
    if as_json:
        _print_json(rows)
        return
    table = Table("code", "customer", "stage", "department", "agent", "opened", "rating")
    for c in rows:
        table.add_row(
            c.code,
            f"{c.customer.name} · {phone(c.customer.wa_id)}",
            c.stage.value,
            c.department or "",
            system.settings.agent_name(c.agent) if c.agent else "",
            _local(c.opened_at, system.settings.timezone),
            str(c.rating or ""),
        )
    console.print(table)


@conversations_app.command("show")
def conversations_show(code: str, as_json: JsonFlag = False, config: ConfigOption = None) -> None:
    """One conversation: its state, transcript and every event."""
    system = open_system(config)
    with system, system.reader() as uow:
        detail = conversation_detail(uow, code.lstrip("#").upper())
    if detail is None:
        err_console.print(f"[red]✗[/red] No conversation #{code.lstrip('#').upper()}.")
        raise typer.Exit(1)
    if as_json:
        _print_json(detail)
        return
    c = detail.conversation
    texts = texts_for(system.settings.locale, system.settings.text_overrides)
    console.print(f"[bold]#{c.code}[/bold] · {c.customer.name} · {phone(c.customer.wa_id)} · {c.stage.value}")
    for message in detail.messages:
        when = message.at.astimezone(ZoneInfo(system.settings.timezone))
        author = message.author_name or message.author.value
        console.print(escape(f"  [{when:%H:%M}] {author}: {describe(texts, message.content)}"))
    table = Table("when", "event", "details")
    for event in detail.events:
        fields = {k: v for k, v in _plain(event).items() if k not in ("code", "at")}
        at = _local(event.at, system.settings.timezone, seconds=True)
        table.add_row(at, event.name, json.dumps(fields, ensure_ascii=False))
    console.print(table)
