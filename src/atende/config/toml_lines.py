"""Line numbers of the tables and keys of a TOML text, which tomllib does not keep.

A small tokenizer: just enough of TOML (headers, dotted and quoted keys, arrays, multi-line
strings) to tell, for a text that already parses, on which line each key path is written, so
that every problem can name its line.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from atende.config.problems import KeyPath

_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")


def _read_key(text: str, i: int) -> tuple[list[str], int]:
    """A dotted key starting at `i`: its parts and the index of the character that ends it."""
    parts: list[str] = []
    while True:
        while i < len(text) and text[i] in " \t":
            i += 1
        if i < len(text) and text[i] in "\"'":
            quote = text[i]
            j = i + 1
            while j < len(text) and text[j] != quote:
                j += 2 if quote == '"' and text[j] == "\\" else 1
            parts.append(text[i + 1 : j])
            i = j + 1
        else:
            match = _BARE_KEY.match(text, i)
            if not match:
                return parts, i
            parts.append(match.group())
            i = match.end()
        while i < len(text) and text[i] in " \t":
            i += 1
        if i >= len(text) or text[i] != ".":
            return parts, i
        i += 1


class _ValueScanner:
    """Follows one value across lines (arrays, multi-line strings) so that their insides are not read
    as keys, and reports the line where each element of an array value starts."""

    def __init__(self, on_element: Callable[[int, int], None]) -> None:
        self.depth = 0
        self.multiline: str | None = None
        self._on_element = on_element
        self._array = False
        self._expect_element = False
        self._elements = 0

    @property
    def busy(self) -> bool:
        return self.depth > 0 or self.multiline is not None

    def start(self, text: str, line: int) -> None:
        """A new value begins (the text after `=`)."""
        self._array = text.lstrip().startswith("[")
        self._expect_element = False
        self._elements = 0
        self.feed(text, line)

    def feed(self, text: str, line: int) -> None:
        i = 0
        while i < len(text):
            if self.multiline:
                i = self._close_multiline(text, i)
                continue
            char = text[i]
            if char == "#":
                return
            if char in " \t\r":
                i += 1
                continue
            if self._array and self.depth == 1:
                if char == ",":
                    self._expect_element = True
                    i += 1
                    continue
                if self._expect_element and char != "]":
                    self._on_element(self._elements, line)
                    self._elements += 1
                    self._expect_element = False
            if text.startswith(('"""', "'''"), i):
                self.multiline = text[i : i + 3]
                i += 3
            elif char in "\"'":
                i = self._skip_string(text, i)
            else:
                self._expect_element = self._expect_element or (self.depth == 0 and char == "[")
                self.depth += (char in "[{") - (char in "]}")
                i += 1

    def _close_multiline(self, text: str, i: int) -> int:
        assert self.multiline is not None
        quote = self.multiline
        while i < len(text):
            if quote == '"""' and text[i] == "\\":
                i += 2
            elif text.startswith(quote, i):
                end = i + 3
                while end < len(text) and text[end] == quote[0] and end - i < 5:
                    end += 1  # up to two quotes may end the content itself
                self.multiline = None
                return end
            else:
                i += 1
        return i

    @staticmethod
    def _skip_string(text: str, i: int) -> int:
        quote = text[i]
        i += 1
        while i < len(text) and text[i] != quote:
            i += 2 if quote == '"' and text[i] == "\\" else 1
        return i + 1


class TomlLocator:
    """Line numbers of the tables and keys of a TOML text, since tomllib keeps none.

    It tracks `[table]` and `[[array]]` headers (and how many times each array has appeared, so
    the second `[[agents]]` is `agents[1]`) plus dotted keys. The text must already parse.
    """

    def __init__(self, text: str) -> None:
        self._lines: dict[KeyPath, int] = {}
        self._arrays: dict[KeyPath, int] = {}
        self._current: KeyPath = ()
        self._value: KeyPath = ()
        scanner = _ValueScanner(lambda index, line: self._record((*self._value, index), line))
        for number, line in enumerate(text.split("\n"), start=1):
            if scanner.busy:
                scanner.feed(line, number)
                continue
            stripped = line.strip()
            if not stripped or stripped.startswith("#"):
                continue
            if stripped.startswith("[["):
                self._array_header(_read_key(stripped, 2)[0], number)
            elif stripped.startswith("["):
                self._table_header(_read_key(stripped, 1)[0], number)
            else:
                parts, end = _read_key(stripped, 0)
                self._value = (*self._current, *parts)
                self._record(self._value, number, since=len(self._current) + 1)
                scanner.start(stripped[end + 1 :], number)

    def line_of(self, path: KeyPath) -> int | None:
        """The line of `path`, or of its nearest ancestor that is written down (e.g. an inline table)."""
        for end in range(len(path), 0, -1):
            line = self._lines.get(path[:end])
            if line is not None:
                return line
        return None

    def _record(self, path: KeyPath, line: int, since: int = 1) -> None:
        for end in range(since, len(path) + 1):
            self._lines.setdefault(path[:end], line)

    def _resolve(self, parts: Sequence[str]) -> KeyPath:
        """A header's parts as a path, each array of tables meaning its latest element."""
        path: KeyPath = ()
        for part in parts:
            path = (*path, part)
            if path in self._arrays:
                path = (*path, self._arrays[path])
        return path

    def _array_header(self, parts: list[str], line: int) -> None:
        array = (*self._resolve(parts[:-1]), *parts[-1:])
        index = self._arrays.get(array, -1) + 1
        self._arrays[array] = index
        self._current = (*array, index)
        self._record(self._current, line)

    def _table_header(self, parts: list[str], line: int) -> None:
        self._current = self._resolve(parts)
        self._record(self._current, line)
