"""ISO-8601 durations and business-hours durations, parsed once into frozen values.

Every waiting node may carry a timeout (DESIGN §4): either an ISO-8601 duration
(`"P30D"`, `"PT16H"`, `"P1Y2M10DT2H30M"`, `"P2W"`) or a business-hours duration.
The business-hours form is a JSON object, chosen over a string shorthand because it is
explicit, easy to describe in a JSON Schema and leaves room for options::

    {"business_hours": 16}                       # 16 working hours of the team's calendar
    {"business_hours": 1.5, "calendar": "cs_eu"}  # an explicitly named calendar

How a `Duration` is added to an aware datetime (the rule `Duration.add_to` follows):

* years, months, weeks and days are *calendar* units: they move the wall-clock date in
  the datetime's own time zone (Jan 31 + P1M = Feb 28/29; 09:00 + P1D = 09:00 the next
  day even across a DST change);
* hours, minutes and seconds are *elapsed* time (PT24H across the spring DST change ends
  at 10:00 when it started at 09:00 the day before);
* a wall-clock time that does not exist (inside a spring-forward gap) is moved forward
  by the gap, as zoneinfo maps it.

Negative durations, empty ones (`"P"`, `"PT"`), fractions anywhere but the last time
component, and durations longer than 100 years are refused with a `DefinitionError`
naming the JSON pointer.
"""

from __future__ import annotations

import re
from calendar import monthrange
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from runtime.exceptions import DefinitionError

MAX_DURATION_DAYS = 36_600
"""Longest accepted duration (about 100 years); stops overflow and absurd timers."""

MAX_BUSINESS_HOURS = 100_000
"""Longest accepted business-hours duration (decades of office hours)."""

_ISO = re.compile(
    r"P(?:(?P<years>\d{1,6})Y)?(?:(?P<months>\d{1,6})M)?(?:(?P<weeks>\d{1,6})W)?"
    r"(?:(?P<days>\d{1,6})D)?"
    r"(?:T(?:(?P<hours>\d{1,7}(?:[.,]\d{1,9})?)H)?(?:(?P<minutes>\d{1,9}(?:[.,]\d{1,9})?)M)?"
    r"(?:(?P<seconds>\d{1,11}(?:[.,]\d{1,9})?)S)?)?"
)
_TIME_UNITS = {"hours": 3600, "minutes": 60, "seconds": 1}
_CALENDAR_ID = re.compile(r"^[A-Za-z][A-Za-z0-9_.-]{0,63}$")


@dataclass(frozen=True)
class Duration:
    """An ISO-8601 duration: calendar units plus an exact elapsed `time` part."""

    years: int = 0
    months: int = 0
    weeks: int = 0
    days: int = 0
    time: timedelta = timedelta(0)

    def __post_init__(self) -> None:
        parts = (self.years, self.months, self.weeks, self.days)
        if any(p < 0 for p in parts) or self.time < timedelta(0):
            raise ValueError("a Duration cannot be negative")

    @property
    def approx_days(self) -> float:
        """Length in days with 365.25-day years and 30.44-day months (for limits only)."""
        return (
            self.years * 365.25
            + self.months * 30.44
            + self.weeks * 7
            + self.days
            + self.time / timedelta(days=1)
        )

    def add_to(self, moment: datetime) -> datetime:
        """`moment` plus this duration; calendar units on the wall clock, time elapsed."""
        return self._shift(moment, 1)

    def subtract_from(self, moment: datetime) -> datetime:
        """`moment` minus this duration, the mirror image of `add_to`."""
        return self._shift(moment, -1)

    def _shift(self, moment: datetime, sign: int) -> datetime:
        if moment.tzinfo is None or moment.utcoffset() is None:
            raise ValueError("durations are added to aware datetimes only")
        tz = moment.tzinfo
        wall = moment.replace(tzinfo=None)
        total_months = wall.year * 12 + (wall.month - 1) + sign * (self.years * 12 + self.months)
        year, month = divmod(total_months, 12)
        month += 1
        day = min(wall.day, _days_in_month(year, month))
        wall = wall.replace(year=year, month=month, day=day)
        wall += sign * timedelta(days=self.weeks * 7 + self.days)
        instant = wall.replace(tzinfo=tz).astimezone(UTC) + sign * self.time
        return instant.astimezone(tz)

    def isoformat(self) -> str:
        """The canonical ISO-8601 text, e.g. `P1Y2M10DT2H30M`."""
        date_part = "".join(
            f"{value}{unit}"
            for value, unit in (
                (self.years, "Y"),
                (self.months, "M"),
                (self.weeks, "W"),
                (self.days, "D"),
            )
            if value
        )
        seconds = Decimal(_microseconds(self.time)) / Decimal(1_000_000)
        hours, rest = divmod(seconds, 3600)
        minutes, secs = divmod(rest, 60)
        time_part = "".join(
            f"{_plain(value)}{unit}"
            for value, unit in ((hours, "H"), (minutes, "M"), (secs, "S"))
            if value
        )
        if not date_part and not time_part:
            return "PT0S"
        return "P" + date_part + ("T" + time_part if time_part else "")

    def __str__(self) -> str:
        return self.isoformat()


