"""Errors the flow engine raises on purpose (the rest of the tree: runtime/exceptions.py).

    FormloomError
    ├── DefinitionInvalid(errors)          compile_flow / migrate_state: every problem,
    │                                      each at a JSON pointer (/nodes/3/config/timeout)
    └── FlowError                          the engine refused an event (HTTP 400)
        ├── EventRefused (also Conflict)   the event no longer fits the instance: the task
        │                                  was completed or timed out already, the instance
        │                                  ended; the loser of a race gets HTTP 409
        └── BadEvent                       the event itself is wrong: an outcome the task
                                           does not offer, an unknown event type

Nothing here is raised for a stale *timer* or a late connector answer: those are
recorded in the log and change nothing (exactly one winner, CHECKLIST 7).
"""

from __future__ import annotations

from runtime.exceptions import Conflict, FlowError


class EventRefused(FlowError, Conflict):
    """The event raced another one and lost; the app answers 409 with this message."""

    code = "event_refused"


class BadEvent(FlowError):
    code = "bad_event"


class NodeFailed(Exception):
    """Internal: a node could not run (no route, a table without an answer, …).

    The engine turns it into an incident on the token; it never leaves `advance`.
    """

    def __init__(self, reason: str, kind: str = "node_failed") -> None:
        super().__init__(reason)
        self.reason = reason
        self.kind = kind
