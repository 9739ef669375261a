"""`atende simulate`, driven through Textual's pilot as a person at the keyboard would drive it.

Each test runs the real app over the real webhook (a throwaway database of the engine under
test, tests/databases.py, and the Graph stand-in), with simulated time that moves only when
the test says so. Typing sets the input's value and presses Enter (a pilot keystroke costs
~90 ms; Enter is what matters here).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import Button, Input, OptionList

from atende.config import load_config
from atende.simulator.app import SimulatorApp
from atende.simulator.boot import DEMO_CONFIG
from atende.simulator.chat import Kind
from atende.simulator.chat_window import BubbleView, ChatWindow
from atende.simulator.live import LiveSession
from atende.simulator.panels import Inspector, OpsPanel
from tests.databases import throwaway
from tests.world import MONDAY_MORNING

SIZE = (220, 60)


@asynccontextmanager
async def simulator(customers: int = 3) -> AsyncIterator[tuple[SimulatorApp, Pilot[None]]]:
    settings = load_config(DEMO_CONFIG).to_settings()
    session = LiveSession(settings, customers=customers, start=MONDAY_MORNING, seed=7, boot=throwaway)
    app = SimulatorApp(session, source="demo", flowing=False)
    async with app.run_test(size=SIZE) as pilot:
        await settled(app, pilot)
        yield app, pilot


async def settled(app: SimulatorApp, pilot: Pilot[None]) -> None:
    """Wait until atende has done everything asked of it and the screen shows it."""
    for _ in range(3):  # a redraw may cause a read receipt, which may cause another redraw
        await asyncio.wrap_future(app.session.idle())
        await pilot.pause()
        app._catch_up()
        await pilot.pause()


def window(app: SimulatorApp, name: str) -> ChatWindow:
    return next(w for w in app.windows() if w.person.name == name)


async def type_in(app: SimulatorApp, pilot: Pilot[None], name: str, text: str) -> None:
    """Tab to `name`'s window if needed, type `text` and press Enter."""
    target = window(app, name)
    for _ in range(len(app.windows())):
        if app.current is target:
            break
        await pilot.press("tab")
        await pilot.pause()
    assert app.current is target, f"Tab never reached {name}'s window"
    await settled(app, pilot)  # the chat opened (and was read) before anything is typed
    assert app.focused is target.input
    target.input.value = text
    await pilot.press("enter")
    await settled(app, pilot)


def received(app: SimulatorApp, name: str) -> list[str]:
    person = window(app, name).person
    return [b.plain().replace("*", "") for b in app.session.chats.received(person.phone)]


def shown(app: SimulatorApp, name: str) -> str:
    """Everything drawn in the window's bubbles, as one text."""
    return "\n".join(view.body().plain for view in window(app, name).query(BubbleView))


@pytest.mark.asyncio
async def test_the_windows_are_the_agents_of_the_config_and_three_customers_and_focus_starts_in_the_first() -> None:
    async with simulator() as (app, _):
        names = [(w.person.name, w.person.role.value) for w in app.windows()]
        assert names == [
            ("Maria", "customer"),
            ("João", "customer"),
            ("Pedro", "customer"),
            ("Ana", "agent"),
            ("Bruno", "agent"),
            ("Carla", "agent"),
        ]
        assert isinstance(app.focused, Input)
        assert app.focused is window(app, "Maria").input


@pytest.mark.asyncio
async def test_a_customer_gets_the_menu_is_queued_and_an_agent_checks_in_and_gets_the_bell() -> None:
    async with simulator() as (app, pilot):
        await type_in(app, pilot, "Maria", "oi")
        assert any("Com qual setor" in text for text in received(app, "Maria"))
        assert "Com qual setor" in shown(app, "Maria")

        await type_in(app, pilot, "Maria", "1")
        assert any("na fila de Financeiro" in text for text in received(app, "Maria"))

        await type_in(app, pilot, "Ana", "/entrar")
        bell = [text for text in received(app, "Ana") if text.startswith("🔔")]
        assert bell and "Maria" in bell[0]
        assert any("Ana vai te atender" in text for text in received(app, "Maria"))

        await type_in(app, pilot, "Ana", "Olá, Maria!")
        assert "Olá, Maria!" in received(app, "Maria")


