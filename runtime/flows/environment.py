"""What `advance` may know about the world besides the state and the event."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime

from runtime.exceptions import FlowError
from runtime.rules import DecisionTable
from runtime.timeutil import DEFAULT_CALENDAR, BusinessCalendar


@dataclass(frozen=True)
class Environment:
    """`now` (aware), the compiled decision tables by key, and team calendars by name.

    Business-hours durations count on the calendar they name, else on the calendar of
    the node's team (the role of the task's assignee), else on `default_calendar`.
    """

    now: datetime
    tables: Mapping[str, DecisionTable] = field(default_factory=dict)
    calendars: Mapping[str, BusinessCalendar] = field(default_factory=dict)
    default_calendar: BusinessCalendar = DEFAULT_CALENDAR

    def __post_init__(self) -> None:
        if not isinstance(self.now, datetime) or self.now.utcoffset() is None:
            raise FlowError("Environment.now must be an aware datetime")

    def calendar(self, name: str | None, team: str | None = None) -> BusinessCalendar:
        for candidate in (name, team):
            if candidate and candidate in self.calendars:
                return self.calendars[candidate]
        return self.default_calendar
