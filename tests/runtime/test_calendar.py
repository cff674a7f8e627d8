"""Business calendars, business time, deadlines and reminders (runtime/timeutil)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from runtime.exceptions import DefinitionError, DefinitionInvalid
from runtime.timeutil import (
    DEFAULT_CALENDAR,
    BusinessCalendar,
    compile_calendar,
    compile_reminders,
    deadline_for,
    reminder_times,
)
from runtime.timeutil.calendar import DAY_NAMES

AMS = ZoneInfo("Europe/Amsterdam")
NINE_TO_FIVE_AMS = compile_calendar({"timezone": "Europe/Amsterdam"})
SPLIT_SHIFT = compile_calendar(
    {
        "timezone": "Europe/Amsterdam",
        "working_hours": {
            "mon": [["09:00", "12:30"], ["13:30", "17:30"]],
            "tue": [["09:00", "12:30"], ["13:30", "17:30"]],
            "wed": [["09:00", "12:30"], ["13:30", "17:30"]],
            "thu": [["09:00", "12:30"], ["13:30", "17:30"]],
            "fri": [["09:00", "13:00"]],
        },
        "holidays": ["2026-12-25", "2026-12-26", "2026-04-27"],
    }
)
ROUND_THE_CLOCK = compile_calendar(
    {
        "timezone": "Europe/Amsterdam",
        "working_hours": {day: [["00:00", "24:00"]] for day in DAY_NAMES},
    }
)


def ams(*args):
    return datetime(*args, tzinfo=AMS)


def test_friday_afternoon_plus_two_hours_is_monday_morning():
    assert NINE_TO_FIVE_AMS.add_business_time(ams(2026, 3, 6, 16), 2) == ams(2026, 3, 9, 10)


def test_default_calendar_is_weekdays_nine_to_five_utc():
    assert DEFAULT_CALENDAR.timezone == "UTC"
    friday = datetime(2026, 3, 6, 16, tzinfo=UTC)
    assert DEFAULT_CALENDAR.add_business_time(friday, 2) == datetime(2026, 3, 9, 10, tzinfo=UTC)
    assert compile_calendar({}) == DEFAULT_CALENDAR


def test_start_outside_working_time_begins_at_the_next_shift():
    saturday = ams(2026, 3, 7, 11)
    assert NINE_TO_FIVE_AMS.add_business_time(saturday, 1) == ams(2026, 3, 9, 10)
    early = ams(2026, 3, 9, 6)
    assert NINE_TO_FIVE_AMS.add_business_time(early, 8) == ams(2026, 3, 9, 17)
    assert NINE_TO_FIVE_AMS.next_working_time(saturday) == ams(2026, 3, 9, 9)
    assert NINE_TO_FIVE_AMS.next_working_time(ams(2026, 3, 9, 10)) == ams(2026, 3, 9, 10)


def test_holidays_are_skipped():
    christmas_eve = ams(2026, 12, 24, 16)  # Thursday 16:00: 1.5 h left today, Friday 25 off
    assert SPLIT_SHIFT.add_business_time(christmas_eve, 2) == ams(2026, 12, 28, 9, 30)
    easter_monday_like = ams(2026, 4, 24, 12)  # Friday 12:00; Monday 27 April is a holiday
    assert SPLIT_SHIFT.add_business_time(easter_monday_like, 2) == ams(2026, 4, 28, 10)
    assert not SPLIT_SHIFT.is_working_time(ams(2026, 12, 25, 10))
    assert SPLIT_SHIFT.shifts_on(date(2026, 12, 25)) == []


def test_split_shifts_skip_the_lunch_break():
    monday = ams(2026, 3, 9, 11)
    assert SPLIT_SHIFT.add_business_time(monday, 2) == ams(2026, 3, 9, 14)
    assert not SPLIT_SHIFT.is_working_time(ams(2026, 3, 9, 13))
    assert SPLIT_SHIFT.business_time_between(monday, ams(2026, 3, 9, 14)) == timedelta(hours=2)


def test_dst_weekend_in_amsterdam():
    friday = ams(2026, 3, 27, 16)  # clocks go forward on Sunday 29 March
    monday = NINE_TO_FIVE_AMS.add_business_time(friday, 2)
    assert monday == ams(2026, 3, 30, 10)
    assert monday.utcoffset() == timedelta(hours=2)
    assert monday.astimezone(UTC) - friday.astimezone(UTC) == timedelta(hours=65)  # 66 on the wall
    assert NINE_TO_FIVE_AMS.business_time_between(friday, monday) == timedelta(hours=2)


def test_round_the_clock_counts_the_real_length_of_dst_days():
    saturday_noon = ams(2026, 3, 28, 12)
    assert ROUND_THE_CLOCK.add_business_time(saturday_noon, 24) == ams(2026, 3, 29, 13)
    autumn = ams(2026, 10, 24, 12)  # clocks go back on Sunday 25 October
    assert ROUND_THE_CLOCK.add_business_time(autumn, 24) == ams(2026, 10, 25, 11)
    sunday = date(2026, 10, 25)
    ((start, end),) = ROUND_THE_CLOCK.shifts_on(sunday)
    assert end - start == timedelta(hours=25)


def test_is_working_time_is_half_open():
    assert NINE_TO_FIVE_AMS.is_working_time(ams(2026, 3, 9, 9))
    assert NINE_TO_FIVE_AMS.is_working_time(ams(2026, 3, 9, 16, 59))
    assert not NINE_TO_FIVE_AMS.is_working_time(ams(2026, 3, 9, 17))
    assert not NINE_TO_FIVE_AMS.is_working_time(ams(2026, 3, 8, 12))
    utc_view = ams(2026, 3, 9, 10).astimezone(UTC)
    assert NINE_TO_FIVE_AMS.is_working_time(utc_view)


def test_result_keeps_the_callers_time_zone():
    start = datetime(2026, 3, 9, 8, tzinfo=UTC)  # 09:00 in Amsterdam
    result = NINE_TO_FIVE_AMS.add_business_time(start, 1)
    assert result.tzinfo is UTC
    assert result == datetime(2026, 3, 9, 9, tzinfo=UTC)


def test_zero_and_negative_amounts():
    start = ams(2026, 3, 7, 12)
    assert NINE_TO_FIVE_AMS.add_business_time(start, 0) == start
    assert NINE_TO_FIVE_AMS.add_business_time(ams(2026, 3, 9, 10), -2) == ams(2026, 3, 6, 16)
    assert NINE_TO_FIVE_AMS.subtract_business_time(ams(2026, 3, 9, 9), 1) == ams(2026, 3, 6, 16)
    assert NINE_TO_FIVE_AMS.business_time_between(ams(2026, 3, 9, 12), ams(2026, 3, 9, 10)) == (
        -timedelta(hours=2)
    )


def test_amount_types_and_naive_datetimes():
    start = ams(2026, 3, 9, 9)
    assert NINE_TO_FIVE_AMS.add_business_time(start, timedelta(minutes=30)) == ams(
        2026, 3, 9, 9, 30
    )
    assert NINE_TO_FIVE_AMS.add_business_time(start, 0.25) == ams(2026, 3, 9, 9, 15)
    with pytest.raises(ValueError, match="aware"):
        NINE_TO_FIVE_AMS.add_business_time(datetime(2026, 3, 9, 9), 1)
    with pytest.raises(TypeError):
        NINE_TO_FIVE_AMS.add_business_time(start, "2")


def test_calendar_errors_are_all_reported_with_pointers():
    with pytest.raises(DefinitionInvalid) as info:
        compile_calendar(
            {
                "timezone": "Mars/Olympus",
                "working_hours": {
                    "mon": [["09:00", "25:00"]],
                    "tue": [["17:00", "09:00"]],
                    "wed": [["09:00", "13:00"], ["12:00", "17:00"]],
                    "funday": [],
                    "thu": "all day",
                },
                "holidays": ["2026-12-25", "25/12/2026"],
                "colour": "blue",
            },
            "/calendars/cs_eu",
        )
    pointers = {e.pointer: e.reason for e in info.value.errors}
    assert set(pointers) == {
        "/calendars/cs_eu/colour",
        "/calendars/cs_eu/timezone",
        "/calendars/cs_eu/working_hours/mon/0",
        "/calendars/cs_eu/working_hours/tue/0",
        "/calendars/cs_eu/working_hours/wed/1",
        "/calendars/cs_eu/working_hours/funday",
        "/calendars/cs_eu/working_hours/thu",
        "/calendars/cs_eu/holidays/1",
    }
    assert "unknown time zone" in pointers["/calendars/cs_eu/timezone"]
    assert "overlap" in pointers["/calendars/cs_eu/working_hours/wed/1"]


@pytest.mark.parametrize("zone", ["../../etc/passwd", "/etc/localtime", "", 5])
def test_time_zone_names_cannot_reach_the_file_system(zone):
    with pytest.raises(DefinitionInvalid) as info:
        compile_calendar({"timezone": zone})
    assert info.value.errors[0].pointer == "/timezone"


def test_a_week_without_working_time_is_refused():
    with pytest.raises(DefinitionInvalid, match="error"):
        compile_calendar({"working_hours": {"mon": []}})
    with pytest.raises(ValueError):
        BusinessCalendar(working_hours=((),) * 7)


def test_deadline_for_iso_and_business_durations():
    monday = ams(2026, 3, 9, 9)
    assert deadline_for(monday, "P30D") == ams(2026, 4, 8, 9)
    assert deadline_for(monday, {"business_hours": 24}, NINE_TO_FIVE_AMS) == ams(2026, 3, 11, 17)
    assert deadline_for(monday.astimezone(UTC), {"business_hours": 1}) == datetime(
        2026, 3, 9, 10, tzinfo=UTC
    )


def test_r14_reminder_at_16_and_escalation_at_24_business_hours():
    created = ams(2026, 3, 12, 15)  # Thursday 15:00
    deadline = deadline_for(created, {"business_hours": 24}, NINE_TO_FIVE_AMS)
    assert deadline == ams(2026, 3, 17, 15)  # Tuesday 15:00: Thu 2 h, Fri 8, Mon 8, Tue 6
    (reminder,) = reminder_times(
        created, deadline, [{"after": {"business_hours": 16}}], NINE_TO_FIVE_AMS
    )
    assert reminder.index == 0
    assert reminder.at == ams(2026, 3, 16, 15)  # Monday 15:00


def test_reminders_before_the_deadline_and_out_of_range_ones():
    start = ams(2026, 3, 9, 9)
    deadline = ams(2026, 3, 13, 17)
    due = reminder_times(
        start,
        deadline,
        [
            {"before": {"business_hours": 8}},
            "PT1H",
            {"before": "P10D"},  # before the start: dropped
            {"after": "P30D"},  # after the deadline: dropped
        ],
        NINE_TO_FIVE_AMS,
    )
    assert [(r.index, r.at) for r in due] == [
        (1, ams(2026, 3, 9, 10)),
        (0, ams(2026, 3, 13, 9)),
    ]


def test_compile_reminders_errors():
    with pytest.raises(DefinitionError) as info:
        compile_reminders([{"after": "P1D", "before": "P1D"}], "/nodes/2/reminders")
    assert info.value.pointer == "/nodes/2/reminders/0"
    with pytest.raises(DefinitionError) as info:
        compile_reminders([{"before": "soon"}], "/r")
    assert info.value.pointer == "/r/0/before"
    with pytest.raises(DefinitionError):
        compile_reminders("P1D", "/r")


# -- properties -----------------------------------------------------------------------

moments = st.datetimes(
    min_value=datetime(2026, 1, 1), max_value=datetime(2027, 12, 31), timezones=st.just(AMS)
)
amounts = st.integers(min_value=0, max_value=200 * 60).map(lambda m: timedelta(minutes=m))
calendars = st.sampled_from([NINE_TO_FIVE_AMS, SPLIT_SHIFT, ROUND_THE_CLOCK, DEFAULT_CALENDAR])


@settings(max_examples=80, deadline=None)
@given(calendar=calendars, start=moments, amount=amounts)
def test_add_then_between_round_trips(calendar, start, amount):
    end = calendar.add_business_time(start, amount)
    assert end >= start
    assert calendar.business_time_between(start, end) == amount


@settings(max_examples=80, deadline=None)
@given(calendar=calendars, start=moments, amount=amounts)
def test_adding_lands_in_working_time_or_exactly_at_a_shift_end(calendar, start, amount):
    if not amount:
        return
    end = calendar.add_business_time(start, amount)
    shift_ends = {
        e
        for offset in (-1, 0, 1)
        for _, e in calendar.shifts_on(end.astimezone(calendar.zone).date() + timedelta(offset))
    }
    assert calendar.is_working_time(end) or end.astimezone(UTC) in shift_ends


@settings(max_examples=100, deadline=None)
@given(calendar=calendars, start=moments, amount=amounts)
def test_subtract_is_the_inverse_of_add_inside_working_time(calendar, start, amount):
    begin = calendar.next_working_time(start)
    end = calendar.add_business_time(begin, amount)
    assert calendar.subtract_business_time(end, amount) == begin
