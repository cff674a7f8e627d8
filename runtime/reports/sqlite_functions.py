"""Percentiles for SQLite, which has none built in (PostgreSQL uses percentile_cont).

Registered per connection by the app (and by tests) with `register(dbapi_connection)`;
the compiler then emits `fl_percentile(value, q)` on SQLite. Same interpolation as
PostgreSQL's `percentile_cont` and pandas' default `quantile`, so results agree.
"""

from __future__ import annotations

import math
from typing import Any


class _Percentile:
    def __init__(self) -> None:
        self.values: list[float] = []
        self.q = 0.5

    def step(self, value: Any, q: Any) -> None:
        if value is not None:
            self.values.append(float(value))
        if q is not None:
            self.q = float(q)

    def finalize(self) -> float | None:
        return percentile_cont(self.values, self.q)


def percentile_cont(values: list[float], q: float) -> float | None:
    """Linear interpolation between closest ranks (PostgreSQL `percentile_cont`)."""
    if not values:
        return None
    ordered = sorted(values)
    position = q * (len(ordered) - 1)
    low = math.floor(position)
    high = math.ceil(position)
    if low == high:
        return ordered[low]
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def register(dbapi_connection: Any) -> None:
    """Add `fl_percentile(value, q)` to a sqlite3 connection."""
    dbapi_connection.create_aggregate("fl_percentile", 2, _Percentile)