@pytest.mark.asyncio
async def test_tab_and_shift_tab_move_between_the_windows_inputs() -> None:
    async with simulator() as (app, pilot):
        await pilot.press("tab")
        await pilot.pause()
        assert app.focused is window(app, "João").input
        await pilot.press("shift+tab", "shift+tab")
        await pilot.pause()
        assert app.focused is window(app, "Carla").input


@pytest.mark.asyncio
async def test_a_reply_button_clicked_goes_back_as_the_choice_with_its_menu() -> None:
    async with simulator() as (app, pilot):
        await type_in(app, pilot, "Maria", "oi")
        [menu] = [b for b in app.session.chats.received(window(app, "Maria").person.phone) if b.kind is Kind.MENU]
        buttons = [b for b in window(app, "Maria").query(Button) if str(b.label) == "Suporte"]
        assert buttons, "the menu's options are buttons"
        await pilot.click(buttons[0])
        await settled(app, pilot)

        assert any("na fila de Suporte" in text for text in received(app, "Maria"))
        notification = app.session.inspect(window(app, "Maria").person, window(app, "Maria").bubbles[-2]).notification
        assert notification is not None
        message = notification["entry"][0]["changes"][0]["value"]["messages"][0]  # type: ignore[index]
        assert message["interactive"]["button_reply"]["title"] == "Suporte"
        assert message["context"]["id"] == menu.id


@pytest.mark.asyncio
async def test_enter_on_a_picked_menu_opens_its_options_and_the_pick_is_sent() -> None:
    async with simulator() as (app, pilot):
        await type_in(app, pilot, "João", "oi")
        await pilot.press("up")  # the menu, the latest bubble
        await pilot.pause()
        assert window(app, "João").target is not None and window(app, "João").target.kind is Kind.MENU
        await pilot.press("enter")
        await pilot.pause()
        options = app.screen.query_one(OptionList)
        options.highlighted = 2  # Vendas
        await pilot.press("enter")
        await settled(app, pilot)
        assert any("na fila de Vendas" in text for text in received(app, "João"))


async def carla_serving(app: SimulatorApp, pilot: Pilot[None], *customers: str) -> None:
    """Carla (capacity 3, Suporte and Vendas) checks in and takes each customer, who chose Suporte."""
    await type_in(app, pilot, "Carla", "/entrar")
    for name in customers:
        await type_in(app, pilot, name, "oi")
        await type_in(app, pilot, name, "2")


@pytest.mark.asyncio
async def test_the_agent_lists_the_line_ends_one_customer_and_transfers_another_from_the_window() -> None:
    async with simulator() as (app, pilot):
        await carla_serving(app, pilot, "Maria", "João")
        await type_in(app, pilot, "Pedro", "oi")
        await type_in(app, pilot, "Pedro", "Vendas")  # Carla has room for a third: she gets him too

        await type_in(app, pilot, "Carla", "/fila")
        assert received(app, "Carla")[-1].startswith("📋")

        await type_in(app, pilot, "Carla", "/fim")  # her active conversation: the first she took
        assert received(app, "Carla")[-1].startswith("✅") and "Maria" in received(app, "Carla")[-1]
        assert any("Atendimento encerrado" in text for text in received(app, "Maria"))

        await type_in(app, pilot, "Carla", "/ir #" + _code_of(app, "João"))
        await type_in(app, pilot, "Carla", "/transferir financeiro")
        assert "transferido para Financeiro" in received(app, "Carla")[-1]
        assert any("transferido para Financeiro" in text for text in received(app, "João"))
        assert "Financeiro · 1 waiting" in await _ops_text(app, pilot)  # Ana is offline: João waits


def _code_of(app: SimulatorApp, customer: str) -> str:
    """The conversation code the agent's 🔔 gave for `customer`."""
    bell = next(t for t in received(app, "Carla") if t.startswith("🔔") and customer in t)
    return bell.split("#", 1)[1].split()[0]


