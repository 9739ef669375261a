"""Long text laid out in WhatsApp messages: none longer than one message holds, nothing cut."""

from __future__ import annotations

from collections.abc import Sequence

TEXT_LIMIT = 4096
"""Characters in one WhatsApp text message (docs/whatsapp.md §e); the Graph API refuses more."""


def split(text: str, width: int) -> list[str]:
    """`text` in pieces of at most `width` characters, in order, that joined by line breaks or
    spaces give it back: broken at the last line break that fits, else the last space, else
    mid-word (a run of `width` characters without either)."""
    if width < 1:
        raise ValueError("a piece must hold at least one character")
    pieces: list[str] = []
    rest = text
    while len(rest) > width:
        cut = _break(rest, width)
        if cut == -1:
            pieces.append(rest[:width])
            rest = rest[width:]
        else:
            pieces.append(rest[:cut])
            rest = rest[cut + 1 :]
    pieces.append(rest)
    return pieces


def paginate(lines: Sequence[str], first: int, rest: int) -> list[list[str]]:
    """Lines into pages, in order: the first page holds `first` characters, every other `rest`.

    A line costs its length plus one (the line break that joins it to what comes before), so a
    page of lines fits under a heading of that many characters fewer than the limit. A line that
    fits on a page of its own starts one when the current page is full; a line too long for any
    page fills what is left of the current one (up to a break) and is split over the next ones.
    """
    if min(first, rest) < 2:
        raise ValueError("a page must hold at least one character and its line break")
    pages: list[list[str]] = [[]]
    room = first
    for line in lines:
        remainder = line
        if len(line) + 1 > max(room, rest):
            cut = _break(line, room - 1)
            if cut > 0:
                pages[-1].append(line[:cut])
                room -= cut + 1
                remainder = line[cut + 1 :]
        for piece in split(remainder, rest - 1):
            if len(piece) + 1 > room:
                pages.append([])
                room = rest
            pages[-1].append(piece)
            room -= len(piece) + 1
    return pages


def _break(text: str, width: int) -> int:
    """Where to break `text` so that at most `width` characters come before: the last line
    break that allows it, else the last space; -1 when there is neither."""
    cut = text.rfind("\n", 1, width + 1)
    return cut if cut != -1 else text.rfind(" ", 1, width + 1)
