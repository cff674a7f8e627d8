"""Projections: typed reporting tables folded from a case's facts and its event log.

A projection definition (JSON, e.g. `projections/returns.json`) names the flows that
feed it and its columns. Each column takes its value from one place:

* `from`: a path in the instance's variables (`order.customer.country`), converted to
  the type. A path may index a list (`items.0.sku`) or pick the first element whose
  field equals an earlier column (`order.lines[sku=$sku].hs_code`). An optional `map`
  translates the value (`match: prefix` takes the longest matching prefix, ignoring
  dots, e.g. an HS code to a category), else `default`;
* `on`: the time of the first (or `pick: last`) log record matching
  `{"record": type, "node": id, "data": {key: value}}`, or any of a list of those;
* `derive`: computed after the others, in order (`runtime/reports/derive.py`):
  `hours_between`, `over` (an SLA breach), `sum`, `list_sum`, `priced_total`,
  `to_base` (with the definition's `rates` to its `base_currency`), `scaled`, `latest`.

Every projection also has the case columns `public_id`, `case_number`, `instance_id`,
`flow_version`, `status`, `created_at`, `closed_at` and `last_event_id`. `project_case`
is a pure function of (case facts, all its events): applying it twice gives the same
row, which is what lets the projector re-run any batch without double-counting.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from runtime.exceptions import DefinitionError
from runtime.reports.derive import DERIVES

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
    #: Settings of `map` and of some derives (`steps`, `factors`, `key`, `default`, ...).
    options: Mapping[str, Any] = field(default_factory=dict)


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
    base_currency: str = ""
    #: Reporting reference rates: one unit of a currency in `base_currency`.
    rates: Mapping[str, Any] = field(default_factory=dict)

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
    columns: list[Column] = []
    known = set(BUILT_IN)
    plain = ("name", "type", "length", "from", "on", "pick", "derive", "args", "limit", "label")
    for i, raw in enumerate(doc["columns"]):
        on = raw.get("on")
        col = Column(name=raw["name"], type=raw["type"], length=raw.get("length", 64),
                     source=raw.get("from"), on=tuple(on) if isinstance(on, list) else on,
                     pick=raw.get("pick", "first"), derive=raw.get("derive"),
                     args=tuple(raw.get("args", ())), limit=raw.get("limit"),
                     label=raw.get("label", ""),
                     options={k: v for k, v in raw.items() if k not in plain})
        if col.name in known:
            reason = "is a built-in column" if col.name in BUILT_IN else "is defined twice"
            raise DefinitionError(f"/columns/{i}/name", f"{col.name!r} {reason}")
        if sum(x is not None for x in (col.source, col.on, col.derive)) != 1:
            raise DefinitionError(f"/columns/{i}", "give exactly one of from, on, derive")
        if col.type not in ("string", "number", "datetime", "bool"):
            raise DefinitionError(f"/columns/{i}/type", "must be string, number, datetime or bool")
        if col.derive is not None and col.derive not in DERIVES:
            raise DefinitionError(f"/columns/{i}/derive",
                                  "must be one of " + ", ".join(sorted(DERIVES)))
        known.add(col.name)
        columns.append(col)
    return ProjectionSpec(name=doc["name"], table=doc["table"], flows=tuple(doc["flows"]),
                          columns=tuple(columns), title=doc.get("title", doc["name"]),
                          indexes=tuple(tuple(ix) for ix in doc.get("indexes", ())),
                          covering=tuple(doc.get("covering", ())),
                          base_currency=doc.get("base_currency", ""),
                          rates=dict(doc.get("rates", {})))


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
    by_type: dict[str, list[EventFacts]] = {}
    for event in ordered:
        by_type.setdefault(event.type, []).append(event)
    for col in spec.columns:
        if col.source is not None:
            value = lookup(case.variables, col.source, row)
            row[col.name] = convert(col, _mapped(col, value) if "map" in col.options else value)
        elif col.on is not None:
            matchers = col.on if isinstance(col.on, tuple) else (col.on,)
            hits = sorted((e.id, e.at) for m in matchers
                          for e in (by_type.get(m["record"], ()) if m.get("record") else ordered)
                          if _matches(m, e))
            row[col.name] = (hits[0] if col.pick == "first" else hits[-1])[1] if hits else None
    for col in spec.columns:
        if col.derive is not None:
            row[col.name] = convert(col, DERIVES[col.derive](col, row, case.variables, spec))
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
            if not isinstance(value, datetime):
                value = datetime.fromisoformat(str(value))
            return value if value.tzinfo else value.replace(tzinfo=UTC)
    except (TypeError, ValueError):
        return None
    if isinstance(value, dict | list):
        value = json.dumps(value, sort_keys=True)
    return str(value)[: col.length]


def lookup(variables: Mapping[str, Any], path: str, row: Mapping[str, Any] | None = None) -> Any:
    """The value at `path`; None when any step is missing.

    Steps are dict keys, list indexes (`items.0`) or `key[field=$column]`: the first
    element of the list at `key` whose `field` equals the row's `column` value.
    """
    value: Any = variables
    for part, index, select in _steps(path):
        if isinstance(value, list):
            value = value[index] if index is not None and index < len(value) else None
            continue
        if not isinstance(value, dict):  # plain dicts only: abc checks cost ~1 µs each
            return None
        if select is None:
            value = value.get(part)
            continue
        field_name, column = select
        wanted = (row or {}).get(column)
        items = value.get(part)
        value = next((i for i in items if isinstance(i, dict) and wanted is not None
                      and i.get(field_name) == wanted), None) if isinstance(items, list) else None
    return value


_NAME = r"[A-Za-z_][A-Za-z0-9_]*"
_SELECT = re.compile(rf"({_NAME})\[({_NAME})=\$({_NAME})\]")


@lru_cache(maxsize=512)
def _steps(path: str) -> tuple[tuple[str, int | None, tuple[str, str] | None], ...]:
    """A path parsed once: (key, list index or None, (field, column) selector or None)."""
    out = []
    for part in path.split("."):
        match = _SELECT.fullmatch(part)
        if match is not None:
            out.append((match.group(1), None, (match.group(2), match.group(3))))
        else:
            out.append((part, int(part) if part.isdigit() else None, None))
    return tuple(out)


def _mapped(col: Column, value: Any) -> Any:
    """`map` applied to a value: exact, or the longest prefix (`match: prefix`)."""
    table: Mapping[str, Any] = col.options["map"]
    default = col.options.get("default")
    if value is None or value == "":
        return None  # unknown stays unknown; only unmapped values take the default
    text = str(value)
    if col.options.get("match") != "prefix":
        return table.get(text, default)
    text = text.replace(".", "").replace(" ", "")
    for end in range(len(text), 0, -1):
        if text[:end] in table:
            return table[text[:end]]
    return default


def _matches(on: Mapping[str, Any], event: EventFacts) -> bool:
    if on.get("record") and on["record"] != event.type:
        return False
    if on.get("node") and on["node"] != event.node_id:
        return False
    inner = event.data.get("data", {}) if isinstance(event.data, dict) else {}
    return all(inner.get(k) == v for k, v in (on.get("data") or {}).items())
