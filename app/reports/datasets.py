"""The datasets a widget may name, resolved to `runtime.reports.datasets.Dataset`.

`submissions:<form>`, `instances:<flow>`, `tasks`, `events` read the platform's own
tables (JSON fields through `data.<path>` / `variables.<path>`); any other name is a
projection (`returns`). Only the fields listed here can reach SQL.
"""

from __future__ import annotations

from app.models import FlowInstance, InstanceEvent, Submission, Task
from app.reports.tables import PROJECTIONS, TABLES
from runtime.exceptions import DefinitionError
from runtime.reports.datasets import Dataset, Field, fields_of


def get_dataset(name: str) -> Dataset:
    """The dataset for a widget's `dataset` string; `DefinitionError` when there is none."""
    if name in PROJECTIONS:
        spec, table = PROJECTIONS[name], TABLES[name]
        labels = {c.name: c.label for c in spec.columns}
        labels.update({"created_at": "Created", "closed_at": "Closed", "status": "Status",
                       "case_number": "Case", "public_id": "Case id"})
        return Dataset(name=name, source=table, fields=fields_of(table, spec.kinds(), labels),
                       time_field="created_at", case_field="public_id", title=spec.title)
    kind, _, key = name.partition(":")
    if kind == "instances" and key:
        return _instances(key)
    if kind == "submissions" and key:
        return _submissions(key)
    if name == "tasks":
        return _tasks()
    if name == "events":
        return _events()
    raise DefinitionError("/dataset", f"no dataset named {name[:80]!r}")


def _instances(flow_key: str) -> Dataset:
    t = FlowInstance.__table__
    fields = fields_of(t, {"public_id": "string", "case_number": "string", "status": "string",
                           "flow_version": "number", "created_at": "datetime",
                           "ended_at": "datetime"})
    return Dataset(name=f"instances:{flow_key}", source=t, fields=fields,
                   time_field="created_at", case_field="public_id",
                   base_where=(t.c.flow_key == flow_key,), json_column=t.c.variables,
                   json_prefix="variables")


def _submissions(form_key: str) -> Dataset:
    t = Submission.__table__
    fields = fields_of(t, {"public_id": "string", "form_version": "number", "locale": "string",
                           "created_at": "datetime"})
    return Dataset(name=f"submissions:{form_key}", source=t, fields=fields,
                   time_field="created_at", base_where=(t.c.form_key == form_key,),
                   json_column=t.c.data)


def _tasks() -> Dataset:
    t, i = Task.__table__, FlowInstance.__table__
    fields = fields_of(t, {"title": "string", "status": "string", "node_id": "string",
                           "team_key": "string", "outcome": "string", "form_key": "string",
                           "created_at": "datetime", "due_at": "datetime",
                           "completed_at": "datetime"})
    fields["flow_key"] = Field("flow_key", "string", i.c.flow_key, "Flow")
    fields["case"] = Field("case", "string", i.c.public_id, "Case id")
    fields["case_number"] = Field("case_number", "string", i.c.case_number, "Case")
    return Dataset(name="tasks", source=t.join(i, i.c.id == t.c.instance_id), fields=fields,
                   time_field="created_at", case_field="case", json_column=t.c.data)


def _events() -> Dataset:
    e, i = InstanceEvent.__table__, FlowInstance.__table__
    fields = fields_of(e, {"type": "string", "node_id": "string", "at": "datetime"})
    fields["flow_key"] = Field("flow_key", "string", i.c.flow_key, "Flow")
    fields["case"] = Field("case", "string", i.c.public_id, "Case id")
    fields["case_number"] = Field("case_number", "string", i.c.case_number, "Case")
    return Dataset(name="events", source=e.join(i, i.c.id == e.c.instance_id), fields=fields,
                   time_field="at", case_field="case", json_column=e.c.data)


def dialect_name() -> str:
    from app.extensions import db

    return db.session.get_bind().dialect.name
