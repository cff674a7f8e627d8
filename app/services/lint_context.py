"""What a flow may refer to, read from the database for the linter and the designer.

`builder.lint` is pure; this module tells it which forms (with their fields), decision
tables (with what they read and give), flows, connector actions and roles exist.
Only *published* definitions count: a flow that names a form still in draft would
fail when a case reaches it.
"""

from __future__ import annotations

from typing import Any

from app.extensions import db
from app.models import Definition, DefinitionStatus, Team
from builder.lint import LintContext
from builder.lint_variables import form_field_paths, table_shape
from runtime import functions


def _published_bodies(kind: str) -> dict[str, Any]:
    """key -> body of the newest published version of every key of one kind.

    Only the newest bodies are loaded: the designer lints on every edit, and a form
    published fifty times should not send fifty bodies over the wire each time."""
    published = (Definition.kind == kind, Definition.status == DefinitionStatus.PUBLISHED)
    newest = (
        db.select(Definition.key, db.func.max(Definition.version).label("version"))
        .where(*published)
        .group_by(Definition.key)
        .subquery()
    )
    rows = db.session.execute(
        db.select(Definition.key, Definition.body)
        .join(newest, (Definition.key == newest.c.key) & (Definition.version == newest.c.version))
        .where(*published)
    ).all()
    return {key: body for key, body in rows}  # noqa: C416 (rows are Row objects)


def _published_keys(kind: str) -> frozenset[str]:
    rows = db.session.scalars(
        db.select(Definition.key)
        .where(Definition.kind == kind, Definition.status == DefinitionStatus.PUBLISHED)
        .distinct()
    )
    return frozenset(rows)


def get_lint_context() -> LintContext:
    connectors = {
        key: frozenset((body or {}).get("actions") or {})
        for key, body in _published_bodies("connector").items()
    }
    from app.flows.builtin_calls import APP_ACTIONS

    # built in, never published: pure platform functions and the app's own actions
    connectors[functions.BUILTIN_CONNECTOR] = functions.names() | frozenset(APP_ACTIONS)
    # An assignee "role" is a team key: app.flows.assignment pools tasks by team, so a
    # task for a system role such as "staff" that is not also a team reaches nobody.
    teams = db.session.scalars(db.select(Team.key))
    forms = _published_bodies("form")
    tables = _published_bodies("decision_table")
    return LintContext(
        forms=frozenset(forms),
        tables=frozenset(tables),
        flows=_published_keys("flow"),
        connectors=connectors,
        roles=frozenset(teams),
        form_fields={key: form_field_paths(body) for key, body in forms.items()},
        tables_shape={key: table_shape(body) for key, body in tables.items()},
    )


def context_json(context: LintContext) -> dict[str, Any]:
    """The same facts for the designer's pickers, as sorted lists."""
    return {
        "forms": sorted(context.forms or ()),
        "tables": sorted(context.tables or ()),
        "flows": sorted(context.flows or ()),
        "connectors": {k: sorted(v) for k, v in sorted((context.connectors or {}).items())},
        "roles": sorted(context.roles or ()),
    }
