"""Accept a submitted form (parse, rules, validate, uploads) and store it.

The flow of one submission:

1. file parts are read and checked per file field (type by content, size, count) but
   not yet written;
2. the text fields are parsed into typed values, the rules run (computed fields
   recomputed, hidden fields dropped), and the compiled validator checks the rest;
3. only a fully valid submission writes its files (StoredFile rows, flushed);
4. `save_submission` stores the Submission, links the files, and returns the first
   Submission again for a repeated client token (CHECKLIST 12), so the caller starts
   one case, not two. Nothing here commits: the caller's transaction does.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import make_transient_to_detached

from app.extensions import db
from app.forms.uploads import CheckedUpload, check_uploads, file_path, store_upload
from app.models import StoredFile, Submission, utcnow
from runtime.exceptions import FormloomError
from runtime.forms import DictInput, FormSpec, Problem, check_input, messages_for

CLIENT_TOKEN = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
SUBMISSIONS = Submission.__table__


class BadClientToken(FormloomError):
    code = "bad_client_token"


@dataclass
class FormResult:
    ok: bool
    data: dict[str, Any]
    errors: dict[str, str]
    files: list[StoredFile] = field(default_factory=list)


def accept_submission(
    form: FormSpec,
    form_data: Any,
    files: Any,
    *,
    locale: str,
    context: Mapping[str, Any] | None = None,
    uploaded_by: Any = None,
    store_files: bool = True,
) -> FormResult:
    """Validate one multipart submission of `form`; see the module docstring.

    `store_files=False` checks uploads without writing them (the builder's preview).
    """
    if not hasattr(form_data, "getlist"):  # a plain dict (API callers, tests)
        form_data = DictInput(form_data or {})
    uploads: dict[str, list[CheckedUpload]] = {}
    problems: dict[str, Problem] = {}
    for spec in form.upload_fields:
        parts = files.getlist(spec.key) if files is not None else []
        checked, problem = check_uploads(spec, parts)
        if problem is not None:
            problems[spec.key] = problem
        uploads[spec.path] = checked
    placeholders = {
        path: [_metadata_placeholder(u) for u in items] for path, items in uploads.items()
    }
    checked_input = check_input(form, form_data, files=placeholders or None, context=context)
    for key, problem in problems.items():
        if key.replace("/", ".") not in checked_input.outcome.hidden:
            checked_input.problems[key] = problem  # more precise than "required"
    if not checked_input.ok:
        errors = messages_for(form, checked_input.problems, locale)
        return FormResult(False, checked_input.data, errors, [])
    stored: list[StoredFile] = []
    for path, items in uploads.items():
        if path in checked_input.outcome.hidden or path not in checked_input.data:
            continue
        entries = []
        for upload in items:
            row = store_upload(upload, uploaded_by) if store_files else None
            if row is not None:
                stored.append(row)
            entries.append(_metadata(upload, row))
        checked_input.data[path] = entries
    return FormResult(True, checked_input.data, {}, stored)


def save_submission(
    form: FormSpec,
    result: FormResult,
    *,
    locale: str,
    client_token: str | None,
    instance: Any = None,
    task: Any = None,
    user: Any = None,
) -> Submission:
    """Store a valid result; a repeated `client_token` returns the first Submission."""
    if not result.ok:
        raise FormloomError("only a valid submission can be saved")
    if client_token is not None and not CLIENT_TOKEN.match(client_token):
        raise BadClientToken("the form's client token is malformed; reload the form")
    values = {
        "public_id": secrets.token_urlsafe(18),
        "form_key": form.key,
        "form_version": form.version,
        "data": result.data,
        "locale": locale[:16],
        "client_token": client_token,
        "instance_id": getattr(instance, "id", None),
        "task_id": getattr(task, "id", None),
        "submitted_by_id": getattr(user, "id", None),
        "created_at": utcnow(),
    }
    # INSERT ... ON CONFLICT DO NOTHING RETURNING: one statement for a new token (the
    # common case); the unique index settles two concurrent replays (CHECKLIST 12) and
    # the loser reads the winner's row. No token (NULL) never conflicts. A Core
    # statement returning only the id, with the object built from the inserted values:
    # the ORM's bulk INSERT ... RETURNING path cost several times the CPU time.
    statement = _insert_for(db.session.get_bind().dialect.name)
    new_id = db.session.execute(statement, values).scalar()
    if new_id is None:
        earlier = _by_token(client_token)
        if earlier is None:  # pragma: no cover - the clash's row vanished (rolled back)
            raise BadClientToken("this form was just submitted elsewhere; try again")
        _discard(result.files)
        return earlier
    submission = Submission(id=new_id, **values)
    make_transient_to_detached(submission)
    db.session.add(submission)
    if not result.files:
        return submission
    for stored in result.files:
        stored.submission_id = submission.id
        stored.instance_id = getattr(instance, "id", None)
    db.session.flush()
    return submission


def _insert_for(dialect: str) -> Any:
    """The submission INSERT, built once per dialect; the values are bound per call."""
    statement = _INSERTS.get(dialect)
    if statement is None:
        if dialect not in _DIALECT_INSERTS:
            raise FormloomError(f"client tokens need PostgreSQL or SQLite, not {dialect}")
        statement = (
            _DIALECT_INSERTS[dialect](SUBMISSIONS)
            .on_conflict_do_nothing(index_elements=["client_token"])
            .returning(SUBMISSIONS.c.id)
        )
        _INSERTS[dialect] = statement
    return statement


_DIALECT_INSERTS = {"postgresql": postgresql_insert, "sqlite": sqlite_insert}
_INSERTS: dict[str, Any] = {}


def _by_token(token: str) -> Submission | None:
    return db.session.scalar(db.select(Submission).where(Submission.client_token == token))


def _discard(files: list[StoredFile]) -> None:
    """Files of a replayed submission are not kept twice."""
    for stored in files:
        with contextlib.suppress(OSError):
            os.remove(file_path(stored))
        db.session.delete(stored)
    files.clear()


def _metadata_placeholder(upload: CheckedUpload) -> dict[str, Any]:
    return _metadata(upload, None)


def _metadata(upload: CheckedUpload, row: StoredFile | None) -> dict[str, Any]:
    return {
        "file": row.public_id if row is not None else "",
        "name": upload.original_name,
        "type": upload.content_type,
        "size": len(upload.content),
    }
