"""Conversation codes: short, unambiguous when read aloud or typed on a phone."""

from __future__ import annotations

import random

ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
"""No 0/O, 1/I/L: a code is typed by people on small keyboards."""

LENGTH = 4
LONGEST = 6
"""Codes grow a character when short ones get hard to find free (~923k of 4, ~28.6M of 5)."""


def new_code(rng: random.Random, length: int = LENGTH) -> str:
    return "".join(rng.choice(ALPHABET) for _ in range(length))


def normalize_code(text: str) -> str | None:
    """`#k7q2`, `K7Q2` → `K7Q2`; anything that cannot be a code → None."""
    candidate = text.strip().lstrip("#").upper()
    if LENGTH <= len(candidate) <= LONGEST and all(c in ALPHABET for c in candidate):
        return candidate
    return None
