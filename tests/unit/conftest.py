from __future__ import annotations

import pytest

from tests.unit.people import Agent, Customer
from tests.world import ANA, BRUNO, CARLA, JOAO, MARIA, PEDRO, World, settings


@pytest.fixture
def world(request: pytest.FixtureRequest) -> World:
    """A world with the settings of every `config` marker, a module's under a test's own."""
    changes: dict[str, object] = {}
    for marker in reversed(list(request.node.iter_markers("config"))):  # the closest comes first
        changes.update(marker.kwargs)
    return World(settings(**changes) if changes else None)


@pytest.fixture
def maria(world: World) -> Customer:
    return Customer(world, MARIA)


@pytest.fixture
def joao(world: World) -> Customer:
    return Customer(world, JOAO)


@pytest.fixture
def pedro(world: World) -> Customer:
    return Customer(world, PEDRO)


@pytest.fixture
def ana(world: World) -> Agent:
    return Agent(world, ANA)


@pytest.fixture
def bruno(world: World) -> Agent:
    return Agent(world, BRUNO)


@pytest.fixture
def carla(world: World) -> Agent:
    return Agent(world, CARLA)
