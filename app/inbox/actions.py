"""What staff do from the inbox: claim, hand back, answer, reassign, comment, bulk.

Each POST calls one service and commits. A lost race or a closed task shows the task
page again with a 409 and who won (CHECKLIST 7); invalid input shows it with a 422 and
what to fix; nothing here answers 500 for something a person did.
"""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy.orm.exc import StaleDataError

from app.extensions import db
from app.inbox import bulk, task_forms
from app.inbox.access import get_visible_task
from app.inbox.views import STAFF, bp, task_page
from app.models import FlowInstance, Task
from app.security import requires
from app.services import tasks
from runtime.exceptions import Conflict, FormloomError, NotFound, PermissionDenied


def _sentence(err: Exception) -> str:
    text = str(err) or "That did not work."
    details = getattr(err, "errors", None)
    if details:
        text = f"{text}: " + "; ".join(d.reason for d in details)
    text = text[:1].upper() + text[1:]
    return text if text.endswith((".", "!", "?")) else text + "."


def _refused(task_id: int, err: Exception, status: int) -> Any:
    db.session.rollback()
    task = get_visible_task(task_id, current_user)
    if isinstance(err, (Conflict, StaleDataError)) and not isinstance(err, PermissionDenied):
        message = tasks.why_not_available(task, current_user) if isinstance(
            err, StaleDataError) else _sentence(err)
        return task_page(task, status=409, error=message)
    return task_page(task, status=status, error=_sentence(err))


def _run(task_id: int, action, done: str) -> Any:
    try:
        action()
        db.session.commit()
    except NotFound:
        db.session.rollback()
        abort(404)
    except (Conflict, StaleDataError) as err:
        return _refused(task_id, err, 409)
    except PermissionDenied as err:
        return _refused(task_id, err, 403)
    except FormloomError as err:
        return _refused(task_id, err, 422)
    flash(done, "success")
    return redirect(url_for("inbox.task", task_id=task_id))


@bp.post("/tasks/<int:task_id>/claim")
@requires(*STAFF)
def claim(task_id: int) -> Any:
    return _run(task_id, lambda: tasks.claim(task_id, current_user),
                "You claimed this task; it is in My tasks now.")


@bp.post("/tasks/<int:task_id>/unclaim")
@requires(*STAFF)
def unclaim(task_id: int) -> Any:
    return _run(task_id, lambda: tasks.unclaim(task_id, current_user),
                "Handed back to the team pool.")


@bp.post("/tasks/<int:task_id>/reassign")
@requires(*STAFF)
def reassign(task_id: int) -> Any:
    handover = _handover(request.form)
    return _run(task_id, lambda: tasks.reassign(task_id, current_user, handover),
                "Handed over; the reason is on the timeline.")


@bp.post("/tasks/<int:task_id>/comment")
@requires(*STAFF)
def comment(task_id: int) -> Any:
    result: dict[str, Any] = {}

    def add() -> None:
        result["comment"] = tasks.add_comment(task_id, current_user, request.form.get("body", ""))

    response = _run(task_id, add, "Comment added.")
    made = result.get("comment")
    if made is not None and made.unknown:
        flash("Not notified (no colleague on this case matches): "
              + ", ".join("@" + u for u in made.unknown), "error")
    return response


@bp.post("/tasks/<int:task_id>/complete")
@requires(*STAFF)
def complete(task_id: int) -> Any:
    task = get_visible_task(task_id, current_user)
    outcome = request.form.get("outcome", "")
    if outcome not in (task.data or {}).get("outcomes", []):
        abort(400, description="choose one of the task's outcomes")
    title = task.title
    try:
        task_forms.complete(task, outcome, current_user, locale=current_user.locale or "en",
                            form_data=request.form, files=request.files)
        db.session.commit()
    except task_forms.TaskFormInvalid as err:
        db.session.rollback()
        task = get_visible_task(task_id, current_user)
        return task_page(task, status=422, error="Check the form: some answers are missing "
                         "or not valid.", form_values=request.form,
                         form_errors=err.field_errors)
    except (Conflict, StaleDataError) as err:
        return _refused(task_id, err, 409)
    except PermissionDenied as err:
        return _refused(task_id, err, 403)
    except FormloomError as err:
        return _refused(task_id, err, 422)
    flash(f"Done: {title} — {outcome.replace('_', ' ')}.", "success")
    return redirect(url_for("inbox.index"))


@bp.post("/bulk")
@requires(*STAFF)
def bulk_action() -> Any:
    """Step 1 (no `confirm`): show what will happen. Step 2: do it, show each result."""
    action = request.form.get("action", "")
    if action not in bulk.ACTIONS:
        abort(400, description="choose approve, reject or reassign")
    try:
        ids = [int(i) for i in request.form.getlist("task_id")][:bulk.MAX_TASKS]
    except ValueError:
        abort(400, description="the selection is not valid; select the tasks again")
    if not ids:
        flash("Select one or more tasks first (tick their boxes, or press x on a row).", "error")
        return redirect(request.referrer if _same_site(request.referrer)
                        else url_for("inbox.index"))
    handover = _handover(request.form) if action == "reassign" else None
    if request.form.get("confirm") != "yes":
        rows = db.session.execute(
            db.select(Task, FlowInstance.case_number)
            .join(FlowInstance, FlowInstance.id == Task.instance_id)
            .where(Task.id.in_(ids)).order_by(Task.id)).all()
        from app.inbox.access import may_see

        rows = [(t, c) for t, c in rows if may_see(t, current_user)]
        return render_template("inbox/bulk_confirm.html", action=action, rows=rows,
                               handover=handover, missing=len(ids) - len(rows))
    results = bulk.run(ids, action, current_user, locale=current_user.locale or "en",
                       handover=handover)
    db.session.commit()
    return render_template("inbox/bulk_result.html", action=action, results=results,
                           done=sum(r.ok for r in results),
                           failed=sum(not r.ok for r in results))


def _handover(form: Any) -> tasks.Handover:
    target = (form.get("to") or "").strip()
    user_email = target if "@" in target else None
    team_key = target.removeprefix("team:") if target and not user_email else None
    return tasks.Handover(reason=form.get("reason", ""), user_email=user_email,
                          team_key=team_key)


def _same_site(url: str | None) -> bool:
    from urllib.parse import urlsplit

    return bool(url) and urlsplit(url).netloc in ("", request.host)
