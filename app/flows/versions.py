"""Moving running instances to a newer version of their flow, by an explicit node map.

Instances stay on the version they started with (CHECKLIST 11) unless an admin moves
them. The engine checks the map (`migrate_state` refuses with every problem at its
pointer); here the rows that name nodes — open tasks, message waits, pending timers —
follow the tokens, and the move is recorded in the instance's history.
"""

from __future__ import annotations

from typing import Any

from app.extensions import db
from app.flows import specs
from app.models import FlowInstance, InstanceEvent, MessageWait, Task, Timer, utcnow
from app.services import audit
from runtime.exceptions import Conflict
from runtime.flows import InstanceState, default_node_map, migrate_state

OPEN_TASK = ("open", "claimed")


def migrate(
    instance: FlowInstance, to_version: int, node_map: dict[str, str] | None, actor: Any
) -> FlowInstance:
    if to_version == instance.flow_version:
        raise Conflict(f"the case already runs on version {to_version}")
    old = specs.flow_spec(instance.flow_key, instance.flow_version)
    new = specs.flow_spec(instance.flow_key, to_version)
    state = InstanceState.from_dict(instance.state)
    mapping = node_map if node_map is not None else default_node_map(old, new, state)
    moved = migrate_state(old, new, state, mapping)
    for model in (Task, MessageWait):
        rows = db.session.scalars(db.select(model).where(model.instance_id == instance.id))
        for row in rows:
            if model is Task and row.status not in OPEN_TASK:
                continue
            row.node_id = mapping.get(row.node_id, row.node_id)
    timers = db.session.scalars(
        db.select(Timer).where(Timer.instance_id == instance.id, Timer.fired_at.is_(None))
    )
    for timer in timers:
        timer.node_id = mapping.get(timer.node_id, timer.node_id)
    old_version = instance.flow_version
    instance.flow_version = to_version
    instance.state = moved.to_dict()
    instance.event_seq += 1
    db.session.add(InstanceEvent(
        instance_id=instance.id, seq=instance.event_seq, type="instance_migrated",
        data={"from_version": old_version, "to_version": to_version, "node_map": mapping},
        at=utcnow(),
    ))
    audit.record("instance.migrated", "instance", instance.public_id, actor=actor,
                 from_version=old_version, to_version=to_version)
    db.session.flush()
    return instance
