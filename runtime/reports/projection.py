"""Projections: typed reporting tables folded from a case's facts and its event log.

A projection definition (JSON, e.g. `projections/returns.json`) names the flows that
feed it and its columns. Each column takes its value from one place:

* `from`: a path in the instance's variables (`order.country`), converted to the type;
* `on`: the time of the first (or `pick: last`) log record matching
  `{"record": type, "node": id, "data": {key: value}}`;
* `derive`: `hours_between [a, b]` or `over [column]` with `limit` (an SLA breach).

Every projection also has the case columns `public_id`, `case_number`, `instance_id`,
`flow_version`, `status`, `created_at`, `closed_at` and `last_event_id`. `project_case`
is a pure function of (case facts, all its events): applying it twice gives the same
row, which is what lets the projector re-run any batch without double-counting.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from runtime.exceptions import DefinitionError

BUILT_IN = ("public_id", "case_number", "instance_id", "flow_version", "status",
            "created_at", "closed_at", "last_event_id")
PROJECTIONS_DIR = Path(__file__).with_name("projections")


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    length: int = 64
    source: str | None = None
    on: Mapping[str, Any] | None = None
    pick: str = "first"
    derive: str | None = None
    args: tuple[str, ...] = ()
    limit: float | None = None
    label: str = ""


@dataclass(frozen=True)
class ProjectionSpec:
    name: str
    table: str
    flows: tuple[str, ...]
    columns: tuple[Column, ...]
    indexes: tuple[tuple[str, ...], ...] = ()
    title: str = ""
    #: Columns carried in the `created_at` index on PostgreSQL (INCLUDE), so queries over
    #: a date range read the index only, never the wide rows.
    covering: tuple[str, ...] = ()

    def kinds(self) -> dict[str, str]:
        """Field name → kind for every column, built-in ones included (for datasets)."""
        out = {"public_id": "string", "case_number": "string", "flow_version": "number",
               "status": "string", "created_at": "datetime", "closed_at": "datetime"}
        out.update({c.name: c.type for c in self.columns})
        return out


@dataclass(frozen=True)
class CaseFacts:
    """What the instance row says about a case (state, not spec)."""

    public_id: str
    case_number: str | None
    instance_id: int | None
    flow_version: int
    status: str
    created_at: datetime
    ended_at: datetime | None
    variables: Mapping[str, Any]


@dataclass(frozen=True)
class EventFacts:
    id: int
    type: str
    node_id: str | None
    data: Mapping[str, Any]
    at: datetime


def load_projection(name: str) -> ProjectionSpec:
    """A projection shipped with the platform (`runtime/reports/projections/<name>.json`)."""
    path = PROJECTIONS_DIR / f"{name}.json"
    if not path.is_file():
        raise DefinitionError("/", f"no projection named {name!r}")
    return parse_projection(json.loads(path.read_text(encoding="utf-8")))


def parse_projection(doc: Mapping[str, Any]) -> ProjectionSpec:
    columns = []
    for i, raw in enumerate(doc["columns"]):
        col = Column(name=raw["name"], type=raw["type"], length=raw.get("length", 64),
                     source=raw.get("from"), on=raw.get("on"), pick=raw.get("pick", "first"),
                     derive=raw.get("derive"), args=tuple(raw.get("args", ())),
                     limit=raw.get("limit"), label=raw.get("label", ""))
        if col.name in BUILT_IN:
            raise DefinitionError(f"/columns/{i}/name", f"{col.name!r} is a built-in column")
        if sum(x is not None for x in (col.source, col.on, col.derive)) != 1:
            raise DefinitionError(f"/columns/{i}", "give exactly one of from, on, derive")
        if col.type not in ("string", "number", "datetime", "bool"):
            raise DefinitionError(f"/columns/{i}/type", "must be string, number, datetime or bool")
        columns.append(col)
    return ProjectionSpec(name=doc["name"], table=doc["table"], flows=tuple(doc["flows"]),
                          columns=tuple(columns), title=doc.get("title", doc["name"]),
                          indexes=tuple(tuple(ix) for ix in doc.get("indexes", ())),
                          covering=tuple(doc.get("covering", ())))


def build_table(spec: ProjectionSpec, metadata: sa.MetaData, datetime_type: Any,
                id_type: Any) -> sa.Table:
    """The projection's Core table, typed from its definition."""
    types = {"string": lambda c: sa.String(c.length), "number": lambda c: sa.Float(),
             "datetime": lambda c: datetime_type, "bool": lambda c: sa.Boolean()}
    table = sa.Table(
        spec.table, metadata,
        sa.Column("id", id_type, primary_key=True),
        sa.Column("public_id", sa.String(32), nullable=False, unique=True),
        sa.Column("case_number", sa.String(64)),
        sa.Column("instance_id", sa.BigInteger, unique=True),
        sa.Column("flow_version", sa.Integer, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_at", datetime_type, nullable=False),
        sa.Column("closed_at", datetime_type),
        sa.Column("last_event_id", sa.BigInteger),
        *[sa.Column(c.name, types[c.type](c)) for c in spec.columns],
    )
    sa.Index(f"ix_{spec.table}_created_at", table.c.created_at,
             postgresql_include=list(spec.covering))
    for columns in spec.indexes:
        sa.Index(f"ix_{spec.table}_{'_'.join(columns)}", *[table.c[n] for n in columns])
    return table


def project_case(spec: ProjectionSpec, case: CaseFacts, events: Iterable[EventFacts]) -> dict:
    """The projection row for one case, from its facts and its whole event log."""
    row: dict[str, Any] = {
        "public_id": case.public_id, "case_number": case.case_number,
        "instance_id": case.instance_id, "flow_version": case.flow_version,
        "status": case.status[:16], "created_at": case.created_at, "closed_at": case.ended_at,
        "last_event_id": None,
    }
    ordered = sorted(events, key=lambda e: e.id)
    if ordered:
        row["last_event_id"] = ordered[-1].id
    for col in spec.columns:
        if col.source is not None:
            row[col.name] = convert(col, _lookup(case.variables, col.source))
        elif col.on is not None:
            hits = [e.at for e in ordered if _matches(col.on, e)]
            row[col.name] = (hits[0] if col.pick == "first" else hits[-1]) if hits else None
    for col in spec.columns:
        if col.derive == "hours_between":
            start, end = row.get(col.args[0]), row.get(col.args[1])
            row[col.name] = (end - start).total_seconds() / 3600 if start and end else None
        elif col.derive == "over":
            value = row.get(col.args[0])
            row[col.name] = value is not None and col.limit is not None and value > col.limit
    return row


def convert(col: Column, value: Any) -> Any:
    """A variable's value in the column's type; what cannot be converted is stored as null."""
    if value is None:
        return None
    try:
        if col.type == "number":
            if isinstance(value, dict) and "amount" in value:  # a money field
                value = value["amount"]
            return float(value)
        if col.type == "bool":
            return bool(value)
        if col.type == "datetime":
            return datetime.fromisoformat(str(value)) if not isinstance(value, datetime) else value
    except (TypeError, ValueError):
        return None
    if isinstance(value, dict | list):
        value = json.dumps(value, sort_keys=True)
    return str(value)[: col.length]


def _lookup(variables: Mapping[str, Any], path: str) -> Any:
    value: Any = variables
    for part in path.split("."):
        if not isinstance(value, dict):  # plain dicts only: abc checks cost ~1 µs each
            return None
        value = value.get(part)
    return value


def _matches(on: Mapping[str, Any], event: EventFacts) -> bool:
    if on.get("record") and on["record"] != event.type:
        return False
    if on.get("node") and on["node"] != event.node_id:
        return False
    inner = event.data.get("data", {}) if isinstance(event.data, dict) else {}
    return all(inner.get(k) == v for k, v in (on.get("data") or {}).items())
