"""Who gets a task: the engine asks for a user or a team pool; the database answers.

Strategies (DESIGN §4):
- `pool`: nobody yet; anyone in the team may claim it.
- `round_robin`: the member after the one who received this team's previous task,
  in a stable order (user id), so work spreads evenly across restarts and processes.
- `least_loaded`: the member with the fewest open tasks; ties go to the lowest id.
A chosen user who is away is replaced by their stand-in (followed up to a few hops, so
a loop of stand-ins cannot hang assignment); the original is recorded for the inbox.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func

from app.extensions import db
from app.models import Membership, Task, Team, User
from runtime.exceptions import NotFound

OPEN_STATUSES = ("open", "claimed")
MAX_STAND_IN_HOPS = 5


@dataclass(frozen=True)
class Assignee:
    user_id: int | None
    team_key: str | None
    delegated_from_id: int | None = None


def resolve(
    *, user: str | None = None, team: str | None = None, strategy: str = "pool",
    now: datetime,
) -> Assignee:
    """The concrete assignee for a request naming a user (e-mail) or a team."""
    if user:
        row = db.session.scalar(db.select(User).where(User.email == user.strip().lower()))
        if row is None or not row.active:
            raise NotFound(f"no active user {user!r} to assign the task to")
        return _delegate(row.id, team, now)
    if not team:
        raise NotFound("the task names neither a user nor a team")
    if strategy == "pool":  # anyone in the team claims it: no need to know who they are
        return Assignee(None, team)
    members = _active_member_ids(team)
    if not members:
        return Assignee(None, team)
    if strategy == "round_robin":
        return _delegate(_next_in_turn(team, members), team, now)
    if strategy == "least_loaded":
        return _delegate(_least_loaded(members), team, now)
    raise NotFound(f"unknown assignment strategy {strategy!r}")


def manager_team_of(team: str) -> str:
    """The team escalations of `team` go to (e.g. cs_agent -> cs_lead)."""
    row = db.session.scalar(db.select(Team).where(Team.key == team))
    if row is None or row.manager_team_id is None:
        raise NotFound(f"team {team!r} has no manager team to escalate to")
    return db.session.get(Team, row.manager_team_id).key


def manager_team_of_user(email: str) -> str:
    """The escalation team of the (first) team `email` belongs to."""
    user = db.session.scalar(db.select(User).where(User.email == email.strip().lower()))
    teams = sorted(user.team_keys) if user is not None else []
    if not teams:
        raise NotFound(f"{email!r} is in no team, so there is no manager to escalate to")
    return manager_team_of(teams[0])


def _active_member_ids(team: str) -> list[int]:
    return list(db.session.scalars(
        db.select(User.id)
        .join(Membership, Membership.user_id == User.id)
        .join(Team, Team.id == Membership.team_id)
        .where(Team.key == team, User.active.is_(True))
        .order_by(User.id)
    ))


def _next_in_turn(team: str, members: list[int]) -> int:
    last = db.session.scalar(
        db.select(Task.assignee_id)
        .where(Task.team_key == team, Task.assignee_id.is_not(None))
        .order_by(Task.id.desc())
        .limit(1)
    )
    later = [m for m in members if last is not None and m > last]
    return later[0] if later else members[0]


def _least_loaded(members: list[int]) -> int:
    counts = dict(db.session.execute(
        db.select(Task.assignee_id, func.count())
        .where(Task.assignee_id.in_(members), Task.status.in_(OPEN_STATUSES))
        .group_by(Task.assignee_id)
    ).all())
    return min(members, key=lambda m: (counts.get(m, 0), m))


def _delegate(user_id: int, team: str | None, now: datetime) -> Assignee:
    original, seen = user_id, {user_id}
    for _ in range(MAX_STAND_IN_HOPS):
        user = db.session.get(User, user_id)
        away = (user.away_from is not None and user.away_from <= now
                and (user.away_until is None or now < user.away_until))
        if not away or user.stand_in_id is None or user.stand_in_id in seen:
            break
        user_id = user.stand_in_id
        seen.add(user_id)
    return Assignee(user_id, team, original if user_id != original else None)
