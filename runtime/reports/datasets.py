"""Datasets: what a widget may query, as typed fields over a SQLAlchemy Core source.

A dataset names its fields and their kinds, so the compiler never puts a name taken
from a definition or a URL into SQL: an unknown field is a `DefinitionError`, a known
one is a column object. Datasets with a JSON column (submissions, events) also offer
`data.<path>` fields, read through SQLAlchemy's JSON path operators (bound paths).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.expression import FromClause

from runtime.exceptions import DefinitionError

KINDS = ("string", "number", "datetime", "bool")
_PATH = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*){0,7}$")


@dataclass(frozen=True)
class Field:
    name: str
    kind: str
    expr: Any  # a ColumnElement
    label: str = ""

    @property
    def title(self) -> str:
        return self.label or self.name.rsplit(".", 1)[-1].replace("_", " ").capitalize()


@dataclass(frozen=True)
class Dataset:
    """A queryable source. `time_field` drives date filters and KPI trends."""

    name: str
    source: FromClause
    fields: Mapping[str, Field]
    time_field: str | None = None
    #: The field whose value opens a case page (`/dashboards/cases/<value>`).
    case_field: str | None = None
    #: Conditions always applied (e.g. `form_key = :key` for `submissions:<form>`).
    base_where: tuple[ColumnElement, ...] = ()
    #: A JSON column whose keys are offered as `<json_prefix>.<path>` string fields.
    json_column: Any = None
    json_prefix: str = "data"
    title: str = ""
    extra: Mapping[str, Any] = field(default_factory=dict)

    def field(self, path: str) -> Field:
        """The field for `path`, or `DefinitionError` when this dataset has none."""
        found = self.fields.get(path)
        if found is not None:
            return found
        prefix = f"{self.json_prefix}."
        if self.json_column is not None and path.startswith(prefix) and _PATH.match(path):
            keys = tuple(path[len(prefix):].split("."))
            return Field(name=path, kind="string", expr=self.json_column[keys].as_string())
        raise DefinitionError("/", f"the dataset {self.name!r} has no field {path[:80]!r}")

    def has_field(self, path: str) -> bool:
        try:
            self.field(path)
        except DefinitionError:
            return False
        return True

    def number(self, path: str) -> Any:
        """A field as a number for sum/avg/percentiles (JSON values are cast)."""
        found = self.field(path)
        if found.kind == "number":
            return found.expr
        if path.startswith(f"{self.json_prefix}.") and self.json_column is not None:
            keys = tuple(path[len(self.json_prefix) + 1:].split("."))
            return self.json_column[keys].as_float()
        if found.kind == "datetime" or found.kind == "string":
            raise DefinitionError("/", f"the field {path!r} is not a number")
        return found.expr


def fields_of(table: Any, kinds: Mapping[str, str], labels: Mapping[str, str] | None = None
              ) -> dict[str, Field]:
    """Fields for the named columns of a Core table."""
    labels = labels or {}
    out = {}
    for name, kind in kinds.items():
        if kind not in KINDS:
            raise ValueError(f"unknown field kind {kind!r}")
        out[name] = Field(name=name, kind=kind, expr=table.c[name], label=labels.get(name, ""))
    return out
