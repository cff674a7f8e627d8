"""The inbox lists: tabs, counts, filters, search, sort and keyset pagination.

Tabs: to do (mine and my teams' pool, the default), mine, pool, overdue, completed by
me, and for managers the whole team. Every tab is a WHERE clause that one of the task
indexes serves (`assignee_id, status, due_at` for "mine", `team_key, status, due_at`
for the pool, `status, due_at` for overdue, `completed_by_id, completed_at` for
"completed"). Pages continue from the last
row shown (keyset), so page 40 costs what page 1 costs; counts stop at `COUNT_CAP` so a
tab with a million finished tasks does not count them all on every page view.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, NamedTuple

from sqlalchemy import Text, and_, cast, false, func, or_, select

from app.extensions import db
from app.inbox.access import OPEN, is_admin, managed_team_keys
from app.models import FlowInstance, Task, User
from runtime.exceptions import FormloomError

PAGE_SIZE = 25
COUNT_CAP = 1000
TABS = ("todo", "mine", "pool", "overdue", "completed", "team")
TAB_LABELS = {"todo": "To do", "mine": "My tasks", "pool": "Team pool", "overdue": "Overdue",
              "completed": "Completed by me", "team": "Whole team"}
SORTS = ("due", "newest", "oldest")
DUE_FILTERS = ("overdue", "today", "week", "none")
STATUSES = ("open", "claimed", "completed", "cancelled")


class BadListRequest(FormloomError):
    code = "bad_list_request"


@dataclass(frozen=True)
class ListQuery:
    tab: str = "todo"
    flow: str | None = None
    node: str | None = None
    status: str | None = None
    due: str | None = None
    country: str | None = None
    q: str | None = None
    sort: str = "due"
    after: str | None = None
    columns: tuple[tuple[str, str], ...] = ()

    @classmethod
    def from_args(cls, args: Any, column_names: frozenset[str] = frozenset()) -> ListQuery:
        """Parse query-string arguments; anything unknown is a clear 400, never a 500."""
        def pick(name: str, allowed: tuple[str, ...] | None = None) -> str | None:
            value = (args.get(name) or "").strip()
            if not value:
                return None
            if len(value) > 200 or (allowed is not None and value not in allowed):
                raise BadListRequest(f"'{value[:40]}' is not a valid {name}")
            return value

        columns = tuple(sorted(
            (name, args.get(f"col.{name}").strip()) for name in column_names
            if (args.get(f"col.{name}") or "").strip()))
        return cls(tab=pick("tab", TABS) or "todo", flow=pick("flow"), node=pick("node"),
                   status=pick("status", STATUSES), due=pick("due", DUE_FILTERS),
                   country=(pick("country") or "").upper() or None, q=pick("q"),
                   sort=pick("sort", SORTS) or "due", after=pick("after"), columns=columns)

    def args(self, **changes: Any) -> dict[str, str]:
        """This query as URL arguments, with `changes` applied (for links)."""
        values = {"tab": self.tab, "flow": self.flow, "node": self.node,
                  "status": self.status, "due": self.due, "country": self.country,
                  "q": self.q, "sort": self.sort if self.sort != "due" else None,
                  "after": self.after}
        values.update({f"col.{k}": v for k, v in self.columns})
        values.update(changes)
        return {k: v for k, v in values.items() if v}


class CaseRow(NamedTuple):
    """The case columns a list row shows; never the (possibly large) engine state."""

    case_number: str | None
    public_id: str
    flow_key: str
    variables: dict


@dataclass
class Page:
    rows: list[tuple[Task, CaseRow]]
    next_cursor: str | None
    counts: dict[str, str] = field(default_factory=dict)


def tabs_for(user: User) -> tuple[str, ...]:
    return TABS if user.has_role("manager") else TABS[:-1]


def tab_clause(tab: str, user: User, now: datetime):
    teams = tuple(sorted(user.team_keys))
    my_pool = and_(Task.assignee_id.is_(None), Task.status == "open",
                   Task.team_key.in_(teams)) if teams else false()
    if tab == "todo":  # the default: everything waiting for me or my teams' pools
        return and_(Task.status.in_(OPEN), or_(Task.assignee_id == user.id, my_pool))
    if tab == "mine":
        return and_(Task.assignee_id == user.id, Task.status.in_(OPEN))
    if tab == "pool":
        return my_pool
    if tab == "overdue":
        return and_(Task.status.in_(OPEN), Task.due_at < now,
                    or_(Task.assignee_id == user.id, my_pool))
    if tab == "completed":
        return and_(Task.completed_by_id == user.id, Task.status == "completed")
    if tab == "team":
        if not user.has_role("manager"):
            raise BadListRequest("the whole-team view is for managers")
        if is_admin(user):
            return Task.status.in_(OPEN)
        managed = tuple(sorted(managed_team_keys(user)))
        return and_(Task.status.in_(OPEN), Task.team_key.in_(managed)) if managed else false()
    raise BadListRequest(f"unknown tab {tab!r}")


def count_tabs(user: User, now: datetime) -> dict[str, str]:
    """Rows per tab, capped: "999+" reads as well as an exact million and costs nothing."""
    counts = {}
    for tab in tabs_for(user):
        capped = select(Task.id).where(tab_clause(tab, user, now)).limit(COUNT_CAP).subquery()
        n = db.session.scalar(select(func.count()).select_from(capped))
        counts[tab] = f"{COUNT_CAP - 1}+" if n >= COUNT_CAP else str(n)
    return counts


def list_tasks(query: ListQuery, user: User, now: datetime,
               column_paths: dict[str, str] | None = None) -> Page:
    stmt = (select(Task, FlowInstance.case_number, FlowInstance.public_id,
                   FlowInstance.flow_key, FlowInstance.variables)
            .join(FlowInstance, FlowInstance.id == Task.instance_id)
            .where(tab_clause(query.tab, user, now)))
    for condition in _filters(query, now, column_paths or {}):
        stmt = stmt.where(condition)
    order, keyset = _ordering(query)
    if query.after:
        stmt = stmt.where(keyset(_decode(query.after)))
    rows = db.session.execute(stmt.order_by(*order).limit(PAGE_SIZE + 1)).all()
    more = len(rows) > PAGE_SIZE
    rows = [(r[0], CaseRow(*r[1:])) for r in rows[:PAGE_SIZE]]
    cursor = _encode(_sort_value(query, rows[-1][0]), rows[-1][0].id) if more else None
    return Page(rows, cursor)


def _filters(query: ListQuery, now: datetime, column_paths: dict[str, str]) -> list:
    found = []
    if query.flow:
        found.append(FlowInstance.flow_key == query.flow)
    if query.node:
        found.append(Task.node_id == query.node)
    if query.status:
        found.append(Task.status == query.status)
    if query.due == "overdue":
        found.append(Task.due_at < now)
    elif query.due in ("today", "week"):
        end = (datetime.combine(now.date(), datetime.min.time(), UTC) + timedelta(days=1)
               if query.due == "today" else now + timedelta(days=7))
        found.append(and_(Task.due_at >= now, Task.due_at < end))
    elif query.due == "none":
        found.append(Task.due_at.is_(None))
    if query.country:
        found.append(func.upper(_var("country")) == query.country)
    for name, value in query.columns:
        if name in column_paths:
            found.append(cast(_var(column_paths[name]), Text) == value)
    if query.q:
        like = f"%{_escape_like(query.q)}%"
        found.append(or_(FlowInstance.case_number.ilike(like, escape="\\"),
                         Task.title.ilike(like, escape="\\"),
                         cast(FlowInstance.variables, Text).ilike(like, escape="\\")))
    return found


def _var(path: str):
    """A case variable as text, e.g. `customer.country` (JSON path on both databases)."""
    return FlowInstance.variables[tuple(path.split("."))].as_string()


def _ordering(query: ListQuery):
    if query.tab == "completed":
        def after_recent(cursor):
            at, task_id = cursor
            return or_(Task.completed_at < at, and_(Task.completed_at == at, Task.id < task_id))
        return (Task.completed_at.desc(), Task.id.desc()), after_recent
    if query.sort == "newest":
        return (Task.id.desc(),), lambda cursor: Task.id < cursor[1]
    if query.sort == "oldest":
        return (Task.id.asc(),), lambda cursor: Task.id > cursor[1]

    def after_due(cursor):
        due, task_id = cursor
        if due is None:
            return and_(Task.due_at.is_(None), Task.id > task_id)
        return or_(Task.due_at > due, and_(Task.due_at == due, Task.id > task_id),
                   Task.due_at.is_(None))
    return (Task.due_at.is_(None), Task.due_at, Task.id), after_due


def _sort_value(query: ListQuery, task: Task) -> datetime | None:
    if query.tab == "completed":
        return task.completed_at
    return task.due_at if query.sort == "due" else None


def _encode(value: datetime | None, task_id: int) -> str:
    raw = f"{value.isoformat() if value else ''}|{task_id}"
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _decode(cursor: str) -> tuple[datetime | None, int]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        when, _, task_id = raw.partition("|")
        value = datetime.fromisoformat(when) if when else None
        if value is not None and value.tzinfo is None:
            raise ValueError("naive")
        return value, int(task_id)
    except (ValueError, binascii.Error, UnicodeDecodeError) as exc:
        raise BadListRequest("this page link is broken; start again from the first page") \
            from exc


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
