"""Platform datasets (instances, tasks, events, submissions) through the same compiler."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime

import pytest
from werkzeug.datastructures import MultiDict

from app.extensions import db
from app.models import FlowInstance, InstanceEvent, Submission, Task
from app.reports import boards
from runtime.exceptions import DefinitionError
from runtime.reports.spec import parse_dashboard

T0 = datetime(2026, 5, 4, 10, tzinfo=UTC)


def seed() -> None:
    for i, country in enumerate(["DE", "DE", "FR"]):
        inst = FlowInstance(public_id=secrets.token_hex(16), case_number=f"C-{i}",
                            flow_key="returns.case", flow_version=1, state={},
                            variables={"order": {"country": country}, "value": 10 * (i + 1)},
                            status="completed" if i else "running", created_at=T0)
        db.session.add(inst)
        db.session.flush()
        db.session.add(InstanceEvent(instance_id=inst.id, seq=1, type="node_entered",
                                     node_id="review", data={}, at=T0))
        db.session.add(Task(key=f"{inst.id}:review:1", instance_id=inst.id, node_id="review",
                            title="Review", team_key="cs_agent",
                            status="open" if i < 2 else "completed", created_at=T0))
        db.session.add(Submission(public_id=secrets.token_hex(16), form_key="returns.request",
                                  form_version=1, data={"reason": "size" if i else "late"},
                                  created_at=T0, instance_id=inst.id))
    db.session.commit()


def run(dataset: str, dims: list[dict], measures: list[dict] | None = None) -> dict:
    body = {"widgets": [{"id": "w", "title": "W", "dataset": dataset, "chart": "bar",
                         "measures": measures or [{"id": "n", "agg": "count"}],
                         "dimensions": dims}]}
    spec = parse_dashboard("B", body)
    view = boards.run_widget(spec.widgets[0], boards.read_filters(spec, MultiDict()))
    return dict(zip(view.frame["_d0"], view.frame[view.widget.measures[0].id], strict=True))


def test_instances_by_a_variable(app):
    seed()
    assert run("instances:returns.case", [{"field": "variables.order.country"}]) == \
        {"DE": 2, "FR": 1}
    total = run("instances:returns.case", [{"field": "status"}],
                [{"id": "v", "agg": "sum", "field": "variables.value"}])
    assert total == {"running": 10, "completed": 50}
    assert run("instances:other.flow", [{"field": "status"}]) == {}


def test_tasks_events_and_submissions(app):
    seed()
    assert run("tasks", [{"field": "status"}]) == {"open": 2, "completed": 1}
    assert run("events", [{"field": "node_id"}]) == {"review": 3}
    assert run("submissions:returns.request", [{"field": "data.reason"}]) == {"size": 2, "late": 1}
    assert run("events", [{"field": "at", "bucket": "month"}]) == {"2026-05-01": 3}


def test_unknown_dataset_or_field_is_a_definition_error(app):
    with pytest.raises(DefinitionError):
        run("nope", [{"field": "x"}])
    with pytest.raises(DefinitionError):
        run("tasks", [{"field": "password_hash"}])
