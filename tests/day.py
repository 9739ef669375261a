"""A working day, played at random from a seed: customers come, wait, leave, rate; agents check in,
pause, answer, end, transfer and remove; offers lapse. The same seed gives the same day on any
storage, so what the fakes and a database make of it can be compared figure by figure.

People react to what they last received, as people do (an agent answers a 🔔, a customer taps a
rating): atende tells everyone the same on any storage (tests/integration/test_sql_flow.py), so
the same seed still gives the same inputs.
"""

from __future__ import annotations

import random

from atende.domain.content import Choice
from tests.world import ANA, JOAO, MARIA, PEDRO, World

DEPARTMENTS = ("1", "2", "3", "4")
COMMANDS = (
    *("/fim", "/fim", "/fim", "/fim", "/proximo", "/volto", "/volto", "/entrar", "/entrar", "/entrar"),
    *("/pausa", "/sair", "/transferir suporte", "/remover 1"),
)
"""What an agent does unprompted, weighted by repetition: mostly ending conversations."""


def customer(number: int) -> str:
    return f"5511955{number:06d}"


def working_day(world: World, seed: int, steps: int = 160) -> None:
    """`steps` moves, with time passing between them (seconds to five minutes)."""
    rng = random.Random(seed)
    agents = [profile.phone for profile in world.settings.agents]
    for phone in agents:
        if rng.random() < 0.8:
            world.write(phone, "/entrar")
    arrived = 0
    for _ in range(steps):
        move = rng.random()
        if move < 0.2 or not arrived:
            who = customer(arrived)
            arrived += 1
            world.write(who, "oi", name=f"Cliente {arrived}")
            if rng.random() < 0.9:
                world.write(who, rng.choice(DEPARTMENTS), name=f"Cliente {arrived}")
            else:
                world.write(who, "sair")  # left from the menu: never offered anywhere
        elif move < 0.4:
            _customer_reacts(world, rng, customer(rng.randrange(arrived)))
        elif move < 0.85:
            _agent_reacts(world, rng, rng.choice(agents))
        else:
            world.wait(rng.choice([5, 15, 30, 60, 120, 300]), step=30)
    world.wait(60, step=30)


def _customer_reacts(world: World, rng: random.Random, who: str) -> None:
    said = world.texts(who)
    last = said[-1] if said else ""
    if "atendimento?" in last or "our service?" in last:  # the rating prompt
        if rng.random() < 0.8:
            score = rng.choice([1, 2, 3, 3])
            world.write(who, Choice(f"rate:{score}", str(score)))
    elif "fila" in last and rng.random() < 0.3:
        world.write(who, "sair")
    elif rng.random() < 0.3:
        world.write(who, "mais uma coisa")


def _agent_reacts(world: World, rng: random.Random, who: str) -> None:
    said = world.texts(who)
    last = said[-1] if said else ""
    if last.startswith("🔔") and rng.random() < 0.8:
        world.write(who, "Olá! Em que posso ajudar?")  # acting on the offer accepts it
    elif last.startswith("⚠️") and "/volto" in last and rng.random() < 0.6:
        world.write(who, "/volto")
    else:
        world.write(who, rng.choice(COMMANDS))


def a_morning(world: World) -> None:
    """10:00 Monday: Ana serves Maria at once and João after 4 min, 5 min each; Pedro gives up after
    4 min. Financeiro: 3 offered, 2 answered (0 s and 240 s), 1 abandoned, ratings 3 and 1."""

    def maria(said: str | Choice) -> None:
        world.write(MARIA, said, name="Maria Silva")

    def joao(said: str | Choice) -> None:
        world.write(JOAO, said, name="João Souza")

    def pedro(said: str | Choice) -> None:
        world.write(PEDRO, said, name="Pedro Lima")

    def ana(said: str) -> None:
        world.write(ANA, said, name="Ana")

    ana("/entrar")
    maria("oi")
    maria(Choice("dept:financeiro", "Financeiro"))
    ana("Olá, Maria!")
    world.wait(60)
    joao("oi")
    joao(Choice("dept:financeiro", "Financeiro"))
    world.wait(60)
    pedro("oi")
    pedro(Choice("dept:financeiro", "Financeiro"))
    world.wait(180)
    ana("/fim")  # 300 s with Maria; João is next, after 240 s
    maria(Choice("rate:3", "😀 Ótimo"))
    ana("Olá, João!")
    world.wait(60)
    pedro("sair")
    world.wait(240)
    ana("/fim")  # 300 s with João
    joao(Choice("rate:1", "😞 Ruim"))
