"""ISO-8601 and business-hours durations (runtime/timeutil/durations.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from runtime.exceptions import DefinitionError
from runtime.timeutil import (
    BusinessDuration,
    Duration,
    compile_duration_spec,
    parse_business_duration,
    parse_duration,
)

AMS = ZoneInfo("Europe/Amsterdam")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("P30D", Duration(days=30)),
        ("PT16H", Duration(time=timedelta(hours=16))),
        ("P1Y2M10DT2H30M", Duration(1, 2, 0, 10, timedelta(hours=2, minutes=30))),
        ("P2W", Duration(weeks=2)),
        ("PT1.5H", Duration(time=timedelta(minutes=90))),
        ("PT0,5S", Duration(time=timedelta(milliseconds=500))),
        ("PT0S", Duration()),
        ("P1DT1S", Duration(days=1, time=timedelta(seconds=1))),
    ],
)
def test_parse_duration(text, expected):
    assert parse_duration(text) == expected


@pytest.mark.parametrize(
    "text",
    ["P30D", "PT16H", "P1Y2M10DT2H30M", "P2W", "PT1H30M", "PT0.25S", "PT0S"],
)
def test_isoformat_round_trips(text):
    assert parse_duration(text).isoformat() == text
    assert parse_duration(str(parse_duration(text))) == parse_duration(text)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("-P1D", "negative"),
        ("P", "not an ISO-8601 duration"),
        ("PT", "not an ISO-8601 duration"),
        ("", "not an ISO-8601 duration"),
        ("30 days", "not an ISO-8601 duration"),
        ("P1.5D", "not an ISO-8601 duration"),
        ("p30d", "not an ISO-8601 duration"),
        ("P1D ", "not an ISO-8601 duration"),
        ("PT1.5H30M", "only the last component"),
        ("P200Y", "longer than 100 years"),
        ("P99999999D", "not an ISO-8601 duration"),
        (30, "ISO-8601 string"),
        (None, "ISO-8601 string"),
    ],
)
def test_parse_duration_refuses_garbage_with_a_clear_error(text, message):
    with pytest.raises(DefinitionError) as info:
        parse_duration(text, "/nodes/3/timeout/after")
    assert info.value.pointer == "/nodes/3/timeout/after"
    assert message in info.value.reason


def test_months_are_added_by_calendar_and_clamped_to_month_end():
    jan31 = datetime(2026, 1, 31, 9, tzinfo=UTC)
    assert parse_duration("P1M").add_to(jan31) == datetime(2026, 2, 28, 9, tzinfo=UTC)
    assert parse_duration("P1M").add_to(datetime(2024, 1, 31, tzinfo=UTC)).day == 29
    assert parse_duration("P1Y").add_to(datetime(2024, 2, 29, tzinfo=UTC)) == datetime(
        2025, 2, 28, tzinfo=UTC
    )
    assert parse_duration("P1Y2M10DT2H30M").add_to(datetime(2026, 1, 1, tzinfo=UTC)) == (
        datetime(2027, 3, 11, 2, 30, tzinfo=UTC)
    )
    assert parse_duration("P11M").add_to(datetime(2026, 3, 15, tzinfo=UTC)) == datetime(
        2027, 2, 15, tzinfo=UTC
    )


def test_days_follow_the_wall_clock_and_hours_are_elapsed_across_dst():
    saturday = datetime(2026, 3, 28, 9, tzinfo=AMS)  # DST starts Sunday 29 March 02:00
    assert parse_duration("P1D").add_to(saturday) == datetime(2026, 3, 29, 9, tzinfo=AMS)
    assert parse_duration("PT24H").add_to(saturday) == datetime(2026, 3, 29, 10, tzinfo=AMS)
    elapsed = parse_duration("PT24H").add_to(saturday).astimezone(UTC) - saturday.astimezone(UTC)
    assert elapsed == timedelta(hours=24)


def test_a_wall_time_in_the_dst_gap_moves_forward():
    before_gap = datetime(2026, 3, 28, 2, 30, tzinfo=AMS)
    result = parse_duration("P1D").add_to(before_gap)
    assert (result.hour, result.minute, result.utcoffset()) == (3, 30, timedelta(hours=2))


def test_subtract_mirrors_add():
    moment = datetime(2026, 3, 31, 12, tzinfo=AMS)
    assert parse_duration("P1M").subtract_from(moment) == datetime(2026, 2, 28, 12, tzinfo=AMS)
    assert parse_duration("PT16H").subtract_from(moment) == datetime(2026, 3, 30, 20, tzinfo=AMS)


def test_adding_to_a_naive_datetime_is_refused():
    with pytest.raises(ValueError, match="aware"):
        parse_duration("P1D").add_to(datetime(2026, 1, 1))


def test_duration_cannot_be_built_negative():
    with pytest.raises(ValueError):
        Duration(days=-1)


def test_business_duration_object_form():
    spec = parse_business_duration({"business_hours": 16})
    assert spec == BusinessDuration(timedelta(hours=16))
    assert spec.hours == 16
    assert spec.to_json() == {"business_hours": 16}
    half = parse_business_duration({"business_hours": 1.5, "calendar": "cs_eu"})
    assert half.amount == timedelta(minutes=90)
    assert half.calendar == "cs_eu"
    assert half.to_json() == {"business_hours": Decimal("1.5"), "calendar": "cs_eu"}


@pytest.mark.parametrize(
    ("doc", "pointer", "message"),
    [
        ({"business_hours": -1}, "/t/business_hours", "negative"),
        ({"business_hours": "16"}, "/t/business_hours", "number"),
        ({"business_hours": True}, "/t/business_hours", "number"),
        ({"business_hours": float("nan")}, "/t/business_hours", "negative"),
        ({"business_hours": 10**9}, "/t/business_hours", "above"),
        ({"business_hours": 8, "extra": 1}, "/t/extra", "unknown key"),
        ({"business_hours": 8, "calendar": "../x"}, "/t/calendar", "calendar name"),
        ({"hours": 8}, "/t", "business_hours"),
    ],
)
def test_business_duration_errors(doc, pointer, message):
    with pytest.raises(DefinitionError) as info:
        parse_business_duration(doc, "/t")
    assert info.value.pointer == pointer
    assert message in info.value.reason


def test_compile_duration_spec_accepts_both_forms():
    assert compile_duration_spec("P7D") == Duration(days=7)
    assert compile_duration_spec({"business_hours": 24}) == BusinessDuration(timedelta(hours=24))
    already = Duration(days=1)
    assert compile_duration_spec(already) is already
    with pytest.raises(DefinitionError):
        compile_duration_spec(["P1D"], "/x")
