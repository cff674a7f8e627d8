"""Inbound webhooks: `POST /hooks/<connector_key>/<webhook_name>` (DESIGN §8).

The route is public but authenticates each call itself with the webhook's HMAC
signature (`@own_auth`: no session, no CSRF token, no Formloom API token); see
receive.py for the checks and answers, process.py for the job that correlates.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, jsonify, request

from app.extensions import db
from app.hooks import process  # noqa: F401  (registers the webhooks.process job)
from app.hooks.receive import answer_body, receive
from app.security import own_auth

bp = Blueprint("hooks", __name__, url_prefix="/hooks")


@bp.post("/<connector_key>/<webhook_name>")
@own_auth
def receive_webhook(connector_key: str, webhook_name: str) -> Any:
    outcome = receive(connector_key, webhook_name, request.headers,
                      request.get_data(cache=False), request.remote_addr)
    db.session.commit()
    return jsonify(answer_body(outcome)), outcome.http_status
