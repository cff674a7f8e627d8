"""JSON round trips for the engine's frozen records: events, effects and state parts.

Fields hold JSON values already (str, int, bool, None, dict, list) except a few kinds
that this module converts: tuples (stored as lists), dates and datetimes (ISO-8601
text), str enums (their value) and Decimals (an int, or exact text). `from_dict`
turns them back by reading each field's annotation, so a record survives
`from_dict(to_dict(r)) == r` without per-class code.
"""

from __future__ import annotations

import json
from dataclasses import fields
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any, ClassVar, TypeVar

from runtime.flows.errors import BadEvent

R = TypeVar("R", bound="Record")


#: Types that are JSON values as they are; checked by exact type first, because this
#: runs for every history record and every copied variable (the engine's hot path).
PLAIN_TYPES = frozenset({str, int, bool, type(None)})


def to_json(value: Any) -> Any:
    """A JSON-ready copy of `value` (records, tuples, datetimes and enums converted)."""
    kind = type(value)
    if kind in PLAIN_TYPES or kind is float:
        return value
    if kind is dict:  # leaves inline: a call per value costs more than the check
        return {k if type(k) is str else str(k): v if type(v) in PLAIN_TYPES else to_json(v)
                for k, v in value.items()}
    if kind is list:
        return [v if type(v) in PLAIN_TYPES else to_json(v) for v in value]
    if kind is datetime:  # every event's `at`
        return value.isoformat()
    if isinstance(value, Record):
        return value.to_dict()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else str(value)
    if isinstance(value, dict):
        return {str(k): to_json(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_json(v) for v in value]
    return value


def json_copy(value: Any) -> Any:
    """A deep copy as JSON would make it: refuses what JSON cannot hold (sets, objects, NaN).

    Walks the value instead of `json.loads(json.dumps(...))`, which cost a third of an
    event's time in the engine; the result is the same: fresh dicts and lists, tuples
    as lists, records/enums/dates/Decimals converted by `to_json`, keys as text.
    """
    try:
        return _copy(value, 0)
    except RecursionError:
        raise BadEvent("not JSON data: nested too deeply") from None


_MAX_DEPTH = 500


def _copy(value: Any, depth: int) -> Any:
    kind = type(value)
    if kind in PLAIN_TYPES:
        return value
    if kind is float:
        if value != value or value in (_INF, -_INF):
            raise BadEvent(f"not JSON data: out of range float value {value!r}")
        return value
    if depth > _MAX_DEPTH:
        raise BadEvent("not JSON data: nested too deeply")
    if kind is dict:
        return {k if type(k) is str else str(k): v if type(v) in PLAIN_TYPES else
                _copy(v, depth + 1) for k, v in value.items()}
    if kind is list or kind is tuple:
        return [v if type(v) in PLAIN_TYPES else _copy(v, depth + 1) for v in value]
    converted = to_json(value)
    if converted is value or type(converted) not in _JSON_TYPES:
        if isinstance(value, str | int | float | dict | list | tuple):  # subclasses
            try:
                return _copy(json.loads(json.dumps(value, allow_nan=False)), depth)
            except (TypeError, ValueError) as exc:
                raise BadEvent(f"not JSON data: {exc}") from None
        raise BadEvent(f"not JSON data: {type(value).__name__} is not JSON serializable")
    return _copy(converted, depth)


_INF = float("inf")
_JSON_TYPES = frozenset({str, int, bool, float, type(None), dict, list})


class Record:
    """Mixin for frozen dataclasses that travel as JSON."""

    #: Keys `to_dict` adds that `from_dict` ignores (e.g. `type`).
    derived_keys: ClassVar[frozenset[str]] = frozenset({"type"})

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        kind = getattr(type(self), "type", None)
        if isinstance(kind, Enum):
            out["type"] = kind.value
        values = self.__dict__
        for name in _field_names(type(self)):
            value = values[name]
            out[name] = value if type(value) in PLAIN_TYPES else to_json(value)
        return out

    @classmethod
    def from_dict(cls: type[R], data: dict[str, Any]) -> R:
        if not isinstance(data, dict):
            raise BadEvent(f"{cls.__name__} needs a JSON object")
        known = {f.name: f for f in fields(cls)}  # type: ignore[arg-type]
        unknown = sorted(set(data) - set(known) - cls.derived_keys)
        if unknown:
            raise BadEvent(f"{cls.__name__} has no field {unknown[0]!r}")
        kwargs = {
            name: _from_json(str(known[name].type), value)
            for name, value in data.items()
            if name in known
        }
        try:
            return cls(**kwargs)
        except TypeError as exc:
            raise BadEvent(f"{cls.__name__}: {exc}") from None


_FIELD_NAMES: dict[type, tuple[str, ...]] = {}


def _field_names(cls: type) -> tuple[str, ...]:
    """A record class's field names, looked up once (`fields()` is slow per call)."""
    names = _FIELD_NAMES.get(cls)
    if names is None:
        names = _FIELD_NAMES[cls] = tuple(f.name for f in fields(cls))  # type: ignore[arg-type]
    return names


def _from_json(annotation: str, value: Any) -> Any:
    if value is None:
        return None
    if "datetime" in annotation and isinstance(value, str):
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            raise BadEvent(f"{value[:40]!r} is not an ISO-8601 date-time") from None
    if annotation.startswith("tuple") and isinstance(value, list):
        return tuple(value)
    return value
