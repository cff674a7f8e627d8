"""The flow designer's test run: `POST /api/v1/builder/test-run`.

Stateless on purpose: the browser sends the draft body, the start variables and every
choice made so far, and `builder.simulator` replays them on the real engine. No row is
written, no job queued, no connector called, so a builder can try a draft as often as
they like without leaving anything behind (tasks in someone's inbox, a refund in a
sandbox). Decision tables and team calendars are the published ones, read as real
cases read them.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask import jsonify, request

from app.api import bp, json_body
from app.api.openapi import operation
from app.flows.specs import LazyCalendars, LazyTables
from app.security import requires
from builder.definitions import unknown_fields
from builder.simulator import SimulationInvalid, simulate
from builder.simulator_choices import FIELDS as CHOICE_FIELDS
from runtime.exceptions import ErrorDetail

#: Largest request the test run reads (the simulator bounds its parts again).
MAX_REQUEST_BYTES = 1024 * 1024
FIELDS = ("body", "variables", "choices", "started_at")

PENDING_SCHEMA = {
    "type": "object",
    "description": "something the run waits for; send a choice naming its `key`",
    "properties": {
        "kind": {"enum": ["task", "form", "service", "subflow", "message", "timer", "incident"]},
        "key": {"type": "string"},
        "node": {"type": "string"},
        "activation": {"type": "integer"},
    },
}
TEST_RUN_REQUEST = {
    "type": "object",
    "required": ["body"],
    "additionalProperties": False,
    "properties": {
        "body": {"type": "object", "description": "the flow body to run (need not be saved)"},
        "variables": {"type": "object", "description": "the start variables"},
        "choices": {
            "type": "array",
            "maxItems": 200,
            "description": "the user's choices so far, in order (see builder/simulator_choices.py)",
            "items": {"type": "object", "required": ["type"],
                      "properties": {"type": {"enum": list(CHOICE_FIELDS)}}},
        },
        "started_at": {"type": "string", "format": "date-time",
                       "description": "from the first answer, so due times stay put"},
    },
}
TEST_RUN_RESPONSE = {
    "type": "object",
    "properties": {
        "started_at": {"type": "string"},
        "now": {"type": "string", "description": "the run's clock (timers fired move it)"},
        "status": {"type": "string"},
        "ended": {"type": "boolean"},
        "variables": {"type": "object"},
        "active": {"type": "array", "items": {"type": "string"}},
        "visited": {"type": "array", "items": {"type": "string"}},
        "edges_taken": {"type": "array", "items": {"type": "integer"}},
        "incidents": {"type": "array", "items": {"type": "object"}},
        "pending": {"type": "array", "items": PENDING_SCHEMA},
        "history": {"type": "array", "items": {"type": "object"}},
    },
}


@bp.post("/builder/test-run")
@requires("builder")
@operation(
    "Run a flow body with test data: start it with `variables`, apply `choices` (complete "
    "a task, fire a timer, answer a connector call, ...), and answer where the run stands "
    "and what it waits for. Nothing is stored and no connector is called",
    tags=("builder",),
    request=TEST_RUN_REQUEST,
    response=TEST_RUN_RESPONSE,
)
def test_run() -> Any:
    if (request.content_length or 0) > MAX_REQUEST_BYTES:
        raise SimulationInvalid(
            [ErrorDetail("", f"a test run request is at most {MAX_REQUEST_BYTES} bytes")]
        )
    data = json_body()
    problems = unknown_fields(data, FIELDS)
    if "body" not in data:
        problems.append(ErrorDetail("/body", "is required: the flow body to run"))
    started_at = _started_at(data.get("started_at"), problems)
    if problems:
        raise SimulationInvalid(problems)
    result = simulate(
        data["body"],
        data.get("variables", {}),
        data.get("choices", []),
        started_at=started_at,
        tables=LazyTables(),
        calendars=LazyCalendars(),
    )
    return jsonify(result.to_dict())


def _started_at(value: Any, problems: list[ErrorDetail]) -> datetime:
    if value is None:
        return datetime.now(UTC).replace(microsecond=0)
    try:
        moment = datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        moment = None
    if moment is None or moment.utcoffset() is None:
        problems.append(ErrorDetail("/started_at", "must be a date-time with a time zone"))
        return datetime.now(UTC)
    return moment
