"""The headless output: every window's chat, then the verdict on each expectation.

A reader should be able to follow a scenario as if holding every phone at once: one panel per
person, bubbles in order with the simulated time, the step that caused them and who wrote
them; menus with their numbered options, media as a labelled line, reactions and quotes
spelled out. All message text goes through `rich.text.Text`, never markup, so what customers
type (brackets included) is shown as typed.
"""

from __future__ import annotations

import re

from rich.console import Console, Group, RenderableType
from rich.panel import Panel
from rich.table import Table
from rich.text import Text
from rich.traceback import Traceback

from atende.application.texts.formatting import phone as pretty_phone

from .chat import Bubble, Chats, Kind, option_lines
from .people import People, Person
from .player import Outcome, Verdict
from .scenario import Role, Scenario, ScenarioError

_BOLD = re.compile(r"(?<![\w*])\*(?=\S)([^*\n]+?)(?<=\S)\*(?![\w*])")
"""WhatsApp's *bold*: shown bold, as the phone would."""

SNIPPET = 48


def render_header(console: Console, scenario: Scenario) -> None:
    console.rule(Text(f"atende simulate · {scenario.title}", style="bold"))
    if scenario.description:
        console.print(Text(scenario.description, style="dim"))


def render_transcripts(console: Console, people: People, chats: Chats, business: str) -> None:
    """Customer windows first, then agent windows; agents who saw nothing get one line."""
    for role, heading in ((Role.CUSTOMER, "Customers"), (Role.AGENT, "Agents")):
        group = people.of_role(role)
        if not group:
            continue
        console.rule(Text(heading, style="bold"))
        for person in group:
            bubbles = chats.of(person.phone)
            if bubbles:
                console.print(window(person, bubbles, chats, business))
            else:
                console.print(Text.assemble(_title(person), (" · no messages", "dim")))


def window(person: Person, bubbles: list[Bubble], chats: Chats, business: str) -> Panel:
    grid = Table.grid(padding=(0, 1))
    grid.add_column(style="dim", no_wrap=True)
    grid.add_column(style="dim", no_wrap=True, justify="right")
    grid.add_column(no_wrap=True)
    grid.add_column(ratio=1)
    for bubble in bubbles:
        who = Text(person.name, style="bold green") if bubble.mine else Text(business, style="bold cyan")
        body = message(bubble, chats, person, business)
        if bubble.mine and chats.is_read(bubble.id):
            body.append(" ✓✓", style="bold blue")
        parts: list[RenderableType] = []
        if bubble.quote:
            parts.append(_quote(bubble.quote, chats, person, business))
        parts.append(body)
        grid.add_row(bubble.at.strftime("%H:%M:%S"), f"#{bubble.step}", who, Group(*parts))
    border = "green" if person.role is Role.CUSTOMER else "cyan"
    return Panel(grid, title=_title(person), title_align="left", border_style=border)


def message(bubble: Bubble, chats: Chats, person: Person, business: str) -> Text:
    """One bubble as text: the words, and what sort of message it is when it is not plain text."""
    match bubble.kind:
        case Kind.MENU:
            text = whatsapp(bubble.text)
            for line in option_lines(bubble):
                text.append("\n  " + line, style="yellow")
            if bubble.button:
                text.append(f"\n  ☰ {bubble.button}", style="dim yellow")
            return text
        case Kind.CHOICE:
            return Text.assemble(("☑ ", "yellow"), (bubble.text, "yellow"), (" (menu choice)", "dim"))
        case Kind.MEDIA:
            text = Text(f"📎 {bubble.label}", style="magenta")
            if bubble.text:
                text.append("  ")
                text.append_text(whatsapp(bubble.text))
            return text
        case Kind.LOCATION:
            return Text.assemble(
                ("📍 ", "magenta"), (bubble.text or bubble.label, "magenta"), (f"  ({bubble.label})", "dim")
            )
        case Kind.TEMPLATE:
            text = Text(f"📄 template {bubble.label}", style="magenta")
            if bubble.text:
                text.append(f"  {bubble.text}")
            return text
        case Kind.REACTION:
            target = chats.find(person.phone, bubble.target or "")
            about = f" to “{_snippet(target)}”" if target else " to an earlier message"
            verb = "reacted" if bubble.text else "removed a reaction"
            return Text.assemble((f"{verb} {bubble.text}", "bold"), (about, "dim"))
    return whatsapp(bubble.text)


