"""SLA badges: how much working time is left on a task, or how late it is.

Pure functions (no Flask, no database) over aware datetimes and a team's business
calendar, so "due in 2h" means two *working* hours of the team that owns the task:
a task due Monday 10:00 looked at on Friday 16:00 is due in 2h, not in 66h.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from runtime.timeutil import BusinessCalendar, compile_calendar

#: Teams without a calendar of their own: every hour counts, so a wall-clock timeout
#: ("PT24H") reads "due in 24h" rather than being squeezed into office hours.
ROUND_THE_CLOCK = compile_calendar({"working_hours": {
    day: [["00:00", "24:00"]] for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}})
#: Warn this long (working time) before the deadline unless the team says otherwise.
DEFAULT_WARN_BEFORE = timedelta(hours=2)


class SlaState(StrEnum):
    NONE = "none"
    ON_TRACK = "on_track"
    DUE_SOON = "due_soon"
    OVERDUE = "overdue"


@dataclass(frozen=True)
class SlaBadge:
    state: SlaState
    text: str
    #: Working time left (negative when overdue); None without a deadline.
    remaining: timedelta | None = None


def sla_badge(
    due_at: datetime | None, now: datetime, calendar: BusinessCalendar | None = None,
    warn_before: timedelta = DEFAULT_WARN_BEFORE,
) -> SlaBadge:
    """The badge for a task due at `due_at`, seen at `now`, in `calendar`'s working hours
    (round the clock when the team has no calendar)."""
    if due_at is None:
        return SlaBadge(SlaState.NONE, "no deadline")
    calendar = calendar or ROUND_THE_CLOCK
    if due_at <= now:
        late = calendar.business_time_between(due_at, now)
        if late < timedelta(minutes=1):  # e.g. due on Saturday, seen on Sunday
            return SlaBadge(SlaState.OVERDUE, "overdue", -late)
        return SlaBadge(SlaState.OVERDUE, f"overdue by {_span(late, calendar)}", -late)
    left = calendar.business_time_between(now, due_at)
    state = SlaState.DUE_SOON if left <= warn_before else SlaState.ON_TRACK
    return SlaBadge(state, f"due in {_span(left, calendar)}", left)


def working_day(calendar: BusinessCalendar) -> timedelta:
    """The length of an average working day, so 16 working hours of 9-17 read "2d"."""
    minutes = [sum(end - start for start, end in day) for day in calendar.working_hours]
    worked = [m for m in minutes if m > 0]
    return timedelta(minutes=sum(worked) / len(worked)) if worked else timedelta(hours=24)


def _span(amount: timedelta, calendar: BusinessCalendar) -> str:
    """"45m", "2h", "1d": whole units, rounded down, never "0m" for a real delay."""
    minutes = int(amount.total_seconds() // 60)
    if minutes < 60:
        return f"{max(minutes, 1)}m"
    day = working_day(calendar)
    if amount < day:
        return f"{minutes // 60}h"
    return f"{int(amount / day)}d"
