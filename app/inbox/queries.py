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
import functools
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, NamedTuple

from sqlalchemy import (
    Integer,
    String,
    Text,
    and_,
    bindparam,
    cast,
    false,
    func,
    literal_column,
    or_,
    select,
    union_all,
)

from app.extensions import db
from app.inbox.access import OPEN, is_admin, managed_team_keys
from app.models import FlowInstance, Task, User
from app.models.types import UTCDateTime
from runtime.exceptions import FormloomError

PAGE_SIZE = 25
COUNT_CAP = 1000
TABS = ("todo", "mine", "pool", "overdue", "completed", "team")
TAB_LABELS = {"todo": "To do", "mine": "My tasks", "pool": "Team pool", "overdue": "Overdue",
              "completed": "Completed by me", "team": "Whole team"}
SORTS = ("due", "newest", "oldest")
DUE_FILTERS = ("overdue", "today", "week", "none")
STATUSES = ("open", "claimed", "completed", "cancelled")


#: `status = 'open'` written as a literal, not a bound parameter: a prepared statement's
#: generic plan can then still use the pool's partial index (`WHERE status = 'open' …`).
IS_OPEN = Task.status == literal_column("'open'")


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


#: Tabs are built once per shape (tab, number of teams, role) with these parameters and
#: reused: building SQL expressions costs more than running these indexed queries.
USER = bindparam("inbox_user", type_=Integer())
NOW = bindparam("inbox_now", type_=UTCDateTime())
MANAGED = bindparam("inbox_managed", expanding=True)


def tab_params(user: User, now: datetime) -> dict[str, Any]:
    """The values for the parameters of `branches(…)` for this user at `now`."""
    params: dict[str, Any] = {"inbox_user": user.id, "inbox_now": now}
    params.update({f"inbox_team_{n}": team for n, team in enumerate(sorted(user.team_keys))})
    if _role(user) == "manager":
        params["inbox_managed"] = sorted(managed_team_keys(user))
    return params


def _role(user: User) -> str:
    if is_admin(user):
        return "admin"
    return "manager" if user.has_role("manager") else "staff"


def branches(tab: str, user: User) -> tuple:
    """The tab as disjoint WHERE clauses that each match one index range in due order.

    "Mine or my teams' pools" as one OR makes the database collect every matching row and
    sort them (tens of thousands in a big team); as branches — my open tasks, my claimed
    tasks, each team's pool — each is an ordered index scan that stops after one page,
    and the pages are merged. Tabs without that shape are one clause.
    """
    if tab not in TABS:
        raise BadListRequest(f"unknown tab {tab!r}")
    if tab == "team" and not user.has_role("manager"):
        raise BadListRequest("the whole-team view is for managers")
    return _shape(tab, len(user.team_keys), _role(user))


@functools.lru_cache(maxsize=512)
def _shape(tab: str, teams: int, role: str) -> tuple:
    pools = [and_(Task.team_key == bindparam(f"inbox_team_{n}", type_=String()), IS_OPEN,
                  Task.assignee_id.is_(None)) for n in range(teams)]
    mine = [and_(Task.assignee_id == USER, Task.status == literal_column(f"'{status}'"))
            for status in OPEN]
    if tab == "todo":  # the default: everything waiting for me or my teams' pools
        return (*mine, *pools)
    if tab == "mine":
        return (and_(Task.assignee_id == USER, Task.status.in_(OPEN)),)
    if tab == "pool":
        return tuple(pools) or (false(),)
    if tab == "overdue":
        return tuple(and_(branch, Task.due_at < NOW) for branch in (*mine, *pools))
    if tab == "completed":
        return (and_(Task.completed_by_id == USER, Task.status == "completed"),)
    if role == "admin":  # team
        return (Task.status.in_(OPEN),)
    return (and_(Task.status.in_(OPEN), Task.team_key.in_(MANAGED)),)


