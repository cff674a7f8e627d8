"""PostgreSQL: a step's instance row, history and outbox rows written by one statement.

Through the ORM these are three statements, so three round trips: the instance
`UPDATE … WHERE version = :seen` (the optimistic lock), the history `INSERT`, the outbox
`INSERT … ON CONFLICT`. Here they are one data-modifying CTE:

    WITH step_instance AS (UPDATE flow_instances SET … WHERE id = :id AND version = :seen
                           RETURNING id),
         step_history  AS (INSERT INTO instance_events … SELECT … FROM step_instance, VALUES …),
         step_outbox   AS (INSERT INTO outbox … SELECT … FROM step_instance, VALUES …
                           ON CONFLICT (idempotency_key) DO UPDATE … RETURNING id, key),
         step_task_0   AS (UPDATE tasks SET … FROM step_instance
                           WHERE tasks.id = :task AND tasks.version = :seen RETURNING id)
    SELECT step_instance.id, (SELECT count(*) FROM step_task_0), step_outbox.id, …
    FROM step_instance LEFT JOIN step_outbox ON true

History and outbox rows are selected *from* the updated instance row, so when another
writer got there first (no row matches the version) nothing at all is written and no
row comes back: `StaleDataError`, as the ORM raises, and the caller's rollback undoes
the step. Tasks of the instance that the step changed (completed, cancelled) are
updated in the same statement, each under its own version check; a task moved to
someone else (assignee or team) is left to the ORM's flush, whose listeners announce
moves (app/notifications/listeners.py). A new instance has no version to check: its
INSERT is the first CTE instead (its id was read with the flow's version,
`specs.latest_for_start`), so a start writes instance, history and outbox at once.
SQLite keeps the ORM path (service._run): it has no round trips to save.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import attributes, make_transient_to_detached, object_mapper
from sqlalchemy.orm.exc import StaleDataError

from app.extensions import db
from app.models import FlowInstance, InstanceEvent, OutboxEntry, Task

#: session.info key: steps this module wrote, which flush hooks never saw as a dirty
#: instance: id(instance) -> (instance, its event_seq before the step). Hooks that
#: follow steps through `before_flush` (app/notifications/step_mail.py) read it too.
WRITTEN_STEPS = "formloom.flows.steps_written_directly"
_HISTORY = ("seq", "type", "node_id", "data", "at")
#: Task columns whose change the notification listener must see in a flush.
_MOVES = frozenset({"assignee_id", "team_key"})
_OUTBOX = ("effect", "idempotency_key", "payload", "status", "attempts", "available_at",
           "created_at")


def in_use() -> bool:
    """Whether the session writes steps this way (its database is PostgreSQL)."""
    return db.session.get_bind(mapper=FlowInstance.__mapper__).dialect.name == "postgresql"


def write(instance: FlowInstance, is_new: bool, history: list[dict[str, Any]],
          outbox: list[dict[str, Any]], now: datetime) -> dict[str, int]:
    """Write the step; the outbox ids by idempotency key.

    A new instance not in the session yet (its id read ahead) is inserted by the same
    statement and then joins the session as stored; one already flushed is not written.

    For an existing instance, every column the step (or its caller) changed on the
    object goes into the UPDATE and is then marked as written, so the ORM's next flush
    does not write the row again.
    """
    source, changes, seen = None, {}, None
    inserting = is_new and sa.inspect(instance).transient
    seq_before = 0 if is_new else attributes.instance_state(instance).committed_state.get(
        "event_seq", instance.event_seq)
    if inserting:  # its id came with the flow's version (specs.latest_for_start)
        values = _new_row(instance)
        source = (sa.insert(FlowInstance.__table__).values(values)
                  .returning(FlowInstance.__table__.c.id).cte("step_instance"))
    elif not is_new:
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
    tasks = _changed_tasks(instance) if source is not None and not inserting else []
    task_ctes = [_task_update(task, task_changes, task_seen, source, n)
                 for n, (task, task_changes, task_seen) in enumerate(tasks)]
    history_cte = _insert_from(InstanceEvent.__table__, _HISTORY, history, instance.id,
                               source, "step_history")
    outbox_cte = _insert_from(OutboxEntry.__table__, _OUTBOX, outbox, instance.id, source,
                              "step_outbox", upsert=True)
    statement = _final(source, task_ctes, history_cte, outbox_cte)
    if statement is None:
        return {}
    rows = db.session.connection().execute(statement).all()
    written = db.session.info.setdefault(WRITTEN_STEPS, {})
    if inserting or source is not None:
        written.setdefault(id(instance), (instance, seq_before))
    if inserting:
        make_transient_to_detached(instance)  # the row exists: no INSERT from the ORM
        db.session.add(instance)
    elif source is not None:
        if not rows:
            raise StaleDataError(
                f"flow instance {instance.id} was changed by someone else (version {seen})")
        if rows[0][1] != len(tasks):
            raise StaleDataError(f"a task of flow instance {instance.id} was changed by "
                                 "someone else")
        _written(instance, changes, seen, now)
        for task, task_changes, task_seen in tasks:
            _written(task, task_changes, task_seen, None)
    return {key: entry_id for *_, entry_id, key in rows if key is not None}


def _new_row(instance: FlowInstance) -> dict[str, Any]:
    """The new instance's column values, with the model's defaults filled in (on the
    object too, as the ORM's INSERT would)."""
    values = {}
    for prop in object_mapper(instance).column_attrs:
        column = prop.columns[0]
        if prop.key not in instance.__dict__ and column.default is not None:
            default = column.default.arg
            setattr(instance, prop.key, default(None) if callable(default) else default)
        if prop.key in instance.__dict__:
            values[column.name] = instance.__dict__[prop.key]
    return values


def _written(row: Any, changes: dict[str, tuple[Any, Any]], seen: int,
             now: datetime | None) -> None:
    """Tell the ORM the row holds these values now: its next flush writes nothing."""
    for key, (_column, value) in changes.items():
        attributes.set_committed_value(row, key, value)
    attributes.set_committed_value(row, "lock_version", seen + 1)
    if now is not None:
        attributes.set_committed_value(row, "updated_at", now)


def _changed_tasks(instance: FlowInstance) -> list[tuple[Task, dict[str, Any], int]]:
    found = []
    for row in list(db.session.dirty):
        if isinstance(row, Task) and row.instance_id == instance.id and row.id is not None:
            changes, seen = _pending_changes(row)
            if changes and not changes.keys() & _MOVES:
                found.append((row, changes, seen))
    return found


def _task_update(task: Task, changes: dict[str, tuple[Any, Any]], seen: int, source: Any,
                 n: int) -> Any:
    tasks = Task.__table__
    return (
        sa.update(tasks)
        .where(tasks.c.id == task.id, tasks.c.version == seen,
               tasks.c.instance_id == source.c.id)
        .values({**{column.name: value for column, value in changes.values()},
                 "version": seen + 1})
        .returning(tasks.c.id)
        .cte(f"step_task_{n}")
    )


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


def _final(source: Any, tasks: list[Any], history: Any, outbox: Any) -> Any:
    """The statement that runs the CTEs; its rows: (instance id, tasks written, outbox id,
    outbox key), one per outbox row (or one), none when the instance was stale."""
    no_outbox = [sa.null(), sa.null()]
    if source is not None:
        written = sum((sa.select(sa.func.count()).select_from(cte).scalar_subquery()
                       for cte in tasks), sa.literal(0))
        columns = [source.c.id, written]
        joined = source
        if outbox is not None:
            columns += [outbox.c.id, outbox.c.idempotency_key]
            joined = source.outerjoin(outbox, sa.true())
        else:
            columns += no_outbox
        statement = sa.select(*columns).select_from(joined)
    elif outbox is not None:
        statement = sa.select(sa.null(), sa.literal(0), outbox.c.id, outbox.c.idempotency_key)
    elif history is not None:
        statement = sa.select(sa.null(), sa.literal(0), *no_outbox)
    else:
        return None
    for cte in (history,) if history is not None else ():
        statement = statement.add_cte(cte)
    return statement
