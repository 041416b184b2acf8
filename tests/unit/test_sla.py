"""Working-hours arithmetic on team calendars, SLA policy matching and SLA status."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from deskline.models import Calendar, SlaPolicy, SlaStatus
from deskline.rules.sla import (
    add_working_hours,
    policy_applies,
    status_now,
    status_on_reach,
    working_hours_between,
)

OFFICE = Calendar()  # UTC, Monday to Friday, 9:00-17:00
BERLIN = Calendar(timezone="Europe/Berlin")
NEW_YORK = Calendar(timezone="America/New_York")
TOKYO = Calendar(timezone="Asia/Tokyo", start_hour=9, end_hour=18)
ALWAYS_BERLIN = Calendar(
    timezone="Europe/Berlin", days=[0, 1, 2, 3, 4, 5, 6], start_hour=0, end_hour=24
)


def utc(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=UTC)


# 2025-01-06 is a Monday; 2025-01-10 a Friday.


@pytest.mark.parametrize(
    ("start", "hours", "expected"),
    [
        (utc(2025, 1, 6, 10), 3, utc(2025, 1, 6, 13)),  # inside one day
        (utc(2025, 1, 6, 15), 4, utc(2025, 1, 7, 11)),  # over the evening
        (utc(2025, 1, 6, 15), 2, utc(2025, 1, 6, 17)),  # lands on the end of the day
        (utc(2025, 1, 10, 16), 2, utc(2025, 1, 13, 10)),  # over the weekend
        (utc(2025, 1, 11, 12), 1, utc(2025, 1, 13, 10)),  # starts on a Saturday
        (utc(2025, 1, 12, 23, 59), 8, utc(2025, 1, 13, 17)),  # starts on a Sunday night
        (utc(2025, 1, 6, 7), 1, utc(2025, 1, 6, 10)),  # starts before opening
        (utc(2025, 1, 6, 18), 1, utc(2025, 1, 7, 10)),  # starts after closing
        (utc(2025, 1, 6, 17), 1, utc(2025, 1, 7, 10)),  # starts exactly at closing
        (utc(2025, 1, 6, 9), 1.25, utc(2025, 1, 6, 10, 15)),  # fractional hours
        (utc(2025, 1, 6, 9), 0.1, utc(2025, 1, 6, 9, 6)),
        (utc(2025, 1, 6, 16, 30), 0.75, utc(2025, 1, 7, 9, 15)),
        (utc(2025, 1, 6, 10), 24, utc(2025, 1, 9, 10)),  # three working days
        (utc(2025, 1, 8, 14), 24, utc(2025, 1, 13, 14)),  # three working days and a weekend
        (utc(2025, 1, 6, 9), 40, utc(2025, 1, 10, 17)),  # exactly one week
        (utc(2025, 1, 6, 9), 500, utc(2025, 4, 2, 13)),  # 12 weeks and 20 hours
    ],
)
def test_add_working_hours_on_a_utc_office_calendar(
    start: datetime, hours: float, expected: datetime
) -> None:
    assert add_working_hours(start, hours, OFFICE) == expected


@pytest.mark.parametrize(
    ("start", "expected"),
    [
        (utc(2025, 1, 6, 10, 30), utc(2025, 1, 6, 10, 30)),  # inside: start itself
        (utc(2025, 1, 6, 9), utc(2025, 1, 6, 9)),  # opening instant is working time
        (utc(2025, 1, 6, 6), utc(2025, 1, 6, 9)),  # before opening: this morning
        (utc(2025, 1, 6, 17), utc(2025, 1, 7, 9)),  # closing instant: next morning
        (utc(2025, 1, 10, 20), utc(2025, 1, 13, 9)),  # Friday night: Monday
        (utc(2025, 1, 11, 12), utc(2025, 1, 13, 9)),  # Saturday: Monday
    ],
)
def test_zero_hours_is_the_next_working_instant(start: datetime, expected: datetime) -> None:
    assert add_working_hours(start, 0, OFFICE) == expected


def test_results_are_aware_utc_whatever_the_input_offset() -> None:
    start = datetime(2025, 1, 6, 12, tzinfo=timezone(timedelta(hours=2)))  # 10:00 UTC
    result = add_working_hours(start, 1, OFFICE)
    assert result == utc(2025, 1, 6, 11)
    assert result.tzinfo is UTC
    assert add_working_hours(start, 0, OFFICE).tzinfo is UTC


def test_berlin_winter_hours_are_one_hour_ahead_of_utc() -> None:
    # 09:00 CET is 08:00 UTC.
    assert add_working_hours(utc(2025, 1, 6, 8), 8, BERLIN) == utc(2025, 1, 6, 16)
    assert add_working_hours(utc(2025, 1, 6, 7), 0, BERLIN) == utc(2025, 1, 6, 8)


def test_berlin_summer_hours_are_two_hours_ahead_of_utc() -> None:
    # Monday 2025-07-07, 09:00 CEST is 07:00 UTC.
    assert add_working_hours(utc(2025, 7, 7, 6), 1, BERLIN) == utc(2025, 7, 7, 8)


def test_berlin_over_the_spring_forward_weekend() -> None:
    # Clocks go forward on Sunday 2025-03-30. Friday 16:00 CET = 15:00 UTC;
    # two working hours later is Monday 10:00 CEST = 08:00 UTC.
    start = utc(2025, 3, 28, 15)
    deadline = add_working_hours(start, 2, BERLIN)
    assert deadline == utc(2025, 3, 31, 8)
    assert working_hours_between(start, deadline, BERLIN) == 2.0


def test_berlin_over_the_fall_back_weekend() -> None:
    # Clocks go back on Sunday 2025-10-26. Friday 16:00 CEST = 14:00 UTC;
    # two working hours later is Monday 10:00 CET = 09:00 UTC.
    start = utc(2025, 10, 24, 14)
    deadline = add_working_hours(start, 2, BERLIN)
    assert deadline == utc(2025, 10, 27, 9)
    assert working_hours_between(start, deadline, BERLIN) == 2.0


def test_new_york_over_the_spring_forward_weekend() -> None:
    # Clocks go forward on Sunday 2025-03-09. Friday 16:00 EST = 21:00 UTC;
    # two working hours later is Monday 10:00 EDT = 14:00 UTC.
    assert add_working_hours(utc(2025, 3, 7, 21), 2, NEW_YORK) == utc(2025, 3, 10, 14)


def test_a_week_of_hours_over_a_dst_change_keeps_local_opening_time() -> None:
    # Monday 2025-03-24 09:00 CET (08:00 UTC) + 40 h = Friday 2025-03-28 17:00 CET, and
    # + 48 h = Tuesday 2025-04-01 17:00 CEST (15:00 UTC), after the switch.
    assert add_working_hours(utc(2025, 3, 24, 8), 40, BERLIN) == utc(2025, 3, 28, 16)
    assert add_working_hours(utc(2025, 3, 24, 8), 48, BERLIN) == utc(2025, 3, 31, 15)
    assert add_working_hours(utc(2025, 3, 24, 8), 56, BERLIN) == utc(2025, 4, 1, 15)


def test_a_round_the_clock_calendar_counts_wall_clock_hours_on_the_switch_day() -> None:
    # Saturday 2025-03-29 12:00 CET (11:00 UTC) + 24 h of wall time = Sunday 12:00 CEST,
    # which is 10:00 UTC: only 23 real hours, the day the clocks skip an hour.
    start = utc(2025, 3, 29, 11)
    assert add_working_hours(start, 24, ALWAYS_BERLIN) == utc(2025, 3, 30, 10)
    assert working_hours_between(start, utc(2025, 3, 30, 10), ALWAYS_BERLIN) == 24.0


def test_the_local_weekday_decides_not_the_utc_one() -> None:
    # Sunday 2025-01-05 23:30 UTC is already Monday 08:30 in Tokyo.
    assert add_working_hours(utc(2025, 1, 5, 23, 30), 1, TOKYO) == utc(2025, 1, 6, 1)
    # Friday 2025-01-10 08:30 UTC is Friday 17:30 JST: half an hour left that day.
    assert add_working_hours(utc(2025, 1, 10, 8, 30), 1, TOKYO) == utc(2025, 1, 13, 0, 30)


def test_a_working_day_that_ends_at_midnight() -> None:
    evenings = Calendar(days=[5], start_hour=20, end_hour=24)  # Saturday evenings only
    assert add_working_hours(utc(2025, 1, 11, 22), 2, evenings) == utc(2025, 1, 12)
    assert add_working_hours(utc(2025, 1, 11, 22), 3, evenings) == utc(2025, 1, 18, 21)


def test_half_hour_opening_times() -> None:
    calendar = Calendar(start_hour=8.5, end_hour=12.25)
    assert add_working_hours(utc(2025, 1, 6, 7), 3.75, calendar) == utc(2025, 1, 6, 12, 15)
    assert add_working_hours(utc(2025, 1, 6, 7), 4, calendar) == utc(2025, 1, 7, 8, 45)


def test_huge_spans_are_computed_not_walked() -> None:
    # 1,000,000 hours = 25,000 weeks of 40 h: the Friday 17:00 of the 25,000th week.
    start = utc(2025, 1, 6, 9)
    expected = utc(2025, 1, 10, 17) + timedelta(weeks=24_999)
    assert add_working_hours(start, 1_000_000, OFFICE) == expected


def test_invalid_input_is_refused() -> None:
    with pytest.raises(ValueError):
        add_working_hours(utc(2025, 1, 6, 9), -1, OFFICE)
    with pytest.raises(ValueError):
        add_working_hours(utc(2025, 1, 6, 9), float("nan"), OFFICE)
    with pytest.raises(ValueError):
        add_working_hours(datetime(2025, 1, 6, 9), 1, OFFICE)


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        (utc(2025, 1, 6, 10), utc(2025, 1, 6, 12, 30), 2.5),
        (utc(2025, 1, 10, 16), utc(2025, 1, 13, 10), 2.0),  # over the weekend
        (utc(2025, 1, 11, 0), utc(2025, 1, 12, 23), 0.0),  # all weekend
        (utc(2025, 1, 6, 18), utc(2025, 1, 7, 8), 0.0),  # all night
        (utc(2025, 1, 6, 0), utc(2025, 1, 13, 0), 40.0),  # one calendar week
        (utc(2025, 1, 6, 7), utc(2025, 1, 8, 20), 24.0),  # three working days
        (utc(2025, 1, 6, 12), utc(2025, 1, 6, 12), 0.0),  # empty span
        (utc(2025, 1, 6, 12), utc(2025, 1, 6, 10), 0.0),  # end before start
    ],
)
def test_working_hours_between(start: datetime, end: datetime, expected: float) -> None:
    assert working_hours_between(start, end, OFFICE) == expected


def test_working_hours_between_in_berlin() -> None:
    # Monday 2025-01-06 08:00-10:00 UTC is 09:00-11:00 CET.
    assert working_hours_between(utc(2025, 1, 6, 7), utc(2025, 1, 6, 10), BERLIN) == 2.0


@pytest.mark.parametrize("calendar", [OFFICE, BERLIN, NEW_YORK, TOKYO, ALWAYS_BERLIN])
@pytest.mark.parametrize("hours", [0.5, 1, 7.25, 8, 24, 41.5, 500])
@pytest.mark.parametrize(
    "start", [utc(2025, 1, 6, 8), utc(2025, 3, 28, 15, 20), utc(2025, 10, 25, 3)]
)
def test_adding_then_measuring_gives_the_hours_back(
    calendar: Calendar, hours: float, start: datetime
) -> None:
    deadline = add_working_hours(start, hours, calendar)
    assert deadline > start
    assert working_hours_between(start, deadline, calendar) == pytest.approx(hours, abs=1e-9)


# --- policies and status ------------------------------------------------------------


def policy(**fields: object) -> SlaPolicy:
    return SlaPolicy(id=1, team_id=1, name="P", target_stage_id=3, hours=4, **fields)


def test_an_empty_policy_applies_to_every_ticket() -> None:
    assert policy_applies(policy(), 0, [], None) is True


def test_policy_priorities() -> None:
    urgent = policy(priorities=[2, 3])
    assert policy_applies(urgent, 3, [], None) is True
    assert policy_applies(urgent, 1, [], None) is False


def test_policy_tags_match_any_one_ignoring_case() -> None:
    tagged = policy(tags=["VIP", "outage"])
    assert policy_applies(tagged, 0, ["billing", "vip"], None) is True
    assert policy_applies(tagged, 0, ("Outage",), None) is True
    assert policy_applies(tagged, 0, ["billing"], None) is False
    assert policy_applies(tagged, 0, [], None) is False


def test_policy_customers() -> None:
    key_accounts = policy(customer_ids=[7, 9])
    assert policy_applies(key_accounts, 0, [], 9) is True
    assert policy_applies(key_accounts, 0, [], 8) is False
    assert policy_applies(key_accounts, 0, [], None) is False


def test_every_condition_of_a_policy_must_hold() -> None:
    strict = policy(priorities=[3], tags=["vip"], customer_ids=[7])
    assert policy_applies(strict, 3, ["VIP"], 7) is True
    assert policy_applies(strict, 2, ["VIP"], 7) is False
    assert policy_applies(strict, 3, ["other"], 7) is False
    assert policy_applies(strict, 3, ["VIP"], 8) is False


def test_status_on_reach() -> None:
    deadline = utc(2025, 1, 6, 12)
    assert status_on_reach(deadline, utc(2025, 1, 6, 11)) is SlaStatus.reached
    assert status_on_reach(deadline, deadline) is SlaStatus.reached
    assert status_on_reach(deadline, utc(2025, 1, 6, 12, 0, 1)) is SlaStatus.failed
    assert status_on_reach(None, utc(2030, 1, 1)) is SlaStatus.reached


def test_status_now() -> None:
    deadline = utc(2025, 1, 6, 12)
    before, after = utc(2025, 1, 6, 11), utc(2025, 1, 6, 13)
    assert status_now(SlaStatus.ongoing, deadline, before) is SlaStatus.ongoing
    assert status_now(SlaStatus.ongoing, deadline, deadline) is SlaStatus.ongoing
    assert status_now(SlaStatus.ongoing, deadline, after) is SlaStatus.failed
    assert status_now(SlaStatus.ongoing, None, after) is SlaStatus.ongoing  # clock paused
    assert status_now(SlaStatus.reached, deadline, after) is SlaStatus.reached
    assert status_now(SlaStatus.failed, deadline, before) is SlaStatus.failed
    assert status_now(SlaStatus.failed, None, before) is SlaStatus.failed


def test_the_repeated_hour_of_fall_back_never_counts_negative_work() -> None:
    # 00:45 UTC is 02:45 CEST; 01:15 UTC is 02:15 CET, earlier on the wall clock.
    start, end = utc(2025, 10, 26, 0, 45), utc(2025, 10, 26, 1, 15)
    assert working_hours_between(start, end, ALWAYS_BERLIN) == 0.0