def count_tabs(user: User, now: datetime) -> dict[str, str]:
    """Rows per tab, capped: "999+" reads as well as an exact million and costs nothing.

    One statement for all tabs (a scalar subquery per branch, each reading at most
    `COUNT_CAP` index entries), so the counts cost one round trip.
    """
    tabs = tabs_for(user)
    statement = _count_statement(tuple((tab, branches(tab, user)) for tab in tabs))
    row = db.session.execute(statement, tab_params(user, now)).one()
    return {tab: f"{COUNT_CAP - 1}+" if n >= COUNT_CAP else str(n)
            for tab, n in row._mapping.items()}


@functools.lru_cache(maxsize=512)
def _count_statement(tabs: tuple) -> Any:
    columns = []
    for tab, parts in tabs:
        counts = [select(func.count()).select_from(
                      select(literal_column("1")).select_from(Task).where(branch)
                      .limit(COUNT_CAP).subquery()).scalar_subquery()
                  for branch in parts]
        total = counts[0]
        for count in counts[1:]:
            total = total + count
        columns.append(total.label(tab))
    return select(*columns)


def list_tasks(query: ListQuery, user: User, now: datetime,
               column_paths: dict[str, str] | None = None) -> Page:
    order, keyset, columns = _ordering(query)
    conditions = _filters(query, now, column_paths or {})
    if query.after:
        conditions.append(keyset(_decode(query.after)))
    parts = branches(query.tab, user)
    if query.sort != "due" and len(parts) > 1:  # merged pages are in due order only
        parts = (or_(*parts),)
    needs_case = bool(query.flow or query.country or query.q or query.columns)
    selects = []
    for part in parts:
        stmt = select(Task.id, *columns)
        if needs_case:  # only filters on the case need the join
            stmt = stmt.join(FlowInstance, FlowInstance.id == Task.instance_id)
        selects.append(stmt.where(part, *conditions).order_by(*order).limit(PAGE_SIZE + 1))
    params = tab_params(user, now)
    if len(selects) == 1:
        ids = list(db.session.scalars(selects[0], params))
    else:
        merged = union_all(*(part.subquery().select() for part in selects)).subquery()
        outer = [merged.c.due_at.asc().nulls_last(), merged.c.id]
        ids = list(db.session.scalars(select(merged.c.id).order_by(*outer)
                                      .limit(PAGE_SIZE + 1), params))
    more = len(ids) > PAGE_SIZE
    ids = ids[:PAGE_SIZE]
    found = {row[0].id: (row[0], CaseRow(*row[1:])) for row in db.session.execute(
        select(Task, FlowInstance.case_number, FlowInstance.public_id, FlowInstance.flow_key,
               FlowInstance.variables)
        .join(FlowInstance, FlowInstance.id == Task.instance_id).where(Task.id.in_(ids)))
    } if ids else {}
    rows = [found[i] for i in ids if i in found]
    cursor = _encode(_sort_value(query, rows[-1][0]), rows[-1][0].id) if more and rows else None
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
    """ORDER BY, the keyset condition after a cursor, and the sort columns to select."""
    if query.tab == "completed":
        def after_recent(cursor):
            at, task_id = cursor
            return or_(Task.completed_at < at, and_(Task.completed_at == at, Task.id < task_id))
        return (Task.completed_at.desc(), Task.id.desc()), after_recent, (Task.completed_at,)
    if query.sort == "newest":
        return (Task.id.desc(),), lambda cursor: Task.id < cursor[1], ()
    if query.sort == "oldest":
        return (Task.id.asc(),), lambda cursor: Task.id > cursor[1], ()

    def after_due(cursor):
        due, task_id = cursor
        if due is None:
            return and_(Task.due_at.is_(None), Task.id > task_id)
        return or_(Task.due_at > due, and_(Task.due_at == due, Task.id > task_id),
                   Task.due_at.is_(None))
    return (Task.due_at.asc().nulls_last(), Task.id), after_due, (Task.due_at,)


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
