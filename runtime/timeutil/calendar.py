"""Business calendars: per-team working hours and holidays, for business-hours timeouts.

A manual-review task "escalates after 24 business hours" (RETURNS R14): the clock only
runs while the team works. A calendar is written as JSON and compiled once::

    {"timezone": "Europe/Amsterdam",
     "working_hours": {"mon": [["09:00", "12:30"], ["13:30", "17:30"]], "sat": []},
     "holidays": ["2026-12-25", "2026-12-26"]}

* `timezone` is an IANA name (default `UTC`); working hours are local wall-clock times.
* `working_hours` maps `mon`…`sun` to sorted, non-overlapping `[start, end]` shifts
  (`"HH:MM"`, end may be `"24:00"`); a day that is left out does not work. Without the
  key, Mon-Fri 09:00-17:00 applies. Night shifts are split at midnight.
* `holidays` are local dates on which nobody works.

Business time is *elapsed* time inside shifts: the shifts of a day are turned into UTC
instants through zoneinfo, so a shift across a DST change counts its real length
(00:00-24:00 is 23 hours on the spring-forward Sunday). Shifts are half-open
`[start, end)`: `is_working_time` is false exactly at a shift's end, while adding
business time may land exactly on a shift's end (the work is done when the shift ends).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from runtime.exceptions import DefinitionInvalid, ErrorDetail

DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
MAX_HOLIDAYS = 5_000
MAX_SHIFTS_PER_DAY = 8
MAX_SCAN_DAYS = 40_000
"""Guard for walking the calendar; only reachable through absurd holiday lists."""

Shift = tuple[int, int]
"""A shift as (start, end) minutes after local midnight, 0 <= start < end <= 1440."""

_OFFICE: tuple[Shift, ...] = ((9 * 60, 17 * 60),)
DEFAULT_WORKING_HOURS: tuple[tuple[Shift, ...], ...] = (_OFFICE,) * 5 + ((), ())
_TIME = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$|^24:00$")
_ZONE = re.compile(r"^[A-Za-z0-9_+-]+(/[A-Za-z0-9_+-]+)*$")

Hours = int | float | Decimal | timedelta


@dataclass(frozen=True)
class BusinessCalendar:
    """Working hours per weekday (Monday first) in `timezone`, minus `holidays`."""

    timezone: str = "UTC"
    working_hours: tuple[tuple[Shift, ...], ...] = DEFAULT_WORKING_HOURS
    holidays: frozenset[date] = frozenset()
    zone: ZoneInfo = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "zone", ZoneInfo(self.timezone))
        if len(self.working_hours) != 7:
            raise ValueError("working_hours needs one entry per weekday")
        if not any(self.working_hours):
            raise ValueError("a calendar needs some working time in the week")

    # -- queries ---------------------------------------------------------------------

    def shifts_on(self, day: date) -> list[tuple[datetime, datetime]]:
        """The shifts of a local date as UTC instants (empty on holidays)."""
        if day in self.holidays:
            return []
        midnight = datetime(day.year, day.month, day.day)
        result = []
        for start, end in self.working_hours[day.weekday()]:
            s = self._instant(midnight + timedelta(minutes=start))
            e = self._instant(midnight + timedelta(minutes=end))
            if e > s:
                result.append((s, e))
        return result

    def is_working_time(self, moment: datetime) -> bool:
        """True when `moment` falls inside a shift (start included, end excluded)."""
        t = _utc(moment)
        day = t.astimezone(self.zone).date()
        return any(s <= t < e for s, e in self.shifts_on(day))

    def next_working_time(self, moment: datetime) -> datetime:
        """`moment` itself when working, else the start of the next shift."""
        s, _ = next(self._forward(_utc(moment)))
        return s.astimezone(moment.tzinfo)

    def add_business_time(self, start: datetime, hours: Hours) -> datetime:
        """The moment when `hours` of working time have passed after `start`.

        Negative amounts count backwards. The result is in `start`'s time zone.
        """
        remaining = _as_timedelta(hours)
        if remaining < timedelta(0):
            return self.subtract_business_time(start, -remaining)
        if not remaining:
            return start
        for s, e in self._forward(_utc(start)):
            if remaining <= e - s:
                return (s + remaining).astimezone(start.tzinfo)
            remaining -= e - s
        raise AssertionError("unreachable: _forward never ends")  # pragma: no cover

    def subtract_business_time(self, end: datetime, hours: Hours) -> datetime:
        """The moment `hours` of working time before `end` (e.g. "remind 2 h before")."""
        remaining = _as_timedelta(hours)
        if remaining < timedelta(0):
            return self.add_business_time(end, -remaining)
        if not remaining:
            return end
        for s, e in self._backward(_utc(end)):
            if remaining <= e - s:
                return (e - remaining).astimezone(end.tzinfo)
            remaining -= e - s
        raise AssertionError("unreachable: _backward never ends")  # pragma: no cover

    def business_time_between(self, a: datetime, b: datetime) -> timedelta:
        """Working time from `a` to `b` (negative when `b` is before `a`)."""
        start, stop = _utc(a), _utc(b)
        if stop < start:
            return -self.business_time_between(b, a)
        total = timedelta(0)
        for s, e in self._forward(start):
            if s >= stop:
                break
            total += min(e, stop) - s
        return total

    # -- walking -----------------------------------------------------------------------

    def _instant(self, wall: datetime) -> datetime:
        return wall.replace(tzinfo=self.zone).astimezone(UTC)

    def _forward(self, t: datetime) -> Iterator[tuple[datetime, datetime]]:
        day = t.astimezone(self.zone).date()
        for _ in range(MAX_SCAN_DAYS):
            for s, e in self.shifts_on(day):
                if e > t:
                    yield max(s, t), e
            day += timedelta(days=1)
        raise ValueError(f"no working time within {MAX_SCAN_DAYS} days")

    def _backward(self, t: datetime) -> Iterator[tuple[datetime, datetime]]:
        day = t.astimezone(self.zone).date()
        for _ in range(MAX_SCAN_DAYS):
            for s, e in reversed(self.shifts_on(day)):
                if s < t:
                    yield s, min(e, t)
            day -= timedelta(days=1)
        raise ValueError(f"no working time within {MAX_SCAN_DAYS} days")


DEFAULT_CALENDAR = BusinessCalendar()
"""Mon-Fri 09:00-17:00 UTC, no holidays: used when a team has no calendar."""


def compile_calendar(doc: Any, pointer: str = "") -> BusinessCalendar:
    """Validate calendar JSON and freeze it; raises `DefinitionInvalid` with every error."""
    errors: list[ErrorDetail] = []
    if not isinstance(doc, dict):
        raise DefinitionInvalid([ErrorDetail(pointer, "a calendar must be a JSON object")])
    for key in sorted(set(doc) - {"timezone", "working_hours", "holidays"}):
        errors.append(ErrorDetail(f"{pointer}/{key}", "unknown key in a calendar"))
    timezone = _check_zone(doc.get("timezone", "UTC"), f"{pointer}/timezone", errors)
    hours = DEFAULT_WORKING_HOURS
    if "working_hours" in doc:
        hours = _check_week(doc["working_hours"], f"{pointer}/working_hours", errors)
    holidays = _check_holidays(doc.get("holidays", []), f"{pointer}/holidays", errors)
    if errors:
        raise DefinitionInvalid(errors)
    return BusinessCalendar(timezone, hours, holidays)


def _check_zone(value: Any, pointer: str, errors: list[ErrorDetail]) -> str:
    if isinstance(value, str) and _ZONE.match(value) and ".." not in value:
        try:
            ZoneInfo(value)
            return value
        except (ZoneInfoNotFoundError, ValueError):
            pass
    errors.append(ErrorDetail(pointer, f"unknown time zone {str(value)[:60]!r}"))
    return "UTC"


def _check_week(value: Any, pointer: str, errors: list[ErrorDetail]) -> tuple:
    if not isinstance(value, dict):
        errors.append(ErrorDetail(pointer, "working_hours maps 'mon'…'sun' to lists of shifts"))
        return DEFAULT_WORKING_HOURS
    week: list[tuple[Shift, ...]] = [() for _ in DAY_NAMES]
    for key, shifts in value.items():
        if key not in DAY_NAMES:
            errors.append(ErrorDetail(f"{pointer}/{key}", f"day must be one of {DAY_NAMES}"))
            continue
        week[DAY_NAMES.index(key)] = _check_shifts(shifts, f"{pointer}/{key}", errors)
    if not any(week) and not errors:
        errors.append(ErrorDetail(pointer, "a calendar needs some working time in the week"))
    return tuple(week)


def _check_shifts(value: Any, pointer: str, errors: list[ErrorDetail]) -> tuple[Shift, ...]:
    if not isinstance(value, list) or len(value) > MAX_SHIFTS_PER_DAY:
        errors.append(
            ErrorDetail(
                pointer, f'a day is a list of up to {MAX_SHIFTS_PER_DAY} ["HH:MM", "HH:MM"]'
            )
        )
        return ()
    shifts: list[Shift] = []
    for index, item in enumerate(value):
        at = f"{pointer}/{index}"
        if not (isinstance(item, list) and len(item) == 2):
            errors.append(ErrorDetail(at, 'a shift is ["HH:MM", "HH:MM"]'))
            continue
        start, end = _minutes(item[0]), _minutes(item[1])
        if start is None or end is None or start == 1440:
            errors.append(ErrorDetail(at, "times are HH:MM between 00:00 and 24:00"))
        elif start >= end:
            errors.append(ErrorDetail(at, "a shift must end after it starts"))
        elif shifts and start < shifts[-1][1]:
            errors.append(ErrorDetail(at, "shifts must be in order and must not overlap"))
        else:
            shifts.append((start, end))
    return tuple(shifts)


def _check_holidays(value: Any, pointer: str, errors: list[ErrorDetail]) -> frozenset[date]:
    if not isinstance(value, list) or len(value) > MAX_HOLIDAYS:
        errors.append(ErrorDetail(pointer, f"holidays is a list of up to {MAX_HOLIDAYS} dates"))
        return frozenset()
    days = set()
    for index, item in enumerate(value):
        try:
            if not isinstance(item, str) or len(item) != 10:
                raise ValueError
            days.add(date.fromisoformat(item))
        except ValueError:
            errors.append(ErrorDetail(f"{pointer}/{index}", "a holiday is a date 'YYYY-MM-DD'"))
    return frozenset(days)


def _minutes(text: Any) -> int | None:
    if not isinstance(text, str) or not _TIME.match(text):
        return None
    hours, minutes = text.split(":")
    return int(hours) * 60 + int(minutes)


def _utc(moment: datetime) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("business time needs aware datetimes (with a time zone)")
    return moment.astimezone(UTC)


def _as_timedelta(hours: Hours) -> timedelta:
    if isinstance(hours, timedelta):
        return hours
    if isinstance(hours, bool) or not isinstance(hours, int | float | Decimal):
        raise TypeError("hours must be a number or a timedelta")
    value = Decimal(str(hours))
    if not value.is_finite():
        raise ValueError("hours must be finite")
    return timedelta(microseconds=int(value * 3_600_000_000))
