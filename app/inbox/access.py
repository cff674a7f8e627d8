"""Who may see and act on which task (DESIGN §10; issue 6 RBAC).

* staff see tasks assigned to them, their teams' tasks, and tasks they completed;
* managers also see the tasks of the teams they manage: teams whose escalation team
  (`Team.manager_team_id`, followed down the tree) is one of their own teams;
* admins see every task.
Anything else answers 404, never 403, so a URL does not confirm another team's task.
"""

from __future__ import annotations

from sqlalchemy import false, or_

from app.extensions import db
from app.models import Task, Team, User

OPEN = ("open", "claimed")


def managed_team_keys(user: User) -> frozenset[str]:
    """The user's teams plus, for managers, every team that escalates up to one of them."""
    own = set(user.team_keys)
    if not user.has_role("manager"):
        return frozenset(own)
    teams = db.session.execute(db.select(Team.id, Team.key, Team.manager_team_id)).all()
    by_id = {row.id: row for row in teams}
    managed = set(own)
    for row in teams:
        seen, parent = set(), row.manager_team_id
        while parent is not None and parent not in seen:
            seen.add(parent)
            if by_id[parent].key in own:
                managed.add(row.key)
                break
            parent = by_id[parent].manager_team_id
    return frozenset(managed)


def is_admin(user: User) -> bool:
    return "admin" in user.role_names


def visible_clause(user: User):
    """A WHERE clause for the tasks `user` may see (see the module docstring)."""
    if is_admin(user):
        return Task.id.is_not(None)
    teams = managed_team_keys(user)
    return or_(
        Task.assignee_id == user.id,
        Task.completed_by_id == user.id,
        Task.team_key.in_(teams) if teams else false(),
    )


def may_see(task: Task, user: User) -> bool:
    if is_admin(user) or task.assignee_id == user.id or task.completed_by_id == user.id:
        return True
    return task.team_key is not None and task.team_key in managed_team_keys(user)


def may_manage(task: Task, user: User) -> bool:
    """Managers of the task's team (and admins) may hand any of its tasks to someone else."""
    if is_admin(user):
        return True
    return (user.has_role("manager") and task.team_key is not None
            and task.team_key in managed_team_keys(user))


def may_work_on(task: Task, user: User) -> bool:
    """Answer it: the assignee, anyone in the team while it sits in the pool, a manager."""
    if task.assignee_id == user.id or may_manage(task, user):
        return True
    return task.assignee_id is None and task.team_key in user.team_keys


def get_visible_task(task_id: int, user: User) -> Task:
    from runtime.exceptions import NotFound

    task = db.session.get(Task, task_id)
    if task is None or not may_see(task, user):
        raise NotFound("no such task")
    return task
