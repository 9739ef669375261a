"""Conversation codes stay short while they can, and grow rather than loop when they cannot."""

from __future__ import annotations

import random

from atende.application.customer import free_code
from atende.application.session import Session
from atende.application.texts import texts_for
from atende.domain.codes import normalize_code
from tests.fakes import FakeConversations, FakeUnitOfWork, Store
from tests.world import MONDAY_MORNING, settings


class CrowdedConversations(FakeConversations):
    """Every code shorter than `free_from` characters is taken, as after years of conversations."""

    free_from = 5

    def code_taken(self, code: str) -> bool:
        return len(code) < self.free_from or super().code_taken(code)


def context_with_crowded_codes(free_from: int) -> Session:
    uow = FakeUnitOfWork(Store())
    uow.conversations = CrowdedConversations(uow.store)
    CrowdedConversations.free_from = free_from
    return Session(uow, MONDAY_MORNING, settings(), texts_for("pt-BR"), random.Random(5))


def test_a_code_is_four_characters_while_four_are_free() -> None:
    code = free_code(context_with_crowded_codes(free_from=4))
    assert len(code) == 4 and normalize_code(code) == code


def test_when_short_codes_are_all_taken_the_code_grows_and_agents_can_still_type_it() -> None:
    code = free_code(context_with_crowded_codes(free_from=5))
    assert len(code) == 5
    assert normalize_code(f"#{code.lower()}") == code