@dataclass(frozen=True)
class BusinessDuration:
    """An amount of working time, counted on a `BusinessCalendar`.

    `calendar` optionally names the team calendar to count on; the engine resolves the
    name, and `None` means "the calendar of the node's team" (or the default one).
    """

    amount: timedelta
    calendar: str | None = None

    def __post_init__(self) -> None:
        if self.amount < timedelta(0):
            raise ValueError("a BusinessDuration cannot be negative")

    @property
    def hours(self) -> Decimal:
        return Decimal(_microseconds(self.amount)) / Decimal(3_600_000_000)

    def to_json(self) -> dict[str, Any]:
        hours = self.hours
        doc: dict[str, Any] = {"business_hours": int(hours) if hours == int(hours) else hours}
        if self.calendar:
            doc["calendar"] = self.calendar
        return doc


def parse_duration(text: Any, pointer: str = "") -> Duration:
    """Parse an ISO-8601 duration such as `P30D` or `PT16H`; refuse anything else."""
    if not isinstance(text, str):
        raise DefinitionError(pointer, "a duration must be an ISO-8601 string such as 'P30D'")
    if text.startswith("-"):
        raise DefinitionError(pointer, f"negative durations are not allowed: {text[:40]!r}")
    match = _ISO.fullmatch(text)
    if match is None or text in ("P", "") or text.endswith("T"):
        raise DefinitionError(
            pointer,
            f"{text[:40]!r} is not an ISO-8601 duration (examples: 'P30D', 'PT16H', "
            "'P1Y2M10DT2H30M', 'P2W')",
        )
    groups = match.groupdict()
    present = [name for name, value in groups.items() if value is not None]
    fractional = [name for name in present if "." in groups[name] or "," in groups[name]]
    if fractional and fractional[-1] != present[-1]:
        raise DefinitionError(pointer, "only the last component of a duration may have a fraction")
    seconds = sum(
        (_decimal(groups[name]) * factor for name, factor in _TIME_UNITS.items() if groups[name]),
        Decimal(0),
    )
    duration = Duration(
        years=int(groups["years"] or 0),
        months=int(groups["months"] or 0),
        weeks=int(groups["weeks"] or 0),
        days=int(groups["days"] or 0),
        time=timedelta(microseconds=int(seconds * 1_000_000)),
    )
    if duration.approx_days > MAX_DURATION_DAYS:
        raise DefinitionError(pointer, f"{text!r} is longer than 100 years")
    return duration


def parse_business_duration(doc: Any, pointer: str = "") -> BusinessDuration:
    """Parse `{"business_hours": <number>, "calendar": <name>?}`."""
    if not isinstance(doc, dict) or "business_hours" not in doc:
        raise DefinitionError(pointer, 'a business duration looks like {"business_hours": 16}')
    unknown = sorted(set(doc) - {"business_hours", "calendar"})
    if unknown:
        raise DefinitionError(f"{pointer}/{unknown[0]}", "unknown key in a business duration")
    hours = doc["business_hours"]
    if isinstance(hours, bool) or not isinstance(hours, int | float | Decimal):
        raise DefinitionError(f"{pointer}/business_hours", "business_hours must be a number")
    value = _decimal(str(hours))
    if not value.is_finite() or value < 0:
        raise DefinitionError(f"{pointer}/business_hours", "business_hours cannot be negative")
    if value > MAX_BUSINESS_HOURS:
        raise DefinitionError(
            f"{pointer}/business_hours", f"business_hours is above {MAX_BUSINESS_HOURS}"
        )
    calendar = doc.get("calendar")
    if calendar is not None and not (isinstance(calendar, str) and _CALENDAR_ID.match(calendar)):
        raise DefinitionError(f"{pointer}/calendar", "calendar must be a calendar name")
    return BusinessDuration(timedelta(microseconds=int(value * 3_600_000_000)), calendar)


def compile_duration_spec(doc: Any, pointer: str = "") -> Duration | BusinessDuration:
    """Parse a timeout or reminder duration: an ISO-8601 string or a business-hours object."""
    if isinstance(doc, Duration | BusinessDuration):
        return doc
    if isinstance(doc, dict):
        return parse_business_duration(doc, pointer)
    return parse_duration(doc, pointer)


def _decimal(text: str) -> Decimal:
    try:
        return Decimal(text.replace(",", "."))
    except InvalidOperation:  # pragma: no cover - the regex only lets digits through
        return Decimal("NaN")


def _plain(value: Decimal) -> str:
    return f"{value.normalize():f}"


def _days_in_month(year: int, month: int) -> int:
    return monthrange(year, month)[1]


def _microseconds(delta: timedelta) -> int:
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds
