"""Opening hours: a department's `hours` table read into a week, a week described in one line, and
the holidays it closes on.

The table is written for people (`mon-fri = "08:00-18:00"`, pt-BR day names too, lists for breaks,
ranges past midnight); a mistake in one entry is a `HoursMistake` naming that entry's key.
Holidays are dates (`2026-04-03`, TOML's own dates or in quotes) or, for those every year,
month and day (`"12-25"`).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Mapping, Sequence
from datetime import date, datetime, time

Week = dict[int, tuple[tuple[time, time], ...]]
"""Weekday (0 = Monday) → sorted, non-overlapping (start, end) ranges, as `OpeningHours.week`."""

_DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_DAYS = {
    **{name: number for number, name in enumerate(_DAY_NAMES)},
    **{name: number for number, name in enumerate(("seg", "ter", "qua", "qui", "sex", "sab", "dom"))},
    "sáb": 5,
}
_CLOSED = {"closed", "fechado"}
_TIME = re.compile(r"(\d{1,2}):(\d{2})")
_END_OF_DAY = time.max
""""24:00": `OpeningHours` compares `start <= now < end`, so time.max stands for midnight."""


class HoursMistake(ValueError):
    """A mistake in one entry of an `hours` table; `key` extends the reported path to that entry."""

    def __init__(self, key: str, message: str) -> None:
        super().__init__(message)
        self.key = key


def _weekdays(spec: str) -> list[int]:
    """A day or a range: mon → [0], mon-fri → [0..4], fri-mon wraps over the weekend; pt-BR names too."""
    names = [part.strip().lower() for part in spec.split("-")]
    unknown = [name for name in names if name not in _DAYS]
    if len(names) > 2 or unknown or not all(names):
        raise ValueError(
            f'"{spec}" is not a day or a range of days: use mon tue wed thu fri sat sun '
            "(or seg ter qua qui sex sab dom), alone or as a range such as mon-fri"
        )
    first, last = _DAYS[names[0]], _DAYS[names[-1]]
    return [(first + offset) % 7 for offset in range((last - first) % 7 + 1)]


def _clock(text: str, *, closing: bool) -> time:
    match = _TIME.fullmatch(text.strip())
    hour, minute = (int(match.group(1)), int(match.group(2))) if match else (-1, -1)
    if closing and (hour, minute) == (24, 0):
        return _END_OF_DAY
    if not (0 <= hour <= 23 and 0 <= minute <= 59):
        raise ValueError(f'"{text.strip()}" is not a time of day; write HH:MM, e.g. 08:00 or 18:30')
    return time(hour, minute)


def _time_range(text: str) -> tuple[time, time]:
    pieces = re.split(r"\s*[-–]\s*", text.strip())
    if len(pieces) != 2:
        raise ValueError(f'"{text}" is not a time range; write "08:00-18:00"')
    start, end = _clock(pieces[0], closing=False), _clock(pieces[1], closing=True)
    if start == end:
        raise ValueError(f'"{text}" opens and closes at the same time')
    return start, end


def _ranges(value: object) -> list[tuple[time, time]]:
    """A day's value: "08:00-18:00", a list of such ranges, or "closed"."""
    items = value if isinstance(value, list) else [value]
    texts = [item for item in items if isinstance(item, str)]
    if len(texts) != len(items):
        raise ValueError('must be a time range in quotes, e.g. "08:00-18:00", or a list of them')
    if len(texts) == 1 and texts[0].strip().lower() in _CLOSED:
        return []
    return [_time_range(text) for text in texts]


def _clock_text(moment: time) -> str:
    return "24:00" if moment == _END_OF_DAY else f"{moment:%H:%M}"


def parse_hours(value: object) -> Week:
    """The friendly `hours` table → a week. A range that ends before it starts runs past midnight.

    Each day may be given once; ranges may not overlap. Days left out are closed.
    """
    if not isinstance(value, dict):
        raise ValueError('must be a table of days, e.g. hours = { mon-fri = "08:00-18:00", sat = "08:00-12:00" }')
    given: dict[int, str] = {}
    spans: dict[int, list[tuple[time, time, str]]] = {}
    for key, day_value in value.items():
        try:
            days, ranges = _weekdays(key), _ranges(day_value)
        except ValueError as exc:
            raise HoursMistake(key, str(exc)) from None
        for day in days:
            if day in given:
                raise HoursMistake(key, f'{_DAY_NAMES[day]} is already given by "{given[day]}"')
            given[day] = key
            for start, end in ranges:
                if end > start:
                    spans.setdefault(day, []).append((start, end, key))
                else:  # past midnight: the rest of today, then the start of tomorrow
                    spans.setdefault(day, []).append((start, _END_OF_DAY, key))
                    spans.setdefault((day + 1) % 7, []).append((time.min, end, key))
    week: Week = {}
    for day in sorted(spans):
        ordered = sorted(spans[day])
        for (_, end, _key), (start, _, key) in itertools.pairwise(ordered):
            if start < end:
                raise HoursMistake(
                    key, f"on {_DAY_NAMES[day]}, the range from {_clock_text(start)} overlaps the one before it"
                )
        week[day] = tuple((start, end) for start, end, _ in ordered)
    if not week:
        raise ValueError("opens on no day; leave hours out for a department that is always open")
    return week


def describe_hours(week: Mapping[int, Sequence[tuple[time, time]]] | None) -> str:
    """A week as a short line ("mon-fri 08:00-18:00 · sat 08:00-12:00"), consecutive equal days merged."""
    if not week:
        return "always open"
    groups: list[tuple[int, int, str]] = []
    for day in sorted(week):
        ranges = ", ".join(f"{_clock_text(a)}-{_clock_text(b)}" for a, b in week[day])
        if groups and groups[-1][1] == day - 1 and groups[-1][2] == ranges:
            groups[-1] = (groups[-1][0], day, ranges)
        else:
            groups.append((day, day, ranges))
    return " · ".join(f"{_DAY_NAMES[a]}{'-' + _DAY_NAMES[b] if b != a else ''} {ranges}" for a, b, ranges in groups)


Holiday = date | tuple[int, int]
"""A date, or (month, day) for a holiday every year."""

_YEARLY = re.compile(r"(\d{1,2})-(\d{1,2})")
_LEAP_YEAR = 2000
"""Where a yearly day is checked: 29 February is a day of some years."""


def parse_holiday(value: object) -> Holiday:
    """`2026-04-03` (a TOML date, or the same in quotes) or `"12-25"` (every 25 December)."""
    example = 'write a date such as 2026-04-03, or "12-25" for every 25 December'
    if isinstance(value, datetime):
        raise ValueError(f"{value.isoformat()} has a time of day; {example}")
    if isinstance(value, date):
        return value
    if not isinstance(value, str):
        raise ValueError(f"{value!r} is not a date; {example}")
    text = value.strip()
    yearly = _YEARLY.fullmatch(text)
    try:
        if yearly:
            month, day = int(yearly.group(1)), int(yearly.group(2))
            date(_LEAP_YEAR, month, day)
            return (month, day)
        return date.fromisoformat(text)
    except ValueError:
        raise ValueError(f'"{value}" is not a date; {example}') from None


def describe_holidays(holidays: Sequence[Holiday]) -> str:
    """`2026-04-03 · every 12-25`, in the order given; "" for none."""
    return " · ".join(
        day.isoformat() if isinstance(day, date) else f"every {day[0]:02d}-{day[1]:02d}" for day in holidays
    )
