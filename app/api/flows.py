"""Flow endpoints: start an instance, read its state and history, cancel it, correlate a
message to waiting instances, and complete a task (409 when someone else got there first).

Request bodies are checked field by field: unknown fields are refused (CHECKLIST 24).
"""

from __future__ import annotations

from typing import Any

from flask import jsonify
from flask_login import current_user

from app.api import bp, json_body
from app.api.openapi import operation
from app.extensions import db
from app.flows import service, versions
from app.models import FlowInstance, InstanceEvent, Task
from app.security import requires
from builder.definitions import unknown_fields
from runtime.exceptions import ErrorDetail, ValidationFailed

STAFF_SIDE = ("staff", "manager", "builder")
TAGS = ("flows",)

START_SCHEMA = {
    "type": "object", "additionalProperties": False,
    "properties": {"variables": {"type": "object"},
                   "start_token": {"type": "string", "maxLength": 64}},
}
MESSAGE_SCHEMA = {
    "type": "object", "additionalProperties": False, "required": ["name", "correlation"],
    "properties": {"name": {"type": "string"}, "correlation": {"type": "string"},
                   "data": {"type": "object"}},
}
COMPLETE_SCHEMA = {
    "type": "object", "additionalProperties": False, "required": ["outcome"],
    "properties": {"outcome": {"type": "string"}, "data": {"type": "object"}},
}
CANCEL_SCHEMA = {
    "type": "object", "additionalProperties": False,
    "properties": {"reason": {"type": "string", "maxLength": 500}},
}
INSTANCE_SCHEMA = {
    "type": "object",
    "properties": {
        "id": {"type": "string"}, "case_number": {"type": ["string", "null"]},
        "flow": {"type": "string"}, "version": {"type": "integer"},
        "status": {"type": "string"}, "variables": {"type": "object"},
        "tasks": {"type": "array"}, "waiting_for": {"type": "array"},
    },
}


def _body(allowed: dict[str, type], required: tuple[str, ...] = ()) -> dict[str, Any]:
    data = json_body()
    errors = unknown_fields(data, allowed)
    errors += [ErrorDetail(f"/{name}", "is required") for name in required if name not in data]
    errors += [ErrorDetail(f"/{name}", f"must be {kind.__name__}")
               for name, kind in allowed.items() if name in data
               and not isinstance(data[name], kind)]
    if errors:
        raise ValidationFailed(errors, "the request body is not valid")
    return data


def _instance_json(instance: FlowInstance) -> dict[str, Any]:
    tasks = db.session.scalars(
        db.select(Task).where(Task.instance_id == instance.id).order_by(Task.id)
    ).all()
    state = instance.state or {}
    return {
        "id": instance.public_id, "case_number": instance.case_number,
        "flow": instance.flow_key, "version": instance.flow_version,
        "status": instance.status, "variables": instance.variables or {},
        "tasks": [{"id": t.id, "node": t.node_id, "title": t.title, "status": t.status,
                   "team": t.team_key, "assignee_id": t.assignee_id, "outcome": t.outcome,
                   "due_at": t.due_at.isoformat() if t.due_at else None} for t in tasks],
        "waiting_for": [t.get("node_id") for t in state.get("tokens", [])],
        "incidents": state.get("incidents", []),
    }


@bp.post("/flows/<key>/instances")
@requires(*STAFF_SIDE)
@operation("Start an instance of a flow's newest published version", tags=TAGS,
           request=START_SCHEMA, response=INSTANCE_SCHEMA, status=201, errors=(404,))
def start_instance(key: str) -> Any:
    data = _body({"variables": dict, "start_token": str})
    instance = service.start(key, data.get("variables"), actor=current_user,
                             start_token=data.get("start_token"))
    db.session.commit()
    return jsonify(_instance_json(instance)), 201


@bp.get("/instances/<public_id>")
@requires(*STAFF_SIDE)
@operation("An instance's state and tasks", tags=TAGS, response=INSTANCE_SCHEMA, errors=(404,))
def get_instance(public_id: str) -> Any:
    return jsonify(_instance_json(service.get_instance(public_id)))


@bp.get("/instances/<public_id>/history")
@requires(*STAFF_SIDE)
@operation("An instance's history, oldest first", tags=TAGS, response={"type": "array"},
           errors=(404,))
def get_history(public_id: str) -> Any:
    instance = service.get_instance(public_id)
    rows = db.session.scalars(
        db.select(InstanceEvent).where(InstanceEvent.instance_id == instance.id)
        .order_by(InstanceEvent.seq)
    )
    return jsonify([{"seq": r.seq, "type": r.type, "node": r.node_id, "at": r.at.isoformat(),
                     "data": r.data} for r in rows])


@bp.post("/instances/<public_id>/cancel")
@requires("manager")
@operation("Cancel a running instance", tags=TAGS, request=CANCEL_SCHEMA,
           response=INSTANCE_SCHEMA, errors=(404, 409))
def cancel_instance(public_id: str) -> Any:
    data = _body({"reason": str})
    instance = service.get_instance(public_id)
    service.cancel(instance, data.get("reason", "cancelled by a manager"), current_user)
    db.session.commit()
    return jsonify(_instance_json(instance))


@bp.post("/messages")
@requires("staff", "manager")
@operation("Deliver a correlated message to the instances waiting for it", tags=TAGS,
           request=MESSAGE_SCHEMA, response={"type": "object"})
def post_message() -> Any:
    data = _body({"name": str, "correlation": str, "data": dict}, required=("name", "correlation"))
    delivered = service.send_message(data["name"], data["correlation"], data.get("data"))
    db.session.commit()
    return jsonify(delivered=delivered)


@bp.post("/tasks/<int:task_id>/complete")
@requires("staff", "manager")
@operation("Complete a task with an outcome", tags=TAGS, request=COMPLETE_SCHEMA,
           response=INSTANCE_SCHEMA, errors=(404, 409))
def complete_task(task_id: int) -> Any:
    data = _body({"outcome": str, "data": dict}, required=("outcome",))
    task = service.complete_task(task_id, data["outcome"], data.get("data"), current_user)
    db.session.commit()
    return jsonify(_instance_json(db.session.get(FlowInstance, task.instance_id)))


MIGRATE_SCHEMA = {
    "type": "object", "additionalProperties": False, "required": ["to_version"],
    "properties": {"to_version": {"type": "integer"},
                   "node_map": {"type": "object", "additionalProperties": {"type": "string"}}},
}


@bp.post("/instances/<public_id>/migrate")
@requires("admin")
@operation("Move a running instance to another version of its flow", tags=TAGS,
           request=MIGRATE_SCHEMA, response=INSTANCE_SCHEMA, errors=(404, 409))
def migrate_instance(public_id: str) -> Any:
    data = _body({"to_version": int, "node_map": dict}, required=("to_version",))
    instance = service.get_instance(public_id)
    versions.migrate(instance, data["to_version"], data.get("node_map"), current_user)
    db.session.commit()
    return jsonify(_instance_json(instance))
