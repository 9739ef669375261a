"""What people type: the same word whatever its case, accents or closing punctuation.

Agents type `/Próximo` or `/proximo`, customers answer `Financeiro!` or `financeiro`: both
sides are compared after folding, never as typed.
"""

from __future__ import annotations

import unicodedata


def fold(text: str) -> str:
    """Lower case without accents: `Próximo` and `proximo` are one word."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def fold_answer(text: str) -> str:
    """An answer to a question, folded, with surrounding blanks and closing `.!?` dropped."""
    return fold(text.strip()).strip(" .!?")
