"""PostgreSQL: a step's instance row, history and outbox rows written by one statement.

Through the ORM these are three statements, so three round trips: the instance
`UPDATE … WHERE version = :seen` (the optimistic lock), the history `INSERT`, the outbox
`INSERT … ON CONFLICT`. Here they are one data-modifying CTE:

    WITH step_instance AS (UPDATE flow_instances SET … WHERE id = :id AND version = :seen
                           RETURNING id),
         step_history  AS (INSERT INTO instance_events … SELECT … FROM step_instance, VALUES …),
         step_outbox   AS (INSERT INTO outbox … SELECT … FROM step_instance, VALUES …
                           ON CONFLICT (idempotency_key) DO UPDATE … RETURNING id, key)
    SELECT step_instance.id, step_outbox.id, step_outbox.idempotency_key
    FROM step_instance LEFT JOIN step_outbox ON true

History and outbox rows are selected *from* the updated instance row, so when another
writer got there first (no row matches the version) nothing at all is written and no
row comes back: `StaleDataError`, as the ORM raises, and the caller's rollback undoes
the step. A new instance (its INSERT already flushed for the id) has no version to
check; its history and outbox are still one statement. SQLite keeps the ORM path
(service._run): it has no round trips to save.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import attributes, object_mapper
from sqlalchemy.orm.exc import StaleDataError

from app.extensions import db
from app.models import FlowInstance, InstanceEvent, OutboxEntry

_HISTORY = ("seq", "type", "node_id", "data", "at")
_OUTBOX = ("effect", "idempotency_key", "payload", "status", "attempts", "available_at",
           "created_at")


def in_use() -> bool:
    """Whether the session writes steps this way (its database is PostgreSQL)."""
    return db.session.get_bind(mapper=FlowInstance.__mapper__).dialect.name == "postgresql"


def write(instance: FlowInstance, is_new: bool, history: list[dict[str, Any]],
          outbox: list[dict[str, Any]], now: datetime) -> dict[str, int]:
    """Write the step; the outbox ids by idempotency key.

    For an existing instance, every column the step (or its caller) changed on the
    object goes into the UPDATE and is then marked as written, so the ORM's next flush
    does not write the row again.
    """
    source, changes, seen = None, {}, None
    if not is_new:
        changes, seen = _pending_changes(instance)
        instances = FlowInstance.__table__
        source = (
            sa.update(instances)
            .where(instances.c.id == instance.id, instances.c.version == seen)
            .values({**{column.name: value for column, value in changes.values()},
                     "version": seen + 1, "updated_at": now})
            .returning(instances.c.id)
            .cte("step_instance")
        )
    history_cte = _insert_from(InstanceEvent.__table__, _HISTORY, history, instance.id,
                               source, "step_history")
    outbox_cte = _insert_from(OutboxEntry.__table__, _OUTBOX, outbox, instance.id, source,
                              "step_outbox", upsert=True)
    statement = _final(source, history_cte, outbox_cte)
    if statement is None:
        return {}
    rows = db.session.connection().execute(statement).all()
    if source is not None:
        if not rows:
            raise StaleDataError(
                f"flow instance {instance.id} was changed by someone else (version {seen})")
        for key, (_column, value) in changes.items():
            attributes.set_committed_value(instance, key, value)
        attributes.set_committed_value(instance, "lock_version", seen + 1)
        attributes.set_committed_value(instance, "updated_at", now)
    return {key: entry_id for *_, entry_id, key in rows if key is not None}


def _pending_changes(instance: FlowInstance) -> tuple[dict[str, tuple[Any, Any]], int]:
    """The instance's changed columns (attribute -> (column, new value)) and the version
    it was read at."""
    state = sa.inspect(instance)
    changes = {}
    for prop in object_mapper(instance).column_attrs:
        history = state.attrs[prop.key].history
        if history.added:
            changes[prop.key] = (prop.columns[0], history.added[0])
    seen = state.committed_state.get("lock_version", instance.lock_version)
    changes.pop("lock_version", None)
    return changes, seen


def _insert_from(table: sa.Table, names: tuple[str, ...], rows: list[dict[str, Any]],
                 instance_id: int, source: Any, name: str, upsert: bool = False) -> Any:
    """`INSERT INTO table … SELECT` the rows, from the updated instance when there is one."""
    if not rows:
        return None
    values = sa.values(*(sa.column(n, table.c[n].type) for n in names), name=f"{name}_rows")
    values = values.data([tuple(row[n] for n in names) for row in rows])
    owner = source.c.id if source is not None else sa.literal(instance_id, sa.BigInteger)
    select = sa.select(owner, *(values.c[n] for n in names))
    select = select.select_from(source.join(values, sa.true())) if source is not None else (
        select.select_from(values))
    insert = postgresql.insert(table).from_select(["instance_id", *names], select)
    if upsert:
        insert = insert.on_conflict_do_update(
            index_elements=["idempotency_key"],
            set_={"status": "pending", "payload": insert.excluded.payload},
        ).returning(table.c.id, table.c.idempotency_key)
    return insert.cte(name)


def _final(source: Any, history: Any, outbox: Any) -> Any:
    """The statement that runs the CTEs and says what happened."""
    if source is not None:
        columns = [source.c.id]
        joined = source
        if outbox is not None:
            columns += [outbox.c.id, outbox.c.idempotency_key]
            joined = source.outerjoin(outbox, sa.true())
        else:
            columns += [sa.null(), sa.null()]
        statement = sa.select(*columns).select_from(joined)
    elif outbox is not None:
        statement = sa.select(sa.null(), outbox.c.id, outbox.c.idempotency_key)
    elif history is not None:
        statement = sa.select(sa.null(), sa.null(), sa.null())
    else:
        return None
    for cte in (history,) if history is not None else ():
        statement = statement.add_cte(cte)
    return statement
