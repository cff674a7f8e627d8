"""Admin > Connectors: health, settings, credentials, test connection, calls, webhooks.

Thin views over `app.services.connectors` (STYLE 13). Who may do what:

    see the pages, test a connection, change the base URL     builders and admins
    enter a credential, deliver a webhook again               admins

Secrets are shown only redacted; the form to enter one never echoes what was typed.
"""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from app.extensions import db
from app.flows.connector_calls import connector_spec
from app.hooks.process import deliver_again
from app.models import Definition
from app.security import requires
from app.services import call_log, connectors, credentials, definitions
from connectors.exceptions import ConnectorError
from runtime.exceptions import Conflict, NotFound, ValidationFailed

bp = Blueprint("connectors", __name__, url_prefix="/admin/connectors")
MAX_TEST_INPUT = 10_000


@bp.get("/")
@requires("builder")
def index() -> Any:
    return render_template("admin/connectors.html", rows=connectors.overview())


@bp.get("/<key>")
@requires("builder")
def detail(key: str) -> Any:
    return _render_detail(key)


@bp.post("/<key>/base-url")
@requires("builder")
def change_base_url(key: str) -> Any:
    try:
        row, cleared = connectors.change_base_url(key, request.form.get("base_url", ""),
                                                  current_user)
    except (ValidationFailed, Conflict) as err:
        db.session.rollback()
        flash(_message(err), "error")
        return redirect(url_for("connectors.detail", key=key))
    db.session.commit()
    voided = f"; {cleared} stored secret(s) cleared - enter them again" if cleared else ""
    flash(f"Base URL changed: version {row.version} published{voided}.", "success")
    return redirect(url_for("connectors.detail", key=key))


@bp.post("/<key>/credentials")
@requires("admin")
def set_credential(key: str) -> Any:
    name = request.form.get("name", "")
    try:
        connectors.set_credential(key, name, request.form.get("value", ""), current_user)
    except ValidationFailed as err:
        db.session.rollback()
        flash(_message(err), "error")
        return redirect(url_for("connectors.detail", key=key))
    db.session.commit()
    flash(f"Credential {name} saved.", "success")
    return redirect(url_for("connectors.detail", key=key))


@bp.post("/<key>/test")
@requires("builder")
def test_connection(key: str) -> Any:
    action = request.form.get("action", "")
    raw = request.form.get("inputs", "").strip() or "{}"
    outcome: dict[str, Any] = {"action": action, "inputs": raw}
    try:
        inputs = json.loads(raw) if len(raw) <= MAX_TEST_INPUT else None
    except ValueError:
        inputs = None
    if not isinstance(inputs, dict):
        outcome.update(ok=False, message='Inputs must be a JSON object, e.g. {"number": "SO-1"}.')
        return _render_detail(key, outcome, 422)
    try:
        result = connectors.test_connection(key, action, inputs)
        outcome.update(ok=True, status=result.status, attempts=result.attempts,
                       duration_ms=result.duration_ms,
                       outputs=json.dumps(result.outputs, indent=2, ensure_ascii=False,
                                          default=str)[:5000])
    except ConnectorError as err:
        outcome.update(ok=False, message=_explain(err))
    db.session.commit()  # the call log row
    return _render_detail(key, outcome)


@bp.post("/<key>/deliveries/<int:delivery_id>/again")
@requires("admin")
def deliver_delivery_again(key: str, delivery_id: int) -> Any:
    try:
        row = deliver_again(delivery_id, actor=current_user)
    except Conflict as err:
        db.session.rollback()
        flash(_message(err), "error")
        return redirect(url_for("connectors.detail", key=key))
    if row.connector_key != key:
        db.session.rollback()
        raise NotFound("no such webhook delivery for this connector")
    db.session.commit()
    flash(f"Delivery #{row.id} queued again.", "success")
    return redirect(url_for("connectors.detail", key=key))


def _render_detail(key: str, test: dict[str, Any] | None = None, status: int = 200) -> Any:
    row: Definition = definitions.get("connector", key, "latest")
    spec = connector_spec(key)
    stored = {c.name: c for c in credentials.list_redacted(key)}
    wanted = connectors.credential_names(spec)
    creds = [(name, stored.get(name) if _bound(stored.get(name), spec) else None)
             for name in wanted]
    return render_template(
        "admin/connector_detail.html", row=row, spec=spec, creds=creds,
        test_actions=connectors.test_actions(spec), test=test,
        calls=call_log.recent(key), deliveries=connectors.recent_deliveries(key),
        incidents=connectors.incidents_for(key),
        hook_urls=[(h, _public_url("hooks.receive_webhook", connector_key=key,
                                   webhook_name=h.name)) for h in spec.webhooks],
    ), status


def _public_url(endpoint: str, **values: Any) -> str:
    """Where senders must post: the configured public host, never the request's Host."""
    base = str(current_app.config.get("PUBLIC_BASE_URL") or "").rstrip("/")
    return base + url_for(endpoint, **values)


def _bound(view: Any, spec: Any) -> bool:
    return view is not None and view.bound_base_url == spec.base_url


def _message(err: Exception) -> str:
    errors = getattr(err, "errors", None)
    if errors:
        return "; ".join(e.reason for e in errors)
    return str(err)


def _explain(err: ConnectorError) -> str:
    """The error, plus what an admin can do about the common ones."""
    text = str(err)
    if err.code == "target_refused":
        return (f"{text}. Formloom refuses private and loopback addresses (SSRF guard); if "
                "this system really is on your network, add its host to "
                "FORMLOOM_CONNECTOR_ALLOWLIST.")
    if err.code == "circuit_open":
        return f"{text}. Calls pause after repeated failures; try again after that time."
    return text
