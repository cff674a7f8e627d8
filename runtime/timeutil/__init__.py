"""Time for the flow engine: ISO-8601 and business-hours durations, calendars, deadlines.

Pure functions over aware datetimes; nothing here reads the wall clock, so the engine
passes `now` in and tests are deterministic.
"""

from __future__ import annotations

from runtime.timeutil.calendar import (
    DEFAULT_CALENDAR,
    BusinessCalendar,
    compile_calendar,
)
from runtime.timeutil.deadlines import (
    Reminder,
    ScheduledReminder,
    compile_reminders,
    deadline_for,
    reminder_times,
)
from runtime.timeutil.durations import (
    BusinessDuration,
    Duration,
    compile_duration_spec,
    parse_business_duration,
    parse_duration,
)

__all__ = [
    "DEFAULT_CALENDAR",
    "BusinessCalendar",
    "BusinessDuration",
    "Duration",
    "Reminder",
    "ScheduledReminder",
    "compile_calendar",
    "compile_duration_spec",
    "compile_reminders",
    "deadline_for",
    "parse_business_duration",
    "parse_duration",
    "reminder_times",
]
