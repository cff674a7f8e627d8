"""Compiled definitions for the engine, cached by their immutable (key, version).

A published version never changes (a checksum guards it), so its compiled spec is
cached for the life of the process: compiling is paid once per version, not per event.
Decision tables are read at their newest published version when an instance reaches
them, so an operations manager's policy change applies to cases already running; team
calendars come from the teams table. Both are lazy: an event that reaches no decision
table and computes no business-hours deadline costs no query for them.
"""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from flask import current_app

from app.extensions import db
from app.models import Definition, DefinitionKind, DefinitionStatus, FlowInstance, Team
from runtime.exceptions import NotFound
from runtime.flows import Environment, FlowSpec, compile_flow
from runtime.rules import DecisionTable, compile_table
from runtime.timeutil import BusinessCalendar, compile_calendar

FROZEN = (DefinitionStatus.PUBLISHED, DefinitionStatus.ARCHIVED)


@dataclass(frozen=True)
class FlowVersion:
    """What starting an instance needs of a published version, without its body."""

    key: str
    version: int
    checksum: str | None


@dataclass(frozen=True)
class CompiledFlow:
    """A frozen version compiled once: the spec and the case-number settings of its body."""

    spec: FlowSpec
    case_number: dict[str, Any] | None


#: Where each app keeps its compiled flows: (key, version) -> CompiledFlow. A version is
#: cached only once it is frozen (published or archived), and frozen rows never change
#: (checksum and a flush-time guard), so an event costs no definitions query. The cache
#: belongs to the app, not the process, because one app talks to one database: a test
#: process that makes a new app per database never sees another database's flows.
FLOWS_EXTENSION = "formloom.flow_specs"
_tables: dict[tuple[str, str], DecisionTable] = {}


#: Where each app remembers which decision tables a start of each flow read, so the
#: next start reads their newest versions in the same query as the flow's
#: (`latest_for_start`): flow key -> table keys.
START_TABLES_EXTENSION = "formloom.flow_start_tables"


@dataclass(frozen=True)
class TableRow:
    """A decision table's newest published version, as `LazyTables` looks it up."""

    checksum: str | None
    id: int


def latest_flow_version(key: str) -> FlowVersion:
    """The newest published version of flow `key`; archived flows start nothing new."""
    return latest_for_start(key, with_tables=False)[0]


def latest_for_start(key: str, with_tables: bool = True, new_id: bool = False
                     ) -> tuple[FlowVersion, dict[str, TableRow], int | None]:
    """The newest published version of flow `key`, and of the decision tables the last
    start of this flow read: one query where two would be (one round trip per start).

    `new_id` (PostgreSQL): the same query takes the new instance's id from its sequence
    (evaluated once, an InitPlan), so the instance can be inserted by the step's one
    statement (step_sql) instead of a flush of its own.
    """
    tables = (current_app.extensions.get(START_TABLES_EXTENSION, {}).get(key, ())
              if with_tables else ())
    wanted = Definition.kind == DefinitionKind.FLOW
    wanted = wanted & (Definition.key == key)
    if tables:
        wanted = wanted | ((Definition.kind == DefinitionKind.DECISION_TABLE)
                           & Definition.key.in_(tables))
    columns = [Definition.kind, Definition.key, Definition.version, Definition.checksum,
               Definition.id]
    if new_id:
        sequence = sa.func.pg_get_serial_sequence(FlowInstance.__tablename__, "id")
        columns.append(sa.select(sa.func.nextval(sequence)).scalar_subquery().label("new_id"))
    rows = db.session.execute(
        db.select(*columns)
        .where(Definition.status == DefinitionStatus.PUBLISHED, wanted)
        .order_by(Definition.version)
    ).all()
    newest = {(row.kind, row.key): row for row in rows}  # ascending: the last one wins
    flow = newest.get((DefinitionKind.FLOW, key))
    if flow is None:
        raise NotFound(f"flow {key!r} has no published version")
    found = {table: TableRow(row.checksum, row.id) for (kind, table), row in newest.items()
             if kind == DefinitionKind.DECISION_TABLE}
    return (FlowVersion(key, flow.version, flow.checksum), found,
            flow.new_id if new_id else None)


