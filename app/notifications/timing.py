"""Deadlines the inbox adds: a team's SLA for tasks without one, and the warning before.

The engine sets a task's due time from its node's timeout. A task whose node has none
falls back to its team's SLA (`TeamSla.business_hours`, counted in the team's working
hours). For teams with a service level, a durable timer (`inbox.breach_warning`, in the
timers table like the engine's) tells the people holding a task, before its deadline,
that it is about to breach; other teams rely on their flows' reminders.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from app.extensions import db
from app.jobs.timers import FiredTimer, register_timer_handler, schedule_timer
from app.models import Task, Team, TeamSla, utcnow
from runtime.exceptions import DefinitionInvalid
from runtime.timeutil import BusinessCalendar, compile_calendar

WARNING_KIND = "inbox.breach_warning"


def team_calendar(team_key: str | None) -> BusinessCalendar:
    """The team's working hours; round the clock for a team that set none."""
    from app.inbox.sla import ROUND_THE_CLOCK

    doc = (db.session.scalar(db.select(Team.calendar).where(Team.key == team_key))
           if team_key else None)
    if not doc:
        return ROUND_THE_CLOCK
    try:
        return compile_calendar(doc)
    except DefinitionInvalid:  # a broken calendar must not stop a task from being created
        return ROUND_THE_CLOCK


def team_sla(team_key: str | None) -> TeamSla | None:
    return db.session.get(TeamSla, team_key) if team_key else None


def warning_window(team_key: str | None) -> timedelta:
    """How long before a deadline a task counts as about to breach (badge and warning)."""
    from app.inbox.sla import DEFAULT_WARN_BEFORE

    sla = team_sla(team_key)
    return timedelta(minutes=sla.warn_before_minutes) if sla else DEFAULT_WARN_BEFORE


def sla_deadline(task: Task, sla: TeamSla | None) -> datetime | None:
    """When a task without a deadline of its own is due under its team's SLA (`sla`,
    read by the caller once for both this and `schedule_breach_warning`)."""
    if sla is None or not sla.business_hours:
        return None
    start = task.created_at or utcnow()
    return team_calendar(task.team_key).add_business_time(start, sla.business_hours)


def schedule_breach_warning(task: Task, sla: TeamSla | None) -> None:
    """A timer `warn_before` working time before the deadline (once per deadline).

    Only for teams whose manager set a service level (`TeamSla`): flows warn through their
    own reminders, and a second timer per task for every team would double the timer load.
    """
    if task.due_at is None or sla is None:
        return
    calendar = team_calendar(task.team_key)
    at = calendar.subtract_business_time(task.due_at,
                                         timedelta(minutes=sla.warn_before_minutes))
    if at <= utcnow():
        return
    schedule_timer(WARNING_KIND, f"inbox:breach:{task.id}:{task.due_at.isoformat()}", at,
                   instance_id=task.instance_id, node_id=task.node_id,
                   payload={"task_id": task.id, "due_at": task.due_at.isoformat()})


@register_timer_handler(WARNING_KIND)
def _warn(timer: FiredTimer) -> None:
    from app.inbox.sla import sla_badge
    from app.notifications import notify, people_for

    task = db.session.get(Task, timer.payload["task_id"])
    if task is None or task.status not in ("open", "claimed") or task.due_at is None:
        return
    if task.due_at.isoformat() != timer.payload.get("due_at"):
        return  # the deadline moved; the new deadline has its own warning
    badge = sla_badge(task.due_at, utcnow(), team_calendar(task.team_key))
    for user in people_for(task):
        notify(user, kind="about_to_breach",
               key=f"breach:{task.id}:{timer.payload['due_at']}:{user.id}",
               title=f"About to breach: {task.title} ({badge.text})",
               body=f"Due {task.due_at.strftime('%Y-%m-%d %H:%M UTC')}.", task=task)
