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

from flask import current_app

from app.extensions import db
from app.models import Definition, DefinitionKind, DefinitionStatus, Team
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


def latest_flow_version(key: str) -> FlowVersion:
    """The newest published version of flow `key`; archived flows start nothing new."""
    row = db.session.execute(
        db.select(Definition.version, Definition.checksum)
        .where(Definition.kind == DefinitionKind.FLOW, Definition.key == key,
               Definition.status == DefinitionStatus.PUBLISHED)
        .order_by(Definition.version.desc())
        .limit(1)
    ).first()
    if row is None:
        raise NotFound(f"flow {key!r} has no published version")
    return FlowVersion(key, row.version, row.checksum)


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


def environment(now: datetime) -> Environment:
    return Environment(now=now, tables=LazyTables(), calendars=LazyCalendars())


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
    def _load(self, key: str) -> DecisionTable | None:
        row = db.session.execute(
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
