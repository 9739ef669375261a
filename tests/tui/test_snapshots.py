"""Pictures of the simulator's main screens, compared with baselines a person looked at.

`pytest tests/tui/test_snapshots.py --snapshot-update` redraws them; look at the report (or the
SVGs in __snapshots__) before committing new ones. Time stands still in these runs, codes come
from a fixed seed, and the customers' numbers are the invented ones, so the pictures repeat.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from textual.pilot import Pilot
from textual.widgets import Input

from atende.application.settings import Settings
from atende.config import load_config
from atende.domain.department import Department
from atende.simulator.app import SimulatorApp
from atende.simulator.boot import DEMO_CONFIG
from atende.simulator.live import LiveSession
from tests.databases import throwaway
from tests.world import MONDAY_MORNING

from .test_simulator import SIZE, settled, type_in


def demo(settings: Settings | None = None) -> SimulatorApp:
    session = LiveSession(
        settings or load_config(DEMO_CONFIG).to_settings(), start=MONDAY_MORNING, seed=7, boot=throwaway
    )
    return SimulatorApp(session, source="built-in demo", flowing=False)


async def steady(pilot: Pilot[None]) -> None:
    """No blinking cursor: a picture taken mid-blink would differ from the baseline."""
    for field in pilot.app.query(Input):
        field.cursor_blink = False
    await pilot.pause()


def with_five_departments() -> Settings:
    """More departments than reply buttons hold: the menu is a list."""
    settings = load_config(DEMO_CONFIG).to_settings()
    extra = (Department("trocas", "Trocas", "Trocas e devoluções"), Department("entregas", "Entregas", "Onde está"))
    return replace(settings, departments=settings.departments + extra)


def test_the_opening_layout(snap_compare: Any) -> None:
    async def opened(pilot: Pilot[None]) -> None:
        await settled(pilot.app, pilot)  # type: ignore[arg-type]
        await steady(pilot)

    assert snap_compare(demo(), terminal_size=SIZE, run_before=opened)


def test_a_menu_as_a_list_with_its_rows_open(snap_compare: Any) -> None:
    async def rows(pilot: Pilot[None]) -> None:
        app: SimulatorApp = pilot.app  # type: ignore[assignment]
        await settled(app, pilot)
        await type_in(app, pilot, "Maria", "oi")
        await pilot.press("up", "enter")
        await steady(pilot)

    assert snap_compare(demo(with_five_departments()), terminal_size=SIZE, run_before=rows)


def test_the_bell_in_an_agent_window(snap_compare: Any) -> None:
    async def bell(pilot: Pilot[None]) -> None:
        app: SimulatorApp = pilot.app  # type: ignore[assignment]
        await settled(app, pilot)
        await type_in(app, pilot, "Maria", "oi")
        await type_in(app, pilot, "Maria", "1")
        await type_in(app, pilot, "Maria", "Preciso da segunda via do boleto")
        await type_in(app, pilot, "Ana", "/entrar")
        await steady(pilot)

    assert snap_compare(demo(), terminal_size=SIZE, run_before=bell)


def test_the_inspector_on_a_relayed_message(snap_compare: Any) -> None:
    async def inspector(pilot: Pilot[None]) -> None:
        app: SimulatorApp = pilot.app  # type: ignore[assignment]
        await settled(app, pilot)
        await type_in(app, pilot, "Ana", "/entrar")
        await type_in(app, pilot, "Maria", "oi")
        await type_in(app, pilot, "Maria", "1")
        await type_in(app, pilot, "Ana", "Olá, Maria!")
        await type_in(app, pilot, "Maria", "")
        await pilot.press("f2", "up")
        await steady(pilot)

    assert snap_compare(demo(), terminal_size=SIZE, run_before=inspector)


def test_the_ops_panel(snap_compare: Any) -> None:
    async def ops(pilot: Pilot[None]) -> None:
        app: SimulatorApp = pilot.app  # type: ignore[assignment]
        await settled(app, pilot)
        await type_in(app, pilot, "Bruno", "/entrar")
        for name in ("Maria", "João", "Pedro"):
            await type_in(app, pilot, name, "oi")
            await type_in(app, pilot, name, "1")
        await pilot.press("f3")
        await app._refresh_ops()
        await settled(app, pilot)
        await steady(pilot)

    assert snap_compare(demo(), terminal_size=SIZE, run_before=ops)
