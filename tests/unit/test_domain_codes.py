"""Conversation codes: four characters, nothing that reads as another character, any case, `#` or not."""

from __future__ import annotations

import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from atende.domain.codes import ALPHABET, LENGTH, LONGEST, new_code, normalize_code


def test_the_alphabet_has_no_characters_people_confuse() -> None:
    assert not set(ALPHABET) & set("0O1IL")
    assert len(set(ALPHABET)) == len(ALPHABET) == 31
    assert ALPHABET.isupper()


def test_a_new_code_is_four_characters_of_the_alphabet() -> None:
    rng = random.Random(1)
    codes = [new_code(rng) for _ in range(200)]
    assert all(len(code) == LENGTH == 4 for code in codes)
    assert all(set(code) <= set(ALPHABET) for code in codes)
    assert len(set(codes)) > 190, "codes are spread over the alphabet, not repeated"


def test_new_codes_follow_the_random_generator_so_tests_can_repeat_them() -> None:
    assert [new_code(random.Random(7)) for _ in range(3)] == [new_code(random.Random(7))] * 3
    assert new_code(random.Random(7)) != new_code(random.Random(8))


@pytest.mark.parametrize("text", ["K7Q2", "k7q2", "#k7q2", "#K7Q2", "  #k7Q2 ", "##k7q2"])
def test_a_code_is_read_in_any_case_with_or_without_the_hash(text: str) -> None:
    assert normalize_code(text) == "K7Q2"


@pytest.mark.parametrize(
    "text",
    ["", "#", "K7Q", "K7Q2222", "K0Q2", "KOQ2", "K1Q2", "KIQ2", "KLQ2", "k7 q2", "K7-2", "1234", "ÁBCD", "K7Q2#"],
)
def test_anything_that_cannot_be_a_code_is_none(text: str) -> None:
    assert normalize_code(text) is None


@given(st.randoms(use_true_random=False), st.booleans(), st.booleans())
def test_every_new_code_is_read_back_as_itself(rng: random.Random, lower: bool, hashed: bool) -> None:
    code = new_code(rng)
    typed = ("#" if hashed else "") + (code.lower() if lower else code)
    assert normalize_code(typed) == code


@given(st.text(max_size=8))
def test_a_normalized_code_is_always_a_valid_code(text: str) -> None:
    code = normalize_code(text)
    assert code is None or (LENGTH <= len(code) <= LONGEST and set(code) <= set(ALPHABET))
