"""SLA badges count the team's working hours, not the wall clock (pure functions)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from app.inbox.sla import ROUND_THE_CLOCK, SlaState, sla_badge, working_day
from runtime.timeutil import DEFAULT_CALENDAR, compile_calendar

AMSTERDAM = compile_calendar({
    "timezone": "Europe/Amsterdam",
    "working_hours": {"mon": [["09:00", "17:00"]], "tue": [["09:00", "17:00"]],
                      "wed": [["09:00", "17:00"]], "thu": [["09:00", "17:00"]],
                      "fri": [["09:00", "17:00"]]},
    "holidays": ["2026-12-25"],
})


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def test_no_deadline():
    badge = sla_badge(None, at("2026-11-23T10:00"))
    assert (badge.state, badge.text, badge.remaining) == (SlaState.NONE, "no deadline", None)


def test_due_in_two_working_hours_over_a_weekend():
    # Friday 15:00 UTC is 16:00 in Amsterdam; due Monday 10:00 local (09:00 UTC):
    # one working hour on Friday, one on Monday -> 2h, although 66 wall-clock hours away.
    badge = sla_badge(at("2026-11-23T09:00"), at("2026-11-20T15:00"), AMSTERDAM)
    assert badge.text == "due in 2h"
    assert badge.state == SlaState.DUE_SOON
    assert badge.remaining == timedelta(hours=2)


def test_on_track_when_more_than_the_warning_is_left():
    badge = sla_badge(at("2026-11-24T16:00"), at("2026-11-23T09:00"), DEFAULT_CALENDAR)
    assert badge.state == SlaState.ON_TRACK
    assert badge.text == "due in 1d"  # 15 working hours of an 8-hour day


def test_overdue_by_a_working_day_skips_the_night_and_the_holiday():
    # due Thursday 24 Dec 16:00 UTC (17:00 local, end of day); now Monday 28 Dec 16:00 UTC:
    # Friday is Christmas, the weekend does not work, Monday 09:00-17:00 local = 8h -> 1d.
    badge = sla_badge(at("2026-12-24T16:00"), at("2026-12-28T16:00"), AMSTERDAM)
    assert badge.state == SlaState.OVERDUE
    assert badge.text == "overdue by 1d"
    assert badge.remaining == -timedelta(hours=8)


def test_minutes_and_hours_and_just_overdue():
    now = at("2026-11-23T10:00")  # Monday, default calendar 09-17 UTC
    office = DEFAULT_CALENDAR
    assert sla_badge(at("2026-11-23T10:45"), now, office).text == "due in 45m"
    assert sla_badge(at("2026-11-23T15:30"), now, office).text == "due in 5h"
    late = sla_badge(at("2026-11-23T09:58:50"), now, office)
    assert (late.state, late.text) == (SlaState.OVERDUE, "overdue by 1m")
    assert sla_badge(at("2026-11-23T09:59:50"), now, office).text == "overdue"


def test_teams_without_a_calendar_count_every_hour():
    now = at("2026-11-21T10:00")  # a Saturday
    assert sla_badge(at("2026-11-22T10:00"), now).text == "due in 1d"
    assert sla_badge(at("2026-11-21T20:00"), now).text == "due in 10h"
    assert sla_badge(at("2026-11-19T10:00"), now).text == "overdue by 2d"
    assert working_day(ROUND_THE_CLOCK) == timedelta(hours=24)


def test_overdue_outside_working_hours_counts_no_time_but_still_says_overdue():
    badge = sla_badge(at("2026-11-21T10:00"), at("2026-11-22T10:00"), DEFAULT_CALENDAR)
    assert badge.state == SlaState.OVERDUE
    assert badge.text == "overdue"


def test_custom_warning_window():
    now = at("2026-11-23T09:00")
    due = at("2026-11-23T13:00")
    assert sla_badge(due, now, DEFAULT_CALENDAR).state == SlaState.ON_TRACK
    assert sla_badge(due, now, DEFAULT_CALENDAR,
                     warn_before=timedelta(hours=4)).state == SlaState.DUE_SOON


def test_working_day_length():
    assert working_day(DEFAULT_CALENDAR) == timedelta(hours=8)
    split = compile_calendar({"working_hours": {"mon": [["09:00", "12:00"], ["13:00", "18:00"]]}})
    assert working_day(split) == timedelta(hours=8)
