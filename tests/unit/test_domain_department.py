"""Opening hours: weekly hours in the department's own time zone, whatever zone the moment is given in."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from atende.domain.department import Department, Holidays, OpeningHours

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


# --- holidays and the next opening ---------------------------------------------------------------

GOOD_FRIDAY = date(2026, 4, 3)
TIRADENTES = date(2026, 4, 21)  # a Tuesday


def local(day: int, hour: int, minute: int = 0, month: int = 3) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=ZoneInfo("America/Sao_Paulo"))


def with_holidays(*dates: date, yearly: tuple[tuple[int, int], ...] = ()) -> OpeningHours:
    return replace(SAO_PAULO, holidays=Holidays(frozenset(dates), frozenset(yearly)))


def test_a_holiday_closes_the_whole_local_day() -> None:
    hours = with_holidays(GOOD_FRIDAY)
    assert not hours.is_open(local(3, 10, month=4))
    assert hours.is_open(local(2, 10, month=4)), "the day before is a plain Thursday"
    assert GOOD_FRIDAY in hours.holidays and date(2026, 4, 2) not in hours.holidays


def test_a_yearly_holiday_closes_that_day_every_year() -> None:
    christmas = with_holidays(yearly=((12, 25),))
    assert not christmas.is_open(datetime(2026, 12, 25, 10, tzinfo=ZoneInfo("America/Sao_Paulo")))
    assert not christmas.is_open(datetime(2028, 12, 25, 10, tzinfo=ZoneInfo("America/Sao_Paulo")))
    assert christmas.is_open(datetime(2026, 12, 24, 10, tzinfo=ZoneInfo("America/Sao_Paulo")))


@pytest.mark.parametrize(
    ("moment", "opens"),
    [
        (local(6, 18, 30), local(9, 9)),  # Friday evening → Monday 09:00
        (local(7, 11), local(9, 9)),  # Saturday → Monday
        (local(2, 7), local(2, 9)),  # Monday before opening → today
        (local(2, 18), local(3, 9)),  # Monday at closing time (the end is not open) → Tuesday
        (local(2, 10), local(2, 10)),  # open now: now
    ],
)
def test_the_next_opening_skips_closed_hours_and_weekends(moment: datetime, opens: datetime) -> None:
    assert SAO_PAULO.next_opening(moment) == opens


def test_the_next_opening_skips_holidays_after_a_weekend() -> None:
    hours = with_holidays(TIRADENTES, date(2026, 4, 20))  # a bridge Monday, then the holiday
    assert hours.next_opening(local(17, 18, 30, month=4)) == local(22, 9, month=4)


def test_the_next_opening_is_in_the_business_zone_whatever_zone_asks() -> None:
    friday_evening_utc = utc(6, 21, 30)  # 18:30 in São Paulo
    opening = SAO_PAULO.next_opening(friday_evening_utc)
    assert opening == local(9, 9) and opening is not None
    assert opening.utcoffset() == timedelta(hours=-3)


def test_a_range_past_midnight_opens_at_its_start() -> None:
    nights = OpeningHours("UTC", {MONDAY: ((time(22), time.max),), TUESDAY: ((time.min, time(2)),)})
    assert nights.next_opening(utc(2, 12)) == utc(2, 22)
    assert nights.is_open(utc(3, 1))


def test_hours_that_never_open_have_no_next_opening() -> None:
    every_day_a_holiday = OpeningHours("UTC", {MONDAY: BUSINESS_DAY}, Holidays(yearly=frozenset({(1, 1)})))
    assert OpeningHours("UTC").next_opening(utc(2, 12)) is None
    assert every_day_a_holiday.next_opening(utc(2, 12)) is not None


def test_a_department_says_when_it_opens() -> None:
    assert Department("suporte", "Suporte").next_opening(utc(8, 3)) == utc(8, 3), "always open: now"
    assert Department("financeiro", "Financeiro", hours=SAO_PAULO).next_opening(utc(8, 3)) == local(9, 9)
