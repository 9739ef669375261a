"""`atende stats`: service figures from the event record, and staffing advice (`--staffing 80/20`).

The figures are the ones a supervisor's `/relatorio` shows, computed by the database (docs/adr/0011);
`--json` prints them in the shapes docs/design.md §1 fixes. Reading never takes the write lock,
so it runs beside `atende serve`.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Annotated, Any
from zoneinfo import ZoneInfo

import typer
from rich import box
from rich.columns import Columns
from rich.console import Console, Group
from rich.table import Table
from rich.text import Text

from atende.application.insight import (
    DEFAULT_THRESHOLD_SECONDS,
    ServiceReport,
    period_of,
    service_report,
)
from atende.application.reports import Period, Tally
from atende.application.settings import Settings
from atende.application.staffing import DEFAULT_DAYS, StaffingAdvice, Target, staffing_advice
from atende.application.texts import texts_for
from atende.application.texts.formatting import duration

from .ops import ConfigOption, JsonFlag
from .runtime import err_console, open_system

console = Console()

WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
BAR = 24
"""Characters of the longest bar of the hourly chart."""


def stats(
    *,
    days: Annotated[
        int | None,
        typer.Option(
            "--days", min=1, max=366, help="Days to cover, ending today (default 1: today; 28 with --staffing)."
        ),
    ] = None,
    department: Annotated[str | None, typer.Option("--department", help="Only this department key.")] = None,
    threshold: Annotated[
        float,
        typer.Option("--threshold", min=0, help="Service level counts answers within this many seconds."),
    ] = DEFAULT_THRESHOLD_SECONDS,
    staffing: Annotated[
        str | None,
        typer.Option(
            "--staffing",
            metavar="SL/SECONDS",
            help="Agents needed per hour of the week for this target, e.g. 80/20 (80 % answered within 20 s).",
        ),
    ] = None,
    until: Annotated[
        str | None,
        typer.Option("--until", metavar="YYYY-MM-DD", help="The last day covered (default: today)."),
    ] = None,
    as_json: JsonFlag = False,
    config: ConfigOption = None,
) -> None:
    """Service figures from the event record: offered, answered, abandoned, average speed of answer (ASA), average handle time (AHT), service level and ratings, per department and agent, with arrivals and waits hour by hour.

    With [bold]--staffing 80/20[/bold]: for each department and hour of the week, the measured arrivals and handle time turned into the agents needed for that service level (Erlang C, chat capacity included), beside the agents who were checked in.
    """  # noqa: E501 - typer keeps a docstring's line breaks, so each paragraph is one line
    target = _target(staffing)
    last_day = _day(until)
    system = open_system(config)
    settings = system.settings
    if department is not None and settings.department(department) is None:
        known = ", ".join(d.key for d in settings.departments)
        err_console.print(f"[red]✗[/red] Unknown department {department!r}. Known: {known}")
        raise typer.Exit(1)
    now = system.clock.now()
    covered = days or (DEFAULT_DAYS if target else 1)
    period = period_of(now, settings.timezone, covered, last_day)
    with system, system.reader() as uow:
        if target is not None:
            advice = staffing_advice(uow.reports, settings, period, target, now=now, department=department)
        else:
            report = service_report(
                uow.reports, settings, period, days=covered, threshold_seconds=threshold, department=department
            )
            recorded = None if report.total.offered else uow.reports.arrivals_span()
    if target is not None:
        if as_json:
            _print_json(staffing_json(advice))
        else:
            console.print(render_staffing(advice, settings, now))
        return
    if as_json:
        _print_json(stats_json(report))
    else:
        console.print(render_report(report, settings, now))
        if not report.total.offered:
            console.print(where_to_look(recorded, settings.timezone))


def _target(text: str | None) -> Target | None:
    if text is None:
        return None
    try:
        return Target.parse(text)
    except ValueError as error:
        raise typer.BadParameter(str(error), param_hint="--staffing") from None


def _day(text: str | None) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise typer.BadParameter(f"{text!r} is not a date like 2026-03-02", param_hint="--until") from None


def _print_json(value: Any) -> None:
    typer.echo(json.dumps(value, ensure_ascii=False, indent=2))


# -- JSON (docs/design.md §1) --------------------------------------------------------------------


def _rounded(value: float | None, digits: int) -> float | None:
    return None if value is None else round(value, digits)


def figures_json(department: str | None, tally: Tally) -> dict[str, Any]:
    """A department's figures in the contract's shape; `null` where nothing was measured."""
    return {
        "department": department,
        "offered": tally.offered,
        "answered": tally.answered,
        "abandoned": tally.abandoned,
        "asa_seconds": _rounded(tally.asa_seconds, 1),
        "aht_seconds": _rounded(tally.aht_seconds, 1),
        "service_level": _rounded(tally.service_level, 4),
        "rating_average": _rounded(tally.rating_average, 2),
    }


def stats_json(report: ServiceReport) -> dict[str, Any]:
    return {
        "departments": [figures_json(d.key, d.tally) for d in report.departments],
        "total": figures_json(None, report.total),
        "agents": [
            {
                "agent": a.phone,
                "name": a.name,
                "conversations": a.tally.answered,
                "aht_seconds": _rounded(a.tally.aht_seconds, 1),
                "rating_average": _rounded(a.tally.rating_average, 2),
                "ratings": a.tally.ratings,
            }
            for a in report.agents
        ],
        "period": _period_json(report.period, report.days) | {"threshold_seconds": report.threshold_seconds},
    }


def staffing_json(advice: StaffingAdvice) -> dict[str, Any]:
    return {
        "target": {"service_level": advice.target.service_level, "seconds": advice.target.seconds},
        "rows": [
            {
                "department": r.department,
                "weekday": r.weekday,
                "hour": r.hour,
                "arrivals_per_hour": r.arrivals_per_hour,
                "aht_seconds": r.aht_seconds,
                "agents_needed": r.agents_needed,
                "agents_checked_in": r.agents_checked_in,
            }
            for r in advice.rows
        ],
        "period": _period_json(advice.period, None),
    }


def _period_json(period: Period, days: int | None) -> dict[str, Any]:
    shown = {"from": period.start.isoformat(), "to": period.end.isoformat()}
    return shown | ({"days": days} if days is not None else {})


# -- tables --------------------------------------------------------------------------------------


def _when(period: Period, settings: Settings, now: datetime) -> str:
    zone = ZoneInfo(settings.timezone)
    first, last = period.start.astimezone(zone).date(), (period.end.astimezone(zone)).date()
    last = date.fromordinal(last.toordinal() - 1)  # the period ends at the midnight after its last day
    today = now.astimezone(zone).date()
    span = f"{first:%a %Y-%m-%d}" if first == last else f"{first:%Y-%m-%d} → {last:%Y-%m-%d}"
    so_far = f", until {now.astimezone(zone):%H:%M}" if last == today else ""
    return f"{span}{so_far} ({settings.timezone})"


def _spaced(parts: list[Any]) -> list[Any]:
    """A blank line between the parts of a report."""
    spaced: list[Any] = []
    for part in parts:
        spaced.extend([part, Text("")])
    return spaced[:-1]


def _table(title: str) -> Table:
    """Borderless, one space between columns: the department table fits 80 columns."""
    return Table(
        title=title,
        title_justify="left",
        title_style="bold",
        box=None,
        header_style="bold underline",
        pad_edge=False,
        padding=(0, 1, 0, 0),
    )


def _seconds(value: float | None) -> str:
    return "—" if value is None else duration(texts_for("en"), value)


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.0f} %"


def _rating(tally: Tally) -> str:
    average = tally.rating_average
    return "—" if average is None else f"{average:.1f} ({tally.ratings})"


def render_report(report: ServiceReport, settings: Settings, now: datetime) -> Group:
    threshold = f"{report.threshold_seconds:g} s"
    table = _table(f"Service figures · {_when(report.period, settings, now)}")
    table.add_column("department", no_wrap=True)
    for name in ("offered", "answered", "abandoned", "removed"):
        table.add_column(name, justify="right")
    table.add_column("ASA", justify="right")
    table.add_column("AHT", justify="right")
    table.add_column(f"SL≤{threshold}".replace(" ", ""), justify="right")
    table.add_column("rating", justify="right", no_wrap=True)

    def row(name: str, tally: Tally, *, style: str = "") -> None:
        table.add_row(
            name,
            str(tally.offered),
            str(tally.answered),
            str(tally.abandoned),
            str(tally.removed),
            _seconds(tally.asa_seconds),
            _seconds(tally.aht_seconds),
            _percent(tally.service_level),
            _rating(tally),
            style=style,
        )

    for figures in report.departments:
        row(figures.name, figures.tally)
    if len(report.departments) > 1:
        table.add_section()
        row("total", report.total, style="bold")
    parts: list[Any] = [table]
    if report.agents:
        agents = _table("Per agent")
        agents.add_column("agent", no_wrap=True)
        agents.add_column("conversations", justify="right")
        agents.add_column("AHT", justify="right")
        agents.add_column("rating", justify="right", no_wrap=True)
        for agent in report.agents:
            agents.add_row(
                agent.name, str(agent.tally.answered), _seconds(agent.tally.aht_seconds), _rating(agent.tally)
            )
        parts.append(agents)
    parts.append(_hour_chart(report))
    parts.append(
        Text(
            "ASA: average wait of the answered · AHT: average handle time · abandoned: left the queue (sair) or "
            "closed by atende while waiting (removals by agents are apart) · "
            f"SL: answered within {threshold} ÷ (answered + abandoned) · rating: 1 (poor) to 3 (great), (count)",
            style="dim",
        )
    )
    return Group(*_spaced(parts))


def where_to_look(recorded: Period | None, timezone: str) -> Text:
    """An empty report says which days the record holds (a scenario runs on its own dates)."""
    if recorded is None:
        return Text("Nobody has queued yet: the record holds no arrivals.", style="dim")
    zone = ZoneInfo(timezone)
    first, last = (moment.astimezone(zone).date() for moment in (recorded.start, recorded.end))
    days = (last - first).days + 1
    held = f"{first:%a %Y-%m-%d}" if days == 1 else f"{first:%a %Y-%m-%d} to {last:%a %Y-%m-%d}"
    return Text(f"The record holds arrivals on {held}: try --until {last:%Y-%m-%d} --days {days}.", style="dim")


def _hour_chart(report: ServiceReport) -> Any:
    busy = [h for h in report.hours if h.offered or h.answered]
    if not busy:
        return Text("No arrivals in this period.", style="dim")
    first, last = busy[0].hour, busy[-1].hour
    most = max(h.offered for h in busy) or 1
    chart = _table("Arrivals and waits by hour")
    chart.add_column("hour", justify="right")
    chart.add_column("arrivals")
    chart.add_column("", justify="right")
    chart.add_column("ASA", justify="right")
    for hour in report.hours[first : last + 1]:
        bar = "█" * max(1 if hour.offered else 0, round(hour.offered / most * BAR))
        chart.add_row(f"{hour.hour:02d}h", Text(bar, style="cyan"), str(hour.offered), _seconds(hour.asa_seconds))
    return chart


def render_staffing(advice: StaffingAdvice, settings: Settings, now: datetime) -> Group:
    """Per department, a week grid: hours down, days across, each cell `needed/checked in`."""
    parts: list[Any] = [
        Text(
            f"Staffing for {advice.target.service_level * 100:g} % answered within {advice.target.seconds:g} s · "
            f"measured {_when(advice.period, settings, now)}",
            style="bold",
        )
    ]
    departments = list(dict.fromkeys(r.department for r in advice.rows))
    if not departments:
        parts.append(Text("No arrivals and nobody checked in in this period.", style="dim"))
    grids = []
    for key in departments:
        rows = {(r.weekday, r.hour): r for r in advice.rows if r.department == key}
        days = sorted({day for day, _ in rows})
        hours = sorted({hour for _, hour in rows})
        grid = Table(title=settings.department_name(key), title_style="bold", box=box.SIMPLE_HEAD)
        grid.add_column("", justify="right")
        for day in days:
            grid.add_column(WEEKDAYS[day], justify="center")
        for hour in range(hours[0], hours[-1] + 1):
            grid.add_row(f"{hour:02d}h", *(_cell(rows.get((day, hour))) for day in days))
        grids.append(grid)
    parts.append(Columns(grids))
    parts.append(
        Text(
            "Each cell: agents needed / agents checked in, on average (paused ones too). Red: short of agents; "
            "yellow: one or more to spare; green: about right; ?: no conversation has ended yet, so no handle "
            "time to measure. Erlang C with each agent's chats as slots; model and limits: docs/adr/0011.",
            style="dim",
        )
    )
    return Group(*_spaced(parts))


def _cell(row: Any) -> Text:
    if row is None:
        return Text("·", style="dim")
    needed = "?" if row.agents_needed is None else str(row.agents_needed)
    text = f"{needed}/{round(row.agents_checked_in, 1):g}"
    if row.agents_needed is not None and row.agents_checked_in < row.agents_needed:
        return Text(text, style="bold red")
    if row.agents_needed is not None and row.agents_checked_in >= row.agents_needed + 1:
        return Text(text, style="yellow")
    return Text(text, style="green" if row.agents_needed is not None else "")
