"""Instance status: a `str` enum and the one guarded function that changes it (STYLE 7).

    running ──► waiting ──► running          (an event arrives; automatic nodes run)
       │  └───► incident ──► running         (incident_retried, or an event for another branch)
       └──────► completed | rejected | cancelled   (terminal: nothing leaves them)

`advance` moves waiting/incident → running when an event arrives and settles on
waiting, incident or a terminal status before it returns, so stored states are never
`running` except the fresh state of an instance whose `started` event has not run.
"""

from __future__ import annotations

from enum import StrEnum

from runtime.exceptions import FlowError


class InstanceStatus(StrEnum):
    RUNNING = "running"
    WAITING = "waiting"
    COMPLETED = "completed"
    REJECTED = "rejected"
    CANCELLED = "cancelled"
    INCIDENT = "incident"

    @property
    def is_terminal(self) -> bool:
        return self in TERMINAL


TERMINAL = frozenset({InstanceStatus.COMPLETED, InstanceStatus.REJECTED, InstanceStatus.CANCELLED})

_ALLOWED: dict[InstanceStatus, frozenset[InstanceStatus]] = {
    InstanceStatus.RUNNING: frozenset(
        {
            InstanceStatus.WAITING,
            InstanceStatus.INCIDENT,
            InstanceStatus.COMPLETED,
            InstanceStatus.REJECTED,
            InstanceStatus.CANCELLED,
        }
    ),
    InstanceStatus.WAITING: frozenset({InstanceStatus.RUNNING}),
    InstanceStatus.INCIDENT: frozenset({InstanceStatus.RUNNING}),
    InstanceStatus.COMPLETED: frozenset(),
    InstanceStatus.REJECTED: frozenset(),
    InstanceStatus.CANCELLED: frozenset(),
}


def transition(current: InstanceStatus | str, target: InstanceStatus | str) -> InstanceStatus:
    """`target` if the move is legal (staying put is always legal), else FlowError."""
    if type(current) is not InstanceStatus or type(target) is not InstanceStatus:
        current, target = InstanceStatus(current), InstanceStatus(target)
    if current is target or target in _ALLOWED[current]:
        return target
    raise FlowError(f"an instance cannot go from {current.value} to {target.value}")
