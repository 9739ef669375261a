"""Opening hours: weekly hours in the department's own time zone, whatever zone the moment is given in."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta, timezone

import pytest

from atende.domain.department import Department, OpeningHours

MONDAY, TUESDAY, SATURDAY, SUNDAY = 0, 1, 5, 6
BUSINESS_DAY = ((time(9), time(18)),)


def utc(day: int, hour: int, minute: int = 0, month: int = 3) -> datetime:
    """`day` of March 2026 (2 March is a Monday) or of another month, in UTC."""
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


SAO_PAULO = OpeningHours("America/Sao_Paulo", dict.fromkeys(range(MONDAY, SATURDAY), BUSINESS_DAY))
"""Monday to Friday 09:00–18:00 in São Paulo (UTC−3, no daylight saving time since 2019)."""


@pytest.mark.parametrize(
    ("moment", "is_open"),
    [
        (utc(2, 11, 59), False),  # Monday 08:59 local
        (utc(2, 12, 0), True),  # 09:00: the start is included
        (utc(2, 20, 59), True),  # 17:59
        (utc(2, 21, 0), False),  # 18:00: the end is not
        (utc(7, 15), False),  # Saturday 12:00 local
        (utc(8, 15), False),  # Sunday
    ],
)
def test_hours_are_read_in_the_departments_time_zone(moment: datetime, is_open: bool) -> None:
    assert SAO_PAULO.is_open(moment) is is_open


def test_the_local_weekday_counts_not_the_utc_one() -> None:
    evenings = OpeningHours("America/Sao_Paulo", {MONDAY: ((time(20), time(23, 30)),)})
    tuesday_1am_utc = utc(3, 1)  # Monday 22:00 in São Paulo
    assert evenings.is_open(tuesday_1am_utc)
    assert not evenings.is_open(utc(2, 22))  # Monday 19:00 local
    assert not evenings.is_open(utc(3, 2, 30))  # Monday 23:30 local: closed


def test_a_zone_ahead_of_utc_opens_on_the_previous_utc_day() -> None:
    tokyo = OpeningHours("Asia/Tokyo", {MONDAY: BUSINESS_DAY})
    assert tokyo.is_open(utc(2, 0))  # Monday 09:00 JST
    assert not tokyo.is_open(utc(1, 23, 59))  # Sunday 23:59 UTC is Monday 08:59 JST
    assert not tokyo.is_open(utc(2, 9))  # Monday 18:00 JST


def test_daylight_saving_time_moves_the_utc_hours_not_the_local_ones() -> None:
    new_york = OpeningHours("America/New_York", {MONDAY: BUSINESS_DAY})
    # 13:30 UTC is 08:30 in January (UTC−5) and 09:30 in July (UTC−4).
    assert not new_york.is_open(datetime(2026, 1, 5, 13, 30, tzinfo=UTC))
    assert new_york.is_open(datetime(2026, 7, 6, 13, 30, tzinfo=UTC))


def test_the_same_instant_in_any_zone_gives_the_same_answer() -> None:
    instant = utc(2, 12, 30)
    at_plus_zero = instant.astimezone(timezone(timedelta(hours=0)))
    in_delhi = instant.astimezone(timezone(timedelta(hours=5, minutes=30)))
    assert SAO_PAULO.is_open(instant) is SAO_PAULO.is_open(at_plus_zero) is SAO_PAULO.is_open(in_delhi) is True


def test_a_day_may_have_several_intervals() -> None:
    lunch_break = OpeningHours("UTC", {MONDAY: ((time(9), time(12)), (time(13), time(18)))})
    assert lunch_break.is_open(utc(2, 11, 59))
    assert not lunch_break.is_open(utc(2, 12, 30))
    assert lunch_break.is_open(utc(2, 13))
    assert not lunch_break.is_open(utc(3, 10)), "Tuesday has no hours"


def test_no_hours_at_all_means_always_closed() -> None:
    assert not OpeningHours("UTC").is_open(utc(2, 12))


def test_a_department_without_hours_is_always_open() -> None:
    always = Department("suporte", "Suporte")
    office = Department("financeiro", "Financeiro", hours=SAO_PAULO)
    for hour in range(24):
        assert always.is_open(utc(8, hour))
    assert office.is_open(utc(2, 13))
    assert not office.is_open(utc(8, 13))
