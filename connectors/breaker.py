"""A circuit breaker per connector: stop calling a system that keeps failing.

    closed --(failure_threshold failed attempts in a row)--> open
    open --(reset_seconds later, one caller)--> half_open   (that caller is the trial)
    half_open --trial succeeds--> closed
    half_open --trial fails--> open (the cool-down starts again)

While open (and while a trial is running) calls fail at once with `CircuitOpen` and
send nothing, so a dead ERP is not hammered by every worker and jobs fail fast. A
failed attempt is a 5xx, a 429, a timeout or a connection error; any other answer,
4xx included, shows the system is up. A trial that never reports back (worker killed)
is given up after another `reset_seconds`, so the circuit cannot stay stuck.

State lives in a `BreakerStore`. `MemoryBreakerStore` (the default) is per process;
a shared store (Redis, a table) only has to implement `update` atomically. The clock
is injected so tests need not wait, and is wall-clock time by default so a shared
store's timestamps mean the same in every process.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Protocol

from connectors.spec import BreakerSettings


class CircuitStatus(StrEnum):
    CLOSED = "closed"
    OPEN = "open"
    HALF_OPEN = "half_open"


@dataclass(frozen=True)
class CircuitState:
    status: CircuitStatus = CircuitStatus.CLOSED
    failures: int = 0
    opened_at: float = 0.0
    trial_started_at: float = 0.0


class BreakerStore(Protocol):
    def get(self, key: str) -> CircuitState: ...

    def update(
        self, key: str, change: Callable[[CircuitState], tuple[CircuitState, object]]
    ) -> object:
        """Apply `change` to the state atomically; return its second element."""


class MemoryBreakerStore:
    def __init__(self) -> None:
        self._states: dict[str, CircuitState] = {}
        self._lock = threading.Lock()

    def get(self, key: str) -> CircuitState:
        return self._states.get(key, CircuitState())

    def update(self, key, change):
        with self._lock:
            state, result = change(self._states.get(key, CircuitState()))
            self._states[key] = state
            return result


class CircuitBreaker:
    """The transitions; `allow` before an attempt, `succeeded`/`failed` after it."""

    def __init__(self, store: BreakerStore, clock: Callable[[], float]) -> None:
        self.store = store
        self.clock = clock

    def allow(self, key: str, settings: BreakerSettings) -> float:
        """0 when the attempt may go; otherwise seconds until a trial may."""

        def change(state: CircuitState) -> tuple[CircuitState, float]:
            now = self.clock()
            if state.status is CircuitStatus.CLOSED:
                return state, 0.0
            since = state.trial_started_at or state.opened_at
            wait = since + settings.reset_seconds - now
            if wait > 0:
                return state, wait
            return replace(state, status=CircuitStatus.HALF_OPEN, trial_started_at=now), 0.0

        return self.store.update(key, change)  # type: ignore[return-value]

    def succeeded(self, key: str) -> None:
        self.store.update(key, lambda state: (CircuitState(), None))

    def failed(self, key: str, settings: BreakerSettings) -> None:
        def change(state: CircuitState) -> tuple[CircuitState, None]:
            now = self.clock()
            failures = state.failures + 1
            if state.status is CircuitStatus.HALF_OPEN or failures >= settings.failure_threshold:
                return CircuitState(CircuitStatus.OPEN, failures, now), None
            return replace(state, failures=failures), None

        self.store.update(key, change)

    def status(self, key: str) -> CircuitStatus:
        return self.store.get(key).status
