"""Serve uploaded files to the people allowed to see their case, as attachments only.

`may_download` is the one access rule (the portal calls it too):

* admins may download any file;
* staff may download a file of a case (flow instance) when one of the case's tasks is
  assigned to them or to one of their teams, or was completed by them;
* whoever uploaded a file may download it;
* a customer may download a file of the case their valid status link names (the
  caller has checked the link and passes the case's public id).

Everything else is a 404, the same answer as a file that does not exist, so guessing
ids reveals nothing. Files are always sent as `Content-Disposition: attachment` with
`X-Content-Type-Options: nosniff` and a sandboxing CSP, never inline.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, request, send_file
from flask_login import current_user
from sqlalchemy import or_

from app.extensions import db
from app.forms.uploads import file_path
from app.models import FlowInstance, StoredFile, SystemRole, Task
from app.security import public
from runtime.exceptions import NotFound

bp = Blueprint("forms_files", __name__)


def may_download(
    stored_file: StoredFile, user: Any, portal_case_public_id: str | None = None
) -> bool:
    """True when `user` (or the holder of the case's status link) may see this file."""
    if portal_case_public_id and stored_file.instance_id is not None:
        instance = db.session.get(FlowInstance, stored_file.instance_id)
        if instance is not None and instance.public_id == portal_case_public_id:
            return True
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    if SystemRole.ADMIN in user.role_names:
        return True
    if stored_file.uploaded_by_id is not None and stored_file.uploaded_by_id == user.id:
        return True
    if stored_file.instance_id is None or not user.has_role("staff", "manager"):
        return False
    teams = list(user.team_keys)
    conditions = [Task.assignee_id == user.id, Task.completed_by_id == user.id]
    if teams:
        conditions.append(Task.team_key.in_(teams))
    found = db.session.scalar(
        db.select(Task.id)
        .where(Task.instance_id == stored_file.instance_id, or_(*conditions))
        .limit(1)
    )
    return found is not None


def _portal_case_from_request() -> str | None:
    """The case a status-link token (`?t=`) names, when the portal is installed."""
    token = request.args.get("t")
    if not token:
        return None
    try:
        from app.portal.links import case_id_from_token
    except ImportError:  # pragma: no cover - portal not installed
        return None
    try:
        return case_id_from_token(token)
    except NotFound:
        return None


@bp.get("/files/<public_id>")
@public
def download(public_id: str) -> Any:
    """Access is checked by `may_download`; the route is public so customers can use it."""
    stored = db.session.scalar(db.select(StoredFile).where(StoredFile.public_id == public_id))
    user = current_user if current_user.is_authenticated else None
    if stored is None or not may_download(stored, user, _portal_case_from_request()):
        raise NotFound("no such file")
    try:
        response = send_file(
            file_path(stored),
            mimetype=stored.content_type,
            as_attachment=True,
            download_name=stored.original_name,
            max_age=0,
        )
    except FileNotFoundError:
        raise NotFound("no such file") from None
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["Cache-Control"] = "private, no-store"
    return response
