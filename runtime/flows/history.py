"""History records: what `advance` appends to the instance's event log (instance_events).

Every step's log starts with one `event` record holding the event itself (so the log
alone can rebuild the state: `events_from_log` + `replay`), then one record per thing
that happened: `node_entered`, `task_created`, `task_completed`, `timer_ignored`,
`join_arrived`, `join_fired`, `decision_made`, `incident_raised`, `instance_ended`, …
Each carries the `seq` of the event that caused it, the node and its activation.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from runtime.flows.events import Event, event_from_dict
from runtime.flows.records import Record


@dataclass(frozen=True)
class LogRecord(Record):
    seq: int
    type: str  # type: ignore[misc]
    node_id: str | None = None
    activation: int | None = None
    data: dict[str, Any] = field(default_factory=dict)

    derived_keys = frozenset()  # type: ignore[assignment]

    def __init__(self, seq: int, type: str, node_id: str | None = None,
                 activation: int | None = None, data: dict[str, Any] | None = None) -> None:
        # By hand (dataclass keeps it): about twenty records per instance are made, and
        # the generated frozen __init__ (object.__setattr__ per field) is twice as slow.
        fields_ = self.__dict__
        fields_["seq"], fields_["type"], fields_["node_id"] = seq, type, node_id
        fields_["activation"], fields_["data"] = activation, {} if data is None else data

    def to_dict(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "type": self.type,
            "node_id": self.node_id,
            "activation": self.activation,
            "data": self.data,
        }


def events_from_log(records: Iterable[LogRecord | dict[str, Any]]) -> list[Event]:
    """The events in a log, in order (the input `replay` needs)."""
    events = []
    for record in records:
        item = record.to_dict() if isinstance(record, LogRecord) else record
        if item.get("type") == "event":
            events.append(event_from_dict(item["data"]))
    return events
