"""The load run's reconciliation: what the clients were told, checked against the database.

* every submit the portal accepted (a 302 to the case's thanks page) is a case, found by
  the client token the browser sent, with its stored submission;
* every task completion the inbox accepted is recorded: the task is completed, with the
  outcome posted, by the agent who posted it;
* every case is finished (completed or rejected), waits for a person (an open task) or
  for an outside event (a message wait, e.g. the carrier's first scan, or a timer set),
  once the queue has drained. A case with work due and not done
  (a pending outbox row, a timer past due) is `stuck`; one with nothing that could
  move it is `lost`; open incidents are counted apart.

`unacknowledged` counts cases no client heard about (a response lost on the way back
is not data loss, but a healthy run has none).
"""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

from chaos_audit import describe

CHUNK = 2000  # ids per IN list
OVERDUE_SECONDS = 10  # a due timer not fired after this long is stuck (the sweep runs each 1 s)


def audit(accepted: list[str], completed: list[tuple[int, str, str]], flow_key: str) -> dict:
    from app.extensions import db
    from app.models import (
        FlowInstance,
        Incident,
        MessageWait,
        OutboxEntry,
        Submission,
        Task,
        Timer,
        utcnow,
    )
    from app.portal.cases import start_token_of

    db.session.rollback()  # a fresh snapshot
    tokens = sorted(set(accepted))
    cases: dict[str, FlowInstance] = {}
    stored: set[str] = set()
    for chunk in _chunks(tokens):
        for row in db.session.scalars(db.select(FlowInstance).where(
                FlowInstance.start_token.in_([start_token_of(t) for t in chunk]))):
            cases[row.start_token] = row
        stored.update(db.session.scalars(db.select(Submission.client_token).where(
            Submission.client_token.in_(chunk))))
    missing_cases = sum(1 for t in tokens if start_token_of(t) not in cases)
    missing_submissions = len(set(tokens) - stored)
    all_cases = db.session.scalar(db.select(db.func.count()).select_from(FlowInstance)
                                  .where(FlowInstance.flow_key == flow_key))

    ids = [row.id for row in cases.values()]
    open_tasks = _instance_ids(db.select(Task.instance_id).where(
        Task.status.in_(("open", "claimed"))), Task.instance_id, ids)
    incidents = _instance_ids(db.select(Incident.instance_id).where(
        Incident.status == "open"), Incident.instance_id, ids)
    pending = _instance_ids(db.select(OutboxEntry.instance_id).where(
        OutboxEntry.status == "pending"), OutboxEntry.instance_id, ids)
    unfired = Timer.fired_at.is_(None) & Timer.cancelled_at.is_(None)
    overdue_at = utcnow() - timedelta(seconds=OVERDUE_SECONDS)
    timers = _instance_ids(db.select(Timer.instance_id).where(unfired), Timer.instance_id, ids)
    timers |= _instance_ids(db.select(MessageWait.instance_id), MessageWait.instance_id, ids)
    overdue = _instance_ids(db.select(Timer.instance_id).where(
        unfired, Timer.due_at < overdue_at), Timer.instance_id, ids)
    statuses = Counter(row.status for row in cases.values())
    waits: Counter[str] = Counter()
    unfinished = []
    for row in cases.values():
        if row.status not in ("running", "waiting") or row.id in incidents:
            continue
        if row.id in pending or row.id in overdue:
            state = "stuck"  # work is due and has not been done
        elif row.id in open_tasks:
            state = "for_staff"
        elif row.id in timers:
            state = "for_event"  # a message (the carrier's first scan) or a timer
        else:
            state = "unmovable"
        waits[state] += 1
        if state in ("stuck", "unmovable"):
            unfinished.append(row)
    stuck, unmovable = waits["stuck"], waits["unmovable"]

    lost_completions = _unrecorded(completed)
    return {
        "lost": missing_cases + missing_submissions + unmovable + lost_completions,
        "stuck": stuck,
        "incidents": len(incidents),
        "cases": len(tokens),
        "unacknowledged": all_cases - len(cases),
        "completions": len(completed),
        "double_completions": sum(n - 1 for n in Counter(c[0] for c in completed).values()),
        "waiting_for_staff": waits["for_staff"],
        "waiting_for_event": waits["for_event"],
        "statuses": dict(statuses),
        "lost_detail": {"cases": missing_cases, "submissions": missing_submissions,
                        "unmovable": unmovable, "completions": lost_completions},
        "unfinished_sample": [describe(row) for row in unfinished[:3]],
    }


def _unrecorded(completed: list[tuple[int, str, str]]) -> int:
    from app.extensions import db
    from app.models import Task, User

    emails = {u.id: u.email for u in db.session.scalars(db.select(User))}
    tasks: dict[int, Task] = {}
    for chunk in _chunks(sorted({c[0] for c in completed})):
        tasks.update({t.id: t for t in db.session.scalars(
            db.select(Task).where(Task.id.in_(chunk)))})
    bad = 0
    for task_id, outcome, email in completed:
        task = tasks.get(task_id)
        if (task is None or task.status != "completed" or task.outcome != outcome
                or emails.get(task.completed_by_id) != email):
            bad += 1
    return bad


def _instance_ids(query, column, ids: list[int]) -> set[int]:
    from app.extensions import db

    found: set[int] = set()
    for chunk in _chunks(ids):
        found.update(db.session.scalars(query.where(column.in_(chunk))))
    return found


def _chunks(items: list) -> list[list]:
    return [items[i:i + CHUNK] for i in range(0, len(items), CHUNK)]