async def _ops_text(app: SimulatorApp, pilot: Pilot[None]) -> str:
    await pilot.press("f3")
    await settled(app, pilot)
    return app.query_one(OpsPanel).text


@pytest.mark.asyncio
async def test_an_agent_with_two_customers_answers_the_right_one_by_picking_their_message() -> None:
    async with simulator() as (app, pilot):
        await carla_serving(app, pilot, "Maria", "João")
        await type_in(app, pilot, "Maria", "meu pedido não chegou")
        await type_in(app, pilot, "João", "quero trocar a cor")

        carla = window(app, "Carla")
        await type_in(app, pilot, "Carla", "")  # just go to her window
        maria_said = next(i for i, b in enumerate(carla.bubbles) if "pedido não chegou" in b.plain())
        while carla.selected != maria_said:
            await pilot.press("up")
        await pilot.pause()
        assert "↩" in str(carla.query_one(".replying").render())
        carla.input.value = "Vou verificar, Maria"
        await pilot.press("enter")
        await settled(app, pilot)

        assert "Vou verificar, Maria" in received(app, "Maria")
        assert "Vou verificar, Maria" not in received(app, "João")
        [reply] = [
            b for b in app.session.chats.received(window(app, "Maria").person.phone) if "Vou verificar" in b.text
        ]
        assert reply.quote is not None  # it quotes what Maria wrote, as WhatsApp shows a reply


@pytest.mark.asyncio
async def test_a_reaction_lands_on_the_original_on_the_other_side() -> None:
    async with simulator() as (app, pilot):
        await carla_serving(app, pilot, "Maria")
        await type_in(app, pilot, "Maria", "obrigada!")
        await type_in(app, pilot, "Carla", "")
        await pilot.press("up")  # Maria's thanks, relayed
        await pilot.press("f5")
        await pilot.pause()
        await pilot.press("enter")  # 👍, the first quick reaction
        await settled(app, pilot)

        maria = window(app, "Maria")
        [thanks] = [b for b in maria.bubbles if b.mine and b.text == "obrigada!"]
        [reaction] = [b for b in app.session.chats.received(maria.person.phone) if b.kind is Kind.REACTION]
        assert (reaction.target, reaction.text) == (thanks.id, "👍")
        [shown_with_it] = [view for view in maria.query(BubbleView) if view.bubble.id == thanks.id]
        assert "👍" in shown_with_it.footer().plain


@pytest.mark.asyncio
async def test_an_image_from_the_attachment_menu_reaches_the_agent_as_an_image() -> None:
    async with simulator() as (app, pilot):
        await carla_serving(app, pilot, "Pedro")
        await type_in(app, pilot, "Pedro", "")
        await pilot.press("f4")
        await pilot.pause()
        await pilot.press("enter")  # 🖼 Foto, the first attachment
        await settled(app, pilot)

        carla = window(app, "Carla").person
        images = [b for b in app.session.chats.received(carla.phone) if b.kind is Kind.MEDIA]
        assert images and images[-1].label.startswith("image")
        assert "Pedro" in images[-1].text  # the caption names the customer


@pytest.mark.asyncio
async def test_the_inspector_shows_the_notification_posted_and_the_graph_request_captured() -> None:
    async with simulator() as (app, pilot):
        await type_in(app, pilot, "Maria", "oi")
        await pilot.press("f2")
        await pilot.press("up")  # the menu atende sent
        await pilot.pause()
        inspector = app.query_one(Inspector).text
        assert "/messages" in inspector and '"interactive"' in inspector

        await pilot.press("up")  # what Maria wrote
        await pilot.pause()
        inspector = app.query_one(Inspector).text
        assert "POST /webhook" in inspector and '"whatsapp_business_account"' in inspector


@pytest.mark.asyncio
async def test_the_ops_panel_shows_who_waits_and_the_agents_states() -> None:
    async with simulator() as (app, pilot):
        await type_in(app, pilot, "Maria", "oi")
        await type_in(app, pilot, "Maria", "1")
        await pilot.press("f3")
        await settled(app, pilot)
        await app._refresh_ops()
        text = app.query_one(OpsPanel).text
        assert "Financeiro · 1 waiting" in text
        assert "Maria Silva" in text and "Ana: offline" in text


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.asyncio
async def test_customers_queued_one_after_another_keep_their_order_while_the_clock_stands_still(seed: int) -> None:
    settings = load_config(DEMO_CONFIG).to_settings()
    # The seed picks the codes.
    session = LiveSession(settings, customers=3, start=MONDAY_MORNING, seed=seed, boot=throwaway)
    app = SimulatorApp(session, source="demo", flowing=False)
    async with app.run_test(size=SIZE) as pilot:
        await settled(app, pilot)
        for name in ("Maria", "João", "Pedro"):
            await type_in(app, pilot, name, "oi")
            await type_in(app, pilot, name, "1")
        told = {name: next(t for t in received(app, name) if "na fila" in t) for name in ("Maria", "João", "Pedro")}
        assert ["posição 1" in told["Maria"], "posição 2" in told["João"], "posição 3" in told["Pedro"]] == [True] * 3
        [financeiro, *_] = await asyncio.wrap_future(app.session.queues())
        assert [row.name for row in financeiro.waiting] == ["Maria Silva", "João Souza", "Pedro Lima"]


@pytest.mark.asyncio
async def test_the_clock_control_brings_the_queue_reminder() -> None:
    async with simulator() as (app, pilot):
        await type_in(app, pilot, "Ana", "/entrar")
        await type_in(app, pilot, "Maria", "oi")
        await type_in(app, pilot, "Maria", "1")  # Ana takes Maria
        await type_in(app, pilot, "João", "oi")
        await type_in(app, pilot, "João", "1")  # João waits for Ana (Bruno is offline)
        assert not [t for t in received(app, "Ana") if t.startswith("⏳")]

        await pilot.press("f7")  # +10 minutes
        await settled(app, pilot)

        reminders = [t for t in received(app, "Ana") if t.startswith("⏳")]
        assert reminders and "Financeiro" in reminders[0]


@pytest.mark.asyncio
async def test_customer_windows_can_be_added_and_removed_while_running() -> None:
    async with simulator() as (app, pilot):
        await pilot.press("f9")
        await pilot.pause()
        newcomer = app.windows()[3]
        assert newcomer.person.role.value == "customer" and newcomer.person.name == "Rita"
        assert app.focused is newcomer.input
        await type_in(app, pilot, "Rita", "oi")
        assert any("Com qual setor" in text for text in received(app, "Rita"))

        await pilot.press("f10")
        await settled(app, pilot)
        assert "Rita" not in [w.person.name for w in app.windows()]
        assert len(app.windows()) == 6


@pytest.mark.asyncio
async def test_a_recorded_session_plays_back_headless_with_its_expectations(tmp_path: Path) -> None:
    from atende.simulator.recorder import Expected, save_recording

    async with simulator() as (app, pilot):
        await type_in(app, pilot, "Ana", "/entrar")
        await type_in(app, pilot, "Maria", "oi")
        await type_in(app, pilot, "Maria", "1")
        await type_in(app, pilot, "Ana", "Olá!")
        bell = next(b for b in app.session.chats.received(window(app, "Ana").person.phone) if b.text.startswith("🔔"))
        steps = await asyncio.wrap_future(app.session.steps_so_far())
        path = save_recording(
            app.session, steps, [Expected("Ana", bell.step, "Novo atendimento"), Expected("Maria", 4, "Olá!")], tmp_path
        )

    from io import StringIO

    from rich.console import Console

    from atende.simulator.headless import run_script

    assert [p.name for p in tmp_path.iterdir()] == [path.name]  # the demo travels inline: one file
    out = StringIO()
    code = await asyncio.to_thread(run_script, path, Console(file=out, width=120))  # it runs its own event loop
    assert code == 0, out.getvalue()
    assert "all 2 expectations hold" in out.getvalue()


