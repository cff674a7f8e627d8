"""The inbox pages people read: the lists, the scan box, one task's page.

Thin views (STYLE §13): parse the request, ask `queries` / `access`, render. The
actions (claim, complete, reassign, comment, bulk) are in `actions.py`; the away and
notice settings in `settings.py`. Every route declares its roles; a task outside the
user's reach answers 404.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import func

from app.extensions import db
from app.inbox import case_info, queries, task_forms
from app.inbox.access import OPEN, may_manage, may_see, may_work_on
from app.inbox.columns import columns_of
from app.inbox.sla import sla_badge
from app.models import (
    Definition,
    DefinitionKind,
    DefinitionStatus,
    FlowInstance,
    InstanceEvent,
    StoredFile,
    Task,
    TaskNote,
    Team,
    User,
    utcnow,
)
from app.notifications import timing, unread_count
from app.security import requires

bp = Blueprint("inbox", __name__, url_prefix="/inbox")
STAFF = ("staff", "manager")


@bp.get("/")
@requires(*STAFF)
def index() -> Any:
    now = utcnow()
    columns = columns_of((request.args.get("flow") or "").strip()[:200])
    query = queries.ListQuery.from_args(request.args, frozenset(c.var for c in columns))
    page = queries.list_tasks(query, current_user, now, {c.var: c.var for c in columns})
    rows = _row_views(page.rows, now)
    for row in rows:
        row["columns"] = [case_info.read_path(row["variables"], c.var) for c in columns]
    return render_template(
        "inbox/index.html", query=query, page=page, rows=rows, columns=columns,
        column_filters=dict(query.columns),
        counts=queries.count_tabs(current_user, now), tabs=queries.tabs_for(current_user),
        labels=queries.TAB_LABELS, filters=_filter_choices(), away=_away_banner(),
        unread=unread_count(current_user), now=now)


@bp.get("/scan")
@requires(*STAFF)
def scan() -> Any:
    """Open the task waiting for a scanned or typed case number (or say none waits)."""
    code = (request.args.get("code") or "").strip()
    if not code:
        flash("Scan a barcode or type a case number first.", "error")
        return redirect(url_for("inbox.index"))
    task = find_waiting_task(code[:100])
    if task is None:
        flash(f"No task waits for you on “{code[:100]}”. Check the number, or the case may "
              "be with another team or already done.", "error")
        return redirect(url_for("inbox.index", q=code[:100]))
    return redirect(url_for("inbox.task", task_id=task.id))


def find_waiting_task(code: str) -> Task | None:
    """The open task of the case numbered `code` (or whose `rma` is `code`) for this user.

    Preference: a task already the user's, then one in their teams' pool, then any other
    they may answer (managers); None when the case is unknown or nothing waits for them.
    """
    wanted = code.upper()
    instances = list(db.session.scalars(  # case numbers are upper case: the unique index
        db.select(FlowInstance.id).where(FlowInstance.case_number.in_({code, wanted}))))
    if not instances:
        rma = func.upper(FlowInstance.variables["rma"].as_string())
        instances = list(db.session.scalars(
            db.select(FlowInstance.id).where(rma == wanted).limit(20)))
    if not instances:
        return None
    candidates = db.session.scalars(
        db.select(Task).where(Task.instance_id.in_(instances), Task.status.in_(OPEN))
        .order_by(Task.id))
    usable = [t for t in candidates if may_work_on(t, current_user)]
    usable.sort(key=lambda t: (t.assignee_id != current_user.id, t.assignee_id is not None))
    return usable[0] if usable else None


@bp.get("/tasks/<int:task_id>")
@requires(*STAFF)
def task(task_id: int) -> Any:
    row = db.session.get(Task, task_id)
    if row is None or not may_see(row, current_user):
        from flask import abort

        abort(404)  # not 403: do not confirm that another team's task exists
    return task_page(row)


def task_page(task: Task, *, status: int = 200, error: str | None = None,
              form_values: Any = None, form_errors: dict[str, str] | None = None) -> Any:
    instance = db.session.get(FlowInstance, task.instance_id)
    now = utcnow()
    form_html, form_problem = None, None
    if task.form_key and task.status in OPEN:
        try:
            form_html = task_forms.render(task, locale=current_user.locale or "en",
                                          values=form_values, errors=form_errors)
        except Exception as exc:  # a missing or broken form must not hide the case
            form_problem = str(exc) or "the task's form could not be shown"
            current_app.logger.warning("task %s form %s: %s", task.id, task.form_key, exc)
    people = _names({task.assignee_id, task.completed_by_id,
                     (task.data or {}).get("delegated_from_id")})
    return render_template(
        "inbox/task.html", task=task, instance=instance, header=case_info.case_header(
            instance.variables), badge=sla_badge(task.due_at, now,
                                                  timing.team_calendar(task.team_key),
                                                  timing.warning_window(task.team_key)),
        timeline=_timeline(instance), comments=_comments(instance), files=_files(instance),
        people=people, error=error, form_html=form_html, form_problem=form_problem,
        can_work=task.status in OPEN and may_work_on(task, current_user),
        can_claim=(task.status == "open" and task.assignee_id is None
                   and (task.team_key in current_user.team_keys
                        or may_manage(task, current_user))),
        can_unclaim=(task.status in OPEN and task.team_key is not None
                     and task.assignee_id is not None
                     and (task.assignee_id == current_user.id
                          or may_manage(task, current_user))),
        can_reassign=task.status in OPEN and (task.assignee_id == current_user.id
                                              or may_manage(task, current_user)),
        teams=_team_keys(), unread=unread_count(current_user)), status


def _row_views(rows: list[tuple[Task, queries.CaseRow]], now) -> list[dict[str, Any]]:
    calendars: dict[str | None, Any] = {}
    names = _names({t.assignee_id for t, _ in rows}
                   | {(t.data or {}).get("delegated_from_id") for t, _ in rows})
    views = []
    for task, instance in rows:
        if task.team_key not in calendars:
            calendars[task.team_key] = (timing.team_calendar(task.team_key),
                                        timing.warning_window(task.team_key))
        delegated = (task.data or {}).get("delegated_from_id")
        views.append({
            "task": task, "variables": instance.variables or {},
            "case_number": instance.case_number or "—",
            "flow": instance.flow_key, "customer": case_info.customer_label(instance.variables),
            "country": case_info.country_of(instance.variables),
            "badge": sla_badge(task.due_at, now, *calendars[task.team_key]),
            "assignee": names.get(task.assignee_id), "delegated_from": names.get(delegated),
        })
    return views


def _names(ids: set[Any]) -> dict[int, str]:
    ids = {i for i in ids if isinstance(i, int)}
    if not ids:
        return {}
    return dict(db.session.execute(db.select(User.id, User.name).where(User.id.in_(ids))).all())


def _filter_choices() -> dict[str, list[str]]:
    """Flows and their people steps, from the published definitions (a small table).

    Not from the tasks: a DISTINCT over a big team's open tasks would cost more than the
    whole list it filters.
    """
    rows = db.session.execute(
        db.select(Definition.key, Definition.body)
        .where(Definition.kind == DefinitionKind.FLOW,
               Definition.status == DefinitionStatus.PUBLISHED)
        .order_by(Definition.key, Definition.version.desc())).all()
    flows, nodes, seen = [], set(), set()
    for key, body in rows:
        if key in seen:
            continue  # only the newest version of each flow
        seen.add(key)
        flows.append(key)
        nodes.update(n.get("id") for n in (body or {}).get("nodes", [])
                     if isinstance(n, dict) and n.get("type") in ("user_task", "form"))
    return {"flows": flows, "nodes": sorted(n for n in nodes if isinstance(n, str))}


def _away_banner() -> dict[str, Any]:
    """Away periods on both inboxes: mine (who stands in) and those I stand in for."""
    now = utcnow()
    me = current_user
    stand_in = db.session.get(User, me.stand_in_id) if me.stand_in_id else None
    away_now = bool(me.away_from and me.away_from <= now
                    and (me.away_until is None or now < me.away_until))
    upcoming = bool(me.away_from and me.away_from > now)
    covering = list(db.session.scalars(
        db.select(User).where(User.stand_in_id == me.id, User.away_from.is_not(None),
                              User.away_from <= now,
                              (User.away_until.is_(None)) | (User.away_until > now))))
    return {"away_now": away_now, "upcoming": upcoming, "stand_in": stand_in,
            "until": me.away_until, "from": me.away_from, "covering": covering}


def _timeline(instance: FlowInstance) -> list[dict[str, Any]]:
    events = db.session.scalars(
        db.select(InstanceEvent).where(InstanceEvent.instance_id == instance.id)
        .order_by(InstanceEvent.seq.desc()).limit(100)).all()
    notes = db.session.scalars(
        db.select(TaskNote).where(TaskNote.instance_id == instance.id,
                                  TaskNote.kind != "comment")
        .order_by(TaskNote.id.desc()).limit(100)).all()
    people = _names({n.author_id for n in notes} | {i for n in notes for i in n.user_ids}
                    | {e.actor_id for e in events})
    items = []
    for e in events:
        what = (e.data.get("data", {}).get("type", "event") if e.type == "event" else e.type)
        items.append({"at": e.at, "what": what.replace("_", " "), "where": e.node_id or "",
                      "who": people.get(e.actor_id) or (e.data.get("data") or {}).get("actor")
                      or "", "note": ""})
    for n in notes:
        to = ", ".join(people.get(i, "?") for i in n.user_ids) or (n.team_key or "")
        what = {"claim": "claimed", "unclaim": "handed back to the pool",
                "reassign": f"reassigned to {to}", "delegate": f"delegated to {to}"}.get(
            n.kind, n.kind)
        items.append({"at": n.created_at, "what": what, "where": "",
                      "who": people.get(n.author_id, ""), "note": n.body})
    items.sort(key=lambda item: item["at"], reverse=True)
    return items[:150]


def _comments(instance: FlowInstance) -> list[dict[str, Any]]:
    notes = db.session.scalars(
        db.select(TaskNote).where(TaskNote.instance_id == instance.id,
                                  TaskNote.kind == "comment")
        .order_by(TaskNote.id.asc()).limit(200)).all()
    people = _names({n.author_id for n in notes})
    return [{"note": n, "author": people.get(n.author_id, "someone")} for n in notes]


def _files(instance: FlowInstance) -> list[dict[str, Any]]:
    rows = db.session.scalars(db.select(StoredFile).where(StoredFile.instance_id == instance.id)
                              .order_by(StoredFile.id).limit(100)).all()
    served = any(str(rule.rule).startswith("/files/") for rule in current_app.url_map.iter_rules())
    return [{"file": f, "url": f"/files/{f.public_id}" if served else None,
             "image": f.content_type.startswith("image/")} for f in rows]


def _team_keys() -> list[str]:
    return list(db.session.scalars(db.select(Team.key).order_by(Team.key)))
