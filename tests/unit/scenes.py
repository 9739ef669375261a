"""Small scenes that many tests start from, told the way the domain says them."""

from __future__ import annotations

from atende.domain.agent import Presence
from tests.unit.people import Agent, Customer
from tests.world import World


def serving(agent: Agent, customer: Customer, department: str = "financeiro") -> str:
    """The agent is checked in and talking to the customer (offer accepted); returns the code."""
    if agent.presence is not Presence.AVAILABLE:
        agent.checks_in()
    code = customer.queues_for(department)
    agent.says(f"Olá, {customer.name.split()[0]}!")
    agent.reads()
    customer.reads()
    assert customer.conversation.agent == agent.wa_id
    return code


def paused_with_a_queue(world: World, agent: Agent, *customers: Customer) -> None:
    """The agent is checked in but paused; the customers wait in Financeiro, in this order."""
    agent.checks_in()
    agent.says("/pausa")
    agent.reads()
    for customer in customers:
        customer.queues_for("financeiro")
        world.wait(30)


def carla_with_maria_and_joao(world: World, carla: Agent, maria: Customer, joao: Customer) -> None:
    """Carla (capacity 3) talks to Maria (active, Suporte) and has João (Vendas) in the background."""
    carla.checks_in()
    maria.queues_for("suporte")
    carla.says("Olá, Maria!")
    world.wait(60)
    joao.queues_for("vendas")
    carla.reads()
    maria.reads()
    joao.reads()