def remember_start_tables(key: str, env: Environment) -> None:
    """Note the decision tables this start read, for the next start's query."""
    read = env.tables.read if isinstance(env.tables, LazyTables) else ()
    remembered = current_app.extensions.setdefault(START_TABLES_EXTENSION, {})
    if tuple(remembered.get(key, ())) != tuple(read):
        remembered[key] = tuple(read)


def compiled_flow(key: str, version: int) -> CompiledFlow:
    """The compiled form of a frozen flow version: one query the first time, then none."""
    flows = current_app.extensions.setdefault(FLOWS_EXTENSION, {})
    cached = flows.get((key, version))
    if cached is not None:
        return cached
    row = db.session.scalar(
        db.select(Definition)
        .where(Definition.kind == DefinitionKind.FLOW, Definition.key == key,
               Definition.version == version, Definition.status.in_(FROZEN))
    )
    if row is None:
        raise NotFound(f"flow {key!r} v{version} is not published")
    numbering = (row.body or {}).get("case_number")
    compiled = CompiledFlow(compile_flow(row.body, key=key, version=version),
                            dict(numbering) if isinstance(numbering, dict) else None)
    flows[(key, version)] = compiled
    return compiled


def flow_spec(key: str, version: int, checksum: str | None = None) -> FlowSpec:
    """The compiled spec of a frozen flow version (`checksum` is accepted for callers
    that know it; frozen versions cannot change, so the cache does not need it)."""
    return compiled_flow(key, version).spec


def environment(now: datetime, known_tables: Mapping[str, TableRow] | None = None
                ) -> Environment:
    return Environment(now=now, tables=LazyTables(known_tables),
                       calendars=LazyCalendars())


class _LazyMapping(Mapping[str, Any]):
    """A read-only mapping filled from the database on first access of each key."""

    def __init__(self) -> None:
        self._seen: dict[str, Any] = {}

    def __getitem__(self, key: str) -> Any:
        if key not in self._seen:
            value = self._load(key)
            if value is None:
                raise KeyError(key)
            self._seen[key] = value
        return self._seen[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._all_keys())

    def __len__(self) -> int:
        return len(self._all_keys())

    @abstractmethod
    def _load(self, key: str) -> Any:
        """The value for `key`, or None when there is none."""

    @abstractmethod
    def _all_keys(self) -> list[str]:
        """Every key there is (only for iteration, which the engine does not need)."""


class LazyTables(_LazyMapping):
    """Decision tables at their newest published version; `known` rows were read already
    (`latest_for_start`), and `read` lists the keys looked up, in order."""

    def __init__(self, known: Mapping[str, TableRow] | None = None) -> None:
        super().__init__()
        self._known = dict(known or {})
        self.read: list[str] = []

    def _load(self, key: str) -> DecisionTable | None:
        self.read.append(key)
        row = self._known.get(key) or db.session.execute(
            db.select(Definition.checksum, Definition.id)
            .where(Definition.kind == DefinitionKind.DECISION_TABLE, Definition.key == key,
                   Definition.status == DefinitionStatus.PUBLISHED)
            .order_by(Definition.version.desc())
            .limit(1)
        ).first()
        if row is None:
            return None
        if (key, row.checksum) not in _tables:
            body = db.session.get(Definition, row.id).body
            _tables[(key, row.checksum)] = compile_table(body, name=key)
        return _tables[(key, row.checksum)]

    def _all_keys(self) -> list[str]:
        return list(db.session.scalars(
            db.select(Definition.key.distinct())
            .where(Definition.kind == DefinitionKind.DECISION_TABLE,
                   Definition.status == DefinitionStatus.PUBLISHED)
        ))


class LazyCalendars(_LazyMapping):
    def _load(self, key: str) -> BusinessCalendar | None:
        doc = db.session.scalar(db.select(Team.calendar).where(Team.key == key))
        return compile_calendar(doc, pointer=f"/teams/{key}/calendar") if doc else None

    def _all_keys(self) -> list[str]:
        return list(db.session.scalars(db.select(Team.key).where(Team.calendar.is_not(None))))
