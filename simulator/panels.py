"""The panels beside the phones: the raw JSON behind a bubble, and the operation at a glance.

The inspector shows exactly what travelled: for a message a person wrote, the notification
posted to the webhook (signed, as Meta would); for one the business sent, the Graph API request
atende made. The ops panel shows the read model of `atende queue ls`: each department's line and
its agents' states.
"""

from __future__ import annotations

import json
from datetime import datetime
from zoneinfo import ZoneInfo

from rich.console import Group, RenderableType
from rich.syntax import Syntax
from rich.table import Table
from rich.text import Text
from textual.containers import VerticalScroll
from textual.widgets import Static

from atende.application.queries import DepartmentQueue
from atende.application.texts import Texts
from atende.application.texts.formatting import duration

from .live import Inspection


class Inspector(VerticalScroll):
    """The JSON of the bubble picked with ↑/↓ in the focused window."""

    def __init__(self) -> None:
        super().__init__(id="inspector", classes="panel")
        self.border_title = "JSON (F2)"
        self.text = ""
        """What is shown, as plain text."""

    def on_mount(self) -> None:
        self.mount(Static(Text("Pick a message with ↑ in a window.", style="dim"), classes="json"))

    def inspect(self, what: str, inspection: Inspection) -> None:
        parts: list[RenderableType] = [Text(what, style="bold")]
        if inspection.notification is not None:
            parts += [
                Text("POST /webhook — the notification, as Meta sends it", style="cyan"),
                _json(inspection.notification),
            ]
        if inspection.request is not None:
            parts += [
                Text("POST /{phone_number_id}/messages — the request to the Graph API", style="cyan"),
                _json(inspection.request),
            ]
        if len(parts) == 1:
            parts.append(Text("Nothing went through the webhook or the Graph API for this message yet.", style="dim"))
        self.text = "\n".join(part.plain if isinstance(part, Text) else part.code for part in parts)  # type: ignore[union-attr]
        self.query_one(".json", Static).update(Group(*parts))


class OpsPanel(VerticalScroll):
    """Who waits where, since when, and the agents' states — `atende queue ls`, live."""

    def __init__(self) -> None:
        super().__init__(id="ops", classes="panel")
        self.border_title = "Queues (F3)"
        self.text = ""
        """What is shown, as plain text."""

    def on_mount(self) -> None:
        self.mount(Static("", classes="queues"))

    def show(self, queues: list[DepartmentQueue], now: datetime, zone: ZoneInfo, texts: Texts) -> None:
        parts: list[RenderableType] = []
        for queue in queues:
            if not queue.waiting:
                parts.append(Text(f"{queue.name} · nobody waiting", style="italic"))
                parts.append(_agents(queue))
                continue
            table = Table(title=f"{queue.name} · {len(queue.waiting)} waiting", title_justify="left", expand=True)
            table.add_column("#", justify="right", width=2)
            table.add_column("customer")
            table.add_column("waited", justify="right")
            for row in queue.waiting:
                table.add_row(
                    str(row.position), f"{row.name or row.wa_id} #{row.code}", duration(texts, row.waited_seconds)
                )
            parts += [table, _agents(queue)]
        parts.append(Text(f"at {now.astimezone(zone):%H:%M:%S}", style="dim"))
        self.text = "\n".join(_plain(part) for part in parts)
        self.query_one(".queues", Static).update(Group(*parts))


_STATUS = {"available": "green", "busy": "yellow", "paused": "magenta", "offline": "dim"}


def _agents(queue: DepartmentQueue) -> Text:
    agents = Text()
    for agent in queue.agents:
        state = f"{agent.name}: {agent.status} ({agent.load}/{agent.capacity})  "
        agents.append(state, style=_STATUS.get(agent.status, ""))
    return agents


def _plain(part: RenderableType) -> str:
    if isinstance(part, Table):
        title = str(part.title or "")
        cells = [" ".join(str(c) for c in column.cells) for column in part.columns]
        return "\n".join([title, *cells])
    return part.plain if isinstance(part, Text) else str(part)


def _json(value: object) -> Syntax:
    return Syntax(json.dumps(value, ensure_ascii=False, indent=2), "json", word_wrap=True, theme="ansi_dark")
