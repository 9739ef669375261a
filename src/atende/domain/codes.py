"""Conversation codes: short, unambiguous when read aloud or typed on a phone."""

from __future__ import annotations

import random

ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
"""No 0/O, 1/I/L: a code is typed by people on small keyboards."""

LENGTH = 4


def new_code(rng: random.Random) -> str:
    return "".join(rng.choice(ALPHABET) for _ in range(LENGTH))


def normalize_code(text: str) -> str | None:
    """`#k7q2`, `K7Q2` → `K7Q2`; anything that cannot be a code → None."""
    candidate = text.strip().lstrip("#").upper()
    if len(candidate) == LENGTH and all(c in ALPHABET for c in candidate):
        return candidate
    return None