@pytest.mark.asyncio
async def test_what_arrived_while_time_flowed_can_be_expected_in_a_recording(tmp_path: Path) -> None:
    from io import StringIO

    from rich.console import Console

    from atende.simulator.headless import run_script
    from atende.simulator.recorder import Expected, RecordSheet, contains_of, save_recording

    async with simulator() as (app, pilot):
        await type_in(app, pilot, "Ana", "/entrar")
        await type_in(app, pilot, "Maria", "oi")
        await type_in(app, pilot, "Maria", "1")  # offered to Ana, who says nothing
        await asyncio.wrap_future(app.session.flow(200))  # the wall clock moves past the 3-min offer timeout
        await settled(app, pilot)
        ana = window(app, "Ana").person
        lapsed = next(b for b in app.session.chats.received(ana.phone) if "sem resposta" in b.text)

        await app.action_record()  # Ctrl+S while time is still flowing
        await pilot.pause()
        sheet = app.screen
        assert isinstance(sheet, RecordSheet)
        assert Expected("Ana", lapsed.step, contains_of(lapsed)) in sheet.candidates
        path = save_recording(app.session, sheet.steps, [Expected("Ana", lapsed.step, contains_of(lapsed))], tmp_path)

    out = StringIO()
    code = await asyncio.to_thread(run_script, path, Console(file=out, width=120))
    assert code == 0, out.getvalue()
    assert "all 1 expectations hold" in out.getvalue(), out.getvalue()


@pytest.mark.asyncio
async def test_recording_twice_keeps_both_files(tmp_path: Path) -> None:
    from atende.simulator.recorder import save_recording

    async with simulator() as (app, pilot):
        await type_in(app, pilot, "Maria", "oi")
        first = save_recording(app.session, await asyncio.wrap_future(app.session.steps_so_far()), [], tmp_path)
        await type_in(app, pilot, "Maria", "1")
        second = save_recording(app.session, await asyncio.wrap_future(app.session.steps_so_far()), [], tmp_path)

    assert first != second
    assert first.read_text(encoding="utf-8").count("[[step]]") == 1
    assert second.read_text(encoding="utf-8").count("[[step]]") == 2


@pytest.mark.asyncio
async def test_a_message_turns_read_only_when_the_recipient_looks_at_the_chat() -> None:
    async with simulator() as (app, pilot):
        await carla_serving(app, pilot, "Maria")
        await type_in(app, pilot, "Maria", "está aí?")
        maria = window(app, "Maria")
        [asked] = [b for b in maria.bubbles if b.mine and b.text == "está aí?"]
        assert not app.session.chats.is_read(asked.id)  # Carla has not opened her chat

        await type_in(app, pilot, "Carla", "")  # her window gets the focus: she reads it
        assert app.session.chats.is_read(asked.id)


EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "scenarios"


@pytest.mark.asyncio
async def test_a_scenario_plays_in_the_windows_step_by_step_and_the_windows_stay_open() -> None:
    from atende.simulator.people import people_for
    from atende.simulator.scenario_config import scenario_settings
    from atende.simulator.scenario_file import load_scenario

    scenario = load_scenario(EXAMPLES / "basic.toml")
    settings = scenario_settings(scenario)
    session = LiveSession(
        settings, people=people_for(scenario, settings), start=scenario.start, seed=scenario.seed, boot=throwaway
    )
    app = SimulatorApp(session, source="basic.toml", flowing=False, script=scenario, pace=3600)
    async with app.run_test(size=SIZE) as pilot:
        await settled(app, pilot)
        assert [w.person.name for w in app.windows()] == ["Maria", "Ana", "Bruno", "Carla"]
        await pilot.press("ctrl+n")  # one step, by hand
        await settled(app, pilot)
        assert app.script_at == 1 and not app.script_running
        assert [b.text for b in window(app, "Maria").bubbles if b.mine] == ["Oi, bom dia!"]

        while app.script_left:
            await app.action_script_step()
            await settled(app, pilot)

        assert app.verdicts and all(v.passed for v in app.verdicts), [v for v in app.verdicts if not v.passed]
        await type_in(app, pilot, "Maria", "mais uma coisa")  # still open: the person goes on
        assert "mais uma coisa" in [b.text for b in window(app, "Maria").bubbles if b.mine]
