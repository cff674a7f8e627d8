"""Assignment strategies and delegation resolve against real rows on both databases."""

from __future__ import annotations

import secrets
from datetime import timedelta

import pytest

from app.extensions import db
from app.flows import assignment
from app.models import FlowInstance, Task, utcnow
from app.services.users import ensure_team
from runtime.exceptions import NotFound
from tests.factories import make_user


def _instance() -> FlowInstance:
    row = FlowInstance(public_id=secrets.token_hex(8), flow_key="f", flow_version=1)
    db.session.add(row)
    db.session.flush()
    return row


def _give(user_id: int | None, team: str, status: str = "open") -> None:
    instance = _instance()
    db.session.add(Task(key=f"{instance.public_id}:n:1", instance_id=instance.id, node_id="n",
                        title="t", team_key=team, assignee_id=user_id, status=status))
    db.session.flush()


def test_pool_leaves_the_task_unassigned_in_the_team(app):
    make_user("staff", teams=("cs_agent",))
    picked = assignment.resolve(team="cs_agent", now=utcnow())
    assert picked == assignment.Assignee(None, "cs_agent")


def test_round_robin_takes_turns_in_a_stable_order(app):
    members = [make_user("staff", teams=("cs_agent",)).id for _ in range(3)]
    chosen = []
    for _ in range(5):
        picked = assignment.resolve(team="cs_agent", strategy="round_robin", now=utcnow())
        chosen.append(picked.user_id)
        _give(picked.user_id, "cs_agent")
    assert chosen == [members[0], members[1], members[2], members[0], members[1]]


def test_least_loaded_counts_only_open_work(app):
    a, b = (make_user("staff", teams=("finance",)).id for _ in range(2))
    _give(a, "finance")
    _give(b, "finance", status="completed")
    _give(b, "finance", status="completed")
    picked = assignment.resolve(team="finance", strategy="least_loaded", now=utcnow())
    assert picked.user_id == b


def test_inactive_members_are_never_chosen(app):
    gone = make_user("staff", teams=("finance",))
    here = make_user("staff", teams=("finance",))
    gone.active = False
    db.session.commit()
    picked = assignment.resolve(team="finance", strategy="round_robin", now=utcnow())
    assert picked.user_id == here.id


def test_away_user_hands_new_tasks_to_the_stand_in(app):
    now = utcnow()
    away = make_user("staff", teams=("cs_agent",))
    stand_in = make_user("staff", teams=("cs_agent",))
    away.away_from, away.away_until = now - timedelta(hours=1), now + timedelta(days=1)
    away.stand_in_id = stand_in.id
    db.session.commit()
    picked = assignment.resolve(user=away.email, now=now)
    assert (picked.user_id, picked.delegated_from_id) == (stand_in.id, away.id)
    back = assignment.resolve(user=away.email, now=now + timedelta(days=2))
    assert (back.user_id, back.delegated_from_id) == (away.id, None)


def test_a_loop_of_stand_ins_stops(app):
    now = utcnow()
    a = make_user("staff")
    b = make_user("staff")
    for user, other in ((a, b), (b, a)):
        user.away_from, user.stand_in_id = now - timedelta(hours=1), other.id
    db.session.commit()
    assert assignment.resolve(user=a.email, now=now).user_id == b.id


def test_unknown_user_or_team_manager_is_a_clear_error(app):
    with pytest.raises(NotFound, match="no active user"):
        assignment.resolve(user="ghost@example.test", now=utcnow())
    ensure_team("cs_lead")
    ensure_team("cs_agent", manager="cs_lead")
    ensure_team("orphans")
    db.session.commit()
    assert assignment.manager_team_of("cs_agent") == "cs_lead"
    with pytest.raises(NotFound, match="no manager team"):
        assignment.manager_team_of("orphans")
