"""Redraw docs/simulate.svg, the README's picture of `atende simulate`.

Plays a short morning in the demo business through Textual's pilot (the same harness as
tests/tui), so the picture shows the real app, not a mock-up: two agents check in, three
customers pick departments, an agent swipe-replies, and the queues panel is open.

Run from the repository root: `python tools/readme_screenshot.py`.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.tui.test_simulator import SIZE, settled, type_in  # noqa: E402
from tests.tui.test_snapshots import demo  # noqa: E402
from textual.widgets import Input  # noqa: E402

MORNING = (
    ("Carla", "/entrar"),
    ("Ana", "/entrar"),
    ("Maria", "oi"),
    ("Maria", "2"),
    ("Maria", "Meu pedido 4471 chegou com a tampa quebrada"),
    ("João", "Boa tarde!"),
    ("João", "Vendas"),
    ("João", "Vocês têm a cafeteira em vermelho?"),
    ("Pedro", "oi"),
    ("Pedro", "1"),
    ("Pedro", "Preciso da segunda via do boleto"),
)


async def draw(target: Path) -> None:
    app = demo()
    async with app.run_test(size=SIZE) as pilot:
        await settled(app, pilot)
        for name, words in MORNING:
            await type_in(app, pilot, name, words)
        await type_in(app, pilot, "Carla", "")
        carla = next(w for w in app.windows() if w.person.name == "Carla")
        broken = next(i for i, b in enumerate(carla.bubbles) if "tampa quebrada" in b.text)
        while carla.selected != broken:
            await pilot.press("up")
        await type_in(app, pilot, "Carla", "Sinto muito, Maria! Vou enviar outra hoje mesmo.")
        await type_in(app, pilot, "Ana", "Olá Pedro! Já gero a segunda via.")
        await type_in(app, pilot, "Maria", "Obrigada!!")
        await type_in(app, pilot, "Carla", "")
        await pilot.press("f3")
        await settled(app, pilot)
        for field in app.query(Input):
            field.cursor_blink = False  # a blinking cursor would make each drawing differ
        await pilot.pause()
        app.save_screenshot(filename=target.name, path=str(target.parent))


if __name__ == "__main__":
    asyncio.run(draw(ROOT / "docs" / "simulate.svg"))
    print("docs/simulate.svg redrawn")
