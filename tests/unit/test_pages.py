"""Laying long text out in WhatsApp messages: every piece fits, and nothing is lost or reordered."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from atende.application.pages import paginate, split

WORDS = st.text(alphabet=st.sampled_from("abç😀 \n"), max_size=300)


def nothing_lost(pieces: list[str], text: str) -> bool:
    """The pieces hold every character of the text, in order; a break drops at most the one
    space or line break it replaced."""
    blank = re.compile(r"[ \n]")
    kept = "".join(pieces)
    return blank.sub("", kept) == blank.sub("", text) and len(kept) >= len(text) - max(len(pieces) - 1, 0)


def test_a_short_text_is_one_piece() -> None:
    assert split("Preciso da segunda via", 50) == ["Preciso da segunda via"]


def test_a_long_text_breaks_at_line_ends_first_then_spaces_then_anywhere() -> None:
    assert split("linha um\nlinha dois e três", 12) == ["linha um", "linha dois e", "três"]
    assert split("um dois três quatro", 9) == ["um dois", "três", "quatro"]
    assert split("x" * 25, 10) == ["x" * 10, "x" * 10, "x" * 5]


@given(text=WORDS, width=st.integers(1, 40))
def test_split_pieces_fit_and_give_the_text_back(text: str, width: int) -> None:
    pieces = split(text, width)

    assert all(len(piece) <= width for piece in pieces)
    assert nothing_lost(pieces, text)


def test_split_refuses_a_width_that_holds_nothing() -> None:
    with pytest.raises(ValueError, match="at least one character"):
        split("x", 0)


def test_lines_fill_pages_in_order_each_line_costing_its_length_and_a_break() -> None:
    assert paginate(["aaaa", "bbb", "cc", "d"], first=9, rest=7) == [["aaaa", "bbb"], ["cc", "d"]]


def test_a_line_that_fits_a_page_of_its_own_is_not_split() -> None:
    assert paginate(["curta", "cabe inteira"], first=12, rest=13) == [["curta"], ["cabe inteira"]]


def test_a_line_longer_than_a_page_fills_the_current_one_at_a_break_and_goes_on() -> None:
    pages = paginate(["oi", "um dois três quatro cinco seis"], first=12, rest=12)

    assert pages == [["oi", "um dois"], ["três quatro"], ["cinco seis"]]


def test_a_line_longer_than_a_page_with_no_break_where_it_stands_starts_on_the_next() -> None:
    pages = paginate(["curta", "x" * 20], first=10, rest=12)

    assert pages == [["curta"], ["x" * 11], ["x" * 9]]


def test_a_page_too_small_for_anything_is_refused() -> None:
    with pytest.raises(ValueError, match="at least one character"):
        paginate(["x"], first=1, rest=10)


@given(lines=st.lists(WORDS, max_size=12), first=st.integers(2, 60), rest=st.integers(2, 60))
def test_pages_fit_their_room_and_keep_every_line_in_order(lines: list[str], first: int, rest: int) -> None:
    pages = paginate(lines, first, rest)

    assert sum(len(line) + 1 for line in pages[0]) <= first
    assert all(sum(len(line) + 1 for line in page) <= rest for page in pages[1:])
    assert all(pages[1:]), "no empty page after the first"
    pieces = [line for page in pages for line in page]
    assert nothing_lost(pieces, "".join(lines))
    assert len("".join(pieces)) >= sum(map(len, lines)) - (len(pieces) - len(lines))