def whatsapp(raw: str) -> Text:
    text = Text()
    last = 0
    for match in _BOLD.finditer(raw):
        text.append(raw[last : match.start()])
        text.append(match.group(1), style="bold")
        last = match.end()
    text.append(raw[last:])
    return text


def _quote(quote_id: str, chats: Chats, person: Person, business: str) -> Text:
    quoted = chats.find(person.phone, quote_id)
    if quoted is None:
        return Text("↩ replying to an earlier message", style="dim italic")
    author = person.name if quoted.mine else business
    return Text(f"↩ {author}: {_snippet(quoted)}", style="dim italic")


def _snippet(bubble: Bubble) -> str:
    flat = " ".join(_BOLD.sub(r"\1", bubble.plain()).split())
    return flat if len(flat) <= SNIPPET else flat[: SNIPPET - 1] + "…"


def _title(person: Person) -> Text:
    icon, role = ("👤", "customer") if person.role is Role.CUSTOMER else ("🎧", "agent")
    name = person.name if person.profile_name == person.name else f"{person.name} ({person.profile_name})"
    return Text.assemble(f"{icon} ", (name, "bold"), (f" · {role} · {pretty_phone(person.phone)}", "dim"))


# verdicts


def render_outcome(console: Console, outcome: Outcome) -> None:
    console.rule(Text("Expectations", style="bold"))
    if outcome.stop is not None:
        stop = outcome.stop
        console.print(
            Panel(
                Text.assemble(stop.reason, (f"\n{stop.step.note}" if stop.step.note else "", "dim italic")),
                title=Text(f"✗ stopped at {stop.step.where}", style="bold red"),
                title_align="left",
                border_style="red",
            )
        )
        if stop.crash is not None:
            crash = stop.crash
            console.print(Traceback.from_exception(type(crash), crash, crash.__traceback__, max_frames=8))
    if outcome.verdicts:
        console.print(verdict_table(outcome.verdicts))
    failed, total = len(outcome.failures), len(outcome.verdicts)
    if outcome.ok:
        summary = f"✓ all {total} expectations hold" if total else "✓ played; the scenario has no expectations"
        console.print(Text(summary, style="bold green"))
        return
    parts = [f"{failed} of {total} expectations failed"] if failed else []
    if outcome.stop is not None:
        parts.append(f"stopped at {outcome.stop.step.where}")
    console.print(Text("✗ " + "; ".join(parts), style="bold red"))


def verdict_table(verdicts: list[Verdict]) -> Table:
    table = Table("", "where", "window", "expected", "got", show_lines=False, expand=False)
    for verdict in verdicts:
        mark = Text("✓", style="bold green") if verdict.passed else Text("✗", style="bold red")
        where = Text(verdict.where)
        if not verdict.passed and verdict.step is not None and verdict.step.note:
            where.append(f"\n{verdict.step.note}", style="dim italic")
        table.add_row(mark, where, Text(verdict.expectation.window), _expected(verdict), _got(verdict))
    return table


def _expected(verdict: Verdict) -> Text:
    """What had to arrive; the `where` column already says whether during a step or overall."""
    expectation = verdict.expectation
    if expectation.negated:
        what = f"nothing with “{expectation.contains}”" if expectation.contains else "nothing at all"
    elif expectation.count is not None:
        what = f"exactly {expectation.count} × “{expectation.contains}”"
    else:
        what = f"“{expectation.contains}”"
    return Text(what)  # never markup: expectations quote what people type, brackets included


def _got(verdict: Verdict) -> Text:
    summary = f"{verdict.matches} matching" if verdict.expectation.contains else f"{len(verdict.seen)} received"
    text = Text(summary, style="green" if verdict.passed else "red")
    if not verdict.passed:
        if not verdict.seen:
            text.append("; received nothing", style="dim")
        for line in verdict.seen[-4:]:
            shown = _BOLD.sub(r"\1", line)
            short = shown if len(shown) <= SNIPPET else shown[: SNIPPET - 1] + "…"
            text.append(f"\n· {short}", style="dim")
    return text


def render_error(console: Console, error: ScenarioError) -> None:
    """A scenario that cannot be played: every problem, one a line, and no traceback."""
    console.print(Text.assemble(("✗ ", "bold red"), ("scenario ", "bold"), (str(error.source), "bold")))
    for problem in error.problems:
        console.print(Text(f"  · {problem}"))
