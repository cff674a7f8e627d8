"""Deadlines and reminders for waiting nodes, computed from frozen duration specs.

A waiting node's timeout is `{after: <duration>, action: …}` and it may carry reminders
(DESIGN §4). RETURNS R14 reads "reminder at 16 business hours, escalation at 24 business
hours": the escalation is the node's deadline, the reminder a point on the way. The
engine asks this module *when*; it then emits `schedule_timer` effects for the answers.

A reminder is one of::

    {"after": <duration>}    # counted forward from the moment the node started waiting
    {"before": <duration>}   # counted back from the deadline
    <duration>               # shorthand for {"after": <duration>}

where `<duration>` is an ISO-8601 string or `{"business_hours": n}` (see durations.py).
Business durations count on the calendar handed in (the team's), else on the default
Mon-Fri 09:00-17:00 UTC calendar.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from runtime.exceptions import DefinitionError
from runtime.timeutil.calendar import DEFAULT_CALENDAR, BusinessCalendar
from runtime.timeutil.durations import BusinessDuration, Duration, compile_duration_spec

MAX_REMINDERS = 20


@dataclass(frozen=True)
class Reminder:
    """A compiled reminder: a duration counted from the start or back from the deadline."""

    anchor: Literal["start", "deadline"]
    duration: Duration | BusinessDuration


@dataclass(frozen=True)
class ScheduledReminder:
    """When reminder number `index` (its position in the definition) is due."""

    index: int
    at: datetime


def deadline_for(
    start: datetime,
    spec: Any,
    calendar: BusinessCalendar | None = None,
) -> datetime:
    """The deadline `spec` after `start`; business durations count on `calendar`."""
    return _shift(start, compile_duration_spec(spec), calendar, forward=True)


def compile_reminders(doc: Any, pointer: str = "") -> tuple[Reminder, ...]:
    """Parse a list of reminders once, at load time; errors carry JSON pointers."""
    if not isinstance(doc, list) or len(doc) > MAX_REMINDERS:
        raise DefinitionError(pointer, f"reminders is a list of up to {MAX_REMINDERS} items")
    reminders = []
    for index, item in enumerate(doc):
        at = f"{pointer}/{index}"
        if isinstance(item, Reminder):
            reminders.append(item)
        elif isinstance(item, dict) and set(item) in ({"after"}, {"before"}):
            (key,) = item
            anchor: Literal["start", "deadline"] = "start" if key == "after" else "deadline"
            reminders.append(Reminder(anchor, compile_duration_spec(item[key], f"{at}/{key}")))
        elif isinstance(item, dict) and ({"after", "before"} & set(item)):
            raise DefinitionError(at, "a reminder has exactly one of 'after' or 'before'")
        else:
            reminders.append(Reminder("start", compile_duration_spec(item, at)))
    return tuple(reminders)


def reminder_times(
    start: datetime,
    deadline: datetime,
    reminders: Sequence[Any],
    calendar: BusinessCalendar | None = None,
) -> tuple[ScheduledReminder, ...]:
    """When each reminder is due, in time order.

    Reminders that would fall at or before `start`, or at or after `deadline`, are left
    out: a reminder after the deadline has nothing left to remind of, and one before the
    start (e.g. "2 days before" a 1-day deadline) would fire at once for no reason.
    """
    compiled = compile_reminders(list(reminders))
    due = []
    for index, reminder in enumerate(compiled):
        if reminder.anchor == "start":
            at = _shift(start, reminder.duration, calendar, forward=True)
        else:
            at = _shift(deadline, reminder.duration, calendar, forward=False)
        if start < at < deadline:
            due.append(ScheduledReminder(index, at))
    return tuple(sorted(due, key=lambda r: (r.at, r.index)))


def _shift(
    moment: datetime,
    duration: Duration | BusinessDuration,
    calendar: BusinessCalendar | None,
    *,
    forward: bool,
) -> datetime:
    if isinstance(duration, Duration):
        return duration.add_to(moment) if forward else duration.subtract_from(moment)
    cal = calendar or DEFAULT_CALENDAR
    if forward:
        return cal.add_business_time(moment, duration.amount)
    return cal.subtract_business_time(moment, duration.amount)
