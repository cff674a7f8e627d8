"""Instance state: frozen, JSON round-trippable, versioned; never a copy of the spec.

The state names nodes by id and counts their activations; what a node *does* stays in
the `FlowSpec` (STYLE 5). Everything the app must index lives here in plain lists:

* `tokens` - threads of control, each parked at a waiting node with the activation
  number it entered with (`resume` is set while the token is held by an incident);
* `tasks` - open user tasks and form requests, by their deterministic key;
* `timers` - scheduled timers, by key, with their absolute `due_at`;
* `messages` - the (name, correlation) pairs the instance waits for;
* `joins` - arrivals at parallel joins that have not all come in yet;
* `incidents` - what stopped, where and why (status `incident` while any is open).

`to_dict()` carries `schema_version`; `InstanceState.from_dict` upgrades older
documents through `MIGRATIONS` (version n -> n+1 functions) before reading them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, fields, replace
from typing import Any

from runtime.exceptions import FlowError
from runtime.flows.records import Record
from runtime.flows.status import InstanceStatus

SCHEMA_VERSION = 1


@dataclass(frozen=True)
class Token(Record):
    id: int
    node_id: str
    activation: int
    #: "" while waiting normally; "enter" / "leave" / "call" while an incident holds it:
    #: what `incident_retried` does again.
    resume: str = ""
    data: dict[str, Any] = field(default_factory=dict)

    def __init__(self, id: int, node_id: str, activation: int, resume: str = "",
                 data: dict[str, Any] | None = None) -> None:
        # Written by hand (dataclass keeps it): the generated frozen __init__ sets each
        # field through object.__setattr__, twice as slow, and tokens are made on every
        # node entry. The instance is as frozen as before once built.
        fields_ = self.__dict__
        fields_["id"], fields_["node_id"], fields_["activation"] = id, node_id, activation
        fields_["resume"], fields_["data"] = resume, {} if data is None else data

    def evolve(self, *, data: dict[str, Any] | None = None, resume: str | None = None) -> Token:
        """A copy with new `data` and/or `resume`: what `dataclasses.replace` does, at a
        fraction of its cost (it runs several times per event)."""
        return Token(self.id, self.node_id, self.activation,
                     self.resume if resume is None else resume,
                     self.data if data is None else data)


@dataclass(frozen=True)
class OpenTask(Record):
    key: str
    node_id: str
    activation: int
    kind: str = "task"  # "task" (user_task) or "form" (a form request)
    assignee: dict[str, Any] | None = None
    index: int | None = None  # position among several approvers


@dataclass(frozen=True)
class OpenTimer(Record):
    key: str
    node_id: str
    activation: int
    purpose: str  # "timeout", "reminder:<n>" or "wait"
    due_at: str


@dataclass(frozen=True)
class MessageWait(Record):
    key: str
    name: str
    correlation: str
    node_id: str
    activation: int


@dataclass(frozen=True)
class JoinState(Record):
    node_id: str
    arrived: tuple[int, ...] = ()  # indexes of the incoming edges, in arrival order
    fired: bool = False
    activation: int = 0  # the join's activation when it fired


@dataclass(frozen=True)
class Incident(Record):
    token_id: int
    node_id: str
    activation: int
    kind: str
    reason: str


@dataclass(frozen=True)
class InstanceState(Record):
    instance_id: str
    status: InstanceStatus = InstanceStatus.RUNNING
    variables: dict[str, Any] = field(default_factory=dict)
    tokens: tuple[Token, ...] = ()
    activations: dict[str, int] = field(default_factory=dict)
    joins: tuple[JoinState, ...] = ()
    tasks: tuple[OpenTask, ...] = ()
    timers: tuple[OpenTimer, ...] = ()
    messages: tuple[MessageWait, ...] = ()
    incidents: tuple[Incident, ...] = ()
    seq: int = 0
    next_token: int = 1
    schema_version: int = SCHEMA_VERSION

    @classmethod
    def assemble(cls, **values: Any) -> InstanceState:
        """A state from every field at once, as the engine's `Run.freeze` has them.

        Skips the generated frozen __init__ (thirteen object.__setattr__ calls, on every
        event); the result is the same frozen, equal-comparing dataclass.
        """
        missing = _FIELD_NAMES - values.keys()
        if missing:
            raise TypeError(f"InstanceState.assemble needs {sorted(missing)}")
        state = object.__new__(cls)
        state.__dict__.update(values)
        return state

    @property
    def is_ended(self) -> bool:
        return self.status.is_terminal

    @property
    def waiting_messages(self) -> frozenset[tuple[str, str]]:
        """The (message name, correlation value) pairs to index for inbound messages."""
        return frozenset((m.name, m.correlation) for m in self.messages)

    def to_dict(self) -> dict[str, Any]:
        out = super().to_dict()
        out["schema_version"] = SCHEMA_VERSION
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> InstanceState:
        data = upgrade(data)
        plain = {k: v for k, v in data.items() if k not in _PARTS}
        state = super().from_dict(plain)
        parts = {
            name: tuple(kind.from_dict(item) for item in data.get(name) or ())
            for name, kind in _PARTS.items()
        }
        try:
            status = InstanceStatus(state.status)
        except ValueError:
            raise FlowError(f"unknown instance status {state.status!r}") from None
        return replace(state, status=status, **parts)


_FIELD_NAMES = frozenset(f.name for f in fields(InstanceState))

_PARTS: dict[str, type[Record]] = {
    "tokens": Token,
    "joins": JoinState,
    "tasks": OpenTask,
    "timers": OpenTimer,
    "messages": MessageWait,
    "incidents": Incident,
}


def new_state(instance_id: str) -> InstanceState:
    """The state of an instance before its `started` event."""
    if not isinstance(instance_id, str) or not instance_id:
        raise FlowError("an instance needs its public id")
    return InstanceState(instance_id=instance_id)


#: Upgrade functions for stored states, keyed by the version they upgrade *from*.
#: Version 1 is the first format, so the table is empty; when the format changes,
#: bump SCHEMA_VERSION, add `MIGRATIONS[1] = _v1_to_v2` and a frozen v1 file under
#: tests/data/flows/ that the round-trip test reads.
MIGRATIONS: dict[int, Callable[[dict[str, Any]], dict[str, Any]]] = {}


def upgrade(data: dict[str, Any]) -> dict[str, Any]:
    """`data` brought to SCHEMA_VERSION; refuses versions from the future or unknown."""
    if not isinstance(data, dict):
        raise FlowError("an instance state is a JSON object")
    version = data.get("schema_version", 1)
    if not isinstance(version, int) or version > SCHEMA_VERSION or version < 1:
        raise FlowError(f"instance state schema_version {version!r} is not supported")
    while version < SCHEMA_VERSION:
        if version not in MIGRATIONS:
            raise FlowError(f"no migration from instance state version {version}")
        data = MIGRATIONS[version](data)
        version += 1
        data = {**data, "schema_version": version}
    return data
