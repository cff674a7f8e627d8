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


def to_json(value: Any) -> Any:
    """A JSON-ready copy of `value` (records, tuples, datetimes and enums converted)."""
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
    """A deep copy through JSON: refuses what JSON cannot hold (sets, objects, NaN)."""
    try:
        return json.loads(json.dumps(to_json(value), allow_nan=False))
    except (TypeError, ValueError) as exc:
        raise BadEvent(f"not JSON data: {exc}") from None


class Record:
    """Mixin for frozen dataclasses that travel as JSON."""

    #: Keys `to_dict` adds that `from_dict` ignores (e.g. `type`).
    derived_keys: ClassVar[frozenset[str]] = frozenset({"type"})

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        kind = getattr(type(self), "type", None)
        if isinstance(kind, Enum):
            out["type"] = kind.value
        for f in fields(self):  # type: ignore[arg-type]
            out[f.name] = to_json(getattr(self, f.name))
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
