"""`replay`: rebuild an instance's state from its events (the log's `event` records).

Because `advance` is pure, applying the same events to the same spec from a fresh
state gives exactly the state that was stored; the property test checks this after
every step, and admins can use it to audit a stored state.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime

from runtime.exceptions import FlowError
from runtime.flows.engine import advance
from runtime.flows.environment import Environment
from runtime.flows.events import Event
from runtime.flows.spec import FlowSpec
from runtime.flows.state import InstanceState, new_state


def replay(
    spec: FlowSpec,
    events: Iterable[Event],
    env_at: Callable[[datetime], Environment],
    *,
    instance_id: str,
) -> InstanceState:
    """Apply `events` in order; each runs in `env_at(event.at)`.

    Every event must carry `at`. Events the engine refused were never logged, so a
    refusal here means the log does not belong to this spec (FlowError).
    """
    state = new_state(instance_id)
    for number, event in enumerate(events):
        if event.at is None:
            raise FlowError(f"event {number} ({event.type.value}) has no 'at' to replay it at")
        state = advance(spec, state, event, env_at(event.at)).state
    return state
